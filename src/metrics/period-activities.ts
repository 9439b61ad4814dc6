/**
 * A period's activities as the metrics count them (activity quality and the two vanity
 * activity metrics beside it): logged in the period, by a rep the team/rep filter admits,
 * and, when a pipeline or source filter is set, on a lead of that pipeline/source (so
 * activities without a lead drop out then).
 *
 * The counts come from the monthly rollups kept at ingest (src/derive/activity-rollup.ts)
 * for the period's whole months and from the activities themselves for the rest; with a
 * pipeline or source filter the per-rep rollups, which know no lead, give way to the
 * activities for the whole period (the per-lead rollup does not). Both paths give the same
 * rows (test/metrics-engines.test.ts, "activities per lead").
 */
import { activityRollupFilters, realNoteLength } from "../derive/activity-rollup.js";
import { rollupSpans } from "../derive/visit-rollup.js";
import type { Period } from "../model/period.js";
import { type Sql, sql } from "../store/sql.js";
import { periodIndexOf, spanOfPeriods } from "./across-periods.js";
import type { MetricContext } from "./metric.js";
import { leadFilter, repFilter } from "./sql-parts.js";

/**
 * How a period's activities are read: `months` over a rollup's own columns (the per-rep
 * rollups, or lead_activity_months with `rollup` "lead"), `activities` over the activities
 * aliased `a` for the rest (null when the rollup covers it all). The per-rep rollups know no
 * lead, so with a pipeline or source filter they give way to the activities for the whole
 * period; the per-lead rollup takes every filter (a pipeline or source one through its lead).
 */
function parts(
  ctx: MetricContext,
  rollup: "rep" | "lead",
  wholePeriodRaw = false,
): { months: Sql; activities: Sql | null } {
  const { pipeline, source } = ctx.filters;
  const byLead = Boolean(pipeline || source);
  const scope = (lead: Sql) =>
    byLead ? sql` AND ${lead} IN (SELECT l.id FROM leads l WHERE ${leadFilter(ctx, "l")})` : sql``;
  const { months, activities } = activityRollupFilters(
    ctx.workspace,
    ctx.period.start,
    ctx.period.end,
    wholePeriodRaw || (byLead && rollup === "rep"),
  );
  return {
    months: sql`${months} AND ${repFilter(ctx, sql`rep_id`)}${rollup === "lead" ? scope(sql`lead_id`) : sql``}`,
    activities: activities
      ? sql`a.workspace_id = ${ctx.workspace} AND ${activities} AND ${repFilter(ctx, sql`a.rep_id`)}${scope(sql`a.lead_id`)}`
      : null,
  };
}

/**
 * A subquery of the period's activities per rep (`k`, NULL: logged without a rep) and type:
 * `n` activities, `real_notes` of them with a real note. A (k, type) pair can appear twice
 * (rollup and edge days): sum them.
 */
export function periodActivityCounts(ctx: MetricContext): Sql {
  const { months, activities } = parts(ctx, "rep");
  const fromRollup = sql`SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE ${months}`;
  if (!activities) return fromRollup;
  return sql`${fromRollup}
    UNION ALL
    SELECT a.rep_id AS k, a.type, count(*) AS n, count(${realNoteLength(sql`a.note`)}) AS real_notes
    FROM activities a WHERE ${activities}
    GROUP BY a.rep_id, a.type`;
}

/**
 * A subquery of the period's real notes per rep (`k`) and trimmed length (`note_length`):
 * `notes` of that length. A (k, note_length) pair can appear twice: sum them.
 */
export function periodNoteLengths(ctx: MetricContext): Sql {
  const { months, activities } = parts(ctx, "rep");
  const fromRollup = sql`SELECT rep_id AS k, note_length, notes FROM activity_note_months WHERE ${months}`;
  if (!activities) return fromRollup;
  return sql`${fromRollup}
    UNION ALL
    SELECT k, note_length, count(*) AS notes
    FROM (SELECT a.rep_id AS k, ${realNoteLength(sql`a.note`)} AS note_length FROM activities a WHERE ${activities}) r
    WHERE note_length IS NOT NULL
    GROUP BY k, note_length`;
}

/**
 * A subquery of the period's activities per lead (`lead_id`, NULL for those logged without a
 * lead, all in one row): `n` activities. How the activity count clusters (a lead in play
 * gets a run of calls and emails). Whole months from lead_activity_months, the rest from the
 * activities (for those days PostgreSQL reads an index-only range scan of activities_at,
 * which carries lead_id).
 */
export function periodActivitiesByLead(ctx: MetricContext): Sql;
/**
 * The same for each of `periods` (src/metrics/across-periods.ts), with `period_index`: the
 * rollup's months of their whole span when every period is whole months (a month, quarter or
 * year), else the activities of the span.
 */
export function periodActivitiesByLead(ctx: MetricContext, periods: readonly Period[]): Sql;
export function periodActivitiesByLead(ctx: MetricContext, periods?: readonly Period[]): Sql {
  if (!periods) {
    const { months, activities } = parts(ctx, "lead");
    const fromActivities = activities
      ? sql`
        UNION ALL
        SELECT a.lead_id, count(*) AS n FROM activities a WHERE ${activities} GROUP BY a.lead_id`
      : sql``;
    return sql`SELECT lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT lead_id, activities AS n FROM lead_activity_months WHERE ${months}${fromActivities}
      ) c GROUP BY lead_id`;
  }
  const { from, to } = spanOfPeriods(periods);
  const span = { ...ctx, period: { ...ctx.period, start: from, end: to } };
  if (periods.every((p) => rollupSpans(p.start, p.end).edges.length === 0)) {
    // Whole months only: each rollup row's month lies in one period (or in a gap between them).
    const { months } = parts(span, "lead");
    return sql`SELECT period_index, lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT ${periodIndexOf(periods, sql`month`)} AS period_index, lead_id, activities AS n
        FROM lead_activity_months WHERE ${months}
      ) m GROUP BY period_index, lead_id`;
  }
  return periodActivitiesByLeadRead(ctx, periods);
}

/**
 * periodActivitiesByLead read from the activities alone, for periods that are not whole
 * months, and the count the rollup is held equal to (test/metrics-engines.test.ts).
 */
export function periodActivitiesByLeadRead(ctx: MetricContext, periods?: readonly Period[]): Sql {
  if (!periods) {
    const { activities } = parts(ctx, "rep", true);
    return sql`SELECT a.lead_id, count(*) AS n FROM activities a WHERE ${activities ?? sql`FALSE`} GROUP BY a.lead_id`;
  }
  const { from, to } = spanOfPeriods(periods);
  const { activities } = parts({ ...ctx, period: { ...ctx.period, start: from, end: to } }, "rep", true);
  return sql`SELECT period_index, lead_id, count(*) AS n FROM (
      SELECT ${periodIndexOf(periods, sql`a.occurred_at`)} AS period_index, a.lead_id
      FROM activities a WHERE ${activities ?? sql`FALSE`}
    ) a GROUP BY period_index, lead_id`;
}
