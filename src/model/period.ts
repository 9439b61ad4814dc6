/**
 * Reporting periods as people write them: `2025-Q3`, `2025-07`, `2025`, `2025-H1`, a day
 * `2025-07-14`, or a range `2025-07-01..2025-09-30` (both days included). Every period is a
 * half-open UTC interval [start, end) so that SQL filters read `at >= start AND at < end`.
 */

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

export class PeriodError extends Error {
  override name = "PeriodError";
}

const utc = (year: number, month: number, day: number) => new Date(Date.UTC(year, month, day));

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

/** Parses a period; throws PeriodError with the forms it accepts. */
export function parsePeriod(input: string): Period {
  const text = input.trim();
  let match = /^(\d{4})-Q([1-4])$/i.exec(text);
  if (match) {
    const [year, quarter] = [Number(match[1]), Number(match[2])];
    return {
      label: `${year}-Q${quarter}`,
      start: utc(year, (quarter - 1) * 3, 1),
      end: utc(year, quarter * 3, 1),
      grain: "quarter",
    };
  }
  match = /^(\d{4})-H([12])$/i.exec(text);
  if (match) {
    const [year, half] = [Number(match[1]), Number(match[2])];
    return {
      label: `${year}-H${half}`,
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
      return String(year);
    case "half":
      return `${year}-H${month < 6 ? 1 : 2}`;
    case "quarter":
      return `${year}-Q${Math.floor(month / 3) + 1}`;
    case "month":
      return isoDay(start).slice(0, 7);
    case "day":
      return isoDay(start);
    case "range":
      return `${isoDay(start)}..${isoDay(new Date(end.getTime() - 86_400_000))}`;
  }
}
