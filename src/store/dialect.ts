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
  /** Secondary indexes: PostgreSQL needs them for joins and lookups; DuckDB scans columns. */
  wantsIndexes: boolean;
  /**
   * The 1-based position of a staged row in its file. DuckDB keeps insertion order in a
   * table created from read_csv, so rowid is the record index, except that rows written in
   * an open transaction are numbered from DuckDB's MAX_ROW_ID (36028797018960000) up.
   * PostgreSQL staging tables get an identity column that COPY fills in file order.
   */
  recordNumber(alias: string): Sql;
  /** Whole seconds between two timestamps (b - a). */
  secondsBetween(a: string, b: string): string;
  /** Percentile of a numeric expression within a group (continuous, like PostgreSQL's). */
  percentile(fraction: number, expression: string): string;
};

const duckdb: Dialect = {
  engine: "duckdb",
  primaryKey: () => "",
  wantsIndexes: false,
  recordNumber: (alias) => raw(`(${alias}.rowid % 36028797018960000 + 1)`),
  // date_diff counts boundaries crossed; epoch() of the interval gives exact seconds.
  secondsBetween: (a, b) => `CAST(epoch(${b}) - epoch(${a}) AS BIGINT)`,
  percentile: (fraction, expression) => `quantile_cont(${expression}, ${fraction})`,
};

const postgres: Dialect = {
  engine: "postgres",
  primaryKey: (columns) => `, PRIMARY KEY (${columns.map((c) => `"${c}"`).join(", ")})`,
  wantsIndexes: true,
  recordNumber: (alias) => raw(`${alias}._rec`),
  secondsBetween: (a, b) => `CAST(EXTRACT(EPOCH FROM (${b} - ${a})) AS BIGINT)`,
  percentile: (fraction, expression) => `percentile_cont(${fraction}) WITHIN GROUP (ORDER BY ${expression})`,
};

export const DIALECTS: Record<EngineName, Dialect> = { duckdb, postgres };
