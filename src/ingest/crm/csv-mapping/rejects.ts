/**
 * `--skip-invalid`: rows with a problem are refused instead of stopping the import, written
 * to the rejects file (one line per problem: file, line, column, reason, the original record),
 * and the rest is imported, still in one transaction. When more than the allowed share of the
 * rows read is refused, nothing is imported: a file that is mostly wrong (a wrong mapping, a
 * wrong date format) must not load its few rows that happen to parse.
 *
 * Only row problems are refused: a problem with a whole file (unreadable, a mapped column the
 * header lacks, a date order no value settles) or with the mapping still stops the import.
 */
import { writeFile } from "node:fs/promises";
import Papa from "papaparse";
import { escapeFormula } from "../../../web/dashboard/csv-formula.js";
import { ImportError } from "../../import-error.js";

export type SkipInvalid = {
  /** Where the refused rows are written (replaced on every import). */
  rejects: string;
  /** The largest share of the rows read that may be refused, in percent (0-100). */
  maxRejectedPercent: number;
};

/** The share refused by default: one row in a hundred. */
export const DEFAULT_MAX_REJECTED_PERCENT = 1;

export const REJECTS_HEADER = ["file", "line", "column", "reason", "record"] as const;

export class Rejects {
  private readonly lines: string[][] = [];
  /** Refused rows, by file and line (a row with two problems is one row). */
  private readonly refused = new Set<string>();
  private rowsRead = 0;

  constructor(readonly options: SkipInvalid) {}

  /** Counts the data rows of a file the import read (the share's denominator). */
  read(rows: number): void {
    this.rowsRead += rows;
  }

  /**
   * Refuses the row at `row` (a file and line it was read from): each of its problems becomes
   * a line of the rejects file, at the problem's own place (a joined column's is in the joined
   * file, which several rows may share: each refused row is still counted).
   */
  refuse(
    row: { file: string; line: number },
    problems: readonly ImportError[],
    record: (problem: ImportError) => string | null,
  ): void {
    for (const p of problems) {
      this.lines.push([p.file, p.line === null ? "" : String(p.line), p.column ?? "", p.reason, record(p) ?? ""]);
    }
    this.refused.add(`${row.line}\u0000${row.file}`);
  }

  get count(): number {
    return this.refused.size;
  }

  /**
   * Writes the rejects file (always, so an earlier run's file is never mistaken for this
   * one's) and throws when more than the allowed share was refused.
   */
  async finish(): Promise<{ skipped: { reason: string; count: number }[]; notes: string[] }> {
    const { rejects, maxRejectedPercent } = this.options;
    await writeFile(
      rejects,
      // Read in a spreadsheet: a refused line's formula-looking cells as text.
      `${Papa.unparse({ fields: [...REJECTS_HEADER], data: this.lines.map((line) => line.map(escapeFormula)) }, { newline: "\n" })}\n`,
      "utf8",
    );
    const percent = this.rowsRead === 0 ? 0 : (this.count / this.rowsRead) * 100;
    const share = `${this.count} of ${this.rowsRead} rows (${percent.toFixed(1)}%)`;
    if (percent > maxRejectedPercent) {
      throw new ImportError(
        rejects,
        null,
        null,
        `${share} have problems, more than the ${maxRejectedPercent}% --max-rejected allows: nothing was imported. Each refused row is listed here with its file, line, column and reason; fix them (or the mapping) and import again, or raise --max-rejected`,
      );
    }
    if (this.count === 0) return { skipped: [], notes: [] };
    return {
      skipped: [{ reason: `rows refused by --skip-invalid (listed in ${rejects})`, count: this.count }],
      notes: [`${share} refused by --skip-invalid, at most ${maxRejectedPercent}% allowed: listed in ${rejects}`],
    };
  }
}

/** What the rejects file writes in place of a cell that may be an address. */
export const ADDRESS_NOT_SHOWN = "(address not shown)";

/**
 * A record (one CSV line, as recordText writes it) with every cell that may be an address
 * replaced: a refused subscriber's line is listed by file and line, never with its address
 * (addresses are never stored or repeated, a rejects file included).
 */
export function concealAddresses(record: string, delimiter: string): string {
  if (!record.includes("@")) return record;
  const [cells = []] = Papa.parse<string[]>(record, { delimiter }).data;
  const shown = cells.map((cell) => (cell.includes("@") ? ADDRESS_NOT_SHOWN : cell));
  return Papa.unparse([shown], { delimiter, newline: "" });
}

/** `--max-rejected`: a percentage, `2` or `2%` (0 to 100); null when it is not one. */
export function parseMaxRejected(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 0 && n <= 100 ? n : null;
}
