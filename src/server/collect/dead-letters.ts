/**
 * The dead-letter store of the tracking writer (table dead_letters, migration 014): a log
 * record the engine refused, whole, with the engine's reason. The writer puts one here when
 * bisecting a failed batch finds the record to be what the engine refuses, in the transaction
 * that moves the applied sequence number past it. `verity deadletter` lists them, replays one
 * through the writer's own code (applyTrackingRecords) or drops it.
 */

import { randomId } from "../../accounts/secrets.js";
import { sql, timestamp } from "../../store/sql.js";
import type { Store } from "../../store/store.js";
import type { LogRecord } from "./log.js";
import { applyTrackingRecords } from "./tracking.js";
import type { TrackingRecord } from "./tracking-schema.js";

export type DeadLetter = {
  id: string;
  logId: string;
  seq: number;
  workspace: string;
  events: number;
  /** The log record's JSON, as the log held it. */
  record: string;
  error: string;
  failedAt: string;
};

type DeadLetterRow = {
  id: string;
  log_id: string;
  seq: number;
  workspace_id: string;
  events: number;
  record: string;
  error: string;
  failed_at: string;
};

const fromRow = (r: DeadLetterRow): DeadLetter => ({
  id: r.id,
  logId: r.log_id,
  seq: Number(r.seq),
  workspace: r.workspace_id,
  events: Number(r.events),
  record: r.record,
  error: r.error,
  failedAt: r.failed_at,
});

/**
 * Stores `record` as refused, inside the caller's transaction. JSON escapes a NUL or a lone
 * surrogate, so whatever the record holds, its text can be stored.
 */
export async function deadLetter(
  store: Store,
  entry: { logId: string; record: LogRecord; error: string },
): Promise<string> {
  const id = `dl_${randomId(12)}`;
  const { record } = entry;
  const workspace = typeof record.w === "string" ? JSON.stringify(record.w).slice(1, -1) : "";
  const events = Array.isArray(record.e) ? record.e.length : 0;
  await store.execute(
    sql`INSERT INTO dead_letters (id, log_id, seq, workspace_id, events, record, error, failed_at)
        VALUES (${id}, ${entry.logId}, ${record.q}, ${workspace}, ${events}, ${JSON.stringify(record)}, ${entry.error},
          ${timestamp(new Date())})`,
  );
  return id;
}

/** Dead letters per workspace. */
export async function countDeadLetters(store: Store): Promise<Map<string, number>> {
  const rows = await store.query<{ workspace_id: string; n: number }>(
    sql`SELECT workspace_id, count(*) AS n FROM dead_letters GROUP BY workspace_id`,
  );
  return new Map(rows.map((r) => [r.workspace_id, Number(r.n)]));
}

/** The workspace's dead letters, oldest first. */
export async function listDeadLetters(store: Store, workspace: string): Promise<DeadLetter[]> {
  const rows = await store.query<DeadLetterRow>(
    sql`SELECT id, log_id, seq, workspace_id, events, record, error, failed_at FROM dead_letters
        WHERE workspace_id = ${workspace} ORDER BY failed_at, log_id, seq`,
  );
  return rows.map(fromRow);
}

export type ReplayOutcome = { id: string; replayed: true } | { id: string; replayed: false; error: string };

/**
 * Applies a dead letter's record as the writer would, and removes it, in one transaction.
 * Events stored meanwhile (the browser resent them) are recognised and not counted twice. If
 * the engine refuses it again, it stays, with the new reason.
 */
export async function replayDeadLetter(store: Store, letter: DeadLetter): Promise<ReplayOutcome> {
  try {
    await store.transaction(async () => {
      await applyTrackingRecords(store, [JSON.parse(letter.record) as TrackingRecord]);
      await store.execute(sql`DELETE FROM dead_letters WHERE id = ${letter.id}`);
    });
    return { id: letter.id, replayed: true };
  } catch (failure) {
    const error = errorText(failure);
    await store.execute(
      sql`UPDATE dead_letters SET error = ${error}, failed_at = ${timestamp(new Date())} WHERE id = ${letter.id}`,
    );
    return { id: letter.id, replayed: false, error };
  }
}

/** An engine's error as a dead letter's reason: one text a database can store (no NUL), of bounded length. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replaceAll("\u0000", "\\u0000").slice(0, 2000);
}

/** Removes a dead letter for good; false when the workspace has none by that id. */
export async function dropDeadLetter(store: Store, workspace: string, id: string): Promise<boolean> {
  const found = await store.query(sql`SELECT id FROM dead_letters WHERE id = ${id} AND workspace_id = ${workspace}`);
  if (found.length === 0) return false;
  await store.execute(sql`DELETE FROM dead_letters WHERE id = ${id} AND workspace_id = ${workspace}`);
  return true;
}
