/**
 * METRICS.md 1: activity quality, in place of the number of activities (vanity 1). An
 * activity leaderboard and a sales leaderboard per rep, the activity mix on won against lost
 * leads, and where the top performers (by won value) work differently from the bottom ones.
 * The lead timeline of the same section lives in ../lead-timeline.ts.
 */
import { REAL_NOTE_MIN_LENGTH } from "../../derive/activity-rollup.js";
import { activityCountColumn } from "../../derive/lead-activity.js";
import { ACTIVITY_TYPES } from "../../model/canonical.js";
import { join, raw, type Sql, sql } from "../../store/sql.js";
import { countsAcross } from "../across-periods.js";
import {
  type ClusterFigures,
  countEvidence,
  medianColumn,
  moneyHeadline,
  NO_AMOUNTS,
  perEvidence,
  rateCells,
  rateColumns,
  squaresValue,
  sumOfSquares,
} from "../evidence.js";
import {
  type Headline,
  type MetricContext,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  type Statement,
  statement,
  type Unsupported,
  type View,
} from "../metric.js";
import { periodActivityCounts, periodNoteLengths } from "../period-activities.js";
import type {
  ActivityFigures,
  ActivityMix,
  ActivityQualityResult,
  ActivityType,
  ActivityTypeCounts,
  PerformerComparison,
  PerformerDifference,
  PerformerFeature,
  RepActivityQuality,
  SalesFigures,
} from "../results/activity-quality.js";
import { histogramMedian, inPeriod, leadFilter, money } from "../sql-parts.js";

// What activity quality answers is declared in results/activity-quality.ts (type-only, shared
// with the dashboard), which writes the activity types out: they must be canonical's, no more
// and no fewer (a type error here otherwise).
export type * from "../results/activity-quality.js";

ACTIVITY_TYPES satisfies readonly ActivityType[];
true satisfies [Exclude<ActivityType, (typeof ACTIVITY_TYPES)[number]>] extends [never] ? true : false;

/**
 * How the figures query forms the performer groups: `ranked` ranks the reps in the engine
 * (won value, then rep id, as performerGroups does); `lists` takes them from the caller (when
 * the engine orders rep ids differently from performerGroups); `none` forms no groups.
 */
type GroupMode =
  | { kind: "none" }
  | { kind: "ranked"; share: number }
  | { kind: "lists"; top: string[]; bottom: string[] };

type MixColumns = Record<`${"won" | "lost"}_${"activities" | `n_${ActivityType}`}`, number | null>;

type FigureRow = {
  /** 'r:' + rep id, 'g:top' / 'g:bottom', or '*' for everyone in scope. */
  jk: string;
  /** A rep row's performer group as the engine formed it. */
  grp: "top" | "bottom" | null;
  activities: number | null;
  real_notes: number | null;
  median_note_length: number | null;
  opportunities: number | null;
  untouched: number | null;
  median_hours: number | null;
  won: number | null;
  lost: number | null;
  won_value: number | null;
  won_amounts: number | null;
  /** Exact decimal text (evidence.ts sumOfSquares). */
  won_value_squares: string | number | null;
  average_won_value: number | null;
  median_days_to_win: number | null;
} & Record<`n_${ActivityType}`, number | null> &
  MixColumns;

const TINY = 1e-9;

/**
 * Every figure in one statement, each grouped by rep, by performer group and over everyone in
 * scope at once (grouping sets), the groups formed in the same statement (GroupMode):
 * - the period's activities, read once: counted per rep (NULL: without a rep), the counts
 *   then rolled up; the real notes' median length over the real notes only;
 * - the period's leads (created or closed in it), with their first activity and their
 *   activities by type, both stored on each lead at ingest (src/derive/lead-activity.ts);
 * - the won/lost mix: the stored counts of the leads won or lost in the period, one row.
 * Ratios are formed in TypeScript from the counts; medians are pooled within the group in
 * the engine.
 */
function figures(ctx: MetricContext, mode: GroupMode) {
  const d = ctx.store.dialect;
  const sumTypes = join(
    ACTIVITY_TYPES.map((type) => sql`COALESCE(sum(CASE WHEN type = ${type} THEN n END), 0) AS ${raw(`n_${type}`)}`),
  );
  const created = inPeriod(ctx, sql`l.created_at`);
  const closed = inPeriod(ctx, sql`l.closed_at`);
  const wonNow = sql`r.is_closed AND r.status = 'won'`;
  const typeColumns = join(ACTIVITY_TYPES.map((type) => raw(`act.n_${type}`)));
  // The leads' activities by type, stored on each lead at ingest (src/derive/lead-activity.ts).
  const leadCounts = ACTIVITY_TYPES.map((type) => raw(`r.${activityCountColumn(type)}`));
  const mixCounts = join(
    (["won", "lost"] as const).flatMap((status) => [
      sql`COALESCE(sum(CASE WHEN r.status = ${status} THEN ${join(leadCounts, " + ")} END), 0) AS ${raw(`${status}_activities`)}`,
      ...ACTIVITY_TYPES.map(
        (type, i) =>
          sql`COALESCE(sum(CASE WHEN r.status = ${status} THEN ${leadCounts[i] as Sql} END), 0) AS ${raw(`${status}_n_${type}`)}`,
      ),
    ]),
  );
  const mixColumns = join(
    (["won", "lost"] as const).flatMap((status) =>
      ["activities", ...ACTIVITY_TYPES.map((t) => `n_${t}`)].map((c) => raw(`mix.${status}_${c}`)),
    ),
  );
  let groupOf: Sql;
  if (mode.kind === "ranked") {
    // performerGroups: reps by won value (ties by rep id); ceil(n x share) each, at most n / 2.
    groupOf = sql`
      SELECT k, CASE WHEN n < 2 THEN NULL WHEN pos <= size THEN 'top' WHEN pos > n - size THEN 'bottom' END AS g
      FROM (
        SELECT k, pos, n, LEAST(ceil(n * CAST(${mode.share} AS FLOAT8)), floor(n / 2.0)) AS size
        FROM (
          SELECT s.k, row_number() OVER (ORDER BY COALESCE(rw.won_value, 0) DESC, s.k) AS pos, count(*) OVER () AS n
          FROM rep_keys s LEFT JOIN rep_won rw ON rw.k = s.k
        ) ranked
      ) sized`;
  } else if (mode.kind === "lists") {
    groupOf = sql`
      SELECT k, CASE WHEN ${inList(sql`k`, mode.top)} THEN 'top' WHEN ${inList(sql`k`, mode.bottom)} THEN 'bottom' END AS g
      FROM rep_keys`;
  } else {
    groupOf = sql`SELECT k, CAST(NULL AS TEXT) AS g FROM rep_keys`;
  }
  // The join key of a row: '*' for everyone, 'r:' || rep, 'g:' || group (NULL for no key: dropped).
  const groupBy = sql`GROUPING SETS ((k), (g), ())`;
  const joinKey = sql`CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END`;
  return statement<FigureRow>(sql`
    WITH lead_rows AS MATERIALIZED (
      SELECT l.id, l.owner_id AS k, l.status, l.created_at, l.closed_at, ${money(ctx, "l")} AS amount,
        ${created} AS is_new, COALESCE(${closed}, FALSE) AS is_closed,
        l.first_activity_at AS first_at, ${join(ACTIVITY_TYPES.map((type) => raw(`l.${activityCountColumn(type)}`)))}
      FROM leads l
      WHERE ${leadFilter(ctx, "l")} AND (${created} OR ${closed})
    ),
    act_reps AS (
      -- Counted per rep and type (rollup rows and edge days summed), the types spread into columns below.
      SELECT c.k, c.type, sum(c.n) AS n, sum(c.real_notes) AS real_notes
      FROM (${periodActivityCounts(ctx)}) c GROUP BY c.k, c.type
    ),
    mix AS (
      -- Every activity on the leads won or lost in the period, over their whole life and whoever logged it.
      SELECT ${mixCounts}
      FROM lead_rows r
      WHERE r.is_closed AND r.status IN ('won', 'lost')
    ),
    rep_won AS (
      SELECT r.k, COALESCE(sum(CASE WHEN ${wonNow} THEN r.amount END), 0) AS won_value
      FROM lead_rows r WHERE r.k IS NOT NULL GROUP BY r.k
    ),
    rep_keys AS (SELECT k FROM rep_won UNION SELECT DISTINCT k FROM act_reps WHERE k IS NOT NULL),
    grp AS MATERIALIZED (${groupOf}),
    act AS (
      SELECT k, g, ${joinKey} AS jk, sum(n) AS activities, ${sumTypes}, sum(real_notes) AS real_notes
      FROM (SELECT c.*, gr.g FROM act_reps c LEFT JOIN grp gr ON gr.k = c.k) c
      GROUP BY ${groupBy}
    ),
    -- The real notes' lengths per rep, group and everyone, from the per-rep histogram.
    note_hist AS (
      SELECT ${joinKey} AS jk, h.note_length AS value, sum(h.notes) AS n
      FROM (SELECT h.k, gr.g, h.note_length, h.notes FROM (${periodNoteLengths(ctx)}) h LEFT JOIN grp gr ON gr.k = h.k) h
      GROUP BY GROUPING SETS ((k, note_length), (g, note_length), (note_length))
    ),
    ${histogramMedian("note_hist", "notes")},
    lds AS (
      SELECT k, g, ${joinKey} AS jk,
        count(CASE WHEN r.is_new THEN 1 END) AS opportunities,
        count(CASE WHEN r.is_new AND r.first_at IS NULL THEN 1 END) AS untouched,
        -- An activity logged before the lead was created counts as immediate (0 hours).
        ${d.quantile(
          sql`CASE WHEN r.is_new AND r.first_at IS NOT NULL THEN GREATEST(CAST(0 AS FLOAT8), (${d.epoch(sql`r.first_at`)} - ${d.epoch(sql`r.created_at`)}) / 3600.0) END`,
          0.5,
        )} AS median_hours,
        count(CASE WHEN ${wonNow} THEN 1 END) AS won,
        count(CASE WHEN r.is_closed AND r.status = 'lost' THEN 1 END) AS lost,
        COALESCE(sum(CASE WHEN ${wonNow} THEN r.amount END), 0) AS won_value,
        count(CASE WHEN ${wonNow} THEN r.amount END) AS won_amounts,
        ${sumOfSquares(sql`CASE WHEN ${wonNow} THEN r.amount END`)} AS won_value_squares,
        avg(CASE WHEN ${wonNow} THEN CAST(r.amount AS FLOAT8) END) AS average_won_value,
        ${d.quantile(
          sql`CASE WHEN ${wonNow} THEN (${d.epoch(sql`r.closed_at`)} - ${d.epoch(sql`r.created_at`)}) / 86400.0 END`,
          0.5,
        )} AS median_days_to_win
      FROM (
        SELECT r.k, gr.g, r.status, r.created_at, r.closed_at, r.amount, r.is_new, r.is_closed, r.first_at
        FROM lead_rows r LEFT JOIN grp gr ON gr.k = r.k
      ) r
      GROUP BY ${groupBy}
    )
    SELECT COALESCE(act.jk, lds.jk) AS jk, gg.g AS grp,
      act.activities, ${typeColumns}, act.real_notes, notes.median AS median_note_length,
      lds.opportunities, lds.untouched, lds.median_hours, lds.won, lds.lost, lds.won_value, lds.won_amounts,
      lds.won_value_squares, lds.average_won_value,
      lds.median_days_to_win, ${mixColumns}
    FROM act FULL OUTER JOIN lds ON lds.jk = act.jk
    LEFT JOIN notes ON notes.jk = act.jk
    LEFT JOIN grp gg ON gg.k = COALESCE(act.k, lds.k)
    LEFT JOIN mix ON COALESCE(act.jk, lds.jk) = '*'
    WHERE COALESCE(act.jk, lds.jk) IS NOT NULL`);
}

function shapeFigures(
  row: FigureRow | undefined,
  hasActivities: boolean,
  hasAmounts: boolean,
): ActivityFigures & SalesFigures {
  const activities = row?.activities ?? 0;
  const opportunities = row?.opportunities ?? 0;
  const won = row?.won ?? 0;
  const lost = row?.lost ?? 0;
  const byType = Object.fromEntries(ACTIVITY_TYPES.map((t) => [t, row?.[`n_${t}`] ?? 0])) as ActivityTypeCounts;
  return {
    activities: hasActivities ? activities : null,
    activitiesByType: hasActivities ? byType : null,
    opportunitiesCreated: opportunities,
    activitiesPerOpportunity: hasActivities && opportunities > 0 ? activities / opportunities : null,
    activitiesPerWonLead: hasActivities && won > 0 ? activities / won : null,
    realNotes: hasActivities ? (row?.real_notes ?? 0) : null,
    realNoteShare: hasActivities && activities > 0 ? (row?.real_notes ?? 0) / activities : null,
    medianNoteLength: hasActivities ? (row?.median_note_length ?? null) : null,
    medianHoursToFirstActivity: hasActivities ? (row?.median_hours ?? null) : null,
    leadsWithoutActivity: hasActivities ? (row?.untouched ?? 0) : null,
    wonValue: hasAmounts ? (row?.won_value ?? 0) : null,
    wonLeads: won,
    lostLeads: lost,
    winRate: won + lost > 0 ? won / (won + lost) : null,
    averageWonValue: row?.average_won_value ?? null,
    medianDaysToWin: row?.median_days_to_win ?? null,
  };
}

function activityOnly(f: ActivityFigures & SalesFigures): ActivityFigures {
  const {
    activities,
    activitiesByType,
    opportunitiesCreated,
    activitiesPerOpportunity,
    activitiesPerWonLead,
    realNotes,
    realNoteShare,
    medianNoteLength,
    medianHoursToFirstActivity,
    leadsWithoutActivity,
  } = f;
  return {
    activities,
    activitiesByType,
    opportunitiesCreated,
    activitiesPerOpportunity,
    activitiesPerWonLead,
    realNotes,
    realNoteShare,
    medianNoteLength,
    medianHoursToFirstActivity,
    leadsWithoutActivity,
  };
}

/**
 * Top and bottom performers: reps ordered by won value (highest first, ties by rep id), the
 * first `size` are the top group and the last `size` the bottom one. `size` is
 * ceil(n x share), capped at floor(n / 2) so the groups never overlap; no groups below 2 reps.
 */
export function performerGroups(
  reps: readonly { repId: string; wonValue: number }[],
  share: number,
): { size: number; top: string[]; bottom: string[] } | null {
  const n = reps.length;
  if (n < 2) return null;
  const size = Math.min(Math.ceil(n * share), Math.floor(n / 2));
  const ordered = [...reps].sort((a, b) => b.wonValue - a.wonValue || compareText(a.repId, b.repId));
  return {
    size,
    top: ordered.slice(0, size).map((r) => r.repId),
    bottom: ordered.slice(n - size).map((r) => r.repId),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const TYPE_PLURAL: Record<ActivityType, string> = {
  call: "Calls",
  email: "Emails",
  meeting: "Meetings",
  demo: "Demos",
  note: "Notes",
  task: "Tasks",
  other: "Other activities",
};

const one = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const pct = (x: number) => `${Math.round(x * 100)}%`;

function sentence(feature: PerformerFeature, top: number, bottom: number): string {
  switch (feature) {
    case "activitiesPerOpportunity":
      return `Top performers log ${one(top)} activities per opportunity created, bottom performers ${one(bottom)}.`;
    case "activitiesPerWonLead":
      return `Top performers log ${one(top)} activities per won lead, bottom performers ${one(bottom)}.`;
    case "realNoteShare":
      return `${pct(top)} of top performers' activities carry a real note, ${pct(bottom)} of bottom performers'.`;
    case "medianNoteLength":
      return `Top performers' real notes run to ${one(top)} characters (median), bottom performers' to ${one(bottom)}.`;
    case "medianHoursToFirstActivity":
      return `Top performers first act on a new lead after ${one(top)} hours (median), bottom performers after ${one(bottom)}.`;
    default: {
      const type = feature.slice(0, -"Share".length) as ActivityType;
      return `${TYPE_PLURAL[type]} are ${pct(top)} of top performers' activities, ${pct(bottom)} of bottom performers'.`;
    }
  }
}

function featuresOf(f: ActivityFigures): [PerformerFeature, number | null][] {
  const total = f.activities ?? 0;
  return [
    ["activitiesPerOpportunity", f.activitiesPerOpportunity],
    ["activitiesPerWonLead", f.activitiesPerWonLead],
    ["realNoteShare", f.realNoteShare],
    ["medianNoteLength", f.medianNoteLength],
    ["medianHoursToFirstActivity", f.medianHoursToFirstActivity],
    ...ACTIVITY_TYPES.map((type): [PerformerFeature, number | null] => [
      `${type}Share`,
      total > 0 && f.activitiesByType ? f.activitiesByType[type] / total : null,
    ]),
  ];
}

/** The features both groups have a different value for, ranked by relative size (then by name, for a stable order). */
export function performerDifferences(top: ActivityFigures, bottom: ActivityFigures): PerformerDifference[] {
  const bottomValues = new Map(featuresOf(bottom));
  const out: PerformerDifference[] = [];
  for (const [feature, t] of featuresOf(top)) {
    const b = bottomValues.get(feature) ?? null;
    // Equal values are no difference; a feature one group lacks cannot be compared.
    if (t === null || b === null || t === b) continue;
    out.push({
      feature,
      top: t,
      bottom: b,
      relativeDifference: Math.abs(t - b) / Math.max(Math.abs(b), TINY),
      sentence: sentence(feature, t, b),
    });
  }
  return out.sort((a, b) => b.relativeDifference - a.relativeDifference || compareText(a.feature, b.feature));
}

function mixOf(total: FigureRow | undefined): { won: ActivityMix; lost: ActivityMix } {
  const mix = (status: "won" | "lost"): ActivityMix => {
    const leads = (status === "won" ? total?.won : total?.lost) ?? 0;
    const per = (n: number | null | undefined) => (leads > 0 ? (n ?? 0) / leads : null);
    return {
      leads,
      perLead: per(total?.[`${status}_activities`]),
      perLeadByType: Object.fromEntries(ACTIVITY_TYPES.map((t) => [t, per(total?.[`${status}_n_${t}`])])) as Record<
        ActivityType,
        number | null
      >,
    };
  };
  return { won: mix("won"), lost: mix("lost") };
}

function inList(column: Sql, ids: readonly string[]): Sql {
  return sql`${column} IN (${join(ids.map((id) => sql`${id}`))})`;
}

/** Whether the data has activities and amounts, and the performer share asked for. */
function scopeOf(ctx: MetricContext) {
  const hasActivities = ctx.capabilities.has("activities");
  const hasAmounts = ctx.capabilities.has("amounts");
  // Performers are ranked by won value: without amounts every rep is at 0 and the groups
  // would be by rep id, so none are formed.
  return { hasActivities, hasAmounts, grouped: hasActivities && hasAmounts, share: ctx.options.performerShare };
}

type RepRow = { id: string; name: string };

/**
 * The first round: every figure, with the performer groups ranked in the engine (or none),
 * and the workspace's reps' names. (Between the two, compute reads the vanity activity count
 * for its clusters: computeVanity's cache shares that query with the vanity figure beside
 * this metric.)
 */
export function build({ ctx }: MetricInput) {
  const { grouped, share } = scopeOf(ctx);
  return {
    figures: figures(ctx, grouped ? { kind: "ranked", share } : { kind: "none" }),
    reps: statement<RepRow>(sql`SELECT id, name FROM reps WHERE workspace_id = ${ctx.workspace}`),
  };
}

/**
 * The rows shape reads: the first round's, and `regrouped`, the figures again with the
 * performer groups given as lists (regroupStatement), when the engine ranked the reps
 * differently from performerGroups.
 */
export type ActivityQualityRows = RowsOf<ReturnType<typeof build>> & { regrouped?: FigureRow[] };

/** The reps of the first round's rows with their figures, by won value (ties by rep id). */
function repsOf(rows: ActivityQualityRows, ctx: MetricContext): RepActivityQuality[] {
  const { hasActivities, hasAmounts } = scopeOf(ctx);
  const names = new Map(rows.reps.map((r) => [r.id, r.name]));
  const reps = rows.figures
    .filter((r) => r.jk.startsWith("r:"))
    .map((r): RepActivityQuality => {
      const repId = r.jk.slice(2);
      return { repId, repName: names.get(repId) ?? repId, ...shapeFigures(r, hasActivities, hasAmounts), group: null };
    });
  return reps.sort((a, b) => (b.wonValue ?? 0) - (a.wonValue ?? 0) || compareText(a.repId, b.repId));
}

/** The performer groups of the first round's reps; null when none are formed. */
function groupsOf(reps: readonly RepActivityQuality[], ctx: MetricContext) {
  const { grouped, share } = scopeOf(ctx);
  return grouped
    ? performerGroups(
        reps.map((rep) => ({ repId: rep.repId, wonValue: rep.wonValue ?? 0 })),
        share,
      )
    : null;
}

/**
 * A second round, when the first's rows need one (a true second round: it reads the first's
 * rows). The engine ranked the reps itself; where its text order of rep ids differs from
 * performerGroups' (a collation), the groups are formed again from the lists: the statement
 * to run, or null when the engine's groups stand.
 */
export function regroupStatement(rows: RowsOf<ReturnType<typeof build>>, { ctx }: MetricInput) {
  const groups = groupsOf(repsOf(rows, ctx), ctx);
  if (!groups) return null;
  const { top, bottom } = groups;
  const engineGroup = new Map(rows.figures.filter((r) => r.jk.startsWith("r:")).map((r) => [r.jk.slice(2), r.grp]));
  const ours = (repId: string) => (top.includes(repId) ? "top" : bottom.includes(repId) ? "bottom" : null);
  const differs = [...engineGroup].some(([repId, grp]) => (grp ?? null) !== ours(repId));
  return differs ? figures(ctx, { kind: "lists", top, bottom }) : null;
}

/**
 * Pure: the team, the reps, the performer comparison and the won/lost mix from the rows;
 * `clusters` are the vanity activity count's (null without activity data).
 */
export function shape(rows: ActivityQualityRows | null, { ctx, vanity }: MetricInput): ActivityQualityResult {
  // The activities' clusters (per lead) as the vanity count beside this metric has them.
  const counted = vanity?.activities?.evidence;
  const clusters = clustersOf(counted?.kind === "count" ? counted : null);
  const { hasActivities, hasAmounts, share } = scopeOf(ctx);
  const first = rows ?? { figures: [], reps: [] };
  const total = first.figures.find((r) => r.jk === "*");
  const team = shapeFigures(total, hasActivities, hasAmounts);
  const reps = repsOf(first, ctx);

  let performers: PerformerComparison | null = null;
  const groups = groupsOf(reps, ctx);
  if (groups) {
    const { top, bottom } = groups;
    for (const rep of reps) rep.group = top.includes(rep.repId) ? "top" : bottom.includes(rep.repId) ? "bottom" : null;
    // The groups' own rows: formed again from the lists when the engine ranked differently.
    const groupRows = first.regrouped ?? first.figures;
    const topFigures = shapeFigures(
      groupRows.find((r) => r.jk === "g:top"),
      hasActivities,
      hasAmounts,
    );
    const bottomFigures = shapeFigures(
      groupRows.find((r) => r.jk === "g:bottom"),
      hasActivities,
      hasAmounts,
    );
    performers = {
      share,
      groupSize: groups.size,
      top: { repIds: top, wonValue: topFigures.wonValue ?? 0, ...activityOnly(topFigures) },
      bottom: { repIds: bottom, wonValue: bottomFigures.wonValue ?? 0, ...activityOnly(bottomFigures) },
      differences: performerDifferences(topFigures, bottomFigures),
    };
  }
  const unsupported: Unsupported[] =
    hasActivities && !hasAmounts
      ? [
          {
            capability: "amounts",
            message: `Activity quality: top and bottom performers are ranked by won value, and ${NO_AMOUNTS.reason}`,
          },
        ]
      : [];
  return {
    team,
    reps,
    performers,
    mixWonLost: hasActivities ? mixOf(total) : null,
    wonAmounts: hasAmounts
      ? { n: total?.won_amounts ?? 0, sumOfSquares: squaresValue(total?.won_value_squares) }
      : null,
    activityClusters: clusters,
    unsupported,
  };
}

/** The clusters a vanity count's evidence carries; null unless it carries both figures. */
function clustersOf(evidence: { clusters?: number; sumOfSquares?: number } | null): ClusterFigures | null {
  return evidence?.clusters !== undefined && evidence.sumOfSquares !== undefined
    ? { clusters: evidence.clusters, sumOfSquares: evidence.sumOfSquares }
    : null;
}

function views(r: ActivityQualityResult): View[] {
  const teamName = "all";
  const out: View[] = [
    {
      title: "Activity leaderboard",
      columns: [
        { key: "rep", label: "Rep", format: "text" },
        { key: "activities", label: "Activities", format: "count" },
        { key: "perOpportunity", label: "Per opp.", format: "number" },
        { key: "perWon", label: "Per won", format: "number" },
        { key: "noteShare", label: "Real notes", format: "percent" },
        ...rateColumns("noteShare"),
        { key: "hoursToFirst", label: "Hours to 1st", format: "number" },
        medianColumn("hoursToFirst"),
        { key: "untouched", label: "Untouched", format: "count" },
      ],
      rows: [...r.reps, { repName: teamName, ...r.team }].map((x) => ({
        rep: x.repName,
        activities: x.activities,
        perOpportunity: x.activitiesPerOpportunity,
        perWon: x.activitiesPerWonLead,
        noteShare: x.realNoteShare,
        ...rateCells("noteShare", x.realNotes, x.activities),
        hoursToFirst: x.medianHoursToFirstActivity,
        // The median is over the leads created in the period that have an activity.
        hoursToFirstN: x.leadsWithoutActivity === null ? null : x.opportunitiesCreated - x.leadsWithoutActivity,
        untouched: x.leadsWithoutActivity,
      })),
    },
    {
      title: "Sales leaderboard",
      columns: [
        { key: "rep", label: "Rep", format: "text" },
        { key: "wonValue", label: "Won value", format: "money" },
        { key: "wonLeads", label: "Won", format: "count" },
        { key: "winRate", label: "Win rate", format: "percent" },
        ...rateColumns("winRate"),
        { key: "averageWonValue", label: "Avg won", format: "money" },
        { key: "medianDaysToWin", label: "Days to win", format: "days" },
        medianColumn("medianDaysToWin"),
        { key: "group", label: "Group", format: "text" },
      ],
      rows: [...r.reps, { repName: teamName, group: null, ...r.team }].map((x) => ({
        rep: x.repName,
        wonValue: x.wonValue,
        wonLeads: x.wonLeads,
        winRate: x.winRate,
        ...rateCells("winRate", x.wonLeads, x.wonLeads + x.lostLeads),
        averageWonValue: x.averageWonValue,
        medianDaysToWin: x.medianDaysToWin,
        medianDaysToWinN: x.wonLeads,
        group: x.group,
      })),
    },
  ];
  if (r.performers) {
    out.push({
      title: `Top vs bottom performers (${r.performers.groupSize} reps each, by won value)`,
      columns: [
        { key: "sentence", label: "Difference", format: "text" },
        { key: "relative", label: "Relative", format: "percent" },
      ],
      // Against a bottom value of 0 the relative size only ranks; it is no percentage to print.
      rows: r.performers.differences.map((d) => ({
        sentence: d.sentence,
        relative: Math.abs(d.bottom) < TINY ? null : d.relativeDifference,
      })),
    });
  }
  if (r.mixWonLost) {
    const { won, lost } = r.mixWonLost;
    out.push({
      title: `Activities per lead, won (${won.leads}) vs lost (${lost.leads}) leads`,
      columns: [
        { key: "type", label: "Type", format: "text" },
        { key: "won", label: "Won", format: "number" },
        { key: "lost", label: "Lost", format: "number" },
      ],
      rows: [
        ...ACTIVITY_TYPES.map((type) => ({ type, won: won.perLeadByType[type], lost: lost.perLeadByType[type] })),
        { type: "all", won: won.perLead, lost: lost.perLead },
      ],
    });
  }
  return out;
}

/** Won value: a sum of amounts, or unsupported when the loaded leads carry none. */
function wonValueHeadline(r: ActivityQualityResult): Headline {
  return moneyHeadline(
    { key: "wonValue", label: "Won value" },
    r.team.wonValue,
    r.wonAmounts?.n ?? null,
    r.wonAmounts?.sumOfSquares ?? null,
  );
}

export const activityQuality: MetricDefinition<
  ActivityQualityResult,
  ReturnType<typeof build>,
  { regrouped: Statement<FigureRow> }
> = {
  id: "activity-quality",
  title: "Activity quality",
  why:
    "A rep who logs a hundred calls a week looks busy; a rep who wins with a third of them is better. " +
    "Set each rep's activities against the opportunities they create and the leads they win, see who writes notes " +
    "a colleague could act on and who answers new leads fast, and see what the reps who win the most do differently.",
  definition:
    "Activities are counted by the rep who logged them, in the period they happened; with a pipeline or source " +
    "filter only activities on leads of that pipeline or source count. Leads are counted by their owner. " +
    "Opportunities created are the leads created in the period; won leads, lost leads, won value and days to win " +
    "are of the leads closed in the period (won value in the reporting currency only). Activities per opportunity " +
    "and per won lead divide the period's activities by those counts. " +
    `A real note is one of at least ${REAL_NOTE_MIN_LENGTH} characters once leading and trailing spaces are removed; ` +
    "note length is the median length of real notes. Hours to first activity is the median, over leads created " +
    "in the period that have any activity (by anyone, at any time), of the hours from creation to the first one " +
    "(an activity before creation counts as 0); leads without any activity are counted apart. Win rate is won / " +
    "(won + lost). Top and bottom performers: reps ranked by won value (ties by rep id); each group holds " +
    "ceil(n x share) of the n reps in the table, at most half of them (no groups with fewer than 2 reps in the " +
    "table); group figures are pooled over the " +
    "group's activities and leads, and the features they differ on are ranked by |top - bottom| / |bottom|. " +
    "The won/lost mix counts every activity on leads won or lost in the period, over the lead's whole life, " +
    "per lead.",
  replaces: ["activities"],
  needs: ["activities"],
  area: "sales",
  leadFilters: true,
  readsSupport: false,
  readsVanity: ["activities"],
  build,
  followUp: (rows, input) => {
    const again = regroupStatement(rows, input);
    return again ? { regrouped: again } : null;
  },
  shape,
  quickHeadlines: {
    keys: ["wonLeads"],
    // The team's won leads alone: the check's figure beside the activity count. The full
    // statement's lead_rows, grouping sets and medians are not needed for one count.
    build: ({ ctx }) => ({
      won: statement<{ won: number }>(sql`
        SELECT count(*) AS won FROM leads l
        WHERE ${leadFilter(ctx, "l")} AND l.status = 'won' AND ${inPeriod(ctx, sql`l.closed_at`)}`),
    }),
    headlines: (rows) => {
      const won = Number(rows.won?.[0]?.won ?? 0);
      return [{ key: "wonLeads", label: "Leads won", value: won, format: "count", evidence: countEvidence(won) }];
    },
    across: ({ ctx }, periods) => {
      return statement<{ period_index: number; won: number }>(
        countsAcross(periods, {
          from: sql`leads l`,
          where: sql`${leadFilter(ctx, "l")} AND l.status = 'won'`,
          at: sql`l.closed_at`,
          name: "won",
        }),
      );
    },
  },
  headlines: (r) => [
    {
      key: "activities",
      label: "Activities",
      value: r.team.activities,
      format: "count",
      // Activities come in runs per lead: judged by their leads (vanity.ts says how).
      evidence: countEvidence(r.team.activities, r.activityClusters),
    },
    {
      key: "activitiesPerWonLead",
      label: "Activities per won lead",
      value: r.team.activitiesPerWonLead,
      format: "number",
      evidence: r.team.activitiesPerWonLead === null ? null : perEvidence(r.team.activities, r.team.wonLeads),
    },
    {
      key: "wonLeads",
      label: "Leads won",
      value: r.team.wonLeads,
      format: "count",
      evidence: countEvidence(r.team.wonLeads),
    },
    wonValueHeadline(r),
  ],
  views,
};
