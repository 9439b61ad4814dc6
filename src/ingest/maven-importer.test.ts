/**
 * The Maven CRM importer against the real dataset (../shared/data/maven-crm, never copied
 * into the repository). Expected figures are recomputed here from the raw CSV files, so
 * the test checks the conversion rather than numbers copied from a README.
 */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../../test/support/databases.js";
import { importErrorOf, openImportTestStore, rowCounts, storeForTests } from "../../test/support/importer-tests.js";
import { sharedDataset } from "../../test/support/shared-data.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { type ImportSummary, runImport } from "./importer.js";
import { importerFor } from "./importers.js";
import { mavenImporter } from "./maven-importer.js";

const { path: DATASET, present: HAS_DATASET } = sharedDataset("maven-crm");
const PIPELINE = "sales_pipeline.csv";
const COUNTED_TABLES = ["workspaces", "imports", "reps", "pipelines", "stages", "leads", "stage_events"] as const;

const countRows = (store: Store) => rowCounts(store, COUNTED_TABLES);

type Raw = Record<string, string>;

async function readRaw(file: string): Promise<Raw[]> {
  const parsed = Papa.parse<Raw>(await readFile(file, "utf8"), { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

/** Copies the dataset into a temporary directory, letting `edit` change sales_pipeline.csv's lines. */
async function copyWith(edit: (lines: string[]) => void, file = PIPELINE): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "verity-maven-test-"));
  for (const name of await readdir(DATASET)) await copyFile(join(DATASET, name), join(dir, name));
  const lines = (await readFile(join(DATASET, file), "utf8")).split("\r\n");
  edit(lines);
  await writeFile(join(dir, file), lines.join("\r\n"));
  return dir;
}

/** Sets one cell of a raw line (the files have no quoted cells). */
function setCell(lines: string[], line: number, column: string, value: string): void {
  const header = (lines[0] ?? "").split(",");
  const cells = (lines[line - 1] ?? "").split(",");
  cells[header.indexOf(column)] = value;
  lines[line - 1] = cells.join(",");
}

describe.skipIf(!HAS_DATASET)("maven import (needs ../shared/data/maven-crm)", () => {
  // What the raw files say, computed independently of the importer.
  let pipeline: Raw[];
  let teams: Raw[];
  let price: Map<string, number>;
  const key = (product: string) => product.replace(/\s+/g, "").toLowerCase();
  const temporary: string[] = [];

  beforeAll(async () => {
    pipeline = await readRaw(join(DATASET, PIPELINE));
    teams = await readRaw(join(DATASET, "sales_teams.csv"));
    price = new Map(
      (await readRaw(join(DATASET, "products.csv"))).map((p) => [key(p.product ?? ""), Number(p.sales_price)]),
    );
  });

  afterAll(async () => {
    for (const dir of temporary) await rm(dir, { recursive: true, force: true });
  });

  const byStage = (stage: string) => pipeline.filter((r) => r.deal_stage === stage);

  it("reads the figures the dataset documents", () => {
    expect(pipeline).toHaveLength(8800);
    expect(byStage("Won")).toHaveLength(4238);
    expect(byStage("Lost")).toHaveLength(2473);
    expect(byStage("Engaging")).toHaveLength(1589);
    expect(byStage("Prospecting")).toHaveLength(500);
    expect(teams).toHaveLength(35);
  });

  it("is registered as the maven format", () => {
    expect(importerFor("maven")).toBe(mavenImporter);
    expect(() => importerFor("nope")).toThrow(/Unknown import format "nope".*maven \(.*verity \(/);
  });

  for (const engine of engines()) {
    describe(engine, () => {
      const opened = storeForTests(engine, true);
      let first: ImportSummary;

      it("imports every opportunity, rep and derived stage event", async () => {
        const { store } = opened;
        const started = performance.now();
        first = await runImport(store, mavenImporter, DATASET, { workspace: "w" });
        const elapsed = performance.now() - started;
        console.info(`[maven import on ${engine}] ${elapsed.toFixed(0)} ms (summary: ${first.durationMs} ms)`);

        expect(first.sourceSystem).toBe("maven");
        expect(first.lacks).toEqual(
          expect.arrayContaining([
            "stage_history",
            "activities",
            "web_visits",
            "social",
            "newsletter",
            "loss_reasons",
            "lead_sources",
          ]),
        );
        expect(first.skipped).toEqual([]);
        expect(first.notes.join("\n")).toMatch(/500 Prospecting opportunities .* 2017-12-31/);
        expect(first.tables.leads?.created).toBe(pipeline.length);

        const leads = await store.query<{ status: string; stage_id: string; n: number }>(
          sql`SELECT status, stage_id, count(*) AS n FROM leads WHERE workspace_id = 'w' GROUP BY 1, 2 ORDER BY 1, 2`,
        );
        expect(leads.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([
          { status: "lost", stage_id: "maven:lost", n: byStage("Lost").length },
          { status: "open", stage_id: "maven:engaging", n: byStage("Engaging").length },
          { status: "open", stage_id: "maven:prospecting", n: byStage("Prospecting").length },
          { status: "won", stage_id: "maven:won", n: byStage("Won").length },
        ]);
        expect(leads.reduce((sum, r) => sum + Number(r.n), 0)).toBe(8800);

        const stages = await store.query(
          sql`SELECT id, position, is_qualifying, kind FROM stages WHERE pipeline_id = 'maven:pipeline' ORDER BY position`,
        );
        expect(stages).toEqual([
          { id: "maven:prospecting", position: 0, is_qualifying: false, kind: "open" },
          { id: "maven:engaging", position: 1, is_qualifying: true, kind: "open" },
          { id: "maven:won", position: 2, is_qualifying: false, kind: "won" },
          { id: "maven:lost", position: 3, is_qualifying: false, kind: "lost" },
        ]);

        // Every agent of sales_teams.csv is a rep, with or without deals.
        const reps = await store.query<{ external_id: string; team: string; region: string; active: boolean }>(
          sql`SELECT external_id, team, region, active FROM reps WHERE workspace_id = 'w' ORDER BY external_id`,
        );
        expect(reps).toHaveLength(teams.length);
        expect(reps).toEqual(
          teams
            .map((t) => ({ external_id: t.sales_agent, team: t.manager, region: t.regional_office, active: true }))
            .sort((a, b) => ((a.external_id ?? "") < (b.external_id ?? "") ? -1 : 1)),
        );

        // Won value per agent = the sum of close_value in the raw file.
        const wonByAgent = new Map<string, number>();
        for (const r of byStage("Won")) {
          wonByAgent.set(r.sales_agent ?? "", (wonByAgent.get(r.sales_agent ?? "") ?? 0) + Number(r.close_value));
        }
        const won = await store.query<{ agent: string; value: number; currency: string }>(
          sql`SELECT r.external_id AS agent, sum(l.value) AS value, min(l.currency) AS currency
              FROM leads AS l JOIN reps AS r ON r.workspace_id = l.workspace_id AND r.id = l.owner_id
              WHERE l.workspace_id = 'w' AND l.status = 'won' GROUP BY 1`,
        );
        expect(new Map(won.map((r) => [r.agent, Number(r.value)]))).toEqual(wonByAgent);
        expect(new Set(won.map((r) => r.currency))).toEqual(new Set(["USD"]));

        // Lost and open leads are valued at the product's list price.
        const atStake = await store.query<{ external_id: string; value: number }>(
          sql`SELECT external_id, value FROM leads WHERE workspace_id = 'w' AND status <> 'won'`,
        );
        const listPrice = new Map(
          pipeline
            .filter((r) => r.deal_stage !== "Won")
            .map((r) => [r.opportunity_id, price.get(key(r.product ?? ""))]),
        );
        expect(new Map(atStake.map((r) => [r.external_id, Number(r.value)]))).toEqual(listPrice);

        // Dates: created at engage_date, Prospecting at the as-of date.
        const sample = pipeline.find((r) => r.deal_stage === "Won");
        const [lead] = await store.query(
          sql`SELECT id, account, owner_id, created_at, qualified_at, closed_at FROM leads WHERE external_id = ${sample?.opportunity_id ?? ""}`,
        );
        expect(lead).toEqual({
          id: `maven:${sample?.opportunity_id}`,
          account: sample?.account,
          owner_id: `maven:${(sample?.sales_agent ?? "").toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
          created_at: `${sample?.engage_date}T00:00:00.000Z`,
          qualified_at: `${sample?.engage_date}T00:00:00.000Z`,
          closed_at: `${sample?.close_date}T00:00:00.000Z`,
        });
        const prospecting = await store.query(
          sql`SELECT DISTINCT created_at, qualified_at, closed_at FROM leads WHERE stage_id = 'maven:prospecting'`,
        );
        expect(prospecting).toEqual([{ created_at: "2017-12-31T00:00:00.000Z", qualified_at: null, closed_at: null }]);
        const [blank] = await store.query<{ n: number }>(
          sql`SELECT count(*) AS n FROM leads WHERE workspace_id = 'w' AND account IS NULL`,
        );
        expect(Number(blank?.n)).toBe(pipeline.filter((r) => r.account === "").length);

        // Stage events: one per Prospecting/Engaging lead, two per closed one.
        const events = await store.query<{ from_stage_id: string | null; to_stage_id: string; n: number }>(
          sql`SELECT from_stage_id, to_stage_id, count(*) AS n FROM stage_events WHERE workspace_id = 'w' GROUP BY 1, 2 ORDER BY 2, 1`,
        );
        const closed = byStage("Won").length + byStage("Lost").length;
        expect(events.map((e) => ({ ...e, n: Number(e.n) }))).toEqual([
          { from_stage_id: null, to_stage_id: "maven:engaging", n: byStage("Engaging").length + closed },
          { from_stage_id: "maven:engaging", to_stage_id: "maven:lost", n: byStage("Lost").length },
          { from_stage_id: null, to_stage_id: "maven:prospecting", n: byStage("Prospecting").length },
          { from_stage_id: "maven:engaging", to_stage_id: "maven:won", n: byStage("Won").length },
        ]);
        const [mismatched] = await store.query<{ n: number }>(
          sql`SELECT count(*) AS n FROM stage_events AS e JOIN leads AS l ON l.workspace_id = e.workspace_id AND l.id = e.lead_id
              WHERE e.rep_id IS DISTINCT FROM l.owner_id`,
        );
        expect(Number(mismatched?.n)).toBe(0);
      });

      it("re-imports with nothing created or changed", async () => {
        const { store } = opened;
        const before = await countRows(store);
        const again = await runImport(store, mavenImporter, DATASET, { workspace: "w" });
        for (const [name, counts] of Object.entries(again.tables)) {
          expect({ name, ...counts }).toEqual({
            name,
            rows: first.tables[name as keyof typeof first.tables]?.rows,
            created: 0,
            updated: 0,
            unchanged: counts.rows,
            removed: 0,
          });
        }
        expect(await countRows(store)).toEqual({ ...before, imports: (before.imports ?? 0) + 1 });
      });

      it("rejects an impossible close_date with its line and column, changing nothing", async () => {
        let brokenLine = 0;
        const dir = await copyWith((lines) => {
          const header = (lines[0] ?? "").split(",");
          const stage = header.indexOf("deal_stage");
          brokenLine =
            lines.findIndex((l, i) => i >= lines.length / 2 && /^(Won|Lost)$/.test(l.split(",")[stage] ?? "")) + 1;
          setCell(lines, brokenLine, "close_date", "2017-02-30");
        });
        temporary.push(dir);
        expect(brokenLine).toBeGreaterThan(4000);

        // After a good import: the previous counts stay.
        const before = await countRows(opened.store);
        const error = await importErrorOf(runImport(opened.store, mavenImporter, dir, { workspace: "w" }));
        expect(error.file).toBe(join(dir, PIPELINE));
        expect(error.line).toBe(brokenLine);
        expect(error.column).toBe("close_date");
        expect(error.message).toContain(`${PIPELINE}, line ${brokenLine.toLocaleString("en-US")}, column close_date:`);
        expect(await countRows(opened.store)).toEqual(before);

        // On a fresh store: still empty.
        const fresh = await openImportTestStore(engine, true);
        try {
          await importErrorOf(runImport(fresh.store, mavenImporter, dir, { workspace: "w" }));
          expect(Object.values(await countRows(fresh.store))).toEqual(COUNTED_TABLES.map(() => 0));
        } finally {
          await fresh.dispose();
        }
      });

      it("rejects an unknown product with its line and column", async () => {
        const dir = await copyWith((lines) => setCell(lines, 1234, "product", "GTX Ultra"));
        temporary.push(dir);
        const before = await countRows(opened.store);
        const error = await importErrorOf(runImport(opened.store, mavenImporter, dir, { workspace: "w" }));
        expect([error.file, error.line, error.column]).toEqual([join(dir, PIPELINE), 1234, "product"]);
        expect(error.message).toContain(`${PIPELINE}, line 1,234, column product: "GTX Ultra" is not a product`);
        expect(await countRows(opened.store)).toEqual(before);
      });
    });
  }

  // Validation happens while preparing, before any database is involved.
  describe("rejects bad input", () => {
    const prepareCopy = async (edit: (lines: string[]) => void, file = PIPELINE) => {
      const dir = await copyWith(edit, file);
      temporary.push(dir);
      return importErrorOf(mavenImporter.prepare([dir], {}));
    };

    it("a missing file, by name", async () => {
      const dir = await mkdtemp(join(tmpdir(), "verity-maven-test-"));
      temporary.push(dir);
      for (const name of ["sales_pipeline.csv", "sales_teams.csv", "accounts.csv"]) {
        await copyFile(join(DATASET, name), join(dir, name));
      }
      const error = await importErrorOf(mavenImporter.prepare([dir], {}));
      expect(error.file).toBe(join(dir, "products.csv"));
      expect(error.message).toMatch(/products\.csv: missing/);
    });

    it("an agent missing from sales_teams.csv", async () => {
      const error = await prepareCopy((lines) => setCell(lines, 77, "sales_agent", "Nobody Known"));
      expect([error.line, error.column]).toEqual([77, "sales_agent"]);
      expect(error.reason).toContain("sales_teams.csv");
    });

    it("a duplicate opportunity_id, naming both lines", async () => {
      const error = await prepareCopy((lines) => {
        const id = (lines[9] ?? "").split(",")[0] ?? "";
        setCell(lines, 500, "opportunity_id", id);
      });
      expect([error.line, error.column]).toEqual([500, "opportunity_id"]);
      expect(error.reason).toContain("first on line 10");
    });

    it("a close_date before the engage_date", async () => {
      const error = await prepareCopy((lines) => setCell(lines, 2, "close_date", "2015-01-01"));
      expect([error.line, error.column]).toEqual([2, "close_date"]);
      expect(error.reason).toContain("before the engage_date");
    });

    it("an unknown deal_stage", async () => {
      const error = await prepareCopy((lines) => setCell(lines, 3, "deal_stage", "Negotiating"));
      expect([error.line, error.column]).toEqual([3, "deal_stage"]);
    });

    it("a date that is not YYYY-MM-DD", async () => {
      const error = await prepareCopy((lines) => setCell(lines, 4, "engage_date", "10/25/2016"));
      expect([error.line, error.column]).toEqual([4, "engage_date"]);
    });

    it("an unknown account", async () => {
      const error = await prepareCopy((lines) => setCell(lines, 5, "account", "Nonexistent Ltd"));
      expect([error.line, error.column]).toEqual([5, "account"]);
    });

    it("counts physical lines across blank lines and quoted line breaks", async () => {
      const error = await prepareCopy((lines) => {
        setCell(lines, 10, "deal_stage", "Negotiating");
        setCell(lines, 3, "product", '"GTX\r\nBasic"'); // a quoted cell over two lines (still GTX Basic)
        lines.splice(1, 0, ""); // a blank line 2
      });
      // Original line 10, moved down by the blank line and the line break.
      expect([error.line, error.column]).toEqual([12, "deal_stage"]);
    });
  });
});
