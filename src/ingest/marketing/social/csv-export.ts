/**
 * What the CSV social exports (X, Meta) share: reading a post row's time, and when the post
 * counters were read. The counters are cumulative as of the download; the file itself never
 * says when that was, but the networks name their export files after the period they cover,
 * whose last day is the latest the counters can be from. A file renamed since falls back to
 * the day of its latest post (an underestimate, said in a note).
 */
import { basename } from "node:path";
import type { SourceFile, SourceRow } from "../../crm/source-file.js";
import { importError, type Origin } from "./social-rows.js";
import { canonicalTime, endOfDay, NotATime, toUtc, type WallClock, wallClock } from "./times.js";

export function origin(source: SourceFile, row: SourceRow, column: string): Origin {
  return { file: source.file, line: row.line, column: source.column(column) ?? column };
}

/** A row's time cell as a wall-clock reading (required). */
export function rowTime(source: SourceFile, row: SourceRow, column: string, dayFirst: boolean): WallClock {
  const value = row.get(column);
  const at = origin(source, row, column);
  if (value === "") throw importError(at, "a date is required");
  try {
    return wallClock(value, dayFirst);
  } catch (error) {
    if (error instanceof NotATime) throw importError(at, error.message);
    throw error;
  }
}

const dayValue = (t: WallClock) => Date.UTC(t.year, t.month - 1, t.day);

/** The latest of some readings (by day), or null for none. */
export function latestDay(times: readonly WallClock[]): WallClock | null {
  let last: WallClock | null = null;
  for (const t of times) if (last === null || dayValue(t) > dayValue(last)) last = t;
  return last;
}

/**
 * When the counters of a file's posts were read: the end of the last day its name gives
 * (`fromName`), else the end of its latest post's day, with a note saying so.
 */
export function capturedAt(
  file: string,
  fromName: WallClock | null,
  posts: readonly WallClock[],
  zone: string | null,
  note: (text: string) => void,
): string | null {
  if (fromName) return canonicalTime(toUtc(endOfDay(fromName), zone));
  const last = latestDay(posts);
  if (last === null) return null;
  note(
    `${basename(file)} does not carry the export's date range in its name (as downloaded it does), so its post counters are dated the day of its latest post, ${canonicalTime(toUtc(last, zone)).slice(0, 10)}`,
  );
  return canonicalTime(toUtc(endOfDay(last), zone));
}

/** A date written in an export file's name, as a wall-clock day (or null if it is not a date). */
export function nameDay(year: number, month: number, day: number): WallClock | null {
  try {
    return wallClock(
      `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
    );
  } catch {
    return null;
  }
}
