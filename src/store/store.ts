/**
 * One store interface, two engines. Everything above this layer (importers, metrics, the
 * CLI, the server) talks to a `Store` and never to a driver.
 */
import type { Column } from "../model/canonical.js";
import type { Dialect, EngineName } from "./dialect.js";
import type { Sql } from "./sql.js";

/** A result row. Numbers are numbers, timestamps ISO 8601 strings in UTC, NULL is null. */
export type Row = Record<string, string | number | boolean | null>;

export type Store = {
  readonly engine: EngineName;
  readonly dialect: Dialect;
  /** Where the data lives, for messages (a file path or a server URL without password). */
  readonly location: string;
  query<T extends Row = Row>(statement: Sql): Promise<T[]>;
  execute(statement: Sql): Promise<void>;
  /**
   * Runs `work` in one transaction: everything it wrote is kept if it returns, nothing if
   * it throws. Transactions do not nest.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Creates the temporary table `staging` and fills it from a CSV file through the engine's
   * own bulk loader. `fileColumns` are the file's header names in file order (a subset of
   * `columns`, which are the table's canonical columns); columns missing from the file are
   * NULL. Casting errors are thrown as `StagingError` naming the record and column.
   */
  stageCsv(staging: string, file: string, columns: readonly Column[], fileColumns: readonly string[]): Promise<number>;
  /**
   * Creates the temporary table `staging` with `columns` (text and integer only) and fills it
   * with `rows` (values in column order, null for NULL) through the engine's bulk path: DuckDB's
   * appender, PostgreSQL's COPY. For rows made by the program itself (the tracking writer's
   * batches), not read from a user's file: nothing is checked beyond the engine's types. Runs
   * inside a transaction; yields to the event loop between slices of rows.
   */
  stageRows(staging: string, columns: readonly StagedColumn[], rows: readonly StagedRow[]): Promise<void>;
  /**
   * Engines that read CSV files in SQL (DuckDB): the file as a relation with the table's
   * canonical columns, typed, for a single INSERT straight from the file. Strict: a value that
   * does not convert fails the statement (the caller then stages the file to say where).
   */
  csvRelation?(file: string, columns: readonly Column[], fileColumns: readonly string[]): Sql;
  /**
   * Runs `insert`, a large INSERT of about `rows` rows into `table`, inside the current
   * transaction. An engine that keeps indexes may drop them first and build them again after,
   * which is several times faster than maintaining them row by row.
   */
  bulkInsert(table: string, rows: number, insert: () => Promise<void>): Promise<void>;
  /** Engines with a thread pool of their own (DuckDB): how many threads its queries use. */
  setThreads?(threads: number): Promise<void>;
  /** Engines in this process (DuckDB): the memory its buffers may use before spilling to disk ("512MB"). */
  setMemoryLimit?(limit: string): Promise<void>;
  /**
   * Engines in this process (DuckDB): how many connections reads outside a transaction spread
   * over (1, the default, or 2). A server answering requests at once sets 2.
   */
  setReadConnections?(count: number): Promise<void>;
  /**
   * How far the statement running now has got, from 0 to 1, or null when the engine cannot
   * tell. Polled by progress bars while a large file loads.
   */
  statementProgress(): number | null;
  /**
   * Lets go of the database. DuckDB waits for the transactions and writes under way and stops
   * the reads (interrupted, they are refused); PostgreSQL's pool ends each connection as it is
   * released, waiting 5 s at most. Statements asked for afterwards are refused. Calling it
   * again returns the same close.
   */
  close(): Promise<void>;
};

export type StagedColumn = { name: string; type: "text" | "integer" };
export type StagedRow = readonly (string | number | null)[];

/** Rows staged between turns of the event loop (requests wait while a slice is appended). */
export const STAGE_SLICE = 2_000;

/**
 * A bulk loader refused a value: where (a record number, 1-based with the header excluded,
 * or a physical line when the engine knows it) and which column.
 */
export class StagingError extends Error {
  constructor(
    message: string,
    readonly where: { record: number } | { line: number } | null,
    readonly column: string | null,
    readonly value: string | null,
  ) {
    super(message);
    this.name = "StagingError";
  }
}

/** The SQL type of a canonical column type, the same on both engines. */
export function sqlType(type: Column["type"]): string {
  switch (type) {
    case "text":
      return "TEXT";
    case "timestamp":
      return "TIMESTAMP";
    case "integer":
      return "BIGINT";
    case "decimal":
      return "NUMERIC(18,2)";
    case "boolean":
      return "BOOLEAN";
  }
}

/** How a canonical column type reads in an error message ("... is not a whole number"). */
export function describeType(type: Column["type"] | undefined): string {
  switch (type) {
    case "timestamp":
      return "a date or time (ISO 8601, UTC)";
    case "integer":
      return "a whole number";
    case "decimal":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return "valid";
  }
}

/**
 * `work` run on the first call only; every call returns its one promise. A store's close():
 * a server's shutdown and a script's cleanup may both ask, and a second close of a pool or a
 * DuckDB instance would throw or close what is already closed.
 */
export function once(work: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => {
    done ??= work();
    return done;
  };
}
