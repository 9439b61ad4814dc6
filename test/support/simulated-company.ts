/**
 * A simulated company (size s) for checking metrics against plain TypeScript reference
 * implementations: the CSV files parsed into objects (what the reference reads) and the same
 * files imported into a store of each engine (what the metric reads).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { runImport } from "../../src/ingest/importer.js";
import { verityImporter } from "../../src/ingest/verity-importer.js";
import { TABLE_ORDER, TABLES, type TableName } from "../../src/model/canonical.js";
import { simulate } from "../../src/simulate/simulate.js";
import type { Engine } from "./databases.js";
import { openTestStore, type TestStore } from "./stores.js";

export const SIMULATED_WORKSPACE = "sim";

/** Rows as the CSV has them: every value a string, empty cells as null. */
export type CsvRow = Record<string, string | null>;
export type SimulatedCompany = { dir: string; tables: Record<TableName, CsvRow[]>; cleanup(): Promise<void> };

export async function simulatedCompany(seed = 3): Promise<SimulatedCompany> {
  const dir = await mkdtemp(join(tmpdir(), "verity-simco-"));
  await simulate({ size: "s", seed, outDir: dir });
  const tables = {} as Record<TableName, CsvRow[]>;
  for (const name of TABLE_ORDER) {
    const text = await readFile(join(dir, TABLES[name].file), "utf8");
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    tables[name] = parsed.data.map((row) => {
      const out: CsvRow = {};
      for (const [k, v] of Object.entries(row)) out[k] = v === "" ? null : v;
      return out;
    });
  }
  return { dir, tables, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The company imported into a fresh store of `engine`, workspace `sim`. */
export async function loadSimulated(engine: Engine, company: SimulatedCompany): Promise<TestStore> {
  const test = await openTestStore(engine);
  try {
    await runImport(test.store, verityImporter, company.dir, { workspace: SIMULATED_WORKSPACE });
  } catch (error) {
    await test.dispose();
    throw error;
  }
  return test;
}

/** Milliseconds since 1970 of a CSV timestamp (ISO, UTC). */
export function ms(value: string | null): number | null {
  return value === null ? null : Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
}
