/**
 * An XLSX workbook read with read-excel-file (a maintained reader; Verity writes no XLSX code
 * of its own), as sheets of rows that keep Excel's row numbers, so every message names the
 * file, the sheet, the row as Excel numbers it and the column by its header.
 *
 * Exports put a description sentence above the header (LinkedIn's "Engagement metrics for
 * individual posts. ..."), so the header is found as the first of the sheet's first rows that
 * holds every required column; the rows below it are the data.
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import readXlsxFile, { InvalidInputError } from "read-excel-file/node";
import { unpackZip, ZIP_LIMITS, type ZipLimits } from "../../crm/export-zip.js";
import { ImportError } from "../../import-error.js";
import type { Origin } from "./social-rows.js";

/** A cell as the reader gives it: text, a number, a boolean, a date cell (Date) or empty (null). */
export type Cell = string | number | boolean | Date | null;

export type Sheet = { name: string; rows: Cell[][] };

/**
 * What a workbook may unpack to before the reader (which holds each sheet's XML in memory) is
 * given it: an export of a few thousand posts is a few MiB. A crafted .xlsx (a zip) that
 * unpacks to gigabytes, or lies about its sizes, is refused while unpacking to a scratch
 * folder, where every byte is counted (export-zip.ts), not in the reader.
 */
export const WORKBOOK_LIMITS: ZipLimits = {
  ...ZIP_LIMITS,
  maxEntries: 10_000,
  maxEntryBytes: 200 * 1024 ** 2,
  maxTotalBytes: 400 * 1024 ** 2,
};

/** Checks a zip-based workbook against WORKBOOK_LIMITS; other files are left to the reader's own messages. */
async function checkWorkbookSize(file: string, limits: ZipLimits): Promise<void> {
  const handle = await open(file, "r").catch(() => null);
  if (!handle) return;
  const magic = Buffer.alloc(2);
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  if (magic.toString("latin1") !== "PK") return;
  const scratch = await mkdtemp(join(tmpdir(), "verity-xlsx-"));
  try {
    await unpackZip(file, () => true, scratch, limits);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Reads every sheet of an .xlsx file; a legacy .xls or a broken file is an ImportError that says what to do. */
export async function readWorkbook(file: string, limits: ZipLimits = WORKBOOK_LIMITS): Promise<Sheet[]> {
  await checkWorkbookSize(file, limits);
  try {
    const sheets = await readXlsxFile(file);
    return sheets.map((s) => ({ name: s.sheet, rows: s.data as unknown as Cell[][] }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ImportError(file, null, null, "no such file");
    if (error instanceof InvalidInputError && String(error.code) === "XLS_FILE_NOT_SUPPORTED") {
      throw new ImportError(
        file,
        null,
        null,
        "this is a legacy binary Excel file (.xls, as LinkedIn's Page analytics export downloads); open it in Excel, LibreOffice or Google Sheets and save it as an Excel Workbook (.xlsx), then import that file (`soffice --headless --convert-to xlsx FILE.xls` does it from a terminal)",
      );
    }
    throw new ImportError(
      file,
      null,
      null,
      `not a readable .xlsx workbook (${String((error as Error).message ?? error)})`,
    );
  }
}

/** How a sheet is named in messages: the file with the sheet. */
export function sheetLabel(file: string, sheet: string): string {
  return `${file} (sheet "${sheet}")`;
}

export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return "";
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).trim();
}

export type TableRow = {
  /** Excel's row number (1-based, counting the description and header rows). */
  line: number;
  cell(column: string): Cell;
  text(column: string): string;
  at(column: string): Origin;
};

/** A sheet's data table under its header row. */
export type SheetTable = {
  file: string;
  /** The header row's cells in order. */
  header: string[];
  headerLine: number;
  /** The first cell of the rows above the header (an export's description). */
  preamble: string[];
  has(column: string): boolean;
  rows: TableRow[];
};

const loose = (name: string) => name.toLowerCase().replace(/\s+/g, " ").trim();

/**
 * The table of `sheet`: its header is the first of the first 10 rows that has every one of
 * `required` (matched ignoring case and runs of spaces); no such row is an ImportError naming
 * the sheet and the missing columns. Blank rows are left out.
 */
export function sheetTable(file: string, sheet: Sheet, required: readonly string[]): SheetTable {
  const label = sheetLabel(file, sheet.name);
  const headerIndex = sheet.rows
    .slice(0, 10)
    .findIndex((row) => required.every((c) => row.some((cell) => loose(cellText(cell)) === loose(c))));
  if (headerIndex < 0) {
    // Name the columns missing from the row that comes closest (the likeliest header).
    let best = 0;
    let bestMissing = [...required];
    for (const [i, row] of sheet.rows.slice(0, 10).entries()) {
      const names = new Set(row.map((cell) => loose(cellText(cell))));
      const missing = required.filter((c) => !names.has(loose(c)));
      if (missing.length < bestMissing.length) {
        best = i;
        bestMissing = missing;
      }
    }
    throw new ImportError(
      label,
      sheet.rows.length === 0 ? null : best + 1,
      bestMissing[0] ?? null,
      `no header row with ${required.join(", ")} in the sheet's first rows (missing: ${bestMissing.join(", ")})`,
    );
  }
  const header = (sheet.rows[headerIndex] ?? []).map((c) => cellText(c));
  const index = new Map<string, number>();
  for (const [i, name] of header.entries()) if (name !== "" && !index.has(loose(name))) index.set(loose(name), i);
  const columnName = (column: string) => {
    const i = index.get(loose(column));
    return i === undefined ? column : (header[i] ?? column);
  };
  const rows: TableRow[] = [];
  for (let r = headerIndex + 1; r < sheet.rows.length; r++) {
    const cells = sheet.rows[r] ?? [];
    if (cells.every((c) => cellText(c) === "")) continue;
    const cell = (column: string): Cell => {
      const i = index.get(loose(column));
      return i === undefined ? null : (cells[i] ?? null);
    };
    rows.push({
      line: r + 1,
      cell,
      text: (column) => cellText(cell(column)),
      at: (column) => ({ file: label, line: r + 1, column: columnName(column) }),
    });
  }
  return {
    file: label,
    header,
    headerLine: headerIndex + 1,
    preamble: sheet.rows.slice(0, headerIndex).map((row) => cellText(row[0])),
    has: (column) => index.has(loose(column)),
    rows,
  };
}
