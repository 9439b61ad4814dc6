/**
 * Hand-made companies for metric tests. A fixture is a few rows per table written as
 * objects; `loadFixture` writes them as canonical CSV files and imports them through the
 * real import path into a fresh store of each engine, so metric tests run on exactly what a
 * user's import produces.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { runImport } from "../../src/ingest/importer.js";
import { verityImporter } from "../../src/ingest/verity-importer.js";
import { type MetricRequest, resolveRequest } from "../../src/metrics/context.js";
import type { MetricDefinition, MetricReport } from "../../src/metrics/metric.js";
import { runMetric } from "../../src/metrics/run-metric.js";
import { TABLES, type TableName } from "../../src/model/canonical.js";
import type { Store } from "../../src/store/store.js";
import type { Collation, Engine } from "./databases.js";
import { openTestStore, type TestStore } from "./stores.js";

export type FixtureRow = Record<string, string | number | boolean | null | undefined>;
export type Fixture = Partial<Record<TableName, FixtureRow[]>>;

export const WORKSPACE = "fixture";

/** Writes the fixture as canonical CSV files (every column of the table, in order). */
export async function writeFixture(fixture: Fixture): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "verity-fixture-"));
  for (const [name, rows] of Object.entries(fixture) as [TableName, FixtureRow[]][]) {
    const columns: string[] = TABLES[name].columns.map((c) => c.name);
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (!columns.includes(key)) throw new Error(`fixture ${name} has no column ${key}`);
      }
    }
    const data = rows.map((row) => columns.map((c) => (row[c] === undefined || row[c] === null ? "" : String(row[c]))));
    await writeFile(join(dir, TABLES[name].file), Papa.unparse({ fields: columns, data }));
  }
  return dir;
}

export type LoadedFixture = TestStore & { engine: Engine };

/** A fresh store of `engine` holding the fixture in workspace `fixture`. */
export async function loadFixture(
  engine: Engine,
  fixture: Fixture,
  collation: Collation = "server",
): Promise<LoadedFixture> {
  const dir = await writeFixture(fixture);
  const test = await openTestStore(engine, collation);
  try {
    await runImport(test.store, verityImporter, dir, { workspace: WORKSPACE });
  } catch (error) {
    await test.dispose();
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { ...test, engine };
}

/** Runs one metric on a store for a request (workspace defaults to the fixture's). */
export async function report<R>(
  store: Store,
  metric: MetricDefinition<R>,
  request: Partial<MetricRequest> = {},
): Promise<MetricReport<R>> {
  const resolved = await resolveRequest(store, { workspace: WORKSPACE, ...request });
  return runMetric(metric, resolved);
}

/** A minimal sales setup most fixtures start from: two reps in a team, one pipeline of four stages. */
export const BASE: Fixture = {
  reps: [
    { id: "ann", name: "Ann", team: "north" },
    { id: "bob", name: "Bob", team: "north" },
    { id: "cid", name: "Cid", team: "south" },
  ],
  pipelines: [{ id: "p", name: "Sales" }],
  stages: [
    { id: "new", pipeline_id: "p", name: "New", position: 0 },
    { id: "qual", pipeline_id: "p", name: "Qualified", position: 1, is_qualifying: true },
    { id: "demo", pipeline_id: "p", name: "Demo", position: 2 },
    { id: "prop", pipeline_id: "p", name: "Proposal", position: 3 },
  ],
};

/** A lead row with the columns most fixtures do not care about filled in. */
export function lead(fields: FixtureRow & { id: string; created_at: string }): FixtureRow {
  return { pipeline_id: "p", owner_id: "ann", status: "open", ...fields };
}
