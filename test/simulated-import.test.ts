/**
 * A whole simulated company (size s) through `import` on each engine: every row arrives,
 * the visit attributes match a plain recomputation from the files, PostgreSQL keeps its keys
 * and indexes after a bulk load, and both engines hold the same data.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { TABLE_ORDER, TABLES } from "../src/model/canonical.js";
import { type SimulationSummary, simulate } from "../src/simulate/simulate.js";
import { ident, sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";

let dir: string;
let simulation: SimulationSummary;
const fingerprints: Record<string, unknown> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-sim-"));
  simulation = await simulate({ size: "s", seed: 7, outDir: dir });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Visit number and seconds since the previous visit, the obvious way. */
async function expectedVisitAttributes(): Promise<Map<string, { n: number; s: number | null }>> {
  const parsed = Papa.parse<Record<string, string>>(await readFile(join(dir, "visits.csv"), "utf8"), {
    header: true,
    skipEmptyLines: true,
  });
  const byVisitor = new Map<string, { id: string; at: number }[]>();
  for (const v of parsed.data) {
    const list = byVisitor.get(v.visitor_id as string) ?? [];
    list.push({ id: v.visit_id as string, at: Date.parse(v.started_at as string) });
    byVisitor.set(v.visitor_id as string, list);
  }
  const out = new Map<string, { n: number; s: number | null }>();
  for (const list of byVisitor.values()) {
    list.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    list.forEach((v, i) => {
      const previous = list[i - 1];
      out.set(v.id, { n: i + 1, s: previous ? Math.round((v.at - previous.at) / 1000) : null });
    });
  }
  return out;
}

for (const engine of engines()) {
  describe(`simulated company on ${engine}`, () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore(engine);
    });
    afterAll(async () => {
      await t?.dispose();
    });

    test("every simulated row is imported", async () => {
      const summary = await runImport(t.store, verityImporter, dir, { workspace: "sim" });
      for (const name of TABLE_ORDER) {
        expect(summary.tables[name]?.created, name).toBe(simulation.rows[name]);
        const [row] = await t.store.query<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(name)}`);
        expect(row?.n, name).toBe(simulation.rows[name]);
      }
    });

    test("visit number and seconds since the previous visit match a recomputation from the file", async () => {
      const expected = await expectedVisitAttributes();
      const stored = await t.store.query<{
        visit_id: string;
        visit_number: number;
        seconds_since_previous: number | null;
      }>(sql`SELECT visit_id, visit_number, seconds_since_previous FROM visits WHERE workspace_id = 'sim'`);
      expect(stored).toHaveLength(expected.size);
      const returning = stored.filter((v) => v.visit_number > 1).length;
      expect(returning).toBeGreaterThan(0);
      for (const v of stored)
        expect({ id: v.visit_id, n: v.visit_number, s: v.seconds_since_previous }).toEqual({
          id: v.visit_id,
          ...expected.get(v.visit_id),
        });
    });

    if (engine === "postgres") {
      test("a bulk load leaves every key and index in place", async () => {
        const indexes = await t.store.query<{ table: string; n: number }>(
          sql`SELECT tablename AS "table", count(*) AS n FROM pg_indexes WHERE schemaname = current_schema() GROUP BY tablename ORDER BY tablename`,
        );
        const byTable = Object.fromEntries(indexes.map((r) => [r.table, r.n]));
        // Primary key + the secondary indexes of migrations 1, 3 (leads by close and by
        // qualification time, the latter an expression index), 6 (activities by time) and 7
        // (stage events by time, lead values by currency, a partial index), 8 (clicks by time),
        // 10 (won leads by close, partial), the rollups' month indexes of 9, 11 and 25, and 23
        // (visits by the lead they converted to, partial).
        expect(byTable).toMatchObject({
          visits: 4,
          activities: 4,
          leads: 8,
          stage_events: 2,
          email_events: 3,
          activity_months: 1,
          activity_note_months: 1,
          lead_activity_months: 1,
          won_stage_days: 1,
        });
        const [pk] = await t.store.query<{ n: number }>(
          sql`SELECT count(*) AS n FROM pg_constraint WHERE contype = 'p' AND conrelid = 'email_events'::regclass`,
        );
        expect(pk?.n).toBe(1);
      });
    }

    test("the same fingerprint on every engine", async () => {
      const fingerprint: Record<string, unknown> = {};
      for (const name of TABLE_ORDER) {
        const first = TABLES[name].columns.find((c) => c.type === "timestamp")?.name;
        const [row] = await t.store.query(
          first
            ? sql`SELECT count(*) AS n, CAST(min(${ident(first)}) AS TEXT) AS lo, CAST(max(${ident(first)}) AS TEXT) AS hi FROM ${ident(name)}`
            : sql`SELECT count(*) AS n FROM ${ident(name)}`,
        );
        fingerprint[name] = row;
      }
      const [sums] = await t.store.query(
        sql`SELECT sum(value) AS value, count(DISTINCT owner_id) AS owners, count(qualified_at) AS qualified FROM leads`,
      );
      const [visits] = await t.store.query(
        sql`SELECT sum(visit_number) AS n, sum(seconds_since_previous) AS s, count(DISTINCT visitor_id) AS visitors FROM visits`,
      );
      fingerprint.sums = sums;
      fingerprint.visits = visits;
      fingerprints[engine] = fingerprint;
      if (Object.keys(fingerprints).length === 2) expect(fingerprints.postgres).toEqual(fingerprints.duckdb);
    });
  });
}
