/**
 * The eight vanity metrics of METRICS.md. They measure effort or reach, not acquisition,
 * retention or revenue, so Verity only ever shows them beside the real metric that replaces
 * them (each metric's report carries the ones it replaces; the vanity check pairs them).
 * Each is computed for the same period and filters as the metric beside it.
 */
import { type Sql, sql } from "../store/sql.js";
import type { Format, MetricContext, VanityId } from "./metric.js";
import { inPeriod, leadFilter, money, repFilter, ts } from "./sql-parts.js";

export type VanityDefinition = {
  id: VanityId;
  /** METRICS.md's number of the pair. */
  number: number;
  label: string;
  format: Format;
  /** Whether lead filters (pipeline, team, rep, source) apply. */
  leadFilters: boolean;
  query(ctx: MetricContext): Sql;
};

export type VanityValue = { id: VanityId; label: string; value: number | null; format: Format };

/** Activities restricted like leads: by the rep who logged them, and by their lead when a lead filter is set. */
function activityScope(ctx: MetricContext): Sql {
  const { pipeline, source } = ctx.filters;
  const byLead =
    pipeline || source ? sql` AND a.lead_id IN (SELECT l.id FROM leads l WHERE ${leadFilter(ctx, "l")})` : sql``;
  return sql`a.workspace_id = ${ctx.workspace} AND ${inPeriod(ctx, sql`a.occurred_at`)} AND ${repFilter(ctx, sql`a.rep_id`)}${byLead}`;
}

export const VANITY: readonly VanityDefinition[] = [
  {
    id: "activities",
    number: 1,
    label: "Activities logged",
    format: "count",
    leadFilters: true,
    query: (ctx) => sql`SELECT count(*) AS value FROM activities a WHERE ${activityScope(ctx)}`,
  },
  {
    id: "activity-conversion",
    number: 2,
    label: "Calls to meetings",
    format: "percent",
    leadFilters: true,
    query: (ctx) => sql`
      SELECT CAST(count(CASE WHEN a.type = 'meeting' THEN 1 END) AS FLOAT8)
        / NULLIF(count(CASE WHEN a.type = 'call' THEN 1 END), 0) AS value
      FROM activities a WHERE ${activityScope(ctx)}`,
  },
  {
    id: "total-sales",
    number: 3,
    label: "Total sales",
    format: "money",
    leadFilters: true,
    query: (ctx) => sql`
      SELECT COALESCE(sum(${money(ctx, "l")}), 0) AS value FROM leads l
      WHERE ${leadFilter(ctx, "l")} AND l.status = 'won' AND ${inPeriod(ctx, sql`l.closed_at`)}`,
  },
  {
    id: "visits",
    number: 4,
    label: "Website visits",
    format: "count",
    leadFilters: false,
    query: (ctx) =>
      sql`SELECT count(*) AS value FROM visits v WHERE v.workspace_id = ${ctx.workspace} AND ${inPeriod(ctx, sql`v.started_at`)}`,
  },
  {
    id: "new-leads",
    number: 5,
    label: "New leads",
    format: "count",
    leadFilters: true,
    query: (ctx) =>
      sql`SELECT count(*) AS value FROM leads l WHERE ${leadFilter(ctx, "l")} AND ${inPeriod(ctx, sql`l.created_at`)}`,
  },
  {
    id: "followers",
    number: 6,
    label: "Followers",
    format: "count",
    leadFilters: false,
    // Per network, the last count read before the end of the period; summed over networks.
    query: (ctx) => sql`
      SELECT COALESCE(sum(f.followers), 0) AS value FROM social_follower_snapshots f
      JOIN (
        SELECT network, max(captured_at) AS captured_at FROM social_follower_snapshots
        WHERE workspace_id = ${ctx.workspace} AND captured_at < ${ts(ctx.period.end)} GROUP BY network
      ) last ON last.network = f.network AND last.captured_at = f.captured_at
      WHERE f.workspace_id = ${ctx.workspace}`,
  },
  {
    id: "impressions",
    number: 7,
    label: "Social impressions",
    format: "count",
    leadFilters: false,
    // Snapshots are cumulative: the period's impressions are each post's count at the end of
    // the period less its count at the start.
    query: (ctx) => sql`
      WITH per_post AS (
        SELECT post_id,
          max(CASE WHEN captured_at < ${ts(ctx.period.end)} THEN impressions END) AS at_end,
          max(CASE WHEN captured_at < ${ts(ctx.period.start)} THEN impressions END) AS at_start
        FROM social_post_snapshots WHERE workspace_id = ${ctx.workspace} GROUP BY post_id
      )
      SELECT COALESCE(sum(COALESCE(at_end, 0) - COALESCE(at_start, 0)), 0) AS value FROM per_post`,
  },
  {
    id: "subscribers",
    number: 8,
    label: "Newsletter subscribers",
    format: "count",
    leadFilters: false,
    query: (ctx) => sql`
      SELECT count(*) AS value FROM newsletter_subscribers
      WHERE workspace_id = ${ctx.workspace} AND subscribed_at < ${ts(ctx.period.end)}
        AND (unsubscribed_at IS NULL OR unsubscribed_at >= ${ts(ctx.period.end)})`,
  },
];

export function vanityDefinition(id: VanityId): VanityDefinition {
  const found = VANITY.find((v) => v.id === id);
  if (!found) throw new Error(`unknown vanity metric ${id}`);
  return found;
}

export async function computeVanity(ctx: MetricContext, id: VanityId): Promise<VanityValue> {
  const definition = vanityDefinition(id);
  const [row] = await ctx.store.query<{ value: number | null }>(definition.query(ctx));
  return { id, label: definition.label, value: row?.value ?? null, format: definition.format };
}
