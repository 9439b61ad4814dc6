/**
 * Activities rolled up per rep and month, and real-note lengths per rep and month
 * (src/derive/activity-rollup.ts), filled in for activities imported before the tables
 * existed. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

const BACKFILL = [
  `INSERT INTO activity_months (workspace_id, month, rep_id, type, activities, real_notes)
        SELECT workspace_id, CAST(date_trunc('month', occurred_at) AS TIMESTAMP) AS month, rep_id, type, count(*), count(CASE WHEN length(note) >= 20 AND length(trim(note)) >= 20 THEN length(trim(note)) END)
        FROM activities WHERE TRUE
        GROUP BY workspace_id, CAST(date_trunc('month', occurred_at) AS TIMESTAMP), rep_id, type
        ORDER BY 1, 2`,
  `INSERT INTO activity_note_months (workspace_id, month, rep_id, note_length, notes)
        SELECT workspace_id, month, rep_id, note_length, count(*)
        FROM (SELECT workspace_id, CAST(date_trunc('month', occurred_at) AS TIMESTAMP) AS month, rep_id, CASE WHEN length(note) >= 20 AND length(trim(note)) >= 20 THEN length(trim(note)) END AS note_length FROM activities WHERE TRUE) a
        WHERE note_length IS NOT NULL
        GROUP BY workspace_id, month, rep_id, note_length
        ORDER BY 1, 2`,
];

export function activityRollupsSchema(d: Dialect): string[] {
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
    ...BACKFILL,
  ];
}
