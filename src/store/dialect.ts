/**
 * The places where DuckDB and PostgreSQL differ, and nothing else. Every other line of SQL
 * in Verity is written once and runs on both. Each entry says why it exists.
 */
import { raw, type Sql, sql } from "./sql.js";

export type EngineName = "duckdb" | "postgres";

export type Dialect = {
  engine: EngineName;
  /**
   * Table constraints for a key. PostgreSQL enforces the upsert key with a primary key (and
   * its index serves the lookups of incremental imports). DuckDB gets none: its ART index
   * makes bulk loads of tens of millions of rows several times slower and costs gigabytes of
   * memory, and Verity's import path checks keys itself before it writes.
   */
  primaryKey(columns: readonly string[]): string;
  /** Whether the engine itself refuses a second row with the same key (see primaryKey). */
  enforcesKeys: boolean;
  /** Secondary indexes: PostgreSQL needs them for joins and lookups; DuckDB scans columns. */
  wantsIndexes: boolean;
  /**
   * Whether an UPDATE of most of a table's rows is better written as a delete and an insert.
   * DuckDB holds an update's changes in memory until the commit: the one update of every
   * lead's derived columns at four million leads ran out of a 1 GB budget, where an insert
   * from a temporary table spills to disk (it holds no keys or indexes to check twice).
   * PostgreSQL writes a new row version either way and keeps its indexes: it updates.
   */
  rewritesInsteadOfUpdating: boolean;
  /**
   * The 1-based position of a staged row in its file. DuckDB keeps insertion order in a
   * table created from read_csv, so rowid is the record index, except that rows written in
   * an open transaction are numbered from DuckDB's MAX_ROW_ID up.
   * PostgreSQL staging tables get an identity column that COPY fills in file order.
   */
  recordNumber(alias: string): Sql;
  /** Whole seconds between two timestamps (b - a). */
  secondsBetween(a: string, b: string): string;
  /**
   * The continuous quantile of `expr` within a group (linear interpolation, as
   * statistics.ts `quantile`), in double precision on both engines. `fraction` is Verity's
   * own constant, never user input.
   */
  quantile(expr: Sql, fraction: number): Sql;
  /** Seconds since 1970 of a timestamp, as a double precision number (fractions kept). */
  epoch(expr: Sql): Sql;
  /** Microseconds since 1970 of a timestamp, as an exact BIGINT (what TIMESTAMP holds on both). */
  epochMicros(expr: Sql): Sql;
  /**
   * Text compared by its bytes (code points), whatever the database's collation: an order a
   * page in SQL and the same list sorted in JavaScript agree on. DuckDB compares bytes already.
   */
  binaryOrder(expr: Sql): Sql;
  /** The lower-case hex SHA-256 of a text (newsletter subscribers are stored as hashes). */
  sha256(expr: Sql): Sql;
  /**
   * What to run after a bulk write to a table, outside its transaction. PostgreSQL plans
   * from statistics that autovacuum gathers only later: right after an import, a metric over
   * freshly filled rollup tables was planned for empty tables and took 19 s instead of 30 ms.
   * DuckDB keeps its statistics as it writes.
   */
  afterBulkWrite(table: string): string | null;
  /**
   * A statement that holds a lock named `key` until the transaction ends, so two processes'
   * transactions over the same derived rows run one after the other (PostgreSQL: a
   * transaction-scoped advisory lock). Null for DuckDB: one process holds the file, and its
   * writes go one at a time through the server's writer.
   */
  transactionLock(key: string): Sql | null;
};

function fractionText(fraction: number): string {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`quantile fraction ${fraction} is not within 0..1`);
  return String(fraction);
}

/** DuckDB numbers the rows an open transaction adds to a table from this value up. */
export const DUCKDB_MAX_ROW_ID = 36028797018960000;

const duckdb: Dialect = {
  engine: "duckdb",
  primaryKey: () => "",
  enforcesKeys: false,
  wantsIndexes: false,
  rewritesInsteadOfUpdating: true,
  recordNumber: (alias) => raw(`(${alias}.rowid % ${DUCKDB_MAX_ROW_ID} + 1)`),
  // date_diff('second', ...) counts boundaries crossed; the difference of the two epochs is
  // the elapsed time. The cast rounds to whole seconds, as PostgreSQL's does.
  secondsBetween: (a, b) => `CAST(epoch(${b}) - epoch(${a}) AS BIGINT)`,
  // DuckDB names the ordered-set aggregate quantile_cont and takes the column first. Over a
  // DECIMAL it answers in the DECIMAL's scale (the quartile 1.75 of 1.0..4.0 read 1.7 or 1.8;
  // src/store/dialect.test.ts), where PostgreSQL's percentile_cont answers in double precision.
  quantile: (expr, fraction) => sql`quantile_cont(CAST(${expr} AS DOUBLE), ${raw(fractionText(fraction))})`,
  // epoch() of a TIMESTAMP is whole seconds in some versions; epoch_us keeps the fraction.
  epoch: (expr) => sql`(CAST(epoch_us(${expr}) AS DOUBLE) / 1000000.0)`,
  epochMicros: (expr) => sql`epoch_us(${expr})`,
  binaryOrder: (expr) => expr,
  sha256: (expr) => sql`sha256(${expr})`,
  afterBulkWrite: () => null,
  transactionLock: () => null,
};

const postgres: Dialect = {
  engine: "postgres",
  primaryKey: (columns) => `, PRIMARY KEY (${columns.map((c) => `"${c}"`).join(", ")})`,
  enforcesKeys: true,
  wantsIndexes: true,
  rewritesInsteadOfUpdating: false,
  recordNumber: (alias) => raw(`${alias}._rec`),
  // EXTRACT(EPOCH FROM interval) gives the elapsed seconds as numeric; the cast rounds.
  secondsBetween: (a, b) => `CAST(EXTRACT(EPOCH FROM (${b} - ${a})) AS BIGINT)`,
  // PostgreSQL's is the SQL-standard WITHIN GROUP form.
  quantile: (expr, fraction) => sql`percentile_cont(${raw(fractionText(fraction))}) WITHIN GROUP (ORDER BY ${expr})`,
  // EXTRACT gives numeric; the metrics compute in double precision like DuckDB does.
  epoch: (expr) => sql`CAST(EXTRACT(EPOCH FROM ${expr}) AS DOUBLE PRECISION)`,
  // EXTRACT gives numeric since PostgreSQL 14: exact to the microsecond before the cast.
  epochMicros: (expr) => sql`CAST(EXTRACT(EPOCH FROM ${expr}) * 1000000 AS BIGINT)`,
  binaryOrder: (expr) => sql`${expr} COLLATE "C"`,
  // sha256() takes bytea on PostgreSQL (11+) and returns bytea.
  sha256: (expr) => sql`encode(sha256(convert_to(${expr}, 'UTF8')), 'hex')`,
  afterBulkWrite: (table) => `ANALYZE ${table}`,
  transactionLock: (key) => sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`,
};

export const DIALECTS: Record<EngineName, Dialect> = { duckdb, postgres };
