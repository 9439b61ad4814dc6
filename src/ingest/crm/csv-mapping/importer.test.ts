/**
 * The generic CSV importer: the Zoho-style fixture converts to exactly its expected.json
 * through the YAML and the JSON mapping; the Nutshell fixture read through a mapping gives the
 * Nutshell importer's expected rows; imports on both engines (a re-import updates, never
 * duplicates) feed real metric numbers; every bad export of test/fixtures/crm/bad stops with
 * file, line, column and reason, the database unchanged; a dry run collects every problem.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { engines } from "../../../../test/support/databases.js";
import {
  byKey,
  converter,
  DEAL_TABLES,
  expectedRows,
  expectRefusedUnchanged,
  fixtureSuite,
  importErrorOf,
  readExpected,
  rowCounts,
  storedRows,
  storeForTests,
} from "../../../../test/support/importer-tests.js";
import { report } from "../../../../test/support/metric-fixtures.js";
import { activityQuality } from "../../../metrics/definitions/activity-quality.js";
import { funnel } from "../../../metrics/definitions/funnel.js";
import { losses } from "../../../metrics/definitions/losses.js";
import { velocity } from "../../../metrics/definitions/velocity.js";
import { type FormatOptions, runImport } from "../../importer.js";
import { previewRows } from "../preview.js";
import { PROBLEM_LIMIT } from "../problems.js";
import { csvMappingImporter } from "./index.js";
import { readMapping } from "./mapping-file.js";

const FIXTURES = resolve(import.meta.dirname, "../../../../test/fixtures/crm");
const DIR = join(FIXTURES, "csv-mapping");
const BAD = join(FIXTURES, "bad");
const DEALS = join(DIR, "Deals_2024_04_15.csv");
const HISTORY = join(DIR, "Stage_History_2024_04_15.csv");
const ACTIVITIES = join(DIR, "Activities_2024_04_15.csv");
const ZOHO = [DEALS, HISTORY, ACTIVITIES];
const OPTIONS: FormatOptions = { mapping: join(DIR, "zoho-mapping.yaml"), rates: join(DIR, "rates.csv") };
const NUTSHELL_EXPORT = join(FIXTURES, "nutshell", "nutshell-leads-export.csv");
const NUTSHELL_OPTIONS: FormatOptions = {
  mapping: join(DIR, "nutshell-mapping.yaml"),
  stages: "Qualify,Demo,Proposal,Negotiate",
};
const WORKSPACE = "csv-test";

const fixture = fixtureSuite(join(DIR, "expected.json"), "csv-mapping");

const convert = converter(csvMappingImporter);

/** Writes a mapping (YAML text) into the temporary directory. */
async function mappingFile(name: string, text: string): Promise<string> {
  const file = join(fixture.temp, name);
  await writeFile(file, text, "utf8");
  return file;
}

describe("conversion", () => {
  test.each(["zoho-mapping.yaml", "zoho-mapping.json"])("%s converts the fixture to expected.json", async (name) => {
    const { prepared, rows } = await convert(ZOHO, { ...OPTIONS, mapping: join(DIR, name) });
    expect(prepared.sourceSystem).toBe("zoho");
    for (const table of DEAL_TABLES) {
      expect(byKey(table, rows[table]), table).toEqual(byKey(table, expectedRows(fixture.expected, table)));
    }
    expect(prepared.skipped).toEqual(fixture.expected.skipped);
    expect(prepared.lacks).toEqual(fixture.expected.lacks);
    expect(prepared.notes).toEqual([
      "1 open lead has a Closing Date (an expected close date): ignored, an open lead has not closed",
    ]);
    expect(prepared.problems).toBeUndefined();
  });

  test("the YAML and the JSON mapping read the same", async () => {
    const yaml = await readMapping(join(DIR, "zoho-mapping.yaml"));
    const json = await readMapping(join(DIR, "zoho-mapping.json"));
    expect(yaml.problems).toEqual([]);
    expect({ ...json.mapping, file: "" }).toEqual({ ...yaml.mapping, file: "" });
  });

  test("the Nutshell export read through a mapping gives the Nutshell importer's rows", async () => {
    const nutshell = await readExpected(join(FIXTURES, "nutshell", "expected.json"));
    const { prepared, rows } = await convert([NUTSHELL_EXPORT], NUTSHELL_OPTIONS);
    for (const table of DEAL_TABLES) {
      expect(byKey(table, rows[table]), table).toEqual(byKey(table, expectedRows(nutshell, table)));
    }
    // No stage_events or activities section: the mapping lacks what the Nutshell export lacks.
    expect(prepared.lacks).toEqual(nutshell.lacks);
    expect(prepared.notes.join("\n")).toContain(
      "6 leads with no stage history: one stage event each, into the current stage at created_at",
    );
  });

  test("lacks follow what the mapping fills", async () => {
    const mapping = await mappingFile(
      "minimal.yaml",
      [
        "source_system: sheet",
        "pipelines: [{ name: Sales, stages: [Qualify, Demo, Proposal, Negotiate] }]",
        "leads:",
        "  columns:",
        "    id: Lead ID",
        "    stage_id: Stage",
        "    status: { column: Status, transform: [lower] }",
        "    created_at: Created",
        "    closed_at: Closed",
      ].join("\n"),
    );
    const { prepared, rows } = await convert([NUTSHELL_EXPORT], { mapping });
    expect(prepared.lacks).toEqual([
      "stage_history",
      "activities",
      "web_visits",
      "web_totals",
      "social",
      "newsletter",
      "loss_reasons",
      "lead_sources",
      // No qualifying stage and no qualification time: nothing tells a qualified lead apart.
      "qualification",
    ]);
    expect(rows.leads.map((l) => l.id)).toEqual(
      ["1001", "1002", "1003", "1004", "1005", "1006"].map((i) => `sheet:${i}`),
    );
    expect(rows.leads.every((l) => l.pipeline_id === "sheet:pipeline:Sales")).toBe(true);
  });

  test("a column list reads the first non-empty cell; errors name the column the value came from", async () => {
    const mapping = await mappingFile(
      "pipedrive.yaml",
      [
        "source_system: pipedrive",
        "pipelines: [{ name: Sales, stages: [Qualified, Contact Made, Demo Scheduled, Proposal Made, Negotiations Started] }]",
        "leads:",
        "  columns:",
        "    id: Deal - ID",
        "    pipeline_id: Deal - Pipeline",
        "    stage_id: Deal - Stage",
        "    status: { column: Deal - Status, transform: [lower] }",
        "    created_at: Deal - Deal created",
        "    closed_at: { column: [Deal - Won time, Deal - Lost time] }",
      ].join("\n"),
    );
    const { rows } = await convert([join(FIXTURES, "pipedrive", "deals-export-comma.csv")], { mapping });
    const closed = Object.fromEntries(rows.leads.map((l) => [l.external_id, l.closed_at]));
    expect(closed).toMatchObject({ "1": "2024-03-01T16:45:00.000Z", "2": "2024-02-20T11:00:00.000Z", "3": null });

    const text = await readFile(join(FIXTURES, "pipedrive", "deals-export-comma.csv"), "utf8");
    const broken = join(fixture.temp, "pipedrive-bad-lost-time.csv");
    await writeFile(
      broken,
      text.replace(
        ",,2024-02-20 11:00:00,2024-02-20 11:00:00,Too expensive",
        ",,2024-02-31 11:00:00,2024-02-20 11:00:00,Too expensive",
      ),
    );
    const error = await importErrorOf(csvMappingImporter.prepare([broken], { mapping }));
    expect([error.line, error.column]).toEqual([3, "Deal - Lost time"]);
  });
});

describe("mapping file errors name the file, the line and the field path", () => {
  test("every mistake of a bad mapping is listed at once", async () => {
    const file = join(DIR, "bad", "mapping-errors.yaml");
    const { mapping, problems } = await readMapping(file);
    expect(mapping).toBeNull();
    expect(problems.map((p) => [p.file, p.line, p.column])).toEqual([
      [file, 2, "source_system"],
      [file, 5, "pipelines[0].qualifying"],
      [file, 8, "leads.columns.created_at"],
      [file, 11, "leads.columns.status.transform[0]"],
      [file, 12, "leads.columns.creatd_at"],
      [file, 15, "leads.columns.closed_at.transform[0].date"],
    ]);
    expect(problems[1]?.reason).toContain("Negotiation, which is not in the pipeline's stages");
    expect(problems[3]?.reason).toContain('"titlecase" is not a transform');
    expect(problems[4]?.reason).toContain('"creatd_at" is not a field of leads');
    expect(problems[5]?.reason).toContain("MM is the month, mm the minutes");
    // The import stops on the first one.
    const error = await importErrorOf(csvMappingImporter.prepare([DEALS], { mapping: file }));
    expect([error.file, error.line, error.column]).toEqual([file, 2, "source_system"]);
  });

  test("JSON mappings: syntax errors and schema errors carry lines too", async () => {
    const broken = await mappingFile("broken.json", '{\n  "source_system": "zoho",\n  "pipelines": [\n}\n');
    const syntax = await importErrorOf(csvMappingImporter.prepare([DEALS], { mapping: broken }));
    expect(syntax.file).toBe(broken);
    expect(syntax.line).toBe(4);
    expect(syntax.reason).toMatch(/not valid JSON/);

    const json = JSON.parse(await readFile(join(DIR, "zoho-mapping.json"), "utf8")) as Record<string, unknown>;
    const leads = json.leads as { columns: Record<string, unknown> };
    leads.columns.value = { column: "Amount", transform: [{ number: { decimal: ";" } }] };
    const schema = await mappingFile("schema.json", JSON.stringify(json, null, 2));
    const error = await importErrorOf(csvMappingImporter.prepare(ZOHO, { mapping: schema }));
    expect(error.column).toBe("leads.columns.value.transform[0].number.decimal");
    const lines = (await readFile(schema, "utf8")).split("\n");
    expect(lines[(error.line ?? 0) - 1]).toContain('"decimal": ";"');
  });

  test("a mapped column the header lacks is named with the header line", async () => {
    const mapping = join(DIR, "bad", "mapping-unknown-column.yaml");
    const error = await importErrorOf(csvMappingImporter.prepare([DEALS], { mapping }));
    expect([error.file, error.line, error.column]).toEqual([DEALS, 1, "Deal Stage"]);
    expect(error.reason).toContain("leads.columns.stage_id");
  });

  test("without --mapping, and with a file no section reads", async () => {
    const none = await importErrorOf(csvMappingImporter.prepare([DEALS], {}));
    expect(none.reason).toContain("--mapping FILE");
    const extra = await importErrorOf(csvMappingImporter.prepare([...ZOHO, join(DIR, "rates.csv")], OPTIONS));
    expect(extra.file).toBe(join(DIR, "rates.csv"));
    expect(extra.reason).toContain("no section of the mapping");
  });
});

describe("dry run (collectProblems)", () => {
  const problemsFile = join(DIR, "bad", "Deals_with_problems.csv");

  test("collects every problem with file, line and column, and keeps the rows that converted", async () => {
    const prepared = await csvMappingImporter.prepare([problemsFile, HISTORY, ACTIVITIES], {
      ...OPTIONS,
      collectProblems: true,
    });
    try {
      const problems = prepared.problems ?? [];
      expect(problems.map((p) => [p.file, p.line, p.column])).toEqual([
        [problemsFile, 3, "Created Time"],
        [problemsFile, 4, "Stage"],
        [problemsFile, 5, "Record Id"],
        [problemsFile, 6, "Amount"],
        [problemsFile, 7, "Currency"],
        [problemsFile, 8, "Pipeline"],
        // Deal 004's row now carries a duplicate id: its history names a deal the file lacks.
        [HISTORY, 15, "Deal Id"],
        [HISTORY, 16, "Deal Id"],
        [HISTORY, 17, "Deal Id"],
      ]);
      expect(problems[0]?.reason).toBe('"31/02/2024 10:00" is not a date in the calendar');
      expect(problems[1]?.reason).toContain('unknown stage "Closed Won (old)" of pipeline Standard');
      expect(problems[2]?.reason).toBe("duplicate id zcrm_5725767000000412001: first on line 2");
      expect(problems[4]?.reason).toContain("no rate for NOK");

      const preview = await previewRows(prepared, 3);
      const leads = preview.find((t) => t.table === "leads");
      // Only the deal on line 2 converted; line 3's history rows are not reported again.
      expect(leads?.total).toBe(1);
      expect(leads?.rows[0]?.[0]).toBe("zoho:zcrm_5725767000000412001");
      const events = preview.find((t) => t.table === "stage_events");
      expect(events?.total).toBe(5);
      expect(events?.rows).toHaveLength(3);
      expect(preview.find((t) => t.table === "activities")?.total).toBe(4); // deal 001's three and the one without a deal
    } finally {
      await prepared.cleanup();
    }
  });

  test(`lists the first ${PROBLEM_LIMIT} problems and counts the rest`, async () => {
    const lines = ["id,status,created", ...Array.from({ length: 250 }, (_, i) => `${i + 1},maybe,2024-01-01`)];
    const file = join(fixture.temp, "many-problems.csv");
    await writeFile(file, `${lines.join("\n")}\n`);
    const mapping = await mappingFile(
      "many.yaml",
      "source_system: sheet\npipelines: [{ name: Sales }]\nleads:\n  columns: { id: id, status: status, created_at: created }\n",
    );
    const prepared = await csvMappingImporter.prepare([file], { mapping, collectProblems: true });
    try {
      expect(prepared.problems).toHaveLength(PROBLEM_LIMIT);
      expect(prepared.problems?.[0]?.reason).toContain('"maybe" is not a lead status (open, won, lost, cancelled)');
      expect(prepared.notes).toContain("250 problems found; the first 200 are listed, 50 more are not");
    } finally {
      await prepared.cleanup();
    }
  });

  test("without collectProblems the first problem stops the import", async () => {
    const error = await importErrorOf(csvMappingImporter.prepare([problemsFile, HISTORY, ACTIVITIES], OPTIONS));
    expect([error.file, error.line, error.column]).toEqual([problemsFile, 3, "Created Time"]);
  });
});

const HUBSPOT_MAPPING = [
  "source_system: hubspot",
  "pipelines:",
  "  - name: Sales Pipeline",
  "    stages: [Appointment Scheduled, Qualified To Buy, Presentation Scheduled, Decision Maker Bought-In, Contract Sent, Closed Won, Closed Lost]",
  "  - name: Partner Pipeline",
  "    stages: [New, Discovery, Closed Won, Closed Lost]",
  "leads:",
  "  columns:",
  "    id: Record ID",
  "    name: Deal Name",
  "    pipeline_id: Pipeline",
  "    stage_id: Deal Stage",
  "    status: { column: Deal Stage, transform: [lower, { map: { closed won: won, closed lost: lost }, default: open }] }",
  "    created_at: Create Date",
  "    closed_at: Close Date",
].join("\n");

const PIPEDRIVE_MAPPING = [
  "source_system: pipedrive",
  "pipelines: [{ name: Sales, stages: [Qualified, Contact Made, Demo Scheduled, Proposal Made, Negotiations Started] }]",
  "leads:",
  "  columns:",
  "    id: Deal - ID",
  "    stage_id: Deal - Stage",
  "    status: { column: Deal - Status, transform: [lower] }",
  "    created_at: Deal - Deal created",
  "    closed_at: { column: [Deal - Won time, Deal - Lost time] }",
].join("\n");

const SALESFORCE_MAPPING = [
  "source_system: salesforce",
  "pipelines:",
  "  - name: Sales",
  "    stages: [Prospecting, Qualification, Needs Analysis, Proposal/Price Quote, Negotiation/Review, Closed Won, Closed Lost]",
  "leads:",
  "  columns:",
  "    id: Id",
  "    stage_id: StageName",
  "    status: { column: StageName, transform: [{ map: { Closed Won: won, Closed Lost: lost }, default: open }] }",
  "    created_at: CreatedDate",
  "    closed_at: CloseDate",
  "    value: Amount",
  "    currency: CurrencyIsoCode",
].join("\n");

const NUTSHELL_MAPPING = "nutshell";

/** The bad exports of test/fixtures/crm/bad read through a mapping of their layout. */
const BAD_FILES: {
  file: string;
  mapping: string;
  rates?: string;
  line: number;
  column: string | null;
  reason: RegExp;
}[] = [
  { file: "hubspot-truncated.csv", mapping: HUBSPOT_MAPPING, line: 7, column: "Deal Name", reason: /truncated/ },
  { file: "hubspot-bom-but-cp1252.csv", mapping: HUBSPOT_MAPPING, line: 2, column: null, reason: /byte order mark/ },
  {
    file: "hubspot-unknown-stage.csv",
    mapping: HUBSPOT_MAPPING,
    line: 5,
    column: "Deal Stage",
    reason: /unknown stage "Qualified to Buy \(old\)" of pipeline Sales Pipeline/,
  },
  { file: "pipedrive-utf16le-no-bom.csv", mapping: PIPEDRIVE_MAPPING, line: 1, column: null, reason: /UTF-16/ },
  {
    file: "pipedrive-impossible-date.csv",
    mapping: PIPEDRIVE_MAPPING,
    line: 4,
    column: "Deal - Deal created",
    reason: /2025-02-30 09:00:00 is not a date in the calendar/,
  },
  {
    file: "nutshell-ambiguous-dates.csv",
    mapping: NUTSHELL_MAPPING,
    line: 2,
    column: "Created",
    reason: /could be day-first or month-first.*--date-format/,
  },
  {
    file: "salesforce-duplicate-ids/Opportunity.csv",
    mapping: SALESFORCE_MAPPING,
    rates: "salesforce-duplicate-ids/rates.csv",
    line: 6,
    column: "Id",
    reason: /duplicate id 0068d00001JAb02AAD: first on line 4/,
  },
  {
    file: "salesforce-unknown-currency/Opportunity.csv",
    mapping: SALESFORCE_MAPPING,
    rates: "salesforce-unknown-currency/rates.csv",
    line: 5,
    column: "CurrencyIsoCode",
    reason: /no rate for NOK/,
  },
];

async function badOptions(bad: (typeof BAD_FILES)[number]): Promise<FormatOptions> {
  const mapping =
    bad.mapping === NUTSHELL_MAPPING
      ? join(DIR, "nutshell-mapping.yaml")
      : await mappingFile(`${bad.file.replace(/\W/g, "-")}.yaml`, bad.mapping);
  return {
    mapping,
    ...(bad.mapping === NUTSHELL_MAPPING ? { stages: NUTSHELL_OPTIONS.stages } : {}),
    ...(bad.rates ? { rates: join(BAD, bad.rates) } : {}),
  };
}

describe.each(engines())("CSV mapping import on %s", (engine) => {
  const t = storeForTests(engine);

  test("imports the fixture: the stored rows are expected.json's", async () => {
    const summary = await runImport(t.store, csvMappingImporter, ZOHO, { workspace: WORKSPACE, format: OPTIONS });
    expect(summary.format).toBe("csv");
    expect(summary.sourceSystem).toBe("zoho");
    expect(summary.tables.leads).toMatchObject({ rows: 7, created: 7 });
    expect(summary.tables.stage_events).toMatchObject({ rows: 22, created: 22 });
    expect(summary.tables.activities).toMatchObject({ rows: 9, created: 9 });
    expect(summary.lacks).toEqual(fixture.expected.lacks);
    for (const table of DEAL_TABLES) {
      expect(await storedRows(t.store, WORKSPACE, table), table).toEqual(
        byKey(table, expectedRows(fixture.expected, table)),
      );
    }
  });

  test("a re-import changes nothing; a later export updates the deal it changed", async () => {
    const before = await rowCounts(t.store);
    const again = await runImport(t.store, csvMappingImporter, ZOHO, { workspace: WORKSPACE, format: OPTIONS });
    for (const table of DEAL_TABLES) {
      expect(again.tables[table], table).toMatchObject({ created: 0, updated: 0, removed: 0 });
    }
    expect(again.tables.leads).toMatchObject({ rows: 7, unchanged: 7 });
    const after = await rowCounts(t.store);
    expect({ ...after, imports: 0 }).toEqual({ ...before, imports: 0 });
    expect(after.imports).toBe((before.imports ?? 0) + 1);

    // The later export: Atlas Retail (deal 005) got an amount.
    const later = join(fixture.temp, "Deals_2024_05_01.csv");
    const text = await readFile(DEALS, "utf8");
    await writeFile(later, text.replace("Needs Analysis,,EUR", 'Needs Analysis,"5.000,00",EUR'));
    const updated = await runImport(t.store, csvMappingImporter, [later, HISTORY, ACTIVITIES], {
      workspace: WORKSPACE,
      format: OPTIONS,
    });
    expect(updated.tables.leads).toMatchObject({ created: 0, updated: 1, unchanged: 6 });
    const leads = await storedRows(t.store, WORKSPACE, "leads");
    expect(leads).toHaveLength(7);
    expect(leads.find((l) => l.id === "zoho:zcrm_5725767000000412005")).toMatchObject({ value: 5000, currency: "EUR" });
  });

  test("metrics read the imported deals", async () => {
    const request = { workspace: WORKSPACE, period: "2024-Q1" };
    const lost = await report(t.store, losses, request);
    // Lost in Q1 2024: 002 (15,250.50 USD = 14,030.46 EUR) and 004 (9,900 EUR).
    expect(lost.result.leads).toBe(2);
    expect(lost.result.value).toBeCloseTo(23930.46, 2);
    expect(lost.result.byReason?.map((r) => [r.reason, r.leads])).toEqual(
      expect.arrayContaining([
        ["Price", 1],
        ["Lost to competitor", 1],
      ]),
    );
    expect(lost.unsupported).toEqual([]);
    const won = await report(t.store, funnel, request);
    expect(won.result).toMatchObject({ cohort: 7, won: 2, lost: 2 });
    // Stage history and activities are mapped: neither metric reports them missing.
    const quality = await report(t.store, activityQuality, request);
    expect(quality.unsupported).toEqual([]);
    const speed = await report(t.store, velocity, request);
    expect(speed.unsupported.map((u) => u.capability)).not.toContain("stage_history");
  });

  test("what a mapping does not fill is reported missing by the metrics", async () => {
    const workspace = "csv-nutshell";
    const summary = await runImport(t.store, csvMappingImporter, [NUTSHELL_EXPORT], {
      workspace,
      format: NUTSHELL_OPTIONS,
    });
    expect(summary.tables.leads).toMatchObject({ rows: 6, created: 6 });
    const request = { workspace, period: "2024-Q1" };
    const quality = await report(t.store, activityQuality, request);
    expect(quality.unsupported.map((u) => u.capability)).toEqual(["activities"]);
    const lost = await report(t.store, losses, request);
    expect(lost.result.leads).toBe(1);
    expect(lost.result.byReason?.map((r) => [r.reason, r.leads])).toEqual([["Lost to competitor", 1]]);
  });

  test.each(BAD_FILES)("$file stops with line $line and leaves the database unchanged", async (bad) => {
    const file = join(BAD, bad.file);
    await expectRefusedUnchanged(
      t.store,
      async () =>
        runImport(t.store, csvMappingImporter, [file], { workspace: WORKSPACE, format: await badOptions(bad) }),
      { ...bad, file },
    );
  });
});

describe("stage kinds read through the status mapping", () => {
  test("a stage the status map cannot read is a problem naming the mapping, not an open stage", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-kinds-"));
    try {
      const deals = join(dir, "deals.csv");
      await writeFile(deals, "Id,Stage,Created\n1,Won deal,2024-01-02\n2,Talking,2024-01-03\n", "utf8");
      const mapping = join(dir, "mapping.yaml");
      await writeFile(
        mapping,
        [
          "source_system: sheet",
          "pipelines:",
          "  - name: Sales",
          "    stages: [Talking, Won deal, Parked]",
          "leads:",
          "  columns:",
          "    id: Id",
          "    pipeline_id: { value: Sales }",
          "    stage_id: Stage",
          "    created_at: Created",
          "    closed_at: Created",
          "    status:",
          "      column: Stage",
          "      transform:",
          "        - map: { Talking: open, Won deal: won }",
          "",
        ].join("\n"),
        "utf8",
      );
      const prepared = await csvMappingImporter.prepare([deals], { mapping, collectProblems: true });
      await prepared.cleanup();
      const messages = (prepared.problems ?? []).map((p) => p.message);
      // "Parked" has no status in the map and no default: say so rather than guess open.
      expect(messages).toEqual([
        expect.stringMatching(/mapping\.yaml, column pipelines\[0\]\.stages: .*stage "Parked" is won, lost or open/),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
