/**
 * The Nutshell leads importer (assumed layout): the fixture converts to expected.json,
 * imports on both engines (a re-import changes nothing), feeds real metric numbers incl. a
 * cancelled lead, and the ambiguous-dates file asks for --date-format while the database
 * stays as it was.
 */
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  byKey,
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
import { funnel } from "../../metrics/definitions/funnel.js";
import { losses } from "../../metrics/definitions/losses.js";
import { velocity } from "../../metrics/definitions/velocity.js";
import { type FormatOptions, runImport } from "../importer.js";
import { nutshellImporter } from "./nutshell-importer.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/crm");
const EXPORT = join(FIXTURES, "nutshell", "nutshell-leads-export.csv");
const AMBIGUOUS = join(FIXTURES, "bad", "nutshell-ambiguous-dates.csv");
const OPTIONS: FormatOptions = { stages: "Qualify,Demo,Proposal,Negotiate" };
const WORKSPACE = "nutshell-test";

const fixture = fixtureSuite(join(FIXTURES, "nutshell", "expected.json"), "nutshell");

const convert = converter(nutshellImporter, OPTIONS);

async function writeExport(name: string, lines: string[]): Promise<string> {
  const file = join(fixture.temp, name);
  await writeFile(file, `${lines.join("\n")}\n`, "utf8");
  return file;
}

describe("Nutshell conversion", () => {
  test("the fixture gives exactly the rows of expected.json", async () => {
    const { prepared, rows } = await convert([EXPORT]);
    for (const table of DEAL_TABLES) {
      expect(byKey(table, rows[table]), table).toEqual(byKey(table, expectedRows(fixture.expected, table)));
    }
    expect(prepared.skipped).toEqual(fixture.expected.skipped);
    expect(prepared.lacks).toEqual(fixture.expected.lacks);
    expect(prepared.notes.join("\n")).toMatch(/layout is an assumption/);
  });

  test("dates that fit both orders ask for --date-format; given, they are read that way", async () => {
    const error = await importErrorOf(nutshellImporter.prepare([AMBIGUOUS], OPTIONS));
    expect([error.file, error.line, error.column]).toEqual([AMBIGUOUS, 2, "Created"]);
    expect(error.reason).toMatch(/01\/08\/2024 could be day-first or month-first.*--date-format/);

    const us = await convert([AMBIGUOUS], { ...OPTIONS, dateFormat: "mdy" });
    expect(us.rows.leads.find((l) => l.id === "nutshell:1001")).toMatchObject({
      created_at: "2024-01-08T00:00:00.000Z",
      closed_at: "2024-02-09T00:00:00.000Z",
    });
    const european = await convert([AMBIGUOUS], { ...OPTIONS, dateFormat: "dmy" });
    expect(european.rows.leads.find((l) => l.id === "nutshell:1001")?.created_at).toBe("2024-08-01T00:00:00.000Z");

    const iso = await importErrorOf(nutshellImporter.prepare([EXPORT], { ...OPTIONS, dateFormat: "iso" }));
    expect([iso.line, iso.column]).toEqual([2, "Created"]);
  });

  test("the documented aliases are read; a missing column points to the mapping import", async () => {
    const aliased = await writeExport("aliased.csv", [
      "Lead ID,Name,Status,Outcome,Milestone,Amount,Currency,Owner,Account,Contact,Source,Created date,Closed date",
      "7,Big one,Lost,No budget,Demo,1200,USD,Ann Lee,Acme,Bo,LinkedIn,2024-04-02,2024-04-20",
      "8,Small one,Won,,Demo,300,USD,Ann Lee,Beta,,Partner referral,2024-04-03,2024-04-05",
    ]);
    const { rows } = await convert([aliased], {});
    expect(
      rows.leads.map((l) => [l.id, l.name, l.status, l.loss_reason, l.owner_id, l.account, l.source_channel]),
    ).toEqual([
      ["nutshell:7", "Big one", "lost", "No budget", "nutshell:owner:Ann Lee", "Acme", "social:linkedin"],
      ["nutshell:8", "Small one", "won", null, "nutshell:owner:Ann Lee", "Beta", "referral"],
    ]);
    // No Pipeline column: one pipeline "Sales".
    expect(rows.pipelines).toEqual([{ id: "nutshell:pipeline:Sales", name: "Sales" }]);

    const missing = await writeExport("missing.csv", ["Lead ID,Stage,Created", "1,Demo,2024-04-02"]);
    const error = await importErrorOf(nutshellImporter.prepare([missing], {}));
    expect([error.line, error.column]).toEqual([1, "Status"]);
    expect(error.reason).toMatch(/mapping file/);
  });

  test("a closed lead needs its close date; an unknown status is an error", async () => {
    const file = await writeExport("unclosed.csv", [
      "Lead ID,Status,Stage,Created,Closed",
      "1,Cancelled,Demo,2024-04-02,",
      "2,Paused,Demo,2024-04-02,",
    ]);
    const prepared = await nutshellImporter.prepare([file], { collectProblems: true });
    try {
      expect(prepared.problems?.map((p) => [p.line, p.column, p.reason])).toEqual([
        [2, "Closed", "the lead is cancelled but has no close date"],
        [3, "Status", '"Paused" is not a lead status (Open, Won, Lost or Cancelled)'],
      ]);
    } finally {
      await prepared.cleanup();
    }
  });

  test("--rates converts; a currency the rates file lacks is an error", async () => {
    const rates = join(fixture.temp, "rates.csv");
    await writeFile(rates, "currency,rate_to_EUR\nEUR,1\nUSD,0.9\n");
    const { rows } = await convert([EXPORT], { ...OPTIONS, rates });
    expect(rows.leads.find((l) => l.id === "nutshell:1005")).toMatchObject({ value: 2475.45, currency: "EUR" });
    expect(rows.leads.find((l) => l.id === "nutshell:1004")).toMatchObject({ value: null, currency: null });

    const noUsd = join(fixture.temp, "rates-no-usd.csv");
    await writeFile(noUsd, "currency,rate_to_EUR\nEUR,1\n");
    const error = await importErrorOf(nutshellImporter.prepare([EXPORT], { ...OPTIONS, rates: noUsd }));
    expect([error.file, error.line, error.column]).toEqual([EXPORT, 2, "Currency"]);
    expect(error.reason).toMatch(/no rate for USD/);
  });
});

describe.each(engines())("Nutshell import on %s", (engine) => {
  const t = storeForTests(engine);

  test("imports the fixture: the stored rows are expected.json's", async () => {
    const summary = await runImport(t.store, nutshellImporter, [EXPORT], { workspace: WORKSPACE, format: OPTIONS });
    expect(summary.tables.leads).toMatchObject({ rows: 6, created: 6 });
    expect(summary.lacks).toEqual(fixture.expected.lacks);
    for (const table of ["reps", "pipelines", "stages", "leads", "stage_events"] as const) {
      expect(await storedRows(t.store, WORKSPACE, table), table).toEqual(
        byKey(table, expectedRows(fixture.expected, table)),
      );
    }
  });

  test("a re-import changes nothing", async () => {
    const before = await rowCounts(t.store);
    const again = await runImport(t.store, nutshellImporter, [EXPORT], { workspace: WORKSPACE, format: OPTIONS });
    expect(again.tables.leads).toMatchObject({ rows: 6, created: 0, updated: 0, unchanged: 6 });
    const after = await rowCounts(t.store);
    expect({ ...after, imports: 0 }).toEqual({ ...before, imports: 0 });
  });

  test("metrics read the imported leads, the cancelled one apart; stage history is reported missing", async () => {
    const request = { workspace: WORKSPACE, period: "2024-Q1" };
    const won = await report(t.store, funnel, request);
    // Created in Q1 2024: all 6; won 1001 and 1005, lost 1002, cancelled 1004 (out of the rate).
    expect(won.result).toMatchObject({ cohort: 6, won: 2, lost: 1, cancelled: 1, open: 2 });
    expect(won.result.winRate).toBeCloseTo(2 / 3, 5);
    const lost = await report(t.store, losses, request);
    expect(lost.result.leads).toBe(1);
    expect(lost.result.value).toBeCloseTo(38000, 2);
    expect(lost.result.byReason?.map((r) => [r.reason, r.leads])).toEqual([["Lost to competitor", 1]]);
    const speed = await report(t.store, velocity, request);
    expect(speed.unsupported.map((u) => u.capability)).toContain("stage_history");
  });

  test("the ambiguous-dates file stops and leaves the database unchanged", async () => {
    await expectRefusedUnchanged(
      t.store,
      () => runImport(t.store, nutshellImporter, [AMBIGUOUS], { workspace: WORKSPACE, format: OPTIONS }),
      { file: AMBIGUOUS, line: 2, column: "Created", reason: /--date-format/ },
    );
  });
});
