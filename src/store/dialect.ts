/**
 * The places where DuckDB and PostgreSQL differ, and nothing else. Every other line of SQL
 * in Verity is written once and runs on both. Each entry says why it exists.
 */
import { raw, type Sql } from "./sql.js";

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
   * The 1-based position of a staged row in its file. DuckDB keeps insertion order in a
   * table created from read_csv, so rowid is the record index, except that rows written in
   * an open transaction are numbered from DuckDB's MAX_ROW_ID up.
   * PostgreSQL staging tables get an identity column that COPY fills in file order.
   */
  recordNumber(alias: string): Sql;
  /** Whole seconds between two timestamps (b - a). */
  secondsBetween(a: string, b: string): string;
};

/** DuckDB numbers the rows an open transaction adds to a table from this value up. */
export const DUCKDB_MAX_ROW_ID = 36028797018960000;

const duckdb: Dialect = {
  engine: "duckdb",
  primaryKey: () => "",
  enforcesKeys: false,
  wantsIndexes: false,
  recordNumber: (alias) => raw(`(${alias}.rowid % ${DUCKDB_MAX_ROW_ID} + 1)`),
  // date_diff('second', ...) counts boundaries crossed; the difference of the two epochs is
  // the elapsed time. The cast rounds to whole seconds, as PostgreSQL's does.
  secondsBetween: (a, b) => `CAST(epoch(${b}) - epoch(${a}) AS BIGINT)`,
};

const postgres: Dialect = {
  engine: "postgres",
  primaryKey: (columns) => `, PRIMARY KEY (${columns.map((c) => `"${c}"`).join(", ")})`,
  enforcesKeys: true,
  wantsIndexes: true,
  recordNumber: (alias) => raw(`${alias}._rec`),
  // EXTRACT(EPOCH FROM interval) gives the elapsed seconds as numeric; the cast rounds.
  secondsBetween: (a, b) => `CAST(EXTRACT(EPOCH FROM (${b} - ${a})) AS BIGINT)`,
};

export const DIALECTS: Record<EngineName, Dialect> = { duckdb, postgres };
