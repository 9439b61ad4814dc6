/**
 * The canonical import on both engines: migrations from empty, a round trip of every table,
 * atomic failure with file/line/column, idempotent re-import, and the visit attributes
 * derived at ingest.
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { ImportError } from "../src/ingest/import-error.js";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { TABLE_ORDER, TABLES, type TableName } from "../src/model/canonical.js";
import { MIGRATIONS, migrate } from "../src/store/migrate.js";
import { ident, join as joinSql, sql } from "../src/store/sql.js";
import type { Row, Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const FIXTURE = join(import.meta.dirname, "fixtures", "canonical-small");
const options = { workspace: "acme" };

/** Every table's canonical columns, ordered by key, as the store returns them. */
async function dump(store: Store, workspace = options.workspace): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const name of TABLE_ORDER) {
    const table = TABLES[name];
    const columns = joinSql(table.columns.map((c) => ident(c.name)));
    const keys = joinSql(table.key.map((k) => ident(k)));
    out[name] = await store.query(
      sql`SELECT ${columns} FROM ${ident(name)} WHERE workspace_id = ${workspace} ORDER BY ${keys}`,
    );
  }
  return out;
}

async function counts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of TABLE_ORDER) {
    const [row] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(name)}`);
    out[name] = Number(row?.n);
  }
  return out;
}

/** What a fixture cell should come back as: typed, timestamps in UTC ISO form, defaults applied. */
function expectedValue(table: TableName, column: string, cell: string | undefined): Row[string] {
  const spec = TABLES[table].columns.find((c) => c.name === column);
  if (cell === undefined || cell === "") {
    if (column === "active") return true;
    if (column === "is_qualifying") return false;
    if (column === "kind") return "open";
    return null;
  }
  switch (spec?.type) {
    case "integer":
    case "decimal":
      return Number(cell);
    case "boolean":
      return cell === "true";
    case "timestamp": {
      const iso = cell.replace(" ", "T");
      const withZone = /Z|[+-]\d\d:\d\d$/.test(iso) || iso.length === 10 ? iso : `${iso}Z`;
      return new Date(withZone).toISOString();
    }
    default:
      return cell;
  }
}

async function fixtureRows(table: TableName): Promise<Row[]> {
  const text = await readFile(join(FIXTURE, TABLES[table].file), "utf8");
  const parsed = Papa.parse<Record<string, string>>(text.trim(), { header: true });
  return parsed.data.map((record) => {
    const row: Row = {};
    for (const column of TABLES[table].columns)
      row[column.name] = expectedValue(table, column.name, record[column.name]);
    if ("external_id" in row && row.external_id === null) row.external_id = row.id ?? null;
    return row;
  });
}

async function copyFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "verity-fixture-"));
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

async function replaceInFile(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  if (!text.includes(from)) throw new Error(`${from} not in ${file}`);
  await writeFile(file, text.replace(from, to));
}

const dumps: Partial<Record<string, Record<string, Row[]>>> = {};

for (const engine of engines()) {
  describe(`canonical import on ${engine}`, () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore(engine);
    });
    afterAll(async () => {
      await t?.dispose();
    });

    test("migrations from empty create every table once", async () => {
      const applied = await t.store.query<{ version: number }>(
        sql`SELECT version FROM schema_migrations ORDER BY version`,
      );
      expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(t.store)).toEqual([]);
      expect(Object.values(await counts(t.store)).every((n) => n === 0)).toBe(true);
    });

    test("a broken row aborts the whole import and names file, line and column", async () => {
      const dir = await copyFixture();
      try {
        // a3 is the third activity; a1's note spans two lines, so a3 starts on line 5.
        await replaceInFile(
          join(dir, "activities.csv"),
          "a3,L2,,r2,email,2025-01-11T09:00:00Z",
          "a3,L2,,r2,email,2025-13-11T09:00:00Z",
        );
        const error = await runImport(t.store, verityImporter, dir, options).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ImportError);
        const importError = error as ImportError;
        expect(importError.file).toBe(join(dir, "activities.csv"));
        expect(importError.line).toBe(5);
        expect(importError.column).toBe("occurred_at");
        expect(importError.message).toContain("2025-13-11T09:00:00Z");
        // reps, leads, ... were loaded before activities in the same transaction: all gone.
        expect(Object.values(await counts(t.store)).every((n) => n === 0)).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test.each([
      [
        "leads.csv",
        "L3,Gamma,Gamma GmbH,,r1,p1,s1,open",
        "L3,Gamma,Gamma GmbH,,r1,p1,s1,pending",
        4,
        "status",
        "not one of",
      ],
      ["leads.csv", "L3,Gamma,Gamma GmbH,,r1,", "L3,Gamma,Gamma GmbH,,r9,", 4, "owner_id", "not a known rep"],
      // A line breaking a rule of its own and a lookup is named by its own rule (as ever).
      [
        "leads.csv",
        "L3,Gamma,Gamma GmbH,,r1,p1,s1,open",
        "L3,Gamma,Gamma GmbH,,r9,p1,s1,pending",
        4,
        "status",
        "not one of",
      ],
      ["leads.csv", "L3,Gamma", "L2,Gamma", 4, "id", "appears twice in the file (first on line 3)"],
      [
        "leads.csv",
        "2025-02-01T00:00:00Z,,,800,SEK",
        "2025-02-01T00:00:00Z,,,-800,SEK",
        4,
        "value",
        "below the minimum",
      ],
      [
        "leads.csv",
        "2025-02-01T00:00:00Z,,,800,SEK",
        "2025-02-01T00:00:00Z,,,800,",
        4,
        "currency",
        "needs its currency",
      ],
      [
        "leads.csv",
        "L3,Gamma,Gamma GmbH,,r1,p1,s1",
        "L3,Gamma,Gamma GmbH,,r1,p1,s9",
        4,
        "stage_id",
        "not a known stage",
      ],
      ["stages.csv", "s3,p1,Proposal,2", "s3,p1,Proposal,two", 4, "position", '"two" is not a whole number'],
      [
        "stages.csv",
        "s3,p1,Proposal,2",
        "s3,p1,Proposal,3000000000",
        4,
        "position",
        "3000000000 is above the maximum of 2147483647",
      ],
      [
        "leads.csv",
        "L3,Gamma,Gamma GmbH,,r1,p1,s1,open,2025-02-01T00:00:00Z",
        "L3,Gamma,Gamma GmbH,,r1,p1,s1,open,infinity",
        4,
        "created_at",
        "not a date",
      ],
      // a1's note spans lines 2 and 3, so a3 is on line 5.
      [
        "activities.csv",
        "a3,L2,,r2,email,2025-01-11T09:00:00Z,",
        "a3,L2,,r2,email,2025-01-11T09:00:00Z,ten",
        5,
        "duration_seconds",
        '"ten" is not a whole number',
      ],
      ["reps.csv", "id,name,email", "id,name,mail", 1, "mail", "unknown column"],
      // PostgreSQL cannot store NUL; DuckDB kept it silently: refused on both, by name.
      ["reps.csv", "r2,Bo Ek", "r2,Bo\u0000Ek", 3, "name", "NUL"],
      [
        "stage_events.csv",
        "L3,,s1,2025-02-01T00:00:00Z,r1",
        "L3,,,2025-02-01T00:00:00Z,r1",
        7,
        "to_stage_id",
        "a value is required",
      ],
    ])("%s: %s -> %s fails at line %i, column %s", async (file, from, to, line, column, reason) => {
      const dir = await copyFixture();
      try {
        await replaceInFile(join(dir, file), from, to);
        const error = await runImport(t.store, verityImporter, dir, options).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ImportError);
        expect(error).toMatchObject({ file: join(dir, file), line, column });
        expect((error as Error).message).toContain(reason);
        expect(Object.values(await counts(t.store)).every((n) => n === 0)).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("every table round-trips: the same data in, the same rows out", async () => {
      // A first load on DuckDB goes straight from the files into the tables (no staging).
      const direct = t.store.csvRelation ? vi.spyOn(t.store, "csvRelation") : null;
      const staged = vi.spyOn(t.store, "stageCsv");
      const summary = await runImport(t.store, verityImporter, FIXTURE, options);
      if (direct) {
        expect(direct).toHaveBeenCalledTimes(TABLE_ORDER.length);
        expect(staged).not.toHaveBeenCalled();
      } else expect(staged).toHaveBeenCalledTimes(TABLE_ORDER.length);
      staged.mockRestore();
      direct?.mockRestore();
      const stored = await dump(t.store);
      for (const name of TABLE_ORDER) {
        const expected = await fixtureRows(name);
        expect(summary.tables[name]).toMatchObject({ rows: expected.length, created: expected.length, updated: 0 });
        const keyOf = (row: Row) => TABLES[name].key.map((k) => String(row[k])).join("|");
        const sorted = [...expected].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
        expect(stored[name], name).toEqual(sorted);
      }
      dumps[engine] = stored;
    });

    test("re-importing the same files creates nothing and changes nothing", async () => {
      const before = await counts(t.store);
      const summary = await runImport(t.store, verityImporter, FIXTURE, options);
      for (const name of TABLE_ORDER) {
        expect(summary.tables[name]).toMatchObject({ created: 0, updated: 0, removed: 0 });
        expect(summary.tables[name]?.unchanged).toBe(before[name]);
      }
      expect(await counts(t.store)).toEqual(before);
    });

    test("a later export updates rows and replaces a lead's stage history", async () => {
      const dir = await copyFixture();
      try {
        await replaceInFile(join(dir, "leads.csv"), "2025-02-01T00:00:00Z,,,800,SEK", "2025-02-01T00:00:00Z,,,950,SEK");
        await replaceInFile(join(dir, "stage_events.csv"), "L2,s3,s2,2025-01-20T07:00:00Z,r2\n", "");
        const summary = await runImport(t.store, verityImporter, dir, options);
        expect(summary.tables.leads).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
        expect(summary.tables.stage_events).toMatchObject({ created: 0, updated: 0, unchanged: 5, removed: 1 });
        const [l3] = await t.store.query(
          sql`SELECT value FROM leads WHERE workspace_id = ${options.workspace} AND id = 'L3'`,
        );
        expect(l3?.value).toBe(950);
        const events = await t.store.query(sql`SELECT count(*) AS n FROM stage_events WHERE lead_id = 'L2'`);
        expect(events[0]?.n).toBe(2);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("visit number and seconds since the previous visit are derived at ingest, and renumbered", async () => {
      const visits = () =>
        t.store.query(
          sql`SELECT visit_id, visit_number, seconds_since_previous FROM visits WHERE workspace_id = ${options.workspace} ORDER BY visit_id`,
        );
      // vis1: v1 2024-12-20 10:00; v2 and v4 both 2025-01-02 08:55 (tie broken by id); vis2: v3 alone.
      // v1 -> v2: 12 days 22 h 55 min = 1,119,300 s.
      expect(await visits()).toEqual([
        { visit_id: "v1", visit_number: 1, seconds_since_previous: null },
        { visit_id: "v2", visit_number: 2, seconds_since_previous: 1_119_300 },
        { visit_id: "v3", visit_number: 1, seconds_since_previous: null },
        { visit_id: "v4", visit_number: 3, seconds_since_previous: 0 },
      ]);
      const dir = await mkdtemp(join(tmpdir(), "verity-visits-"));
      try {
        // An earlier visit of vis1 arrives later: everything after it moves up by one.
        await writeFile(join(dir, "visits.csv"), "visit_id,visitor_id,started_at\nv0,vis1,2024-12-19T10:00:00Z\n");
        await runImport(t.store, verityImporter, dir, options);
        expect(await visits()).toEqual([
          { visit_id: "v0", visit_number: 1, seconds_since_previous: null },
          { visit_id: "v1", visit_number: 2, seconds_since_previous: 86_400 },
          { visit_id: "v2", visit_number: 3, seconds_since_previous: 1_119_300 },
          { visit_id: "v3", visit_number: 1, seconds_since_previous: null },
          { visit_id: "v4", visit_number: 4, seconds_since_previous: 0 },
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("a file with a byte-order mark and CRLF line ends reads the same", async () => {
      const dir = await mkdtemp(join(tmpdir(), "verity-crlf-"));
      try {
        const text = await readFile(join(FIXTURE, "reps.csv"), "utf8");
        await writeFile(join(dir, "reps.csv"), `\uFEFF${text.replaceAll("\n", "\r\n")}`);
        const summary = await runImport(t.store, verityImporter, dir, { workspace: "crlf" });
        expect(summary.tables.reps).toMatchObject({ rows: 3, created: 3 });
        const stored = await dump(t.store, "crlf");
        expect(stored.reps).toEqual(await fixtureRows("reps"));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("a visit that moves to another visitor renumbers both visitors", async () => {
      const dir = await mkdtemp(join(tmpdir(), "verity-move-"));
      try {
        // v1 was vis1's first visit (after v0 above); a later export says it was vis2's.
        await writeFile(
          join(dir, "visits.csv"),
          "visit_id,visitor_id,started_at,landing_url,referrer\nv1,vis2,2024-12-20T10:00:00Z,https://example.com/,https://www.google.com/\n",
        );
        await runImport(t.store, verityImporter, dir, options);
        const visits = await t.store.query(
          sql`SELECT visit_id, visitor_id, visit_number, seconds_since_previous FROM visits WHERE workspace_id = ${options.workspace} ORDER BY visit_id`,
        );
        // vis1: v0 (12-19 10:00), v2 and v4 (01-02 08:55). vis2: v1 (12-20 10:00), v3 (01-09 12:00).
        // v0 -> v2: 13 days 22 h 55 min = 1,205,700 s; v1 -> v3: 20 days 2 h = 1,735,200 s.
        expect(visits).toEqual([
          { visit_id: "v0", visitor_id: "vis1", visit_number: 1, seconds_since_previous: null },
          { visit_id: "v1", visitor_id: "vis2", visit_number: 1, seconds_since_previous: null },
          { visit_id: "v2", visitor_id: "vis1", visit_number: 2, seconds_since_previous: 1_205_700 },
          { visit_id: "v3", visitor_id: "vis2", visit_number: 2, seconds_since_previous: 1_735_200 },
          { visit_id: "v4", visitor_id: "vis1", visit_number: 3, seconds_since_previous: 0 },
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("an identity links its visit to the lead with that contact; importing the visits again keeps the link", async () => {
      const dir = await mkdtemp(join(tmpdir(), "verity-identity-"));
      const workspace = "identity";
      const hash = createHash("sha256").update("ada@example.com").digest("hex");
      const linked = () =>
        t.store.query<{ visit_id: string; converted_lead_id: string | null }>(
          sql`SELECT visit_id, converted_lead_id FROM visits WHERE workspace_id = ${workspace} ORDER BY visit_id`,
        );
      try {
        await writeFile(join(dir, "pipelines.csv"), "id,name\np,P\n");
        await writeFile(
          join(dir, "leads.csv"),
          "id,contact,pipeline_id,status,created_at\nada,  Ada@Example.com ,p,open,2025-01-03T10:00:00Z\n",
        );
        await writeFile(
          join(dir, "visits.csv"),
          "visit_id,visitor_id,started_at\nw1,anon,2025-01-01T10:00:00Z\nw2,anon,2025-01-03T09:50:00Z\nw3,login,2025-02-01T08:00:00Z\n",
        );
        const identities = (h: string) =>
          writeFile(
            join(dir, "visitor_identities.csv"),
            `visitor_id,email_hash,visit_id,identified_at\nanon,${h},w2,2025-01-03T09:55:00Z\nlogin,${hash},w3,2025-02-01T08:01:00Z\n`,
          );
        // An address in clear text (or a hash in upper case) is refused, naming the column.
        for (const bad of ["ada@example.com", hash.toUpperCase()]) {
          await identities(bad);
          const refused = await runImport(t.store, verityImporter, dir, { workspace }).catch((e: unknown) => e);
          expect(refused).toBeInstanceOf(ImportError);
          expect((refused as ImportError).message).toMatch(
            /visitor_identities\.csv, line 2, column email_hash: .*lower-case hex/,
          );
        }
        await identities(hash);
        const first = await runImport(t.store, verityImporter, dir, { workspace });
        expect(first.notes).toContain("1 visit was linked to the lead with the same contact (by email or CRM id)");
        // w3: Ada logging in a month after her lead was created did not create it on that visit.
        expect(await linked()).toEqual([
          { visit_id: "w1", converted_lead_id: null },
          { visit_id: "w2", converted_lead_id: "ada" },
          { visit_id: "w3", converted_lead_id: null },
        ]);
        // The same files again: the file's empty converted_lead_id keeps the link; nothing changes.
        const again = await runImport(t.store, verityImporter, dir, { workspace });
        expect(again.tables.visits).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3 });
        expect(again.tables.visitor_identities).toMatchObject({ rows: 2, created: 0, updated: 0, unchanged: 2 });
        expect(again.notes.some((n) => n.includes("linked"))).toBe(false);
        expect(await linked()).toEqual([
          { visit_id: "w1", converted_lead_id: null },
          { visit_id: "w2", converted_lead_id: "ada" },
          { visit_id: "w3", converted_lead_id: null },
        ]);
        // The conversion is counted in the month's rollup too.
        const [rollup] = await t.store.query<{ n: number }>(
          sql`SELECT sum(converted_visits) AS n FROM visit_source_months WHERE workspace_id = ${workspace}`,
        );
        expect(Number(rollup?.n)).toBe(1);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("workspaces are apart: the same ids in two workspaces never mix", async () => {
      expect(Object.values(await dump(t.store, "someone-else")).every((rows) => rows.length === 0)).toBe(true);
      const before = await dump(t.store);
      const dir = await copyFixture();
      try {
        await replaceInFile(join(dir, "leads.csv"), "2025-02-01T00:00:00Z,,,800,SEK", "2025-02-01T00:00:00Z,,,1,SEK");
        await replaceInFile(join(dir, "stage_events.csv"), "L2,s3,s2,2025-01-20T07:00:00Z,r2\n", "");
        const summary = await runImport(t.store, verityImporter, dir, { workspace: "someone-else" });
        expect(summary.tables.leads).toMatchObject({ created: 3, updated: 0 });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      // Same lead ids, other values, in the other workspace: this one is untouched.
      expect(await dump(t.store)).toEqual(before);
      const other = await dump(t.store, "someone-else");
      expect(other.leads?.find((l) => l.id === "L3")?.value).toBe(1);
      // The fixture's six stage changes less the one removed from this copy.
      expect(other.stage_events).toHaveLength(5);
    });

    test("a duplicate key deep in a large first load is named with both lines", async () => {
      // Large enough for PostgreSQL's bulk path (indexes rebuilt after the insert), where the
      // fast mode leaves duplicates to the primary key and the exact rerun words the error.
      const dir = await mkdtemp(join(tmpdir(), "verity-large-"));
      try {
        const lines = ["visit_id,visitor_id,started_at"];
        for (let i = 0; i < 60_000; i++) lines.push(`big${i},visitor${i % 9_000},2025-01-01T00:00:00Z`);
        lines.push("big123,visitor1,2025-01-02T00:00:00Z");
        await writeFile(join(dir, "visits.csv"), `${lines.join("\n")}\n`);
        const error = await runImport(t.store, verityImporter, dir, { workspace: "large" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ImportError);
        // Header on line 1, big0 on line 2, so big123 on line 125 and the copy on line 60,002.
        expect(error).toMatchObject({ line: 60_002, column: "visit_id" });
        expect((error as Error).message).toContain("first on line 125");
        const [row] = await t.store.query(sql`SELECT count(*) AS n FROM visits WHERE workspace_id = 'large'`);
        expect(row?.n).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("money is rounded to cents the same way on every engine", async () => {
      const dir = await mkdtemp(join(tmpdir(), "verity-cents-"));
      try {
        await writeFile(
          join(dir, "leads.csv"),
          "id,pipeline_id,status,created_at,value,currency\nC1,p1,open,2025-01-01,12.345,EUR\nC2,p1,open,2025-01-01,12.355,EUR\nC3,p1,open,2025-01-01,0.004,EUR\n",
        );
        await runImport(t.store, verityImporter, dir, options);
        const values = await t.store.query(
          sql`SELECT id, value FROM leads WHERE workspace_id = ${options.workspace} AND id LIKE 'C%' ORDER BY id`,
        );
        // Half away from zero: 12.345 -> 12.35, 12.355 -> 12.36; 0.004 -> 0.
        expect(values).toEqual([
          { id: "C1", value: 12.35 },
          { id: "C2", value: 12.36 },
          { id: "C3", value: 0 },
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

if (engines().length === 2) {
  describe("both engines give one answer", () => {
    test("the round-tripped rows are identical on DuckDB and PostgreSQL", () => {
      expect(dumps.duckdb).toBeDefined();
      expect(dumps.postgres).toEqual(dumps.duckdb);
    });
  });
}
