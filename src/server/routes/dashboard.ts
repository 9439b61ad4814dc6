/**
 * The dashboard's files: the page (src/web/dashboard/index.html) at / and at every page's
 * path, its compiled modules and stylesheet under /app/, and ECharts and Papa Parse under
 * /assets/ from the installed packages (nothing is fetched from outside). Public: the numbers
 * come from the API, which asks for a session (or, with --no-auth, nothing). Files are read
 * once and kept, gzipped once for browsers that take it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Context, Hono } from "hono";
import { ApiError } from "../errors.js";

/** Paths that answer with the page; the page draws the one asked for. */
export const DASHBOARD_PAGES = [
  "/",
  "/login",
  "/activity",
  "/funnel",
  "/velocity",
  "/losses",
  "/engagement",
  "/qualified",
  "/social",
  "/newsletter",
  "/timeline",
] as const;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

// The page runs only its own scripts; ECharts sets styles on the elements it draws.
const PAGE_HEADERS = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
};

type Asset = { body: Buffer; gzipped: Buffer | null; type: string };

/**
 * The compiled dashboard: dist/web/dashboard, from dist/server/routes or from
 * src/server/routes (tests). The compiled one has main.js (src/web/dashboard has main.ts).
 */
function dashboardDir(): string | null {
  for (const candidate of ["../../web/dashboard/", "../../../dist/web/dashboard/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "main.js")) && existsSync(join(dir, "index.html"))) return dir;
  }
  return null;
}

export function registerDashboard(app: Hono): void {
  const dir = dashboardDir();
  const require = createRequire(import.meta.url);
  const vendor: Record<string, string> = {
    "echarts.min.js": require.resolve("echarts/dist/echarts.min.js"),
    "papaparse.min.js": require.resolve("papaparse/papaparse.min.js"),
  };
  const cache = new Map<string, Asset | null>();

  const load = (file: string): Asset | null => {
    if (cache.has(file)) return cache.get(file) ?? null;
    let asset: Asset | null = null;
    try {
      const body = readFileSync(file);
      asset = {
        body,
        gzipped: body.length > 1024 ? gzipSync(body) : null,
        type: TYPES[extname(file)] ?? "application/octet-stream",
      };
    } catch {}
    cache.set(file, asset);
    return asset;
  };

  const send = (c: Context, asset: Asset, headers: Record<string, string>) => {
    const gzip = asset.gzipped && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    const body = gzip ? (asset.gzipped as Buffer) : asset.body;
    return c.body(new Uint8Array(body), 200, {
      "Content-Type": asset.type,
      Vary: "Accept-Encoding",
      ...(gzip ? { "Content-Encoding": "gzip" } : {}),
      ...headers,
    });
  };

  const notBuilt = (c: Context) =>
    c.json(new ApiError(404, "not_found", "the dashboard is not in this build (run `npm run build`)").toJSON(), 404);
  const missing = (c: Context) =>
    c.json(new ApiError(404, "not_found", `there is no file ${c.req.path}`).toJSON(), 404);

  for (const path of DASHBOARD_PAGES) {
    app.get(path, (c) => {
      const page = dir ? load(join(dir, "index.html")) : null;
      if (!page) return notBuilt(c);
      return send(c, page, { ...PAGE_HEADERS, "Cache-Control": "no-cache" });
    });
  }

  app.get("/app/*", (c) => {
    if (!dir) return notBuilt(c);
    const relative = normalize(c.req.path.slice("/app/".length));
    // Only files inside the dashboard's folder, of the kinds it has.
    if (relative.startsWith("..") || relative.includes(`${sep}..`) || !TYPES[extname(relative)]) {
      return missing(c);
    }
    const asset = load(join(dir, relative));
    if (!asset)
      return c.json({ error: { status: 404, code: "not_found", message: `there is no file ${c.req.path}` } }, 404);
    return send(c, asset, { "Cache-Control": "no-cache" });
  });

  app.get("/assets/:file", (c) => {
    const file = vendor[c.req.param("file")];
    const asset = file ? load(file) : null;
    if (!asset)
      return c.json({ error: { status: 404, code: "not_found", message: `there is no file ${c.req.path}` } }, 404);
    return send(c, asset, { "Cache-Control": "public, max-age=86400" });
  });
}
