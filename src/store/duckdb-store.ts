/**
 * The embedded engine: one DuckDB file, opened by one process at a time. Within that
 * process (the server), a transaction runs on a connection of its own, so reads that run
 * meanwhile see the last committed data and never the transaction's half-done work, as on
 * PostgreSQL. (DuckDB lets only one of two transactions that write the same rows commit:
 * the server therefore writes through one writer.)
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { chmod, mkdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import type { Column } from "../model/canonical.js";
import { VerityError } from "../model/errors.js";
import { DIALECTS } from "./dialect.js";
import { rowsOf } from "./duckdb-rows.js";
import { StoreClosedError } from "./errors.js";
import { raw, type Sql, sql } from "./sql.js";
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

/**
 * DuckDB's API is a CommonJS package of 120 files re-exporting one another: imported from
 * ESM, Node scans every file's source for its export names before running it, which cost a
 * fresh `verity check` 0.3-0.6 s; require() loads the same module without the scan.
 */
const { DuckDBInstance } = createRequire(import.meta.url)("@duckdb/node-api") as typeof import("@duckdb/node-api");
type DuckDBInstance = InstanceType<typeof DuckDBInstance>;

/** A connection reads run on, with how many statements it has under way. */
type Reader = { connection: DuckDBConnection; busy: number };

/** The DuckDB file is held by another process (a running `verity serve`, say). */
export class DatabaseLockedError extends VerityError {
  constructor(
    readonly path: string,
    readonly holder: string | null,
  ) {
    super(
      "database_locked",
      `The database ${path} is in use by another process${holder ? ` (${holder})` : ""}: ` +
        "stop that process and try again, or use another file with --db PATH. " +
        "If it is `verity serve`, ask it instead: its API answers the same reports (GET /api/report, /api/check, ...).",
    );
    this.name = "DatabaseLockedError";
  }
}

/**
 * DuckDB ran out of the memory budget Verity gives it (1 GB, or VERITY_DUCKDB_MEMORY). Its own
 * message advises SQL settings a user of Verity cannot type; this one names the setting that
 * helps. Found at size xl (4M leads, 80M visits): `verity import` stopped with DuckDB's message.
 */
export class EngineOutOfMemory extends VerityError {
  constructor(limit: string, said: string, options?: ErrorOptions) {
    super(
      "engine_out_of_memory",
      `DuckDB ran out of its memory budget of ${limit} (${said}); set VERITY_DUCKDB_MEMORY to more, ` +
        "for example VERITY_DUCKDB_MEMORY=4GB, and run it again. Nothing of a failed import or write was kept.",
    );
    if (options?.cause) this.cause = options.cause;
    this.name = "EngineOutOfMemory";
  }
}

/** DuckDB's own out-of-memory failure, said for a user of Verity; anything else as it is. */
function engineError(error: unknown, limit: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const said = message.split("\n")[0]?.trim() ?? message;
  if (/^Out of Memory Error\b/i.test(said)) return new EngineOutOfMemory(limit, said, { cause: error });
  return error;
}

export async function openDuckDbStore(path: string): Promise<Store> {
  const location = path === ":memory:" ? path : resolve(path);
  if (location !== ":memory:") await mkdir(dirname(location), { recursive: true });
  // From here until the store exists, a failure gives the umask back and closes what was
  // opened: a process that goes on (a server retrying, a test file after another) keeps its own.
  if (location !== ":memory:") narrowUmask();
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  try {
    if (location !== ":memory:") await ownerOnly(location);
    try {
      instance = await DuckDBInstance.create(location);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const lock = /Could not set lock on file .*Conflicting lock is held in (.*?)(?:\. See also|$)/s.exec(message);
      if (lock) throw new DatabaseLockedError(location, lock[1]?.trim() ?? null);
      throw error;
    }
    if (location !== ":memory:") await ownerOnly(location);
    connection = await instance.connect();
    // DuckDB takes 80% of the machine's memory by default; Verity shares a laptop with other
    // programs, so it stays within a budget and spills to disk beyond it (a global setting).
    await connection.run(`SET memory_limit = ${quoteLiteral(memoryLimit())}`);
    await configure(connection);
    return new DuckDbStore(connection, instance, location);
  } catch (error) {
    connection?.closeSync();
    instance?.closeSync();
    if (location !== ":memory:") restoreUmask();
    throw error;
  }
}

/**
 * The database holds a company's sales data, so only its owner may read it (issue 13, item
 * 7: it was 0644). DuckDB creates the file, its WAL (again after every checkpoint) and its
 * spill folder itself, at any time while it is open, with the process's umask. Changing the
 * mode after DuckDB made a file leaves a moment in which another local user may open it and
 * keep reading through that descriptor whatever the mode becomes; so while a DuckDB file is
 * open the umask loses its group and other bits, and when the last one closes the umask is
 * the process's own again. Whatever the process writes meanwhile is owner-only too (an
 * export of a CLI command that has the database open; `verity serve`'s ingest log, which is
 * private data); files written after the close get the usual umask. Worker threads cannot
 * set the umask: there the ownerOnly() pass still covers the file.
 */
let filesOpen = 0;
let ownUmask: number | null = null;

function narrowUmask(): void {
  filesOpen += 1;
  if (filesOpen > 1) return;
  try {
    ownUmask = process.umask(0o077);
    process.umask(ownUmask | 0o077);
  } catch {
    ownUmask = null;
  }
}

/** A DuckDB file closed (or failed to open): the last one gives the process its umask back. */
function restoreUmask(): void {
  filesOpen = Math.max(0, filesOpen - 1);
  if (filesOpen > 0 || ownUmask === null) return;
  try {
    process.umask(ownUmask);
  } catch {}
  ownUmask = null;
}

/** The database file and its WAL, when they exist with group or other bits, made owner-only (a file made before this fix). */
async function ownerOnly(location: string): Promise<void> {
  for (const file of [location, `${location}.wal`]) {
    const info = await stat(file).catch(() => null);
    // Someone else's file (EPERM) is left as it is: DuckDB's own error, if any, says more.
    if (info && (info.mode & 0o077) !== 0) await chmod(file, info.mode & 0o700).catch(() => {});
  }
}

/** The per-connection settings. */
async function configure(connection: DuckDBConnection): Promise<void> {
  // Times are stored as UTC timestamps; parsing `...+02:00` into TIMESTAMPTZ and casting to
  // TIMESTAMP converts through the session zone, which must therefore be UTC.
  await connection.run("SET TimeZone = 'UTC'");
  // Lets statementProgress() read a running query's progress; DuckDB prints nothing itself.
  await connection.run("SET enable_progress_bar = true");
  await connection.run("SET enable_progress_bar_print = false");
}

class DuckDbStore implements Store {
  readonly engine = "duckdb" as const;
  readonly dialect = DIALECTS.duckdb;
  /** The connection of the transaction the caller runs in, if any. */
  private readonly current = new AsyncLocalStorage<DuckDBConnection>();
  /** A transaction connection kept for the next transaction. */
  private idle: DuckDBConnection | null = null;
  /** Transactions running: close() waits for them (closing under one cut it off mid-batch). */
  private readonly transactions = new Set<Promise<unknown>>();
  /**
   * Statements outside a transaction under way, and their connections. close() stops the reads
   * (DuckDB's interrupt) and waits until every one has settled: closed under a running
   * statement, DuckDB never settled its promise, and the process could not end by itself.
   */
  private readonly running = new Map<Promise<unknown>, { connection: DuckDBConnection; write: boolean }>();
  private closing = false;
  /** DuckDB's memory budget, as set (for the message when it runs out). */
  private memoryLimit = memoryLimit();
  /** Reads outside a transaction: main, and (setReadConnections(2)) a second made on first need. */
  private readonly mainReader: Reader;
  private second: Promise<Reader> | null = null;
  private readConnections = 1;

  constructor(
    private readonly main: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    readonly location: string,
  ) {
    this.mainReader = { connection: main, busy: 0 };
  }

  async query<T extends Row = Row>(statement: Sql): Promise<T[]> {
    const { text, values } = statement.compile();
    const own = this.current.getStore();
    if (own) return this.inOwnWords(async () => rowsOf<T>(await own.runAndReadAll(text, values as DuckDBValue[])));
    this.refuseIfClosing();
    const reader = await this.leastBusyReader();
    try {
      return await this.tracked(reader.connection, false, async () =>
        rowsOf<T>(await reader.connection.runAndReadAll(text, values as DuckDBValue[])),
      );
    } finally {
      reader.busy--;
    }
  }

  async execute(statement: Sql): Promise<void> {
    const { text, values } = statement.compile();
    const own = this.current.getStore();
    if (own) return this.inOwnWords(async () => void (await own.run(text, values as DuckDBValue[])));
    this.refuseIfClosing();
    // Writes and settings outside a transaction stay on main, counted so reads go elsewhere.
    this.mainReader.busy++;
    try {
      await this.tracked(this.main, true, async () => void (await this.main.run(text, values as DuckDBValue[])));
    } finally {
      this.mainReader.busy--;
    }
  }

  private refuseIfClosing(): void {
    if (this.closing) throw new StoreClosedError(`the DuckDB database ${this.location} is closed`);
  }

  /** A statement outside a transaction, on `connection`: in Verity's words, and known to close(). */
  private async tracked<T>(connection: DuckDBConnection, write: boolean, work: () => Promise<T>): Promise<T> {
    this.refuseIfClosing();
    const done = this.inOwnWords(work);
    this.running.set(done, { connection, write });
    try {
      return await done;
    } catch (error) {
      // A read close() stopped; any other failure (a write's own) as it came.
      if (this.closing && !write && /^INTERRUPT Error\b/.test(error instanceof Error ? error.message : "")) {
        throw new StoreClosedError(`the DuckDB database ${this.location} was closed while the statement ran`, error);
      }
      throw error;
    } finally {
      this.running.delete(done);
    }
  }

  /**
   * Runs `work` with DuckDB's running out of its memory budget said in Verity's words
   * (EngineOutOfMemory); every other error as it came. Around every way a statement reaches
   * DuckDB: queries, the staging of files and rows, and a transaction's COMMIT.
   */
  private async inOwnWords<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw engineError(error, this.memoryLimit);
    }
  }

  /**
   * The connection a read outside a transaction runs on, counted busy until the caller is done:
   * the main one or a second, whichever has fewer statements under way. Statements on one
   * connection run one after another, so the dashboard home's three requests (and a
   * preparation after a write) queued their small statements behind each other on main; a
   * second connection lets two run at once. Reads only: writes and settings outside a
   * transaction stay on main. (PostgreSQL's pool already gives each read whichever connection
   * is free.) If the second connection cannot be made, main serves and the next read tries again.
   * Only when asked (setReadConnections: `verity serve`, whose DuckDB runs a thread fewer than
   * the machine has): a process that reads one statement at a time gains nothing, and the test
   * suite's three workers on two cores ran 10% slower with every store reading on two.
   */
  private async leastBusyReader(): Promise<Reader> {
    if (this.readConnections < 2) {
      this.mainReader.busy++;
      return this.mainReader;
    }
    if (!this.second) {
      const made = this.instance.connect().then(async (connection) => {
        try {
          await configure(connection);
        } catch (error) {
          connection.closeSync();
          throw error;
        }
        return { connection, busy: 0 };
      });
      this.second = made;
      made.catch(() => {
        if (this.second === made) this.second = null;
      });
    }
    const second = await this.second.catch(() => null);
    // Chosen and counted in one step: reads that arrive together spread over both.
    const reader = second && second.busy < this.mainReader.busy ? second : this.mainReader;
    reader.busy++;
    return reader;
  }

  /** The connection statements run on: the caller's transaction's, or the shared one. */
  private get connection(): DuckDBConnection {
    return this.current.getStore() ?? this.main;
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) throw new Error("transactions do not nest");
    this.refuseIfClosing();
    let connection = this.idle;
    this.idle = null;
    if (!connection) {
      connection = await this.instance.connect();
      await configure(connection);
    }
    const own = connection;
    // close() began while the connection was made: it does not wait for this one.
    if (this.closing) {
      own.closeSync();
      this.refuseIfClosing();
    }
    let running: Promise<T> | undefined;
    try {
      running = this.current.run(own, async () => {
        await own.run("BEGIN TRANSACTION");
        try {
          const result = await work();
          await this.inOwnWords(() => own.run("COMMIT"));
          return result;
        } catch (error) {
          await own.run("ROLLBACK");
          throw error;
        }
      });
      this.transactions.add(running);
      return await running;
    } finally {
      if (running) this.transactions.delete(running);
      if (this.idle === null) this.idle = own;
      else own.closeSync();
    }
  }

  csvRelation(file: string, columns: readonly Column[], fileColumns: readonly string[]): Sql {
    const readTypes = readColumns(columns, fileColumns);
    const select = columns.map((c) => {
      const name = quoteIdent(c.name);
      if (!fileColumns.includes(c.name)) return `CAST(NULL AS ${sqlType(c.type)}) AS ${name}`;
      // Through TIMESTAMPTZ so that an explicit offset converts to UTC (see stageCsv).
      if (c.type === "timestamp") return `CAST(CAST(${name} AS TIMESTAMPTZ) AS TIMESTAMP) AS ${name}`;
      return `${name}`;
    });
    return sql`(SELECT ${raw(select.join(", "))} FROM read_csv(${file},
      header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true,
      columns = {${raw(readTypes)}}))`;
  }

  async setMemoryLimit(limit: string): Promise<void> {
    await this.main.run(`SET memory_limit = ${quoteLiteral(checkedSize(limit, "the memory limit"))}`);
    this.memoryLimit = limit;
  }

  async setReadConnections(count: number): Promise<void> {
    if (count !== 1 && count !== 2) throw new Error(`read connections must be 1 or 2, not ${count}`);
    this.readConnections = count;
  }

  async setThreads(threads: number): Promise<void> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`threads must be a whole number from 1, not ${threads}`);
    await this.main.run(`SET threads = ${threads}`);
  }

  async stageRows(staging: string, columns: readonly StagedColumn[], rows: readonly StagedRow[]): Promise<void> {
    await this.inOwnWords(() => this.appendRows(staging, columns, rows));
  }

  private async appendRows(staging: string, columns: readonly StagedColumn[], rows: readonly StagedRow[]) {
    const connection = this.current.getStore();
    if (!connection) throw new Error("stageRows runs inside a transaction (temporary tables live on one connection)");
    const definitions = columns.map((c) => `${quoteIdent(c.name)} ${c.type === "integer" ? "BIGINT" : "TEXT"}`);
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(staging)} (${definitions.join(", ")})`);
    // The appender writes into the transaction's own connection, so the rows are seen by the
    // statements that follow and gone if the transaction rolls back.
    const appender = await connection.createAppender(staging, "main", "temp");
    try {
      const integer = columns.map((c) => c.type === "integer");
      for (let start = 0; start < rows.length; start += STAGE_SLICE) {
        if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const end = Math.min(rows.length, start + STAGE_SLICE);
        for (let r = start; r < end; r++) {
          const row = rows[r] as StagedRow;
          for (let i = 0; i < integer.length; i++) {
            const value = row[i];
            if (value === null || value === undefined) appender.appendNull();
            else if (integer[i]) appender.appendBigInt(BigInt(value));
            else appender.appendVarchar(String(value));
          }
          appender.endRow();
        }
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async stageCsv(
    staging: string,
    file: string,
    columns: readonly Column[],
    fileColumns: readonly string[],
  ): Promise<number> {
    return this.inOwnWords(() => this.loadCsv(staging, file, columns, fileColumns));
  }

  private async loadCsv(
    staging: string,
    file: string,
    columns: readonly Column[],
    fileColumns: readonly string[],
  ): Promise<number> {
    const byName = new Map(columns.map((c) => [c.name, c]));
    // Timestamps are read as text and converted in SQL: read_csv turns a malformed
    // TIMESTAMPTZ into NULL without a reject, and a TIMESTAMP column would drop an explicit
    // offset. Converting through TIMESTAMPTZ honours `+02:00`; the raw text is kept beside
    // it (`<name>__text`) to find values that did not convert.
    const readTypes = readColumns(columns, fileColumns);
    const select: string[] = [];
    for (const c of columns) {
      const name = quoteIdent(c.name);
      if (!fileColumns.includes(c.name)) select.push(`CAST(NULL AS ${sqlType(c.type)}) AS ${name}`);
      else if (c.type === "timestamp") {
        select.push(
          `CAST(TRY_CAST(${name} AS TIMESTAMPTZ) AS TIMESTAMP) AS ${name}`,
          `${name} AS ${quoteIdent(`${c.name}__text`)}`,
        );
      } else select.push(`CAST(${name} AS ${sqlType(c.type)}) AS ${name}`);
    }
    // Rejects of earlier files must not be read as this file's.
    await this.connection.run("DROP TABLE IF EXISTS verity_reject_errors");
    await this.connection.run("DROP TABLE IF EXISTS verity_reject_scans");
    await this.connection.run(
      `CREATE OR REPLACE TEMP TABLE ${quoteIdent(staging)} AS SELECT ${select.join(", ")} FROM read_csv($1,
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {${readTypes}},
        store_rejects = true, rejects_table = 'verity_reject_errors', rejects_scan = 'verity_reject_scans')`,
      [file],
    );
    const rejects = await this.connection.runAndReadAll(
      "SELECT line, column_name, error_type, error_message FROM verity_reject_errors ORDER BY line LIMIT 1",
    );
    const reject = rejects.getRowObjectsJS()[0];
    if (reject) {
      // DuckDB counts the header as line 1 and each record as one line.
      const record = Number(reject.line) - 1;
      const column = reject.column_name === null ? null : String(reject.column_name);
      const message = String(reject.error_message);
      const value = /Could not convert string "(.*)" to/s.exec(message)?.[1] ?? null;
      const reason =
        reject.error_type === "CAST" && column
          ? `${JSON.stringify(value)} is not ${describeType(byName.get(column)?.type)}`
          : message;
      throw new StagingError(reason, { record }, column, value);
    }
    for (const c of columns) {
      if (c.type !== "timestamp" || !fileColumns.includes(c.name)) continue;
      const raw = quoteIdent(`${c.name}__text`);
      const bad = await this.connection.runAndReadAll(
        `SELECT ${DIALECTS.duckdb.recordNumber("s").compile().text} AS record, ${raw} AS value FROM ${quoteIdent(staging)} AS s
         WHERE ${raw} IS NOT NULL AND ${quoteIdent(c.name)} IS NULL ORDER BY 1 LIMIT 1`,
      );
      const row = bad.getRowObjectsJS()[0];
      if (row) {
        const value = String(row.value);
        throw new StagingError(
          `${JSON.stringify(value)} is not ${describeType("timestamp")}`,
          { record: Number(row.record) },
          c.name,
          value,
        );
      }
    }
    const count = await this.connection.runAndReadAll(`SELECT count(*) AS n FROM ${quoteIdent(staging)}`);
    return Number(count.getRowObjectsJS()[0]?.n ?? 0);
  }

  async bulkInsert(_table: string, _rows: number, insert: () => Promise<void>): Promise<void> {
    // No indexes on DuckDB tables (see dialect.ts): nothing to defer.
    await insert();
  }

  statementProgress(): number | null {
    const percentage = this.connection.progress.percentage;
    return percentage >= 0 ? percentage / 100 : null;
  }

  readonly close = once(() => this.closeAll());

  private async closeAll(): Promise<void> {
    this.closing = true;
    // A read has no effect to keep: stopped, it settles at once (with the error above). A
    // connection running a write (execute outside a transaction) is left to finish it. DuckDB
    // clears a connection's interrupt when its next statement starts, so a read queued behind
    // another (or one that had not begun) is stopped on a later turn of this loop.
    while (this.running.size > 0) {
      const running = [...this.running.values()];
      for (const connection of new Set(running.map((r) => r.connection))) {
        if (!running.some((r) => r.connection === connection && r.write)) connection.interrupt();
      }
      await Promise.race([Promise.allSettled([...this.running.keys()]), delay(20)]);
    }
    await Promise.allSettled([...this.transactions]);
    try {
      this.idle?.closeSync();
      (await this.second?.catch(() => null))?.connection.closeSync();
      this.main.closeSync();
      this.instance.closeSync();
    } finally {
      if (this.location !== ":memory:") restoreUmask();
    }
  }
}

/** read_csv's `columns` struct for the file's header: text and timestamps read as VARCHAR. */
function readColumns(columns: readonly Column[], fileColumns: readonly string[]): string {
  return fileColumns
    .map((name) => {
      const column = columns.find((c) => c.name === name);
      if (!column) throw new Error(`unknown column ${name}`);
      const type = column.type === "timestamp" || column.type === "text" ? "VARCHAR" : sqlType(column.type);
      return `${quoteLiteral(name)}: '${type}'`;
    })
    .join(", ");
}

/** `VERITY_DUCKDB_MEMORY` (for example `4GB`), else 1GB (`verity serve` sets its own default: server.ts). */
function memoryLimit(): string {
  const configured = process.env.VERITY_DUCKDB_MEMORY?.trim();
  return configured ? checkedSize(configured, "VERITY_DUCKDB_MEMORY") : "1GB";
}

function checkedSize(size: string, what: string): string {
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(size)) {
    throw new Error(`${what} must be a size such as 2GB, not ${JSON.stringify(size)}`);
  }
  return size;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
