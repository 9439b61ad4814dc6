/**
 * GA4 export import: `verity import --format ga4` of a generated BigQuery export (events_*
 * as newline-delimited JSON, one file a day) into a fresh DuckDB file, beside DuckDB alone
 * building the same sessions from the same files with its own read_json (a hand-written
 * query, the baseline). Figures, not a test. Each load runs in a process of its own (its
 * peak RSS is its own). Issue 16's target: within 2x of the baseline, under 2 GB.
 *
 *   npm run bench:load -- ga4                     20M events, 3 runs each
 *   npm run bench:load -- ga4 --events 1000000    a quick run
 *   tsx bench/ga4-load.ts --events 2000000 --runs 5
 *
 * The export is generated once by DuckDB (deterministic: every value is a hash of the
 * event's number) into bench/out/ga4-<events>/ and reused; --clean removes it after.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DuckDBInstance, LIST, listValue, VARCHAR } from "@duckdb/node-api";

const out = join(import.meta.dirname, "out");
const EVENTS_PER_SESSION = 5;
const SESSIONS_PER_VISITOR = 3;
const DAYS = 30;
/** 2024-03-01T00:00:00Z in seconds. */
const START = 1_709_251_200;

/** One load: wall time, CPU time (user + system, all of the process's threads), peak RSS, the load average around it. */
type Measure = { ms: number; cpuMs: number; visits: number; maxRssMb: number; load: [number, number] };

function flag(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a whole number, not ${argv[i + 1]}`);
  return value;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * A GA4 export of `events` events: sessions of five events (session_start and a page_view at
 * the same microsecond, then page_views, scrolls and engagement), three sessions a visitor,
 * spread evenly over 30 days; a campaign collected on a third of the sessions (in the
 * first two events, as GA4 does), a user_id on 5% of visitors once they log in, one event in
 * a thousand without ga_session_id (Measurement Protocol). The fields a real export carries
 * beside them (device, geo, privacy_info, ...) are there too, for a realistic size (about
 * 1 KB an event).
 */
export async function generate(events: number, dir: string): Promise<void> {
  const sessions = Math.ceil(events / EVENTS_PER_SESSION);
  const visitors = Math.max(1, Math.floor(sessions / SESSIONS_PER_VISITOR));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    // h(i, salt): a deterministic number in [0, 1000) for event/session i.
    await connection.run("CREATE MACRO h(i, salt) AS CAST(hash(i, salt) % 1000 AS BIGINT)");
    const perDay = sessions / DAYS;
    for (let day = 0; day < DAYS; day++) {
      const first = Math.floor(day * perDay) * EVENTS_PER_SESSION;
      const last = Math.min(events, Math.floor((day + 1) * perDay) * EVENTS_PER_SESSION);
      if (last <= first) continue;
      const date = new Date((START + day * 86_400) * 1000).toISOString().slice(0, 10).replaceAll("-", "");
      const file = join(dir, `events_${date}.json`);
      await connection.run(`COPY (
        WITH e AS (
          SELECT i, i // ${EVENTS_PER_SESSION} AS s, i % ${EVENTS_PER_SESSION} AS j,
            ${START}::BIGINT + ((i // ${EVENTS_PER_SESSION}) * ${DAYS * 86_400}::BIGINT) // ${sessions} AS session_start
          FROM range(${first}, ${last}) r(i)
        ), f AS (
          SELECT *,
            CAST(hash(s, 'visitor') % ${visitors} AS BIGINT) AS v,
            (session_start + j * (h(i, 'gap') + 5)) * 1000000 + h(i, 'us') AS ts,
            CASE WHEN j = 0 THEN 'session_start' WHEN j = 1 THEN 'page_view'
              WHEN h(i, 'kind') < 600 THEN 'page_view' WHEN h(i, 'kind') < 800 THEN 'scroll' ELSE 'user_engagement' END AS name,
            h(s, 'campaign') < 333 AND j < 2 AS campaign,
            'https://shop.example/' || (['', 'blog/post-', 'products/item-', 'pricing', 'docs/page-'])[1 + h(i, 'page') % 5] || h(i, 'n') AS page
          FROM e
        )
        SELECT
          '${date}' AS event_date,
          CAST(CASE WHEN j = 0 THEN ts - (ts % 1000000) + h(s, 'us') ELSE ts END AS VARCHAR) AS event_timestamp,
          name AS event_name,
          -- As BigQuery writes JSON: each parameter's value holds only the field that is set.
          list_concat(
            CASE WHEN i % 1000 = 999 THEN []::JSON[] ELSE [json_object('key', 'ga_session_id', 'value', json_object('int_value', CAST(session_start AS VARCHAR)))] END,
            [json_object('key', 'ga_session_number', 'value', json_object('int_value', CAST(1 + h(s, 'n') % 3 AS VARCHAR))),
             json_object('key', 'page_location', 'value', json_object('string_value', page)),
             json_object('key', 'page_referrer', 'value', json_object('string_value',
               CASE WHEN j < 2 THEN (['https://www.google.com/', 'https://www.linkedin.com/', 'https://duckduckgo.com/'])[1 + h(s, 'ref') % 3] ELSE 'https://shop.example/' END)),
             json_object('key', 'page_title', 'value', json_object('string_value', 'Shop page ' || h(i, 'n'))),
             json_object('key', 'engagement_time_msec', 'value', json_object('int_value', CAST(h(i, 'eng') * 37 AS VARCHAR)))]
          ) AS event_params,
          CAST(h(i, 'bundle') AS VARCHAR) AS event_bundle_sequence_id,
          CASE WHEN h(v, 'login') < 50 AND j >= 2 THEN 'user-' || v END AS user_id,
          v || '.' || (1700000000 + v % 10000000) AS user_pseudo_id,
          json_object('uses_transient_token', 'No') AS privacy_info,
          CAST(session_start * 1000000 - 86400000000 * (h(s, 'n') % 3) AS VARCHAR) AS user_first_touch_timestamp,
          json_object('category', (['desktop', 'mobile', 'tablet'])[1 + h(v, 'dev') % 3], 'operating_system', (['Windows', 'Android', 'iOS', 'Macintosh'])[1 + h(v, 'os') % 4],
            'language', 'en-us', 'is_limited_ad_tracking', 'No',
            'web_info', json_object('browser', 'Chrome', 'browser_version', '122.0.6261.95', 'hostname', 'shop.example')) AS device,
          json_object('city', 'Stockholm', 'country', 'Sweden', 'continent', 'Europe', 'region', 'Stockholm County', 'sub_continent', 'Northern Europe', 'metro', '(not set)') AS geo,
          CASE WHEN h(v, 'ft') < 300 THEN json_object('name', 'spring_sale', 'medium', 'email', 'source', 'newsletter')
            ELSE json_object('name', '(organic)', 'medium', 'organic', 'source', 'google') END AS traffic_source,
          CASE WHEN campaign THEN json_object('manual_campaign_name', 'campaign_' || h(s, 'c') % 20,
            'manual_source', (['newsletter', 'linkedin', 'google'])[1 + h(s, 'cs') % 3], 'manual_medium', (['email', 'social', 'cpc'])[1 + h(s, 'cs') % 3]) END AS collected_traffic_source,
          '4242424242' AS stream_id,
          'WEB' AS platform
        FROM f
      ) TO '${file}' (FORMAT json)`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function exportFor(events: number): Promise<{ dir: string; bytes: number; files: string[] }> {
  const dir = join(out, `ga4-${events}`);
  if (!existsSync(join(dir, "done"))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const started = performance.now();
    process.stderr.write(`generating a GA4 export of ${events.toLocaleString("en-US")} events into ${dir} ...\n`);
    await generate(events, dir);
    await writeFile(join(dir, "done"), "");
    process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const files = (await readdir(dir)).filter((n) => n.endsWith(".json")).map((n) => join(dir, n));
  let bytes = 0;
  for (const file of files) bytes += (await stat(file)).size;
  return { dir, bytes, files };
}

/** Verity's import, as `verity import --format ga4 DIR --db TARGET` runs it. */
async function verity(dir: string, target: string): Promise<{ visits: number }> {
  const { runImport } = await import("../src/ingest/importer.js");
  const { ga4Importer } = await import("../src/ingest/marketing/ga4/index.js");
  const { openStore } = await import("../src/store/open-store.js");
  const store = await openStore({ engine: "duckdb", path: target });
  try {
    const summary = await runImport(store, ga4Importer, [dir], { workspace: "bench" });
    return { visits: summary.tables.visits?.rows ?? 0 };
  } finally {
    await store.close();
  }
}

/**
 * DuckDB alone: read_json over the same files (its own type detection) and the same sessions
 * by hand, into a table of the target file, with DuckDB's default settings.
 */
async function baseline(files: string[], target: string): Promise<{ visits: number }> {
  const instance = await DuckDBInstance.create(target);
  const connection = await instance.connect();
  try {
    await connection.run(
      `CREATE TABLE visits AS
       WITH e AS (
         SELECT user_pseudo_id, event_name, CAST(event_timestamp AS BIGINT) AS ts,
           list_filter(event_params, p -> p.key = 'ga_session_id')[1].value.int_value AS sid,
           list_filter(event_params, p -> p.key = 'page_location')[1].value.string_value AS loc,
           list_filter(event_params, p -> p.key = 'page_referrer')[1].value.string_value AS ref,
           collected_traffic_source AS cts
         FROM read_json($files, format = 'newline_delimited')
       )
       SELECT 'ga4:' || user_pseudo_id || ':' || sid AS visit_id, user_pseudo_id AS visitor_id,
         make_timestamp(min(ts)) AS started_at,
         arg_min(loc, ts) FILTER (WHERE event_name = 'page_view') AS landing_url,
         arg_min(ref, ts) AS referrer,
         arg_min(cts.manual_source, ts) FILTER (WHERE cts IS NOT NULL) AS utm_source,
         arg_min(cts.manual_medium, ts) FILTER (WHERE cts IS NOT NULL) AS utm_medium,
         arg_min(cts.manual_campaign_name, ts) FILTER (WHERE cts IS NOT NULL) AS utm_campaign,
         count(*) FILTER (WHERE event_name = 'page_view') AS pageviews
       FROM e WHERE sid IS NOT NULL AND user_pseudo_id IS NOT NULL
       GROUP BY user_pseudo_id, sid`,
      { files: listValue(files) },
      { files: LIST(VARCHAR) },
    );
    const reader = await connection.runAndReadAll("SELECT count(*) AS visits FROM visits");
    return { visits: Number((reader.getRowObjectsJS()[0] as { visits: bigint }).visits) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function worker(argv: readonly string[]): Promise<void> {
  const [mode, dir, target] = argv;
  if (!mode || !dir || !target) throw new Error("usage: ga4-load --worker verity|baseline DIR TARGET");
  const files = (await readdir(dir)).filter((n) => n.endsWith(".json")).map((n) => join(dir, n));
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = mode === "verity" ? await verity(dir, target) : await baseline(files, target);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(
    `${JSON.stringify({ ms, cpuMs, ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

async function measure(mode: string, dir: string, target: string): Promise<Measure> {
  const before = loadavg()[0] as number;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "ga4-load.ts"), "--worker", mode, dir, target],
    { maxBuffer: 1 << 20, env: process.env },
  );
  const measured = JSON.parse(stdout.trim().split("\n").pop() as string) as Omit<Measure, "load">;
  // The machine is shared: the 1-minute load average before and after says how busy it was.
  return { ...measured, load: [before, loadavg()[0] as number] };
}

/** The bench: `argv` takes --events N (default 20,000,000), --runs N (default BENCH_RUNS or 3), --clean. */
export async function runGa4Bench(argv: readonly string[]): Promise<void> {
  const events = flag(argv, "events", 20_000_000);
  const runs = flag(argv, "runs", Number(process.env.BENCH_RUNS ?? 3));
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} free), node ${process.version}`,
  );
  const { dir, bytes } = await exportFor(events);
  const figures: Record<string, Measure[]> = { verity: [], baseline: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of ["baseline", "verity"]) {
      const scratch = await mkdtemp(join(tmpdir(), "verity-ga4-bench-"));
      try {
        const m = await measure(mode, dir, join(scratch, "bench.duckdb"));
        figures[mode]?.push(m);
        process.stderr.write(
          `  ga4 ${mode} run ${i + 1}: ${(m.ms / 1000).toFixed(2)} s (CPU ${(m.cpuMs / 1000).toFixed(1)} s), ${m.maxRssMb.toFixed(0)} MB, ${m.visits.toLocaleString("en-US")} visits, load ${m.load[0].toFixed(1)} -> ${m.load[1].toFixed(1)}\n`,
        );
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
  }
  const v = figures.verity as Measure[];
  const b = figures.baseline as Measure[];
  const vMs = median(v.map((m) => m.ms));
  const bMs = median(b.map((m) => m.ms));
  const result = {
    events,
    megabytes: bytes / 2 ** 20,
    visits: v[0]?.visits ?? 0,
    baselineVisits: b[0]?.visits ?? 0,
    verityMs: vMs,
    baselineMs: bMs,
    ratio: vMs / bMs,
    verityEventsPerSecond: events / (vMs / 1000),
    baselineEventsPerSecond: events / (bMs / 1000),
    verityCpuMs: median(v.map((m) => m.cpuMs)),
    baselineCpuMs: median(b.map((m) => m.cpuMs)),
    cpuRatio: median(v.map((m) => m.cpuMs)) / median(b.map((m) => m.cpuMs)),
    loads: { verity: v.map((m) => m.load), baseline: b.map((m) => m.load) },
    verityPeakRssMb: Math.max(...v.map((m) => m.maxRssMb)),
    baselinePeakRssMb: Math.max(...b.map((m) => m.maxRssMb)),
    runs,
  };
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  console.log(
    `\nmedian of ${runs} runs; baseline = DuckDB read_json over the same files and the same sessions by hand (CREATE TABLE AS)\n`,
  );
  console.log(
    "| events | JSON | visits | verity import | events/s | read_json baseline | events/s | ratio | CPU verity | CPU baseline | CPU ratio | peak RSS verity | peak RSS baseline |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  console.log(
    `| ${n(events)} | ${n(result.megabytes)} MB | ${n(result.visits)} | ${(vMs / 1000).toFixed(2)} s | ${n(result.verityEventsPerSecond)} | ${(bMs / 1000).toFixed(2)} s | ${n(result.baselineEventsPerSecond)} | ${result.ratio.toFixed(2)}x | ${(result.verityCpuMs / 1000).toFixed(1)} s | ${(result.baselineCpuMs / 1000).toFixed(1)} s | ${result.cpuRatio.toFixed(2)}x | ${n(result.verityPeakRssMb)} MB | ${n(result.baselinePeakRssMb)} MB |`,
  );
  await mkdir(out, { recursive: true });
  const file = join(out, `ga4-load-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  console.log(`\nwritten to ${file}`);
  if (argv.includes("--clean")) await rm(dir, { recursive: true, force: true });
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith("ga4-load.ts")) {
  const argv = process.argv.slice(2);
  if (argv[0] === "--worker") await worker(argv.slice(1));
  else await runGa4Bench(argv);
}
