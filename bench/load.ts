/**
 * Import throughput: Verity's `import` of simulated sizes m and l on DuckDB and PostgreSQL,
 * beside each engine's own bulk loader reading the same files in the same run. Figures, not
 * a test. Each load runs in a fresh process (for its peak memory) into a fresh database.
 *
 *   npm run bench:load                 sizes m and l, 3 runs each
 *   npm run bench:load -- m            one size
 *   BENCH_RUNS=5 BENCH_ENGINES=duckdb npm run bench:load -- m
 *   npm run bench:load -- ga4 --events 1000000   the GA4 export bench only (bench/ga4-load.ts)
 *
 * PostgreSQL: BENCH_DATABASE_URL (a server where the user may create databases), or an
 * embedded PostgreSQL started here. Data is simulated once into bench/out/ and reused.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { simulate } from "../src/simulate/simulate.js";
import { startEmbeddedPostgres } from "../test/support/postgres-global-setup.js";
import { runGa4Bench } from "./ga4-load.js";

const run = promisify(execFile);
// `ga4` and what follows it run the GA4 export bench (bench/ga4-load.ts, its own flags); no
// argument runs sizes m and l and then the GA4 bench at its default size.
const args = process.argv.slice(2);
const ga4At = args.indexOf("ga4");
const sizes = (args.length > 0 ? args.slice(0, ga4At < 0 ? undefined : ga4At) : ["m", "l"]) as ("s" | "m" | "l")[];
const runs = Number(process.env.BENCH_RUNS ?? 3);
const engines = (process.env.BENCH_ENGINES ?? "duckdb,postgres").split(",");
const out = join(import.meta.dirname, "out");

type Measure = { ms: number; rows: number; maxRssMb: number };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function dataFor(size: "s" | "m" | "l"): Promise<{ dir: string; bytes: number }> {
  const dir = join(out, `${size}-seed1`);
  if (!existsSync(join(dir, "done"))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const started = performance.now();
    process.stderr.write(`simulating size ${size} into ${dir} ...\n`);
    await simulate({ size, seed: 1, outDir: dir });
    await (await import("node:fs/promises")).writeFile(join(dir, "done"), "");
    process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  let bytes = 0;
  for (const name of await readdir(dir)) if (name.endsWith(".csv")) bytes += (await stat(join(dir, name))).size;
  return { dir, bytes };
}

async function measure(mode: string, engine: string, dir: string, target: string): Promise<Measure> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "load-worker.ts"), mode, engine, dir, target],
    { maxBuffer: 1 << 20, env: process.env },
  );
  return JSON.parse(stdout.trim().split("\n").pop() as string) as Measure;
}

async function main(): Promise<void> {
  let server: { url: string; stop(): Promise<void> } | null = null;
  let adminUrl = process.env.BENCH_DATABASE_URL ?? null;
  if (engines.includes("postgres") && !adminUrl) {
    server = await startEmbeddedPostgres();
    adminUrl = server.url;
  }
  const rowsOut: string[] = [];
  const results: Record<string, unknown>[] = [];
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} free), node ${process.version}`,
  );
  try {
    for (const size of sizes) {
      const { dir, bytes } = await dataFor(size);
      for (const engine of engines) {
        const figures: Record<string, Measure[]> = { verity: [], baseline: [] };
        for (let i = 0; i < runs; i++) {
          for (const mode of ["baseline", "verity"]) {
            let target: string;
            let cleanup: () => Promise<void>;
            if (engine === "duckdb") {
              const scratch = await mkdtemp(join(tmpdir(), "verity-bench-"));
              target = join(scratch, "bench.duckdb");
              cleanup = () => rm(scratch, { recursive: true, force: true });
            } else {
              const name = `verity_bench_${process.pid}_${i}_${mode}`;
              const admin = new pg.Client({ connectionString: adminUrl as string });
              await admin.connect();
              await admin.query(`CREATE DATABASE ${name}`);
              await admin.end();
              const url = new URL(adminUrl as string);
              url.pathname = `/${name}`;
              target = url.toString();
              cleanup = async () => {
                const c = new pg.Client({ connectionString: adminUrl as string });
                await c.connect();
                await c.query(`DROP DATABASE ${name} WITH (FORCE)`);
                await c.end();
              };
            }
            try {
              const m = await measure(mode, engine, dir, target);
              figures[mode]?.push(m);
              process.stderr.write(
                `  ${size} ${engine} ${mode} run ${i + 1}: ${(m.ms / 1000).toFixed(2)} s, ${m.maxRssMb.toFixed(0)} MB\n`,
              );
            } finally {
              await cleanup();
            }
          }
        }
        const v = figures.verity as Measure[];
        const b = figures.baseline as Measure[];
        const rows = v[0]?.rows ?? 0;
        const vMs = median(v.map((m) => m.ms));
        const bMs = median(b.map((m) => m.ms));
        const result = {
          size,
          engine,
          rows,
          megabytes: bytes / 2 ** 20,
          verityMs: vMs,
          baselineMs: bMs,
          ratio: vMs / bMs,
          verityRowsPerSecond: rows / (vMs / 1000),
          baselineRowsPerSecond: rows / (bMs / 1000),
          verityPeakRssMb: Math.max(...v.map((m) => m.maxRssMb)),
          runs,
        };
        results.push(result);
        rowsOut.push(
          `| ${size} | ${engine} | ${rows.toLocaleString("en-US")} | ${(bytes / 2 ** 20).toFixed(0)} MB | ${(vMs / 1000).toFixed(2)} s | ${Math.round(result.verityRowsPerSecond).toLocaleString("en-US")} | ${(bMs / 1000).toFixed(2)} s | ${Math.round(result.baselineRowsPerSecond).toLocaleString("en-US")} | ${result.ratio.toFixed(2)}x | ${result.verityPeakRssMb.toFixed(0)} MB |`,
        );
      }
    }
  } finally {
    await server?.stop();
  }
  console.log(
    `\nmedian of ${runs} runs; baseline = ${engines.map((e) => (e === "duckdb" ? "DuckDB read_csv (CREATE TABLE AS)" : "PostgreSQL COPY + keys and indexes built after")).join("; ")}\n`,
  );
  console.log(
    "| size | engine | rows | CSV | verity import | rows/s | engine loader | rows/s | ratio | peak RSS (verity) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const line of rowsOut) console.log(line);
  await mkdir(out, { recursive: true });
  const file = join(out, `load-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await (await import("node:fs/promises")).writeFile(file, JSON.stringify(results, null, 2));
  console.log(`\nwritten to ${file}`);
}

if (sizes.length > 0) await main();
if (args.length === 0 || ga4At >= 0) await runGa4Bench(ga4At < 0 ? [] : args.slice(ga4At + 1));
