/**
 * METRICS.md 2, the lead requirement plan: given a target (won leads or revenue) for a
 * period, the leads needed at each stage and when they must enter it, from the conversion
 * rates, average won value and stage durations measured over a history window. The
 * conversion rates are the funnel's (metrics/definitions/funnel.ts) of the leads created in
 * the window.
 */

import { MetricInputError } from "../metrics/context.js";
import { type FunnelPipeline, funnel as funnelMetric } from "../metrics/definitions/funnel.js";
import type { MetricContext, View } from "../metrics/metric.js";
import type { Interval } from "../metrics/results/common.js";
import type {
  LeadPlan,
  LeadPlanStage,
  LeadPlans,
  LeadPlanTarget,
  UnplannedPipeline,
} from "../metrics/results/lead-plan.js";
import { computeMetric } from "../metrics/run-metric.js";
import { daysBetween, inPeriod, leadFilter, money, tidy } from "../metrics/sql-parts.js";
import type { Period } from "../model/period.js";
import { sql } from "../store/sql.js";

// The plan's types are Node-free in src/metrics/results/lead-plan.ts (the dashboard reads them).
export type { LeadPlan, LeadPlanStage, LeadPlans, LeadPlanTarget, UnplannedPipeline };

const DAY_MS = 86_400_000;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const whole = (n: number) => n.toLocaleString("en-US");

/** The 12 months before `period` starts. */
export function defaultHistory(period: Period): Period {
  const s = period.start;
  const start = new Date(Date.UTC(s.getUTCFullYear() - 1, s.getUTCMonth(), s.getUTCDate()));
  return rangeOf(start, s);
}

function rangeOf(start: Date, end: Date): Period {
  return { label: `${isoDay(start)}..${isoDay(new Date(end.getTime() - DAY_MS))}`, start, end, grain: "range" };
}

/** Rounds up, forgiving floating point noise (20.000000000004 leads are 20). */
function roundUp(n: number): number {
  return Math.ceil(n - 1e-9);
}

function checkTarget(target: LeadPlanTarget): { wonLeads: number | null; revenue: number | null } {
  const { wonLeads, revenue } = target;
  if (wonLeads === undefined && revenue === undefined) {
    throw new MetricInputError("give a target: the number of won leads or the revenue for the period", "targetWon");
  }
  if (wonLeads !== undefined && revenue !== undefined) {
    throw new MetricInputError("give one target, won leads or revenue, not both", "targetRevenue");
  }
  if (wonLeads !== undefined && !(Number.isInteger(wonLeads) && wonLeads > 0)) {
    throw new MetricInputError("the won leads target must be a whole number above 0", "targetWon");
  }
  if (revenue !== undefined && !(Number.isFinite(revenue) && revenue > 0)) {
    throw new MetricInputError("the revenue target must be an amount above 0", "targetRevenue");
  }
  return { wonLeads: wonLeads ?? null, revenue: revenue ?? null };
}

/**
 * The pipelines a plan can be measured on: the filter's, or every pipeline with leads created
 * in the window. None is an error: there is nothing to measure conversion on.
 */
function measuredPipelines(
  ctx: MetricContext,
  pipelines: FunnelPipeline[],
  history: Period,
  /** The parameter that chose the window: history when given, else the plan's period. */
  windowParameter: "history" | "period",
): FunnelPipeline[] {
  const used = ctx.filters.pipeline ? pipelines : pipelines.filter((p) => p.cohort > 0);
  if (used.length === 0 || (used[0]?.cohort ?? 0) === 0) {
    throw new MetricInputError(
      `no leads were created in ${history.label}; there is nothing to measure conversion on`,
      windowParameter,
    );
  }
  return used;
}

/** The one pipeline a single plan is for: the filter's, or the only one with leads in the window. */
function pickPipeline(
  ctx: MetricContext,
  pipelines: FunnelPipeline[],
  history: Period,
  windowParameter: "history" | "period",
): FunnelPipeline {
  const used = measuredPipelines(ctx, pipelines, history, windowParameter);
  if (used.length > 1) {
    throw new MetricInputError(
      `leads of several pipelines were created in ${history.label} (${used.map((p) => p.pipelineName).join(", ")}); ` +
        "give --pipeline to plan one",
      "pipeline",
    );
  }
  return used[0] as FunnelPipeline;
}

type WonRow = { won: number; valued: number; average: number | null };
type DurationRow = { stage_id: string; leads: number; median_days: number | null };

/** Leads won in the window, and the average value of those in the reporting currency. */
async function wonInWindow(ctx: MetricContext): Promise<WonRow> {
  const [row] = await ctx.store.query<WonRow>(sql`
    SELECT count(*) AS won, count(${money(ctx, "l")}) AS valued,
      CAST(avg(${money(ctx, "l")}) AS FLOAT8) AS average
    FROM leads l
    WHERE ${leadFilter(ctx, "l")} AND l.status = 'won' AND ${inPeriod(ctx, sql`l.closed_at`)}`);
  return { won: Number(row?.won ?? 0), valued: Number(row?.valued ?? 0), average: row?.average ?? null };
}

/**
 * Per open stage of the pipeline: the median days from entering it to being won, over the
 * leads won in the window. A lead enters a stage at its first event into that stage or any
 * later one (a skipped stage is entered when the lead passes it) or into a won stage; every
 * lead enters the first stage when it is created.
 */
async function daysToWon(ctx: MetricContext, pipelineId: string): Promise<DurationRow[]> {
  const w = ctx.workspace;
  const days = daysBetween(ctx, sql`entered_at`, sql`closed_at`);
  return ctx.store.query<DurationRow>(sql`
    WITH won AS (
      SELECT l.id, l.created_at, l.closed_at FROM leads l
      WHERE ${leadFilter(ctx, "l")} AND l.status = 'won' AND ${inPeriod(ctx, sql`l.closed_at`)}
    ),
    stage_list AS (
      SELECT id, position, min(position) OVER () AS first_position FROM stages
      WHERE workspace_id = ${w} AND pipeline_id = ${pipelineId} AND kind = 'open'
    ),
    entered AS (
      SELECT e.lead_id, e.changed_at,
        CASE WHEN s.kind = 'won' THEN NULL ELSE s.position END AS position, s.kind
      FROM stage_events e
      JOIN won ON won.id = e.lead_id
      JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      WHERE e.workspace_id = ${w} AND s.pipeline_id = ${pipelineId} AND s.kind IN ('open', 'won')
    ),
    entries AS (
      SELECT won.id, st.id AS stage_id, won.closed_at,
        CASE WHEN st.position = st.first_position THEN won.created_at ELSE min(en.changed_at) END AS entered_at
      FROM won CROSS JOIN stage_list st
      LEFT JOIN entered en ON en.lead_id = won.id AND (en.kind = 'won' OR en.position >= st.position)
      GROUP BY won.id, st.id, st.position, st.first_position, won.created_at, won.closed_at
    )
    SELECT stage_id, count(*) AS leads, ${ctx.store.dialect.quantile(days, 0.5)} AS median_days
    FROM entries WHERE entered_at IS NOT NULL
    GROUP BY stage_id`);
}

/**
 * The plan for ctx.period (the plan period), measured from `history` (default: the 12
 * months before the plan period starts) with the request's filters. One pipeline: the
 * filter's, or the only one with leads in the window (several are an error; planPipelines
 * plans each).
 */
export async function planLeads(ctx: MetricContext, target: LeadPlanTarget, history?: Period): Promise<LeadPlan> {
  const goal = checkTarget(target);
  const window = history ?? defaultHistory(ctx.period);
  const historyCtx: MetricContext = { ...ctx, period: window };
  const funnel = await computeMetric(funnelMetric, historyCtx);
  const pipeline = pickPipeline(ctx, funnel.pipelines, window, history ? "history" : "period");
  return planPipeline(historyCtx, ctx.period, goal, pipeline);
}

/**
 * One plan per pipeline with leads created in the history window, each for the whole
 * target: how the target splits between pipelines is the company's choice, not the data's.
 * With a pipeline filter, that pipeline's plan alone. A pipeline whose data cannot carry a
 * plan is listed with the reason instead of stopping the others; when none can be planned,
 * the first pipeline's reason is the error.
 */
export async function planPipelines(ctx: MetricContext, target: LeadPlanTarget, history?: Period): Promise<LeadPlans> {
  const goal = checkTarget(target);
  const window = history ?? defaultHistory(ctx.period);
  const historyCtx: MetricContext = { ...ctx, period: window };
  const funnel = await computeMetric(funnelMetric, historyCtx);
  const pipelines = measuredPipelines(ctx, funnel.pipelines, window, history ? "history" : "period");
  const plans: LeadPlan[] = [];
  const unplanned: UnplannedPipeline[] = [];
  let firstError: unknown = null;
  for (const pipeline of pipelines) {
    try {
      plans.push(await planPipeline(historyCtx, ctx.period, goal, pipeline));
    } catch (error) {
      if (!(error instanceof MetricInputError)) throw error;
      firstError ??= error;
      unplanned.push({ pipeline: { id: pipeline.pipelineId, name: pipeline.pipelineName }, reason: error.message });
    }
  }
  if (plans.length === 0) throw firstError;
  const notes =
    pipelines.length > 1
      ? [
          `each of the ${pipelines.length} pipelines with leads created ${window.label} is planned for the whole ` +
            "target on its own; to split the target between them, plan each share with --pipeline",
        ]
      : [];
  return { plans, unplanned, notes };
}

/**
 * The plan for one pipeline: `ctx` is scoped to the history window, `period` is the plan
 * period.
 */
async function planPipeline(
  historyCtx: MetricContext,
  period: Period,
  goal: { wonLeads: number | null; revenue: number | null },
  pipeline: FunnelPipeline,
): Promise<LeadPlan> {
  const window = historyCtx.period;
  const ctx: MetricContext = { ...historyCtx, period };
  const scoped: MetricContext = {
    ...historyCtx,
    filters: { ...historyCtx.filters, pipeline: { id: pipeline.pipelineId, name: pipeline.pipelineName } },
  };

  const won = await wonInWindow(scoped);
  const notes: string[] = [
    `conversion measured on ${whole(pipeline.cohort)} leads created ${window.label} in ${pipeline.pipelineName} ` +
      `(${whole(pipeline.won)} won, ${whole(pipeline.lost)} lost, ${whole(pipeline.open)} still open)`,
    "open and cancelled leads are left out of the rates: the plan assumes a lead that enters a stage is " +
      "eventually won or lost there",
  ];

  let wonNeeded: number;
  if (goal.wonLeads !== null) {
    wonNeeded = goal.wonLeads;
  } else {
    if (won.average === null) {
      throw new MetricInputError(
        won.won === 0
          ? `no leads were won in ${window.label}; without an average won value a revenue target cannot be planned`
          : `none of the ${won.won} leads won in ${window.label} has a value in ${ctx.currency ?? "the reporting currency"}; ` +
              "a revenue target cannot be planned",
      );
    }
    wonNeeded = roundUp((goal.revenue as number) / won.average);
    notes.push(
      `average won value ${whole(Math.round(won.average))} ${ctx.currency ?? ""} over ${whole(won.valued)} leads won ` +
        `${window.label}${won.valued < won.won ? ` (${won.won - won.valued} without a value in that currency left out)` : ""}`,
    );
  }

  // Every stage needs a measured rate above 0: a stage that converts nothing (or was never
  // closed) cannot be planned through.
  for (const stage of pipeline.stages) {
    if (stage.conversion === null) {
      throw new MetricInputError(
        `no lead created ${window.label} was won or lost after reaching "${stage.stageName}"; its conversion is unknown`,
      );
    }
    if (stage.conversion === 0) {
      throw new MetricInputError(
        `no lead created ${window.label} got past "${stage.stageName}" (0 of ${stage.lostAt}); ` +
          "a stage that converts nothing cannot be planned through",
      );
    }
  }

  const hasHistory = ctx.capabilities.has("stage_history");
  const durations = new Map((await daysToWon(scoped, pipeline.pipelineId)).map((d) => [d.stage_id, d]));
  const firstId = pipeline.stages[0]?.stageId;
  const end = ctx.period.end.getTime();

  const stages: LeadPlanStage[] = [];
  let toWon = 1;
  let toWonLow = 1;
  let toWonHigh = 1;
  for (const stage of [...pipeline.stages].reverse()) {
    const interval = stage.interval as Interval;
    toWon *= stage.conversion as number;
    toWonLow *= interval.low;
    toWonHigh *= interval.high;
    // Without stage history only the first stage can be timed: every lead enters it at creation.
    const timed = hasHistory || stage.stageId === firstId ? durations.get(stage.stageId) : undefined;
    const median = timed?.median_days ?? null;
    const expected = wonNeeded / toWon;
    stages.unshift({
      stageId: stage.stageId,
      stageName: stage.stageName,
      conversion: stage.conversion as number,
      interval,
      conversionToWon: toWon,
      conversionToWonRange: { low: toWonLow, high: toWonHigh },
      expected,
      leads: roundUp(expected),
      low: roundUp(wonNeeded / toWonHigh),
      high: roundUp(wonNeeded / toWonLow),
      medianDaysToWon: median,
      timedLeads: Number(timed?.leads ?? 0),
      enterBy: median === null ? null : new Date(end - median * DAY_MS).toISOString(),
    });
  }

  notes.push("ranges use every stage's Wilson 95% interval bounds at once (a cautious span, not a joint interval)");
  if (hasHistory) {
    notes.push(
      `enter-by dates are the plan period's end minus the median days the ${whole(won.won)} leads won ` +
        `${window.label} took from entering each stage (or a later one, when they skipped it) to being won; ` +
        "the first stage counts from creation",
    );
    const untimed = stages.filter((s) => s.enterBy === null).map((s) => s.stageName);
    if (untimed.length > 0) {
      notes.push(`no won lead of the window has an entry time for ${untimed.join(", ")}: no enter-by date there`);
    }
  } else {
    notes.push(
      "the data has no stage history: only the first stage has an enter-by date, from the median days from " +
        "creation to won; the other stages have none",
    );
  }
  const early = stages.filter((s) => s.enterBy !== null && Date.parse(s.enterBy) < ctx.period.start.getTime());
  if (early.length > 0) {
    notes.push(
      `leads for ${early.map((s) => s.stageName).join(", ")} must enter before the plan period starts ` +
        `(${ctx.period.label}): count the ones already there`,
    );
  }

  return tidy({
    period: { label: ctx.period.label, start: ctx.period.start.toISOString(), end: ctx.period.end.toISOString() },
    history: { label: window.label, start: window.start.toISOString(), end: window.end.toISOString() },
    pipeline: { id: pipeline.pipelineId, name: pipeline.pipelineName },
    target: goal,
    currency: ctx.currency,
    measuredOn: pipeline.cohort,
    wonInHistory: won.won,
    averageWonValue: won.average,
    wonNeeded,
    stages,
    notes,
  });
}

/** The plan as a table for the terminal and CSV. */
export function views(plan: LeadPlan): View[] {
  return [
    {
      title: `Leads needed for ${plan.wonNeeded} won leads in ${plan.period.label} (${plan.pipeline.name})`,
      columns: [
        { key: "stage", label: "Stage", format: "text" },
        { key: "enterBy", label: "Enter by", format: "date" },
        { key: "leads", label: "Leads needed", format: "count" },
        { key: "range", label: "Range", format: "text" },
        { key: "conversionToWon", label: "Conversion to won", format: "percent" },
      ],
      rows: plan.stages.map((s) => ({
        stage: s.stageName,
        enterBy: s.enterBy,
        leads: s.leads,
        range: `${whole(s.low)}–${whole(s.high)}`,
        conversionToWon: s.conversionToWon,
      })),
    },
  ];
}
