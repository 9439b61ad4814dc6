/**
 * The Pipedrive deals importer: both fixtures (the comma UTF-8 download and the semicolon
 * Windows-1252 re-save with decimal commas and dd.mm.yyyy times) convert to expected.json,
 * import on both engines (one after the other they update, never duplicate), feed real
 * metric numbers, and the bad Pipedrive files stop with file, line, column and reason while
 * the database stays as it was.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  byKey,
  type Comparable,
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
import { pipedriveImporter } from "./pipedrive-importer.js";
import { readSourceFile } from "./source-file.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/crm");
const COMMA = join(FIXTURES, "pipedrive", "deals-export-comma.csv");
const SEMICOLON = join(FIXTURES, "pipedrive", "deals-export-semicolon.csv");
const BAD = join(FIXTURES, "bad");
const STAGES = "Qualified,Contact Made,Demo Scheduled,Proposal Made,Negotiations Started";
const OPTIONS: FormatOptions = { stages: STAGES };
const WORKSPACE = "pipedrive-test";

const fixture = fixtureSuite(join(FIXTURES, "pipedrive", "expected.json"), "pipedrive");

const convert = converter(pipedriveImporter, OPTIONS);

/** expected.json's leads with the semicolon file's extra utm fields. */
function semicolonLeads(): Comparable[] {
  const differences = fixture.expected.semicolon_variant_differences as Record<string, Record<string, string>>;
  return expectedRows(fixture.expected, "leads").map((lead) => ({ ...lead, ...(differences[String(lead.id)] ?? {}) }));
}

/** A copy of the comma fixture with text replaced (each replacement must match). */
async function editedCopy(name: string, edits: [string, string][]): Promise<string> {
  let text = await readFile(COMMA, "utf8");
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`${from} is not in the fixture`);
    text = text.replace(from, to);
  }
  const file = join(fixture.temp, name);
  await writeFile(file, text, "utf8");
  return file;
}

describe("Pipedrive conversion", () => {
  test("the comma export gives exactly the rows of expected.json", async () => {
    const { prepared, rows } = await convert([COMMA]);
    for (const table of DEAL_TABLES) {
      expect(byKey(table, rows[table]), table).toEqual(byKey(table, expectedRows(fixture.expected, table)));
    }
    expect(prepared.skipped).toEqual(fixture.expected.skipped);
    expect(prepared.lacks).toEqual(fixture.expected.lacks);
  });

  test("the semicolon Windows-1252 export gives the same rows (plus its utm fields)", async () => {
    const source = await readSourceFile(SEMICOLON);
    expect([source.encoding, source.delimiter]).toEqual(["windows-1252", ";"]);
    const { prepared, rows } = await convert([SEMICOLON]);
    for (const table of DEAL_TABLES) {
      const want = table === "leads" ? semicolonLeads() : expectedRows(fixture.expected, table);
      expect(byKey(table, rows[table]), table).toEqual(byKey(table, want));
    }
    expect(prepared.lacks).toEqual(fixture.expected.lacks);
    const comma = (await convert([COMMA])).rows;
    expect(byKey("stage_events", rows.stage_events)).toEqual(byKey("stage_events", comma.stage_events));
  });

  test("without --stages, Pipedrive's default stages take its default order, others the order met", async () => {
    const { prepared, rows } = await convert([COMMA], {});
    expect(rows.stages.map((s) => [s.name, s.position])).toEqual([
      ["Qualified", 0],
      ["Contact Made", 1],
      ["Demo Scheduled", 2],
      ["Proposal Made", 3],
      ["Negotiations Started", 4],
    ]);
    expect(prepared.notes.join("\n")).toMatch(/has only Pipedrive's default stages, so they are in that order/);

    // A stage of the user's own (not a default one): the order met, and a note asking for --stages.
    const custom = join(fixture.temp, "custom-stage.csv");
    await writeFile(custom, (await readFile(COMMA, "utf8")).replaceAll("Demo Scheduled", "Workshop Held"), "utf8");
    const own = await convert([custom], {});
    expect(own.rows.stages.map((s) => s.name)).toEqual([
      "Negotiations Started",
      "Workshop Held",
      "Proposal Made",
      "Qualified",
      "Contact Made",
    ]);
    expect(own.prepared.notes.join("\n")).toMatch(/ordered as first met.*--stages/);
  });

  test("--stages must list every stage of the export; listed stages without deals are created", async () => {
    const error = await importErrorOf(
      pipedriveImporter.prepare([COMMA], { stages: "Qualified,Contact Made,Demo Scheduled,Proposal Made" }),
    );
    // Deal 1 (line 2) is the first in Negotiations Started.
    expect([error.file, error.line, error.column]).toEqual([COMMA, 2, "Deal - Stage"]);
    expect(error.reason).toMatch(/"Negotiations Started" of "Sales" is missing from --stages/);

    const { rows } = await convert([COMMA], { stages: `Lead In, ${STAGES}` });
    expect(rows.stages.map((s) => s.name)).toEqual(["Lead In", ...STAGES.split(",")]);
    expect(rows.stages.find((s) => s.name === "Negotiations Started")?.position).toBe(5);
  });

  test("deleted deals are skipped and counted; an unknown status is an error", async () => {
    const deleted = await editedCopy("deleted.csv", [[",Qualified,,Lost,", ",Qualified,,Deleted,"]]);
    const { prepared, rows } = await convert([deleted]);
    expect(prepared.skipped).toEqual([{ reason: "deleted deals (status Deleted)", count: 1 }]);
    expect(rows.leads.map((l) => l.id)).not.toContain("pipedrive:7");
    expect(rows.leads).toHaveLength(6);

    const odd = await editedCopy("odd-status.csv", [[",Qualified,,Lost,", ",Qualified,,Frozen,"]]);
    const error = await importErrorOf(pipedriveImporter.prepare([odd], OPTIONS));
    expect([error.line, error.column]).toEqual([8, "Deal - Status"]);
    expect(error.reason).toMatch(/"Frozen" is not a deal status/);
  });

  test("a won deal needs a close time", async () => {
    const file = await editedCopy("no-won-time.csv", [
      ["2024-02-14 09:00:00,,,2024-03-01 16:45:00,,,,2024-03-01 16:45:00,", "2024-02-14 09:00:00,,,,,,,,"],
    ]);
    const error = await importErrorOf(pipedriveImporter.prepare([file], OPTIONS));
    expect([error.line, error.column]).toEqual([2, "Deal - Won time"]);
    expect(error.reason).toMatch(/won but has no Won time nor Deal - Deal closed on/);
  });

  test("--rates converts every value; a currency the rates file lacks is an error", async () => {
    const rates = join(fixture.temp, "rates.csv");
    await writeFile(rates, "currency,rate_to_USD\nUSD,1\nEUR,1.1\n");
    const { rows } = await convert([SEMICOLON], { ...OPTIONS, rates });
    expect(rows.leads.find((l) => l.id === "pipedrive:1")).toMatchObject({ value: 13750.55, currency: "USD" });
    expect(rows.leads.find((l) => l.id === "pipedrive:4")).toMatchObject({ value: 0, currency: "USD" });

    const noEur = join(fixture.temp, "rates-no-eur.csv");
    await writeFile(noEur, "currency,rate_to_USD\nUSD,1\nSEK,0.095\n");
    for (const [file, column] of [
      [COMMA, "Deal - Currency of Value"],
      [SEMICOLON, "Deal - Currency"],
    ] as const) {
      const error = await importErrorOf(pipedriveImporter.prepare([file], { ...OPTIONS, rates: noEur }));
      expect([error.file, error.line, error.column]).toEqual([file, 2, column]);
      expect(error.reason).toMatch(/no rate for EUR in .*rates-no-eur\.csv/);
    }
  });

  test("a dry run collects every bad row", async () => {
    const file = await editedCopy("two-bad.csv", [
      ["2024-02-01 09:00:00", "2024-02-31 09:00:00"],
      [",Qualified,,Lost,", ",Qualified,,Frozen,"],
    ]);
    const prepared = await pipedriveImporter.prepare([file], { ...OPTIONS, collectProblems: true });
    try {
      expect(prepared.problems?.map((p) => [p.line, p.column])).toEqual([
        [4, "Deal - Deal created"],
        [8, "Deal - Status"],
      ]);
      expect((await convertedRows(prepared)).leads).toHaveLength(5);
    } finally {
      await prepared.cleanup();
    }
  });
});

const BAD_FILES = [
  {
    file: "pipedrive-utf16le-no-bom.csv",
    line: 1,
    column: null as string | null,
    reason: /UTF-16 without a byte order mark/,
  },
  {
    file: "pipedrive-impossible-date.csv",
    line: 4,
    column: "Deal - Deal created",
    reason: /2025-02-30 09:00:00 is not a date in the calendar/,
  },
];

describe.each(engines())("Pipedrive import on %s", (engine) => {
  const t = storeForTests(engine);

  test("imports the comma export: the stored rows are expected.json's", async () => {
    const summary = await runImport(t.store, pipedriveImporter, [COMMA], { workspace: WORKSPACE, format: OPTIONS });
    expect(summary.tables.leads).toMatchObject({ rows: 7, created: 7 });
    expect(summary.lacks).toEqual(fixture.expected.lacks);
    for (const table of ["reps", "pipelines", "stages", "leads", "stage_events"] as const) {
      expect(await storedRows(t.store, WORKSPACE, table), table).toEqual(
        byKey(table, expectedRows(fixture.expected, table)),
      );
    }
  });

  test("the semicolon export of the same deals updates only what differs (deal 2's utm fields)", async () => {
    const before = await rowCounts(t.store);
    const summary = await runImport(t.store, pipedriveImporter, [SEMICOLON], {
      workspace: WORKSPACE,
      format: OPTIONS,
    });
    expect(summary.tables.leads).toMatchObject({ rows: 7, created: 0, updated: 1, unchanged: 6 });
    expect(summary.tables.stage_events).toMatchObject({ created: 0 });
    const after = await rowCounts(t.store);
    expect({ ...after, imports: 0 }).toEqual({ ...before, imports: 0 });
    expect(await storedRows(t.store, WORKSPACE, "leads")).toEqual(byKey("leads", semicolonLeads()));
  });

  test("metrics read the imported deals; stage history and activities are reported missing", async () => {
    const request = { workspace: WORKSPACE, period: "2024-Q1" };
    const won = await report(t.store, funnel, request);
    // All 7 deals were created in Q1 2024: won 1 and 6, lost 2 and 7.
    expect(won.result).toMatchObject({ cohort: 7, won: 2, lost: 2, open: 3, winRate: 0.5 });
    const lost = await report(t.store, losses, request);
    expect(lost.result.leads).toBe(2);
    expect(lost.result.value).toBeCloseTo(4900, 2);
    expect(lost.result.byReason?.map((r) => [r.reason, r.leads])).toEqual(
      expect.arrayContaining([
        ["Too expensive", 1],
        ["No response", 1],
      ]),
    );
    const speed = await report(t.store, velocity, request);
    expect(speed.unsupported.map((u) => u.capability)).toContain("stage_history");
    const quality = await report(t.store, activityQuality, request);
    expect(quality.unsupported.map((u) => u.capability)).toEqual(["activities"]);
  });

  test.each(BAD_FILES)("$file stops with line $line and leaves the database unchanged", async (bad) => {
    const file = join(BAD, bad.file);
    await expectRefusedUnchanged(
      t.store,
      () => runImport(t.store, pipedriveImporter, [file], { workspace: WORKSPACE, format: OPTIONS }),
      { ...bad, file },
    );
  });
});
