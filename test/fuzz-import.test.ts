/**
 * Property-based fuzzing of every importer (issue 13, "Tests"): each format of
 * src/ingest/importers.ts starts from a small export it takes (the fixtures, a hand-made
 * Maven dataset), and each case spoils one of its files: a cell replaced by hostile text
 * (NUL, quotes, line breaks, huge, bad dates, numbers at their extremes), a ragged row, a
 * line of junk, a cut-off end, and the file written in another encoding (UTF-8 with or
 * without a byte order mark, UTF-16LE, Windows-1252, or random bytes). The importer then
 * runs against a store. For every case:
 *
 * - it loads, or refuses with an ImportError naming the file (and the line and column when it
 *   can): never another kind of error, and never a hang;
 * - no stack trace or file-system path in the message beyond the file the user named;
 * - after a refusal the workspace's canonical tables are exactly as before.
 *
 * Cases per engine: 30 per format, 7 formats: 210. Seeded: test/support/fuzz.ts says how to
 * replay a failure.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImportError } from "../src/ingest/import-error.js";
import { ensureWorkspace, type FormatOptions, runImport } from "../src/ingest/importer.js";
import { IMPORTERS, importerFor } from "../src/ingest/importers.js";
import { engines } from "./support/databases.js";
import {
  bounded,
  EXTREME_NUMBERS,
  expectNoLeak,
  FuzzStats,
  fuzzParameters,
  hostileText,
  ODD_DATES,
  workspaceChecksum,
} from "./support/fuzz.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const WORKSPACE = "fuzz";
const FIXTURES = resolve(import.meta.dirname, "fixtures");
const CASE_MS = 30_000;
const RUNS_PER_FORMAT = 30;

/** A format's starting export: its files (name → text), what the importer is given, its options. */
type Export = {
  files: Record<string, string>;
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
  };
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

/** The file's text with the case's spoils applied (rows and columns taken modulo what is there). */
function spoilText(text: string, c: Case): string {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: true });
  const rows = parsed.data.map((r) => [...r]);
  let raw: string | null = null;
  for (const s of c.spoils) {
    const dataRows = rows.length - 1;
    if (s.kind === "cell" && dataRows > 0) {
      const row = rows[1 + (s.row % dataRows)] as string[];
      if (row.length > 0) row[s.column % row.length] = s.text;
    } else if (s.kind === "ragged" && dataRows > 0) {
      const index = 1 + (s.row % dataRows);
      rows[index] = [...(rows[index] as string[]).slice(0, s.keep), ...s.extra];
    } else if (s.kind === "junk") {
      rows.splice(1 + (s.row % Math.max(1, rows.length)), 0, [s.line]);
    }
  }
  raw = Papa.unparse(rows, { quotes: c.quoteAll, newline: "\r\n" });
  for (const s of c.spoils) if (s.kind === "cut") raw = raw.slice(0, Math.floor(raw.length * s.fraction));
  return raw;
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
  let counter = 0;

  beforeAll(async () => {
    db = await openTestStore(engine);
    await ensureWorkspace(db.store, WORKSPACE);
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

  async function check(format: string, c: Case): Promise<void> {
    const base = exports[format] as Export;
    const dir = join(root, `case-${++counter}`);
    await mkdir(dir);
    try {
      const names = Object.keys(base.files);
      const spoilable = names.filter((n) => !(base.fixed ?? []).includes(n));
      const target = spoilable[c.file % spoilable.length] as string;
      for (const name of names) {
        const text = base.files[name] as string;
        await writeFile(join(dir, name), name === target ? encodeText(spoilText(text, c), c) : text);
      }
      const before = await workspaceChecksum(db.store, WORKSPACE);
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
        // The file the user named may be shown, and what its cells held; nothing else of the disk.
        const sent = [
          dir,
          ...c.spoils.flatMap((s) =>
            s.kind === "cell" ? [s.text] : s.kind === "junk" ? [s.line] : s.kind === "ragged" ? s.extra : [],
          ),
        ];
        expectNoLeak(refusal.message, sent);
        expect(await workspaceChecksum(db.store, WORKSPACE), "a refused import changes nothing").toBe(before);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  for (const format of Object.keys(IMPORTERS)) {
    it(`${format}: loads or refuses every spoiled export by file, line and column, changing nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(cases, (c) => bounded(check(format, c), CASE_MS, `a ${format} import`)),
        fuzzParameters(RUNS_PER_FORMAT),
      );
    }, 120_000);
  }
});
