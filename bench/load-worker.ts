/**
 * One measured load in a process of its own, so its peak memory is its own. Prints one JSON
 * line: { ms, rows, maxRssMb }.
 *
 *   tsx bench/load-worker.ts verity|baseline duckdb|postgres DATA_DIR TARGET
 *
 * TARGET is a DuckDB file path (must not exist) or a PostgreSQL URL of an empty database.
 */

import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { TABLE_ORDER, TABLES } from "../src/model/canonical.js";
import { openStore } from "../src/store/open-store.js";
import { type Store, sqlType } from "../src/store/store.js";

const [mode, engine, dir, target] = process.argv.slice(2);
if (!mode || !engine || !dir || !target)
  throw new Error("usage: load-worker verity|baseline duckdb|postgres DIR TARGET");

async function filesOf(directory: string): Promise<{ table: string; file: string }[]> {
  const names = new Set(await readdir(directory));
  return TABLE_ORDER.filter((t) => names.has(TABLES[t].file)).map((t) => ({
    table: t,
    file: join(directory, TABLES[t].file),
  }));
}

/** Verity's own import, exactly as `verity import DIR` runs it. */
async function verity(): Promise<number> {
  const store = await openStore(
    engine === "duckdb" ? { engine: "duckdb", path: target as string } : { engine: "postgres", url: target as string },
  );
  if (process.env.BENCH_PROFILE) profile(store);
  try {
    const summary = await runImport(store, verityImporter, dir as string, { workspace: "bench" });
    return Object.values(summary.tables).reduce((n, t) => n + (t?.rows ?? 0), 0);
  } finally {
    await store.close();
  }
}

/**
 * BENCH_PROFILE=1: every statement's time on stderr (the first line of its SQL), to see
 * where an import's time goes.
 */
function profile(store: Store): void {
  const methods = ["query", "execute", "stageCsv", "bulkInsert"] as const;
  for (const name of methods) {
    const original = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await original(...args);
      } finally {
        const first = args[0] as { compile?: () => { text: string } } | string;
        const text = typeof first === "string" ? `${name} ${first}` : (first.compile?.().text ?? String(first));
        const ms = performance.now() - started;
        if (ms >= 20)
          process.stderr.write(`${(ms / 1000).toFixed(2).padStart(7)} s  ${text.replace(/\s+/g, " ").slice(0, 160)}\n`);
      }
    };
  }
}

/** DuckDB's own loader: CREATE TABLE AS SELECT * FROM read_csv (types auto-detected). */
async function duckdbBaseline(): Promise<number> {
  const instance = await DuckDBInstance.create(target as string);
  const connection = await instance.connect();
  let rows = 0;
  for (const { table, file } of await filesOf(dir as string)) {
    await connection.run(`CREATE TABLE ${table} AS SELECT * FROM read_csv($1, header = true)`, [file]);
    const count = await connection.runAndReadAll(`SELECT count(*) AS n FROM ${table}`);
    rows += Number(count.getRowObjectsJS()[0]?.n ?? 0);
  }
  connection.closeSync();
  instance.closeSync();
  return rows;
}

/**
 * PostgreSQL's own loader: plain COPY into tables of the same types, then the same keys and
 * indexes Verity's schema has, built after the load (the fastest order).
 */
async function postgresBaseline(secondaryIndexes: readonly string[]): Promise<number> {
  const client = new pg.Client({ connectionString: target as string, options: "-c TimeZone=UTC" });
  await client.connect();
  let rows = 0;
  try {
    for (const { table, file } of await filesOf(dir as string)) {
      const spec = TABLES[table as keyof typeof TABLES];
      const header = (await import("../src/ingest/csv-lines.js")).readHeader;
      const columns = await header(file);
      const definitions = spec.columns.map((c) => `"${c.name}" ${sqlType(c.type)}`);
      await client.query(
        `CREATE TABLE ${table} (workspace_id TEXT DEFAULT 'bench', source_system TEXT DEFAULT 'bench', ${definitions.join(", ")})`,
      );
      const list = columns.map((c) => `"${c}"`).join(", ");
      const copy = client.query(copyFrom(`COPY ${table} (${list}) FROM STDIN WITH (FORMAT csv, HEADER true)`));
      await pipeline(createReadStream(file), copy);
      rows += Number(copy.rowCount ?? 0);
      await client.query(
        `ALTER TABLE ${table} ADD PRIMARY KEY (workspace_id, ${spec.key.map((k) => `"${k}"`).join(", ")})`,
      );
    }
    // The same secondary indexes as Verity's schema after every migration (read before the
    // clock started), except those on columns only Verity derives (the baseline has none).
    for (const statement of secondaryIndexes) {
      try {
        await client.query(statement);
      } catch (error) {
        // undefined_column, undefined_table: a column Verity derives, a table without a file here.
        if (!["42703", "42P01"].includes((error as { code?: string }).code ?? "")) throw error;
        process.stderr.write(`baseline: skipped ${statement.replace(/\s+/g, " ")}\n`);
      }
    }
  } finally {
    await client.end();
  }
  return rows;
}

/**
 * The CREATE INDEX statements of Verity's PostgreSQL schema (every migration) for the
 * canonical tables, read from a migrated copy of the target, which is then emptied again.
 */
async function schemaIndexes(): Promise<string[]> {
  await (await openStore({ engine: "postgres", url: target as string })).close();
  const client = new pg.Client({ connectionString: target as string });
  await client.connect();
  try {
    const { rows } = await client.query<{ definition: string }>(
      `SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1)
         AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')
       ORDER BY tablename, indexname`,
      [[...TABLE_ORDER]],
    );
    await client.query("DROP SCHEMA public CASCADE");
    await client.query("CREATE SCHEMA public");
    return rows.map((r) => r.definition);
  } finally {
    await client.end();
  }
}

const secondaryIndexes = mode === "baseline" && engine === "postgres" ? await schemaIndexes() : [];
const started = performance.now();
const rows =
  mode === "verity"
    ? await verity()
    : engine === "duckdb"
      ? await duckdbBaseline()
      : await postgresBaseline(secondaryIndexes);
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
