/**
 * Stage progress stored on each lead (src/ingest/lead-progress.ts), filled in for data
 * imported before the columns existed. Frozen like every migration.
 */
import { leadProgressUpdate } from "../../ingest/lead-progress.js";
import type { Dialect } from "../dialect.js";

export function leadProgressSchema(_d: Dialect): string[] {
  const backfill = leadProgressUpdate(null).compile();
  if (backfill.values.length > 0) throw new Error("the backfill must not take parameters");
  return [
    "ALTER TABLE leads ADD COLUMN reached_qualifying_at TIMESTAMP",
    "ALTER TABLE leads ADD COLUMN furthest_position INTEGER",
    backfill.text,
  ];
}
