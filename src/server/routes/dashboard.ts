/**
 * The dashboard's files: the page (src/web/dashboard/index.html) at / and at every page's
 * path, its compiled modules and stylesheet under /app/, and ECharts and Papa Parse under
 * /assets/ from the installed packages (nothing is fetched from outside). Public: the numbers
 * come from the API, which asks for a session (or, with --no-auth, nothing). The folder is
 * listed once at start and only the files it holds are served; each is read on first use and
 * kept, gzipped once for browsers that take it. A path that is not in the listing is a 404
 * without touching the disk or the cache, so requests for unknown paths cost no memory
 * (issue 13, defect 5: every unknown path used to be cached, 24,000 of them took 415 MB).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join, relative, sep } from "node:path";
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
  "/campaigns",
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

/**
 * The files the dashboard may serve, by the path they are asked for under (`main.js`,
 * `pages/home.js`, `echarts.min.js`): the dashboard folder's files of the kinds in TYPES,
 * listed once (recursively), relative paths in URL form.
 */
function listDashboard(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !TYPES[extname(entry.name)]) continue;
    const file = join(entry.parentPath, entry.name);
    files.set(relative(dir, file).split(sep).join("/"), file);
  }
  return files;
}

/** What registerDashboard leaves behind for tests: how many files it holds in memory. */
export type DashboardFiles = { cachedFiles(): number; knownFiles(): number };

export function registerDashboard(app: Hono): DashboardFiles {
  const dir = dashboardDir();
  const require = createRequire(import.meta.url);
  const vendor = new Map<string, string>([
    ["echarts.min.js", require.resolve("echarts/dist/echarts.min.js")],
    ["papaparse.min.js", require.resolve("papaparse/papaparse.min.js")],
  ]);
  const files = dir ? listDashboard(dir) : new Map<string, string>();
  // Keyed by files of the two listings only, so it never grows past them.
  const cache = new Map<string, Asset>();

  /** A listed file, read once; null when it went away after the listing (a rebuild). */
  const load = (file: string): Asset | null => {
    const cached = cache.get(file);
    if (cached) return cached;
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return null;
    }
    const asset = {
      body,
      gzipped: body.length > 1024 ? gzipSync(body) : null,
      type: TYPES[extname(file)] ?? "application/octet-stream",
    };
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
      const index = files.get("index.html");
      const page = index ? load(index) : null;
      if (!page) return notBuilt(c);
      return send(c, page, { ...PAGE_HEADERS, "Cache-Control": "no-cache" });
    });
  }

  // Only the listed files: a path with `..`, `%2e%2e` or anything else not in the listing
  // is never looked up on disk.
  app.get("/app/*", (c) => {
    if (!dir) return notBuilt(c);
    const file = files.get(c.req.path.slice("/app/".length));
    const asset = file ? load(file) : null;
    if (!asset) return missing(c);
    return send(c, asset, { "Cache-Control": "no-cache" });
  });

  app.get("/assets/:file", (c) => {
    const file = vendor.get(c.req.param("file"));
    const asset = file ? load(file) : null;
    if (!asset) return missing(c);
    return send(c, asset, { "Cache-Control": "public, max-age=86400" });
  });

  return { cachedFiles: () => cache.size, knownFiles: () => files.size + vendor.size };
}
