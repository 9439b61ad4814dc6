/**
 * Times in a Matomo visits log, as canonical UTC timestamps (`YYYY-MM-DD HH:MM:SS`).
 *
 * A visit's `firstActionTimestamp` (and `lastActionTimestamp`, `serverTimestamp`) are Unix
 * seconds, UTC, in the JSON and the CSV alike (plugins/Live/VisitorDetails.php: strtotime of
 * the UTC database time). An action's `timestamp` is not: Matomo builds it from the action's
 * time shifted into the site's time zone (plugins/Actions/VisitorDetails.php, Date::factory
 * with the site's zone; matomo-org/matomo issues 12819 and 22720), so it reads as the site's
 * wall clock written as if it were UTC. Verity reads it only when the visit has no
 * firstActionTimestamp, and takes the site's zone from `--timezone` (UTC without it).
 */

/** Unix seconds as text (digits only), or null when the text is not a Unix time. */
export function unixSeconds(text: string): number | null {
  if (!/^\d{1,11}$/.test(text)) return null;
  const seconds = Number(text);
  // Matomo writes `false` as 0 in its CSV; nothing Matomo tracked happened in 1970.
  if (seconds <= 0) return null;
  const year = new Date(seconds * 1000).getUTCFullYear();
  return year >= 1990 && year <= 2199 ? seconds : null;
}

/** Unix milliseconds as a canonical UTC timestamp. */
export function canonicalTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

export { knownZone, wallClockToUtc } from "../../zone-time.js";
