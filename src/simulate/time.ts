/**
 * The simulated calendar. Every time inside the simulator is a whole number of seconds since
 * RANGE_START (UTC), so times fit typed arrays and never depend on the machine's clock.
 */

export const RANGE_START_ISO = "2023-10-01T00:00:00Z";
export const RANGE_END_ISO = "2026-09-30T23:59:59Z";

const START_MS = Date.parse(RANGE_START_ISO);

export const DAY_SECONDS = 86_400;
export const HOUR_SECONDS = 3_600;
export const MINUTE_SECONDS = 60;
/** Days in the range: 2023-10-01 .. 2026-09-30. */
export const RANGE_DAYS = Math.round((Date.parse(RANGE_END_ISO) + 1000 - START_MS) / (DAY_SECONDS * 1000));
/** The last second inside the range; nothing the simulator writes is later. */
export const RANGE_END = RANGE_DAYS * DAY_SECONDS - 1;

export function secondsFromIso(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${iso}`);
  return Math.round((ms - START_MS) / 1000);
}

export function dayOf(t: number): number {
  return Math.floor(t / DAY_SECONDS);
}

type Calendar = {
  /** "YYYY-MM-DDT" per day. */
  dayPrefix: string[];
  /** "HH:MM:SSZ" per second of a day. */
  clock: string[];
  /** Month of the year (1 .. 12) and day of the month, per day. */
  monthOfYear: Uint8Array;
  dayOfMonth: Uint8Array;
};

let calendar: Calendar | undefined;

// Formatting timestamps is the single most repeated operation (tens of millions for size l);
// two table look-ups and one concatenation are far cheaper than Date#toISOString.
function getCalendar(): Calendar {
  if (calendar) return calendar;
  const two = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
  const clock: string[] = new Array(DAY_SECONDS);
  for (let s = 0; s < DAY_SECONDS; s++) {
    clock[s] = `${two[Math.floor(s / 3600)]}:${two[Math.floor(s / 60) % 60]}:${two[s % 60]}Z`;
  }
  const dayPrefix: string[] = [];
  const monthOfYear = new Uint8Array(RANGE_DAYS);
  const dayOfMonth = new Uint8Array(RANGE_DAYS);
  for (let d = 0; d < RANGE_DAYS; d++) {
    const date = new Date(START_MS + d * DAY_SECONDS * 1000);
    dayPrefix.push(`${date.toISOString().slice(0, 10)}T`);
    monthOfYear[d] = date.getUTCMonth() + 1;
    dayOfMonth[d] = date.getUTCDate();
  }
  calendar = { dayPrefix, clock, monthOfYear, dayOfMonth };
  return calendar;
}

/** `YYYY-MM-DDTHH:MM:SSZ` for a time in seconds since RANGE_START. */
export function formatTimestamp(t: number): string {
  const c = getCalendar();
  const day = Math.floor(t / DAY_SECONDS);
  const prefix = c.dayPrefix[day];
  if (prefix === undefined || t !== Math.floor(t)) throw new Error(`time outside the simulated range: ${t}`);
  return prefix + c.clock[t - day * DAY_SECONDS];
}

/** `YYYY-MM-DD` of a day. */
export function formatDay(day: number): string {
  return (getCalendar().dayPrefix[day] ?? "").slice(0, 10);
}

const START_WEEKDAY = new Date(START_MS).getUTCDay();

/** 0 = Sunday .. 6 = Saturday; also for days outside the range (a lead's next step may be). */
export function weekdayOf(day: number): number {
  return (((START_WEEKDAY + day) % 7) + 7) % 7;
}

export function dayOfMonth(day: number): number {
  return getCalendar().dayOfMonth[day] ?? 1;
}

export function isWeekend(day: number): boolean {
  const w = weekdayOf(day);
  return w === 0 || w === 6;
}

/**
 * How busy B2B buyers are on a day, relative to an ordinary weekday: quiet between Christmas
 * and New Year and in the European summer holidays. The summer dip is centred on 1 August
 * so July and August are hit alike. A steady company has no seasons.
 */
export function seasonOf(day: number, steady = false): number {
  if (steady) return 1;
  const c = getCalendar();
  const m = c.monthOfYear[day] ?? 1;
  const dom = c.dayOfMonth[day] ?? 1;
  if ((m === 12 && dom >= 22) || (m === 1 && dom <= 2)) return 0.35;
  if ((m === 7 && dom >= 7) || (m === 8 && dom <= 25)) return 0.8;
  return 1;
}

/** Slow exponential growth of the business: +20% a year (none for a steady company). */
export function growthOf(day: number, steady = false): number {
  if (steady) return 1;
  return Math.exp((Math.log(1.2) * day) / 365);
}
