/**
 * METRICS.md 1: activity quality, in place of the number of activities (vanity 1). An
 * activity leaderboard and a sales leaderboard per rep, the activity mix on won against lost
 * leads, and where the top performers (by won value) work differently from the bottom ones.
 * The lead timeline of the same section lives in ../lead-timeline.ts.
 */
import { ACTIVITY_TYPES } from "../../model/canonical.js";
import { join, raw, type Sql, sql } from "../../store/sql.js";
import type { MetricContext, MetricDefinition, View } from "../metric.js";
import { inPeriod, leadFilter, money, repFilter } from "../sql-parts.js";

export type ActivityType = (typeof ACTIVITY_TYPES)[number];
export type ActivityTypeCounts = Record<ActivityType, number>;

/**
 * A note is "real" when it is at least this many characters long once leading and trailing
 * spaces are removed: long enough for "what happened, what next", longer than the tokens
 * busy reps leave ("called", "lvm", "f/u", "see above").
 */
export const REAL_NOTE_MIN_LENGTH = 20;

/** The activity side of a rep (or the team, or a performer group); null without activity data. */
export type ActivityFigures = {
  /** Activities logged in the period. */
  activities: number | null;
  activitiesByType: ActivityTypeCounts | null;
  /** Leads created in the period (owned by the rep). */
  opportunitiesCreated: number;
  /** activities / opportunitiesCreated; null without opportunities. */
  activitiesPerOpportunity: number | null;
  /** activities / wonLeads; null without won leads. */
  activitiesPerWonLead: number | null;
  /** Share of the period's activities carrying a real note; null without activities. */
  realNoteShare: number | null;
  /** Median length (characters, trimmed) of the real notes; null without any. */
  medianNoteLength: number | null;
  /** Median hours from creation to the first activity, over leads created in the period that have one. */
  medianHoursToFirstActivity: number | null;
  /** Leads created in the period without any activity at all. */
  leadsWithoutActivity: number | null;
};

/** The sales side of a rep (or the team). */
export type SalesFigures = {
  /** Won leads closed in the period, in the reporting currency (other currencies left out). */
  wonValue: number;
  wonLeads: number;
  lostLeads: number;
  /** won / (won + lost), closed in the period; null when none closed. */
  winRate: number | null;
  /** Average value of the won leads in the reporting currency; null without any. */
  averageWonValue: number | null;
  /** Median days from creation to close of the leads won in the period. */
  medianDaysToWin: number | null;
};

export type RepActivityQuality = ActivityFigures &
  SalesFigures & {
    repId: string;
    repName: string;
    /** The rep's performer group by won value, null when in neither (or no groups). */
    group: "top" | "bottom" | null;
  };

export type PerformerFeature =
  | "activitiesPerOpportunity"
  | "activitiesPerWonLead"
  | "realNoteShare"
  | "medianNoteLength"
  | "medianHoursToFirstActivity"
  | `${ActivityType}Share`;

export type PerformerDifference = {
  feature: PerformerFeature;
  top: number;
  bottom: number;
  /** |top - bottom| / max(|bottom|, 1e-9): what the differences are ranked by. */
  relativeDifference: number;
  sentence: string;
};

export type PerformerComparison = {
  /** The share of reps in each group (options.performerShare). */
  share: number;
  /** Reps per group: min(ceil(n x share), floor(n / 2)). */
  groupSize: number;
  top: { repIds: string[]; wonValue: number } & ActivityFigures;
  bottom: { repIds: string[]; wonValue: number } & ActivityFigures;
  /** Features the groups differ on (both have a value), the largest relative difference first. */
  differences: PerformerDifference[];
};

export type ActivityMix = {
  /** Leads of this outcome closed in the period. */
  leads: number;
  /** Activities on them (over their whole life) per lead, in total and by type; null without leads. */
  perLead: number | null;
  perLeadByType: Record<ActivityType, number | null>;
};

export type ActivityQualityResult = {
  /** Everyone in scope, leads without an owner and activities without a rep included. */
  team: ActivityFigures & SalesFigures;
  /** Reps who own a lead created or closed in the period, or logged an activity in it; by won value. */
  reps: RepActivityQuality[];
  /** Null with fewer than 2 reps, or without activity data. */
  performers: PerformerComparison | null;
  /** Null without activity data. */
  mixWonLost: { won: ActivityMix; lost: ActivityMix } | null;
};

/** What grouping the shared figures query uses: a key per rep id column. */
type KeyOf = (repColumn: Sql) => Sql;

type FigureRow = {
  k: string | null;
  /** The row over everyone in scope (the grouping set without a key). */
  is_total: boolean;
  activities: number | null;
  real_notes: number | null;
  median_note_length: number | null;
  opportunities: number | null;
  untouched: number | null;
  median_hours: number | null;
  won: number | null;
  lost: number | null;
  won_value: number | null;
  average_won_value: number | null;
  median_days_to_win: number | null;
} & Record<`n_${ActivityType}`, number | null>;

const TINY = 1e-9;

/**
 * Activities in scope, like the vanity count beside this metric: logged in the period, by a
 * rep the team/rep filter admits, and, when a pipeline or source filter is set, on a lead of
 * that pipeline/source (so activities without a lead drop out then).
 */
function activityScope(ctx: MetricContext): Sql {
  const { pipeline, source } = ctx.filters;
  const byLead =
    pipeline || source ? sql` AND a.lead_id IN (SELECT l.id FROM leads l WHERE ${leadFilter(ctx, "l")})` : sql``;
  return sql`a.workspace_id = ${ctx.workspace} AND ${inPeriod(ctx, sql`a.occurred_at`)} AND ${repFilter(ctx, sql`a.rep_id`)}${byLead}`;
}

/**
 * One pass over the period's activities and one over the period's leads, grouped by `keyOf`
 * (each rep, or the performer groups) and, with `withTotal`, also over everyone in scope in
 * the same pass (a grouping set). Ratios are formed in TypeScript from the counts; medians
 * are pooled within the group in the engine.
 */
async function figures(ctx: MetricContext, keyOf: KeyOf, withTotal: boolean): Promise<FigureRow[]> {
  const d = ctx.store.dialect;
  const w = ctx.workspace;
  const real = sql`a.note_length >= ${REAL_NOTE_MIN_LENGTH}`;
  const byType = join(
    ACTIVITY_TYPES.map((type) => sql`count(CASE WHEN a.type = ${type} THEN 1 END) AS ${raw(`n_${type}`)}`),
  );
  const created = inPeriod(ctx, sql`l.created_at`);
  const closed = inPeriod(ctx, sql`l.closed_at`);
  const wonNow = sql`r.is_closed AND r.status = 'won'`;
  const typeColumns = join(ACTIVITY_TYPES.map((type) => raw(`act.n_${type}`)));
  const groupBy = withTotal ? sql`GROUPING SETS ((k), ())` : sql`GROUPING SETS ((k))`;
  // The join key of a row: '*' for everyone, 'r:' || key for a group (NULL for no key: dropped).
  const joinKey = sql`CASE WHEN GROUPING(k) = 1 THEN '*' ELSE 'r:' || k END`;
  return ctx.store.query<FigureRow>(sql`
    WITH act_rows AS (
      SELECT ${keyOf(sql`a.rep_id`)} AS k, a.type, length(trim(a.note)) AS note_length
      FROM activities a WHERE ${activityScope(ctx)}
    ),
    act AS (
      SELECT k, ${joinKey} AS jk, count(*) AS activities, ${byType},
        count(CASE WHEN ${real} THEN 1 END) AS real_notes,
        ${d.quantile(sql`CASE WHEN ${real} THEN a.note_length END`, 0.5)} AS median_note_length
      FROM act_rows a
      GROUP BY ${groupBy}
    ),
    lead_rows AS (
      SELECT l.id, ${keyOf(sql`l.owner_id`)} AS k, l.status, l.created_at, l.closed_at, ${money(ctx, "l")} AS amount,
        ${created} AS is_new, COALESCE(${closed}, FALSE) AS is_closed
      FROM leads l
      WHERE ${leadFilter(ctx, "l")} AND (${created} OR ${closed})
    ),
    first_touch AS (
      -- Any activity on the lead counts, whoever logged it and whenever (not only in the period).
      SELECT a.lead_id, min(a.occurred_at) AS first_at FROM activities a
      WHERE a.workspace_id = ${w} AND a.lead_id IN (SELECT id FROM lead_rows WHERE is_new)
      GROUP BY a.lead_id
    ),
    lds AS (
      SELECT k, ${joinKey} AS jk,
        count(CASE WHEN r.is_new THEN 1 END) AS opportunities,
        count(CASE WHEN r.is_new AND f.first_at IS NULL THEN 1 END) AS untouched,
        -- An activity logged before the lead was created counts as immediate (0 hours).
        ${d.quantile(
          sql`CASE WHEN r.is_new AND f.first_at IS NOT NULL THEN GREATEST(CAST(0 AS FLOAT8), (${d.epoch(sql`f.first_at`)} - ${d.epoch(sql`r.created_at`)}) / 3600.0) END`,
          0.5,
        )} AS median_hours,
        count(CASE WHEN ${wonNow} THEN 1 END) AS won,
        count(CASE WHEN r.is_closed AND r.status = 'lost' THEN 1 END) AS lost,
        COALESCE(sum(CASE WHEN ${wonNow} THEN r.amount END), 0) AS won_value,
        avg(CASE WHEN ${wonNow} THEN CAST(r.amount AS FLOAT8) END) AS average_won_value,
        ${d.quantile(
          sql`CASE WHEN ${wonNow} THEN (${d.epoch(sql`r.closed_at`)} - ${d.epoch(sql`r.created_at`)}) / 86400.0 END`,
          0.5,
        )} AS median_days_to_win
      FROM lead_rows r LEFT JOIN first_touch f ON f.lead_id = r.id
      GROUP BY ${groupBy}
    )
    SELECT COALESCE(act.k, lds.k) AS k, COALESCE(act.jk, lds.jk) = '*' AS is_total,
      act.activities, ${typeColumns}, act.real_notes, act.median_note_length,
      lds.opportunities, lds.untouched, lds.median_hours, lds.won, lds.lost, lds.won_value, lds.average_won_value,
      lds.median_days_to_win
    FROM act FULL OUTER JOIN lds ON lds.jk = act.jk
    WHERE COALESCE(act.jk, lds.jk) IS NOT NULL
    ORDER BY 2 DESC, 1`);
}

function shapeFigures(row: FigureRow | undefined, hasActivities: boolean): ActivityFigures & SalesFigures {
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
    realNoteShare: hasActivities && activities > 0 ? (row?.real_notes ?? 0) / activities : null,
    medianNoteLength: hasActivities ? (row?.median_note_length ?? null) : null,
    medianHoursToFirstActivity: hasActivities ? (row?.median_hours ?? null) : null,
    leadsWithoutActivity: hasActivities ? (row?.untouched ?? 0) : null,
    wonValue: row?.won_value ?? 0,
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

async function activityMix(ctx: MetricContext): Promise<{ won: ActivityMix; lost: ActivityMix }> {
  const byType = join(
    ACTIVITY_TYPES.map((type) => sql`count(CASE WHEN a.type = ${type} THEN 1 END) AS ${raw(`n_${type}`)}`),
  );
  const typeColumns = join(ACTIVITY_TYPES.map((type) => raw(`acts.n_${type}`)));
  const rows = await ctx.store.query<
    { status: string; leads: number; activities: number | null } & Record<`n_${ActivityType}`, number | null>
  >(sql`
    WITH closed AS (
      SELECT l.id, l.status FROM leads l
      WHERE ${leadFilter(ctx, "l")} AND l.status IN ('won', 'lost') AND ${inPeriod(ctx, sql`l.closed_at`)}
    ),
    per_status AS (SELECT status, count(*) AS leads FROM closed GROUP BY status),
    acts AS (
      -- Every activity on the lead, over its whole life and whoever logged it.
      SELECT c.status, count(*) AS activities, ${byType}
      FROM closed c JOIN activities a ON a.workspace_id = ${ctx.workspace} AND a.lead_id = c.id
      GROUP BY c.status
    )
    SELECT p.status, p.leads, acts.activities, ${typeColumns}
    FROM per_status p LEFT JOIN acts ON acts.status = p.status`);
  const mixOf = (status: "won" | "lost"): ActivityMix => {
    const row = rows.find((r) => r.status === status);
    const leads = row?.leads ?? 0;
    const per = (n: number | null | undefined) => (leads > 0 ? (n ?? 0) / leads : null);
    return {
      leads,
      perLead: per(row?.activities),
      perLeadByType: Object.fromEntries(ACTIVITY_TYPES.map((t) => [t, per(row?.[`n_${t}`])])) as Record<
        ActivityType,
        number | null
      >,
    };
  };
  return { won: mixOf("won"), lost: mixOf("lost") };
}

function inList(column: Sql, ids: readonly string[]): Sql {
  return sql`${column} IN (${join(ids.map((id) => sql`${id}`))})`;
}

async function compute(ctx: MetricContext): Promise<ActivityQualityResult> {
  const hasActivities = ctx.capabilities.has("activities");
  const rows = await figures(ctx, (column) => column, true);
  const team = shapeFigures(
    rows.find((r) => r.is_total),
    hasActivities,
  );
  const repRows = rows.filter((r): r is FigureRow & { k: string } => !r.is_total && r.k !== null);
  const names = new Map(
    (
      await ctx.store.query<{ id: string; name: string }>(
        sql`SELECT id, name FROM reps WHERE workspace_id = ${ctx.workspace}`,
      )
    ).map((r) => [r.id, r.name]),
  );
  const reps = repRows.map(
    (r): RepActivityQuality => ({
      repId: r.k,
      repName: names.get(r.k) ?? r.k,
      ...shapeFigures(r, hasActivities),
      group: null,
    }),
  );
  reps.sort((a, b) => b.wonValue - a.wonValue || compareText(a.repId, b.repId));

  let performers: PerformerComparison | null = null;
  const groups = hasActivities ? performerGroups(reps, ctx.options.performerShare) : null;
  if (groups) {
    const { top, bottom } = groups;
    for (const rep of reps) rep.group = top.includes(rep.repId) ? "top" : bottom.includes(rep.repId) ? "bottom" : null;
    const groupRows = await figures(
      ctx,
      (column) => sql`CASE WHEN ${inList(column, top)} THEN 'top' WHEN ${inList(column, bottom)} THEN 'bottom' END`,
      false,
    );
    const topFigures = shapeFigures(
      groupRows.find((r) => r.k === "top"),
      hasActivities,
    );
    const bottomFigures = shapeFigures(
      groupRows.find((r) => r.k === "bottom"),
      hasActivities,
    );
    performers = {
      share: ctx.options.performerShare,
      groupSize: groups.size,
      top: { repIds: top, wonValue: topFigures.wonValue, ...activityOnly(topFigures) },
      bottom: { repIds: bottom, wonValue: bottomFigures.wonValue, ...activityOnly(bottomFigures) },
      differences: performerDifferences(topFigures, bottomFigures),
    };
  }
  return { team, reps, performers, mixWonLost: hasActivities ? await activityMix(ctx) : null };
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
        { key: "hoursToFirst", label: "Hours to 1st", format: "number" },
        { key: "untouched", label: "Untouched", format: "count" },
      ],
      rows: [...r.reps, { repName: teamName, ...r.team }].map((x) => ({
        rep: x.repName,
        activities: x.activities,
        perOpportunity: x.activitiesPerOpportunity,
        perWon: x.activitiesPerWonLead,
        noteShare: x.realNoteShare,
        hoursToFirst: x.medianHoursToFirstActivity,
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
        { key: "averageWonValue", label: "Avg won", format: "money" },
        { key: "medianDaysToWin", label: "Days to win", format: "days" },
        { key: "group", label: "Group", format: "text" },
      ],
      rows: [...r.reps, { repName: teamName, group: null, ...r.team }].map((x) => ({
        rep: x.repName,
        wonValue: x.wonValue,
        wonLeads: x.wonLeads,
        winRate: x.winRate,
        averageWonValue: x.averageWonValue,
        medianDaysToWin: x.medianDaysToWin,
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

export const activityQuality: MetricDefinition<ActivityQualityResult> = {
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
  leadFilters: true,
  compute,
  headlines: (r) => [
    { key: "activities", label: "Activities", value: r.team.activities, format: "count" },
    {
      key: "activitiesPerWonLead",
      label: "Activities per won lead",
      value: r.team.activitiesPerWonLead,
      format: "number",
    },
    { key: "wonLeads", label: "Leads won", value: r.team.wonLeads, format: "count" },
    { key: "wonValue", label: "Won value", value: r.team.wonValue, format: "money" },
  ],
  views,
};
