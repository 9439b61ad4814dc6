/**
 * Tracking versions by time (issue 17): a tracking batch changes visits from a point in time
 * on (its events arrive at the server's clock; an old visit gains a pageview or a lead now
 * and then), so a value kept for a period that ended before that point is still right. Each
 * row is the token of the last write whose earliest touched visit started in `month`
 * ('YYYY-MM'); '' is a write that may have touched any time (an import). A kept value for a
 * period compares the rows of the months before its end (src/metrics/read-cache.ts). One row
 * per workspace and month, replaced by an upsert: its own key on both engines (the table is
 * small; DuckDB needs the key for ON CONFLICT). Frozen like every migration.
 */
export function trackingSinceSchema(): string[] {
  return [
    `CREATE TABLE tracking_since (
      workspace_id TEXT NOT NULL, month TEXT NOT NULL, version TEXT NOT NULL,
      PRIMARY KEY (workspace_id, month))`,
  ];
}
