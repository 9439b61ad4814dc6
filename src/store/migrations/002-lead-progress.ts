/**
 * The lead_progress rollup (src/ingest/lead-progress.ts), backfilled for data imported
 * before it existed. Frozen like every migration.
 */
import { leadProgressSelect } from "../../ingest/lead-progress.js";
import type { Dialect } from "../dialect.js";

export function leadProgressSchema(d: Dialect): string[] {
  const backfill = leadProgressSelect(null).compile();
  if (backfill.values.length > 0) throw new Error("the backfill must not take parameters");
  return [
    `CREATE TABLE lead_progress (
      workspace_id TEXT NOT NULL, lead_id TEXT NOT NULL, reached_qualifying_at TIMESTAMP,
      furthest_position INTEGER${d.primaryKey(["workspace_id", "lead_id"])})`,
    `INSERT INTO lead_progress (workspace_id, lead_id, reached_qualifying_at, furthest_position) ${backfill.text}`,
  ];
}
