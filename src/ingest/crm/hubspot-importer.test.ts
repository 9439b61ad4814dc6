/**
 * The HubSpot deals importer: the fixture converts to exactly its expected.json, imports on
 * both engines (a re-import updates, never duplicates), feeds real metric numbers, and each
 * bad HubSpot file stops with file, line, column and reason while the database stays as it was.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  byKey,
  convertedRows,
  converter,
  DEAL_TABLES,
  expectedRows,
  expectRefusedUnchanged,
  fixtureSuite,
  importErrorOf,
  rowCounts,
  storedRows,
  storeForTests,
} from "../../../test/support/importer-tests.js";
import { report } from "../../../test/support/metric-fixtures.js";
import { activityQuality } from "../../metrics/definitions/activity-quality.js";
import { funnel } from "../../metrics/definitions/funnel.js";
import { losses } from "../../metrics/definitions/losses.js";
import { velocity } from "../../metrics/definitions/velocity.js";
import { type FormatOptions, runImport } from "../importer.js";
import { hubspotImporter } from "./hubspot-importer.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/crm");
const EXPORT = join(FIXTURES, "hubspot", "hubspot-crm-exports-all-deals-2024-03-20.csv");
const BAD = join(FIXTURES, "bad");
const OPTIONS: FormatOptions = { currency: "EUR" };
const WORKSPACE = "hubspot-test";

const fixture = fixtureSuite(join(FIXTURES, "hubspot", "expected.json"), "hubspot");

const convert = converter(hubspotImporter, OPTIONS);

/** Writes a small export into the temporary directory. */
async function writeExport(name: string, lines: string[]): Promise<string> {
  const file = join(fixture.temp, name);
  await writeFile(file, `${lines.join("\r\n")}\r\n`, "utf8");
  return file;
}

const SMALL_HEADER =
  "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Currency,Deal owner,Create Date,Close Date,Is Closed Won,Original Source,Date entered 'New (Main)',Date entered 'Signed (Main)'";

describe("HubSpot conversion", () => {
  test("the fixture gives exactly the rows of expected.json", async () => {
    const { prepared, rows } = await convert([EXPORT]);
    for (const table of DEAL_TABLES) {
      expect(byKey(table, rows[table]), table).toEqual(byKey(table, expectedRows(fixture.expected, table)));
    }
    // Stage positions follow the header, per pipeline.
    expect(rows.stages.filter((s) => s.pipeline_id === "hubspot:pipeline:Partner Pipeline").map((s) => s.name)).toEqual(
      ["New", "Discovery", "Contracting", "Closed won", "Closed lost"],
    );
    expect(prepared.skipped).toEqual(fixture.expected.skipped);
    expect(prepared.lacks).toEqual(fixture.expected.lacks);
    expect(prepared.sourceSystem).toBe("hubspot");
    expect(prepared.notes.join("\n")).toMatch(/move back.*15832748103/);
  });

  test("without a currency column or --currency, the first amount asks for --currency", async () => {
    const error = await importErrorOf(hubspotImporter.prepare([EXPORT], {}));
    expect([error.file, error.line, error.column]).toEqual([EXPORT, 2, "Amount"]);
    expect(error.reason).toMatch(/--currency/);
  });

  test("--rates converts every amount into the reporting currency", async () => {
    const rates = await writeExport("rates-usd.csv", ["currency,rate_to_USD", "USD,1", "EUR,1.1"]);
    const { rows } = await convert([EXPORT], { currency: "EUR", rates });
    const lead = (id: string) => rows.leads.find((l) => l.id === `hubspot:${id}`);
    expect(lead("15832748101")).toMatchObject({ value: 19800, currency: "USD" });
    expect(lead("15832748102")).toMatchObject({ value: 7975.55, currency: "USD" });
    expect(lead("15832748104")).toMatchObject({ value: null, currency: null });
  });

  test("an amount in a currency the rates file lacks is an error, never mixed", async () => {
    const rates = await writeExport("rates-sek.csv", ["currency,rate_to_SEK", "SEK,1", "USD,10.4"]);
    const error = await importErrorOf(hubspotImporter.prepare([EXPORT], { currency: "EUR", rates }));
    expect([error.file, error.line, error.column]).toEqual([EXPORT, 2, "Amount"]);
    expect(error.reason).toMatch(/no rate for EUR in .*rates-sek\.csv/);
  });

  test("--stages reorders a pipeline's stages, per pipeline; a name that is no stage is an error", async () => {
    const sales =
      "Sales Pipeline: Closed Lost, Closed Won, Contract Sent, Decision Maker Bought-In, Presentation Scheduled, Qualified To Buy, Appointment Scheduled";
    const partner = "Partner Pipeline: Closed lost, Closed won, Contracting, Discovery, New";
    const { rows } = await convert([EXPORT], { ...OPTIONS, stages: `${sales}; ${partner}` });
    const positions = (pipeline: string) =>
      rows.stages.filter((s) => s.pipeline_id === `hubspot:pipeline:${pipeline}`).map((s) => [s.name, s.position]);
    expect(positions("Sales Pipeline").slice(0, 2)).toEqual([
      ["Closed Lost", 0],
      ["Closed Won", 1],
    ]);
    expect(positions("Partner Pipeline")).toEqual([
      ["Closed lost", 0],
      ["Closed won", 1],
      ["Contracting", 2],
      ["Discovery", 3],
      ["New", 4],
    ]);

    const typo = await importErrorOf(hubspotImporter.prepare([EXPORT], { ...OPTIONS, stages: `${sales}, Signed` }));
    expect(typo.file).toBe("--stages");
    expect(typo.reason).toMatch(/"Signed" is no stage/);
    // One list for both pipelines must list every stage of each.
    const partial = await importErrorOf(
      hubspotImporter.prepare([EXPORT], { ...OPTIONS, stages: sales.replace("Sales Pipeline:", "") }),
    );
    expect([partial.file, partial.line, partial.column]).toEqual([EXPORT, 1, 'Date entered "New (Partner Pipeline)"']);
    expect(partial.reason).toMatch(/"New" of "Partner Pipeline" is missing from --stages/);
  });

  test("a closed deal without an entry into its closed stage ends its history there, even with an early Close Date", async () => {
    const file = await writeExport("early-close.csv", [
      SMALL_HEADER,
      // Won (Is Closed Won), in stage Signed, but its export has no Date entered for Signed and
      // a Close Date before its last entry into New.
      "3,C,Signed,Main,100,SEK,Ann,2024-05-01 10:00,2024-05-02 09:00,true,,2024-05-05 10:00,",
    ]);
    const { rows } = await convert([file], { currency: "EUR" });
    expect(rows.stage_events.map((e) => [e.from_stage_id, e.to_stage_id, e.changed_at])).toEqual([
      [null, "hubspot:Main:New", "2024-05-05T10:00:00.000Z"],
      // Closed at its last entry, not left in the open stage New.
      ["hubspot:Main:New", "hubspot:Main:Signed", "2024-05-05T10:00:00.000Z"],
    ]);
  });

  test("single-quoted Date entered headers, a Currency column, Is Closed Won and Original Source", async () => {
    const file = await writeExport("small.csv", [
      SMALL_HEADER,
      "1,A,Signed,Main,100,SEK,Ann,2024-05-01 10:00,2024-05-09 10:00,true,PAID_SEARCH,2024-05-01 10:00,2024-05-03 10:00",
      "2,B,New,Main,200,,Ann,2024-05-02 10:00,,false,Carrier pigeon,2024-05-02 10:00,",
    ]);
    const missing = await importErrorOf(hubspotImporter.prepare([file], {}));
    expect([missing.line, missing.column]).toEqual([3, "Currency"]);

    const { prepared, rows } = await convert([file], { currency: "EUR" });
    // "Signed" is not labelled Closed Won, but the deal in it is marked so: kind won.
    expect(rows.stages.map((s) => [s.name, s.position, s.kind])).toEqual([
      ["New", 0, "open"],
      ["Signed", 1, "won"],
    ]);
    expect(rows.leads.map((l) => [l.id, l.status, l.closed_at, l.value, l.currency, l.source_channel])).toEqual([
      // closed_at is the Date entered of the closed stage, not the Close Date.
      ["hubspot:1", "won", "2024-05-03T10:00:00.000Z", 100, "SEK", "paid"],
      ["hubspot:2", "open", null, 200, "EUR", "other"],
    ]);
    expect(prepared.notes.join("\n")).toMatch(/"Carrier pigeon" \(1\)/);
    // The view has no Closed Lost Reason column.
    expect(prepared.lacks).toContain("loss_reasons");
    expect(prepared.lacks).not.toContain("stage_history");
  });

  test("an export without Date entered columns has no stage history and says so", async () => {
    const file = await writeExport("no-history.csv", [
      "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Deal owner,Create Date,Close Date",
      "1,A,Closed Won,Sales Pipeline,100,Ann,2024-05-01 10:00,2024-05-09 10:00",
      "2,B,Qualified To Buy,Sales Pipeline,200,Bo,2024-05-02 10:00,",
    ]);
    const { prepared, rows } = await convert([file]);
    expect(prepared.lacks).toEqual(expect.arrayContaining(["stage_history", "loss_reasons", "lead_sources"]));
    expect(rows.stage_events.map((e) => [e.lead_id, e.to_stage_id, e.changed_at])).toEqual([
      ["hubspot:1", "hubspot:Sales Pipeline:Closed Won", "2024-05-09T10:00:00.000Z"],
      ["hubspot:2", "hubspot:Sales Pipeline:Qualified To Buy", "2024-05-02T10:00:00.000Z"],
    ]);
    expect(rows.leads.find((l) => l.id === "hubspot:1")?.closed_at).toBe("2024-05-09T10:00:00.000Z");
  });

  test("several files are one import, and a deal in two of them is an error naming both", async () => {
    const second = await writeExport("second.csv", [
      SMALL_HEADER.replace(",Currency", ""),
      "99,Z,New,Main,50,Ann,2024-05-01 10:00,,false,,2024-05-01 10:00,",
    ]);
    const { rows } = await convert([EXPORT, second]);
    expect(rows.leads).toHaveLength(9);
    expect(rows.pipelines.map((p) => p.name)).toEqual(["Sales Pipeline", "Partner Pipeline", "Main"]);

    const copy = join(fixture.temp, "copy.csv");
    await copyFile(EXPORT, copy);
    const error = await importErrorOf(hubspotImporter.prepare([EXPORT, copy], OPTIONS));
    expect([error.file, error.line, error.column]).toEqual([copy, 2, "Record ID"]);
    expect(error.reason).toContain(`first on ${EXPORT} line 2`);
  });

  test("a dry run collects the bad rows and converts the rest", async () => {
    const prepared = await hubspotImporter.prepare([join(BAD, "hubspot-unknown-stage.csv")], {
      ...OPTIONS,
      collectProblems: true,
    });
    try {
      expect(prepared.problems?.map((p) => [p.line, p.column])).toEqual([[5, "Deal Stage"]]);
      expect((await convertedRows(prepared)).leads).toHaveLength(7);
    } finally {
      await prepared.cleanup();
    }
  });
});

const BAD_FILES = [
  {
    file: "hubspot-truncated.csv",
    line: 7,
    column: "Deal Name" as string | null,
    reason: /ends inside a quoted field.*truncated/,
  },
  {
    file: "hubspot-bom-but-cp1252.csv",
    line: 2,
    // The core's decoder names the line but not the column (reported to the lead).
    column: null,
    reason: /byte order mark but is not UTF-8/,
  },
  {
    file: "hubspot-unknown-stage.csv",
    line: 5,
    column: "Deal Stage",
    reason: /"Qualified to Buy \(old\)" is not a stage of "Sales Pipeline"/,
  },
];

describe.each(engines())("HubSpot import on %s", (engine) => {
  const t = storeForTests(engine);

  test("imports the fixture: the stored rows are expected.json's", async () => {
    const summary = await runImport(t.store, hubspotImporter, [EXPORT], { workspace: WORKSPACE, format: OPTIONS });
    expect(summary.tables.leads).toMatchObject({ rows: 8, created: 8 });
    expect(summary.lacks).toEqual(fixture.expected.lacks);
    for (const table of ["reps", "pipelines", "stages", "leads", "stage_events"] as const) {
      expect(await storedRows(t.store, WORKSPACE, table), table).toEqual(
        byKey(table, expectedRows(fixture.expected, table)),
      );
    }
  });

  test("a re-import changes nothing; a later export updates the deal it changed", async () => {
    const before = await rowCounts(t.store);
    const again = await runImport(t.store, hubspotImporter, [EXPORT], { workspace: WORKSPACE, format: OPTIONS });
    expect(again.tables.leads).toMatchObject({ rows: 8, created: 0, updated: 0, unchanged: 8 });
    expect(again.tables.stage_events).toMatchObject({ created: 0 });
    const after = await rowCounts(t.store);
    expect({ ...after, imports: 0 }).toEqual({ ...before, imports: 0 });
    expect(after.imports).toBe((before.imports ?? 0) + 1);

    // The later export: deal 104 got an amount of 9000.
    const later = join(fixture.temp, "later.csv");
    const text = await readFile(EXPORT, "utf8");
    await writeFile(
      later,
      text.replace("Qualified To Buy,Sales Pipeline,,Chloé", "Qualified To Buy,Sales Pipeline,9000,Chloé"),
    );
    const updated = await runImport(t.store, hubspotImporter, [later], { workspace: WORKSPACE, format: OPTIONS });
    expect(updated.tables.leads).toMatchObject({ created: 0, updated: 1, unchanged: 7 });
    const leads = await storedRows(t.store, WORKSPACE, "leads");
    expect(leads).toHaveLength(8);
    expect(leads.find((l) => l.id === "hubspot:15832748104")).toMatchObject({ value: 9000, currency: "EUR" });
  });

  test("metrics read the imported deals; what the export lacks is reported as missing", async () => {
    const request = { workspace: WORKSPACE, period: "2024-Q1" };
    const won = await report(t.store, funnel, request);
    // Created in Q1 2024: all 8; won 101, 105; lost 102, 106.
    expect(won.result).toMatchObject({ cohort: 8, won: 2, lost: 2, open: 4, winRate: 0.5 });
    const lost = await report(t.store, losses, request);
    expect(lost.result.leads).toBe(2);
    expect(lost.result.value).toBeCloseTo(11250.5, 2);
    expect(lost.result.byReason?.map((r) => [r.reason, r.leads])).toEqual(
      expect.arrayContaining([
        ["Went with a competitor", 1],
        ["No budget", 1],
      ]),
    );
    expect(lost.unsupported).toEqual([]);
    const quality = await report(t.store, activityQuality, request);
    expect(quality.unsupported.map((u) => u.capability)).toEqual(["activities"]);
    // The Date entered columns are a stage history: velocity does not report it missing.
    const speed = await report(t.store, velocity, request);
    expect(speed.unsupported.map((u) => u.capability)).not.toContain("stage_history");
  });

  test.each(BAD_FILES)("$file stops with line $line and leaves the database unchanged", async (bad) => {
    const file = join(BAD, bad.file);
    await expectRefusedUnchanged(
      t.store,
      () => runImport(t.store, hubspotImporter, [file], { workspace: WORKSPACE, format: OPTIONS }),
      { ...bad, file },
    );
  });
});
