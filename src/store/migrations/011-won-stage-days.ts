/**
 * The days each won lead spent in each stage (src/ingest/won-stage-days.ts), filled in for
 * data imported before the table existed. Frozen like every migration.
 */
import { wonStageDaysInsert } from "../../ingest/won-stage-days.js";
import type { Dialect } from "../dialect.js";

export function wonStageDaysSchema(d: Dialect): string[] {
  const backfill = wonStageDaysInsert(d, null).compile();
  if (backfill.values.length > 0) throw new Error("the backfill must not take parameters");
  return [
    `CREATE TABLE won_stage_days (
      workspace_id TEXT NOT NULL, lead_id TEXT NOT NULL, stage_id TEXT NOT NULL, closed_at TIMESTAMP NOT NULL,
      days FLOAT8 NOT NULL)`,
    ...(d.wantsIndexes ? ["CREATE INDEX won_stage_days_closed ON won_stage_days (workspace_id, closed_at)"] : []),
    backfill.text,
  ];
}
