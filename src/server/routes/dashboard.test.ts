/**
 * The dashboard's files as `verity serve` answers them (src/server/routes/dashboard.ts): the
 * page at / and /login with its content security policy, the compiled modules, ECharts and
 * Papa Parse from the installed packages (gzipped when the browser takes it), and nothing
 * outside those folders. What the page does in a browser: test/browser/dashboard.test.ts.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "../../../test/support/stores.js";
import { createServer, type VerityServer } from "../server.js";
import { DASHBOARD_PAGES, registerDashboard } from "./dashboard.js";

describe("the dashboard's files", () => {
  let db: TestStore;
  let dir: string;
  let server: VerityServer;
  beforeAll(async () => {
    db = await openTestStore("duckdb");
    dir = await mkdtemp(join(tmpdir(), "verity-dashboard-"));
    server = await createServer({ store: db.store, dataDir: dir, logLevel: "silent" });
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the page at / and at each page's path, with a policy that allows only its own scripts", async () => {
    for (const path of DASHBOARD_PAGES) {
      const res = await server.app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).toContain('src="/app/main.js"');
      expect(html).toContain('src="/assets/echarts.min.js"');
    }
  });

  it("serves the compiled modules and the stylesheet", async () => {
    const main = await server.app.request("/app/main.js");
    expect(main.status).toBe(200);
    expect(main.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await main.text()).toContain("/api/me");
    const home = await server.app.request("/app/pages/home.js");
    expect(home.status).toBe(200);
    const css = await server.app.request("/app/style.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("serves ECharts and Papa Parse from the installed packages, gzipped when asked", async () => {
    const require = createRequire(import.meta.url);
    const echarts = readFileSync(require.resolve("echarts/dist/echarts.min.js"));
    const plain = await server.app.request("/assets/echarts.min.js");
    expect(Buffer.from(await plain.arrayBuffer()).equals(echarts)).toBe(true);
    const zipped = await server.app.request("/assets/echarts.min.js", { headers: { "accept-encoding": "gzip, br" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    const body = Buffer.from(await zipped.arrayBuffer());
    expect(body.length).toBeLessThan(echarts.length / 2);
    expect(gunzipSync(body).equals(echarts)).toBe(true);
    expect((await server.app.request("/assets/papaparse.min.js")).status).toBe(200);
  });

  it("serves nothing else: other files, other folders, other assets", async () => {
    for (const path of [
      "/app/../../package.json",
      "/app/%2e%2e/%2e%2e/package.json",
      "/app/main.ts",
      "/app/nothing.js",
      "/assets/echarts.js",
      "/assets/..%2fpackage.json",
      "/app/pages/..%2f..%2f..%2fpackage.json",
      "/app/%2e%2e%2f%2e%2e%2fsrc%2fserver%2fserver.js",
      "/app//etc/passwd",
      "/app/main.js%00.js",
    ]) {
      const res = await server.app.request(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe("not_found");
    }
  });

  // Issue 13, defect 5: every unknown path was cached forever (24,000 requests, +415 MB).
  it("keeps no trace of requests for missing files: the cache holds only files that exist", async () => {
    const app = new Hono();
    const files = registerDashboard(app);
    expect(files.knownFiles()).toBeGreaterThan(10);
    expect((await app.request("/app/main.js")).status).toBe(200);
    expect((await app.request("/")).status).toBe(200);
    const before = files.cachedFiles();
    expect(before).toBe(2);
    for (let i = 0; i < 3000; i++) {
      const path =
        i % 3 === 0 ? `/app/missing-${i}.js` : i % 3 === 1 ? `/assets/missing-${i}.js` : `/app/a/../x${i}.css`;
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
    }
    expect(files.cachedFiles()).toBe(before);
    // Existing files are still served, and the cache never outgrows the listing.
    expect((await app.request("/app/pages/home.js")).status).toBe(200);
    expect(files.cachedFiles()).toBe(before + 1);
    expect(files.cachedFiles()).toBeLessThanOrEqual(files.knownFiles());
  });
});
