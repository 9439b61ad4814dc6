/**
 * Tracking ingest throughput: `verity serve`'s POST /api/event under load from another
 * process on loopback (bench/ingest-load.ts), beside a minimal node:http server that does only
 * the durable part of the same work (bench/ingest-baseline-server.ts), driven by the same load
 * generator; and the writer's apply rate (a pre-filled log drained at start-up) beside the same
 * events written by hand-written code on the same engine and tables
 * (bench/ingest-apply-baseline.ts: multi-row INSERTs, and DuckDB's appender). After each Verity
 * load the server drains and stops, and the database is checked: every acknowledged event
 * stored exactly once and every acknowledged pageview counted. Also measured: the server's peak
 * RSS (VmHWM), its CPU time per event (JavaScript thread, other threads, PostgreSQL backends),
 * the writer's batches (from its debug log) and the time it takes to drain after the load.
 * Figures, not a test, except that check (the script exits 1 when it fails).
 *
 *   npm run bench:ingest                                   DuckDB, 3 runs
 *   BENCH_RUNS=5 BENCH_SECONDS=30 BENCH_CONNECTIONS=128 npm run bench:ingest
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55432/verity_ingest npm run bench:ingest
 *
 * BENCH_SECONDS (20) measured after BENCH_WARMUP (3) seconds; BENCH_CONNECTIONS (64)
 * keep-alive connections; BENCH_BATCH (10) events per request in the batched variant;
 * BENCH_VISITORS (20000); BENCH_BACKLOG (100000) events in the pre-filled log, of which the
 * multi-row INSERT baseline applies BENCH_HAND_INSERT_EVENTS (30000 on DuckDB, where it is slow);
 * BENCH_PHASES (all: verity-1,baseline-1,verity-N,baseline-N,apply) to run some only;
 * BENCH_RATE offers that many events a second on a fixed schedule instead of as many as the server
 * answers (does the writer keep up with that rate: see the events waiting at the end);
 * BENCH_GENERATOR (wrk when installed, else node) picks the load generator: wrk (Debian's
 * package, bench/ingest-wrk.lua) costs the shared cores about 20 µs a request, the Node
 * generator (bench/ingest-load.ts) about 110 µs; the Node generator's check is by event id;
 * BENCH_PROFILE=1 writes a CPU profile of each Verity server process (node --cpu-prof) into
 * the run's folder; BENCH_KEEP=1 keeps the run's databases and logs (bench/out/ingest-*).
 *
 * With BENCH_DATABASE_URL the server runs on PostgreSQL: that database is dropped and
 * created again before each measurement, so its name must contain "bench" or "ingest".
 */
import { fork, spawn } from "node:child_process";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { createKey } from "../src/accounts/keys.js";
import { createSite } from "../src/accounts/sites.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { IngestLog } from "../src/server/collect/log.js";
import { openStore, type StoreTarget } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import { recreatePostgresDatabase, startProcess, stopProcess } from "./bench-support.js";
import { BENCH_HOST, EventStream, toLogged } from "./ingest-events.js";
import type { LoadConfig, LoadResult } from "./ingest-load.js";
import type { Batch } from "./ingest-server.js";
import { wrkAvailable, wrkLoad } from "./ingest-wrk.js";

const env = process.env;
const pgUrl = env.BENCH_DATABASE_URL;
const runs = Number(env.BENCH_RUNS ?? 3);
const seconds = Number(env.BENCH_SECONDS ?? 20);
const warmupSeconds = Number(env.BENCH_WARMUP ?? 3);
const connections = Number(env.BENCH_CONNECTIONS ?? 64);
const batchSize = Number(env.BENCH_BATCH ?? 10);
const visitors = Number(env.BENCH_VISITORS ?? 20_000);
const backlogEvents = Number(env.BENCH_BACKLOG ?? 100_000);
/** The multi-row INSERT baseline takes seconds per batch on DuckDB: it applies the first events only. */
const handInsertEvents = Number(env.BENCH_HAND_INSERT_EVENTS ?? (pgUrl ? backlogEvents : 30_000));
const profile = env.BENCH_PROFILE === "1";
const keep = env.BENCH_KEEP === "1";
const rate = Number(env.BENCH_RATE ?? 0);
const phases = new Set(
  (env.BENCH_PHASES ?? `verity-1,baseline-1,verity-${batchSize},baseline-${batchSize},apply`).split(","),
);
const engine = pgUrl ? "postgres" : "duckdb";
/**
 * wrk (bench/ingest-wrk.ts) when it is installed: it leaves the server the CPU the Node
 * generator would take. The Node generator checks acknowledgements by event id, wrk by counts;
 * a fixed rate (BENCH_RATE) needs the Node generator.
 */
const generator = env.BENCH_GENERATOR ?? (rate === 0 && wrkAvailable() ? "wrk" : "node");
if (generator !== "wrk" && generator !== "node") throw new Error("BENCH_GENERATOR is wrk or node");
if (generator === "wrk" && rate > 0)
  throw new Error("BENCH_RATE needs BENCH_GENERATOR=node (wrk sends as fast as answered)");
const WORKSPACE = "bench";
const root = join(import.meta.dirname, "..");
const out = join(import.meta.dirname, "out", `ingest-${new Date().toISOString().replaceAll(":", "-")}`);

const median = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const log = (text: string) => process.stderr.write(`${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- Databases ------------------------------------------------------------------------------

/** A fresh database for one measurement: a new DuckDB file, or the PostgreSQL database made again. */
async function freshTarget(label: string): Promise<{ target: StoreTarget; dataDir: string }> {
  const dataDir = join(out, `${label}.ingest`);
  if (!pgUrl) return { target: { engine: "duckdb", path: join(out, `${label}.duckdb`) }, dataDir };
  await recreatePostgresDatabase(pgUrl);
  return { target: { engine: "postgres", url: pgUrl }, dataDir };
}

/** The workspace and the site, made with the library before the server starts. */
async function prepare(target: StoreTarget): Promise<{ siteId: string; publicKey: string; adminKey: string }> {
  const store = await openStore(target);
  try {
    await ensureWorkspace(store, WORKSPACE);
    const site = await createSite(store, WORKSPACE, { name: "bench", domains: [BENCH_HOST] });
    // /api/health shows the ingest's state to admins only.
    const { secret } = await createKey(store, { workspace: WORKSPACE, name: "bench health", scopes: ["admin"] });
    return { siteId: site.id, publicKey: site.publicKey, adminKey: secret };
  } finally {
    await store.close();
  }
}

type Check = {
  ok: boolean;
  stored: number;
  distinct: number;
  expected: number;
  missing: number;
  unacknowledged: number;
  pageviews: number;
  expectedPageviews: number;
};

/** Every acknowledged event stored once, every acknowledged pageview counted in visits. */
async function check(target: StoreTarget, ackedIds: Set<string>, expectedPageviews: number): Promise<Check> {
  const store = await openStore(target);
  try {
    const [counts] = await store.query<{ stored: number; distinct: number; pageviews: number }>(
      sql`SELECT (SELECT count(*) FROM tracked_events WHERE workspace_id = ${WORKSPACE}) AS stored,
            (SELECT count(DISTINCT event_id) FROM tracked_events WHERE workspace_id = ${WORKSPACE}) AS distinct,
            (SELECT COALESCE(sum(pageviews), 0) FROM visits
              WHERE workspace_id = ${WORKSPACE} AND source_system = 'tracker') AS pageviews`,
    );
    const ids = await store.query<{ event_id: string }>(
      sql`SELECT event_id FROM tracked_events WHERE workspace_id = ${WORKSPACE}`,
    );
    const stored = new Set(ids.map((r) => r.event_id));
    let missing = 0;
    for (const id of ackedIds) if (!stored.has(id)) missing++;
    let unacknowledged = 0;
    for (const id of stored) if (!ackedIds.has(id)) unacknowledged++;
    const result = {
      stored: Number(counts?.stored ?? 0),
      distinct: Number(counts?.distinct ?? 0),
      expected: ackedIds.size,
      missing,
      unacknowledged,
      pageviews: Number(counts?.pageviews ?? 0),
      expectedPageviews,
    };
    return {
      ok:
        result.stored === result.expected &&
        result.distinct === result.stored &&
        result.missing === 0 &&
        result.pageviews === expectedPageviews,
      ...result,
    };
  } finally {
    await store.close();
  }
}

/**
 * After a wrk load, which does not say which events were acknowledged, only how many: none
 * stored twice, at least the acknowledged stored, at most the requests in flight at the end
 * more (`slack` events), and every stored pageview counted in its visit.
 */
async function countCheck(target: StoreTarget, acked: number, sent: number, slack: number): Promise<Check> {
  const store = await openStore(target);
  try {
    const [counts] = await store.query<{ stored: number; distinct: number; pageviews: number; logged: number }>(
      sql`SELECT (SELECT count(*) FROM tracked_events WHERE workspace_id = ${WORKSPACE}) AS stored,
            (SELECT count(DISTINCT event_id) FROM tracked_events WHERE workspace_id = ${WORKSPACE}) AS distinct,
            (SELECT count(*) FROM tracked_events WHERE workspace_id = ${WORKSPACE} AND type = 'pageview') AS logged,
            (SELECT COALESCE(sum(pageviews), 0) FROM visits
              WHERE workspace_id = ${WORKSPACE} AND source_system = 'tracker') AS pageviews`,
    );
    const stored = Number(counts?.stored ?? 0);
    const result = {
      stored,
      distinct: Number(counts?.distinct ?? 0),
      expected: acked,
      missing: Math.max(0, acked - stored),
      unacknowledged: Math.max(0, stored - acked),
      pageviews: Number(counts?.pageviews ?? 0),
      expectedPageviews: Number(counts?.logged ?? 0),
    };
    return {
      ok:
        result.distinct === stored &&
        stored >= acked &&
        stored <= Math.min(sent, acked + slack) &&
        result.pageviews === result.expectedPageviews,
      ...result,
    };
  } finally {
    await store.close();
  }
}

// --- Processes ------------------------------------------------------------------------------

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** CPU seconds: the server's main (JavaScript) thread, its other threads, PostgreSQL's backends serving it. */
type Cpu = { main: number; other: number; engine: number };

/** CPU seconds a process has used: its main (JavaScript) thread, and all its other threads (DuckDB, libuv, GC). */
function cpuSeconds(pid: number): Cpu {
  const total = ticks(`/proc/${pid}/stat`);
  const main = ticks(`/proc/${pid}/task/${pid}/stat`);
  return { main, other: total - main, engine: 0 };
}

function ticks(file: string): number {
  const fields = readFileSync(file, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds so far of each PostgreSQL backend connected to the bench database (none on DuckDB). */
async function backendCpu(): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  if (!pgUrl) return found;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    for (const { pid } of rows) {
      try {
        found.set(pid, ticks(`/proc/${pid}/stat`));
      } catch {}
    }
  } finally {
    await client.end();
  }
  return found;
}

const backendCpuSince = (now: Map<number, number>, from: Map<number, number>) =>
  [...now].reduce((sum, [pid, seconds]) => sum + seconds - (from.get(pid) ?? 0), 0);

const cpuSince = (pid: number, from: Cpu): Cpu => {
  const now = cpuSeconds(pid);
  return { main: now.main - from.main, other: now.other - from.other, engine: 0 };
};

type Health = { ingest: { pendingEvents: number } };

async function health(url: string, adminKey: string): Promise<Health> {
  const res = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${adminKey}` } });
  const body = (await res.json()) as Partial<Health>;
  if (!body.ingest) throw new Error(`/api/health did not show the ingest (${res.status}): is the key an admin's?`);
  return body as Health;
}

/** Waits until the writer has applied everything on disk; returns the ms it took. */
async function drained(url: string, adminKey: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { ingest } = await health(url, adminKey);
    if (ingest.pendingEvents === 0) return performance.now() - started;
    if (performance.now() - started > 30 * 60_000) throw new Error("the writer did not drain in 30 minutes");
    await sleep(20);
  }
}

type Loaded = LoadResult & {
  generator: "wrk" | "node";
  sentEvents: number;
  /** Events that may be stored without an acknowledgement: in flight when the generator stopped. */
  inFlightAtEnd: number;
};

/** One load with the chosen generator. */
async function load(config: LoadConfig): Promise<Loaded> {
  if (generator === "node") {
    const result = await nodeLoad(config);
    // The Node generator waits for every answer before it ends.
    return { ...result, generator: "node", sentEvents: result.ackedEvents, inFlightAtEnd: 0 };
  }
  const result = await wrkLoad(config);
  return {
    ...result,
    inFlightAtEnd: result.wrkRuns * config.connections * config.eventsPerRequest,
    ackedUniqueIds: Number.NaN,
    ackedPageviews: Number.NaN,
    generatorMaxRssMb: Number.NaN,
  };
}

function nodeLoad(config: LoadConfig): Promise<LoadResult> {
  const child = fork(join(import.meta.dirname, "ingest-load.ts"), [], {
    cwd: root,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (result) => resolve(result as LoadResult));
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${code}`));
    });
    child.send(config);
  });
}

async function readAcked(file: string): Promise<Set<string>> {
  return new Set((await readFile(file, "utf8")).split("\n").filter((id) => id !== ""));
}

// --- Measurements ---------------------------------------------------------------------------

type VerityLoad = Loaded & {
  drainMs: number;
  pendingAtEnd: number;
  peakRssMb: number;
  /** Server CPU seconds from listening to drained (warm-up, load and drain). */
  cpu: Cpu;
  closeMs: number;
  writer: {
    batches: number;
    events: number;
    busyMs: number;
    busyShareDuringLoad: number;
    /** Events the writer applied per second while the load ran (what is sustained when it is busy all the time). */
    appliedPerSecondDuringLoad: number;
    maxBatchMs: number;
  };
  check: Check;
};

async function verityLoad(run: number, eventsPerRequest: number): Promise<VerityLoad> {
  const label = `r${run}-verity-${eventsPerRequest}`;
  const { target, dataDir } = await freshTarget(label);
  const site = await prepare(target);
  const server = await startProcess(
    "ingest-server.ts",
    [JSON.stringify({ target, dataDir })],
    profile ? ["--cpu-prof", "--cpu-prof-dir", join(out, `prof-${label}`)] : [],
  );
  const ackFile = join(out, `${label}.acked`);
  const pid = server.child.pid as number;
  const cpu0 = cpuSeconds(pid);
  const backends0 = await backendCpu();
  const loadStarted = Date.now();
  const result = await load({
    url: server.url,
    site: site.publicKey,
    connections,
    warmupSeconds,
    seconds,
    eventsPerRequest,
    seed: run * 1000 + eventsPerRequest,
    visitors,
    ackFile,
    rate,
  });
  const loadEnded = Date.now();
  const pendingAtEnd = (await health(server.url, site.adminKey)).ingest.pendingEvents;
  const drainMs = await drained(server.url, site.adminKey);
  const cpu = cpuSince(pid, cpu0);
  cpu.engine = backendCpuSince(await backendCpu(), backends0);
  const peak = peakRssMb(pid);
  const final = JSON.parse((await stopProcess(server)) ?? "{}") as { batches: Batch[]; closeMs: number };
  // The writer's time inside the measured window (a batch is logged when it ends, after `ms`).
  const windowFrom = loadStarted + warmupSeconds * 1000;
  const overlap = (b: Batch) => Math.max(0, Math.min(b.at, loadEnded) - Math.max(b.at - b.ms, windowFrom));
  // Events applied in the window, a batch's events counted in proportion to its time inside it.
  const appliedInWindow = final.batches.reduce((sum, b) => sum + (b.ms > 0 ? (b.events * overlap(b)) / b.ms : 0), 0);
  const busyInWindow = final.batches.reduce(
    (sum, b) => sum + Math.max(0, Math.min(b.at, loadEnded) - Math.max(b.at - b.ms, windowFrom)),
    0,
  );
  const verdict =
    result.generator === "node"
      ? await check(target, await readAcked(ackFile), result.ackedPageviews)
      : await countCheck(target, result.ackedEvents, result.sentEvents, result.inFlightAtEnd);
  if (verdict.ok && !keep) await cleanup(target, dataDir, ackFile);
  return {
    ...result,
    drainMs,
    pendingAtEnd,
    peakRssMb: peak,
    cpu,
    closeMs: final.closeMs,
    writer: {
      batches: final.batches.length,
      events: final.batches.reduce((s, b) => s + b.events, 0),
      busyMs: final.batches.reduce((s, b) => s + b.ms, 0),
      busyShareDuringLoad: busyInWindow / (loadEnded - windowFrom),
      appliedPerSecondDuringLoad: (appliedInWindow / (loadEnded - windowFrom)) * 1000,
      maxBatchMs: Math.max(0, ...final.batches.map((b) => b.ms)),
    },
    check: verdict,
  };
}

type BaselineLoad = Loaded & { peakRssMb: number; cpu: Cpu; fileEvents: number; ok: boolean };

async function baselineLoad(run: number, eventsPerRequest: number): Promise<BaselineLoad> {
  const label = `r${run}-baseline-${eventsPerRequest}`;
  const file = join(out, `${label}.log`);
  const server = await startProcess("ingest-baseline-server.ts", [file]);
  const ackFile = join(out, `${label}.acked`);
  const pid = server.child.pid as number;
  const cpu0 = cpuSeconds(pid);
  const result = await load({
    url: server.url,
    site: "vs_baseline",
    connections,
    warmupSeconds,
    seconds,
    eventsPerRequest,
    seed: run * 1000 + eventsPerRequest,
    visitors,
    ackFile,
    rate,
  });
  const cpu = cpuSince(pid, cpu0);
  const peak = peakRssMb(pid);
  await stopProcess(server);
  let fileEvents = 0;
  // Line by line: with wrk the file outgrows the largest string (512 MB).
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line !== "") fileEvents += (JSON.parse(line) as { events: unknown[] }).events.length;
  }
  if (!keep) await Promise.all([rm(file, { force: true }), rm(ackFile, { force: true })]);
  // wrk stops with requests in flight, whose lines may be in the file unacknowledged.
  const ok = fileEvents >= result.ackedEvents && fileEvents <= result.ackedEvents + result.inFlightAtEnd;
  return { ...result, peakRssMb: peak, cpu, fileEvents, ok };
}

type Apply = {
  events: number;
  verity: {
    applyMs: number;
    batches: number;
    drainWallMs: number;
    cpu: Cpu;
    closeMs: number;
    peakRssMb: number;
    check: Check;
  };
  hand: { insert?: HandApply; appender?: HandApply };
};

/** The writer draining a pre-filled log at start-up, and the hand-written SQL on the same events. */
async function apply(run: number): Promise<Apply> {
  const label = `r${run}-apply`;
  const { target, dataDir } = await freshTarget(`${label}-verity`);
  const site = await prepare(target);
  // Browser-like records (one event each), timed as if they came in at 10,000 a second.
  const stream = new EventStream(run * 1000 + 7, visitors);
  const base = Date.now() - 3600_000;
  const recordsFile = join(out, `${label}.jsonl`);
  const records = createWriteStream(recordsFile);
  const ids = new Set<string>();
  let pageviews = 0;
  const { log: ingestLog } = await IngestLog.open(dataDir);
  for (let i = 0; i < backlogEvents; i += 5000) {
    const appends: Promise<number>[] = [];
    for (let j = i; j < Math.min(backlogEvents, i + 5000); j++) {
      const event = toLogged(stream.next());
      ids.add(event.id);
      if (event.type === "pageview") pageviews++;
      const body = { w: WORKSPACE, s: site.siteId, at: new Date(base + j / 10).toISOString(), e: [event] };
      records.write(`${JSON.stringify(body)}\n`);
      appends.push(ingestLog.append(body));
    }
    await Promise.all(appends);
  }
  await ingestLog.close();
  await new Promise((resolve) => records.end(resolve));

  const server = await startProcess(
    "ingest-server.ts",
    [JSON.stringify({ target, dataDir })],
    profile ? ["--cpu-prof", "--cpu-prof-dir", join(out, `prof-${label}`)] : [],
  );
  const cpu0 = cpuSeconds(server.child.pid as number);
  const backends0 = await backendCpu();
  const drainWallMs = await drained(server.url, site.adminKey);
  const cpu = cpuSince(server.child.pid as number, cpu0);
  cpu.engine = backendCpuSince(await backendCpu(), backends0);
  const peak = peakRssMb(server.child.pid as number);
  const final = JSON.parse((await stopProcess(server)) ?? "{}") as { batches: Batch[]; closeMs: number };
  const verdict = await check(target, ids, pageviews);
  if (verdict.ok && !keep) await cleanup(target, dataDir, null);

  const hand: Apply["hand"] = {};
  for (const mode of engine === "duckdb" ? (["insert", "appender"] as const) : (["insert"] as const)) {
    hand[mode] = await handApply(mode, `${label}-hand-${mode}`, recordsFile);
  }
  if (!keep) await rm(recordsFile, { force: true });
  return {
    events: backlogEvents,
    verity: {
      applyMs: final.batches.reduce((s, b) => s + b.ms, 0),
      batches: final.batches.length,
      drainWallMs,
      cpu,
      closeMs: final.closeMs,
      peakRssMb: peak,
      check: verdict,
    },
    hand,
  };
}

type HandApply = { events: number; applyMs: number; batches: number; maxRssMb: number; ok: boolean };

/** The same logged events applied by bench/ingest-apply-baseline.ts on a fresh database. */
async function handApply(mode: "insert" | "appender", label: string, recordsFile: string): Promise<HandApply> {
  const hand = await freshTarget(label);
  const store = await openStore(hand.target);
  await store.close();
  const result = await new Promise<{ events: number; applyMs: number; batches: number; maxRssMb: number; ok: boolean }>(
    (resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(import.meta.dirname, "ingest-apply-baseline.ts"),
          mode,
          JSON.stringify(hand.target),
          recordsFile,
          WORKSPACE,
          String(mode === "insert" ? handInsertEvents : backlogEvents),
        ],
        { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
      );
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
      });
      child.once("exit", (code) =>
        code === 0
          ? resolve(JSON.parse(text.trim().split("\n").pop() as string))
          : reject(new Error(`ingest-apply-baseline exited with ${code}`)),
      );
    },
  );
  if (!keep) await cleanup(hand.target, hand.dataDir, null);
  return {
    events: result.events,
    applyMs: result.applyMs,
    batches: result.batches,
    maxRssMb: result.maxRssMb,
    ok: result.ok,
  };
}

async function cleanup(target: StoreTarget, dataDir: string, ackFile: string | null): Promise<void> {
  if (target.engine === "duckdb") {
    await rm(target.path, { force: true });
    await rm(`${target.path}.wal`, { force: true });
  }
  await rm(dataDir, { recursive: true, force: true });
  if (ackFile) await rm(ackFile, { force: true });
}

// --- Main -----------------------------------------------------------------------------------

await mkdir(out, { recursive: true });
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
log(
  `ingest bench on ${engine}: load generator ${generator}, ${runs} runs, ${connections} connections${rate > 0 ? `, ${rate} events/s offered` : ""}, ${seconds} s after ${warmupSeconds} s warm-up; ${machine}`,
);
const results: {
  run: number;
  verity: Record<number, VerityLoad>;
  baseline: Record<number, BaselineLoad>;
  apply?: Apply;
}[] = [];
let failed = false;
/** Server CPU µs per acknowledged event (main thread + other threads) and the load generator's. */
const cpuPerEvent = (r: LoadResult & { cpu: Cpu }) =>
  `${((r.cpu.main / r.ackedEvents) * 1e6).toFixed(0)} + ${((r.cpu.other / r.ackedEvents) * 1e6).toFixed(0)} µs ` +
  (pgUrl ? `+ PostgreSQL ${((r.cpu.engine / r.ackedEvents) * 1e6).toFixed(0)} µs ` : "") +
  `(generator ${((r.generatorCpuSeconds / r.ackedEvents) * 1e6).toFixed(0)} µs)`;
const sizes = [1, batchSize];
for (let run = 1; run <= runs; run++) {
  const entry: (typeof results)[number] = { run, verity: {}, baseline: {} };
  results.push(entry);
  for (const size of sizes) {
    if (phases.has(`verity-${size}`)) {
      const r = await verityLoad(run, size);
      entry.verity[size] = r;
      if (!r.check.ok) failed = true;
      log(
        `run ${run} verity ${size}/req: ${r.requestsPerSecond.toFixed(0)} req/s, ${r.eventsPerSecond.toFixed(0)} events/s, ` +
          `p50 ${r.latencyMs.p50} p99 ${r.latencyMs.p99} ms, errors ${JSON.stringify(r.errors)}, ` +
          `pending at end ${r.pendingAtEnd}, drain ${(r.drainMs / 1000).toFixed(1)} s, writer busy ${(r.writer.busyShareDuringLoad * 100).toFixed(0)}% ` +
          `applying ${r.writer.appliedPerSecondDuringLoad.toFixed(0)} events/s, ` +
          `peak RSS ${r.peakRssMb.toFixed(0)} MB, CPU per event ${cpuPerEvent(r)}; load average ${loadavg()[0]?.toFixed(1)}; ` +
          `check ${r.check.ok ? "OK" : "FAILED"} ${JSON.stringify(r.check)}`,
      );
    }
    if (phases.has(`baseline-${size}`)) {
      const r = await baselineLoad(run, size);
      entry.baseline[size] = r;
      if (!r.ok) failed = true;
      log(
        `run ${run} baseline ${size}/req: ${r.requestsPerSecond.toFixed(0)} req/s, ${r.eventsPerSecond.toFixed(0)} events/s, ` +
          `p50 ${r.latencyMs.p50} p99 ${r.latencyMs.p99} ms, errors ${JSON.stringify(r.errors)}, peak RSS ${r.peakRssMb.toFixed(0)} MB, ` +
          `CPU per event ${cpuPerEvent(r)}; load average ${loadavg()[0]?.toFixed(1)}; ` +
          `file ${r.ok ? "OK" : "MISMATCH"} (${r.fileEvents} events, ${r.ackedEvents} acknowledged)`,
      );
    }
  }
  if (phases.has("apply")) {
    const r = await apply(run);
    entry.apply = r;
    const hands = Object.entries(r.hand) as [string, HandApply][];
    if (!r.verity.check.ok || hands.some(([, h]) => !h.ok)) failed = true;
    const rate = (ms: number) => ((r.events / ms) * 1000).toFixed(0);
    log(
      `run ${run} apply ${r.events} events: writer ${rate(r.verity.applyMs)} events/s ` +
        `(${r.verity.batches} batches, ${(r.verity.applyMs / 1000).toFixed(1)} s; drain since listening ${(r.verity.drainWallMs / 1000).toFixed(1)} s; ` +
        `server CPU ${r.verity.cpu.main.toFixed(1)} + ${r.verity.cpu.other.toFixed(1)} s; rollups and close ${(r.verity.closeMs / 1000).toFixed(1)} s), ` +
        hands
          .map(
            ([mode, h]) =>
              `hand ${mode} ${((h.events / h.applyMs) * 1000).toFixed(0)} events/s (${h.events} in ${(h.applyMs / 1000).toFixed(1)} s)`,
          )
          .join(", ") +
        `; load average ${loadavg()[0]?.toFixed(1)}; check ${r.verity.check.ok ? "OK" : `FAILED ${JSON.stringify(r.verity.check)}`}` +
        `, hand ${hands.every(([, h]) => h.ok) ? "OK" : "MISMATCH"}`,
    );
  }
}

// --- Table ----------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";
const rows: [string, string, string, string][] = [];
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "–";
for (const size of sizes) {
  const v = results.map((r) => r.verity[size]).filter((x): x is VerityLoad => x !== undefined);
  const b = results.map((r) => r.baseline[size]).filter((x): x is BaselineLoad => x !== undefined);
  if (v.length === 0 && b.length === 0) continue;
  const m = <T>(items: T[], f: (x: T) => number) => median(items.map(f));
  const what = `${size} event${size === 1 ? "" : "s"}/request`;
  const line = (name: string, fv: (x: LoadResult) => number, digits = 0, higherBetter = true) => {
    const a = m(v, fv);
    const c = m(b, fv);
    rows.push([`${what}: ${name}`, fmt(a, digits), fmt(c, digits), higherBetter ? ratio(a, c) : ratio(a, c)]);
  };
  line("requests/s", (x) => x.requestsPerSecond);
  line("events/s", (x) => x.eventsPerSecond);
  line("latency p50 ms", (x) => x.latencyMs.p50, 1, false);
  line("latency p95 ms", (x) => x.latencyMs.p95, 1, false);
  line("latency p99 ms", (x) => x.latencyMs.p99, 1, false);
  const errors = (items: LoadResult[]) =>
    items
      .map((x) =>
        Object.entries(x.errors)
          .map(([s, n]) => `${s}: ${n}`)
          .join(", "),
      )
      .filter((t) => t !== "")
      .join("; ") || "none";
  rows.push([`${what}: errors`, errors(v), errors(b), ""]);
  const cpuRow = (name: string, part: keyof Cpu) => {
    const f = (x: LoadResult & { cpu: Cpu }) => (x.cpu[part] / x.ackedEvents) * 1e6;
    const baseline = part === "engine" ? Number.NaN : m(b, f);
    rows.push([`${what}: ${name}`, fmt(m(v, f)), part === "engine" ? "" : fmt(baseline), ratio(m(v, f), baseline)]);
  };
  cpuRow("server CPU µs/event, main thread", "main");
  cpuRow("server CPU µs/event, other threads", "other");
  if (pgUrl) cpuRow("PostgreSQL backends CPU µs/event", "engine");
  rows.push([
    `${what}: load generator CPU µs/event`,
    fmt(m(v, (x) => (x.generatorCpuSeconds / x.ackedEvents) * 1e6)),
    fmt(m(b, (x) => (x.generatorCpuSeconds / x.ackedEvents) * 1e6)),
    "",
  ]);
  rows.push([`${what}: server peak RSS MB`, fmt(m(v, (x) => x.peakRssMb)), fmt(m(b, (x) => x.peakRssMb)), ""]);
  if (v.length > 0) {
    rows.push([`${what}: events waiting at end of load`, fmt(m(v, (x) => x.pendingAtEnd)), "", ""]);
    rows.push([
      `${what}: writer drain after load s`,
      fmt(
        m(v, (x) => x.drainMs / 1000),
        1,
      ),
      "",
      "",
    ]);
    rows.push([`${what}: writer busy during load`, `${fmt(m(v, (x) => x.writer.busyShareDuringLoad * 100))}%`, "", ""]);
    rows.push([`${what}: events applied/s during load`, fmt(m(v, (x) => x.writer.appliedPerSecondDuringLoad)), "", ""]);
    rows.push([`${what}: largest writer batch ms`, fmt(m(v, (x) => x.writer.maxBatchMs)), "", ""]);
    rows.push([
      `${what}: lost / duplicated`,
      v.every((x) => x.check.ok) ? `none (${v.length} runs)` : "FAILED",
      b.every((x) => x.ok) ? "file matches" : b.length ? "MISMATCH" : "",
      "",
    ]);
  }
}
const applies = results.map((r) => r.apply).filter((x): x is Apply => x !== undefined);
if (applies.length > 0) {
  const verityRate = median(applies.map((a) => (a.events / a.verity.applyMs) * 1000));
  const handRate = (mode: "insert" | "appender") =>
    median(applies.map((a) => (a.hand[mode] ? (a.hand[mode].events / a.hand[mode].applyMs) * 1000 : Number.NaN)));
  const perBatch = (mode: "insert" | "appender") =>
    median(applies.map((a) => (a.hand[mode] ? a.hand[mode].applyMs / a.hand[mode].batches : Number.NaN)));
  const modes = engine === "duckdb" ? (["insert", "appender"] as const) : (["insert"] as const);
  for (const mode of modes) {
    const name = mode === "insert" ? "hand SQL, multi-row INSERT" : "hand, DuckDB appender";
    rows.push([
      `apply ${fmt(backlogEvents)} logged events: events/s (baseline: ${name})`,
      fmt(verityRate),
      fmt(handRate(mode)),
      ratio(verityRate, handRate(mode)),
    ]);
    rows.push([
      `apply: ms per batch (Verity: up to 50,000 events; baseline: ${name}, 10,000)`,
      fmt(median(applies.map((a) => a.verity.applyMs / a.verity.batches))),
      fmt(perBatch(mode)),
      "",
    ]);
  }
  rows.push([
    `apply: server CPU µs/event, main + other threads${pgUrl ? " + PostgreSQL" : ""}`,
    [
      median(applies.map((a) => (a.verity.cpu.main / a.events) * 1e6)),
      median(applies.map((a) => (a.verity.cpu.other / a.events) * 1e6)),
      ...(pgUrl ? [median(applies.map((a) => (a.verity.cpu.engine / a.events) * 1e6))] : []),
    ]
      .map((x) => fmt(x))
      .join(" + "),
    "",
    "",
  ]);
  rows.push(["apply: rollup rebuild + close s", fmt(median(applies.map((a) => a.verity.closeMs / 1000)), 1), "", ""]);
  rows.push([
    "apply: lost / duplicated",
    applies.every((a) => a.verity.check.ok) ? "none" : "FAILED",
    applies.every((a) => Object.values(a.hand).every((h) => h.ok)) ? "counts match" : "MISMATCH",
    "",
  ]);
}
const widths = [0, 1, 2, 3].map((i) =>
  Math.max(...[["", "Verity", "baseline", "ratio"], ...rows].map((r) => String(r[i]).length)),
);
const table = [["", "Verity", "baseline", "ratio"], ...rows]
  .map((r) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[0] as number) : cell.padStart(widths[i] as number))).join("  "),
  )
  .join("\n");
process.stdout.write(
  `\nTracking ingest on ${engine}, load generator ${generator}, ${connections} keep-alive connections${rate > 0 ? `, ${rate} events/s offered` : ""}, ${seconds} s measured after ${warmupSeconds} s, ` +
    `median of ${runs} run${runs === 1 ? "" : "s"}; ${machine}\n` +
    "baseline: loads = minimal node:http server (JSON.parse + group-committed fdatasync append, 202); " +
    "apply = the same events written by hand-written code on the same engine and tables (bench/ingest-apply-baseline.ts)\n\n" +
    `${table}\n\nlost/duplicated check: ${failed ? "FAILED" : "OK"}\n`,
);
await writeFile(
  join(import.meta.dirname, "out", `ingest-${engine}-${new Date().toISOString().replaceAll(":", "-")}.json`),
  JSON.stringify({ engine, runs, seconds, warmupSeconds, connections, batchSize, visitors, machine, results }, null, 2),
);
if (!keep && !failed) await rm(out, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
