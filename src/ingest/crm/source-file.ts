/**
 * A CRM export file as users download it, read into rows that remember their physical line.
 *
 * - Encoding: a UTF-16 byte order mark means UTF-16 (Excel's "Unicode text"); a UTF-8 BOM
 *   means UTF-8, and bytes that are not UTF-8 after it are an error (a file re-saved in
 *   another encoding); bytes that read as UTF-8 are UTF-8; anything else is Windows-1252
 *   (Salesforce's usual export encoding, a superset of Latin-1's printable characters).
 *   Every other byte NUL without a BOM is UTF-16 without a BOM: an error that says so,
 *   instead of a file of garbage.
 * - Delimiter: comma, semicolon (Excel in European locales) or tab, whichever splits the
 *   header line into the most cells.
 * - Cells are trimmed; header names are matched exactly first, then ignoring case and
 *   spaces (exports differ in capitalisation between versions).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { ImportError } from "../import-error.js";

export type Encoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";
export type Delimiter = "," | ";" | "\t";

export type SourceRow = {
  /** The physical line the record starts on (the header is line 1). */
  line: number;
  /** The trimmed cell of a column ("" when the file has no such column). */
  get(column: string): string;
};

export type SourceFile = {
  /** The path as the user gave it (used in every message). */
  file: string;
  encoding: Encoding;
  delimiter: Delimiter;
  header: string[];
  /** Every data row (parsed on first use and kept: for small files and several passes). */
  readonly rows: SourceRow[];
  /** Every data row, one at a time, without keeping them (for large files). */
  forEachRow(visit: (row: SourceRow) => void): void;
  /** Whether the header has a column (exactly, or ignoring case and spaces). */
  has(column: string): boolean;
  /** The header's own spelling of a column, or null. */
  column(column: string): string | null;
};

const looseKey = (name: string) => name.toLowerCase().replace(/[\s_]+/g, "");

/** Decodes a file's bytes (see the module comment for the rules). */
export function decode(file: string, bytes: Buffer): { text: string; encoding: Encoding } {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: iconv.decode(bytes.subarray(2), "utf-16le"), encoding: "utf-16le" };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: iconv.decode(bytes.subarray(2), "utf-16be"), encoding: "utf-16be" };
  }
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  const utf8 = validUtf8(body);
  if (hasBom) {
    if (utf8 !== null) {
      throw new ImportError(
        file,
        lineAt(body.subarray(0, utf8)),
        null,
        "the file starts with a UTF-8 byte order mark but is not UTF-8 after it (saved in another encoding?); save it again as UTF-8",
      );
    }
    return { text: body.toString("utf8"), encoding: "utf-8" };
  }
  if (looksUtf16WithoutBom(body)) {
    throw new ImportError(
      file,
      1,
      null,
      "the file looks like UTF-16 without a byte order mark (every other byte is zero); save it again as UTF-8 or as Excel's Unicode text (UTF-16 with a BOM)",
    );
  }
  if (utf8 === null) return { text: body.toString("utf8"), encoding: "utf-8" };
  return { text: iconv.decode(body, "win1252"), encoding: "windows-1252" };
}

/** The offset of the first byte that is not valid UTF-8, or null when all are. */
function validUtf8(bytes: Buffer): number | null {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let need = 0;
    if (b < 0x80) need = 0;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return null;
}

function looksUtf16WithoutBom(bytes: Buffer): boolean {
  const n = Math.min(bytes.length, 400);
  if (n < 4) return false;
  let zeros = 0;
  for (let i = 0; i < n; i++) if (bytes[i] === 0) zeros += 1;
  return zeros >= n / 4;
}

function lineAt(bytes: Buffer): number {
  let line = 1;
  for (const b of bytes) if (b === 0x0a) line += 1;
  return line;
}

/** The delimiter that splits the header line into the most cells (comma on a tie). */
export function detectDelimiter(text: string): Delimiter {
  const end = text.search(/\r?\n/);
  const first = end < 0 ? text : text.slice(0, end);
  let best: Delimiter = ",";
  let most = 0;
  for (const delimiter of [",", ";", "\t"] as const) {
    const cells = Papa.parse<string[]>(first, { delimiter, header: false }).data[0]?.length ?? 0;
    if (cells > most) {
      best = delimiter;
      most = cells;
    }
  }
  return best;
}

/** Reads and parses a whole export file. `required` columns must be in the header. */
export async function readSourceFile(file: string, required: readonly string[] = []): Promise<SourceFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportError(file, null, null, code === "ENOENT" ? "no such file" : `cannot be read (${String(error)})`);
  }
  const { text, encoding } = decode(file, bytes);
  return parseSourceText(file, text, encoding, required);
}

export function parseSourceText(
  file: string,
  text: string,
  encoding: Encoding,
  required: readonly string[] = [],
): SourceFile {
  const delimiter = detectDelimiter(text);
  const first = Papa.parse<string[]>(text, { header: false, delimiter, preview: 1 });
  const header = (first.data[0] ?? []).map((name) => name.trim());
  if (header.length === 0 || (header.length === 1 && header[0] === "")) {
    throw new ImportError(file, 1, null, "the file is empty; the first line must be the header");
  }
  const exact = new Map<string, number>();
  const loose = new Map<string, number>();
  for (const [i, name] of header.entries()) {
    if (exact.has(name)) throw new ImportError(file, 1, name, "the column appears twice in the header");
    exact.set(name, i);
    if (!loose.has(looseKey(name))) loose.set(looseKey(name), i);
  }
  const indexOf = (column: string) => exact.get(column) ?? loose.get(looseKey(column));
  for (const name of required) {
    if (indexOf(name) === undefined) {
      throw new ImportError(
        file,
        1,
        name,
        `the column is missing from the header (this format needs ${required.join(", ")})`,
      );
    }
  }

  /**
   * Every data row in file order, one at a time (papaparse's step mode: a large export is
   * never held as an array of rows). Lines are counted from the cells, since papaparse
   * unquotes them: a quoted cell's line breaks move the next record's line.
   */
  const forEachRow = (visit: (row: SourceRow) => void): void => {
    let line = 1;
    let record = 0;
    let failure: ImportError | null = null;
    Papa.parse<string[]>(text, {
      header: false,
      delimiter,
      skipEmptyLines: false,
      step: (results, parser) => {
        const cells = results.data;
        const start = line;
        for (const cell of cells) line += countNewlines(cell);
        line += 1;
        record += 1;
        try {
          const [error] = results.errors;
          if (error) {
            const truncated = error.code === "MissingQuotes";
            const cellIndex = truncated ? cells.length - 1 : -1;
            throw new ImportError(
              file,
              start,
              cellIndex >= 0 ? (header[cellIndex] ?? null) : null,
              truncated
                ? "the file ends inside a quoted field (a truncated download?); download the export again"
                : `not a readable CSV file: ${error.message}`,
            );
          }
          if (record === 1) return; // the header
          if (cells.length === 1 && cells[0]?.trim() === "") return; // a blank line
          if (cells.length !== header.length) {
            throw new ImportError(
              file,
              start,
              null,
              `${cells.length} fields where the header has ${header.length} (a truncated file, or a ${describe(delimiter)} inside an unquoted value?)`,
            );
          }
          visit({
            line: start,
            get: (column) => {
              const i = indexOf(column);
              const cell = i === undefined ? "" : (cells[i] ?? "").trim();
              // PostgreSQL cannot store a NUL and DuckDB would keep it silently: a value read
              // is refused with its place (cells no importer reads do not matter).
              if (cell.includes("\u0000")) {
                throw new ImportError(
                  file,
                  start,
                  header[i as number] ?? column,
                  "the value holds a NUL byte (a damaged file?), which cannot be stored; remove it or export the file again",
                );
              }
              return cell;
            },
          });
        } catch (error) {
          failure = error as ImportError;
          parser.abort();
        }
      },
    });
    if (failure) throw failure;
  };

  let materialized: SourceRow[] | null = null;
  return {
    file,
    encoding,
    delimiter,
    header,
    get rows() {
      if (materialized === null) {
        const rows: SourceRow[] = [];
        forEachRow((row) => rows.push(row));
        materialized = rows;
      }
      return materialized;
    },
    forEachRow: (visit) => {
      if (materialized) for (const row of materialized) visit(row);
      else forEachRow(visit);
    },
    has: (column) => indexOf(column) !== undefined,
    column: (column) => {
      const i = indexOf(column);
      return i === undefined ? null : (header[i] ?? null);
    },
  };
}

function describe(delimiter: Delimiter): string {
  return delimiter === "," ? "comma" : delimiter === ";" ? "semicolon" : "tab";
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n += 1;
  return n;
}

/** A file's name for messages that name several files of one export. */
export function fileLabel(file: string): string {
  return basename(file);
}
