/**
 * Temporary tables that statements then join against large tables. PostgreSQL keeps no
 * statistics for temporary tables (autovacuum skips them), so it plans joins against them
 * blind: a batch of 10,000 tracking events joined to 20 million visits was planned as a
 * scan of every visit (21 s instead of milliseconds). Analysing the small table first
 * fixes the plan; DuckDB needs nothing.
 */
import { raw } from "./sql.js";
import type { Store } from "./store.js";

export async function analyzeTemp(store: Store, table: string): Promise<void> {
  const statement = store.dialect.afterBulkWrite(table);
  if (statement) await store.execute(raw(statement));
}
