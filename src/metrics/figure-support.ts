/**
 * Whether the data behind a request can support the figures that need qualification marks,
 * recorded losses or amounts (METRICS.md, "Signal or noise": a figure the data cannot support
 * is shown as unsupported with the reason and the fix, never as a number). The funnel,
 * velocity and qualified leads read it; each decides which of its figures depend on what.
 *
 * The rules, and why they catch the broken exports and not normal data:
 *
 * - Qualification: unsupported when the workspace lacks the capability (no qualification
 *   time and no qualifying stage anywhere, or the latest import import said so), or when the leads
 *   the request covers (its filters, any time) carry no mark of their own: at least one of
 *   them is not won, none of those that are not won carries a qualified_at, and no stage of
 *   their pipelines is the qualifying one. Without marks, lead_facts can only call a lead
 *   qualified by winning, so every loss counts as "never qualified" and a win rate among
 *   qualified leads reads 100% (a Salesforce org whose stages are in Spanish has no stage
 *   called Qualification). Won leads are left out of the test because winning qualifies a
 *   lead by definition: a qualified_at on won leads only says nothing about the others. A
 *   pipeline with a qualifying stage, or a single lost or open lead with a qualified_at, is
 *   a mark: the data then says who qualified, and a loss without a mark is a real "never
 *   qualified". The test is over all time, not the period, so it does not flicker with it.
 * - Losses: unsupported when the workspace lacks the capability (no lead is lost, or the
 *   latest import said so), or when a pipeline filter names a pipeline with no lost lead at
 *   all: a CRM export of won and open deals only. A rep, team or source without a loss is
 *   left alone: within data that records losses, their 100% is a real figure, and its
 *   evidence (the n) says how little it rests on.
 * - Amounts: unsupported when the workspace lacks the capability (no lead has a value) or has
 *   no reporting currency: money figures are unknown then, not 0.
 */

import { sql } from "../store/sql.js";
import { NO_AMOUNTS } from "./evidence.js";
import type { FigureUnsupported, Headline, MetricContext } from "./metric.js";
import { leadFilter } from "./sql-parts.js";

/** One wording of "no amounts" and one rate evidence for every metric (evidence.ts). */
export { NO_AMOUNTS, rateEvidence } from "./evidence.js";

export type FigureSupport = {
  qualification: FigureUnsupported | null;
  losses: FigureUnsupported | null;
  amounts: FigureUnsupported | null;
};

export const NO_LOSSES: FigureUnsupported = {
  reason: "no lost leads are recorded, so a win rate would read 100%",
  fix:
    "import the lost deals too (an export of every deal, won, lost and open: many CRM exports leave closed-lost " +
    "deals out unless asked); meanwhile the conversion including open leads (won of all leads created) stands beside it",
  sv: {
    reason: "inga förlorade leads är registrerade, så en vinstandel skulle visa 100 %",
    fix:
      "importera även de förlorade affärerna (en export av alla affärer, vunna, förlorade och öppna: många CRM-exporter " +
      "utelämnar closed-lost om man inte ber om dem); under tiden står konverteringen inklusive öppna leads (vunna av alla skapade leads) bredvid",
  },
};

const NO_MARKS =
  "nothing marks qualification (no qualifying stage, and no lead that was not won has a qualification time), " +
  "so every lost lead would count as never qualified";
const NO_MARKS_SV =
  "inget markerar kvalificering (inget kvalificerande steg, och inget lead som inte vunnits har en kvalificeringstid), " +
  "så varje förlorat lead skulle räknas som aldrig kvalificerat";

/**
 * Asked once per resolved request: the answer is over all time, so the funnel, velocity and
 * qualified leads of every period the vanity check measures (up to 14 of each) read the same
 * one. Keyed by the request's filters object, which resolveRequest makes anew for each request
 * and contextForPeriod passes on unchanged (the same soundness as computeVanity's cache).
 */
const supportOf = new WeakMap<MetricContext["filters"], { of: SupportInputs; support: Promise<FigureSupport> }>();

/** What else the answer depends on; a context that differs in any of them asks again. */
type SupportInputs = Pick<MetricContext, "store" | "workspace" | "capabilities" | "currency">;
const sameInputs = (a: SupportInputs, b: SupportInputs) =>
  a.store === b.store && a.workspace === b.workspace && a.capabilities === b.capabilities && a.currency === b.currency;

export function figureSupport(ctx: MetricContext): Promise<FigureSupport> {
  const known = supportOf.get(ctx.filters);
  if (known && sameInputs(known.of, ctx)) return known.support;
  const support = askSupport(ctx);
  const entry = { of: ctx, support };
  supportOf.set(ctx.filters, entry);
  // A failed query is not remembered: the next caller asks again.
  support.catch(() => {
    if (supportOf.get(ctx.filters) === entry) supportOf.delete(ctx.filters);
  });
  return support;
}

async function askSupport(ctx: MetricContext): Promise<FigureSupport> {
  const w = ctx.workspace;
  const scope = leadFilter(ctx, "l");
  const pipeline = ctx.filters.pipeline;
  const [row] = await ctx.store.query<{ unwon: number; marked: number; qualifying: number; lost: number }>(sql`
    SELECT
      (SELECT count(*) FROM (SELECT 1 FROM leads l WHERE ${scope} AND l.status <> 'won' LIMIT 1) t) AS unwon,
      (SELECT count(*) FROM (
        SELECT 1 FROM leads l WHERE ${scope} AND l.status <> 'won' AND l.qualified_at IS NOT NULL LIMIT 1) t) AS marked,
      (SELECT count(*) FROM (
        SELECT 1 FROM stages s WHERE s.workspace_id = ${w} AND s.is_qualifying
          AND EXISTS (SELECT 1 FROM leads l WHERE ${scope} AND l.pipeline_id = s.pipeline_id)
        LIMIT 1) t) AS qualifying,
      (SELECT count(*) FROM (
        SELECT 1 FROM leads l WHERE l.workspace_id = ${w} AND l.status = 'lost'
          ${pipeline ? sql`AND l.pipeline_id = ${pipeline.id}` : sql``}
        LIMIT 1) t) AS lost`);
  const markless = Number(row?.unwon ?? 0) > 0 && Number(row?.marked ?? 0) === 0 && Number(row?.qualifying ?? 0) === 0;
  const qualification = !ctx.capabilities.has("qualification") || markless ? await noMarks(ctx) : null;
  const losses = !ctx.capabilities.has("losses") || Number(row?.lost ?? 0) === 0 ? NO_LOSSES : null;
  const amounts = !ctx.capabilities.has("amounts") || ctx.currency === null ? NO_AMOUNTS : null;
  return { qualification, losses, amounts };
}

async function noMarks(ctx: MetricContext): Promise<FigureUnsupported> {
  const stages = await stageList(ctx);
  return {
    reason: NO_MARKS,
    fix: `import again naming the stage that qualifies a lead: verity import --qualifying-stage "<name>" (${stages.en})`,
    sv: {
      reason: NO_MARKS_SV,
      fix: `importera igen och ange steget som kvalificerar ett lead: verity import --qualifying-stage "<namn>" (${stages.sv})`,
    },
  };
}

/** The open stages of the pipelines the request's leads are in: "stages of Sales: New, Demo, Won". */
async function stageList(ctx: MetricContext): Promise<{ en: string; sv: string }> {
  const rows = await ctx.store.query<{ pipeline: string; stage: string }>(sql`
    SELECT p.name AS pipeline, s.name AS stage
    FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = ${ctx.workspace} AND s.kind = 'open'
      AND EXISTS (SELECT 1 FROM leads l WHERE ${leadFilter(ctx, "l")} AND l.pipeline_id = s.pipeline_id)
    ORDER BY p.name, p.id, s.position, s.id`);
  const byPipeline = new Map<string, string[]>();
  for (const r of rows) byPipeline.set(r.pipeline, [...(byPipeline.get(r.pipeline) ?? []), r.stage]);
  if (byPipeline.size === 0) return { en: "the pipeline has no open stages", sv: "pipelinen har inga öppna steg" };
  const list = (of: string) =>
    [...byPipeline].map(([name, stages]) => `${of} ${name}: ${stages.join(", ")}`).join("; ");
  return { en: list("stages of"), sv: list("steg i") };
}

/**
 * A headline as shown: unsupported (value and evidence null, the reason and fix beside it)
 * when `cannot` is set, as computed otherwise.
 */
export function headlineOf(headline: Headline, cannot: FigureUnsupported | null): Headline {
  if (!cannot) return headline;
  return { ...headline, value: null, evidence: null, unsupported: cannot };
}
