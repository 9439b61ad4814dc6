/**
 * The dashboard home's requests through `verity serve` (issue 17, target 1): the vanity check
 * (the period, the one before and up to 12 earlier periods), its six-period trend and the data
 * health, asked together as the page does, on a loaded company. Three figures:
 *
 * - warm: the same home again, nothing written in between;
 * - after an ingest batch: one tracked pageview accepted, then the home (its reads wait for
 *   the writer to apply the event, so the figure includes applying it);
 * - after an import: one lead (created now) pushed through POST /api/data, as a CRM webhook sends
 *   it, then the home. A file import counts as changing any period (docs/benchmarks.md).
 * - after a write that changes every period (a rep renamed through POST /api/data, as a large
 *   import or an upload does): the home at once, and BENCH_SETTLE_MS later (default 15 s: a
 *   person who uploads, then opens the home), when the server has prepared it (home-warmer.ts).
 *
 * Each with the results cache on (as shipped) and off (VERITY_READ_CACHE=off: every statement
 * runs), in the same run on the same database, so the cache's share is measured, not assumed.
 * Median, min and max of BENCH_RUNS runs after a warm-up; peak RSS of each server.
 *
 *   BENCH_DB=bench/out/l.duckdb npx tsx bench/home.ts     (a copy of the file is measured)
 *   BENCH_DATABASE_URL=postgres://... npx tsx bench/home.ts   (writes a few leads and visits)
 *   BENCH_COMPARE=0 ...   without the cache-off comparison (its columns then repeat the cache's)
 *
 * The workspace is "bench" (as bench:metrics loads it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createKey } from "../src/accounts/keys.js";
import { createSite } from "../src/accounts/sites.js";
import { openStore, type StoreTarget } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";

const WORKSPACE = "bench";
const runs = Number(process.env.BENCH_RUNS ?? 7);
const settleMs = Number(process.env.BENCH_SETTLE_MS ?? 15_000);
const period = process.env.BENCH_PERIOD ?? "2026-Q2";
const out = join(import.meta.dirname, "out");
const log = (text: string) => process.stderr.write(`${text}\n`);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;

async function target(): Promise<{ target: StoreTarget; cleanup: () => void }> {
  const url = process.env.BENCH_DATABASE_URL;
  if (url) return { target: { engine: "postgres", url }, cleanup: () => {} };
  const source = process.env.BENCH_DB ?? join(out, "l.duckdb");
  if (!existsSync(source)) throw new Error(`${source} does not exist: load it with bench:metrics first`);
  const copy = join(out, `home-${process.pid}.duckdb`);
  copyFileSync(source, copy);
  return { target: { engine: "duckdb", path: copy }, cleanup: () => rmSync(copy, { force: true }) };
}

/** A key and a site in the workspace, made with the library before the server starts. */
async function prepare(where: StoreTarget): Promise<Auth> {
  const store = await openStore(where);
  try {
    const [row] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM leads WHERE workspace_id = ${WORKSPACE}`,
    );
    if (!Number(row?.n)) throw new Error(`workspace "${WORKSPACE}" holds no leads: load it with bench:metrics first`);
    const [pipeline] = await store.query<{ id: string }>(
      sql`SELECT id FROM pipelines WHERE workspace_id = ${WORKSPACE} ORDER BY id LIMIT 1`,
    );
    const [rep] = await store.query<{ id: string; name: string }>(
      sql`SELECT id, name FROM reps WHERE workspace_id = ${WORKSPACE} ORDER BY id LIMIT 1`,
    );
    if (!rep) throw new Error(`workspace "${WORKSPACE}" has no reps: load it with bench:metrics first`);
    const domain = "home-bench.example";
    const made = await createKey(store, {
      workspace: WORKSPACE,
      name: `home bench ${randomUUID()}`,
      scopes: ["metrics:read", "data:write", "admin"],
    });
    const site = await createSite(store, WORKSPACE, { name: `home bench ${randomUUID()}`, domains: [domain] });
    return { key: made.secret, site: site.publicKey, domain, pipeline: pipeline?.id ?? "", rep };
  } finally {
    await store.close();
  }
}

async function startServer(where: StoreTarget, cache: boolean): Promise<{ child: ChildProcess; url: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "verity-home-bench-"));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "ingest-server.ts"), JSON.stringify({ target: where, dataDir })],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, VERITY_READ_CACHE: cache ? "on" : "off" },
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

type Auth = { key: string; site: string; domain: string; pipeline: string; rep: { id: string; name: string } };
type Figures = {
  warm: number[];
  afterIngest: number[];
  afterImport: number[];
  afterWrite: number[];
  afterWriteSettled: number[];
  rssMb: number;
};

async function measure(where: StoreTarget, auth: Auth, cache: boolean) {
  const { child, url } = await startServer(where, cache);
  const headers = { authorization: `Bearer ${auth.key}` };
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  /** The home's three requests together, as the page asks them. */
  const home = async () => {
    const started = performance.now();
    await Promise.all([
      get(`/api/check?period=${period}`),
      get(`/api/check/trend?period=${period}&periods=6`),
      get("/api/doctor"),
    ]);
    return performance.now() - started;
  };
  const track = async () => {
    const id = randomUUID().replaceAll("-", "");
    const res = await fetch(`${url}/api/event`, {
      method: "POST",
      headers: { origin: `https://${auth.domain}`, "content-type": "text/plain" },
      body: JSON.stringify({
        site: auth.site,
        events: [{ id, type: "pageview", visitor: id, visit: id, url: `https://${auth.domain}/pricing` }],
      }),
    });
    if (res.status !== 202) throw new Error(`/api/event: ${res.status} ${await res.text()}`);
  };
  const push = async () => {
    const id = `home-bench-${randomUUID()}`;
    const res = await fetch(`${url}/api/data`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({
        leads: [{ id, pipeline_id: auth.pipeline, status: "open", created_at: new Date().toISOString() }],
      }),
    });
    if (!res.ok) throw new Error(`/api/data: ${res.status} ${await res.text()}`);
  };
  /** A rep renamed: reps count as changing every period (write-scope.ts), as a large import does. */
  let renames = 0;
  const rename = async (name = `${auth.rep.name} (home bench ${++renames})`) => {
    const res = await fetch(`${url}/api/data`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ reps: [{ id: auth.rep.id, name }] }),
    });
    if (!res.ok) throw new Error(`/api/data: ${res.status} ${await res.text()}`);
  };
  const figures: Figures = {
    warm: [],
    afterIngest: [],
    afterImport: [],
    afterWrite: [],
    afterWriteSettled: [],
    rssMb: 0,
  };
  try {
    await home(); // warm-up: the engine's caches, and ours
    for (let i = 0; i < runs; i++) figures.warm.push(await home());
    for (let i = 0; i < runs; i++) {
      await track();
      figures.afterIngest.push(await home());
    }
    for (let i = 0; i < runs; i++) {
      await push();
      figures.afterImport.push(await home());
    }
    for (let i = 0; i < runs; i++) {
      await rename();
      figures.afterWrite.push(await home());
    }
    for (let i = 0; i < runs; i++) {
      await rename();
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      figures.afterWriteSettled.push(await home());
    }
    await rename(auth.rep.name); // as it was (a PostgreSQL bench database is not a copy)
    figures.rssMb = peakRssMb(child.pid as number);
  } finally {
    await stop(child);
  }
  log(
    `cache ${cache ? "on" : "off"}: warm ${figures.warm.map((v) => v.toFixed(0)).join(", ")}; after ingest ${figures.afterIngest.map((v) => v.toFixed(0)).join(", ")}; after a push ${figures.afterImport.map((v) => v.toFixed(0)).join(", ")}; after a write of every period ${figures.afterWrite.map((v) => v.toFixed(0)).join(", ")}; ${settleMs / 1000} s after one ${figures.afterWriteSettled.map((v) => v.toFixed(0)).join(", ")} ms`,
  );
  return figures;
}

const { target: where, cleanup } = await target();
try {
  const auth = await prepare(where);
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
  log(`home bench on ${where.engine}, period ${period}, ${runs} runs after a warm-up; ${machine}`);
  const on = await measure(where, auth, true);
  // BENCH_COMPARE=0: the kept answers alone (the comparison runs every statement: minutes at size l).
  const off = process.env.BENCH_COMPARE === "0" ? on : await measure(where, auth, false);
  const row = (name: string, a: number[], b: number[]) =>
    `${name.padEnd(44)}${[median(a), Math.min(...a), Math.max(...a), median(b), Math.min(...b), Math.max(...b)]
      .map((v) => v.toFixed(0).padStart(8))
      .join("")}`;
  process.stdout.write(
    `\nDashboard home (check + 6-period trend + doctor, together) on ${where.engine}, period ${period}, ${runs} runs; ${machine}\n\n` +
      `${"".padEnd(44)}${["cache on", "min", "max", "off", "min", "max"].map((h) => h.padStart(8)).join("")}\n` +
      `${row("warm ms", on.warm, off.warm)}\n` +
      `${row("first view after an ingest batch ms", on.afterIngest, off.afterIngest)}\n` +
      `${row("first view after a push of one lead ms", on.afterImport, off.afterImport)}\n` +
      `${row("at once after a write of every period ms", on.afterWrite, off.afterWrite)}\n` +
      `${row(`${settleMs / 1000} s after a write of every period ms`, on.afterWriteSettled, off.afterWriteSettled)}\n` +
      `${"server peak RSS MB".padEnd(44)}${on.rssMb.toFixed(0).padStart(8)}${"".padStart(16)}${off.rssMb.toFixed(0).padStart(8)}\n`,
  );
} finally {
  cleanup();
}
