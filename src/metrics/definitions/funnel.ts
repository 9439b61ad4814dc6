/**
 * METRICS.md 2: conversion rate per pipeline stage (the funnel), in place of the conversion
 * from one activity type to another (vanity 2, calls to meetings). Per rep, each stage's rate
 * against the rest of the team, flagged only when the Wilson 95% intervals do not overlap.
 * The lead requirement plan (src/insights/lead-plan.ts) runs it through computeMetric.
 */
import type { Period } from "../../model/period.js";
import { type Sql, sql } from "../../store/sql.js";
import { inSpan, periodIndexOf, periodRows } from "../across-periods.js";
import { headlineOf, rateEvidence } from "../figure-support.js";
import {
  type FigureUnsupported,
  type Headline,
  type MetricContext,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  statement,
  supportOf,
  type View,
} from "../metric.js";
import type {
  Flag,
  FunnelFlag,
  FunnelPipeline,
  FunnelRep,
  FunnelRepStage,
  FunnelResult,
  StageCounts,
  StatusTotals,
} from "../results/funnel.js";
import { inPeriod, leadFacts, tidy } from "../sql-parts.js";
import { credibleDifference, type Interval, wilsonInterval } from "../statistics.js";

// What the funnel answers is declared in results/funnel.ts (type-only, shared with the dashboard).
export type * from "../results/funnel.js";

/**
 * A rep is flagged only when both the rep's and the rest of the team's rate at the stage rest
 * on at least this many decided leads (advanced or lost there). Wilson intervals are
 * approximate for a handful: one lost lead gives 0% with an interval of 0-79%, apart from a
 * team at 90%, though one loss in a 90% team happens one time in ten.
 */
export const MIN_FLAG_TRIALS = 10;

type StageRow = { pipeline_id: string; pipeline_name: string; stage_id: string; stage_name: string; position: number };

type CountRow = {
  owner_id: string | null;
  pipeline_id: string;
  stage_id: string;
  reached: number;
  advanced: number;
  lost_at: number;
  open_at: number;
  cancelled_at: number;
};

const ZERO: StageCounts = { reached: 0, advanced: 0, lostAt: 0, openAt: 0, cancelledAt: 0 };

function add(a: StageCounts, b: StageCounts): StageCounts {
  return {
    reached: a.reached + b.reached,
    advanced: a.advanced + b.advanced,
    lostAt: a.lostAt + b.lostAt,
    openAt: a.openAt + b.openAt,
    cancelledAt: a.cancelledAt + b.cancelledAt,
  };
}

function countsOf(row: CountRow): StageCounts {
  return {
    reached: Number(row.reached),
    advanced: Number(row.advanced),
    lostAt: Number(row.lost_at),
    openAt: Number(row.open_at),
    cancelledAt: Number(row.cancelled_at),
  };
}

/**
 * The stage's rate: advanced out of those that advanced or were lost there. Open and
 * cancelled leads are left out so that a young cohort, still in the pipeline, does not look
 * worse than it is (METRICS.md 2).
 */
export function conversionOf(
  advanced: number,
  lostAt: number,
): { conversion: number | null; interval: Interval | null } {
  const trials = advanced + lostAt;
  return { conversion: trials > 0 ? advanced / trials : null, interval: wilsonInterval(advanced, trials) };
}

/**
 * Totals of a set of leads from its stage counts: every lead of the cohort reaches the first
 * stage; a lead that was not won stopped at exactly one stage; the last stage's advanced are
 * the won leads.
 */
function totalsOf(stages: readonly StageCounts[]): StatusTotals {
  const first = stages[0] ?? ZERO;
  const last = stages[stages.length - 1] ?? ZERO;
  const lost = stages.reduce((n, s) => n + s.lostAt, 0);
  const won = last.advanced;
  return {
    cohort: first.reached,
    won,
    lost,
    open: stages.reduce((n, s) => n + s.openAt, 0),
    cancelled: stages.reduce((n, s) => n + s.cancelledAt, 0),
    winRate: won + lost > 0 ? won / (won + lost) : null,
  };
}

function sumTotals(parts: readonly StatusTotals[]): StatusTotals {
  const sum = (key: "cohort" | "won" | "lost" | "open" | "cancelled") => parts.reduce((n, p) => n + p[key], 0);
  const won = sum("won");
  const lost = sum("lost");
  return {
    cohort: sum("cohort"),
    won,
    lost,
    open: sum("open"),
    cancelled: sum("cancelled"),
    winRate: won + lost > 0 ? won / (won + lost) : null,
  };
}

/** The open stages of the pipelines the request covers, in pipeline name and position order. */
function stagesOf(ctx: MetricContext) {
  const pipeline = ctx.filters.pipeline;
  return statement<StageRow>(sql`
    SELECT p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position
    FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = ${ctx.workspace} AND s.kind = 'open' ${pipeline ? sql`AND p.id = ${pipeline.id}` : sql``}
    ORDER BY p.name, p.id, s.position, s.id`);
}

/** `bounds`: the first and last open stage's positions of each pipeline (the funnel counts no other). */
function stageBounds(ctx: MetricContext): Sql {
  return sql`bounds AS (
      SELECT pipeline_id, min(position) AS first_position, max(position) AS last_position
      FROM stages WHERE workspace_id = ${ctx.workspace} AND kind = 'open' GROUP BY pipeline_id
    )`;
}

/**
 * A lead's progress (lead_facts f joined to bounds b): the furthest open stage it ever reached
 * (lead_facts: a backward move does not undo it, a skipped stage counts as passed). Without any
 * stage it is at the first stage; a position outside the pipeline's (an event from another
 * pipeline) is held within it.
 */
const PROGRESS = sql`LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position)`;

/**
 * Stage counts per lead owner and stage of the leads created in the period. The leads are
 * first reduced to (owner, pipeline, status, progress) groups, so the join with the stages
 * runs over a few hundred rows whatever the number of leads. Unordered: shape keys the rows
 * and sorts the reps itself.
 */
function countsByOwner(ctx: MetricContext) {
  const w = ctx.workspace;
  return statement<CountRow>(sql`
    WITH ${leadFacts(ctx)},
    ${stageBounds(ctx)},
    progressed AS (
      SELECT f.owner_id, f.pipeline_id, f.status, ${PROGRESS} AS progress
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE ${inPeriod(ctx, sql`f.created_at`)}
    ),
    cohort AS (
      SELECT owner_id, pipeline_id, status, progress, count(*) AS leads
      FROM progressed GROUP BY owner_id, pipeline_id, status, progress
    ),
    counts AS (
      SELECT c.owner_id, c.pipeline_id, s.id AS stage_id,
        -- A won lead has passed every open stage of its pipeline.
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress >= s.position THEN c.leads ELSE 0 END) AS BIGINT) AS reached,
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress > s.position THEN c.leads ELSE 0 END) AS BIGINT) AS advanced,
        CAST(sum(CASE WHEN c.status = 'lost' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS lost_at,
        CAST(sum(CASE WHEN c.status = 'open' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS open_at,
        CAST(sum(CASE WHEN c.status = 'cancelled' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT)
          AS cancelled_at
      FROM cohort c
      JOIN stages s ON s.workspace_id = ${w} AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
      GROUP BY c.owner_id, c.pipeline_id, s.id
    )
    SELECT * FROM counts`);
}

/**
 * The cohort's won and lost leads as the totals count them (the vanity check's win rate): won
 * leads once, a lost lead at each open stage of its pipeline at its progress (one, unless two
 * stages share a position), in pipelines with open stages and a row of their own (the totals
 * are summed over the pipelines listed). One row; with `periods`, one per period, each with
 * its `period_index` (src/metrics/across-periods.ts).
 */
function winCounts(ctx: MetricContext, periods?: readonly Period[]) {
  const w = ctx.workspace;
  const created = sql`f.created_at`;
  const index = periods ? periodIndexOf(periods, created) : sql`0`;
  const cohort = sql`
    WITH ${leadFacts(ctx)},
    ${stageBounds(ctx)},
    cohort AS (
      SELECT ${index} AS period_index, f.pipeline_id, f.status, ${PROGRESS} AS progress, count(*) AS leads
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE ${periods ? inSpan(periods, created) : inPeriod(ctx, created)} AND f.status IN ('won', 'lost')
        AND f.pipeline_id IN (SELECT id FROM pipelines WHERE workspace_id = ${w})
      GROUP BY 1, 2, 3, 4
    ),
    won AS (SELECT period_index, sum(leads) AS n FROM cohort WHERE status = 'won' GROUP BY period_index),
    lost AS (
      SELECT c.period_index, sum(c.leads) AS n FROM cohort c
      JOIN stages s ON s.workspace_id = ${w} AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
        AND s.position = c.progress
      WHERE c.status = 'lost' GROUP BY c.period_index
    )`;
  const counts = sql`CAST(COALESCE(won.n, 0) AS BIGINT) AS won, CAST(COALESCE(lost.n, 0) AS BIGINT) AS lost`;
  if (!periods) {
    return statement<WinRow>(sql`${cohort}
    SELECT ${counts} FROM (SELECT 0 AS period_index) p
    LEFT JOIN won ON won.period_index = p.period_index LEFT JOIN lost ON lost.period_index = p.period_index`);
  }
  return statement<WinRow & { period_index: number }>(sql`${cohort},${periodRows(periods)}
    SELECT p.period_index, ${counts} FROM across_periods p
    LEFT JOIN won ON won.period_index = p.period_index LEFT JOIN lost ON lost.period_index = p.period_index
    ORDER BY p.period_index`);
}

type WinRow = { won: number; lost: number };

/** The win rate headline from the totals' won and lost (a rate of none is no rate). */
function winRateHeadline(won: number, lost: number, unsupported: FigureUnsupported | null): Headline {
  const winRate = unsupported || won + lost === 0 ? null : tidy(won / (won + lost));
  return headlineOf(
    {
      key: "winRate",
      label: "Win rate of the cohort",
      value: winRate,
      format: "percent",
      evidence: winRate === null ? null : rateEvidence(won, won + lost),
    },
    unsupported,
  );
}

/** The workspace's reps' names by id (joined in TypeScript: cheaper than in the counts' query). */
function repNames(ctx: MetricContext) {
  return statement<RepRow>(sql`SELECT id, name FROM reps WHERE workspace_id = ${ctx.workspace}`);
}

type RepRow = { id: string; name: string | null };

const key = (pipelineId: string, stageId: string) => `${pipelineId}\u0000${stageId}`;

/**
 * The funnel of the leads created in ctx.period, with the request's filters: the pipelines'
 * stages, the stage counts per lead owner, and the reps' names (in that order; none reads
 * another's rows). It reads whether losses are recorded (figure-support.ts) in shape.
 */
function build({ ctx }: MetricInput) {
  return { stages: stagesOf(ctx), counts: countsByOwner(ctx), reps: repNames(ctx) };
}

/** Pure: the per-stage, per-pipeline and per-rep figures and the flags from the three statements' rows. */
function shape(result: RowsOf<ReturnType<typeof build>> | null, input: MetricInput): FunnelResult {
  const stageRows = result?.stages ?? [];
  const rows = result?.counts ?? [];
  const names = new Map((result?.reps ?? []).filter((r) => r.name !== null).map((r) => [r.id, r.name as string]));

  // Everyone's counts per stage (leads without an owner too), and per rep.
  const all = new Map<string, StageCounts>();
  const byRep = new Map<string, { name: string; counts: Map<string, StageCounts> }>();
  for (const row of rows) {
    const k = key(row.pipeline_id, row.stage_id);
    const counts = countsOf(row);
    all.set(k, add(all.get(k) ?? ZERO, counts));
    if (row.owner_id === null) continue;
    let rep = byRep.get(row.owner_id);
    if (!rep) {
      rep = { name: names.get(row.owner_id) ?? row.owner_id, counts: new Map() };
      byRep.set(row.owner_id, rep);
    }
    rep.counts.set(k, add(rep.counts.get(k) ?? ZERO, counts));
  }
  // The team a rep is compared with: the leads of every rep (not the unowned ones).
  const team = new Map<string, StageCounts>();
  for (const rep of byRep.values()) {
    for (const [k, counts] of rep.counts) team.set(k, add(team.get(k) ?? ZERO, counts));
  }

  const pipelines: FunnelPipeline[] = [];
  for (const row of stageRows) {
    let pipeline = pipelines[pipelines.length - 1];
    if (pipeline?.pipelineId !== row.pipeline_id) {
      pipeline = {
        pipelineId: row.pipeline_id,
        pipelineName: row.pipeline_name,
        ...totalsOf([]),
        stages: [],
      };
      pipelines.push(pipeline);
    }
    const counts = all.get(key(row.pipeline_id, row.stage_id)) ?? ZERO;
    pipeline.stages.push({
      stageId: row.stage_id,
      stageName: row.stage_name,
      position: Number(row.position),
      ...counts,
      ...conversionOf(counts.advanced, counts.lostAt),
    });
  }
  for (const pipeline of pipelines) Object.assign(pipeline, totalsOf(pipeline.stages));

  const reps: FunnelRep[] = [];
  const flags: FunnelFlag[] = [];
  for (const [repId, rep] of [...byRep].sort(
    ([a, ra], [b, rb]) => ra.name.localeCompare(rb.name) || (a < b ? -1 : 1),
  )) {
    const stages: FunnelRepStage[] = [];
    const perPipeline: StatusTotals[] = [];
    for (const pipeline of pipelines) {
      const mine = pipeline.stages.map((s) => rep.counts.get(key(pipeline.pipelineId, s.stageId)));
      if (mine.every((c) => c === undefined)) continue;
      const own = mine.map((c) => c ?? ZERO);
      perPipeline.push(totalsOf(own));
      pipeline.stages.forEach((stage, i) => {
        const counts = own[i] ?? ZERO;
        const everyone = team.get(key(pipeline.pipelineId, stage.stageId)) ?? ZERO;
        const rest = { advanced: everyone.advanced - counts.advanced, lostAt: everyone.lostAt - counts.lostAt };
        const rate = conversionOf(counts.advanced, counts.lostAt);
        const restRate = conversionOf(rest.advanced, rest.lostAt);
        // Flagged only when the intervals do not overlap, and neither rests on a handful of
        // leads: a small sample's high or low rate is more often luck than skill (METRICS.md 2).
        const enough =
          counts.advanced + counts.lostAt >= MIN_FLAG_TRIALS && rest.advanced + rest.lostAt >= MIN_FLAG_TRIALS;
        const flag: Flag | null =
          enough && credibleDifference(rate.interval, restRate.interval)
            ? (rate.conversion ?? 0) > (restRate.conversion ?? 0)
              ? "above"
              : "below"
            : null;
        stages.push({
          pipelineId: pipeline.pipelineId,
          stageId: stage.stageId,
          stageName: stage.stageName,
          ...counts,
          ...rate,
          team: { ...rest, ...restRate },
          flag,
        });
        if (flag) {
          flags.push({
            repId,
            repName: rep.name,
            pipelineId: pipeline.pipelineId,
            pipelineName: pipeline.pipelineName,
            stageId: stage.stageId,
            stageName: stage.stageName,
            advanced: counts.advanced,
            decided: counts.advanced + counts.lostAt,
            conversion: rate.conversion,
            interval: rate.interval,
            teamAdvanced: rest.advanced,
            teamDecided: rest.advanced + rest.lostAt,
            teamConversion: restRate.conversion,
            teamInterval: restRate.interval,
            flag,
          });
        }
      });
    }
    reps.push({ repId, repName: rep.name, ...sumTotals(perPipeline), stages });
  }

  const totals = sumTotals(pipelines);
  const winRateUnsupported = supportOf(input).losses;
  if (winRateUnsupported) {
    // No losses recorded: every win rate would read 100% (won of won); none is shown.
    for (const part of [totals, ...pipelines, ...reps]) part.winRate = null;
  }
  return {
    ...totals,
    conversionIncludingOpen: totals.cohort > 0 ? totals.won / totals.cohort : null,
    winRateUnsupported,
    pipelines,
    reps,
    flags,
  };
}

/** An interval as people read it: "41–58%". */
export function intervalText(interval: Interval | null): string | null {
  if (!interval) return null;
  return `${Math.round(interval.low * 100)}–${Math.round(interval.high * 100)}%`;
}

function views(r: FunnelResult): View[] {
  const several = r.pipelines.length > 1;
  const decided = r.won + r.lost;
  const winInterval = r.winRate === null ? null : wilsonInterval(r.won, decided);
  const openInterval = r.conversionIncludingOpen === null ? null : wilsonInterval(r.won, r.cohort);
  const unsupported = r.winRateUnsupported;
  const totals: View = {
    title: `Outcomes of the leads created in the period${
      unsupported ? `; win rate not available (${unsupported.reason}; fix: ${unsupported.fix})` : ""
    }`,
    columns: [
      { key: "cohort", label: "Leads", format: "count" },
      { key: "won", label: "Won", format: "count" },
      { key: "lost", label: "Lost", format: "count" },
      { key: "open", label: "Open", format: "count" },
      { key: "winRate", label: "Win rate (won of won+lost)", format: "percent" },
      { key: "winLow", label: "Win rate 95% low", format: "percent" },
      { key: "winHigh", label: "Win rate 95% high", format: "percent" },
      { key: "withOpen", label: "Won of all leads", format: "percent" },
      { key: "withOpenLow", label: "Won of all 95% low", format: "percent" },
      { key: "withOpenHigh", label: "Won of all 95% high", format: "percent" },
    ],
    rows: [
      {
        cohort: r.cohort,
        won: r.won,
        lost: r.lost,
        open: r.open,
        winRate: r.winRate,
        winLow: winInterval?.low ?? null,
        winHigh: winInterval?.high ?? null,
        withOpen: r.conversionIncludingOpen,
        withOpenLow: openInterval?.low ?? null,
        withOpenHigh: openInterval?.high ?? null,
      },
    ],
  };
  const stageTables: View[] = r.pipelines.map((p) => ({
    title: `Conversion per stage: ${p.pipelineName} (${p.cohort} leads, ${p.won} won, ${p.open} open)`,
    columns: [
      { key: "stage", label: "Stage", format: "text" },
      { key: "reached", label: "Reached", format: "count" },
      { key: "advanced", label: "Advanced", format: "count" },
      { key: "lostAt", label: "Lost at", format: "count" },
      { key: "openAt", label: "Open at", format: "count" },
      { key: "decided", label: "Decided", format: "count" },
      { key: "conversion", label: "Conversion", format: "percent" },
      { key: "low", label: "95% low", format: "percent" },
      { key: "high", label: "95% high", format: "percent" },
    ],
    rows: p.stages.map((s) => ({
      stage: s.stageName,
      reached: s.reached,
      advanced: s.advanced,
      lostAt: s.lostAt,
      openAt: s.openAt,
      // The rate's n: advanced of advanced + lost at.
      decided: s.advanced + s.lostAt,
      conversion: s.conversion,
      low: s.interval?.low ?? null,
      high: s.interval?.high ?? null,
    })),
  }));
  const flagView: View = {
    title: `Reps whose stage conversion differs credibly from the rest of the team (Wilson 95% intervals apart, at least ${MIN_FLAG_TRIALS} decided leads each)`,
    columns: [
      { key: "rep", label: "Rep", format: "text" },
      { key: "stage", label: "Stage", format: "text" },
      { key: "advanced", label: "Rep advanced", format: "count" },
      { key: "decided", label: "Rep decided", format: "count" },
      { key: "conversion", label: "Rep rate", format: "percent" },
      { key: "low", label: "Rep 95% low", format: "percent" },
      { key: "high", label: "Rep 95% high", format: "percent" },
      { key: "teamAdvanced", label: "Team advanced", format: "count" },
      { key: "teamDecided", label: "Team decided", format: "count" },
      { key: "teamConversion", label: "Team rate", format: "percent" },
      { key: "teamLow", label: "Team 95% low", format: "percent" },
      { key: "teamHigh", label: "Team 95% high", format: "percent" },
      { key: "flag", label: "Rep is", format: "text" },
    ],
    rows: r.flags.map((f) => ({
      rep: f.repName,
      stage: several ? `${f.pipelineName}: ${f.stageName}` : f.stageName,
      advanced: f.advanced,
      decided: f.decided,
      conversion: f.conversion,
      low: f.interval?.low ?? null,
      high: f.interval?.high ?? null,
      teamAdvanced: f.teamAdvanced,
      teamDecided: f.teamDecided,
      teamConversion: f.teamConversion,
      teamLow: f.teamInterval?.low ?? null,
      teamHigh: f.teamInterval?.high ?? null,
      flag: f.flag,
    })),
  };
  return [totals, ...stageTables, flagView];
}

export const funnel: MetricDefinition<FunnelResult, ReturnType<typeof build>> = {
  id: "funnel",
  title: "Conversion rate per stage",
  why:
    "How many calls turn into meetings says how busy a rep is, not whether deals move. Follow the leads " +
    "created in a period through the pipeline: how many reach each stage, how many go on, and where they are " +
    "lost. A stage that converts poorly is where the work is, and a rep who is credibly better at a stage " +
    "has something to teach the rest of the team.",
  definition:
    "The cohort is the leads created in the period (with the request's filters), per pipeline; the stages are " +
    "the pipeline's open stages in position order. A lead's progress is the furthest open stage it ever " +
    "reached, from its stage events and its current stage: a backward move does not undo progress and a " +
    "skipped stage counts as passed. A lead with no stage and no events counts at the first stage. A won " +
    "lead has passed every stage. Per stage: reached (progress at or past it, or won), advanced (past it, or " +
    "won; at the last stage the won leads), lost at / open at / cancelled at (not won and no further than " +
    "it). Conversion = advanced / (advanced + lost at): open and cancelled leads are left out of the rate, so " +
    "a young cohort does not look worse than it is; no rate when both are 0. Win rate = won / (won + lost). " +
    "Intervals are Wilson 95%. Per rep (lead owner), each stage's rate is compared with the team excluding " +
    "the rep: every other rep's leads in the same cohort and filters (unowned leads are in the totals, not in " +
    "any team); with a rep filter there is no one to compare with. A rep is flagged above or below only when " +
    "the two intervals do not overlap and both rates rest on at least 10 decided leads (advanced or lost at the " +
    "stage). Leads of a pipeline without open stages are not counted. Won of all leads = won / leads created, " +
    "open ones included (a young cohort reads low). When no lost leads are recorded (or the pipeline asked for has " +
    "none), the win rate is unsupported rather than 100%, and won of all leads stands beside it.",
  replaces: ["activity-conversion"],
  needs: [],
  area: "sales",
  leadFilters: true,
  readsSupport: true,
  build,
  shape,
  quickHeadlines: {
    keys: ["winRate"],
    // The vanity check's win rate alone: the cohort's won and lost, without stages, reps or flags.
    build: ({ ctx }) => ({ wins: winCounts(ctx) }),
    headlines: (rows, input) => {
      const row = rows.wins?.[0] as WinRow | undefined;
      return [winRateHeadline(Number(row?.won ?? 0), Number(row?.lost ?? 0), supportOf(input).losses)];
    },
    across: ({ ctx }, periods) => winCounts(ctx, periods),
  },
  headlines: (r) => [
    winRateHeadline(r.won, r.lost, r.winRateUnsupported),
    {
      key: "cohort",
      label: "Leads created",
      value: r.cohort,
      format: "count",
      evidence: { kind: "count", n: r.cohort },
    },
    { key: "won", label: "Of them won", value: r.won, format: "count", evidence: { kind: "count", n: r.won } },
    {
      key: "conversionIncludingOpen",
      label: "Won of all leads created (open ones included)",
      value: r.conversionIncludingOpen,
      format: "percent",
      evidence: rateEvidence(r.won, r.cohort),
    },
  ],
  views,
};
