/**
 * Each lead's latest stage event stored on it (src/derive/lead-progress.ts), filled in for
 * data imported before the columns existed. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function leadLastEventSchema(_d: Dialect): string[] {
  const latest = `
    SELECT workspace_id, lead_id, changed_at, to_stage_id FROM (
      SELECT e.workspace_id, e.lead_id, e.changed_at, e.to_stage_id,
        ROW_NUMBER() OVER (
          PARTITION BY e.workspace_id, e.lead_id ORDER BY e.changed_at DESC, s.position DESC, e.to_stage_id DESC
        ) AS rn
      FROM stage_events e JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
    ) ranked WHERE rn = 1`;
  return [
    "ALTER TABLE leads ADD COLUMN last_event_at TIMESTAMP",
    "ALTER TABLE leads ADD COLUMN last_event_stage_id TEXT",
    `UPDATE leads AS l SET last_event_at = p.changed_at, last_event_stage_id = p.to_stage_id
     FROM (${latest}) AS p WHERE l.workspace_id = p.workspace_id AND l.id = p.lead_id`,
  ];
}
