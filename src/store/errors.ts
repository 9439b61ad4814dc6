/**
 * Telling a lost database connection from a bad statement. A connection the server closed
 * (restart, failover, pg_terminate_backend, idle_session_timeout) or could not open is worth
 * trying again once the server is back; a statement the server refused is not.
 */

/**
 * SQLSTATEs of a connection that is gone or could not be made: class 08 (connection
 * exception), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting
 * up, shutting down), 57P05 idle_session_timeout, 25P03 idle_in_transaction_session_timeout,
 * 53300 too_many_connections. (57P04 database_dropped is not: it will not come back.)
 */
const CONNECTION_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1235]|25P03|53300)$/;

/** Socket errors of a server that is down, restarting or out of reach (not a mistyped host). */
const CONNECTION_ERRNO = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** What node-postgres and pg-pool say when a connection ends or cannot be had (they set no code). */
const CONNECTION_MESSAGE =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|terminating connection due to/i;

/**
 * Whether `error` (or what caused it) says the database connection was lost or could not be
 * made, rather than that the statement was wrong. Safe to call with anything.
 */
export function isConnectionError(error: unknown): boolean {
  return connectionError(error, 0);
}

function connectionError(error: unknown, depth: number): boolean {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  if (error instanceof DatabaseConnectionError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return true;
  if (error instanceof Error && CONNECTION_MESSAGE.test(error.message)) return true;
  // Node reports a refused connection to every address of a host as one AggregateError.
  if (error instanceof AggregateError && error.errors.some((e) => connectionError(e, depth + 1))) return true;
  return connectionError((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * SQLSTATEs of an engine in trouble rather than of a bad statement, beyond a lost connection:
 * 57P04 database_dropped, class 53 insufficient resources (disk full, out of memory, too many
 * connections), 40001 serialization_failure and 40P01 deadlock_detected (worth trying again).
 */
const TROUBLE_SQLSTATE = /^(57P04|53[0-9A-Z]{3}|40001|40P01)$/;

/** DuckDB's error classes of an engine that cannot go on for now (its file, its memory). */
const DUCKDB_TROUBLE = /^(IO Error|Out of Memory Error|Connection Error|INTERRUPT Error|FATAL Error)\b/;

/**
 * Whether a failure is the engine's rather than the data's: a lost or refused connection
 * (isConnectionError), or an engine out of resources, unable to write its file, or asking for
 * the work again. The tracking writer waits these out; anything else it takes as the batch's
 * fault and bisects (one list with isConnectionError, so the two can never disagree).
 */
export function isEngineUnavailable(error: unknown): boolean {
  return isConnectionError(error) || engineTrouble(error, 0);
}

function engineTrouble(error: unknown, depth: number): boolean {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  if (error instanceof StoreClosedError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && TROUBLE_SQLSTATE.test(code)) return true;
  if (error instanceof Error && DUCKDB_TROUBLE.test(error.message)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => engineTrouble(e, depth + 1))) return true;
  return engineTrouble((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * A statement or transaction that did not complete because the connection was lost, or a
 * connection that could not be made in the time allowed. `cause` is the driver's error;
 * `code` is its SQLSTATE or socket error code, when it had one.
 */
export class DatabaseConnectionError extends Error {
  readonly code: string | undefined;

  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "DatabaseConnectionError";
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === "string" ? code : undefined;
  }
}

/**
 * A statement refused, or a read stopped, because the store is being closed (DuckDB; a
 * PostgreSQL pool's close says so in its own words). Engine trouble, not bad data: the tracking
 * writer keeps its batch in the log for the next start rather than blaming the batch.
 */
export class StoreClosedError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "StoreClosedError";
  }
}
