/**
 * Metric timings on a simulated company (size l by default: ~1M leads, ~10M activities,
 * ~20M visits): each metric through Verity beside the plain hand-written SQL for the same
 * numbers (bench/handwritten/, checked against Verity's result in the same run), the full
 * `verity report` (all nine), and the peak memory of the process. Median of BENCH_RUNS warm
 * runs. Figures, not a test.
 *
 *   npm run bench:metrics                         DuckDB and PostgreSQL, period 2026-Q2
 *   BENCH_ENGINES=duckdb BENCH_PERIOD=2025-11 npm run bench:metrics
 *
 * DuckDB: bench/out/l.duckdb (imported from the simulated files on first use).
 * PostgreSQL: BENCH_DATABASE_URL pointing at a database holding workspace "bench" (imported
 * there on first use when empty), or an embedded PostgreSQL started and loaded here (slow:
 * the import of size l takes several minutes).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { type SimulationSize, simulate } from "../src/simulate/simulate.js";
import { openStore } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import { startEmbeddedPostgres } from "../test/support/postgres-global-setup.js";

const run = promisify(execFile);
const size = (process.env.BENCH_SIZE ?? "l") as SimulationSize;
const runs = Number(process.env.BENCH_RUNS ?? 5);
const period = process.env.BENCH_PERIOD ?? "2026-Q2";
const engines = (process.env.BENCH_ENGINES ?? "duckdb,postgres").split(",");
const out = join(import.meta.dirname, "out");
const WORKSPACE = "bench";

async function dataDir(): Promise<string> {
  const dir = join(out, `${size}-seed1`);
  if (!existsSync(join(dir, "done"))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    process.stderr.write(`simulating size ${size} into ${dir} ...\n`);
    await simulate({ size, seed: 1, outDir: dir });
    await writeFile(join(dir, "done"), "");
  }
  return dir;
}

/** Imports the company into the target unless the workspace already has leads. */
async function ensureLoaded(target: { engine: "duckdb"; path: string } | { engine: "postgres"; url: string }) {
  const store = await openStore(target);
  try {
    const [row] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM leads WHERE workspace_id = ${WORKSPACE}`,
    );
    if ((row?.n ?? 0) > 0) return;
    process.stderr.write(`importing size ${size} into ${target.engine} (once) ...\n`);
    const started = performance.now();
    await runImport(store, verityImporter, await dataDir(), { workspace: WORKSPACE });
    process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  } finally {
    await store.close();
  }
}

type WorkerResult = {
  engine: string;
  metrics: { metric: string; ms: number; baselineMs: number | null; ratio: number | null; checked: boolean }[];
  stalledMs: number;
  stalledPageMs: number;
  reportMs: number;
  reportKeptMs: number;
  stalledKeptMs: number;
  maxRssMb: number;
};

async function measure(engine: string, target: string): Promise<WorkerResult> {
  const { stdout } = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "metrics-worker.ts"),
      engine,
      target,
      WORKSPACE,
      period,
      String(runs),
    ],
    { maxBuffer: 1 << 22, env: process.env },
  );
  return JSON.parse(stdout.trim().split("\n").pop() as string) as WorkerResult;
}

const results: WorkerResult[] = [];
let server: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
try {
  for (const engine of engines) {
    let target: string;
    if (engine === "duckdb") {
      target = join(out, `${size}.duckdb`);
      await ensureLoaded({ engine: "duckdb", path: target });
    } else {
      let url = process.env.BENCH_DATABASE_URL;
      if (!url) {
        server = await startEmbeddedPostgres();
        url = server.url;
      }
      target = url;
      await ensureLoaded({ engine: "postgres", url });
    }
    process.stderr.write(`${engine}: ${runs} warm runs per metric, period ${period}\n`);
    results.push(await measure(engine, target));
  }
} finally {
  await server?.stop();
}

const fmt = (ms: number | null) => (ms === null ? "–" : ms < 10 ? ms.toFixed(1) : ms.toFixed(0));
const lines = [
  `Metrics on size ${size}, period ${period}, median of ${runs} warm runs; ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  "",
  `${"metric".padEnd(22)}${results.map((r) => `${`${r.engine} ms`.padStart(14)}${"hand SQL".padStart(10)}${"ratio".padStart(7)}`).join("")}`,
];
const ids = results[0]?.metrics.map((m) => m.metric) ?? [];
for (const id of ids) {
  lines.push(
    `${id.padEnd(22)}${results
      .map((r) => {
        const m = r.metrics.find((x) => x.metric === id);
        return `${fmt(m?.ms ?? null).padStart(14)}${fmt(m?.baselineMs ?? null).padStart(10)}${(m?.ratio ? `${m.ratio.toFixed(2)}x` : "–").padStart(7)}`;
      })
      .join("")}`,
  );
}
lines.push(
  `${"stalled leads".padEnd(22)}${results.map((r) => `${fmt(r.stalledMs).padStart(14)}${"".padStart(17)}`).join("")}`,
);
lines.push(
  `${"stalled, first page".padEnd(22)}${results.map((r) => `${fmt(r.stalledPageMs).padStart(14)}${"".padStart(17)}`).join("")}`,
);
lines.push(
  `${"full report (all nine)".padEnd(22)}${results.map((r) => `${fmt(r.reportMs).padStart(14)}${"".padStart(17)}`).join("")}`,
);
lines.push(
  `${"report, kept results".padEnd(22)}${results.map((r) => `${fmt(r.reportKeptMs).padStart(14)}${"".padStart(17)}`).join("")}`,
);
lines.push(
  `${"stalled, kept results".padEnd(22)}${results.map((r) => `${fmt(r.stalledKeptMs).padStart(14)}${"".padStart(17)}`).join("")}`,
);
lines.push(
  `${"peak RSS (MB)".padEnd(22)}${results.map((r) => `${r.maxRssMb.toFixed(0).padStart(14)}${"".padStart(17)}`).join("")}`,
);
process.stdout.write(`${lines.join("\n")}\n`);
await mkdir(out, { recursive: true });
await writeFile(
  join(out, `metrics-${new Date().toISOString().replaceAll(":", "-")}.json`),
  JSON.stringify({ size, period, runs, results }, null, 2),
);
