/**
 * The tracking writer's dead-letter store: log records the engine refused (a batch failed,
 * and bisecting it found these records to be what it refused), kept whole with the reason so
 * that nothing acknowledged is lost and an operator can replay or drop them
 * (`verity deadletter`). Frozen like every migration.
 *
 * tracked_events gets no unique key on DuckDB here: the writer recognises resends at any age
 * by their id itself (src/server/collect/tracking.ts), and a unique ART index took 66 s to
 * build on 5 million events and made each batch slower, not faster.
 */
import type { Dialect } from "../dialect.js";

export function deadLettersSchema(d: Dialect): string[] {
  const statements = [
    `CREATE TABLE dead_letters (
      id TEXT NOT NULL PRIMARY KEY, log_id TEXT NOT NULL, seq BIGINT NOT NULL, workspace_id TEXT NOT NULL,
      events BIGINT NOT NULL, record TEXT NOT NULL, error TEXT NOT NULL, failed_at TIMESTAMP NOT NULL)`,
  ];
  if (d.wantsIndexes) statements.push("CREATE INDEX dead_letters_workspace ON dead_letters (workspace_id)");
  return statements;
}
