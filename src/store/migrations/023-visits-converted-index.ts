/**
 * PostgreSQL: the visits converted to given leads, for where a push or a small import of
 * those leads begins (src/ingest/write-scope.ts historyStart). Without it the lookup read all
 * 20M visits of size l (2.4 s, twice a push); a partial index holds only converted visits, a
 * small share, and answers it in milliseconds. DuckDB scans columns and wants none. Frozen
 * like every migration.
 */
import type { Dialect } from "../dialect.js";

export function visitsConvertedIndexSchema(d: Dialect): string[] {
  if (!d.wantsIndexes) return [];
  return [
    "CREATE INDEX visits_converted ON visits (workspace_id, converted_lead_id) WHERE converted_lead_id IS NOT NULL",
  ];
}
