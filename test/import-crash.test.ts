/**
 * Crash test (issue 13): `kill -9` during an import leaves all of it or none of it.
 * `verity import` (the built CLI, dist/) loads a simulated company's Verity CSV files into a
 * fresh database and is killed with SIGKILL at a random moment of its run (seeded:
 * VERITY_CRASH_SEED, printed on failure), several times on the same database. After each
 * kill every table of the import's data (the canonical tables, the derived facts, the
 * import's record) holds either nothing or exactly what a whole import leaves, the canonical
 * tables as many rows as the files have; then a full import succeeds. On both engines (a
 * DuckDB file, whose WAL is replayed on the next open; a PostgreSQL database).
 *
 * The company is size s (15 MB, ~160,000 rows; a whole import takes ~3 s) to stay within
 * CI's time; VERITY_CRASH_SIZE=m (490 MB, ~30 s an import) runs the same test larger.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLE_ORDER, TABLES } from "../src/model/canonical.js";
import { Random } from "../src/simulate/random.js";
import { openStore } from "../src/store/open-store.js";
import { ident, sql } from "../src/store/sql.js";
import { createTestDatabase, engines, type TestDatabase } from "./support/databases.js";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "verity.js");
const SEED = Number(process.env.VERITY_CRASH_SEED ?? 20261206);
const SIZE = process.env.VERITY_CRASH_SIZE ?? "s";
const KILLS = 4;
/** Tables that are not the import's data: the schema's own record and the workspace row. */
// kept_answers: after the import commits, `verity import` computes and keeps the plain check's
// answer (kept-answers.ts) in a transaction of its own; a kill between the two leaves the import
// whole and no kept answer, which the next `verity check` computes.
const NOT_IMPORTED = new Set(["schema_migrations", "workspaces", "kept_answers"]);

type Run = { code: number | null; signal: NodeJS.Signals | null; ms: number; stderr: string };

/** Runs the built CLI; with `killAfterMs`, SIGKILLs it then (unless it has ended). */
function verity(args: readonly string[], killAfterMs?: number): Promise<Run> {
  const started = Date.now();
  // No database from the environment: --db says which one.
  const env = { ...process.env };
  delete env.VERITY_DATABASE_URL;
  delete env.VERITY_DB;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started, stderr });
    });
  });
}

/** Rows per table of the database (every table the schema has, less NOT_IMPORTED). */
async function countRows(target: string, engine: "duckdb" | "postgres"): Promise<Record<string, number>> {
  const store = await openStore(engine === "duckdb" ? { engine, path: target } : { engine, url: target });
  try {
    const tables = await store.query<{ name: string }>(
      sql`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      if (NOT_IMPORTED.has(name)) continue;
      const [row] = await store.query<{ n: number | string }>(sql`SELECT count(*) AS n FROM ${ident(name)}`);
      counts[name] = Number(row?.n);
    }
    return counts;
  } finally {
    await store.close();
  }
}

/** What the simulated company's files hold: rows per canonical table (a note may span lines). */
async function fileRows(dir: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLE_ORDER) {
    const file = join(dir, TABLES[table].file);
    if (!existsSync(file)) continue;
    const parsed = Papa.parse(await readFile(file, "utf8"), { header: true, skipEmptyLines: true });
    counts[table] = parsed.data.length;
  }
  return counts;
}

let company: string;
let files: Record<string, number>;
beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    throw new Error("dist/ is missing: build it first (npx tsc -p tsconfig.build.json, or npm run build)");
  }
  company = await mkdtemp(join(tmpdir(), "verity-import-crash-"));
  const simulated = await verity(["simulate", "--out", company, "--size", SIZE, "--seed", "11"]);
  expect(simulated.code, simulated.stderr).toBe(0);
  files = await fileRows(company);
}, 300_000);
afterAll(async () => {
  if (company) await rm(company, { recursive: true, force: true });
});

describe.each(engines())("SIGKILL during `verity import` on %s", (engine) => {
  let dir: string;
  const databases: TestDatabase[] = [];
  /** A new, empty database: a DuckDB file in `dir`, or a PostgreSQL test database. */
  const freshDatabase = async (name: string): Promise<string> => {
    if (engine === "duckdb") return join(dir, `${name}.duckdb`);
    const database = await createTestDatabase();
    databases.push(database);
    return database.url;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-import-crash-db-"));
  });
  afterAll(async () => {
    for (const database of databases) await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`leaves all of the import or none of it, ${KILLS} kills (seed ${SEED})`, async () => {
    const importArgs = (db: string) => ["--db", db, "import", company, "--format", "verity", "--json"];

    // A whole import on a database of its own: how long one takes, and what it leaves.
    const reference = await freshDatabase("reference");
    const whole = await verity(importArgs(reference));
    expect(whole.code, whole.stderr).toBe(0);
    const all = await countRows(reference, engine);
    for (const [table, rows] of Object.entries(files)) expect(all[table], table).toBe(rows);

    const none = await countRows(await freshDatabase("empty"), engine);
    expect(Object.values(none).every((n) => n === 0)).toBe(true);
    // The import's own record counts imports; every other table must match exactly.
    const sameAs = (counts: Record<string, number>, expected: Record<string, number>) =>
      Object.keys(expected).every((table) => table === "imports" || counts[table] === expected[table]);

    const random = new Random(SEED, "import-crash");
    const rand = () => random.next();
    const outcomes: string[] = [];
    // Each kill hits a first import: after one that committed, the next starts on a new
    // database (a re-import of the same files changes nothing, so it could not show a part).
    // After one that left nothing, the next runs on the same database, as a user would.
    let db = await freshDatabase("killed-0");
    for (let i = 0; i < KILLS; i++) {
      // Anywhere from the start (reading files) to the commit and after.
      const killAfterMs = Math.round((0.05 + 0.95 * rand()) * whole.ms);
      const run = await verity(importArgs(db), killAfterMs);
      const counts = await countRows(db, engine);
      const state = Object.values(counts).every((n) => n === 0) ? "none" : sameAs(counts, all) ? "all" : "partial";
      outcomes.push(`kill ${i + 1} at ${killAfterMs} ms (${run.signal ?? `exit ${run.code}`}): ${state}`);
      const context = `seed ${SEED}; ${outcomes.join("; ")}; ${JSON.stringify(counts)}`;
      expect(state, context).not.toBe("partial");
      if (run.signal === null) expect(run.code, run.stderr).toBe(0);
      if (state === "all") db = await freshDatabase(`killed-${i + 1}`);
    }

    const final = await verity(importArgs(db));
    expect(final.code, final.stderr).toBe(0);
    const after = await countRows(db, engine);
    expect(sameAs(after, all), JSON.stringify(after)).toBe(true);
    for (const [table, rows] of Object.entries(files)) expect(after[table], table).toBe(rows);
    expect(after.imports).toBeGreaterThanOrEqual(1);
  }, 600_000);
});
