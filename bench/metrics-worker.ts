/**
 * One engine's metric timings, in its own process (for its peak memory). Run by
 * bench/metrics.ts; prints one JSON line.
 *
 *   tsx bench/metrics-worker.ts duckdb bench/out/l.duckdb bench 2026-Q2 5
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { resolveRequest } from "../src/metrics/context.js";
import { METRICS } from "../src/metrics/registry.js";
import { runReport } from "../src/metrics/report-envelope.js";
import { computeMetric } from "../src/metrics/run-metric.js";
import { stalledLeads, stalledLeadsPage } from "../src/metrics/stalled-leads.js";
import { DEFAULT_STALLED_SORT, STALLED_PAGE_DEFAULT } from "../src/metrics/stalled-page.js";
import { defaultEngineThreads } from "../src/server/server.js";
import { openStore } from "../src/store/open-store.js";
import { Sql } from "../src/store/sql.js";
import type { Row } from "../src/store/store.js";
import type { Baseline, BaselineParams } from "./handwritten/types.js";

const [engine, target, workspace, period, runsText] = process.argv.slice(2) as [string, string, string, string, string];
const runs = Number(runsText ?? 5);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function time(work: () => Promise<unknown>): Promise<{ ms: number; runs: number[] }> {
  await work(); // warm: the engine's caches and the JIT, as in a running server or a second report
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    all.push(performance.now() - started);
  }
  return { ms: median(all), runs: all };
}

const baselines = new Map<string, Baseline>();
for (const file of await readdir(join(import.meta.dirname, "handwritten"))) {
  if (!file.endsWith(".ts") || file === "types.ts") continue;
  const module = (await import(`./handwritten/${file}`)) as { baseline?: Baseline };
  if (module.baseline) baselines.set(module.baseline.metric, module.baseline);
}

const store = await openStore(
  engine === "duckdb" ? { engine: "duckdb", path: target } : { engine: "postgres", url: target },
);
if (engine === "duckdb" && !existsSync(target)) throw new Error(`${target} does not exist`);
// BENCH_AS_SERVE=1: the store as `verity serve` sets it (a thread fewer than the machine has,
// reads on two connections); otherwise as the CLI opens it.
if (process.env.BENCH_AS_SERVE === "1") {
  await store.setThreads?.(defaultEngineThreads());
  await store.setReadConnections?.(2);
}
/**
 * The statements themselves: a request resolved with the results cache off (its store is the
 * store), so warm runs measure the engine, not memory (src/metrics/read-cache.ts). The kept
 * figures are measured apart below.
 */
async function uncached<T>(work: () => Promise<T>): Promise<T> {
  const was = process.env.VERITY_READ_CACHE;
  process.env.VERITY_READ_CACHE = "off";
  try {
    return await work();
  } finally {
    if (was === undefined) delete process.env.VERITY_READ_CACHE;
    else process.env.VERITY_READ_CACHE = was;
  }
}
const request = await uncached(() => resolveRequest(store, { workspace, period }));
const ctx = request.current;
const iso = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);
const params: BaselineParams = {
  workspace,
  start: iso(ctx.period.start),
  end: iso(ctx.period.end),
  currency: ctx.currency,
  engine: engine as BaselineParams["engine"],
  ctx,
};

async function runBaseline(baseline: Baseline): Promise<Row[][]> {
  const out: Row[][] = [];
  for (const q of baseline.queries(params)) {
    out.push(await store.query(withValues(q.text, q.values)));
  }
  return out;
}

/** A statement from text with $n placeholders and its values (the baseline's own SQL). */
function withValues(text: string, values: (string | number | null)[]) {
  const parts = text.split(/\$(\d+)/);
  const strings: string[] = [];
  const ordered: (string | number | null)[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) strings.push(parts[i] as string);
    else ordered.push(values[Number(parts[i]) - 1] ?? null);
  }
  return new Sql(strings, ordered);
}

const metrics: { metric: string; ms: number; baselineMs: number | null; ratio: number | null; checked: boolean }[] = [];
// BENCH_METRICS=funnel,velocity times only those (the full report always runs all nine).
const only = process.env.BENCH_METRICS?.split(",").filter(Boolean);
for (const definition of METRICS.filter((m) => !only || only.includes(m.id))) {
  // The metric's own computation (its vanity numbers and the envelope are in the full report).
  const verity = await time(() => computeMetric(definition, ctx));
  const baseline = baselines.get(definition.id);
  let baselineMs: number | null = null;
  let checked = false;
  if (baseline) {
    const result = await computeMetric(definition, ctx);
    baseline.check(result, await runBaseline(baseline), params);
    checked = true;
    baselineMs = (await time(() => runBaseline(baseline))).ms;
  }
  metrics.push({
    metric: definition.id,
    ms: verity.ms,
    baselineMs,
    ratio: baselineMs ? verity.ms / baselineMs : null,
    checked,
  });
  process.stderr.write(
    `  ${engine} ${definition.id.padEnd(20)} ${verity.ms.toFixed(0).padStart(7)} ms   baseline ${baselineMs?.toFixed(0) ?? "–"} ms\n`,
  );
}
const stalled = await time(() => stalledLeads(ctx));
// What the dashboard asks first: the first page in the list's own order (GET /api/stalled).
const firstPage = { offset: 0, limit: STALLED_PAGE_DEFAULT, sort: DEFAULT_STALLED_SORT };
const stalledPage = await time(() => stalledLeadsPage(ctx, firstPage));
// The report as the CLI and GET /api/report compute it (every metric at once).
const report = await time(() => uncached(() => runReport(store, METRICS, { workspace, period })));
// As `verity serve` answers an unchanged workspace: the request resolved with the cache on
// (one statement reads the data version), each metric's statements from memory.
const reportKept = await time(() => runReport(store, METRICS, { workspace, period }));
const stalledKept = await time(async () => stalledLeads((await resolveRequest(store, { workspace, period })).current));
await store.close();
process.stdout.write(
  `${JSON.stringify({ engine, period, runs, metrics, stalledMs: stalled.ms, stalledPageMs: stalledPage.ms, reportMs: report.ms, reportKeptMs: reportKept.ms, stalledKeptMs: stalledKept.ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
