/**
 * Stage progress stored on each lead (src/derive/lead-progress.ts), filled in for data
 * imported before the columns existed. Frozen like every migration: the backfill is the
 * statement as it was then (the live one also sets columns later migrations add).
 */
import type { Dialect } from "../dialect.js";

const BACKFILL = `UPDATE leads AS l SET reached_qualifying_at = p.reached_qualifying_at, furthest_position = p.furthest_position
    FROM (
    WITH qualifying_stage AS (
      SELECT workspace_id, pipeline_id, min(position) AS position FROM stages
      WHERE TRUE AND is_qualifying AND kind = 'open' GROUP BY workspace_id, pipeline_id
    )
    SELECT e.workspace_id, e.lead_id,
      min(CASE WHEN s.kind = 'won' OR (s.kind = 'open' AND s.position >= q.position) THEN e.changed_at END)
        AS reached_qualifying_at,
      max(CASE WHEN s.kind = 'open' THEN s.position END) AS furthest_position
    FROM stage_events e
    JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
    LEFT JOIN qualifying_stage q ON q.workspace_id = s.workspace_id AND q.pipeline_id = s.pipeline_id
    WHERE TRUE
    GROUP BY e.workspace_id, e.lead_id) AS p
    WHERE TRUE AND l.workspace_id = p.workspace_id AND l.id = p.lead_id
      AND (l.reached_qualifying_at IS DISTINCT FROM p.reached_qualifying_at
        OR l.furthest_position IS DISTINCT FROM p.furthest_position)`;

export function leadProgressSchema(_d: Dialect): string[] {
  return [
    "ALTER TABLE leads ADD COLUMN reached_qualifying_at TIMESTAMP",
    "ALTER TABLE leads ADD COLUMN furthest_position INTEGER",
    BACKFILL,
  ];
}
