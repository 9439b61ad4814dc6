/**
 * METRICS.md 3: how fast qualified leads close (sales velocity), in place of total sales
 * (vanity 3). Days to win and days to lose, per rep and per source, the days won leads spend
 * in each stage, and the velocity figure. Stalled leads (the other half of METRICS.md 3)
 * live in ../stalled-leads.ts and share the stage durations defined here.
 */
import { raw, type Sql, sql } from "../../store/sql.js";
import { inSpan, periodIndexOf, periodRows } from "../across-periods.js";
import { type FigureSupport, headlineOf, rateEvidence } from "../figure-support.js";
import {
  type Evidence,
  type FigureUnsupported,
  type Headline,
  type MetricContext,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  statement,
  supportOf,
  type Unsupported,
  type View,
} from "../metric.js";
import type {
  DurationStats,
  StageDays,
  VelocityFigure,
  VelocityGroup,
  VelocityResult,
  VelocityUnsupported,
} from "../results/velocity.js";
import { unsupportedOf } from "../run-metric.js";
import { daysBetween, inPeriod, leadFacts, leadFilter, medianInterval, ts } from "../sql-parts.js";
import { ALPHA, type RankSumTest, rankSumTest, wilsonInterval } from "../statistics.js";

// What velocity answers is declared in results/velocity.ts (type-only, shared with the dashboard).
export type * from "../results/velocity.js";

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

/**
 * CTE `stage_days` (lead_id, stage_id, days): the days each lead won with `closed` true
 * (a condition over closed_at) and passing the request's lead filters spent in each stage it
 * entered, as stored at ingest (src/derive/won-stage-days.ts: stays summed per stage, a
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
function closedQualified(ctx: MetricContext, everyLead: boolean): Sql {
  if (everyLead) return sql`status IN ('won', 'lost') AND ${inPeriod(ctx, sql`closed_at`)}`;
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
  won_low: number | null;
  won_high: number | null;
  lost_low: number | null;
  lost_high: number | null;
  /** The lost leads' rank sum among the group's closed leads (ties at their average rank). */
  lost_rank_sum: number | null;
  /** Sum over groups of equal days of t^3 - t, for the test's tie correction. */
  tie_sum: number | null;
};

/** The columns statsSql gives, in its order (selected by name from a grouped subquery). */
const STATS_COLUMNS = "won, won_median, won_p75, won_p90, lost, lost_median, lost_p75, lost_p90";

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
    low: row?.won_low ?? null,
    high: row?.won_high ?? null,
  };
  const lost = {
    leads: row?.lost ?? 0,
    median: row?.lost_median ?? null,
    p75: row?.lost_p75 ?? null,
    p90: row?.lost_p90 ?? null,
    low: row?.lost_low ?? null,
    high: row?.lost_high ?? null,
  };
  const loseToWinRatio =
    won.median !== null && lost.median !== null && won.median > 0 ? lost.median / won.median : null;
  const test = heldLongerTest(won.leads, lost.leads, row?.lost_rank_sum ?? null, row?.tie_sum ?? null);
  return { won, lost, loseToWinRatio, heldLonger: test === null ? null : test.pValue < ALPHA, heldLongerTest: test };
}

/** Fewer won or lost leads than this: too few to tell whether lost deals are held longer. */
export const HELD_LONGER_MIN_LEADS = 6;

/**
 * The one-sided Mann-Whitney test that days to lose run longer than days to win, from the
 * ranks durations() sums. A test and not the medians' intervals: two 95% intervals that must
 * not overlap ask for far more than a 5% test, and missed a planted holder rep on 2 seeds of 6.
 */
function heldLongerTest(won: number, lost: number, rankSum: number | null, ties: number | null): RankSumTest | null {
  if (won < HELD_LONGER_MIN_LEADS || lost < HELD_LONGER_MIN_LEADS || rankSum === null || ties === null) return null;
  return rankSumTest(rankSum, lost, won, ties);
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
function durations(ctx: MetricContext, everyLead: boolean) {
  const stats = statsSql(ctx);
  const start = ts(ctx.period.start);
  const end = ts(ctx.period.end);
  const closedIn = inPeriod(ctx, sql`closed_at`);
  const none = sql`CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won`;
  return statement<GroupRow & FigureRow>(sql`
    WITH ${leadFacts(ctx)},
    relevant AS (
      SELECT owner_id, source, status, created_at, qualified_at, closed_at, amount,
        CASE WHEN ${closedQualified(ctx, everyLead)} THEN ${daysBetween(ctx, startOf(ctx), sql`closed_at`)} END AS days
      FROM lead_facts WHERE closed_at >= ${start} OR closed_at IS NULL
    ),
    closed AS (SELECT owner_id, source, status, days FROM relevant WHERE days IS NOT NULL),
    figure AS (
      SELECT
        count(CASE WHEN created_at < ${end} AND ${everyLead ? sql`TRUE` : sql`qualified_at < ${end}`}
          AND (closed_at IS NULL OR closed_at >= ${end}) THEN 1 END) AS open_qualified,
        count(CASE WHEN status = 'lost' AND ${closedIn} AND days IS NULL THEN 1 END) AS unqualified_lost,
        CAST(avg(CASE WHEN status = 'won' AND ${closedIn} THEN amount END) AS FLOAT8) AS average_won
      FROM relevant
    ),
    -- The medians' intervals per grouping and outcome, joined to the rows below.
    vals AS (
      SELECT 'all' AS grp, CAST(NULL AS TEXT) AS gkey, status, days AS value FROM closed
      UNION ALL SELECT 'rep', owner_id, status, days FROM closed
      UNION ALL SELECT 'source', source, status, days FROM closed
    ),
    ${medianInterval("vals", "mi", ["grp", "gkey", "status"])},
    iv AS (
      SELECT grp, gkey,
        max(CASE WHEN status = 'won' THEN low END) AS won_low, max(CASE WHEN status = 'won' THEN high END) AS won_high,
        max(CASE WHEN status = 'lost' THEN low END) AS lost_low, max(CASE WHEN status = 'lost' THEN high END) AS lost_high
      FROM mi GROUP BY grp, gkey
    ),
    -- The Mann-Whitney test's sums per grouping (statistics.ts rankSumTest): each lead's rank
    -- among its group's days, equal days sharing the average of their ranks (rank() is the
    -- lowest, and t equal days span t ranks); a tie group of t leads adds t^3 - t, that is
    -- t^2 - 1 for each of its leads. The equal days are counted as the row's peers in the same
    -- window as the rank (one sort; a window partitioned by value too took a second pass).
    ranks AS (
      SELECT grp, gkey, status,
        rank() OVER (PARTITION BY grp, gkey ORDER BY value) AS lowest,
        count(*) OVER (PARTITION BY grp, gkey ORDER BY value RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS tied
      FROM vals
    ),
    rs AS (
      SELECT grp, gkey,
        CAST(sum(CASE WHEN status = 'lost' THEN lowest + (tied - 1) / 2.0 END) AS FLOAT8) AS lost_rank_sum,
        CAST(sum(tied * tied - 1) AS FLOAT8) AS tie_sum
      FROM ranks GROUP BY grp, gkey
    )
    SELECT 'all' AS grouping, CAST(NULL AS TEXT) AS key, CAST(NULL AS TEXT) AS label, a.*,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, f.*
    FROM (SELECT ${stats} FROM closed) a CROSS JOIN figure f LEFT JOIN iv i ON i.grp = 'all'
    LEFT JOIN rs s ON s.grp = 'all'
    UNION ALL
    SELECT 'rep', g.owner_id, r.name, ${raw(STATS_COLUMNS.replace(/(\w+)/g, "g.$1"))},
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, ${none}
    FROM (SELECT owner_id, ${stats} FROM closed GROUP BY owner_id) g
    LEFT JOIN reps r ON r.workspace_id = ${ctx.workspace} AND r.id = g.owner_id
    LEFT JOIN iv i ON i.grp = 'rep' AND i.gkey IS NOT DISTINCT FROM g.owner_id
    LEFT JOIN rs s ON s.grp = 'rep' AND s.gkey IS NOT DISTINCT FROM g.owner_id
    UNION ALL
    SELECT 'source', g.source, g.source, ${raw(STATS_COLUMNS.replace(/(\w+)/g, "g.$1"))},
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, ${none}
    FROM (SELECT source, ${stats} FROM closed GROUP BY source) g
    LEFT JOIN iv i ON i.grp = 'source' AND i.gkey = g.source
    LEFT JOIN rs s ON s.grp = 'source' AND s.gkey = g.source
    UNION ALL
    SELECT 'days', CAST(range AS TEXT), CAST(NULL AS TEXT),
      count(CASE WHEN status = 'won' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      count(CASE WHEN status = 'lost' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), ${none}
    FROM (SELECT status, ${rangeOf("days")} AS range FROM closed) d GROUP BY range`);
}

/** The index in DAY_RANGES of the days in `column`, as SQL (the bounds are constants). */
function rangeOf(column: string): Sql {
  const cases = DAY_RANGES.slice(1)
    .map((r, i) => `WHEN ${column} < ${r.from} THEN ${i}`)
    .join(" ");
  return raw(`CASE ${cases} ELSE ${DAY_RANGES.length - 1} END`);
}

/**
 * The velocity figure's parts; a part the data cannot support is null (never a number made of
 * missing data: a 100% win rate without recorded losses, a 0 velocity without amounts).
 */
function velocityFigure(
  row: (StatsRow & FigureRow) | undefined,
  medianDaysToWin: number | null,
  cannot: VelocityUnsupported,
): VelocityFigure {
  const openQualifiedLeads = cannot.qualification ? null : (row?.open_qualified ?? 0);
  const won = row?.won ?? 0;
  const closed = won + (row?.lost ?? 0);
  const winRate = closed > 0 && !cannot.qualification && !cannot.losses ? won / closed : null;
  const averageWonValue = cannot.amounts ? null : (row?.average_won ?? null);
  const perDay =
    openQualifiedLeads !== null &&
    winRate !== null &&
    averageWonValue !== null &&
    medianDaysToWin !== null &&
    medianDaysToWin > 0
      ? (openQualifiedLeads * winRate * averageWonValue) / medianDaysToWin
      : null;
  return { openQualifiedLeads, winRate, averageWonValue, medianDaysToWin, perDay };
}

type StageDaysRow = {
  pipeline_id: string;
  pipeline_name: string;
  stage_id: string;
  stage_name: string;
  position: number;
  leads: number;
  median_days: number | null;
};

/** The median days won leads closed in the period spent in each open stage (needs stage history). */
function daysInStage(ctx: MetricContext) {
  const w = ctx.workspace;
  const pipeline = ctx.filters.pipeline ? sql` AND s.pipeline_id = ${ctx.filters.pipeline.id}` : sql``;
  return statement<StageDaysRow>(sql`
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
}

function stageDaysOf(rows: readonly StageDaysRow[]): StageDays[] {
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

/**
 * What this metric's figures cannot rest on. Days counted from creation need no
 * qualification marks: then every closed lead counts (everyLeadCounts), and the fix for data
 * without marks is either naming the qualifying stage or `--from creation`.
 */
function velocitySupport(input: MetricInput): { cannot: VelocityUnsupported; everyLead: boolean } {
  const support: FigureSupport = supportOf(input);
  const everyLead = support.qualification !== null && input.ctx.options.velocityFrom === "creation";
  const qualification =
    support.qualification === null || everyLead
      ? null
      : {
          reason: support.qualification.reason,
          fix: `${support.qualification.fix}; or count every closed lead from its creation: --from creation`,
          sv: {
            reason: support.qualification.sv.reason,
            fix: `${support.qualification.sv.fix}; eller räkna varje avslutat lead från när det skapades: --from creation`,
          },
        };
  return { cannot: { qualification, losses: support.losses, amounts: support.amounts }, everyLead };
}

/** Report-level notes for the figures left out (MetricReport.unsupported), one per cause. */
function notesOf(cannot: VelocityUnsupported): Unsupported[] {
  const notes: Unsupported[] = [];
  for (const capability of ["qualification", "losses", "amounts"] as const) {
    const figure = cannot[capability];
    if (figure) {
      notes.push({
        capability,
        message: `${velocity.title}: ${figure.reason}${figure.fix ? ` (fix: ${figure.fix})` : ""}`,
      });
    }
  }
  return notes;
}

/** Stage durations need real stage history; derived events (Maven) would give wrong days. */
function stageDaysUnsupported(ctx: MetricContext): Unsupported[] {
  return unsupportedOf({ ...velocity, needs: ["stage_history"] } as MetricDefinition, ctx);
}

/**
 * The durations and the velocity figure's parts in one statement (counted over every closed
 * lead when the data marks no qualification and days count from creation: figure-support.ts),
 * then the days in stage when the data has stage history.
 */
function build(input: MetricInput): VelocityStatements {
  const { ctx } = input;
  const { everyLead } = velocitySupport(input);
  const statements: VelocityStatements = { durations: durations(ctx, everyLead) };
  if (stageDaysUnsupported(ctx).length === 0) statements.daysInStage = daysInStage(ctx);
  return statements;
}

/** The days in stage are asked only of data with stage history. */
type VelocityStatements = {
  durations: ReturnType<typeof durations>;
  daysInStage?: ReturnType<typeof daysInStage>;
};

/** Pure: overall, per rep, per source and per range of days, and the velocity figure, from the rows. */
function shape(result: RowsOf<VelocityStatements> | null, input: MetricInput): VelocityResult {
  const { ctx } = input;
  const { cannot, everyLead } = velocitySupport(input);
  const rows = result?.durations ?? [];
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
  const unsupported = stageDaysUnsupported(ctx);
  return {
    from: ctx.options.velocityFrom,
    everyLeadCounts: everyLead,
    unsupportedFigures: cannot,
    unqualifiedLost: all?.unqualified_lost ?? 0,
    ...overall,
    distribution,
    byRep,
    bySource,
    daysInStage: unsupported.length > 0 ? null : stageDaysOf(result?.daysInStage ?? []),
    velocity: velocityFigure(all, overall.won.median, cannot),
    unsupported: [...unsupported, ...notesOf(cannot)],
  };
}

function medianEvidence(d: DurationStats): Evidence | null {
  return d.median === null ? null : { kind: "median", n: d.leads, low: d.low, high: d.high };
}

function headlines(r: VelocityResult): Headline[] {
  const { qualification, losses, amounts } = r.unsupportedFigures;
  const v = r.velocity;
  return [
    headlineOf(
      {
        key: "medianDaysToWin",
        label: "Median days to win",
        value: r.won.median,
        format: "days",
        evidence: medianEvidence(r.won),
      },
      qualification,
    ),
    headlineOf(
      {
        key: "medianDaysToLose",
        label: "Median days to lose",
        value: r.lost.median,
        format: "days",
        evidence: medianEvidence(r.lost),
      },
      qualification ?? losses,
    ),
    // No evidence: a ratio of two medians has no n of its own; its noise is that of the two
    // medians, whose intervals the two headlines above carry.
    headlineOf(
      {
        key: "loseToWinRatio",
        label: "Days to lose / days to win",
        value: r.loseToWinRatio,
        format: "number",
        evidence: null,
      },
      qualification ?? losses,
    ),
    // No evidence: velocity is the product of four estimates (open qualified leads, win rate,
    // average won value, median days to win), each with its own noise; no one model judges
    // the product, and its parts carry their evidence (the win rate and open leads below).
    headlineOf(
      { key: "velocityPerDay", label: "Sales velocity per day", value: v.perDay, format: "money", evidence: null },
      qualification ?? losses ?? amounts,
    ),
    headlineOf(
      {
        key: "qualifiedWinRate",
        label: "Win rate of qualified leads closed",
        value: v.winRate,
        format: "percent",
        evidence: v.winRate === null ? null : rateEvidence(r.won.leads, r.won.leads + r.lost.leads),
      },
      qualification ?? losses,
    ),
    headlineOf(
      {
        key: "openQualifiedLeads",
        label: "Open qualified leads at the end",
        value: v.openQualifiedLeads,
        format: "count",
        evidence: v.openQualifiedLeads === null ? null : { kind: "count", n: v.openQualifiedLeads },
      },
      qualification,
    ),
  ];
}

/** A p-value as a reader needs it: two significant digits, and no false precision below 0.001. */
function formatP(p: number): string {
  return p < 0.001 ? "p < 0.001" : `p = ${Number(p.toPrecision(2))}`;
}

/** The "Lost held longer" cell: "yes (p = 0.012)", "no" or "too few". */
function heldLongerText(g: VelocityGroup): string {
  if (g.heldLonger === null || g.heldLongerTest === null) return "too few";
  return g.heldLonger ? `yes (${formatP(g.heldLongerTest.pValue)})` : "no";
}

/** " (not available: why; fix)" for a table whose figures the data cannot support. */
function notAvailable(cannot: FigureUnsupported | null): string {
  return cannot ? `: not available (${cannot.reason}; fix: ${cannot.fix})` : "";
}

function views(r: VelocityResult): View[] {
  const { qualification, losses, amounts } = r.unsupportedFigures;
  const groupColumns = [
    { key: "won", label: "Won", format: "count" },
    { key: "medianWin", label: "Med. days win", format: "days" },
    { key: "lowWin", label: "Win 95% low", format: "days" },
    { key: "highWin", label: "Win 95% high", format: "days" },
    { key: "lost", label: "Lost", format: "count" },
    { key: "medianLose", label: "Med. days lose", format: "days" },
    { key: "lowLose", label: "Lose 95% low", format: "days" },
    { key: "highLose", label: "Lose 95% high", format: "days" },
    { key: "ratio", label: "Lose/win", format: "number" },
    { key: "heldLonger", label: "Lost held longer", format: "text" },
  ] as const;
  const groupRow = (g: VelocityGroup) => ({
    won: g.won.leads,
    medianWin: g.won.median,
    lowWin: g.won.low,
    highWin: g.won.high,
    lost: g.lost.leads,
    medianLose: g.lost.median,
    lowLose: g.lost.low,
    highLose: g.lost.high,
    ratio: g.loseToWinRatio,
    // "yes" with the test's p-value; fewer than 6 won or lost: cannot tell.
    heldLonger: heldLongerText(g),
  });
  const from = r.from === "creation" ? "creation" : "qualification";
  const every = r.everyLeadCounts ? " (every closed lead: the data marks no qualification)" : "";
  // Days from qualification mean nothing without qualification marks: the tables say why instead.
  const days = qualification;
  const rates = qualification ?? losses;
  const money = qualification ?? losses ?? amounts;
  const rate = r.velocity.winRate;
  const closed = r.won.leads + r.lost.leads;
  const interval = rate === null ? null : wilsonInterval(r.won.leads, closed);
  return [
    {
      title: `Days from ${from} to close${every}${notAvailable(days)}`,
      columns: [
        { key: "outcome", label: "Outcome", format: "text" },
        { key: "leads", label: "Leads", format: "count" },
        { key: "median", label: "Median days", format: "days" },
        { key: "low", label: "Median 95% low", format: "days" },
        { key: "high", label: "Median 95% high", format: "days" },
        { key: "p75", label: "P75 days", format: "days" },
        { key: "p90", label: "P90 days", format: "days" },
      ],
      rows: days
        ? []
        : [
            { outcome: "won", ...r.won },
            { outcome: "lost", ...r.lost },
            {
              outcome: "lost, never qualified (not counted)",
              leads: r.unqualifiedLost,
              median: null,
              low: null,
              high: null,
              p75: null,
              p90: null,
            },
          ],
    },
    {
      title: `Sales velocity${notAvailable(money)}`,
      columns: [
        { key: "openQualifiedLeads", label: "Open qualified", format: "count" },
        { key: "won", label: "Won", format: "count" },
        { key: "closed", label: "Closed", format: "count" },
        { key: "winRate", label: "Win rate", format: "percent" },
        { key: "winRateLow", label: "Win rate 95% low", format: "percent" },
        { key: "winRateHigh", label: "Win rate 95% high", format: "percent" },
        { key: "averageWonValue", label: "Avg won value", format: "money" },
        { key: "medianDaysToWin", label: "Med. days win", format: "days" },
        { key: "perDay", label: "Per day", format: "money" },
      ],
      rows: [
        {
          ...r.velocity,
          won: rates ? null : r.won.leads,
          closed: rates ? null : closed,
          winRateLow: interval?.low ?? null,
          winRateHigh: interval?.high ?? null,
          medianDaysToWin: days ? null : r.velocity.medianDaysToWin,
        },
      ],
    },
    {
      title: `Days to close by rep; lost held longer: days to lose credibly longer than days to win (one-sided Mann-Whitney test, p < 0.05, from ${HELD_LONGER_MIN_LEADS} won and ${HELD_LONGER_MIN_LEADS} lost)${notAvailable(days)}`,
      columns: [{ key: "rep", label: "Rep", format: "text" }, ...groupColumns],
      rows: days
        ? []
        : [...r.byRep.map((g) => ({ rep: g.repName, ...groupRow(g) })), { rep: "(all reps)", ...groupRow(r) }],
    },
    {
      title: `Days to close by source${notAvailable(days)}`,
      columns: [{ key: "source", label: "Source", format: "text" }, ...groupColumns],
      rows: days ? [] : r.bySource.map((g) => ({ source: g.source, ...groupRow(g) })),
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
}

export const velocity: MetricDefinition<VelocityResult, VelocityStatements> = {
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
    "part is. Each median carries its distribution-free 95% interval (order statistics, from 6 leads); lost deals " +
    "are held credibly longer (per rep, per source and overall) when the one-sided Mann-Whitney (Wilcoxon " +
    "rank-sum) test of the days to lose against the days to win gives p < 0.05 (normal approximation with tie " +
    "and continuity correction; from 6 won and 6 lost leads, else too few to tell). Unsupported rather than wrong: without qualification marks (no qualifying " +
    "stage in the leads' pipelines and no lead that was not won carrying a qualification time) the win rate, the " +
    "velocity, the open qualified leads and the days from qualification are not shown (name the stage with verity " +
    "import --qualifying-stage, or count from creation, which then counts every closed lead); without recorded " +
    "losses the win rate, the days to lose and the velocity; without amounts the average won value and the velocity.",
  replaces: ["total-sales"],
  needs: [],
  area: "sales",
  leadFilters: true,
  readsSupport: true,
  build,
  shape,
  headlines,
  views,
  quickHeadlines: {
    keys: ["medianDaysToWin"],
    // The won leads' median days alone (the vanity check's figure beside total sales): the
    // leads durations() counts as won, their days counted the same way, the median and its
    // interval as the 'all' row has them, without the per-rep and per-source groupings, the
    // rank sums and the ranges.
    build: ({ ctx }) => ({
      won: statement<{ won: number; won_median: number | null; won_low: number | null; won_high: number | null }>(sql`
        WITH ${leadFacts(ctx)},
        won AS (
          SELECT ${daysBetween(ctx, startOf(ctx), sql`closed_at`)} AS value
          FROM lead_facts WHERE status = 'won' AND ${inPeriod(ctx, sql`closed_at`)}
        ),
        ${medianInterval("won", "mi", [])}
        SELECT (SELECT count(*) FROM won) AS won,
          (SELECT ${ctx.store.dialect.quantile(sql`value`, 0.5)} FROM won) AS won_median,
          mi.low AS won_low, mi.high AS won_high
        FROM mi`),
    }),
    // The same for each of several periods: the won leads of their whole span, by period.
    across: ({ ctx }, periods) => {
      return statement<{ period_index: number; won: number; won_median: number | null }>(sql`
        WITH ${leadFacts(ctx)},${periodRows(periods)},
        won AS (
          SELECT ${periodIndexOf(periods, sql`closed_at`)} AS period_index,
            ${daysBetween(ctx, startOf(ctx), sql`closed_at`)} AS value
          FROM lead_facts WHERE status = 'won' AND ${inSpan(periods, sql`closed_at`)}
        ),
        ${medianInterval("won", "mi", ["period_index"])},
        counted AS (
          SELECT period_index, count(*) AS won, ${ctx.store.dialect.quantile(sql`value`, 0.5)} AS won_median
          FROM won GROUP BY period_index
        )
        SELECT p.period_index, COALESCE(c.won, 0) AS won, c.won_median, mi.low AS won_low, mi.high AS won_high
        FROM across_periods p
        LEFT JOIN counted c ON c.period_index = p.period_index
        LEFT JOIN mi ON mi.period_index = p.period_index
        ORDER BY p.period_index`);
    },
    headlines: (rows, input) => {
      const row = rows.won?.[0] as StatsRow | undefined;
      const won = group(row).won;
      return [
        headlineOf(
          {
            key: "medianDaysToWin",
            label: "Median days to win",
            value: won.median,
            format: "days",
            evidence: medianEvidence(won),
          },
          velocitySupport(input).cannot.qualification,
        ),
      ];
    },
  },
};
