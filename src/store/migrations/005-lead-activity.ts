/**
 * Activities stored on each lead (src/ingest/lead-activity.ts), filled in for data imported
 * before the columns existed. Frozen like every migration.
 */
import { activityCountColumn, leadActivityUpdate } from "../../ingest/lead-activity.js";
import { ACTIVITY_TYPES } from "../../model/canonical.js";
import type { Dialect } from "../dialect.js";

export function leadActivitySchema(_d: Dialect): string[] {
  const backfill = leadActivityUpdate(null).compile();
  if (backfill.values.length > 0) throw new Error("the backfill must not take parameters");
  return [
    "ALTER TABLE leads ADD COLUMN first_activity_at TIMESTAMP",
    ...ACTIVITY_TYPES.map((type) => `ALTER TABLE leads ADD COLUMN ${activityCountColumn(type)} BIGINT DEFAULT 0`),
    backfill.text,
  ];
}
