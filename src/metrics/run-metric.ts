/**
 * Runs a metric for a resolved request: the period, the comparison period when asked, and
 * the envelope every consumer (CLI, API, dashboard) reads.
 */
import { type Judgement, judgeChange } from "../insights/signal.js";
import { capabilityUnsupported } from "./capability-words.js";
import { asOfFor, type ResolvedRequest } from "./context.js";
import { figureSupport } from "./figure-support.js";
import {
  type Evidence,
  type Headline,
  type MetricContext,
  type MetricDefinition,
  type MetricInput,
  type MetricReport,
  type RowsOf,
  runStatements,
  type Statements,
  type Unsupported,
} from "./metric.js";
import { tidy } from "./sql-parts.js";
import { computeVanity } from "./vanity.js";

export { CAPABILITY_WORDS } from "./capability-words.js";

export function unsupportedOf(definition: MetricDefinition, ctx: MetricContext): Unsupported[] {
  return definition.needs
    .filter((capability) => !ctx.capabilities.has(capability))
    .map((capability) => {
      const words = capabilityUnsupported(capability, ctx.capabilities);
      return { capability, message: `${definition.title}: ${words.reason} (fix: ${words.fix})` };
    });
}

function period(ctx: MetricContext) {
  return { label: ctx.period.label, start: ctx.period.start.toISOString(), end: ctx.period.end.toISOString() };
}

export async function runMetric<R>(
  definition: MetricDefinition<R>,
  request: ResolvedRequest,
): Promise<MetricReport<R>> {
  const ctx = request.current;
  // Every statement asked at once (the period's, the comparison's, the vanity figures'): on
  // `verity serve`'s two DuckDB connections (and PostgreSQL's pool) they run side by side.
  const vanityOf = (of: MetricContext) => Promise.all(definition.replaces.map((id) => computeVanity(of, id)));
  const [current, earlier, vanityNow, vanityBefore] = await Promise.all([
    computeMetric(definition, ctx),
    request.previous ? computeMetric(definition, request.previous) : null,
    vanityOf(ctx),
    request.previous ? vanityOf(request.previous) : [],
  ]);
  const result = tidy(current);
  const previous = earlier === null ? null : tidy(earlier);
  const before = previous === null ? null : definition.headlines(previous);
  const headlines = definition.headlines(result).map((headline) => {
    const was = before?.find((b) => b.key === headline.key);
    const earlier = was?.value ?? null;
    const previousEvidence = was?.evidence ?? null;
    return tidy({
      ...headline,
      previous: earlier,
      previousEvidence,
      change: relativeChange(earlier, headline.value),
      ...(request.previous ? { judgement: samplingJudgement(headline, earlier, previousEvidence) } : {}),
    });
  });
  const vanity = [];
  for (const [i, now] of vanityNow.entries()) {
    const before = vanityBefore[i] ?? null;
    const earlier = before?.value ?? null;
    const previousEvidence = before?.evidence ?? null;
    const judged = request.previous ? { judgement: samplingJudgement(now, earlier, previousEvidence) } : {};
    vanity.push(
      tidy({ ...now, previous: earlier, previousEvidence, change: relativeChange(earlier, now.value), ...judged }),
    );
  }
  // Each metric is "as of" its own data: engagement by the latest visit, velocity by the latest sale.
  const asOf = asOfFor(ctx, definition.area);
  const ignoredFilters: string[] = [];
  if (!definition.leadFilters) {
    const { pipeline, team, rep } = ctx.filters;
    if (pipeline) ignoredFilters.push("pipeline");
    if (team) ignoredFilters.push("team");
    if (rep) ignoredFilters.push("rep");
  }
  return {
    metric: definition.id,
    title: definition.title,
    why: definition.why,
    definition: definition.definition,
    replaces: definition.replaces,
    period: period(ctx),
    comparison: request.previous ? period(request.previous) : null,
    filters: ctx.filters,
    ignoredFilters,
    currency: ctx.currency,
    otherCurrencies: ctx.otherCurrencies,
    asOf: asOf.asOf.toISOString(),
    asOfSource: asOf.source,
    unsupported: [...unsupportedOf(definition as MetricDefinition, ctx), ...partsUnsupported(result)],
    headlines,
    vanity,
    result,
    previous,
  };
}

/**
 * Headline `key` of `definition` by its quick road (MetricDefinition.quickHeadlines), as the
 * metric's own headlines give it (rounded as computeMetric rounds); null when it has none.
 */
export async function quickHeadline(
  definition: MetricDefinition,
  ctx: MetricContext,
  key: string,
): Promise<Headline | null> {
  const quick = definition.quickHeadlines;
  if (!quick?.keys.includes(key)) return null;
  const input: MetricInput = { ctx, support: definition.readsSupport ? await figureSupport(ctx) : null };
  const rows = await runStatements(ctx, quick.build(input));
  const headline = quick.headlines(tidy(rows), input).find((h) => h.key === key);
  if (!headline) throw new Error(`metric ${definition.id} has no quick headline ${key}`);
  return headline;
}

/**
 * A metric's result for one context: what the data supports (when the metric reads it, asked
 * once per request), its statements built, run in order through the store, and shaped.
 */
export async function computeMetric<R, S extends Statements, F extends Statements>(
  definition: MetricDefinition<R, S, F>,
  ctx: MetricContext,
): Promise<R> {
  const input: MetricInput = { ctx, support: definition.readsSupport ? await figureSupport(ctx) : null };
  if (definition.readsVanity) {
    input.vanity = {};
    for (const id of definition.readsVanity) input.vanity[id] = await computeVanity(ctx, id);
  }
  const statements = definition.build(input);
  if (statements === null) return definition.shape(null, input);
  const rows = await runStatements(ctx, statements);
  const more = definition.followUp?.(rows, input) ?? null;
  // Without a follow-up its rows are absent, which Partial<RowsOf<F>> allows.
  const all = more === null ? rows : { ...rows, ...(await runStatements(ctx, more)) };
  return definition.shape(all as RowsOf<S> & Partial<RowsOf<F>>, input);
}

/** A metric whose needs are met overall may still report parts it cannot support (velocity's days in stage). */
function partsUnsupported(result: unknown): Unsupported[] {
  const parts = (result as { unsupported?: unknown } | null)?.unsupported;
  return Array.isArray(parts) ? (parts as Unsupported[]) : [];
}

/**
 * Whether a report comparison is beyond sampling noise (METRICS.md, "Signal or noise"). A
 * report compares two periods only, so normal variation over earlier periods is not judged
 * here (its `variation` is null and the words say "sampling noise"); `verity check` and
 * GET /api/check judge both for the eight headline pairs.
 */
function samplingJudgement(
  now: { value: number | null; evidence?: Evidence | null; unsupported?: unknown },
  previous: number | null,
  previousEvidence: Evidence | null,
): Judgement | null {
  if (now.unsupported) return null;
  return judgeChange({
    now: { value: now.value, evidence: now.evidence ?? null },
    before: { value: previous, evidence: previousEvidence },
    history: [],
  });
}

/** (now - before) / |before|; null when there is nothing to compare with. */
export function relativeChange(before: number | null, now: number | null): number | null {
  if (before === null || now === null || before === 0) return null;
  return (now - before) / Math.abs(before);
}
