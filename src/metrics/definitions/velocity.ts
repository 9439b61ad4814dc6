/**
 * METRICS.md 3: how fast qualified leads close (sales velocity), in place of total sales
 * (vanity 3). Days to win and days to lose, per rep and per source, the days won leads spend
 * in each stage, and the velocity figure. Stalled leads (the other half of METRICS.md 3)
 * live in ../stalled-leads.ts and share the stage durations defined here.
 */
import { raw, type Sql, sql } from "../../store/sql.js";
import type { MetricContext, MetricDefinition, Unsupported } from "../metric.js";
import { unsupportedOf } from "../run-metric.js";
import { daysBetween, inPeriod, leadFacts, leadFilter, ts } from "../sql-parts.js";

/** Days from the start (qualification or creation) to the close, over a set of closed leads. */
export type DurationStats = {
  leads: number;
  median: number | null;
  p75: number | null;
  p90: number | null;
};

export type VelocityGroup = {
  won: DurationStats;
  lost: DurationStats;
  /** Median days to lose / median days to win; null when either is missing or the win median is 0. */
  loseToWinRatio: number | null;
};

export type VelocityRep = VelocityGroup & { repId: string | null; repName: string };
export type VelocitySource = VelocityGroup & { source: string };

export type StageDays = {
  pipelineId: string;
  pipelineName: string;
  stageId: string;
  stageName: string;
  position: number;
  /** Won leads (closed in the period) that entered the stage. */
  leads: number;
  /** Median of the days those leads spent in it (all visits summed); null without leads. */
  medianDays: number | null;
};

/**
 * The distribution of days to close: closed qualified leads per range of days, won and lost
 * apart. The ranges are fixed (a week, two, a month, two, three, six, a year, more) so that
 * periods and filters compare.
 */
export const DAY_RANGES: readonly { label: string; from: number }[] = [
  { label: "0-6", from: 0 },
  { label: "7-13", from: 7 },
  { label: "14-29", from: 14 },
  { label: "30-59", from: 30 },
  { label: "60-89", from: 60 },
  { label: "90-179", from: 90 },
  { label: "180-364", from: 180 },
  { label: "365+", from: 365 },
];

export type DaysDistribution = { range: string; won: number; lost: number }[];

export type VelocityFigure = {
  /** Leads created and qualified before the end of the period and not closed before it. */
  openQualifiedLeads: number;
  /** won / (won + lost) among qualified leads closed in the period; null when none closed. */
  winRate: number | null;
  /** Average value of leads won in the period (reporting currency); null when none. */
  averageWonValue: number | null;
  medianDaysToWin: number | null;
  /** openQualifiedLeads x winRate x averageWonValue / medianDaysToWin; null when a part is missing. */
  perDay: number | null;
};

export type VelocityResult = VelocityGroup & {
  /** What days are counted from (ctx.options.velocityFrom). */
  from: "qualification" | "creation";
  /**
   * Leads lost in the period that never qualified: not qualified leads, so left out of the
   * days to lose and the win rate (they measure how fast junk is weeded out, not how long
   * deals are held). Counted here so nothing disappears silently.
   */
  unqualifiedLost: number;
  /** Closed qualified leads per range of days to close (DAY_RANGES), won and lost apart. */
  distribution: DaysDistribution;
  byRep: VelocityRep[];
  bySource: VelocitySource[];
  /** Null when the data has no stage history (see `unsupported`). */
  daysInStage: StageDays[] | null;
  velocity: VelocityFigure;
  /** Parts of this metric the loaded data cannot support (the days in stage need stage history). */
  unsupported: Unsupported[];
};

/**
 * CTE `stage_days` (lead_id, stage_id, days): the days each lead won with `closed` true
 * (a condition over closed_at) and passing the request's lead filters spent in each stage it
 * entered, as stored at ingest (src/ingest/won-stage-days.ts: stays summed per stage, a
 * skipped stage has no row). Returns the CTE without WITH.
 */
export function wonStageDaysCte(ctx: MetricContext, closed: Sql): Sql {
  const { pipeline, team, rep, source } = ctx.filters;
  const filtered = Boolean(pipeline || team || rep || source);
  const scope = filtered
    ? sql` AND d.lead_id IN (SELECT l.id FROM leads l WHERE ${leadFilter(ctx, "l")} AND l.status = 'won')`
    : sql``;
  return sql`
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = ${ctx.workspace} AND ${closed}${scope}
  )`;
}

/**
 * The closed qualified leads the metric measures, over lead_facts: every won lead (winning
 * qualifies a lead, METRICS.md 6) and the lost leads that qualified by their close. A lost
 * lead that never qualified is not a qualified lead (METRICS.md 3 measures how fast
 * *qualified* leads close); mixing them in would hide the deals reps hold on to behind the
 * junk they drop in days.
 */
function closedQualified(ctx: MetricContext): Sql {
  return sql`(status = 'won' OR (status = 'lost' AND qualified_at IS NOT NULL AND qualified_at <= closed_at))
    AND ${inPeriod(ctx, sql`closed_at`)}`;
}

/**
 * The moment days are counted from, over lead_facts. A lead without a qualification time
 * before its close counts from its creation: lead_facts dates a won lead with no other sign
 * of qualification at its close, which would make it look won in 0 days.
 */
function startOf(ctx: MetricContext): Sql {
  if (ctx.options.velocityFrom === "creation") return sql`created_at`;
  return sql`CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END`;
}

type StatsRow = {
  won: number;
  won_median: number | null;
  won_p75: number | null;
  won_p90: number | null;
  lost: number;
  lost_median: number | null;
  lost_p75: number | null;
  lost_p90: number | null;
};

type GroupRow = StatsRow & { grouping: string; key: string | null; label: string | null };

function statsSql(ctx: MetricContext): Sql {
  const q = (status: string, fraction: number) =>
    ctx.store.dialect.quantile(sql`CASE WHEN status = ${raw(`'${status}'`)} THEN days END`, fraction);
  return sql`
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    ${q("won", 0.5)} AS won_median, ${q("won", 0.75)} AS won_p75, ${q("won", 0.9)} AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    ${q("lost", 0.5)} AS lost_median, ${q("lost", 0.75)} AS lost_p75, ${q("lost", 0.9)} AS lost_p90`;
}

function group(row: StatsRow | undefined): VelocityGroup {
  const won = {
    leads: row?.won ?? 0,
    median: row?.won_median ?? null,
    p75: row?.won_p75 ?? null,
    p90: row?.won_p90 ?? null,
  };
  const lost = {
    leads: row?.lost ?? 0,
    median: row?.lost_median ?? null,
    p75: row?.lost_p75 ?? null,
    p90: row?.lost_p90 ?? null,
  };
  const loseToWinRatio =
    won.median !== null && lost.median !== null && won.median > 0 ? lost.median / won.median : null;
  return { won, lost, loseToWinRatio };
}

type FigureRow = {
  open_qualified: number | null;
  unqualified_lost: number | null;
  average_won: number | null;
};

/**
 * The days to close overall, per rep and per source, and the velocity figure's parts, in one
 * pass over the leads that closed in the period or were still open at its end (closed_at at
 * or after its start, or none): the only leads any of them counts.
 */
async function durations(ctx: MetricContext): Promise<(GroupRow & FigureRow)[]> {
  const stats = statsSql(ctx);
  const start = ts(ctx.period.start);
  const end = ts(ctx.period.end);
  const closedIn = inPeriod(ctx, sql`closed_at`);
  const none = sql`CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won`;
  return ctx.store.query<GroupRow & FigureRow>(sql`
    WITH ${leadFacts(ctx)},
    relevant AS (
      SELECT owner_id, source, status, created_at, qualified_at, closed_at, amount,
        CASE WHEN ${closedQualified(ctx)} THEN ${daysBetween(ctx, startOf(ctx), sql`closed_at`)} END AS days
      FROM lead_facts WHERE closed_at >= ${start} OR closed_at IS NULL
    ),
    closed AS (SELECT owner_id, source, status, days FROM relevant WHERE days IS NOT NULL),
    figure AS (
      SELECT
        count(CASE WHEN created_at < ${end} AND qualified_at < ${end} AND (closed_at IS NULL OR closed_at >= ${end})
          THEN 1 END) AS open_qualified,
        count(CASE WHEN status = 'lost' AND ${closedIn} AND days IS NULL THEN 1 END) AS unqualified_lost,
        CAST(avg(CASE WHEN status = 'won' AND ${closedIn} THEN amount END) AS FLOAT8) AS average_won
      FROM relevant
    )
    SELECT 'all' AS grouping, CAST(NULL AS TEXT) AS key, CAST(NULL AS TEXT) AS label, a.*, f.*
    FROM (SELECT ${stats} FROM closed) a CROSS JOIN figure f
    UNION ALL
    SELECT 'rep', c.owner_id, r.name, ${stats}, ${none}
    FROM closed c LEFT JOIN reps r ON r.workspace_id = ${ctx.workspace} AND r.id = c.owner_id
    GROUP BY c.owner_id, r.name
    UNION ALL
    SELECT 'source', source, source, ${stats}, ${none} FROM closed GROUP BY source
    UNION ALL
    SELECT 'days', CAST(range AS TEXT), CAST(NULL AS TEXT),
      count(CASE WHEN status = 'won' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      count(CASE WHEN status = 'lost' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      ${none}
    FROM (SELECT status, ${rangeOf("days")} AS range FROM closed) d GROUP BY range`);
}

/** The index in DAY_RANGES of the days in `column`, as SQL (the bounds are constants). */
function rangeOf(column: string): Sql {
  const cases = DAY_RANGES.slice(1)
    .map((r, i) => `WHEN ${column} < ${r.from} THEN ${i}`)
    .join(" ");
  return raw(`CASE ${cases} ELSE ${DAY_RANGES.length - 1} END`);
}

function velocityFigure(row: (StatsRow & FigureRow) | undefined, medianDaysToWin: number | null): VelocityFigure {
  const openQualifiedLeads = row?.open_qualified ?? 0;
  const won = row?.won ?? 0;
  const closed = won + (row?.lost ?? 0);
  const winRate = closed > 0 ? won / closed : null;
  const averageWonValue = row?.average_won ?? null;
  const perDay =
    winRate !== null && averageWonValue !== null && medianDaysToWin !== null && medianDaysToWin > 0
      ? (openQualifiedLeads * winRate * averageWonValue) / medianDaysToWin
      : null;
  return { openQualifiedLeads, winRate, averageWonValue, medianDaysToWin, perDay };
}

async function daysInStage(ctx: MetricContext): Promise<StageDays[]> {
  const w = ctx.workspace;
  const pipeline = ctx.filters.pipeline ? sql` AND s.pipeline_id = ${ctx.filters.pipeline.id}` : sql``;
  const rows = await ctx.store.query<{
    pipeline_id: string;
    pipeline_name: string;
    stage_id: string;
    stage_name: string;
    position: number;
    leads: number;
    median_days: number | null;
  }>(sql`
    WITH ${wonStageDaysCte(ctx, inPeriod(ctx, sql`d.closed_at`))},
    per_stage AS (
      SELECT stage_id, count(*) AS leads, ${ctx.store.dialect.quantile(sql`days`, 0.5)} AS median_days
      FROM stage_days GROUP BY stage_id
    )
    SELECT s.pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position,
      COALESCE(d.leads, 0) AS leads, d.median_days
    FROM stages s
    JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    LEFT JOIN per_stage d ON d.stage_id = s.id
    WHERE s.workspace_id = ${w} AND s.kind = 'open'${pipeline}
    ORDER BY p.name, s.pipeline_id, s.position, s.id`);
  return rows.map((r) => ({
    pipelineId: r.pipeline_id,
    pipelineName: r.pipeline_name,
    stageId: r.stage_id,
    stageName: r.stage_name,
    position: r.position,
    leads: r.leads,
    medianDays: r.median_days,
  }));
}

async function compute(ctx: MetricContext): Promise<VelocityResult> {
  const rows = await durations(ctx);
  const all = rows.find((r) => r.grouping === "all");
  const overall = group(all);
  const byRep = rows
    .filter((r) => r.grouping === "rep")
    .map((r) => ({ repId: r.key, repName: r.label ?? (r.key === null ? "(no owner)" : r.key), ...group(r) }))
    .sort((a, b) => a.repName.localeCompare(b.repName) || String(a.repId).localeCompare(String(b.repId)));
  const counts = new Map(rows.filter((r) => r.grouping === "days").map((r) => [Number(r.key), r]));
  const distribution = DAY_RANGES.map((range, i) => ({
    range: range.label,
    won: counts.get(i)?.won ?? 0,
    lost: counts.get(i)?.lost ?? 0,
  }));
  const bySource = rows
    .filter((r) => r.grouping === "source")
    .map((r) => ({ source: r.key ?? "unknown", ...group(r) }))
    .sort((a, b) => a.source.localeCompare(b.source));
  // Stage durations need real stage history; derived events (Maven) would give wrong days.
  const unsupported = unsupportedOf({ ...velocity, needs: ["stage_history"] } as MetricDefinition, ctx);
  return {
    from: ctx.options.velocityFrom,
    unqualifiedLost: all?.unqualified_lost ?? 0,
    ...overall,
    distribution,
    byRep,
    bySource,
    daysInStage: unsupported.length > 0 ? null : await daysInStage(ctx),
    velocity: velocityFigure(all, overall.won.median),
    unsupported,
  };
}

export const velocity: MetricDefinition<VelocityResult> = {
  id: "velocity",
  title: "How fast qualified leads close",
  why:
    "Total sales says how much was closed, not how fast the pipeline turns into money. Count the days from " +
    "qualification to a win, and to a loss: when lost deals are held twice as long as won ones, reps are " +
    "spending their time on pipeline that only looks alive. The velocity figure says what the open pipeline " +
    "is worth per day at today's win rate and speed.",
  definition:
    "Qualified leads closed in the period: every won lead (winning qualifies a lead) and the lost leads that " +
    "qualified by their close. Lost leads that never qualified are counted apart (unqualifiedLost), not in the " +
    "days to lose or the win rate; cancelled leads are left out. Days are counted from qualification (the " +
    "lead's qualified_at, else when it first reached the qualifying stage or a later one) to the close; a lead " +
    "without a qualification time before its close (a won lead with no sign of qualification) counts from its " +
    "creation. With the option velocityFrom = creation every lead counts from creation (the leads counted stay " +
    "the same). Medians and percentiles are continuous (interpolated); the distribution counts the same leads " +
    "per range of days (0-6, 7-13, 14-29, 30-59, 60-89, 90-179, 180-364, 365+). The lose/win ratio is median days to lose / median days to win. Days in stage: for won " +
    "leads closed in the period, a stay in a stage runs from entering it to the next stage event (or the close " +
    "for the last), stays in the same stage are summed, and a stage a lead skipped adds nothing to that stage's " +
    "median; it needs stage history. A reopened lead is measured from its qualification to its last close; the " +
    "time between an earlier close and the reopening counts in the stage it sat in, unless the CRM records " +
    "closes as stages (won/lost stages are not listed). Velocity = open qualified leads at the end of the period (created and " +
    "qualified before it, not closed before it) x win rate (won / (won + lost) of the leads above) x average " +
    "won value (reporting currency) / median days to win: the expected won value per day, missing when any " +
    "part is.",
  replaces: ["total-sales"],
  needs: [],
  area: "sales",
  leadFilters: true,
  compute,
  headlines: (r) => [
    { key: "medianDaysToWin", label: "Median days to win", value: r.won.median, format: "days" },
    { key: "medianDaysToLose", label: "Median days to lose", value: r.lost.median, format: "days" },
    { key: "loseToWinRatio", label: "Days to lose / days to win", value: r.loseToWinRatio, format: "number" },
    { key: "velocityPerDay", label: "Sales velocity per day", value: r.velocity.perDay, format: "money" },
  ],
  views: (r) => {
    const groupColumns = [
      { key: "won", label: "Won", format: "count" },
      { key: "medianWin", label: "Med. days win", format: "days" },
      { key: "p90Win", label: "P90 days win", format: "days" },
      { key: "lost", label: "Lost", format: "count" },
      { key: "medianLose", label: "Med. days lose", format: "days" },
      { key: "ratio", label: "Lose/win", format: "number" },
    ] as const;
    const groupRow = (g: VelocityGroup) => ({
      won: g.won.leads,
      medianWin: g.won.median,
      p90Win: g.won.p90,
      lost: g.lost.leads,
      medianLose: g.lost.median,
      ratio: g.loseToWinRatio,
    });
    const from = r.from === "creation" ? "creation" : "qualification";
    return [
      {
        title: `Days from ${from} to close`,
        columns: [
          { key: "outcome", label: "Outcome", format: "text" },
          { key: "leads", label: "Leads", format: "count" },
          { key: "median", label: "Median days", format: "days" },
          { key: "p75", label: "P75 days", format: "days" },
          { key: "p90", label: "P90 days", format: "days" },
        ],
        rows: [
          { outcome: "won", ...r.won },
          { outcome: "lost", ...r.lost },
          {
            outcome: "lost, never qualified (not counted)",
            leads: r.unqualifiedLost,
            median: null,
            p75: null,
            p90: null,
          },
        ],
      },
      {
        title: "Sales velocity",
        columns: [
          { key: "openQualifiedLeads", label: "Open qualified", format: "count" },
          { key: "winRate", label: "Win rate", format: "percent" },
          { key: "averageWonValue", label: "Avg won value", format: "money" },
          { key: "medianDaysToWin", label: "Med. days win", format: "days" },
          { key: "perDay", label: "Per day", format: "money" },
        ],
        rows: [r.velocity],
      },
      {
        title: "Days to close by rep",
        columns: [{ key: "rep", label: "Rep", format: "text" }, ...groupColumns],
        rows: r.byRep.map((g) => ({ rep: g.repName, ...groupRow(g) })),
      },
      {
        title: "Days to close by source",
        columns: [{ key: "source", label: "Source", format: "text" }, ...groupColumns],
        rows: r.bySource.map((g) => ({ source: g.source, ...groupRow(g) })),
      },
      {
        title:
          r.daysInStage === null
            ? "Days in stage by won leads: not available (no stage history)"
            : "Days in stage by won leads",
        columns: [
          { key: "pipeline", label: "Pipeline", format: "text" },
          { key: "stage", label: "Stage", format: "text" },
          { key: "leads", label: "Won leads", format: "count" },
          { key: "medianDays", label: "Median days", format: "days" },
        ],
        rows: (r.daysInStage ?? []).map((s) => ({
          pipeline: s.pipelineName,
          stage: s.stageName,
          leads: s.leads,
          medianDays: s.medianDays,
        })),
      },
    ];
  },
};
