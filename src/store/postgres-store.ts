/**
 * The server engine: PostgreSQL through a connection pool. A transaction holds one pooled
 * client; queries issued inside it (found through AsyncLocalStorage) run on that client.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import Papa from "papaparse";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Column } from "../model/canonical.js";
import { DIALECTS } from "./dialect.js";
import { DatabaseConnectionError, isConnectionError } from "./errors.js";
import { normalizeRow } from "./normalize.js";
import type { Sql } from "./sql.js";
import {
  describeType,
  once,
  type Row,
  STAGE_SLICE,
  type StagedColumn,
  type StagedRow,
  StagingError,
  type Store,
  sqlType,
} from "./store.js";

// Both engines hand back plain numbers and ISO timestamps (see normalize.ts).
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    switch (oid) {
      case 20: // int8
      case 1700: // numeric
        return (text: string) => {
          const n = Number(text);
          return oid === 20 && !Number.isSafeInteger(n) ? text : n;
        };
      case 1114: // timestamp: stored in UTC
        return (text: string) => `${text.slice(0, 19).replace(" ", "T")}${fraction(text)}Z`;
      case 1184: // timestamptz, session zone UTC: 2025-01-02 03:04:05.678+00
        return (text: string) => new Date(text.replace(" ", "T").replace(/\+00$/, "Z")).toISOString();
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
};

/** '2025-01-02 03:04:05.5' -> '.500'; no fraction -> '.000' (as Date.toISOString writes it). */
function fraction(text: string): string {
  const dot = text.indexOf(".");
  return dot < 0 ? ".000" : `.${text.slice(dot + 1, dot + 4).padEnd(3, "0")}`;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://…";
  }
}

/**
 * How long a read outside a transaction, or an attempt to connect, is retried after the
 * connection failed: long enough for a restart or a failover, short enough that a caller
 * hears "unavailable" rather than waiting on a server that is gone.
 */
const RETRY_FOR_MS = 10_000;
/** Opening one connection (a server that neither answers nor refuses: a dead host). */
const CONNECT_TIMEOUT_MS = 5_000;

export type PostgresStoreOptions = {
  /**
   * Told about connection trouble nobody is waiting for: the server closed a connection that
   * sat idle in the pool. Default: one line on stderr. (`verity serve` logs it.)
   */
  warn?: (message: string, error: Error) => void;
  /** How long reads and connection attempts are retried after a connection failure (ms). */
  retryForMs?: number;
};

const warnOnStderr = (message: string, error: Error) =>
  process.stderr.write(`verity: warning: ${message} (${error.message})\n`);

/**
 * pg.Pool has one connectionTimeoutMillis for opening a connection and for waiting for a free
 * one. Only opening is bounded here: a read may rightly queue behind long ones.
 */
class TimedClient extends pg.Client {
  constructor(config: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    types,
    // Timestamps are UTC everywhere (see canonical.ts); TIMESTAMPTZ -> TIMESTAMP casts use it.
    // DateStyle: an ambiguous 03/01/2025 is an error, not a guess by the server's locale.
    options: "-c TimeZone=UTC -c DateStyle=ISO,YMD",
    Client: TimedClient as unknown as new () => pg.ClientBase,
    idleTimeoutMillis: 30_000,
    // A connection whose server vanished without closing it (a failover, a dropped route)
    // is noticed by TCP keepalive rather than at the next query's timeout.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  const store = new PostgresStore(pool, redactUrl(url), options);
  // Fail here, with the server's own words, rather than at the first query (a server that is
  // starting up or restarting gets the retry window first).
  try {
    const lease = await store.connect(Date.now() + store.retryForMs, false);
    lease.release();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * A pooled client checked out for one statement or one transaction. A checked-out client has
 * no 'error' listener of pg-pool's: without this one, a connection the server closes between
 * two statements of a transaction would crash the process with an unhandled 'error'.
 */
class Lease {
  /** Why the connection broke while checked out (the statement running, if any, fails too). */
  lost: Error | null = null;
  private readonly onError = (error: Error) => {
    this.lost ??= error;
  };

  constructor(readonly client: pg.PoolClient) {
    client.on("error", this.onError);
  }

  /** Back to the pool; a broken client (`error`, or one lost while out) is discarded instead. */
  release(error?: Error): void {
    this.client.off("error", this.onError);
    this.client.release(error ?? this.lost ?? undefined);
  }
}

const LOST_STATEMENT =
  "the PostgreSQL server closed the connection (restart or failover); the statement was not completed";
const LOST_TRANSACTION =
  "the PostgreSQL server closed the connection (restart or failover); the transaction was not committed";
const LOST_COMMIT =
  "the PostgreSQL server closed the connection during COMMIT (restart or failover); the transaction may or may not have been committed";

class PostgresStore implements Store {
  readonly engine = "postgres" as const;
  readonly dialect = DIALECTS.postgres;
  readonly retryForMs: number;
  private readonly current = new AsyncLocalStorage<pg.PoolClient>();
  /** Share of the file a running COPY has read (the only statement whose progress we know). */
  private copied: number | null = null;
  private readonly warn: (message: string, error: Error) => void;
  private closing = false;
  /** Open connections, so close() can wait until the server has let go of them. */
  private readonly connections = new Set<pg.PoolClient>();

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    options: PostgresStoreOptions,
  ) {
    this.retryForMs = options.retryForMs ?? RETRY_FOR_MS;
    this.warn = options.warn ?? warnOnStderr;
    // pg-pool has already dropped the client (a new one is opened when next needed); without
    // a listener, its 'error' event would be unhandled and end the process.
    pool.on("error", (error) => {
      if (this.closing) return; // a database dropped after close() ended our connections
      this.warn(
        "the PostgreSQL server closed an idle connection (restart, failover or termination); it is replaced when next needed",
        error,
      );
    });
    pool.on("connect", (client) => {
      this.connections.add(client);
      client.once("end", () => this.connections.delete(client));
    });
  }

  /** Checks out a client, retrying connection failures until `deadline`. */
  async connect(deadline: number, begin: boolean): Promise<Lease> {
    for (let attempt = 0; ; attempt++) {
      let lease: Lease;
      try {
        lease = new Lease(await this.pool.connect());
      } catch (error) {
        if (!isConnectionError(error) || this.closing) throw error;
        if (!(await pause(attempt, deadline))) throw error;
        continue;
      }
      if (!begin) return lease;
      // BEGIN on a connection that turns out dead has done nothing: another one may try.
      try {
        await lease.client.query("BEGIN");
        return lease;
      } catch (error) {
        lease.release(error as Error);
        if (!isConnectionError(error) || this.closing) throw error;
        if (!(await pause(attempt, deadline))) throw new DatabaseConnectionError(LOST_TRANSACTION, error);
      }
    }
  }

  /**
   * One statement outside a transaction. Connecting is retried; a statement the connection
   * died under is retried only if it is a read, which may run twice without harm.
   */
  private async run(text: string, values: unknown[]): Promise<pg.QueryResult> {
    const inside = this.current.getStore();
    if (inside) return inside.query(text, values);
    const retryable = isRead(text);
    let deadline = Date.now() + this.retryForMs;
    let failed = false;
    for (let attempt = 0; ; attempt++) {
      let lease: Lease;
      try {
        lease = await this.connect(deadline, false);
      } catch (error) {
        throw isConnectionError(error) ? unreachable(this.location, error) : error;
      }
      try {
        const result = await lease.client.query(text, values);
        lease.release();
        return result;
      } catch (error) {
        const lost = isConnectionError(error) || lease.lost !== null;
        lease.release(lost ? (error as Error) : undefined);
        if (!lost) throw error;
        // The window counts from the first failure, not from when a long read started.
        if (!failed) deadline = Date.now() + this.retryForMs;
        failed = true;
        if (!retryable || this.closing || !(await pause(attempt, deadline))) {
          throw new DatabaseConnectionError(LOST_STATEMENT, error);
        }
      }
    }
  }

  async query<T extends Row = Row>(statement: Sql): Promise<T[]> {
    const { text, values } = statement.compile();
    const result = await this.run(text, values as unknown[]);
    return result.rows.map((row: Record<string, unknown>) => normalizeRow(row) as T);
  }

  async execute(statement: Sql): Promise<void> {
    const { text, values } = statement.compile();
    await this.run(text, values as unknown[]);
  }

  /**
   * Not retried here when the connection is lost: the work may have done more than SQL. The
   * caller gets a DatabaseConnectionError (isConnectionError) and decides.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) throw new Error("transactions do not nest");
    let lease: Lease;
    try {
      lease = await this.connect(Date.now() + this.retryForMs, true);
    } catch (error) {
      throw isConnectionError(error) && !(error instanceof DatabaseConnectionError)
        ? unreachable(this.location, error)
        : error;
    }
    const client = lease.client;
    let committing = false;
    try {
      const result = await this.current.run(client, work);
      // The connection died while the work was between statements: nothing was committed.
      if (lease.lost) throw lease.lost;
      committing = true;
      await client.query("COMMIT");
      lease.release();
      return result;
    } catch (error) {
      // A connection lost is reported as such whatever the work raised: a COPY whose backend
      // was terminated can fail with a stream error first, and the writer took that for the
      // batch's fault (it bisected and could dead-letter good records).
      const lost = lease.lost ?? (isConnectionError(error) ? (error as Error) : null);
      if (lost) {
        lease.release(lost);
        throw new DatabaseConnectionError(committing ? LOST_COMMIT : LOST_TRANSACTION, error);
      }
      const rollbackError = await client.query("ROLLBACK").then(
        () => null,
        (e: Error) => e,
      );
      // A client whose ROLLBACK failed is broken: release(error) discards it from the pool.
      lease.release(rollbackError ?? lease.lost ?? undefined);
      // A ROLLBACK that fails for the connection means the work's error came from a dead connection.
      if (lease.lost || (rollbackError && isConnectionError(rollbackError))) {
        throw new DatabaseConnectionError(LOST_TRANSACTION, error);
      }
      throw error;
    }
  }

  async stageRows(staging: string, columns: readonly StagedColumn[], rows: readonly StagedRow[]): Promise<void> {
    const client = this.current.getStore();
    if (!client) throw new Error("stageRows runs inside a transaction (temporary tables live on one connection)");
    const definitions = columns.map((c) => `${quoteIdent(c.name)} ${c.type === "integer" ? "BIGINT" : "TEXT"}`);
    await client.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`);
    await client.query(`CREATE TEMP TABLE ${quoteIdent(staging)} (${definitions.join(", ")}) ON COMMIT DROP`);
    const list = columns.map((c) => quoteIdent(c.name)).join(", ");
    // CSV, a slice at a time: an unquoted empty cell is NULL, a quoted one an empty string.
    async function* csv() {
      for (let start = 0; start < rows.length; start += STAGE_SLICE) {
        if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        yield `${Papa.unparse(rows.slice(start, start + STAGE_SLICE) as StagedRow[] as unknown[][], { newline: "\n", quotes: (value: unknown) => value !== null && value !== undefined })}\n`;
      }
    }
    await pipeline(
      Readable.from(csv()),
      client.query(copyFrom(`COPY ${quoteIdent(staging)} (${list}) FROM STDIN WITH (FORMAT csv)`)),
    );
  }

  async stageCsv(
    staging: string,
    file: string,
    columns: readonly Column[],
    fileColumns: readonly string[],
  ): Promise<number> {
    const client = this.current.getStore();
    if (!client) throw new Error("stageCsv runs inside a transaction (temporary tables live on one connection)");
    const known = new Set(columns.map((c) => c.name));
    for (const name of fileColumns) if (!known.has(name)) throw new Error(`unknown column ${name}`);
    // Staged timestamps are TIMESTAMPTZ so that explicit offsets convert to UTC; they
    // compare and insert into TIMESTAMP columns through the session zone (UTC).
    const definitions = columns.map(
      (c) => `${quoteIdent(c.name)} ${c.type === "timestamp" ? "TIMESTAMPTZ" : sqlType(c.type)}`,
    );
    // The checks and the upsert that follow group and join whole files: give them memory
    // for the rest of this transaction instead of the 4 MB default, which sorts on disk.
    await client.query("SET LOCAL work_mem = '256MB'");
    await client.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`);
    await client.query(
      `CREATE TEMP TABLE ${quoteIdent(staging)} (_rec BIGINT GENERATED ALWAYS AS IDENTITY, ${definitions.join(", ")}) ON COMMIT DROP`,
    );
    const list = fileColumns.map(quoteIdent).join(", ");
    // FORCE_NULL: a quoted empty cell is NULL too, as DuckDB's read_csv reads it.
    const copy = client.query(
      copyFrom(`COPY ${quoteIdent(staging)} (${list}) FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NULL (${list}))`),
    );
    try {
      const { size } = await stat(file);
      const input = createReadStream(file);
      let read = 0;
      input.on("data", (chunk) => {
        read += chunk.length;
        this.copied = size > 0 ? read / size : 1;
      });
      this.copied = 0;
      await pipeline(input, copy);
    } catch (error) {
      throw toStagingError(error, columns);
    } finally {
      this.copied = null;
    }
    return Number(copy.rowCount ?? 0);
  }

  async bulkInsert(table: string, rows: number, insert: () => Promise<void>): Promise<void> {
    const client = this.current.getStore();
    if (!client) throw new Error("bulkInsert runs inside a transaction");
    // Index builds get more memory than the 64 MB default.
    await client.query("SET LOCAL maintenance_work_mem = '512MB'");
    // Only a first load into an empty table drops its indexes: the rebuild then costs no more
    // than the load, and the exclusive lock it takes keeps out nobody else's rows.
    const [empty] = (
      await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${quoteIdent(table)}) AS empty`)
    ).rows;
    if (rows < 50_000 || !empty?.empty) {
      await insert();
      return;
    }
    const indexes = (
      await client.query<{ name: string; definition: string; constraint: string | null; kind: string | null }>(
        `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition, c.conname AS constraint, c.contype AS kind
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype IN ('p', 'u')
         WHERE x.indrelid = $1::regclass`,
        [table],
      )
    ).rows;
    for (const index of indexes) {
      await client.query(
        index.constraint
          ? `ALTER TABLE ${quoteIdent(table)} DROP CONSTRAINT ${quoteIdent(index.constraint)}`
          : `DROP INDEX ${quoteIdent(index.name)}`,
      );
    }
    await insert();
    for (const index of indexes) {
      await client.query(index.definition);
      if (index.constraint) {
        await client.query(
          `ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(index.constraint)} ${index.kind === "p" ? "PRIMARY KEY" : "UNIQUE"} USING INDEX ${quoteIdent(index.name)}`,
        );
      }
    }
  }

  statementProgress(): number | null {
    return this.copied;
  }

  /**
   * Ends the pool and waits (up to 5 s) until every connection is closed: pool.end() resolves
   * as soon as it has asked, and a database dropped right after would still have our backends.
   */
  readonly close = once(() => this.closeAll());

  private async closeAll(): Promise<void> {
    this.closing = true;
    const open = [...this.connections].map((c) => new Promise<void>((resolve) => c.once("end", () => resolve())));
    await this.pool.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(open),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5_000);
      }),
    ]);
    clearTimeout(timer);
  }
}

/**
 * A read runs again without harm: SELECT or WITH ... SELECT, with nothing in it that writes
 * or has side effects (a false "no" only costs the retry).
 */
export function isRead(text: string): boolean {
  return (
    /^\s*\(?\s*(SELECT|WITH)\b/i.test(text) &&
    !/\b(INSERT|UPDATE|DELETE|MERGE|INTO|nextval|setval|pg_advisory_\w+|pg_terminate_backend|pg_cancel_backend|set_config|pg_notify)\b/i.test(
      text,
    )
  );
}

/**
 * Waits before attempt `attempt + 1` (0.1 s, doubling to 1 s, with jitter so that many
 * waiting callers do not reconnect at the same instant). False when `deadline` would pass.
 */
async function pause(attempt: number, deadline: number): Promise<boolean> {
  const delay = Math.min(1000, 100 * 2 ** attempt) * (0.75 + Math.random() / 2);
  if (Date.now() + delay > deadline) return false;
  await new Promise((resolve) => setTimeout(resolve, delay));
  return true;
}

function unreachable(location: string, error: unknown): DatabaseConnectionError {
  const reason = error instanceof Error && error.message ? error.message : String(error);
  return new DatabaseConnectionError(
    `the PostgreSQL server at ${location} is not reachable (restarting, failing over or down): ${reason}`,
    error,
  );
}

function toStagingError(error: unknown, columns: readonly Column[]): unknown {
  if (!(error instanceof Error) || !("where" in error)) return error;
  const where = String((error as { where?: string }).where ?? "");
  // CONTEXT: COPY staging, line 3, column created_at: "notadate"
  const match = /line (\d+)(?:, column ([^:]+))?(?:: "(.*)")?/s.exec(where);
  if (!match) return error;
  const line = Number(match[1]); // physical line, the header being line 1
  const column = match[2] ?? null;
  const value = match[3] ?? null;
  const type = columns.find((c) => c.name === column)?.type;
  if (value === "" && /missing data for column/.test(error.message)) {
    return new StagingError("the line is blank (remove it)", { line }, null, "");
  }
  const reason =
    column && value !== null && /invalid input|out of range/.test(error.message)
      ? `${JSON.stringify(value)} is not ${describeType(type)}`
      : error.message;
  return new StagingError(reason, { line }, column, value);
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
