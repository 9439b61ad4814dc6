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
import { DIALECTS } from "../src/store/dialect.js";
import { initialSchema } from "../src/store/migrations/001-initial.js";
import { openStore } from "../src/store/open-store.js";
import { sqlType } from "../src/store/store.js";

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
  try {
    const summary = await runImport(store, verityImporter, dir as string, { workspace: "bench" });
    return Object.values(summary.tables).reduce((n, t) => n + (t?.rows ?? 0), 0);
  } finally {
    await store.close();
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
async function postgresBaseline(): Promise<number> {
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
    // The same secondary indexes as the schema (the CREATE INDEX statements of migration 1).
    for (const statement of initialSchema(DIALECTS.postgres).filter((s) => /^CREATE (UNIQUE )?INDEX/.test(s))) {
      await client.query(statement);
    }
  } finally {
    await client.end();
  }
  return rows;
}

const started = performance.now();
const rows =
  mode === "verity" ? await verity() : engine === "duckdb" ? await duckdbBaseline() : await postgresBaseline();
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
