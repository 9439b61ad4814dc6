/**
 * Visits rolled up per visitor and month, and per visit number and days since the previous
 * visit and month, and per source and month (src/derive/visit-rollup.ts), filled in for visits imported before the
 * tables existed. Frozen like every migration: the backfill is the statement as it was written then (the
 * live code it came from may change with later migrations).
 */
import type { Dialect } from "../dialect.js";

const BACKFILL = [
  `INSERT INTO visitor_months (workspace_id, month, visitor_id, visits, last_start, last_number, converted)
        SELECT workspace_id, CAST(date_trunc('month', started_at) AS TIMESTAMP) AS month, visitor_id, count(*), max(started_at), max(visit_number),
          max(CASE WHEN converted_lead_id IS NOT NULL THEN 1 ELSE 0 END)
        FROM visits WHERE TRUE
        GROUP BY workspace_id, CAST(date_trunc('month', started_at) AS TIMESTAMP), visitor_id
        ORDER BY 1, 2, 3`,
  `INSERT INTO visit_months (workspace_id, month, visit_number, days_since_previous, visits, pageviews)
        SELECT workspace_id, CAST(date_trunc('month', started_at) AS TIMESTAMP) AS month, visit_number, CASE WHEN visit_number > 1 THEN CAST(floor(CAST(seconds_since_previous AS FLOAT8) / 86400.0) AS BIGINT) END AS days, count(*), sum(pageviews)
        FROM visits WHERE TRUE
        GROUP BY workspace_id, CAST(date_trunc('month', started_at) AS TIMESTAMP), visit_number, CASE WHEN visit_number > 1 THEN CAST(floor(CAST(seconds_since_previous AS FLOAT8) / 86400.0) AS BIGINT) END
        ORDER BY 1, 2, 3, 4`,
  `INSERT INTO visit_source_months
          (workspace_id, month, utm_source, utm_medium, referrer_host, visits, converted_visits)
        SELECT workspace_id, month, utm_source, utm_medium, host, count(*), count(converted_lead_id)
        FROM (
          SELECT workspace_id, CAST(date_trunc('month', started_at) AS TIMESTAMP) AS month, lower(utm_source) AS utm_source,
            lower(utm_medium) AS utm_medium, split_part(split_part(split_part(CASE WHEN strpos(lower(referrer), '://') > 0 THEN split_part(lower(referrer), '://', 2) ELSE lower(referrer) END, '/', 1), '?', 1), ':', 1) AS host, converted_lead_id
          FROM visits WHERE TRUE
        ) v
        GROUP BY workspace_id, month, utm_source, utm_medium, host
        ORDER BY 1, 2`,
];

export function marketingRollupsSchema(d: Dialect): string[] {
  const pk = d.primaryKey;
  return [
    `CREATE TABLE visitor_months (
      workspace_id TEXT NOT NULL, month TIMESTAMP NOT NULL, visitor_id TEXT NOT NULL, visits BIGINT NOT NULL,
      last_start TIMESTAMP NOT NULL, last_number BIGINT NOT NULL, converted INTEGER NOT NULL${pk(["workspace_id", "month", "visitor_id"])})`,
    `CREATE TABLE visit_months (
      workspace_id TEXT NOT NULL, month TIMESTAMP NOT NULL, visit_number BIGINT NOT NULL, days_since_previous BIGINT,
      visits BIGINT NOT NULL, pageviews BIGINT)`,
    `CREATE TABLE visit_source_months (
      workspace_id TEXT NOT NULL, month TIMESTAMP NOT NULL, utm_source TEXT, utm_medium TEXT, referrer_host TEXT,
      visits BIGINT NOT NULL, converted_visits BIGINT NOT NULL)`,
    ...(d.wantsIndexes
      ? [
          "CREATE INDEX visit_months_month ON visit_months (workspace_id, month)",
          "CREATE INDEX visit_source_months_month ON visit_source_months (workspace_id, month)",
        ]
      : []),
    ...BACKFILL,
  ];
}
