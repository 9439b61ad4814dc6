/**
 * The days each won lead spent in each stage (src/derive/won-stage-days.ts), filled in for
 * data imported before the table existed. Frozen like every migration: the backfill is the
 * derive module's insert as it was when this migration was written, kept here as text (it
 * is not called, so a later change to it, to the stage-event order or to the dialect's
 * epoch cannot change what this migration does). The engines differ only in the epoch.
 */
import type { Dialect, EngineName } from "../dialect.js";

/** Seconds since the epoch of a timestamp, as dialect.ts wrote it then. */
const EPOCH: Record<EngineName, (timestamp: string) => string> = {
  duckdb: (t) => `(CAST(epoch_us(${t}) AS DOUBLE) / 1000000.0)`,
  postgres: (t) => `CAST(EXTRACT(EPOCH FROM ${t}) AS DOUBLE PRECISION)`,
};

function backfill(engine: EngineName): string {
  const epoch = EPOCH[engine];
  return `INSERT INTO won_stage_days (workspace_id, lead_id, stage_id, closed_at, days)
    SELECT workspace_id, lead_id, stage_id, max(closed_at), sum(GREATEST((${epoch("COALESCE(next_at, closed_at)")} - ${epoch("entered_at")}) / 86400.0, 0))
    FROM (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id AS stage_id, e.changed_at AS entered_at, l.closed_at,
        LEAD(e.changed_at) OVER (
          PARTITION BY e.workspace_id, e.lead_id ORDER BY e.changed_at, s.position, e.to_stage_id
        ) AS next_at
      FROM leads l
      JOIN stage_events e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
      JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      WHERE TRUE AND l.status = 'won' AND l.closed_at IS NOT NULL
    ) stays
    GROUP BY workspace_id, lead_id, stage_id
    ORDER BY 1, 4`;
}

export function wonStageDaysSchema(d: Dialect): string[] {
  return [
    `CREATE TABLE won_stage_days (
      workspace_id TEXT NOT NULL, lead_id TEXT NOT NULL, stage_id TEXT NOT NULL, closed_at TIMESTAMP NOT NULL,
      days FLOAT8 NOT NULL)`,
    ...(d.wantsIndexes ? ["CREATE INDEX won_stage_days_closed ON won_stage_days (workspace_id, closed_at)"] : []),
    backfill(d.engine),
  ];
}
