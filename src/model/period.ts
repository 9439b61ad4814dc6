/**
 * Reporting periods as people write them: `2025-Q3`, `2025-07`, `2025`, `2025-H1`, a day
 * `2025-07-14`, or a range `2025-07-01..2025-09-30` (both days included). Every period is a
 * half-open UTC interval [start, end) so that SQL filters read `at >= start AND at < end`.
 *
 * Years run from FIRST_YEAR to LAST_YEAR (README, FILTERS). Issue 13, item 7: year 9999
 * answered 500 (its end, 10000-01-01, is no ISO date either engine reads) and `0001-Q1` was
 * read as 1901 (Date.UTC takes years 0 to 99 as 1900 to 1999) and echoed as "1-Q1".
 */

import { VerityError } from "./errors.js";

export type Period = {
  /** As the user wrote it, normalised (`2025-Q3`). */
  label: string;
  /** First instant, inclusive (UTC). */
  start: Date;
  /** First instant after the period (UTC). */
  end: Date;
  grain: "day" | "month" | "quarter" | "half" | "year" | "range";
};

export type Comparison = "previous" | "year";

/** A period that does not parse or lies outside the years Verity reads; the API names it `query.period`. */
export class PeriodError extends VerityError {
  override name = "PeriodError";

  constructor(message: string) {
    super("invalid_period", message, "period");
  }
}

/**
 * The years a period may name: any CRM's history and any plan fit, and a period, the one
 * before it, the same one a year earlier and a trend of them all stay four-digit years,
 * which both engines and ISO 8601 read without signs or extra digits.
 */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2999;

/**
 * Midnight UTC of a day; months and days past their end roll over. Not Date.UTC, which reads
 * years 0 to 99 as 1900 to 1999.
 */
function utc(year: number, month: number, day: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  return date;
}

/** A year as labels write it: four digits (`0999`, never `999`). */
const yearLabel = (year: number) => String(year).padStart(4, "0");

/** Whether a period lies within the years Verity reads. */
export function withinYears(period: Pick<Period, "start" | "end">): boolean {
  return period.start.getUTCFullYear() >= FIRST_YEAR && period.end.getTime() <= utc(LAST_YEAR + 1, 0, 1).getTime();
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function parseDay(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = utc(year, month - 1, day);
  // Date.UTC rolls 2025-02-30 over into March; a real day survives the round trip.
  return isoDay(date) === text ? date : null;
}

/** Parses a period; throws PeriodError with the forms it accepts, or the years it reads. */
export function parsePeriod(input: string): Period {
  const period = parseForm(input);
  if (!withinYears(period)) {
    throw new PeriodError(
      `${JSON.stringify(input)} is outside the years Verity reads; periods run from ${FIRST_YEAR} to ${LAST_YEAR}`,
    );
  }
  return period;
}

function parseForm(input: string): Period {
  const text = input.trim();
  let match = /^(\d{4})-Q([1-4])$/i.exec(text);
  if (match) {
    const [year, quarter] = [Number(match[1]), Number(match[2])];
    return {
      label: `${yearLabel(year)}-Q${quarter}`,
      start: utc(year, (quarter - 1) * 3, 1),
      end: utc(year, quarter * 3, 1),
      grain: "quarter",
    };
  }
  match = /^(\d{4})-H([12])$/i.exec(text);
  if (match) {
    const [year, half] = [Number(match[1]), Number(match[2])];
    return {
      label: `${yearLabel(year)}-H${half}`,
      start: utc(year, (half - 1) * 6, 1),
      end: utc(year, half * 6, 1),
      grain: "half",
    };
  }
  match = /^(\d{4})-(\d{2})$/.exec(text);
  if (match && Number(match[2]) >= 1 && Number(match[2]) <= 12) {
    const [year, month] = [Number(match[1]), Number(match[2])];
    return { label: text, start: utc(year, month - 1, 1), end: utc(year, month, 1), grain: "month" };
  }
  match = /^(\d{4})$/.exec(text);
  if (match) {
    const year = Number(match[1]);
    return { label: text, start: utc(year, 0, 1), end: utc(year + 1, 0, 1), grain: "year" };
  }
  const day = parseDay(text);
  if (day) return { label: text, start: day, end: new Date(day.getTime() + 86_400_000), grain: "day" };
  const range = /^(\S+)\.\.(\S+)$/.exec(text);
  if (range) {
    const first = parseDay(range[1] as string);
    const last = parseDay(range[2] as string);
    if (first && last && first <= last) {
      return {
        label: `${isoDay(first)}..${isoDay(last)}`,
        start: first,
        end: new Date(last.getTime() + 86_400_000),
        grain: "range",
      };
    }
  }
  throw new PeriodError(
    `${JSON.stringify(input)} is not a period; write 2025-Q3, 2025-H1, 2025-07, 2025, 2025-07-14 or 2025-07-01..2025-09-30`,
  );
}

/**
 * Up to `count` periods of `period`'s kind ending with it, oldest first (a trend); fewer
 * when earlier ones would begin before FIRST_YEAR.
 */
export function trailingPeriods(period: Period, count: number): Period[] {
  const periods = [period];
  while (periods.length < count) {
    const earlier = comparisonPeriod(periods[0] as Period, "previous");
    if (!withinYears(earlier)) break;
    periods.unshift(earlier);
  }
  return periods;
}

/**
 * The period to compare with: the one just before of the same length (`previous`; for a
 * month, quarter, half or year the previous calendar one) or the same period a year earlier.
 */
export function comparisonPeriod(period: Period, comparison: Comparison): Period {
  const shiftMonths = (date: Date, months: number) =>
    utc(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate());
  const monthsOf = { month: 1, quarter: 3, half: 6, year: 12 } as const;
  let start: Date;
  let end: Date;
  if (comparison === "year") {
    start = shiftMonths(period.start, -12);
    end = shiftMonths(period.end, -12);
  } else if (period.grain === "day" || period.grain === "range") {
    const length = period.end.getTime() - period.start.getTime();
    start = new Date(period.start.getTime() - length);
    end = period.start;
  } else {
    const months = monthsOf[period.grain];
    start = shiftMonths(period.start, -months);
    end = period.start;
  }
  return { label: labelOf(start, end, period.grain), start, end, grain: period.grain };
}

function labelOf(start: Date, end: Date, grain: Period["grain"]): string {
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth();
  switch (grain) {
    case "year":
      return yearLabel(year);
    case "half":
      return `${yearLabel(year)}-H${month < 6 ? 1 : 2}`;
    case "quarter":
      return `${yearLabel(year)}-Q${Math.floor(month / 3) + 1}`;
    case "month":
      return isoDay(start).slice(0, 7);
    case "day":
      return isoDay(start);
    case "range":
      return `${isoDay(start)}..${isoDay(new Date(end.getTime() - 86_400_000))}`;
  }
}
