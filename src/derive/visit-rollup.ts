/**
 * Visits rolled up per calendar month at ingest, so visit frequency and recency
 * (METRICS.md 5) read a few hundred thousand rows per quarter instead of grouping every
 * visit of the period (20 million visits are not stored in time order: every period would
 * scan them all, and PostgreSQL fetches them row by row). Every import that loads visits
 * rebuilds the workspace's rows in the same transaction, after the visit numbers are
 * brought up to date (src/derive/visit-attributes.ts).
 *
 * - visitor_months: one row per visitor and UTC month with a visit: the month's visits, the
 *   start of its last visit, its highest visit number, and whether one of them created a lead.
 * - visit_months: the month's visits and pageviews by visit number and whole days since the
 *   visitor's previous visit (NULL for a first visit), as the metric buckets them.
 * - visit_source_months: the month's visits, and those that created a lead, by utm_source and
 *   utm_medium (lower-cased) and referrer host: what conversions from social media classify
 *   visits by (METRICS.md 8), a few hundred rows a month.
 *
 * Periods are whole UTC days: the metric reads the whole months of a period here and its
 * partial months from the visits themselves.
 */
import { raw, type Sql, sql, timestamp } from "../store/sql.js";
import type { Store } from "../store/store.js";

const MONTH = "CAST(date_trunc('month', started_at) AS TIMESTAMP)";

/** Whole days since the previous visit, Matomo's way (floor of seconds / 86400). */
export const DAYS_SINCE_PREVIOUS = "CAST(floor(CAST(seconds_since_previous AS FLOAT8) / 86400.0) AS BIGINT)";

/** The host of a referrer URL, lower-cased, without scheme, path, query or port ('' when none). */
export function referrerHost(column: Sql): Sql {
  const r = sql`lower(${column})`;
  const afterScheme = sql`CASE WHEN strpos(${r}, '://') > 0 THEN split_part(${r}, '://', 2) ELSE ${r} END`;
  return sql`split_part(split_part(split_part(${afterScheme}, '/', 1), '?', 1), ':', 1)`;
}

/** A half-open span [from, to) of time. */
export type Span = { from: Date; to: Date };

const monthOf = (date: Date, ahead = 0) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + ahead, 1));

/**
 * How a period reads the rollups: its whole months from them (null when it has none), and
 * the days before its first whole month and after its last (none for a month, quarter or
 * year) from the visits themselves.
 */
export function rollupSpans(start: Date, end: Date): { months: Span | null; edges: Span[] } {
  const from = monthOf(start, start.getTime() === monthOf(start).getTime() ? 0 : 1);
  const to = monthOf(end);
  if (from >= to) return { months: null, edges: [{ from: start, to: end }] };
  const edges = [...(start < from ? [{ from: start, to: from }] : []), ...(to < end ? [{ from: to, to: end }] : [])];
  return { months: { from, to }, edges };
}

/**
 * A period's filters: `months` over a rollup table's own columns (FALSE without whole
 * months), `visits` over the visits aliased v for its partial months (null without any).
 */
export function rollupFilters(workspace: string, start: Date, end: Date): { months: Sql; visits: Sql | null } {
  const { months, edges } = rollupSpans(start, end);
  const spans = edges.map((e) => sql`(v.started_at >= ${timestamp(e.from)} AND v.started_at < ${timestamp(e.to)})`);
  return {
    months: months
      ? sql`workspace_id = ${workspace} AND month >= ${timestamp(months.from)} AND month < ${timestamp(months.to)}`
      : sql`FALSE`,
    visits:
      spans.length === 0 ? null : sql`v.workspace_id = ${workspace} AND (${spans.reduce((a, b) => sql`${a} OR ${b}`)})`,
  };
}

/**
 * The rollups' rows from the visits: for one workspace, or for every workspace (the
 * migration's backfill); only the visits of `months` when given (live tracking).
 */
export function visitRollupInserts(workspace: string | null, months?: Span): Sql[] {
  const ofWorkspace = workspace === null ? sql`TRUE` : sql`workspace_id = ${workspace}`;
  const of = months
    ? sql`${ofWorkspace} AND started_at >= ${timestamp(months.from)} AND started_at < ${timestamp(months.to)}`
    : ofWorkspace;
  const days = raw(`CASE WHEN visit_number > 1 THEN ${DAYS_SINCE_PREVIOUS} END`);
  // Inserted in month order, so a period's rows sit together (DuckDB skips the others by
  // their min/max, PostgreSQL reads them through the key in few pages).
  return [
    sql`INSERT INTO visitor_months (workspace_id, month, visitor_id, visits, last_start, last_number, converted)
        SELECT workspace_id, ${raw(MONTH)} AS month, visitor_id, count(*), max(started_at), max(visit_number),
          max(CASE WHEN converted_lead_id IS NOT NULL THEN 1 ELSE 0 END)
        FROM visits WHERE ${of}
        GROUP BY workspace_id, ${raw(MONTH)}, visitor_id
        ORDER BY 1, 2, 3`,
    sql`INSERT INTO visit_months (workspace_id, month, visit_number, days_since_previous, visits, pageviews)
        SELECT workspace_id, ${raw(MONTH)} AS month, visit_number, ${days} AS days, count(*), sum(pageviews)
        FROM visits WHERE ${of}
        GROUP BY workspace_id, ${raw(MONTH)}, visit_number, ${days}
        ORDER BY 1, 2, 3, 4`,
    sql`INSERT INTO visit_source_months
          (workspace_id, month, utm_source, utm_medium, referrer_host, visits, converted_visits)
        SELECT workspace_id, month, utm_source, utm_medium, host, count(*), count(converted_lead_id)
        FROM (
          SELECT workspace_id, ${raw(MONTH)} AS month, lower(utm_source) AS utm_source,
            lower(utm_medium) AS utm_medium, ${referrerHost(sql`referrer`)} AS host, converted_lead_id
          FROM visits WHERE ${of}
        ) v
        GROUP BY workspace_id, month, utm_source, utm_medium, host
        ORDER BY 1, 2`,
  ];
}

/** Rebuilds the workspace's rollup rows (inside the caller's transaction). */
export async function refreshVisitRollup(store: Store, workspace: string): Promise<void> {
  await store.execute(sql`DELETE FROM visitor_months WHERE workspace_id = ${workspace}`);
  await store.execute(sql`DELETE FROM visit_months WHERE workspace_id = ${workspace}`);
  await store.execute(sql`DELETE FROM visit_source_months WHERE workspace_id = ${workspace}`);
  for (const insert of visitRollupInserts(workspace)) await store.execute(insert);
}

/**
 * Rebuilds the rollup rows of whole months `[from, to)` (month starts) from the visits of
 * those months (inside the caller's transaction): what live tracking changed, without
 * reading the rest of the workspace's visits.
 */
export async function refreshVisitRollupMonths(store: Store, workspace: string, months: Span): Promise<void> {
  const of = sql`workspace_id = ${workspace} AND month >= ${timestamp(months.from)} AND month < ${timestamp(months.to)}`;
  await store.execute(sql`DELETE FROM visitor_months WHERE ${of}`);
  await store.execute(sql`DELETE FROM visit_months WHERE ${of}`);
  await store.execute(sql`DELETE FROM visit_source_months WHERE ${of}`);
  for (const insert of visitRollupInserts(workspace, months)) await store.execute(insert);
}
