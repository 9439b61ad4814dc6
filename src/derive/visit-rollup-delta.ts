/**
 * The visit rollups (src/derive/visit-rollup.ts) maintained by adding to them instead of
 * rebuilding them, for live website tracking: every rollup column is a count, a sum or a
 * maximum, so a batch of new visits, of pageviews on visits already counted, or of visits
 * newly linked to a lead changes them by amounts computed from the batch alone. Rebuilding
 * the months a batch touched read a month of visits each time (3-6 s at 20 million visits);
 * these statements read the batch and the rollup rows it lands on.
 *
 * Each function takes a relation (SQL text Verity wrote, aliased v inside) with the columns
 * it names, and runs inside the caller's transaction. Tests compare the result with a full
 * rebuild (test/server-ingest.test.ts).
 */

import { raw, type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { analyzeTemp } from "../store/temp-tables.js";
import { DAYS_SINCE_PREVIOUS, referrerHost } from "./visit-rollup.js";

const MONTH = raw("CAST(date_trunc('month', v.started_at) AS TIMESTAMP)");
const DAYS = raw(
  `CASE WHEN v.visit_number > 1 THEN ${DAYS_SINCE_PREVIOUS.replaceAll("seconds_since_previous", "v.seconds_since_previous")} END`,
);

/**
 * Builds `verity_delta` from `select`, applies `update` and `insert` (which read it as d), drops it.
 * The inserts find the delta's new keys with a LEFT JOIN, not NOT EXISTS: DuckDB builds the
 * hash table of an anti-join on the rollup (about 200 ms for visitor_months at size l, every
 * batch) and of a left join on the delta (2 ms); PostgreSQL plans both as an anti-join.
 */
async function applyDelta(store: Store, w: string, select: Sql, update: Sql, insert: Sql): Promise<void> {
  await store.execute(raw("DROP TABLE IF EXISTS verity_delta"));
  // The workspace as a column of the delta: joins on it are planned from the delta's size,
  // not from (possibly stale) statistics of the workspace's share of the rollup table.
  await store.execute(
    sql`CREATE TEMP TABLE verity_delta AS SELECT CAST(${w} AS TEXT) AS workspace_id, x.* FROM (${select}) x`,
  );
  await analyzeTemp(store, "verity_delta");
  await store.execute(update);
  await store.execute(insert);
  await store.execute(raw("DROP TABLE verity_delta"));
}

/**
 * New visits: `visits` has visitor_id, started_at, visit_number, seconds_since_previous,
 * pageviews, utm_source, utm_medium, referrer (none of them linked to a lead yet).
 */
export async function addVisitsToRollups(store: Store, w: string, visits: Sql): Promise<void> {
  await applyDelta(
    store,
    w,
    sql`SELECT ${MONTH} AS month, v.visitor_id, count(*) AS visits, max(v.started_at) AS last_start,
          max(v.visit_number) AS last_number
        FROM (${visits}) v GROUP BY 1, 2`,
    sql`UPDATE visitor_months AS m SET visits = m.visits + d.visits,
          last_start = GREATEST(m.last_start, d.last_start), last_number = GREATEST(m.last_number, d.last_number)
        FROM verity_delta d
        WHERE m.workspace_id = d.workspace_id AND m.month = d.month AND m.visitor_id = d.visitor_id`,
    sql`INSERT INTO visitor_months (workspace_id, month, visitor_id, visits, last_start, last_number, converted)
        SELECT d.workspace_id, d.month, d.visitor_id, d.visits, d.last_start, d.last_number, 0 FROM verity_delta d
        LEFT JOIN visitor_months m ON m.workspace_id = d.workspace_id AND m.month = d.month AND m.visitor_id = d.visitor_id
        WHERE m.workspace_id IS NULL`,
  );
  await applyDelta(
    store,
    w,
    sql`SELECT ${MONTH} AS month, v.visit_number, ${DAYS} AS days, count(*) AS visits, sum(v.pageviews) AS pageviews
        FROM (${visits}) v GROUP BY 1, 2, 3`,
    sql`UPDATE visit_months AS m SET visits = m.visits + d.visits,
          pageviews = CASE WHEN d.pageviews IS NULL THEN m.pageviews ELSE COALESCE(m.pageviews, 0) + d.pageviews END
        FROM verity_delta d
        WHERE m.workspace_id = d.workspace_id AND m.month = d.month AND m.visit_number = d.visit_number
          AND m.days_since_previous IS NOT DISTINCT FROM d.days`,
    sql`INSERT INTO visit_months (workspace_id, month, visit_number, days_since_previous, visits, pageviews)
        SELECT d.workspace_id, d.month, d.visit_number, d.days, d.visits, d.pageviews FROM verity_delta d
        LEFT JOIN visit_months m ON m.workspace_id = d.workspace_id AND m.month = d.month
          AND m.visit_number = d.visit_number AND m.days_since_previous IS NOT DISTINCT FROM d.days
        WHERE m.workspace_id IS NULL`,
  );
  await applyDelta(
    store,
    w,
    sourceGroups(visits, "visits"),
    sql`UPDATE visit_source_months AS m SET visits = m.visits + d.visits
        FROM verity_delta d
        WHERE ${sourceMatch()}`,
    sql`INSERT INTO visit_source_months (workspace_id, month, utm_source, utm_medium, referrer_host, visits, converted_visits)
        SELECT d.workspace_id, d.month, d.utm_source, d.utm_medium, d.host, d.visits, 0 FROM verity_delta d
        LEFT JOIN visit_source_months m ON ${sourceMatch()}
        WHERE m.workspace_id IS NULL`,
  );
}

/** Visits counted by visit_source_months' key (as visit-rollup.ts groups them), as `count`. */
function sourceGroups(visits: Sql, count: "visits" | "converted"): Sql {
  return sql`SELECT ${MONTH} AS month, lower(v.utm_source) AS utm_source, lower(v.utm_medium) AS utm_medium,
      ${referrerHost(sql`v.referrer`)} AS host, count(*) AS ${raw(count)}
    FROM (${visits}) v GROUP BY 1, 2, 3, 4`;
}

/** A visit_source_months row (m) and a delta row (d) of the same key; NULL matches NULL. */
function sourceMatch(): Sql {
  return sql`m.workspace_id = d.workspace_id AND m.month = d.month AND m.utm_source IS NOT DISTINCT FROM d.utm_source
    AND m.utm_medium IS NOT DISTINCT FROM d.utm_medium AND m.referrer_host IS NOT DISTINCT FROM d.host`;
}

/**
 * Pageviews added to visits already counted: `increments` has started_at, visit_number,
 * seconds_since_previous (the visit's) and pageviews (the ones added).
 */
export async function addPageviewsToRollups(store: Store, w: string, increments: Sql): Promise<void> {
  await applyDelta(
    store,
    w,
    sql`SELECT ${MONTH} AS month, v.visit_number, ${DAYS} AS days, sum(v.pageviews) AS pageviews
        FROM (${increments}) v GROUP BY 1, 2, 3`,
    sql`UPDATE visit_months AS m SET pageviews = COALESCE(m.pageviews, 0) + d.pageviews
        FROM verity_delta d
        WHERE m.workspace_id = d.workspace_id AND m.month = d.month AND m.visit_number = d.visit_number
          AND m.days_since_previous IS NOT DISTINCT FROM d.days`,
    // A visit counted by a rebuild is always in a row; nothing to insert.
    sql`SELECT 1 WHERE FALSE`,
  );
}

/**
 * Visits just linked to a lead (they were not before): `converted` has visitor_id,
 * started_at, utm_source, utm_medium, referrer.
 */
export async function addConversionsToRollups(store: Store, w: string, converted: Sql): Promise<void> {
  await applyDelta(
    store,
    w,
    sql`SELECT DISTINCT ${MONTH} AS month, v.visitor_id FROM (${converted}) v`,
    sql`UPDATE visitor_months AS m SET converted = 1
        FROM verity_delta d
        WHERE m.workspace_id = d.workspace_id AND m.month = d.month AND m.visitor_id = d.visitor_id AND m.converted = 0`,
    sql`SELECT 1 WHERE FALSE`,
  );
  await applyDelta(
    store,
    w,
    sourceGroups(converted, "converted"),
    sql`UPDATE visit_source_months AS m SET converted_visits = m.converted_visits + d.converted
        FROM verity_delta d
        WHERE ${sourceMatch()}`,
    sql`SELECT 1 WHERE FALSE`,
  );
}
