/**
 * Visits rolled up per visitor and month, and per visit number and days since the previous
 * visit and month, and per source and month (src/ingest/visit-rollup.ts), filled in for visits imported before the
 * tables existed. Frozen like every migration.
 */
import { visitRollupInserts } from "../../ingest/visit-rollup.js";
import type { Dialect } from "../dialect.js";

export function marketingRollupsSchema(d: Dialect): string[] {
  const pk = d.primaryKey;
  const backfill = visitRollupInserts(null).map((insert) => {
    const compiled = insert.compile();
    if (compiled.values.length > 0) throw new Error("the backfill must not take parameters");
    return compiled.text;
  });
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
    ...backfill,
  ];
}
