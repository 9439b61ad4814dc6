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

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `zone` is an IANA time zone this Node knows. */
export function knownZone(zone: string): boolean {
  try {
    formatterOf(zone);
    return true;
  } catch {
    return false;
  }
}

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
function offsetMs(zone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(zone).formatToParts(new Date(at))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - (at - (at % 1000));
}

/**
 * A wall-clock time of `zone` (given as milliseconds of the same digits in UTC) as the UTC
 * instant. In the hour a daylight-saving change repeats, the earlier offset's reading wins.
 */
export function wallClockToUtc(wallMs: number, zone: string): number {
  const first = wallMs - offsetMs(zone, wallMs);
  return wallMs - offsetMs(zone, first);
}
