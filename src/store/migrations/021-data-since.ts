/**
 * CRM versions by time (issue 17), as migration 020 for tracking: a push through the API that
 * touches only some leads (a CRM webhook) changes figures from the earliest moment of those
 * leads' histories on, so a value kept for a period that ended before it is still right. Each
 * row is the token of the last write whose changes begin in `month` ('YYYY-MM'); '' is a write
 * that may have touched any time (a file import, a push of stages or reps). Read with the
 * workspace's tokens (src/store/data-versions.ts). Frozen like every migration.
 */
export function dataSinceSchema(): string[] {
  return [
    `CREATE TABLE data_since (
      workspace_id TEXT NOT NULL, month TEXT NOT NULL, version TEXT NOT NULL,
      PRIMARY KEY (workspace_id, month))`,
  ];
}
