/**
 * Indexes for the sales metrics on PostgreSQL (DuckDB scans columns and wants none):
 * - leads_closed: the leads closed in a period (velocity, losses, the stalled list's won
 *   benchmark) and those still open after it (closed_at IS NULL, also served by the index).
 * - leads_qualified: the leads qualified in a period (qualified leads). It indexes the
 *   qualification time exactly as metrics/sql-parts.ts `leadFacts` derives it, so that
 *   PostgreSQL matches the expression of the inlined lead facts; if that derivation ever
 *   changes, a new migration must index the new expression.
 * Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function salesIndexesSchema(d: Dialect): string[] {
  if (!d.wantsIndexes) return [];
  return [
    "CREATE INDEX leads_closed ON leads (workspace_id, closed_at)",
    "CREATE INDEX leads_qualified ON leads (workspace_id, (COALESCE(qualified_at, reached_qualifying_at, CASE WHEN status = 'won' THEN closed_at END)))",
  ];
}
