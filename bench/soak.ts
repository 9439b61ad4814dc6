/**
 * Soak: `verity serve` for several minutes under everything at once, on loopback:
 *
 * - tracking at a steady rate into workspace A (bench/ingest-load.ts on a fixed schedule, in a
 *   process of its own; every acknowledged event id written to a file);
 * - metric reads in workspace A (report, check, check trend, stalled, funnel, engagement) by
 *   SOAK_READERS readers back to back, with an API key. The stalled read is what the velocity
 *   page asks since the list is paged (0b79695): the first page, `limit=100` (the page's
 *   STALLED_PAGE_SIZE), most days over first. Its p50/p99 are that page's time; before 0b79695
 *   this read answered the whole list (docs/benchmarks.md's soak table is from then). The list
 *   is built when the data it reads changes and kept (src/metrics/read-cache.ts), and a page is
 *   cut from it. The soak does not measure the list's size, nor read GET /api/stalled.csv;
 * - imports into workspace B: a HubSpot deals export of SOAK_IMPORT_DEALS deals uploaded through
 *   POST /api/import again and again (each one replaces the same deals), SOAK_IMPORT_PAUSE
 *   seconds apart.
 *
 * It prints the tracking throughput and latency, p50/p99 per route, the server's memory and
 * the writer's backlog over time (every SOAK_SAMPLE seconds), and at the end, after the server
 * has stopped (SIGTERM: every acknowledged event applied): events dead-lettered, lost
 * (acknowledged, not stored) and stored twice. 0 lost and 0 twice is the requirement: the
 * script exits 1 otherwise. Figures, not a test.
 *
 *   npm run bench:soak                                     DuckDB, 5 minutes
 *   SOAK_SECONDS=60 SOAK_RATE=500 npm run bench:soak       shorter, lighter
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55432/verity_soak_bench npm run bench:soak
 *
 * SOAK_SECONDS (300); SOAK_RATE tracking events a second (2000), one event a request over
 * SOAK_CONNECTIONS (32) keep-alive connections; SOAK_READERS (2); SOAK_IMPORT_DEALS (20000);
 * SOAK_IMPORT_PAUSE (5) seconds; SOAK_SAMPLE (10) seconds; BENCH_KEEP=1 keeps the run's folder
 * (bench/out/soak-*). With BENCH_DATABASE_URL the server runs on PostgreSQL; that database is
 * dropped and made again first, so its name must contain "bench" (bench/bench-support.ts).
 */
import { fork } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createKey } from "../src/accounts/keys.js";
import { createSite } from "../src/accounts/sites.js";
import { ensureWorkspace, runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { simulate } from "../src/simulate/simulate.js";
import { openStore, type StoreTarget } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import { benchTarget, percentile, type Running, rssMb, sleep, startProcess, stopProcess } from "./bench-support.js";
import { BENCH_HOST } from "./ingest-events.js";
import type { LoadConfig, LoadResult } from "./ingest-load.js";

const env = process.env;
const seconds = Number(env.SOAK_SECONDS ?? 300);
const rate = Number(env.SOAK_RATE ?? 2000);
const connections = Number(env.SOAK_CONNECTIONS ?? 32);
const readers = Number(env.SOAK_READERS ?? 2);
const importDeals = Number(env.SOAK_IMPORT_DEALS ?? 20_000);
const importPause = Number(env.SOAK_IMPORT_PAUSE ?? 5);
const sampleSeconds = Number(env.SOAK_SAMPLE ?? 10);
const keep = env.BENCH_KEEP === "1";
const A = "soak-a";
const B = "soak-b";
const out = join(import.meta.dirname, "out", `soak-${new Date().toISOString().replaceAll(":", "-")}`);
const log = (text: string) => process.stderr.write(`${text}\n`);

/** The routes the readers go round, in workspace A; the stalled list as the dashboard asks for it, a page. */
const READS = [
  "/api/report",
  "/api/check",
  "/api/check/trend",
  "/api/stalled?limit=100",
  "/api/metrics/funnel",
  "/api/metrics/engagement",
] as const;

type Keys = { site: string; readKey: string; importKey: string };

/** Workspace A with a simulated company (size s), its site and a key; workspace B and a key to import with. */
async function prepare(target: StoreTarget): Promise<Keys> {
  const store = await openStore(target);
  const dir = await mkdtemp(join(tmpdir(), "verity-soak-"));
  try {
    await simulate({ size: "s", seed: 7, outDir: dir });
    await runImport(store, verityImporter, dir, { workspace: A });
    const site = await createSite(store, A, { name: "soak", domains: [BENCH_HOST] });
    const read = await createKey(store, { workspace: A, name: "soak reader", scopes: ["metrics:read", "admin"] });
    await ensureWorkspace(store, B);
    const write = await createKey(store, { workspace: B, name: "soak importer", scopes: ["data:write"] });
    return { site: site.publicKey, readKey: read.secret, importKey: write.secret };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await store.close();
  }
}

const STAGES = [
  "Appointment Scheduled",
  "Qualified To Buy",
  "Presentation Scheduled",
  "Decision Maker Bought-In",
  "Contract Sent",
  "Closed Won",
  "Closed Lost",
];

/** A HubSpot deals export (the shape of test/fixtures/crm/hubspot) with `deals` deals, seeded. */
function hubspotDeals(deals: number): string {
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  const header = [
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Pipeline",
    "Amount",
    "Deal owner",
    "Create Date",
    "Close Date",
    "Closed Lost Reason",
    "Original Source Type",
    ...STAGES.map((s) => `Date entered "${s} (Sales Pipeline)"`),
  ];
  const lines = [header.map(quote).join(",")];
  const day = 86_400_000;
  const start = Date.UTC(2024, 0, 1);
  const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < deals; i++) {
    const created = start + Math.floor(next() * 700) * day;
    const reached = 1 + Math.floor(next() * 5);
    const outcome = next();
    const closed = reached >= 3 && outcome < 0.3 ? "Closed Won" : outcome > 0.7 ? "Closed Lost" : null;
    const entered = STAGES.map((stage, s) => {
      if (s < reached) return at(created + s * 7 * day);
      if (stage === closed) return at(created + reached * 7 * day);
      return "";
    });
    const stage = closed ?? (STAGES[reached - 1] as string);
    lines.push(
      [
        String(9_000_000 + i),
        `Deal ${i}`,
        stage,
        "Sales Pipeline",
        String(1000 + Math.floor(next() * 50_000)),
        `Rep ${i % 12}`,
        at(created),
        closed ? at(created + reached * 7 * day) : "",
        closed === "Closed Lost" ? "Went with a competitor" : "",
        ["Organic Search", "Paid Search", "Referrals", "Social Media"][i % 4] as string,
        ...entered,
      ]
        .map(quote)
        .join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Latencies and failures of one route. */
class RouteStats {
  readonly ms: number[] = [];
  readonly errors = new Map<string, number>();
  add(ms: number, status: number | string): void {
    if (status === 200) this.ms.push(ms);
    else this.errors.set(String(status), (this.errors.get(String(status)) ?? 0) + 1);
  }
  summary() {
    const sorted = Float64Array.from(this.ms).sort();
    return {
      ok: sorted.length,
      p50: Math.round(percentile(sorted, 0.5)),
      p99: Math.round(percentile(sorted, 0.99)),
      max: Math.round(sorted.at(-1) ?? Number.NaN),
      errors: Object.fromEntries(this.errors),
    };
  }
}

async function timed(url: string, init: RequestInit): Promise<{ ms: number; status: number | string; body: string }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
    const body = await res.text();
    return { ms: performance.now() - started, status: res.status, body };
  } catch (error) {
    return { ms: performance.now() - started, status: (error as Error).name, body: "" };
  }
}

type Sample = { at: number; rssMb: number; pendingEvents: number | null; deadLetters: number | null };

async function main(): Promise<void> {
  await mkdir(out, { recursive: true });
  const { target, engine } = await benchTarget(join(out, "soak.duckdb"));
  log(
    `soak on ${engine}: ${seconds} s, ${rate} tracking events/s, ${readers} readers, imports of ${importDeals} deals`,
  );
  const keys = await prepare(target);
  const dealsFile = join(out, "deals.csv");
  await writeFile(dealsFile, hubspotDeals(importDeals));
  const dataDir = join(out, "ingest");

  const server: Running = await startProcess("ingest-server.ts", [
    JSON.stringify({ target, dataDir, trackingRate: 1_000_000 }),
  ]);
  const pid = server.child.pid as number;
  const url = server.url;
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

  const ackFile = join(out, "acked.txt");
  const loadConfig: LoadConfig = {
    url,
    site: keys.site,
    connections,
    warmupSeconds: 0,
    seconds,
    eventsPerRequest: 1,
    seed: 11,
    visitors: 20_000,
    ackFile,
    rate,
  };
  const loader = fork(join(import.meta.dirname, "ingest-load.ts"), [], { execArgv: ["--import", "tsx"] });
  const loaded = new Promise<LoadResult>((resolve, reject) => {
    loader.once("message", (result) => resolve(result as LoadResult));
    loader.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`the load generator exited ${code}`))));
  });
  loader.send(loadConfig);
  const started = performance.now();
  const running = () => performance.now() - started < seconds * 1000;

  const stats = new Map<string, RouteStats>();
  const statsOf = (route: string) => {
    let s = stats.get(route);
    if (!s) {
      s = new RouteStats();
      stats.set(route, s);
    }
    return s;
  };

  const reader = async (offset: number) => {
    for (let i = offset; running(); i++) {
      const route = READS[i % READS.length] as string;
      const { ms, status } = await timed(`${url}${route}`, { headers: auth(keys.readKey) });
      statsOf(`GET ${route}`).add(ms, status);
    }
  };
  let imports = 0;
  const importer = async () => {
    while (running()) {
      const body = createReadStream(dealsFile);
      const {
        ms,
        status,
        body: answer,
      } = await timed(`${url}/api/import?format=hubspot&filename=deals.csv&currency=EUR`, {
        method: "POST",
        headers: { ...auth(keys.importKey), "Content-Type": "text/csv" },
        body: body as unknown as RequestInit["body"],
        duplex: "half",
      } as RequestInit);
      statsOf("POST /api/import").add(ms, status);
      if (status !== 200 && imports === 0) log(`import answered ${status}: ${answer.slice(0, 300)}`);
      imports++;
      await sleep(importPause * 1000);
    }
  };
  const samples: Sample[] = [];
  const sampler = async () => {
    while (running()) {
      const { status, body } = await timed(`${url}/api/health`, { headers: auth(keys.readKey) });
      let pendingEvents: number | null = null;
      let deadLetters: number | null = null;
      try {
        const health = JSON.parse(body) as { ingest?: { pendingEvents?: number; deadLetters?: number } };
        pendingEvents = health.ingest?.pendingEvents ?? null;
        deadLetters = health.ingest?.deadLetters ?? null;
      } catch {}
      statsOf("GET /api/health").add(0, status === 503 ? 200 : status);
      samples.push({ at: (performance.now() - started) / 1000, rssMb: rssMb(pid), pendingEvents, deadLetters });
      log(
        `  ${Math.round((performance.now() - started) / 1000)} s: server RSS ${Math.round(rssMb(pid))} MB, events waiting ${pendingEvents ?? "?"}`,
      );
      await sleep(sampleSeconds * 1000);
    }
  };
  await Promise.all([...Array.from({ length: readers }, (_, i) => reader(i * 2)), importer(), sampler()]);
  const load = await loaded;
  const peakRss = Math.max(...samples.map((s) => s.rssMb), rssMb(pid));

  const stopStarted = performance.now();
  await stopProcess(server);
  const stopMs = performance.now() - stopStarted;

  // Every acknowledged event stored once.
  const acked = new Set<string>();
  for await (const line of createInterface({ input: createReadStream(ackFile) })) if (line) acked.add(line);
  const store = await openStore(target);
  let lost = 0;
  let twice = 0;
  let deadLettered: number | null = null;
  try {
    const ids = await store.query<{ event_id: string; n: number }>(
      sql`SELECT event_id, count(*) AS n FROM tracked_events WHERE workspace_id = ${A} GROUP BY event_id`,
    );
    const stored = new Set<string>();
    for (const row of ids) {
      stored.add(row.event_id);
      if (Number(row.n) > 1) twice++;
    }
    for (const id of acked) if (!stored.has(id)) lost++;
    try {
      const [row] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM dead_letters`);
      deadLettered = Number(row?.n ?? 0);
    } catch {
      deadLettered = null; // a version without a dead-letter store
    }
  } finally {
    await store.close();
    if (!keep) await rm(join(out, "soak.duckdb"), { force: true });
  }

  const routes = [...stats].map(([route, s]) => ({ route, ...s.summary() }));
  const result = {
    engine,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    seconds,
    tracking: {
      offeredPerSecond: rate,
      acknowledgedPerSecond: Math.round(load.eventsPerSecond),
      latencyMs: load.latencyMs,
      errors: load.errors,
    },
    imports,
    routes,
    memory: samples.map((s) => ({ at: Math.round(s.at), rssMb: Math.round(s.rssMb), pending: s.pendingEvents })),
    peakRssMb: Math.round(peakRss),
    stopMs: Math.round(stopMs),
    acknowledged: acked.size,
    lost,
    storedTwice: twice,
    deadLettered,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  log("");
  log(
    `tracking: ${result.tracking.acknowledgedPerSecond} events/s acknowledged of ${rate} offered, p50/p99 ${load.latencyMs.p50}/${load.latencyMs.p99} ms`,
  );
  for (const r of routes) {
    log(
      `  ${r.route.padEnd(40)} ${String(r.ok).padStart(6)} ok  p50 ${String(r.p50).padStart(6)} ms  p99 ${String(r.p99).padStart(6)} ms  errors ${JSON.stringify(r.errors)}`,
    );
  }
  log(`server RSS peak ${result.peakRssMb} MB; stopped in ${result.stopMs} ms; ${imports} imports`);
  log(`acknowledged ${acked.size}, lost ${lost}, stored twice ${twice}, dead-lettered ${deadLettered ?? "n/a"}`);
  if (!keep) await rm(out, { recursive: true, force: true });
  if (lost > 0 || twice > 0) process.exit(1);
}

await main();
