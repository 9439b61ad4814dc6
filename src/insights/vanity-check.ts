/**
 * The vanity check (METRICS.md, "The vanity check" and "Signal or noise"): for each of the
 * eight vanity metrics, its value and its real counterpart's for the period and the
 * comparison period, whether each change is beyond normal variation (signal.ts: sampling
 * noise from the figure's n, and the natural process limits of up to 12 earlier periods),
 * and what the pair means in plain words (pairs.ts, finding-words.ts). Figures the data
 * cannot support are "cannot tell" with the reason and the fix, never a number.
 */

import { disjointPeriods } from "../metrics/across-periods.js";
import { capabilityUnsupported } from "../metrics/capability-words.js";
import { contextForPeriod, type MetricRequest, type ResolvedRequest, resolveRequest } from "../metrics/context.js";
import { figureSupport } from "../metrics/figure-support.js";
import type {
  DataArea,
  Evidence,
  FigureUnsupported,
  Format,
  Headline,
  MetricContext,
  MetricInput,
  MetricReport,
  Statement,
  Statements,
} from "../metrics/metric.js";
import { contextKey, gate, keepsReads, primeReads, rememberByReads, valueKept } from "../metrics/read-cache.js";
import { metricById } from "../metrics/registry.js";
import { CHECK_COMPARISON } from "../metrics/request.js";
import type {
  Figure,
  FindingKind,
  Span,
  VanityCheck,
  VanityFinding,
  VanityTrend,
  Verdict,
  Words,
} from "../metrics/results/check.js";
import { quickHeadline, relativeChange, runMetric, unsupportedOf } from "../metrics/run-metric.js";
import { tidy } from "../metrics/sql-parts.js";
import { computeVanity, vanityDefinition } from "../metrics/vanity.js";
import { type Period, trailingPeriods } from "../model/period.js";
import type { Row, Store } from "../store/store.js";
import { findingWords } from "./finding-words.js";
import { PAIRS, type Pair } from "./pairs.js";
import { judgeChange } from "./signal.js";
import { realMovement, VERDICT_ORDER, verdictOf } from "./verdict.js";

export { PAIRS } from "./pairs.js";

/** Periods of the same length before the current one that normal variation is read from. */
export const HISTORY_PERIODS = 12;

/** One figure's value in one period, with its n and whether the data supports it. */
export type Measured = {
  /** Why there is no value to compare (the period is before the data began), when that is so. */
  missing?: string;
  value: number | null;
  evidence: Evidence | null;
  unsupported: FigureUnsupported | null;
  /** The headline's own label and format, when its metric ran. */
  label?: string;
  format?: Format;
};

// What the check answers is declared in the Node-free src/metrics/results/check.ts (the dashboard reads it).
export type { Figure, Span, VanityCheck, VanityFinding, VanityTrend };

const span = (p: Period): Span => ({ label: p.label, start: p.start.toISOString(), end: p.end.toISOString() });

/**
 * The two figures of every pair in one period; a metric the data cannot support gives its
 * reason instead of numbers.
 */
export async function measurePairs(ctx: MetricContext): Promise<PairMeasures> {
  // Each pair in each period is kept by the tokens of the data its statements read
  // (read-cache.ts, rememberByReads): the check and the trend share the periods, a tracking
  // batch leaves the pairs that read no website data in memory, and every write leaves them
  // when it changed only what lies after the period's end: a pair's statements read visits of
  // its period and before, and leads whose history reaches into it or before
  // (test/tracking-since.test.ts, test/data-since.test.ts).
  const out: PairMeasures = [];
  for (const pair of PAIRS) {
    const [measures] = await rememberByReads(
      ctx.store,
      await pairKey(ctx, pair),
      (reads) => measureAllPairs({ ...ctx, store: reads }, [pair]),
      { before: ctx.period.end },
    );
    out.push(measures as PairMeasures[number]);
  }
  return out;
}

/** What a pair's figures in one period are kept under (measurePairs). */
async function pairKey(ctx: MetricContext, pair: Pair): Promise<string> {
  // What the data supports is read over all time (figure-support.ts): its answer is part of
  // the key, not of what the pair reads before the period's end.
  const support = metricById(pair.metric)?.readsSupport ? await figureSupport(ctx) : null;
  return contextKey("pair", ctx, pair.vanity, pair.metric, support);
}

/**
 * Before measuring `contexts` (one request's, alike but for the period): where a pair is not
 * kept in two or more of them, each of its statements that can be read across periods (a
 * quick headline's or a vanity figure's `across`) runs once for those periods (in two runs for
 * the check's 13), and each period's rows are kept as its own statement's (read-cache.ts
 * primeReads), where measurePairs then finds them. After a write that touched every period
 * that is a few statements in place of 13 or 14 per figure; with the pairs kept, nothing runs.
 * The runs start two at a time, beside the measuring (PostgreSQL's pool keeps its room).
 */
async function primeAcrossPeriods(contexts: readonly MetricContext[]): Promise<void> {
  const first = contexts[0];
  if (!first || !keepsReads(first.store)) return;
  const ordered = [...contexts].sort((a, b) => a.period.start.getTime() - b.period.start.getTime());
  // Warm, the latest period's pairs are kept, and then so are the earlier ones (a write that
  // changed an earlier period changed every later one's tokens too): nothing to read together,
  // and asking every pair in every period would cost more than the view itself.
  const latest = ordered[ordered.length - 1] as MetricContext;
  let latestKept = true;
  for (const pair of PAIRS) {
    if (!valueKept(latest.store, await pairKey(latest, pair), latest.period.end)) latestKept = false;
  }
  if (latestKept) return;
  const through = gate(2);
  for (const pair of PAIRS) {
    const missing: MetricContext[] = [];
    for (const ctx of ordered) {
      const last = missing[missing.length - 1];
      if (last && !disjointPeriods([last.period, ctx.period])) continue;
      if (!valueKept(ctx.store, await pairKey(ctx, pair), ctx.period.end)) missing.push(ctx);
    }
    if (missing.length < 2) continue;
    for (const road of await acrossRoads(pair, missing)) {
      // Only periods whose statement is one to share rows with (the figure is supported there).
      const chosen = road.inputs.flatMap((input) => {
        const statements = road.build(input);
        const only = statements ? Object.values(statements) : [];
        return only.length === 1 ? [{ input, statement: (only[0] as Statement<Row>).sql }] : [];
      });
      primeReads(
        first.store,
        chosen.map((c) => c.statement),
        (positions) =>
          road.across(
            (chosen[0] as { input: MetricInput }).input,
            positions.map((p) => (chosen[p] as { input: MetricInput }).input.ctx.period),
          )?.sql ?? null,
        { through },
      );
    }
  }
}

/** A statement a pair runs per period, with its form across periods, and its inputs for `contexts`. */
type AcrossRoad = {
  build(input: MetricInput): Statements | null;
  across(input: MetricInput, periods: readonly Period[]): Statement<Row> | null;
  inputs: MetricInput[];
};

/** The pair's statements that can be read across `contexts`: its real figure's quick headline and its vanity figure. */
async function acrossRoads(pair: Pair, contexts: readonly MetricContext[]): Promise<AcrossRoad[]> {
  const roads: AcrossRoad[] = [];
  const definition = metricById(pair.metric);
  const quick = definition?.quickHeadlines;
  if (definition && quick?.across && quick.keys.includes(pair.headline)) {
    // Where the metric cannot run, measureAllPairs asks no statement of it.
    const supported = contexts.filter((ctx) => unsupportedOf(definition, ctx).length === 0);
    const inputs: MetricInput[] = [];
    for (const ctx of supported) {
      inputs.push({ ctx, support: definition.readsSupport ? await figureSupport(ctx) : null });
    }
    roads.push({ build: quick.build, across: quick.across, inputs });
  }
  const vanity = vanityDefinition(pair.vanity);
  if (vanity.across) {
    roads.push({ build: vanity.build, across: vanity.across, inputs: contexts.map((ctx) => ({ ctx, support: null })) });
  }
  return roads;
}

async function measureAllPairs(ctx: MetricContext, pairs: readonly Pair[]): Promise<PairMeasures> {
  const reports = new Map<string, MetricReport | null>();
  const unsupportedMetric = new Map<string, FigureUnsupported | null>();
  const out: PairMeasures = [];
  for (const pair of pairs) {
    const definition = metricById(pair.metric);
    if (!definition) throw new Error(`no metric ${pair.metric}`);
    if (!reports.has(pair.metric)) {
      const problems = unsupportedOf(definition, ctx);
      if (problems.length > 0) {
        reports.set(pair.metric, null);
        const words = problems.map((p) => capabilityUnsupported(p.capability, ctx.capabilities));
        unsupportedMetric.set(pair.metric, {
          reason: words.map((w) => `${definition.title}: ${w.reason}`).join("; "),
          fix: words.map((w) => w.fix).join("; "),
          sv: {
            reason: words.map((w) => `${capitalised(pair.realWords.sv)}: ${w.sv.reason}`).join("; "),
            fix: words.map((w) => w.sv.fix).join("; "),
          },
        });
      } else if (!definition.quickHeadlines?.keys.includes(pair.headline)) {
        reports.set(pair.metric, await runMetric(definition, { current: ctx, previous: null }));
      }
    }
    const report = reports.get(pair.metric) ?? null;
    let real: Measured;
    // Only the pair's headline is needed: its own cheaper statements where the metric has them.
    const headline =
      report || unsupportedMetric.get(pair.metric) ? null : await quickHeadline(definition, ctx, pair.headline);
    if (headline) {
      real = measuredOf(headline);
    } else if (!report) {
      real = { value: null, evidence: null, unsupported: unsupportedMetric.get(pair.metric) ?? null };
    } else {
      const headline = report.headlines.find((h) => h.key === pair.headline);
      if (!headline) throw new Error(`metric ${pair.metric} has no headline ${pair.headline}`);
      real = measuredOf(headline);
    }
    // The report carries the vanity numbers beside its metric; otherwise they are computed alone.
    const carried = report?.vanity.find((v) => v.id === pair.vanity) as
      | { value: number | null; evidence?: Evidence | null; unsupported?: FigureUnsupported | null }
      | undefined;
    // Rounded as the report rounds the ones it carries (a ratio's history reads the same either way).
    const vanity = (carried ?? tidy(await computeVanity(ctx, pair.vanity))) as {
      value: number | null;
      evidence?: Evidence | null;
      unsupported?: FigureUnsupported | null;
    };
    out.push({
      vanity: { value: vanity.value, evidence: vanity.evidence ?? null, unsupported: vanity.unsupported ?? null },
      real,
    });
  }
  return out;
}

/** A pair's real figure from its metric's headline. */
const measuredOf = (headline: Headline): Measured => ({
  value: headline.value,
  evidence: headline.evidence ?? null,
  unsupported: headline.unsupported ?? null,
  label: headline.label,
  format: headline.format,
});

/**
 * The figures over the earlier periods. A period that starts before a figure's data began
 * (its area's first record) is no baseline: its zeros would be missing data, not variation.
 */
async function measureHistory(
  ctx: MetricContext,
  periods: readonly Period[],
  wanted: (period: Period, index: number) => boolean = () => true,
  /** Contexts measured next to these, read across periods with them (primeAcrossPeriods). */
  also: readonly MetricContext[] = [],
): Promise<(PairMeasures | null)[]> {
  // PostgreSQL answers from a pool: a few periods at a time use its connections. DuckDB reads
  // on one connection, where running them together would only interleave.
  const width = ctx.store.engine === "postgres" ? HISTORY_CONCURRENCY : 1;
  const out: (PairMeasures | null)[] = periods.map(() => null);
  const todo = periods.flatMap((period, index) => (wanted(period, index) ? [{ period, index }] : []));
  // With the check's own periods: the home asks the check and the trend together, and both
  // then prime the same statements, which the second finds under way.
  await primeAcrossPeriods([
    ...todo.map(({ period }) => contextForPeriod(ctx, period)),
    ...also,
    ...checkContexts(ctx),
  ]);
  for (let start = 0; start < todo.length; start += width) {
    const batch = todo.slice(start, start + width);
    const measured = await Promise.all(batch.map(({ period }) => measurePairs(contextForPeriod(ctx, period))));
    measured.forEach((m, i) => {
      out[(batch[i] as { index: number }).index] = m;
    });
  }
  return out;
}

/** The contexts the check measures for `current`: its period and those of the 12 before it that some pair's data covers. */
function checkContexts(current: MetricContext): MetricContext[] {
  const earlier = trailingPeriods(current.period, HISTORY_PERIODS + 1).slice(0, -1);
  return [
    ...earlier.filter((period) => anyPairCovers(current.dataRange, period)).map((p) => contextForPeriod(current, p)),
    current,
  ];
}

/** Every kind of data some pair reads: its vanity figure's and its real metric's. */
const PAIR_AREAS: readonly DataArea[] = [
  ...new Set(PAIRS.flatMap((pair) => [vanityDefinition(pair.vanity).area, metricById(pair.metric)?.area ?? "sales"])),
];

/** Periods measured at once on PostgreSQL (its pool holds 8 connections; leave some for others). */
const HISTORY_CONCURRENCY = 4;

/** Whether some pair's data covers `period`: the check measures no earlier period that none does. */
export function anyPairCovers(dataRange: MetricContext["dataRange"], period: Period): boolean {
  return PAIR_AREAS.some((area) => covered(dataRange, area, period));
}

function covered(dataRange: MetricContext["dataRange"], area: DataArea, period: Period): boolean {
  const range = dataRange[area];
  // Data that begins on the period's first day covers it (a first record at 08:12 on the
  // 1st of October still makes October a whole month).
  return (
    range !== null &&
    range.start.getTime() < period.start.getTime() + 86_400_000 &&
    period.start.getTime() <= range.end.getTime()
  );
}

/**
 * The check for a request as the CLI and the API take it: against the previous period
 * unless the request says otherwise, earlier periods resolved with the same filters.
 */
export async function checkFor(store: Store, request: MetricRequest): Promise<VanityCheck> {
  return vanityCheck(await resolveRequest(store, { ...request, compare: request.compare ?? CHECK_COMPARISON }));
}

/**
 * The check for `request` measured one period at a time, most recent first, until `stopped()`
 * says to stop; then the check itself, from the pairs just kept (null when stopped). For the
 * server's preparation after a write (src/server/home-warmer.ts): one period at a time holds
 * one of PostgreSQL's connections where a person's view holds four, and a preparation that
 * another write or the server's shutdown overtakes gives up within one period. The periods and
 * their contexts are the ones `vanityCheck` measures, so it finds each of them kept.
 */
export async function prepareCheck(
  store: Store,
  request: MetricRequest,
  stopped: () => boolean,
): Promise<VanityCheck | null> {
  const resolved = await resolveRequest(store, { ...request, compare: request.compare ?? CHECK_COMPARISON });
  const current = resolved.current;
  const earlier = trailingPeriods(current.period, HISTORY_PERIODS + 1)
    .slice(0, -1)
    .filter((period) => anyPairCovers(current.dataRange, period))
    .map((period) => contextForPeriod(current, period));
  // Not read across periods here: a preparation that a write overtakes gives up within one
  // period, and holds one connection, not the two runs of a person's view.
  const contexts = [current, ...(resolved.previous ? [resolved.previous] : []), ...earlier.reverse()];
  for (const ctx of contexts) {
    if (stopped()) return null;
    await measurePairs(ctx);
  }
  return stopped() ? null : vanityCheck(resolved);
}

/** Runs the check; `request` must have a comparison period. */
export async function vanityCheck(request: ResolvedRequest): Promise<VanityCheck> {
  const current = request.current;
  const previous = request.previous;
  if (!previous) throw new Error("the vanity check needs a comparison period");
  const periods = trailingPeriods(current.period, HISTORY_PERIODS + 1);
  const earlier = periods.slice(0, -1);
  // A period no pair's data covers would only be read as null (judgePairs): not measured. A
  // workspace with a year of data is measured over four quarters, not twelve.
  const history = await measureHistory(current, earlier, (period) => anyPairCovers(current.dataRange, period), [
    current,
    previous,
  ]);
  const now = await measurePairs(current);
  // Compared with the period just before (the usual case), that period is already measured.
  const last = earlier.length - 1;
  const before =
    last >= 0 && earlier[last]?.label === previous.period.label && history[last]
      ? history[last]
      : await measurePairs(previous);
  return {
    period: span(current.period),
    comparison: span(previous.period),
    currency: current.currency,
    history: { periods: periods.map(span) },
    findings: judgePairs({
      now,
      before,
      earlier: earlier.map((period, i) => ({ period, measures: history[i] ?? null })),
      dataRange: current.dataRange,
      currency: current.currency,
      periods: { now: current.period, before: previous.period },
    }),
  };
}

/** Every pair's two figures in one period (what `measurePairs` returns). */
export type PairMeasures = { vanity: Measured; real: Measured }[];

/**
 * The findings from measured figures: the current and comparison periods and up to 12
 * earlier periods. Separate from measuring so a caller holding a whole series (the null
 * simulation in test/signal-null-simulation.test.ts) judges every period from one pass.
 */
export function judgePairs(input: {
  now: PairMeasures;
  before: PairMeasures;
  /** The periods before the current one, oldest first, with their measures (null: not measured). */
  earlier: { period: Period; measures: PairMeasures | null }[];
  dataRange: MetricContext["dataRange"];
  currency: string | null;
  /**
   * The current and comparison periods. With them, a comparison period before a figure's
   * data began has no value to compare (its 0 would be missing data), and a current period
   * the data does not reach the end of cannot be set against a whole one for counts and sums.
   */
  periods?: { now: Period; before: Period };
}): VanityFinding[] {
  const { now, before, earlier, dataRange, currency, periods } = input;
  const findings: VanityFinding[] = [];
  /** A measure as it can be compared: unsupported where its period's data is missing or incomplete. */
  const bounded = (measure: Measured, format: Format, area: DataArea, which: "now" | "before"): Measured => {
    if (!periods || measure.unsupported) return measure;
    const range = dataRange[area];
    if (!range) return measure;
    const period = periods[which];
    if (which === "before" && !covered(dataRange, area, period)) {
      return { ...measure, value: null, evidence: null, unsupported: null, missing: "before the data began" };
    }
    // Counts and sums of a period the data stops in part-way are not comparable with a whole
    // one (an export taken on 14 May makes a "fall" of every count in the quarter). The last
    // tenth of the period is allowed: quiet last days are not a missing end.
    const flow = format === "count" || format === "money";
    const slack = Math.max(86_400_000, (period.end.getTime() - period.start.getTime()) / 10);
    if (which === "now" && flow && range.end.getTime() < period.end.getTime() - slack) {
      return {
        ...measure,
        value: null,
        evidence: null,
        unsupported: {
          reason: `the data stops on ${range.end.toISOString().slice(0, 10)}, before ${period.label} is over, so its counts cannot be set against a whole period`,
          fix: "choose a period the data covers to its end with -p (or wait until the period is over)",
          sv: {
            reason: `datan slutar den ${range.end.toISOString().slice(0, 10)}, innan ${period.label} är slut, så periodens antal kan inte ställas mot en hel period`,
            fix: "välj en period som datan täcker till slutet med -p (eller vänta tills perioden är slut)",
          },
        },
      };
    }
    return measure;
  };
  for (const [i, pair] of PAIRS.entries()) {
    const vanityDef = vanityDefinition(pair.vanity);
    const realDef = metricById(pair.metric);
    const seriesOf = (side: "vanity" | "real", area: DataArea) =>
      earlier
        .slice(-HISTORY_PERIODS)
        .map(({ period, measures }) =>
          covered(dataRange, area, period) ? (measures?.[i]?.[side].value ?? null) : null,
        );
    const vanityNow = now[i]?.vanity as Measured;
    const realNow = now[i]?.real as Measured;
    const vanityFormat = vanityDef.format;
    const realFormat = realNow.format ?? REAL_FORMATS[pair.headline] ?? "number";
    const vanityFigure = figure(
      vanityDef.label,
      vanityFormat,
      bounded(vanityNow, vanityFormat, vanityDef.area, "now"),
      bounded(before[i]?.vanity as Measured, vanityFormat, vanityDef.area, "before"),
      seriesOf("vanity", vanityDef.area),
    );
    const realArea = realDef?.area ?? "sales";
    const realFigure = figure(
      realNow.label ?? capitalised(pair.realWords.en),
      realFormat,
      bounded(realNow, realFormat, realArea, "now"),
      bounded(before[i]?.real as Measured, realFormat, realArea, "before"),
      seriesOf("real", realDef?.area ?? "sales"),
    );
    findings.push(finding(pair, vanityDef.number, vanityFigure, realFigure, currency));
  }
  return findings.sort(
    (a, b) =>
      VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict) ||
      Math.abs(b.divergence ?? 0) - Math.abs(a.divergence ?? 0) ||
      a.number - b.number,
  );
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The real figures' formats, for a pair whose metric could not run (its headline is not there to say). */
const REAL_FORMATS: Record<string, Format> = {
  wonLeads: "count",
  winRate: "percent",
  medianDaysToWin: "days",
  returningVisitors: "count",
  qualifiedLeads: "count",
  sharesPerPost: "number",
  socialLeads: "count",
  newsletterLeads: "count",
};

function figure(label: string, format: Format, now: Measured, before: Measured, earlier: (number | null)[]): Figure {
  const unsupported = now.unsupported ?? before.unsupported ?? null;
  const value = unsupported ? null : now.value;
  const previous = unsupported ? null : before.value;
  const judgement =
    unsupported || value === null || previous === null
      ? null
      : judgeChange({
          now: { value, evidence: now.evidence },
          before: { value: previous, evidence: before.evidence },
          history: earlier,
        });
  return tidy({
    label,
    format,
    value,
    previous,
    change: relativeChange(previous, value),
    evidence: unsupported ? null : now.evidence,
    previousEvidence: unsupported ? null : before.evidence,
    unsupported,
    judgement,
    history: [...earlier, value],
    ...(before.missing ? { missing: `the earlier period is ${before.missing}` } : {}),
  });
}

function finding(
  pair: Pair,
  number: number,
  vanityFigure: Figure,
  realFigure: Figure,
  currency: string | null,
): VanityFinding {
  const base = { vanity: pair.vanity, number, metric: pair.metric, vanityFigure, realFigure };
  const unsupported = vanityFigure.unsupported ?? realFigure.unsupported;
  let verdict: Verdict;
  let kind: FindingKind;
  const vanityMovement = vanityFigure.judgement?.movement ?? null;
  const realMove = realFigure.judgement?.movement ?? null;
  // A figure whose change no test can judge (a level without enough history) leaves the
  // pair unjudged: a verdict needs evidence, and "not judged" is not "held steady".
  const unjudged = [
    { figure: vanityFigure, words: pair.vanityWords },
    { figure: realFigure, words: pair.realWords },
  ].find(({ figure }) => figure.judgement !== null && figure.judgement.movement === null);
  let reason: Words | null = unsupported ? unsupportedWords(unsupported) : null;
  if (unsupported) {
    verdict = "unknown";
    kind = "unsupported";
  } else if (vanityFigure.judgement === null || realFigure.judgement === null) {
    verdict = "unknown";
    kind = "no-change";
  } else if (unjudged) {
    verdict = "unknown";
    kind = "unsupported";
    reason = {
      en: `${unjudged.words.en}: ${unjudged.figure.judgement?.reason ?? "no test applies"}`,
      sv: `${unjudged.words.sv}: för kort historik för normal variation och ingen modell för urvalsbrus`,
    };
  } else {
    ({ verdict, kind } = verdictOf(pair, vanityMovement, realMove));
  }
  const signal = [vanityMovement, realMove].some((m) => m === "up" || m === "down");
  const divergence =
    vanityFigure.change === null || realFigure.change === null
      ? null
      : vanityFigure.change - realFigure.change * pair.better;
  const lacking = [
    { side: "vanity" as const, figure: vanityFigure },
    { side: "real" as const, figure: realFigure },
  ].find(({ figure }) => figure.judgement === null);
  const noComparison =
    kind === "no-change" && lacking
      ? {
          figure: lacking.side,
          why:
            lacking.figure.value === null
              ? ("now" as const)
              : lacking.figure.missing
                ? ("before-data" as const)
                : ("before" as const),
        }
      : null;
  const words = findingWords(pair, { kind, vanityFigure, realFigure, unsupported: reason, noComparison }, currency);
  return tidy({
    ...base,
    verdict,
    kind,
    vanityMovement,
    realMovement: realMove,
    realDirection: realMovement(pair, realMove),
    signal,
    divergence,
    finding: words.en,
    words,
  });
}

/** The reason a pair cannot be told, in each language (every FigureUnsupported carries both). */
function unsupportedWords(unsupported: FigureUnsupported): Words {
  const words = (reason: string, fix: string | null) => `${reason}${fix ? ` (${fix})` : ""}`;
  const { sv } = unsupported;
  return { en: words(unsupported.reason, unsupported.fix), sv: words(sv.reason, sv.fix) };
}

/**
 * Each pair's vanity and real value over `count` periods of the request's length, ending
 * with its period (the dashboard's small trend charts). Each metric runs once a period.
 */
export async function vanityTrend(request: ResolvedRequest, count: number): Promise<VanityTrend> {
  // Fewer than `count` when earlier periods would fall before the years Verity reads.
  const periods = trailingPeriods(request.current.period, count);
  const { dataRange } = request.current;
  const last = periods.length - 1;
  // As the check's history: the earlier periods only where their data covers them; the current
  // period always (its value is the check's, whenever its data began).
  const shown = (period: Period, p: number, area?: DataArea) =>
    p === last || (area ? covered(dataRange, area, period) : anyPairCovers(dataRange, period));
  const measured = await measureHistory(request.current, periods, (period, p) => shown(period, p));
  const values = (area: DataArea, side: "vanity" | "real", i: number) =>
    measured.map((m, p) => (shown(periods[p] as Period, p, area) ? (m?.[i]?.[side].value ?? null) : null));
  return {
    periods: periods.map(span),
    pairs: PAIRS.map((pair, i) => ({
      vanity: pair.vanity,
      metric: pair.metric,
      vanityValues: values(vanityDefinition(pair.vanity).area, "vanity", i),
      realValues: values(metricById(pair.metric)?.area ?? "sales", "real", i),
    })),
  };
}
