/**
 * Property-based fuzzing of every importer (issue 13, "Tests"; the marketing formats of issue
 * 16): each format of src/ingest/importers.ts starts from a small export it takes (the
 * fixtures, a hand-made Maven dataset), and each case spoils one of its files. A CSV: a cell
 * replaced by hostile text (NUL, quotes, line breaks, huge, bad dates, numbers at their
 * extremes), a ragged row, a line of junk, a cut-off end, and the file written in another
 * encoding (UTF-8 with or without a byte order mark, UTF-16LE, Windows-1252, or random bytes).
 * JSON and JSON lines: a string value replaced by hostile text or by a value of another shape,
 * junk between lines or after a comma, a cut, the encodings. A workbook (.xlsx) or a zip: a
 * cell or entry spoiled as above before packing, or its bytes cut, overwritten or mixed with
 * random bytes; Parquet: its bytes so. The importer then runs against a store. For every case:
 *
 * - it loads, or refuses with an ImportError naming the file (and the line and column, or JSON
 *   path, when it can): never another kind of error, and never a hang;
 * - no stack trace or file-system path in the message beyond the file the user named;
 * - after a refusal the workspace's canonical tables are exactly as before.
 *
 * Cases: 30 per format for the 7 CRM formats on each engine (210); for the 9 issue-16 formats,
 * on DuckDB only (their conversion does not depend on the store), 6 each and 4 for GA4,
 * Segment and LinkedIn (48), to keep CI's time: longer hunts by hand with VERITY_FUZZ_RUNS
 * (they passed 100 per format on both engines). Seeded: test/support/fuzz.ts
 * says how to replay a failure.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { zipSync } from "fflate";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImportError } from "../src/ingest/import-error.js";
import { ensureWorkspace, type FormatOptions, runImport } from "../src/ingest/importer.js";
import { IMPORTERS, importerFor } from "../src/ingest/importers.js";
// The LinkedIn fixtures' writers (plain ESM, as social.test.ts uses them): sheets to spoil, then .xlsx.
// @ts-expect-error: a .mjs module without type declarations
import * as linkedin from "./fixtures/marketing/social/make-linkedin.mjs";
// @ts-expect-error: a .mjs module without type declarations
import { xlsxBytes } from "./fixtures/marketing/social/xlsx-writer.mjs";
import { engines } from "./support/databases.js";
import {
  bounded,
  EXTREME_NUMBERS,
  expectNoLeak,
  FuzzStats,
  fuzzParameters,
  hostileText,
  ODD_DATES,
  WorkspaceChecksums,
} from "./support/fuzz.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const WORKSPACE = "fuzz";
const FIXTURES = resolve(import.meta.dirname, "fixtures");
const CASE_MS = 30_000;
const RUNS_PER_FORMAT = 30;
/**
 * The issue-16 formats run fewer cases (CI's time), on DuckDB: 6 each, and 4 for those whose case costs
 * most (GA4 and Segment start an engine of their own, LinkedIn writes and reads workbooks).
 */
const MARKETING_RUNS: Record<string, number> = {
  matomo: 6,
  plausible: 6,
  mailchimp: 6,
  listmonk: 6,
  twitter: 6,
  facebook: 6,
  ga4: 4,
  segment: 4,
  linkedin: 4,
};
const runsOf = (format: string) => MARKETING_RUNS[format] ?? RUNS_PER_FORMAT;

/**
 * A file of a starting export: text (CSV, or JSON and JSON lines by its name), bytes (Parquet:
 * only cut or overwritten), a workbook's sheets (written as .xlsx after its cells are spoiled)
 * or a zip's CSV entries (packed after one is spoiled).
 */
type Starter = string | Uint8Array | { sheets: Sheet[] } | { zip: Record<string, string> };
type Sheet = { name: string; rows: unknown[][] };

/** A format's starting export: its files (path → content), what the importer is given, its options. */
type Export = {
  files: Record<string, Starter>;
  /** The path(s) given to the importer, relative to the case's directory ("." for the directory). */
  paths: string[];
  options: (dir: string) => FormatOptions;
  /** Files the case never spoils (a mapping, a rates file). */
  fixed?: string[];
};

const MAVEN: Record<string, string> = {
  "sales_pipeline.csv":
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n" +
    "1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054\n" +
    "Z063OYW0,Darcel Schlecht,GTXPro,Isdom,Lost,2016-10-25,2017-03-11,0\n" +
    "EC4QE1BX,Darcel Schlecht,MG Special,Cancity,Engaging,2016-10-25,,\n" +
    "MV1LWRNH,Moses Frase,GTX Basic,,Prospecting,,,\n",
  "sales_teams.csv":
    "sales_agent,manager,regional_office\nMoses Frase,Dustin Brinkmann,Central\nDarcel Schlecht,Melvin Marxen,Central\n",
  "products.csv":
    "product,series,sales_price\nGTX Basic,GTX,550\nGTX Pro,GTX,4821\nMG Special,MG,55\nGTX Plus Basic,GTX,1096\n",
  "accounts.csv":
    "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n" +
    "Cancity,retail,2001,718.62,2448,United States,\nIsdom,medical,2002,3178.24,4540,United States,\n",
};

async function filesOf(dir: string, skip: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    if (name.endsWith(".csv") && !skip.includes(name)) out[name] = await readFile(join(dir, name), "utf8");
  }
  return out;
}

async function exportsByFormat(): Promise<Record<string, Export>> {
  const crm = join(FIXTURES, "crm");
  const read = (path: string) => readFile(join(crm, path), "utf8");
  return {
    verity: { files: await filesOf(join(FIXTURES, "canonical-small")), paths: ["."], options: () => ({}) },
    salesforce: {
      files: { ...(await filesOf(join(crm, "salesforce"))) },
      paths: ["."],
      options: (dir) => ({ rates: join(dir, "rates.csv") }),
      fixed: ["rates.csv"],
    },
    hubspot: {
      files: { "deals.csv": await read("hubspot/hubspot-crm-exports-all-deals-2024-03-20.csv") },
      paths: ["deals.csv"],
      options: () => ({ currency: "EUR" }),
    },
    pipedrive: {
      files: { "deals.csv": await read("pipedrive/deals-export-comma.csv") },
      paths: ["deals.csv"],
      options: () => ({}),
    },
    nutshell: {
      files: { "leads.csv": await read("nutshell/nutshell-leads-export.csv") },
      paths: ["leads.csv"],
      options: () => ({ stages: "Qualify,Demo,Proposal,Negotiate" }),
    },
    maven: { files: MAVEN, paths: ["."], options: () => ({}) },
    csv: {
      files: {
        "leads.csv": await read("nutshell/nutshell-leads-export.csv"),
        "mapping.yaml": await read("csv-mapping/nutshell-mapping.yaml"),
      },
      paths: ["leads.csv"],
      options: (dir) => ({ mapping: join(dir, "mapping.yaml"), stages: "Qualify,Demo,Proposal,Negotiate" }),
      fixed: ["mapping.yaml"],
    },
    ...(await marketingExports()),
  };
}

/** A text fixture as the tool wrote it (Matomo's CSV is UTF-16LE with a byte order mark). */
async function readText(path: string): Promise<string> {
  const bytes = await readFile(path);
  return bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2).toString("utf16le") : bytes.toString("utf8");
}

/** The issue-16 formats, from test/fixtures/marketing (Plausible's from plausible.test.ts's shape). */
async function marketingExports(): Promise<Record<string, Export>> {
  const dir = join(FIXTURES, "marketing");
  const text = (path: string) => readText(join(dir, path));
  const none = () => ({});
  return {
    matomo: {
      files: {
        "visits-log.json": await text("matomo/visits-log.json"),
        "visits-log.csv": await text("matomo/visits-log.csv"),
      },
      paths: ["."],
      options: none,
    },
    ga4: {
      files: {
        "events_20240309.json": await text("ga4/export/events_20240309.json"),
        "events_20240311.json": await text("ga4/export/events_20240311.json"),
        "events_20240312.parquet": await parquetOf(join(dir, "ga4/export/events_20240312.json")),
      },
      paths: ["."],
      options: none,
    },
    segment: {
      files: {
        "events.jsonl": await text("segment/events.jsonl"),
        "posthog-events.json": await text("segment/posthog-events.json"),
      },
      paths: ["."],
      options: none,
    },
    plausible: {
      files: {
        "example_com_20240101_20240402.zip": {
          zip: {
            "imported_visitors_20240101_20240402.csv":
              "date,visitors,pageviews,bounces,visits,visit_duration\n2024-01-10,10,30,4,12,600\n" +
              "2024-02-05,5,8,1,5,100\n2024-04-02,3,3,,3,\n",
            "imported_sources_20240101_20240402.csv":
              "date,source,utm_medium,utm_campaign,utm_content,utm_term,visitors,visits,visit_duration,bounces\n" +
              "2024-01-10,Google,,,,,6,7,300,2\n",
          },
        },
      },
      paths: ["example_com_20240101_20240402.zip"],
      options: none,
    },
    mailchimp: {
      files: Object.fromEntries(
        await Promise.all(
          [
            "audience/subscribed_members_export_3f2a9c1b0d.csv",
            "audience/unsubscribed_members_export_3f2a9c1b0d.csv",
            "audience/cleaned_members_export_3f2a9c1b0d.csv",
            "reports/campaigns.csv",
            "reports/granular_activity/opens/a1b2c3d4e5.csv",
            "reports/granular_activity/clicks/a1b2c3d4e5.csv",
          ].map(async (path) => [path, await text(`mailchimp/${path}`)]),
        ),
      ),
      paths: ["audience", "reports"],
      options: none,
    },
    listmonk: {
      files: {
        "subscribers.csv": await text("listmonk/subscribers.csv"),
        "campaigns.json": await text("listmonk/campaigns.json"),
      },
      paths: ["subscribers.csv", "campaigns.json"],
      options: none,
    },
    linkedin: {
      files: {
        [linkedin.CONTENT_NAME]: { sheets: linkedin.contentSheets() },
        [linkedin.FOLLOWERS_NAME]: { sheets: linkedin.followerSheets() },
      },
      paths: ["."],
      options: none,
    },
    twitter: {
      files: {
        "tweet_activity_metrics_acmehq_20250701_20250729_en.csv": await text(
          "social/twitter/tweet_activity_metrics_acmehq_20250701_20250729_en.csv",
        ),
        "account_analytics_content_2025-07-01_2025-07-29.csv": await text(
          "social/twitter/account_analytics_content_2025-07-01_2025-07-29.csv",
        ),
      },
      paths: ["."],
      options: none,
    },
    facebook: {
      files: {
        "Jul-01-2025_Jul-29-2025_1098765432.csv": await text("social/facebook/Jul-01-2025_Jul-29-2025_1098765432.csv"),
      },
      paths: ["Jul-01-2025_Jul-29-2025_1098765432.csv"],
      options: none,
    },
  };
}

/**
 * A message without the name of the zip or workbook entry it quotes: that name is the user's
 * (a workbook's xl/workbook.xml, or what spoiled bytes made of it) and holds "/work", which
 * the leak check takes for this machine's project path.
 */
function withoutEntryNames(message: string): string {
  return message.replace(
    /(\.(?:xlsx|zip): )[\s\S]*?( cannot be unpacked| is encrypted| unpacks to| would unpack)/g,
    "$1(an entry)$2",
  );
}

/** A GA4 day as Parquet, written by DuckDB from the JSON-lines fixture (as `bq extract` would). */
async function parquetOf(json: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "verity-fuzz-parquet-"));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const out = join(dir, "events.parquet");
    await connection.run(
      `COPY (SELECT * FROM read_json('${json.replaceAll("'", "''")}', format = 'newline_delimited')) TO '${out}' (FORMAT parquet)`,
    );
    return await readFile(out);
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** How a case spoils a file. */
type Spoil =
  | { kind: "cell"; row: number; column: number; text: string }
  | { kind: "ragged"; row: number; keep: number; extra: string[] }
  | { kind: "junk"; row: number; line: string }
  | { kind: "cut"; fraction: number }
  | { kind: "none" };

type Encoding = "utf8" | "utf8-bom" | "utf16le" | "cp1252" | "random-bytes";

type Case = { file: number; spoils: Spoil[]; quoteAll: boolean; encoding: Encoding; bytes: Uint8Array };

const cellText = fc.oneof(
  { weight: 4, arbitrary: hostileText({ huge: 200_000 }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_DATES) },
  { weight: 2, arbitrary: fc.constantFrom(...EXTREME_NUMBERS) },
);

const spoil: fc.Arbitrary<Spoil> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("cell" as const), row: fc.nat(), column: fc.nat(), text: cellText }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("ragged" as const),
      row: fc.nat(),
      keep: fc.nat({ max: 30 }),
      extra: fc.array(cellText, { maxLength: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("junk" as const), row: fc.nat(), line: hostileText({ huge: 5_000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("cut" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
);

const cases: fc.Arbitrary<Case> = fc.record({
  file: fc.nat(),
  spoils: fc.array(spoil, { minLength: 1, maxLength: 3 }),
  quoteAll: fc.boolean(),
  encoding: fc.constantFrom<Encoding>("utf8", "utf8", "utf8", "utf8-bom", "utf16le", "cp1252", "random-bytes"),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
});

/** The rows with the case's cell, ragged and junk spoils applied (rows and columns taken modulo what is there). */
function spoilRows(rows: unknown[][], c: Case): void {
  for (const s of c.spoils) {
    const dataRows = rows.length - 1;
    if (s.kind === "cell" && dataRows > 0) {
      const row = rows[1 + (s.row % dataRows)] as unknown[];
      if (row.length > 0) row[s.column % row.length] = s.text;
    } else if (s.kind === "ragged" && dataRows > 0) {
      const index = 1 + (s.row % dataRows);
      rows[index] = [...(rows[index] as unknown[]).slice(0, s.keep), ...s.extra];
    } else if (s.kind === "junk") {
      rows.splice(1 + (s.row % Math.max(1, rows.length)), 0, [s.line]);
    }
  }
}

/** The text cut where the case's cut spoils say. */
function cut<T extends string | Uint8Array>(text: T, c: Case): T {
  let out = text;
  for (const s of c.spoils) if (s.kind === "cut") out = out.slice(0, Math.floor(out.length * s.fraction)) as T;
  return out;
}

/** The CSV file's text with the case's spoils applied. */
function spoilText(text: string, c: Case): string {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: true });
  const rows = parsed.data.map((r) => [...r]);
  spoilRows(rows, c);
  return cut(Papa.unparse(rows, { quotes: c.quoteAll, newline: "\r\n" }), c);
}

/**
 * A JSON or JSON-lines file's text with the case's spoils applied as they make sense there: a
 * cell is the n-th string value replaced by the hostile text (as a JSON string), a ragged row
 * a string value replaced by a value of another shape (the extra cells as an array, an object,
 * a number), junk a line of it put between lines or after a comma, then the cut.
 */
function spoilJson(text: string, c: Case): string {
  let out = text;
  for (const s of c.spoils) {
    const values = [...out.matchAll(/"(?:[^"\\\n]|\\.)*"(?!\s*:)/g)];
    const replace = (n: number, value: string) => {
      const match = values[n % values.length] as RegExpExecArray;
      out = out.slice(0, match.index) + value + out.slice(match.index + match[0].length);
    };
    if (s.kind === "cell" && values.length > 0) replace(s.row, JSON.stringify(s.text));
    else if (s.kind === "ragged" && values.length > 0) {
      replace(s.row, [JSON.stringify(s.extra), `{"${s.keep}":[]}`, String(s.keep), "null"][s.keep % 4] as string);
    } else if (s.kind === "junk") {
      const places = [...out.matchAll(/\n|,/g)].map((m) => (m.index ?? 0) + 1);
      const at = places.length === 0 ? 0 : (places[s.row % places.length] as number);
      out = `${out.slice(0, at)}${s.line}\n${out.slice(at)}`;
    }
  }
  return cut(out, c);
}

/** A binary file's bytes spoiled: each cell, ragged or junk spoil overwrites bytes, then the cut and random bytes. */
function spoilBytes(bytes: Uint8Array, c: Case): Uint8Array {
  const out = Buffer.from(bytes);
  for (const s of c.spoils) {
    if (s.kind === "cell" || s.kind === "ragged" || s.kind === "junk") {
      const at = s.row % Math.max(1, out.length);
      Buffer.from(c.bytes).copy(out, at, 0, Math.min(c.bytes.length, out.length - at));
    }
  }
  const spoiled = cut(new Uint8Array(out), c);
  // The encodings mean nothing to bytes: three of the seven add random bytes instead.
  return c.encoding === "utf8" || c.encoding === "utf8-bom" ? spoiled : insertBytes(spoiled, c);
}

function insertBytes(bytes: Uint8Array, c: Case): Uint8Array {
  const at = bytes.length === 0 ? 0 : (c.bytes[0] ?? 0) % bytes.length;
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(c.bytes), bytes.subarray(at)]);
}

/**
 * What a file of the export is written as, spoiled when it is the case's target. A workbook or
 * zip is spoiled inside (a sheet's cells, an entry as CSV) or, for about half the cases, as
 * bytes (cut off, overwritten, random bytes).
 */
function contentOf(name: string, starter: Starter, c: Case, target: boolean): Uint8Array | string {
  const outer = target && ((c.bytes[c.bytes.length - 1] ?? 0) & 1) === 1;
  const pick = <T>(items: T[]) => items[Math.floor(c.file / 7) % items.length] as T;
  if (typeof starter === "string") {
    if (!target) return starter;
    return encodeText(/\.(json|jsonl|ndjson)$/i.test(name) ? spoilJson(starter, c) : spoilText(starter, c), c);
  }
  if (starter instanceof Uint8Array) return target ? spoilBytes(starter, c) : starter;
  let packed: Uint8Array;
  if ("sheets" in starter) {
    const sheets = starter.sheets.map((sheet) => ({ ...sheet, rows: sheet.rows.map((row) => [...row]) }));
    if (target && !outer) spoilRows(pick(sheets).rows, c);
    packed = xlsxBytes(sheets);
  } else {
    const entries = Object.entries(starter.zip);
    const inner = target && !outer ? pick(entries)[0] : null;
    packed = zipSync(
      Object.fromEntries(
        entries.map(([entry, text]) => [
          entry,
          entry === inner ? encodeText(spoilText(text, c), c) : new TextEncoder().encode(text),
        ]),
      ),
    );
  }
  return outer ? spoilBytes(packed, c) : packed;
}

function encodeText(text: string, c: Case): Uint8Array {
  switch (c.encoding) {
    case "utf8":
      return Buffer.from(text, "utf8");
    case "utf8-bom":
      return Buffer.from(`\uFEFF${text}`, "utf8");
    case "utf16le":
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    case "cp1252":
      return iconv.encode(text, "win1252");
    case "random-bytes": {
      const bytes = Buffer.from(text, "utf8");
      const at = bytes.length === 0 ? 0 : (c.bytes[0] ?? 0) % bytes.length;
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(c.bytes), bytes.subarray(at)]);
    }
  }
}

describe.each(engines())("fuzzing every importer (%s)", (engine) => {
  let db: TestStore;
  let root: string;
  let exports: Record<string, Export>;
  const stats = new FuzzStats();
  const checksums = new WorkspaceChecksums(() => db.store, WORKSPACE);
  let counter = 0;

  beforeAll(async () => {
    db = await openTestStore(engine);
    // One DuckDB thread, as the server has on a 2-core machine (defaultEngineThreads): a case
    // imports a few small files, and a second thread cost a quarter of the DuckDB half's CPU
    // without doing more. What is fuzzed is what a spoiled file does to the importer (loaded,
    // or refused naming the file, and nothing changed), not how DuckDB spreads a statement.
    await db.store.setThreads?.(1);
    await ensureWorkspace(db.store, WORKSPACE);
    await ensureWorkspace(db.store, `${WORKSPACE}-intact`);
    root = await mkdtemp(join(tmpdir(), "verity-fuzz-import-"));
    exports = await exportsByFormat();
  });
  afterAll(async () => {
    stats.print(`importers (${engine})`);
    await db?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it("lists an export for every format there is", () => {
    expect(Object.keys(exports).sort()).toEqual(Object.keys(IMPORTERS).sort());
  });

  // A starter that does not load would make every case a refusal and the fuzzing hollow.
  it("every issue-16 format's starting export loads as it is", async () => {
    const intact: Case = {
      file: 0,
      spoils: [{ kind: "none" }],
      quoteAll: false,
      encoding: "utf8",
      bytes: new Uint8Array(1),
    };
    for (const format of Object.keys(MARKETING_RUNS)) {
      const dir = join(root, `intact-${format}`);
      const base = exports[format] as Export;
      for (const [name, starter] of Object.entries(base.files)) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), contentOf(name, starter, intact, false));
      }
      const paths = base.paths.map((p) => (p === "." ? dir : join(dir, p)));
      await runImport(db.store, importerFor(format), paths, {
        workspace: `${WORKSPACE}-intact`,
        format: base.options(dir),
      });
    }
  }, 60_000);

  async function check(format: string, c: Case): Promise<void> {
    const base = exports[format] as Export;
    const dir = join(root, `case-${++counter}`);
    await mkdir(dir);
    try {
      const names = Object.keys(base.files);
      const spoilable = names.filter((n) => !(base.fixed ?? []).includes(n));
      const target = spoilable[c.file % spoilable.length] as string;
      for (const name of names) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), contentOf(name, base.files[name] as Starter, c, name === target));
      }
      const before = await checksums.before();
      const paths = base.paths.map((p) => (p === "." ? dir : join(dir, p)));
      try {
        await runImport(db.store, importerFor(format), paths, { workspace: WORKSPACE, format: base.options(dir) });
        stats.note(`${format} loaded`);
      } catch (error) {
        stats.note(
          `${format} ${error instanceof ImportError ? `refused (${error.column === null ? "no column" : "column"})` : String(error).slice(0, 60)}`,
        );
        expect(error, `${format}: ${error instanceof Error ? error.stack : String(error)}`).toBeInstanceOf(ImportError);
        const refusal = error as ImportError;
        expect(refusal.file.length, refusal.message).toBeGreaterThan(0);
        expect(refusal.reason.length, refusal.message).toBeGreaterThan(0);
        // The file the user named may be shown and what its cells held; nothing else of the disk.
        const sent = [
          dir,
          ...c.spoils.flatMap((s) =>
            s.kind === "cell" ? [s.text] : s.kind === "junk" ? [s.line] : s.kind === "ragged" ? s.extra : [],
          ),
        ];
        expectNoLeak(withoutEntryNames(refusal.message), sent);
        await checksums.expectUnchanged(before, `a refused import changes nothing: ${refusal.message}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  // The issue-16 formats are fuzzed on DuckDB only: what a spoiled export does to them is
  // their conversion's (JavaScript or a scratch DuckDB, whatever the store); the loader's SQL on
  // PostgreSQL is fuzzed through the CRM formats and Verity's own files below.
  const formats = Object.keys(IMPORTERS).filter((f) => engine === "duckdb" || !(f in MARKETING_RUNS));
  for (const format of formats) {
    it(`${format}: loads or refuses every spoiled export by file, line and column, changing nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(cases, (c) => bounded(check(format, c), CASE_MS, `a ${format} import`)),
        fuzzParameters(runsOf(format)),
      );
    }, 120_000);
  }
});
