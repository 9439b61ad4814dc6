/**
 * Times as Mailchimp's exports write them, as canonical UTC timestamps (`YYYY-MM-DD HH:MM:SS`).
 *
 * - The audience export and the account export's activity files write `2024-03-05 14:22:10`:
 *   read as UTC, as Mailchimp's Export API documents for the same fields ("all times are GMT");
 *   the import core's parseTimestamp reads them (and ISO with an offset).
 * - The campaigns report ("Export as CSV" of all campaigns) writes `Jun 09, 2018 09:30 pm`, in
 *   the account's time zone, which the file does not name: `--timezone` gives it (UTC
 *   otherwise, with a note).
 */

import type { SourceFile } from "../../crm/source-file.js";
import { parseTimestamp } from "../../crm/values.js";
import { ImportError } from "../../import-error.js";
import { knownZone, wallClockToUtc } from "../../zone-time.js";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** `Jun 09, 2018 09:30 pm` (minutes and seconds optional, 12- or 24-hour). */
const REPORT = /^([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})(?:,? (\d{1,2}):(\d{2})(?::(\d{2}))? ?([ap]\.?m\.?)?)?$/i;

/**
 * A cell as a UTC timestamp, "" for an empty cell. ISO-like values are UTC; the report form is
 * local to `timezone` (an IANA name) when given.
 */
export function mailchimpTime(
  source: SourceFile,
  line: number,
  column: string,
  value: string,
  timezone: string | undefined,
): string {
  if (value === "") return "";
  const m = REPORT.exec(value);
  if (!m) return parseTimestamp(source, line, column, value, null);
  const fail = (reason: string) => new ImportError(source.file, line, source.column(column) ?? column, reason);
  const month = MONTHS.indexOf((m[1] ?? "").toLowerCase());
  const [day, year] = [Number(m[2]), Number(m[3])];
  let hour = Number(m[4] ?? 0);
  const [minute, second] = [Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const meridiem = m[7]?.replaceAll(".", "").toLowerCase();
  if (meridiem) {
    if (hour < 1 || hour > 12) throw fail(`${value} has an hour ${hour} with ${meridiem}`);
    if (meridiem === "pm" && hour < 12) hour += 12;
    if (meridiem === "am" && hour === 12) hour = 0;
  }
  const local = Date.UTC(year, month, day, hour, minute, second);
  const check = new Date(local);
  if (month < 0 || check.getUTCDate() !== day || check.getUTCMonth() !== month || hour > 23 || minute > 59) {
    throw fail(`${value} is not a date in the calendar`);
  }
  if (timezone && !knownZone(timezone)) {
    throw new ImportError(
      "--timezone",
      null,
      null,
      `${JSON.stringify(timezone)} is not a time zone (such as Europe/Berlin)`,
    );
  }
  const utc = timezone ? wallClockToUtc(local, timezone) : local;
  return new Date(utc).toISOString().slice(0, 19).replace("T", " ");
}
