/**
 * Dates, times and amounts as CRM exports write them, turned into canonical values.
 *
 * Dates: ISO (`2024-03-05`, `2024-03-05 14:22`, `2024-03-05T14:22:10.000Z`, an offset is
 * converted to UTC), European dotted (`05.03.2024 14:22`), and slashed (`03/05/2024`,
 * `3/5/2024 2:22 PM`). A slashed date is day-first or month-first depending on who wrote it:
 * the order is taken from `--date-format` when given, otherwise from the values themselves
 * (a first number above 12 proves day-first, a second one above 12 month-first). When no
 * value proves it, the import stops and asks for `--date-format` instead of guessing.
 * Times without an offset are UTC (the exports this reads write UTC, docs/import-formats.md).
 *
 * Amounts: `1234.5`, `1,234.50`, `1234,5`, `1.234,50`, `1 234,50`, with or without a
 * currency sign. With both separators the later one is the decimal mark; a lone one followed
 * by three digits (`1.500`) is read the way the file's locale writes numbers (parseAmount).
 */
import { ImportError } from "../import-error.js";
import type { SourceFile } from "./source-file.js";

/** How slashed dates are ordered. */
export type DateOrder = "dmy" | "mdy";

export const DATE_FORMATS = ["iso", "dmy", "mdy"] as const;
export type DateFormatOption = (typeof DATE_FORMATS)[number];

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?$/i;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$/i;

/**
 * The order of the slashed dates in `columns` of `source`: the option when given (`iso`
 * means no slashed dates are expected: none may appear), else proven by the values, else
 * null when there are none. Unproven or contradictory values are an ImportError.
 */
export function dateOrderOf(
  source: SourceFile,
  columns: readonly string[],
  option: DateFormatOption | undefined,
): DateOrder | null {
  if (option === "dmy" || option === "mdy") return option;
  type Seen = { line: number; column: string; value: string };
  // Filled in by the row callback (a holder, so TypeScript sees the assignments).
  const first: { dayFirst: Seen | null; monthFirst: Seen | null; ambiguous: Seen | null } = {
    dayFirst: null,
    monthFirst: null,
    ambiguous: null,
  };
  source.forEachRow((row) => {
    for (const column of columns) {
      const value = row.get(column);
      const m = SLASHED.exec(value);
      if (!m) continue;
      const seen = { line: row.line, column: source.column(column) ?? column, value };
      if (option === "iso") {
        throw new ImportError(source.file, seen.line, seen.column, `${value} is not an ISO date (--date-format iso)`);
      }
      const [a, b] = [Number(m[1]), Number(m[2])];
      if (a > 12) first.dayFirst ??= seen;
      else if (b > 12) first.monthFirst ??= seen;
      else if (a !== b) first.ambiguous ??= seen;
    }
  });
  const { dayFirst, monthFirst, ambiguous } = first;
  if (dayFirst && monthFirst) {
    throw new ImportError(
      source.file,
      monthFirst.line,
      monthFirst.column,
      `${monthFirst.value} is month-first but ${dayFirst.value} (line ${dayFirst.line}) is day-first: the file mixes date orders`,
    );
  }
  if (dayFirst) return "dmy";
  if (monthFirst) return "mdy";
  if (ambiguous) {
    throw new ImportError(
      source.file,
      ambiguous.line,
      ambiguous.column,
      `${ambiguous.value} could be day-first or month-first and no date in the file settles it; give --date-format dmy (31/12/2025) or --date-format mdy (12/31/2025)`,
    );
  }
  return null;
}

/**
 * A cell as a UTC timestamp `YYYY-MM-DD HH:MM:SS`, "" for an empty cell. `order` is the
 * file's slashed-date order (dateOrderOf).
 */
export function parseTimestamp(
  source: SourceFile,
  line: number,
  column: string,
  value: string,
  order: DateOrder | null,
): string {
  if (value === "") return "";
  const fail = (reason: string) => new ImportError(source.file, line, source.column(column) ?? column, reason);
  let year: number;
  let month: number;
  let day: number;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let offsetMinutes = 0;
  const iso = ISO.exec(value);
  const dotted = iso ? null : DOTTED.exec(value);
  const slashed = iso || dotted ? null : SLASHED.exec(value);
  if (iso) {
    const m = iso;
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
    const zone = m[7]?.toUpperCase();
    if (zone && zone !== "Z" && zone !== "UTC") {
      const sign = zone.startsWith("-") ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    }
  } else if (dotted) {
    const m = dotted;
    [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
    [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  } else if (slashed) {
    const m = slashed;
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (order === null) {
      throw fail(`${value}: slashed dates need --date-format dmy or mdy`);
    }
    [day, month] = order === "dmy" ? [a, b] : [b, a];
    year = Number(m[3]);
    if (year < 100) year += 2000;
    [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
    const meridiem = m[7]?.toUpperCase();
    if (meridiem) {
      if (hour < 1 || hour > 12) throw fail(`${value} has an hour ${hour} with ${meridiem}`);
      if (meridiem === "PM" && hour < 12) hour += 12;
      if (meridiem === "AM" && hour === 12) hour = 0;
    }
  } else {
    throw fail(
      `${JSON.stringify(value)} is not a date (expected e.g. 2025-03-31, 2025-03-31 14:05, 31.03.2025 or 03/31/2025)`,
    );
  }
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    local.getUTCFullYear() !== year ||
    local.getUTCMonth() !== month - 1 ||
    local.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw fail(`${value} is not a date in the calendar`);
  }
  if (year < 1900 || year > 2199) throw fail(`${value} is outside the years 1900-2199`);
  const utc = new Date(local.getTime() - offsetMinutes * 60_000);
  return utc.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * An amount cell without what surrounds the number: currency signs and codes, spaces (also
 * non-breaking) and apostrophes used for grouping, a minus sign or accounting parentheses
 * (returned as `negative`). What is left are digits and separators.
 */
export function amountDigits(value: string): { text: string; negative: boolean } {
  let text = value
    .replace(/^[A-Za-z$€£¥\s]+(?=[-\d(])/u, "")
    .replace(/[\sA-Za-z$€£¥]+$/u, "")
    .replace(/[\s\u00a0\u202f']/gu, "");
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1);
  }
  if (text.startsWith("-")) {
    negative = !negative;
    text = text.slice(1);
  }
  return { text, negative };
}

/**
 * A cell as a decimal amount (a JavaScript number; callers round money with toCents), null
 * for an empty cell.
 */
export function parseAmount(source: SourceFile, line: number, column: string, value: string): number | null {
  if (value === "") return null;
  const fail = () =>
    new ImportError(
      source.file,
      line,
      source.column(column) ?? column,
      `${JSON.stringify(value)} is not an amount (such as 1234.50 or 1.234,50)`,
    );
  const { text, negative } = amountDigits(value);
  if (!/^[\d.,]+$/.test(text) || !/\d/.test(text)) throw fail();
  const lastComma = text.lastIndexOf(",");
  const lastDot = text.lastIndexOf(".");
  let normal: string;
  if (lastComma >= 0 && lastDot >= 0) {
    // Both: the later one is the decimal separator.
    const [group, decimal] = lastComma > lastDot ? [".", ","] : [",", "."];
    normal = text.split(group).join("").replace(decimal, ".");
  } else if (lastComma < 0 && lastDot < 0) {
    normal = text;
  } else {
    // One kind of separator. Several of them group thousands ("1,234,567", "1.234.567").
    // One, followed by other than three digits, is the decimal mark ("1234,5", "12.50").
    // One followed by exactly three digits ("1.500", "1,500") is read as the file's locale
    // writes it: a semicolon file (Excel in a decimal-comma locale) groups with the dot, a
    // comma file with the comma; a tab file could be either, so it is refused, not guessed.
    const mark = lastComma >= 0 ? "," : ".";
    const parts = text.split(mark);
    const tail = parts[parts.length - 1] ?? "";
    if (parts.length > 2) {
      if (parts.slice(1).some((p) => p.length !== 3)) throw fail();
      normal = parts.join("");
    } else if (tail.length !== 3) {
      normal = text.replace(mark, ".");
    } else if (source.delimiter === "\t") {
      throw new ImportError(
        source.file,
        line,
        source.column(column) ?? column,
        `${JSON.stringify(value)} could be ${parts.join("")} or ${parts.join(".")}: write the amount with both separators or none`,
      );
    } else {
      const grouping = source.delimiter === ";" ? "." : ",";
      normal = mark === grouping ? parts.join("") : text.replace(mark, ".");
    }
  }
  const n = Number(normal);
  if (!Number.isFinite(n)) throw fail();
  return negative ? -n : n;
}

/** An amount rounded half away from zero to cents, as canonical decimal text. */
export function toCents(amount: number): string {
  const cents = Math.sign(amount) * Math.round(Math.abs(amount) * 100 + 1e-9);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
