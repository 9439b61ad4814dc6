/**
 * What the importer tests under src/ingest share: a fresh store per engine for a describe
 * block, converting files without a database, reading a fixture's expected.json, putting
 * converted rows, stored rows and expected rows into one comparable form (timestamps as UTC
 * ISO, numbers as numbers, defaults applied), row counts, catching the ImportError a bad file
 * must give, and checking that it left the database as it was.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, expect } from "vitest";
import { ImportError } from "../../src/ingest/import-error.js";
import type { FormatOptions, Importer, PreparedImport } from "../../src/ingest/importer.js";
import { type Column, TABLE_ORDER, TABLES, type TableName } from "../../src/model/canonical.js";
import { openDuckDbStore } from "../../src/store/duckdb-store.js";
import { migrate } from "../../src/store/migrate.js";
import { ident, sql } from "../../src/store/sql.js";
import type { Store } from "../../src/store/store.js";
import type { Engine } from "./databases.js";
import { openTestStore, type TestStore } from "./stores.js";

export type Comparable = Record<string, string | number | boolean | null>;

export const DEAL_TABLES = ["reps", "pipelines", "stages", "leads", "stage_events", "activities"] as const;
export type DealTable = (typeof DEAL_TABLES)[number];

export type Expected = Record<DealTable, Record<string, unknown>[]> & {
  skipped: { reason: string; count: number }[];
  lacks: string[];
  [key: string]: unknown;
};

export async function readExpected(file: string): Promise<Expected> {
  return JSON.parse(await readFile(file, "utf8")) as Expected;
}

/**
 * A test file's fixture: its expected.json, and a temporary directory for variants of the
 * export (`name` names it), read and made before the file's tests and removed after them.
 */
export function fixtureSuite(
  expectedFile: string,
  name: string,
): { readonly expected: Expected; readonly temp: string } {
  let expected: Expected | undefined;
  let temp: string | undefined;
  beforeAll(async () => {
    expected = await readExpected(expectedFile);
    temp = await mkdtemp(join(tmpdir(), `verity-${name}-test-`));
  });
  afterAll(async () => {
    if (temp) await rm(temp, { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the fixture is read in beforeAll");
    return value;
  };
  return {
    get expected() {
      return ready(expected);
    },
    get temp() {
      return ready(temp);
    },
  };
}

/** One value as the comparison wants it: typed by the canonical column, defaults applied. */
function normal(table: TableName, column: string, value: unknown): string | number | boolean | null {
  const spec: Column | undefined = TABLES[table].columns.find((c) => c.name === column);
  if (value === undefined || value === null || value === "") {
    if (spec?.default !== undefined && typeof spec.default !== "object") return spec.default;
    return null;
  }
  switch (spec?.type) {
    case "integer":
    case "decimal":
      return Number(value);
    case "boolean":
      return value === true || value === "true";
    case "timestamp": {
      if (value instanceof Date) return value.toISOString();
      const text = String(value).replace(" ", "T");
      const zoned = /Z$|[+-]\d\d:?\d\d$/.test(text) || text.length === 10 ? text : `${text}Z`;
      return new Date(zoned).toISOString();
    }
    default:
      return String(value);
  }
}

/** Rows with every canonical column of the table, comparable whatever produced them. */
export function comparable(table: TableName, rows: readonly Record<string, unknown>[]): Comparable[] {
  return rows.map((row) => {
    const out: Comparable = {};
    for (const column of TABLES[table].columns) out[column.name] = normal(table, column.name, row[column.name]);
    if ("external_id" in out && out.external_id === null) out.external_id = out.id ?? null;
    return out;
  });
}

/** The rows of each converted canonical file, by table (tables without a file: []). */
export async function convertedRows(prepared: PreparedImport): Promise<Record<DealTable, Comparable[]>> {
  const out = {} as Record<DealTable, Comparable[]>;
  for (const table of DEAL_TABLES) {
    const file = prepared.files.find((f) => f.table === table);
    if (!file) {
      out[table] = [];
      continue;
    }
    const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
    expect(parsed.errors).toEqual([]);
    out[table] = comparable(table, parsed.data);
  }
  return out;
}

export function expectedRows(expected: Expected, table: DealTable): Comparable[] {
  return comparable(table, expected[table]);
}

/** Rows sorted by the table's key, so order in the file does not matter. */
export function byKey(table: TableName, rows: readonly Comparable[]): Comparable[] {
  const key = (row: Comparable) => TABLES[table].key.map((k) => String(row[k])).join("\u0000");
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The stored rows of a table in a workspace, comparable. */
export async function storedRows(store: Store, workspace: string, table: DealTable): Promise<Comparable[]> {
  const rows = await store.query(sql`SELECT * FROM ${ident(table)} WHERE workspace_id = ${workspace}`);
  return byKey(table, comparable(table, rows));
}

/** Row counts of the tables named (default: every canonical table, the import log and the workspaces). */
export async function rowCounts(
  store: Store,
  tables: readonly string[] = [...TABLE_ORDER, "imports", "workspaces"],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of tables) {
    const [row] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(name)}`);
    counts[name] = Number(row?.n);
  }
  return counts;
}

/** The ImportError a promise rejects with (fails the test when it resolves or throws anything else). */
export async function importErrorOf(promise: Promise<unknown>): Promise<ImportError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

/**
 * A fresh, migrated store of the engine. `inMemory`: DuckDB without a file, for tests that
 * import a dataset large enough for the file's writes to cost seconds (Maven's); PostgreSQL
 * is a database of its own either way.
 */
export async function openImportTestStore(engine: Engine, inMemory = false): Promise<TestStore> {
  if (engine !== "duckdb" || !inMemory) return openTestStore(engine);
  const store = await openDuckDbStore(":memory:");
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return { store, dispose: () => store.close() };
}

/**
 * A fresh, migrated store of the engine for the enclosing describe block: opened before its
 * tests, closed and removed after them.
 */
export function storeForTests(engine: Engine, inMemory = false): { readonly store: Store } {
  let opened: TestStore | undefined;
  beforeAll(async () => {
    opened = await openImportTestStore(engine, inMemory);
  });
  afterAll(async () => {
    await opened?.dispose();
  });
  return {
    get store(): Store {
      if (!opened) throw new Error("the test store is opened in beforeAll");
      return opened.store;
    },
  };
}

/**
 * Converts files with the importer, without a database: the prepared import (its summary
 * fields) and its converted rows, its files removed afterwards.
 */
export function converter(importer: Importer, defaults: FormatOptions = {}) {
  return async (paths: readonly string[], options: FormatOptions = defaults) => {
    const prepared = await importer.prepare(paths, options);
    try {
      return { prepared, rows: await convertedRows(prepared) };
    } finally {
      await prepared.cleanup();
    }
  };
}

/** Where a bad file must stop an import, and why. */
export type Refusal = { file: string; line: number | null; column: string | null; reason: RegExp };

/**
 * The import stops with the ImportError `want` describes, and the database is as it was
 * (every table's row count, the import log's too).
 */
export async function expectRefusedUnchanged(store: Store, run: () => Promise<unknown>, want: Refusal): Promise<void> {
  const before = await rowCounts(store);
  const error = await importErrorOf(run());
  expect([error.file, error.line, error.column]).toEqual([want.file, want.line, want.column]);
  expect(error.reason).toMatch(want.reason);
  expect(await rowCounts(store)).toEqual(before);
}
