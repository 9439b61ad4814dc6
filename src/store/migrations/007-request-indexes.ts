/**
 * PostgreSQL: what every metric request reads before any metric (src/metrics/context.ts)
 * as index scans: the latest stage change (the "as of" moment) and the lead values per
 * currency (the reporting currency). Each was a sequential scan of its table, about a second
 * apiece at a million leads. DuckDB scans columns and wants none. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function requestIndexesSchema(d: Dialect): string[] {
  if (!d.wantsIndexes) return [];
  return [
    "CREATE INDEX stage_events_changed ON stage_events (workspace_id, changed_at)",
    "CREATE INDEX leads_currency ON leads (workspace_id, currency) WHERE value IS NOT NULL",
  ];
}
