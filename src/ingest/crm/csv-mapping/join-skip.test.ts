/**
 * Joins and --skip-invalid of the mapped CSV: marketing-qualified leads joined to the deals
 * they closed (test/fixtures/crm/csv-mapping/join), left and inner, with the unmatched rows
 * counted; a duplicate join key; a bad value in a joined column named at its own file's line;
 * mistakes in a mapping's join named by their path; and 100 leads with two bad rows imported
 * with --skip-invalid (98 loaded, the two listed in the rejects file), refused whole over the
 * allowed share, and refused at the first bad row without the flag — on both engines.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import Papa from "papaparse";
import { describe, expect, test } from "vitest";
import { engines } from "../../../../test/support/databases.js";
import {
  converter,
  expectRefusedUnchanged,
  fixtureSuite,
  importErrorOf,
  rowCounts,
  storedRows,
  storeForTests,
} from "../../../../test/support/importer-tests.js";
import { checkSkipInvalid, type FormatOptions, runImport } from "../../importer.js";
import { nutshellImporter } from "../nutshell-importer.js";
import { csvMappingImporter } from "./index.js";
import { readMapping } from "./mapping-file.js";
import { parseMaxRejected, REJECTS_HEADER } from "./rejects.js";

const DIR = resolve(import.meta.dirname, "../../../../test/fixtures/crm/csv-mapping");
const JOIN = join(DIR, "join");
const MQL = join(JOIN, "MQL_Leads.csv");
const DEALS = join(JOIN, "Closed_Deals.csv");
const JOIN_MAPPING = join(JOIN, "mql-deals-mapping.yaml");
const LEADS_100 = join(DIR, "skip-invalid", "Leads_100.csv");
const LEADS_MAPPING = join(DIR, "skip-invalid", "leads-mapping.yaml");

// Only for its temporary directory: this file's expectations are written out below.
const fixture = fixtureSuite(join(DIR, "expected.json"), "csv-mapping-join");
const convert = converter(csvMappingImporter);

/** Each lead's fields that come from the join, by id. */
const joinedFields = (leads: readonly Record<string, unknown>[]) =>
  Object.fromEntries(
    leads.map((l) => [
      l.external_id,
      [l.stage_id, l.status, l.closed_at, l.value, l.currency, l.loss_reason, l.source_channel],
    ]),
  );

/** Hand-worked from the two files: L-003 and L-005 have no deal; D-14 (L-099) and D-15 (no lead) match no lead. */
const LEFT_JOIN = {
  "L-001": ["sheet:Marketing:Won", "won", "2024-03-10T00:00:00.000Z", 12000, "EUR", null, "event"],
  "L-002": ["sheet:Marketing:Lost", "lost", "2024-02-20T00:00:00.000Z", 3500, "EUR", "Price", "website"],
  "L-003": ["sheet:Marketing:MQL", "open", null, null, null, null, "website"],
  "L-004": ["sheet:Marketing:Won", "won", "2024-03-28T00:00:00.000Z", 800, "EUR", null, "social:linkedin"],
  "L-005": ["sheet:Marketing:MQL", "open", null, null, null, null, "event"],
};
const ORPHAN_DEALS = { reason: "rows of Closed_Deals.csv whose Lead Ref matches no row of MQL_Leads.csv", count: 2 };

/** A copy of a fixture file in the temporary directory, changed by `edit`. */
async function variant(source: string, name: string, edit: (text: string) => string): Promise<string> {
  const file = join(fixture.temp, name);
  await writeFile(file, edit(await readFile(source, "utf8")), "utf8");
  return file;
}

/** The rejects file's rows (after its header), as [file, line, column, reason, record]. */
async function rejectsOf(file: string): Promise<string[][]> {
  const parsed = Papa.parse<string[]>((await readFile(file, "utf8")).trim(), { header: false });
  expect(parsed.data[0]).toEqual([...REJECTS_HEADER]);
  return parsed.data.slice(1);
}

describe("joins", () => {
  test("a left join keeps every lead, fills the matched ones from their deal, and counts the unmatched", async () => {
    const { prepared, rows } = await convert([MQL, DEALS], { mapping: JOIN_MAPPING });
    expect(joinedFields(rows.leads)).toEqual(LEFT_JOIN);
    expect(rows.leads.map((l) => [l.external_id, l.account, l.owner_id])).toEqual([
      ["L-001", "Acme GmbH", "sheet:owner:Ann Berg"],
      ["L-002", "Birch & Co", "sheet:owner:Ann Berg"],
      ["L-003", "Cobalt AB", "sheet:owner:Karl Moe"],
      ["L-004", "Dune Ltd", "sheet:owner:Karl Moe"],
      ["L-005", "Elm SA", "sheet:owner:Ann Berg"],
    ]);
    // stage_entered_at reads [deals.Closed On, MQL Date]: the close for closed deals, else the MQL date.
    expect(rows.stage_events.map((e) => [e.lead_id, e.to_stage_id, e.changed_at])).toEqual([
      ["sheet:L-001", "sheet:Marketing:Won", "2024-03-10T00:00:00.000Z"],
      ["sheet:L-002", "sheet:Marketing:Lost", "2024-02-20T00:00:00.000Z"],
      ["sheet:L-003", "sheet:Marketing:MQL", "2024-02-02T00:00:00.000Z"],
      ["sheet:L-004", "sheet:Marketing:Won", "2024-03-28T00:00:00.000Z"],
      ["sheet:L-005", "sheet:Marketing:MQL", "2024-03-04T00:00:00.000Z"],
    ]);
    expect(prepared.skipped).toEqual([ORPHAN_DEALS]);
    expect(prepared.notes).toContain(
      "2 rows of MQL_Leads.csv have no row in Closed_Deals.csv (left join on Lead ID): kept, deals.* read as empty",
    );
  });

  test("an inner join leaves out the leads without a deal, counted as skipped", async () => {
    const mapping = await variant(JOIN_MAPPING, "inner.yaml", (t) =>
      t.replace("      as: deals\n", "      as: deals\n      type: inner\n"),
    );
    const { prepared, rows } = await convert([MQL, DEALS], { mapping });
    expect(joinedFields(rows.leads)).toEqual({
      "L-001": LEFT_JOIN["L-001"],
      "L-002": LEFT_JOIN["L-002"],
      "L-004": LEFT_JOIN["L-004"],
    });
    expect(prepared.skipped).toEqual([
      { reason: "rows of MQL_Leads.csv with no row in Closed_Deals.csv (inner join on Lead ID)", count: 2 },
      ORPHAN_DEALS,
    ]);
  });

  test("a key twice in the joined file stops the import naming both lines; --skip-invalid refuses the later row", async () => {
    const deals = await variant(DEALS, "Closed_Deals.csv", (t) => `${t}D-16;L-002;Won;4.000,00;EUR;2024-03-15;\n`);
    const error = await importErrorOf(csvMappingImporter.prepare([MQL, deals], { mapping: JOIN_MAPPING }));
    expect([error.file, error.line, error.column]).toEqual([deals, 7, "Lead Ref"]);
    expect(error.reason).toContain("the key L-002 appears twice in the file joined as deals (first on line 3)");
    expect(error.reason).toContain("leads.join[0]");

    const rejects = join(fixture.temp, "duplicate-rejects.csv");
    const { rows } = await convert([MQL, deals], {
      mapping: JOIN_MAPPING,
      skipInvalid: { rejects, maxRejectedPercent: 10 },
    });
    // The first row of the key wins: L-002 stays lost (D-12), not won (D-16).
    expect(joinedFields(rows.leads)["L-002"]).toEqual(LEFT_JOIN["L-002"]);
    expect((await rejectsOf(rejects)).map((r) => r.slice(0, 3))).toEqual([[deals, "7", "Lead Ref"]]);
    expect((await rejectsOf(rejects))[0]?.[4]).toBe("D-16;L-002;Won;4.000,00;EUR;2024-03-15;");
  });

  test("a bad value in a joined column is named at the joined file's line and header", async () => {
    const deals = await variant(DEALS, "Closed_Deals.csv", (t) =>
      t.replace("D-13;L-004;Won;800,00", "D-13;L-004;Won;8OO,00"),
    );
    const error = await importErrorOf(csvMappingImporter.prepare([MQL, deals], { mapping: JOIN_MAPPING }));
    expect([error.file, error.line, error.column]).toEqual([deals, 4, "Amount"]);
    expect(error.reason).toBe(
      '"8OO,00" is not a number with the decimal comma the mapping names (joined to MQL_Leads.csv line 5)',
    );
  });

  test("leads sharing one joined row: a bad cell there refuses each of them, each counted", async () => {
    const leads = join(fixture.temp, "leads.csv");
    const accounts = join(fixture.temp, "accounts.csv");
    await writeFile(leads, "Id,Account,Created\n1,A1,2024-01-02\n2,A2,2024-01-03\n3,A1,2024-01-04\n");
    await writeFile(accounts, "Account,Name,Channel\nA1,Acme,Webz\nA2,Birch,Website\n");
    const mapping = join(fixture.temp, "accounts.yaml");
    await writeFile(
      mapping,
      [
        "source_system: sheet",
        "pipelines: [{ name: Sales }]",
        "leads:",
        "  file: leads.csv",
        "  join: [{ file: accounts.csv, as: account, on: Account }]",
        "  columns:",
        "    id: Id",
        "    account: account.Name",
        "    status: { value: open }",
        "    created_at: Created",
        "    source_channel: { column: account.Channel, transform: [{ map: { Website: website } }] }",
        "",
      ].join("\n"),
    );
    const rejects = join(fixture.temp, "accounts-rejects.csv");
    const { prepared, rows } = await convert([leads, accounts], {
      mapping,
      skipInvalid: { rejects, maxRejectedPercent: 50 },
    });
    expect(rows.leads.map((l) => [l.external_id, l.account, l.source_channel])).toEqual([["2", "Birch", "website"]]);
    // Both refusals point at the one bad cell (accounts.csv line 2), each saying which lead it was.
    expect((await rejectsOf(rejects)).map((r) => [r[0], r[1], r[2], r[3]?.slice(-28)])).toEqual([
      [accounts, "2", "Channel", "(joined to leads.csv line 2)"],
      [accounts, "2", "Channel", "(joined to leads.csv line 4)"],
    ]);
    // 2 leads refused of the 5 rows read (3 leads, 2 accounts).
    expect(prepared.notes).toContain(
      `2 of 5 rows (40.0%) refused by --skip-invalid, at most 50% allowed: listed in ${rejects}`,
    );
  });

  test("mistakes in a join are named by their path in the mapping", async () => {
    const file = join(fixture.temp, "bad-join.yaml");
    await writeFile(
      file,
      [
        "source_system: sheet",
        "pipelines: [{ name: Sales }]",
        "leads:",
        "  file: MQL_Leads.csv",
        "  join:",
        "    - { file: Closed_Deals.csv, as: deals, on: { invoices.Deal: Deal ID } }",
        "    - { file: Invoices.csv, as: invoices }",
        "    - { file: Other.csv, as: deals, on: Id, type: outer }",
        "  columns: { id: Lead ID, status: { value: open }, created_at: MQL Date }",
        "",
      ].join("\n"),
    );
    const { mapping, problems } = await readMapping(file);
    expect(mapping).toBeNull();
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [6, "leads.join[0].on"],
      [7, "leads.join[1].on"],
      [8, "leads.join[2].type"],
      [8, "leads.join[2].as"],
    ]);
    expect(problems[0]?.reason).toContain("invoices.Deal is a column of invoices, which is joined after this one");
    expect(problems[1]?.reason).toContain("on names the key");
    expect(problems[2]?.reason).toContain("type is left");
    expect(problems[3]?.reason).toContain("deals names two joins");

    // A key the joined file's header lacks: the file's header line, and the mapping's path.
    const mapping2 = await variant(JOIN_MAPPING, "wrong-key.yaml", (t) =>
      t.replace("on: { Lead ID: Lead Ref }", "on: Lead ID"),
    );
    const missing = await importErrorOf(csvMappingImporter.prepare([MQL, DEALS], { mapping: mapping2 }));
    expect([missing.file, missing.line, missing.column]).toEqual([DEALS, 1, "Lead ID"]);
    expect(missing.reason).toContain("leads.join[0].on");
  });
});

describe("--skip-invalid (converter only)", () => {
  test("a format that cannot refuse single rows says so instead of ignoring the flag", () => {
    const skipInvalid = { rejects: "rejects.csv", maxRejectedPercent: 1 };
    expect(() => checkSkipInvalid(nutshellImporter, { skipInvalid })).toThrow(
      "--skip-invalid is not supported by the nutshell format, which imports all or nothing",
    );
    expect(() => checkSkipInvalid(csvMappingImporter, { skipInvalid })).not.toThrow();
    expect(() => checkSkipInvalid(nutshellImporter, {})).not.toThrow();
  });

  test("--max-rejected reads a percentage", () => {
    expect(["2", "2%", "0.5 %", "0", "100", "101", "-1", "2x"].map(parseMaxRejected)).toEqual([
      2,
      2,
      0.5,
      0,
      100,
      null,
      null,
      null,
    ]);
  });

  test("the stage history and activities of a refused lead are refused with it, saying why", async () => {
    const deals = join(DIR, "bad", "Deals_with_problems.csv");
    const rejects = join(fixture.temp, "cascade-rejects.csv");
    const { rows } = await convert(
      [deals, join(DIR, "Stage_History_2024_04_15.csv"), join(DIR, "Activities_2024_04_15.csv")],
      {
        mapping: join(DIR, "zoho-mapping.yaml"),
        rates: join(DIR, "rates.csv"),
        skipInvalid: { rejects, maxRejectedPercent: 100 },
      },
    );
    expect(rows.leads.map((l) => l.external_id)).toEqual(["zcrm_5725767000000412001"]);
    const refused = await rejectsOf(rejects);
    // The six bad deals, each once, on the lines the dry run names.
    expect(refused.filter((r) => r[0] === deals).map((r) => r[1])).toEqual(["3", "4", "5", "6", "7", "8"]);
    const history = join(DIR, "Stage_History_2024_04_15.csv");
    const activities = join(DIR, "Activities_2024_04_15.csv");
    const linesOf = (file: string, reason: RegExp) =>
      refused.filter((r) => r[0] === file && reason.test(r[3] ?? "")).map((r) => Number(r[1]));
    const cascade = /^its lead \S+ \(Deals_with_problems\.csv line [3-8]\) was refused$/;
    // Hand-worked from the files: the history rows of deals 002, 003, 005, 006 and 007 (refused
    // with them); deal 004's rows name a deal the file lacks (its line carries 001's id).
    expect(linesOf(history, cascade)).toEqual([3, 8, 9, 10, 11, 12, 13, 14, 18, 19, 20, 21, 22, 23, 24]);
    expect(linesOf(history, /^no lead "zcrm_5725767000000412004" in Deals_with_problems\.csv$/)).toEqual([15, 16, 17]);
    expect(linesOf(activities, cascade)).toEqual([5, 6, 7, 8, 10]);
    expect(refused).toHaveLength(6 + 15 + 3 + 5);
    expect(rows.activities).toHaveLength(4); // deal 001's three and the one without a deal
  });

  test("a dry run still lists the row problems (and writes no rejects file)", async () => {
    const rejects = join(fixture.temp, "dry-run-rejects.csv");
    const prepared = await csvMappingImporter.prepare([LEADS_100], {
      mapping: LEADS_MAPPING,
      collectProblems: true,
      skipInvalid: { rejects, maxRejectedPercent: 5 },
    });
    await prepared.cleanup();
    expect(prepared.problems?.map((p) => [p.line, p.column])).toEqual([
      [38, "Created"],
      [82, "Status"],
    ]);
    await expect(readFile(rejects)).rejects.toThrow(/ENOENT/);
  });
});

describe.each(engines())("joins and --skip-invalid on %s", (engine) => {
  const t = storeForTests(engine);

  test("the joined import stores the five leads and reports the unmatched rows", async () => {
    const summary = await runImport(t.store, csvMappingImporter, [MQL, DEALS], {
      workspace: "csv-join",
      format: { mapping: JOIN_MAPPING },
    });
    expect(summary.tables.leads).toMatchObject({ rows: 5, created: 5 });
    expect(summary.skipped).toEqual([ORPHAN_DEALS]);
    expect(summary.notes.join("\n")).toContain("2 rows of MQL_Leads.csv have no row in Closed_Deals.csv");
    const leads = await storedRows(t.store, "csv-join", "leads");
    expect(joinedFields(leads)).toEqual(LEFT_JOIN);
  });

  const skip = (percent: number): FormatOptions => ({
    mapping: LEADS_MAPPING,
    skipInvalid: { rejects: join(fixture.temp, `rejects-${engine}.csv`), maxRejectedPercent: percent },
  });

  test("without --skip-invalid the first bad row stops the import and nothing is written", async () => {
    await expectRefusedUnchanged(
      t.store,
      () =>
        runImport(t.store, csvMappingImporter, [LEADS_100], {
          workspace: "csv-skip",
          format: { mapping: LEADS_MAPPING },
        }),
      { file: LEADS_100, line: 38, column: "Created", reason: /2024-02-30 is not a date in the calendar/ },
    );
  });

  test("over the allowed share nothing is written, and the rejects file says why", async () => {
    // 2 of 100 rows is 2%, more than the default 1%.
    const options = skip(1);
    const rejects = options.skipInvalid?.rejects as string;
    await expectRefusedUnchanged(
      t.store,
      () => runImport(t.store, csvMappingImporter, [LEADS_100], { workspace: "csv-skip", format: options }),
      {
        file: rejects,
        line: null,
        column: null,
        reason: /^2 of 100 rows \(2\.0%\) have problems, more than the 1% --max-rejected allows: nothing was imported/,
      },
    );
    expect(await rejectsOf(rejects)).toHaveLength(2);
  });

  test("2 bad rows of 100: 98 are loaded and the rejects file lists exactly the two", async () => {
    const options = skip(2);
    const rejects = options.skipInvalid?.rejects as string;
    const summary = await runImport(t.store, csvMappingImporter, [LEADS_100], {
      workspace: "csv-skip",
      format: options,
    });
    expect(summary.tables.leads).toMatchObject({ rows: 98, created: 98 });
    expect(summary.skipped).toEqual([{ reason: `rows refused by --skip-invalid (listed in ${rejects})`, count: 2 }]);
    expect(summary.notes).toContain(
      `2 of 100 rows (2.0%) refused by --skip-invalid, at most 2% allowed: listed in ${rejects}`,
    );
    expect(await rejectsOf(rejects)).toEqual([
      [LEADS_100, "38", "Created", "2024-02-30 is not a date in the calendar", "L037,Company 37,Open,2024-02-30"],
      [
        LEADS_100,
        "82",
        "Status",
        '"maybe" is not a lead status (open, won, lost, cancelled); map the export\'s values with a map transform',
        "L081,Company 81,Maybe,2024-10-01",
      ],
    ]);
    const ids = (await storedRows(t.store, "csv-skip", "leads")).map((l) => l.external_id);
    expect(ids).toHaveLength(98);
    expect(ids).not.toContain("L037");
    expect(ids).not.toContain("L081");
    expect(ids).toContain("L100");
    expect((await rowCounts(t.store, ["imports"])).imports).toBeGreaterThan(0);
  });
});
