/**
 * Activities rolled up per rep and month, and real-note lengths per rep and month
 * (src/ingest/activity-rollup.ts), filled in for activities imported before the tables
 * existed. Frozen like every migration.
 */
import { activityRollupInserts } from "../../ingest/activity-rollup.js";
import type { Dialect } from "../dialect.js";

export function activityRollupsSchema(d: Dialect): string[] {
  const backfill = activityRollupInserts(null).map((insert) => {
    const compiled = insert.compile();
    if (compiled.values.length > 0) throw new Error("the backfill must not take parameters");
    return compiled.text;
  });
  return [
    `CREATE TABLE activity_months (
      workspace_id TEXT NOT NULL, month TIMESTAMP NOT NULL, rep_id TEXT, type TEXT NOT NULL,
      activities BIGINT NOT NULL, real_notes BIGINT NOT NULL)`,
    `CREATE TABLE activity_note_months (
      workspace_id TEXT NOT NULL, month TIMESTAMP NOT NULL, rep_id TEXT, note_length BIGINT NOT NULL,
      notes BIGINT NOT NULL)`,
    ...(d.wantsIndexes
      ? [
          "CREATE INDEX activity_months_month ON activity_months (workspace_id, month)",
          "CREATE INDEX activity_note_months_month ON activity_note_months (workspace_id, month)",
        ]
      : []),
    ...backfill,
  ];
}
