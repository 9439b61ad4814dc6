/**
 * Wall-clock times of an IANA time zone as UTC instants, for exports written in a site's or an
 * account's zone (`--timezone`): one implementation for every importer (Matomo, Mailchimp,
 * Segment-style events, the social exports).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

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

/** Whether `zone` is an IANA time zone this Node knows. */
export function knownZone(zone: string): boolean {
  try {
    formatterOf(zone);
    return true;
  } catch {
    return false;
  }
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
 * instant: the offset at a first guess, then at the corrected instant, so a reading near a
 * daylight-saving change lands on the right side of it.
 */
export function wallClockToUtc(wallMs: number, zone: string): number {
  const first = wallMs - offsetMs(zone, wallMs);
  return wallMs - offsetMs(zone, first);
}
