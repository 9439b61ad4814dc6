/**
 * Each lead's last activity stored on it (src/derive/lead-activity.ts), filled in for data
 * imported before the columns existed: its time, and its type (of several at that moment, the
 * first by name). Frozen like every migration: the rank of each type is written out here.
 */
import type { Dialect } from "../dialect.js";

export function leadLastActivitySchema(d: Dialect): string[] {
  const micros =
    d.engine === "duckdb" ? "epoch_us(a.occurred_at)" : "CAST(EXTRACT(EPOCH FROM a.occurred_at) * 1000000 AS BIGINT)";
  return [
    "ALTER TABLE leads ADD COLUMN last_activity_at TIMESTAMP",
    "ALTER TABLE leads ADD COLUMN last_activity_type TEXT",
    `UPDATE leads AS l SET last_activity_at = p.last_at,
       last_activity_type = CASE ((p.k % 8) + 8) % 8 WHEN 7 THEN 'call' WHEN 6 THEN 'demo' WHEN 5 THEN 'email'
         WHEN 4 THEN 'meeting' WHEN 3 THEN 'note' WHEN 2 THEN 'other' WHEN 1 THEN 'task' END
     FROM (
       SELECT a.workspace_id, a.lead_id, max(a.occurred_at) AS last_at,
         max(${micros} * 8 + CASE a.type WHEN 'call' THEN 7 WHEN 'demo' THEN 6 WHEN 'email' THEN 5
           WHEN 'meeting' THEN 4 WHEN 'note' THEN 3 WHEN 'other' THEN 2 WHEN 'task' THEN 1 ELSE 0 END) AS k
       FROM activities a WHERE a.lead_id IS NOT NULL
       GROUP BY a.workspace_id, a.lead_id
     ) AS p
     WHERE l.workspace_id = p.workspace_id AND l.id = p.lead_id`,
  ];
}
