/**
 * Plausible's CSV export (Site settings → Imports & Exports → Export data): a zip named
 * `<domain>_<YYYYMMDD>_<YYYYMMDD>.zip` holding one `imported_<table>_<from>_<to>.csv` per
 * table, the layout Plausible's own importer reads back (plausible/analytics,
 * lib/plausible/exports.ex). Only `imported_visitors` is read: `date, visitors, pageviews,
 * bounces, visits, visit_duration`, one row per day (UTC; Plausible stores times in UTC and
 * the export takes `toDate` of them).
 *
 * Plausible keeps no visit or visitor, only totals, so this is the aggregate-only path of
 * issue 16: the rows become `visit_days`, which the website-visits vanity figure counts for
 * days no visit is loaded, and every per-visitor metric says why it cannot use them. The
 * other tables (sources, pages, locations, devices, ...) are totals by a dimension: they are
 * not kept, and the import says so. The zip, the CSV alone or a directory holding it are read.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { CanonicalTables } from "../../crm/canonical-tables.js";
import { unpackZip } from "../../crm/export-zip.js";
import { decode, parseSourceText, type SourceFile } from "../../crm/source-file.js";
import { ImportError } from "../../import-error.js";
import type { FileSample, FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { onePath } from "../../importer.js";

export const PLAUSIBLE_SOURCE = "plausible";

const VISITORS_FILE = /^imported_visitors(_\d{8}_\d{8})?\.csv$/i;
const ANY_TABLE = /^imported_[a-z_]+?(_\d{8}_\d{8})?\.csv$/i;
const REQUIRED = ["date", "visits"];
const COLUMNS = ["date", "visitors", "pageviews", "bounces", "visits", "visit_duration"] as const;

export const plausibleImporter: Importer = {
  format: "plausible",
  description: "Plausible CSV export (daily totals only: the visits count, nothing per visitor)",
  recognise(sample: FileSample) {
    if (VISITORS_FILE.test(sample.name)) return `${sample.name} is Plausible's daily visitors export`;
    if (sample.entries?.some((e) => VISITORS_FILE.test(basename(e)))) {
      return `${sample.name} is a Plausible export (it holds imported_visitors_*.csv)`;
    }
    return null;
  },
  prepare,
};

async function prepare(paths: readonly string[], options: FormatOptions): Promise<PreparedImport> {
  const path = onePath("plausible", paths);
  const unpacked = /\.zip$/i.test(path) ? await mkdtemp(join(tmpdir(), "verity-plausible-")) : null;
  try {
    const { visitors, others } = await filesOf(path, unpacked);
    const source = await readVisitors(visitors);
    const tables = new CanonicalTables();
    const problems: ImportError[] = [];
    source.forEachRow((row) => {
      try {
        tables.add("visit_days", visitors.name, dayOf(source, visitors.name, row));
      } catch (error) {
        if (!(error instanceof ImportError) || !options.collectProblems) throw error;
        problems.push(error);
      }
    });
    if (tables.count("visit_days") === 0 && problems.length === 0) {
      throw new ImportError(visitors.name, null, null, "holds no days");
    }
    tables.note(
      "Plausible keeps daily totals, not visits: they count in the website-visits figure for days no visit is loaded; visit frequency and recency, conversion by visit and the social visit-to-lead rate need each visit with its visitor",
    );
    if (others.length > 0) {
      tables.note(
        `not read: ${others.join(", ")} (totals by source, page, place or device have no visitor either, and no Verity figure counts them)`,
      );
    }
    // No `lacks`: they speak of sources that bring leads (metrics/context.ts reads them only
    // there), and "This source has no web visits, social, newsletter" after importing a
    // site's visits misleads; the note above says what the totals cannot give.
    const prepared = await tables.prepare(PLAUSIBLE_SOURCE, []);
    if (problems.length > 0) prepared.problems = problems;
    return prepared;
  } finally {
    if (unpacked) await rm(unpacked, { recursive: true, force: true });
  }
}

type Named = { file: string; name: string; table: string };

/**
 * The visitors file parsed, its problems named as the user knows the file: an entry of a zip
 * is unpacked to a scratch file whose temporary path means nothing to them (and shows the
 * server's disk when uploaded).
 */
async function readVisitors(visitors: Named): Promise<SourceFile> {
  const bytes = await readFile(visitors.file).catch((error: NodeJS.ErrnoException) => {
    throw new ImportError(visitors.name, null, null, `cannot be read (${error.code ?? "unknown error"})`);
  });
  const { text, encoding } = decode(visitors.name, bytes);
  return parseSourceText(visitors.name, text, encoding, REQUIRED);
}
type Found = { visitors: Named; others: string[] };

/** The visitors file (by the name the user knows it by) and the other tables' names. */
async function filesOf(path: string, unpackInto: string | null): Promise<Found> {
  let names: Named[];
  if (unpackInto) {
    const entries = await unpackZip(path, (entry) => ANY_TABLE.test(basename(entry)), unpackInto);
    names = entries.map((e) => ({ file: e.file, name: `${basename(path)}: ${e.entry}`, table: basename(e.entry) }));
  } else if ((await stat(path)).isDirectory()) {
    names = (await readdir(path))
      .filter((n) => ANY_TABLE.test(n))
      .map((n) => ({ file: join(path, n), name: n, table: n }));
  } else {
    names = [{ file: path, name: basename(path), table: basename(path) }];
  }
  const visitors = names.filter((n) => VISITORS_FILE.test(n.table));
  const [first] = visitors;
  if (!first) {
    throw new ImportError(path, null, null, "no imported_visitors_*.csv in it: is this Plausible's CSV export?");
  }
  if (visitors.length > 1) {
    throw new ImportError(
      path,
      null,
      null,
      `holds ${visitors.length} imported_visitors files; import one export at a time`,
    );
  }
  return { visitors: first, others: names.filter((n) => n !== first).map((n) => n.table) };
}

/** One day's row; `name` is the file as the user knows it (an entry of their zip). */
function dayOf(source: SourceFile, name: string, row: { line: number; get(column: string): string }) {
  const fail = (column: string, reason: string) => new ImportError(name, row.line, column, reason);
  const date = row.get("date");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw fail("date", `${JSON.stringify(date)} is not a date (YYYY-MM-DD)`);
  }
  const count = (column: (typeof COLUMNS)[number], required: boolean): number | null => {
    const text = source.has(column) ? row.get(column) : "";
    if (text === "") {
      if (required) throw fail(column, "a count is required");
      return null;
    }
    if (!/^\d+$/.test(text)) throw fail(column, `${JSON.stringify(text)} is not a whole number of 0 or more`);
    return Number(text);
  };
  return {
    day: date,
    visits: count("visits", true),
    visitors: count("visitors", false),
    pageviews: count("pageviews", false),
  };
}
