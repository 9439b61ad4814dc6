/**
 * Activities rolled up per lead, rep and month (src/derive/activity-rollup.ts), for the vanity
 * activity count, which judges the activities by the leads they run on: filled in for
 * activities imported before the table existed. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function leadActivityMonthsSchema(d: Dialect): string[] {
  return [
    `CREATE TABLE lead_activity_months (
      workspace_id TEXT NOT NULL, month TIMESTAMP NOT NULL, rep_id TEXT, lead_id TEXT, activities BIGINT NOT NULL)`,
    ...(d.wantsIndexes
      ? ["CREATE INDEX lead_activity_months_month ON lead_activity_months (workspace_id, month)"]
      : []),
    `INSERT INTO lead_activity_months (workspace_id, month, rep_id, lead_id, activities)
       SELECT workspace_id, CAST(date_trunc('month', occurred_at) AS TIMESTAMP) AS month, rep_id, lead_id, count(*)
       FROM activities
       GROUP BY workspace_id, CAST(date_trunc('month', occurred_at) AS TIMESTAMP), rep_id, lead_id
       ORDER BY 1, 2`,
  ];
}
