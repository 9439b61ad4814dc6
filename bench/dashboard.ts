/**
 * The dashboard's home page on size m data (100,000 leads, 2 million visits): time to first
 * meaningful render (the eight vanity-check pairs with their numbers on screen) and to the
 * whole page (the trend charts drawn), in Chromium with a fresh context (empty cache) each
 * run, against `verity serve --no-auth` (the built bin, a process of its own, DuckDB).
 *
 * Baselines in the same run, on the same server:
 * - the API alone: GET /api/check from Node (the page's one request: the period, the one
 *   before and up to 12 earlier periods of the same length for normal variation);
 * - a minimal page on the same origin that fetches /api/check and writes the findings as
 *   text (no dashboard code, no ECharts): what any page showing these numbers would take.
 *
 *   npm run build && npm run bench:dashboard          5 runs after a warm-up
 *   BENCH_RUNS=9 BENCH_SIZE=s BENCH_PERIOD=2026-Q2 npm run bench:dashboard
 *
 * Needs /usr/bin/chromium. Prints a table: median, min and max of each figure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { simulate } from "../src/simulate/simulate.js";
import { openStore } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import { launchChromium, MISSING_CHROMIUM } from "../test/support/chromium.js";

const size = (process.env.BENCH_SIZE ?? "m") as "s" | "m" | "l";
const runs = Number(process.env.BENCH_RUNS ?? 5);
const period = process.env.BENCH_PERIOD ?? "2026-Q2";
const WORKSPACE = "bench";
const root = join(import.meta.dirname, "..");
const out = join(import.meta.dirname, "out");
const database = join(out, `dashboard-${size}.duckdb`);

const log = (text: string) => process.stderr.write(`${text}\n`);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function ensureData(): Promise<void> {
  const store = await openStore({ engine: "duckdb", path: database });
  try {
    const [row] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM leads WHERE workspace_id = ${WORKSPACE}`,
    );
    if (Number(row?.n ?? 0) > 0) return;
    const dir = join(out, `${size}-seed1`);
    if (!existsSync(join(dir, "done"))) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      log(`simulating size ${size} into ${dir} ...`);
      await simulate({ size, seed: 1, outDir: dir });
      await writeFile(join(dir, "done"), "");
    }
    log(`importing size ${size} into ${database} (once) ...`);
    await runImport(store, verityImporter, dir, { workspace: WORKSPACE });
  } finally {
    await store.close();
  }
}

async function startServe(): Promise<{ child: ChildProcess; url: string }> {
  if (!existsSync(join(root, "dist", "web", "dashboard", "main.js"))) throw new Error("run `npm run build` first");
  const child = spawn(
    process.execPath,
    [
      join(root, "bin", "verity.js"),
      "--db",
      database,
      "-w",
      WORKSPACE,
      "serve",
      "--no-auth",
      "--port",
      "0",
      "--log-level",
      "warn",
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const match = /serving the dashboard at (http:\/\/[^/\s]+)\//.exec(seen);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`verity serve exited (${code}): ${seen}`)));
  });
  return { child, url };
}

const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;

/** The minimal page: the check's findings as text, nothing else. */
const BASELINE_PAGE = `<!doctype html><meta charset="utf-8"><title>baseline</title><main id="main">…</main>
<script>
fetch("/api/check?period=${period}").then((r) => r.json()).then((c) => {
  const main = document.getElementById("main");
  main.textContent = c.findings.map((f) => f.finding).join("\\n");
  main.dataset.ready = "pairs";
});
</script>`;

await mkdir(out, { recursive: true });
await ensureData();
const { child, url } = await startServe();
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
log(`dashboard bench, size ${size}, period ${period}, ${runs} runs after a warm-up; ${machine}; ${url}`);
const browser = await launchChromium();
if (!browser) throw new Error(MISSING_CHROMIUM);
const figures: Record<string, number[]> = {
  "home: first meaningful render (the eight pairs) ms": [],
  "home: whole page (trend charts drawn) ms": [],
  "baseline page: the findings as text ms": [],
  "API: GET /api/check ms": [],
};
try {
  for (let run = 0; run <= runs; run++) {
    const keep = run > 0;
    // The API alone, from Node.
    let started = performance.now();
    const check = await fetch(`${url}/api/check?period=${period}`);
    if (!check.ok) throw new Error(`/api/check: ${check.status} ${await check.text()}`);
    await check.json();
    const checkMs = performance.now() - started;

    // The dashboard, cold (a new context has an empty cache).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    started = performance.now();
    await page.goto(`${url}/?period=${period}`);
    await page.waitForSelector('main[data-ready="pairs"], main[data-ready="all"]', { timeout: 120_000 });
    const pairsMs = performance.now() - started;
    await page.waitForSelector('main[data-ready="all"]', { timeout: 300_000 });
    const allMs = performance.now() - started;
    if ((await page.locator("article.pair").count()) !== 8 || errors.length > 0) {
      throw new Error(`the home page did not show the eight pairs: ${errors.join("; ")}`);
    }
    await context.close();

    // The minimal page on the same origin.
    const plain = await browser.newContext();
    const baseline = await plain.newPage();
    await baseline.route(`${url}/bench-baseline`, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: BASELINE_PAGE }),
    );
    started = performance.now();
    await baseline.goto(`${url}/bench-baseline`);
    await baseline.waitForSelector('main[data-ready="pairs"]', { timeout: 120_000 });
    const baselineMs = performance.now() - started;
    await plain.close();

    log(
      `${keep ? `run ${run}` : "warm-up"}: pairs ${pairsMs.toFixed(0)} ms, all ${allMs.toFixed(0)} ms; baseline page ${baselineMs.toFixed(0)} ms; API check ${checkMs.toFixed(0)} ms`,
    );
    if (!keep) continue;
    figures["home: first meaningful render (the eight pairs) ms"]?.push(pairsMs);
    figures["home: whole page (trend charts drawn) ms"]?.push(allMs);
    figures["baseline page: the findings as text ms"]?.push(baselineMs);
    figures["API: GET /api/check ms"]?.push(checkMs);
  }
} finally {
  await browser.close();
  const rss = peakRssMb(child.pid as number);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  const rows = Object.entries(figures).map(([name, values]) => [
    name,
    median(values).toFixed(0),
    Math.min(...values).toFixed(0),
    Math.max(...values).toFixed(0),
  ]);
  rows.push(["server peak RSS MB", rss.toFixed(0), "", ""]);
  const first = median(figures["home: first meaningful render (the eight pairs) ms"] ?? []);
  const base = median(figures["baseline page: the findings as text ms"] ?? []);
  rows.push(["ratio: home first render / baseline page", (first / base).toFixed(2), "", ""]);
  const width = Math.max(...rows.map((r) => String(r[0]).length));
  process.stdout.write(
    `\nDashboard home on size ${size} (DuckDB, verity serve --no-auth), period ${period}, ${runs} runs; ${machine}\n\n` +
      `${"".padEnd(width)}  median     min     max\n` +
      rows
        .map(
          (r) =>
            `${String(r[0]).padEnd(width)}  ${String(r[1]).padStart(6)}  ${String(r[2]).padStart(6)}  ${String(r[3]).padStart(6)}`,
        )
        .join("\n") +
      "\n",
  );
}
