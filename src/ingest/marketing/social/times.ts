/**
 * Dates and times as the social networks' exports write them, turned into canonical UTC
 * (`YYYY-MM-DD HH:MM:SS`).
 *
 * - ISO, with or without an offset (X's tweet activity export: `2019-01-02 15:04 +0000`).
 * - Slashed month-first `07/28/2025` or `01/31/2024 10:15` (LinkedIn's workbooks, Meta's
 *   Publish time), US order as both write it whatever the user's locale; `--date-format dmy`
 *   reads a file re-saved day-first. A first number above 12 under month-first is an error that
 *   says so instead of a swapped date.
 * - Written out `Tue, Jul 14, 2026` or `Jul 14, 2026` (X's post analytics export).
 * - An Excel date cell (a Date from the workbook reader, its UTC fields the wall clock).
 *
 * A time without an offset is wall-clock time in `zone` (an IANA name, `--timezone`), UTC when
 * none is given.
 */
import { wallClockToUtc } from "../../zone-time.js";

export { knownZone } from "../../zone-time.js";

export type WallClock = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC when the value carries an offset, else null (then the zone applies). */
  offset: number | null;
};

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$/i;
const WRITTEN = /^(?:[A-Za-z]{3,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$/;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Why a value is not a time, for the caller's ImportError. */
export class NotATime extends Error {}

/** The wall-clock reading of a cell, or NotATime. `dayFirst`: slashed dates are dd/mm/yyyy. */
export function wallClock(value: string | Date, dayFirst = false): WallClock {
  if (value instanceof Date) {
    return {
      year: value.getUTCFullYear(),
      month: value.getUTCMonth() + 1,
      day: value.getUTCDate(),
      hour: value.getUTCHours(),
      minute: value.getUTCMinutes(),
      second: value.getUTCSeconds(),
      offset: null,
    };
  }
  const text = value.trim();
  const iso = ISO.exec(text);
  if (iso) {
    const zone = iso[7]?.toUpperCase();
    let offset: number | null = null;
    if (zone === "Z" || zone === "UTC") offset = 0;
    else if (zone) {
      const digits = zone.slice(1).replace(":", "");
      offset = (zone.startsWith("-") ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    }
    return checked(text, {
      year: Number(iso[1]),
      month: Number(iso[2]),
      day: Number(iso[3]),
      hour: Number(iso[4] ?? 0),
      minute: Number(iso[5] ?? 0),
      second: Number(iso[6] ?? 0),
      offset,
    });
  }
  const slashed = SLASHED.exec(text);
  if (slashed) {
    const [a, b] = [Number(slashed[1]), Number(slashed[2])];
    if (!dayFirst && a > 12) {
      throw new NotATime(
        `${text} is not month-first (mm/dd/yyyy, as the network writes dates); if the file was re-saved day-first, give --date-format dmy`,
      );
    }
    let hour = Number(slashed[4] ?? 0);
    const meridiem = slashed[7]?.toUpperCase();
    if (meridiem) {
      if (hour < 1 || hour > 12) throw new NotATime(`${text} has an hour ${hour} with ${meridiem}`);
      if (meridiem === "PM" && hour < 12) hour += 12;
      if (meridiem === "AM" && hour === 12) hour = 0;
    }
    return checked(text, {
      year: Number(slashed[3]),
      month: dayFirst ? b : a,
      day: dayFirst ? a : b,
      hour,
      minute: Number(slashed[5] ?? 0),
      second: Number(slashed[6] ?? 0),
      offset: null,
    });
  }
  const written = WRITTEN.exec(text);
  const month = written ? MONTHS.indexOf((written[1] ?? "").slice(0, 3).toLowerCase()) : -1;
  if (written && month >= 0) {
    return checked(text, {
      year: Number(written[3]),
      month: month + 1,
      day: Number(written[2]),
      hour: 0,
      minute: 0,
      second: 0,
      offset: null,
    });
  }
  throw new NotATime(
    `${JSON.stringify(text)} is not a date (expected e.g. 07/28/2025, 2025-07-28 14:05 +0000 or Mon, Jul 28, 2025)`,
  );
}

function checked(text: string, t: WallClock): WallClock {
  const probe = new Date(Date.UTC(t.year, t.month - 1, t.day));
  if (
    probe.getUTCFullYear() !== t.year ||
    probe.getUTCMonth() !== t.month - 1 ||
    probe.getUTCDate() !== t.day ||
    t.hour > 23 ||
    t.minute > 59 ||
    t.second > 59
  ) {
    throw new NotATime(`${text} is not a date in the calendar`);
  }
  if (t.year < 1900 || t.year > 2199) throw new NotATime(`${text} is outside the years 1900-2199`);
  return t;
}

/**
 * The UTC instant of a wall-clock reading: its own offset when it has one, else `zone`'s at
 * that moment (an hour skipped by a daylight-saving change reads as the hour after it).
 */
export function toUtc(t: WallClock, zone: string | null): Date {
  const local = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (t.offset !== null) return new Date(local - t.offset * 60_000);
  if (zone === null || zone === "UTC") return new Date(local);
  return new Date(wallClockToUtc(local, zone));
}

/** A canonical timestamp (`YYYY-MM-DD HH:MM:SS`, UTC). */
export function canonicalTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/** The last second of a day given as a wall-clock reading (a snapshot taken "as of" that day). */
export function endOfDay(t: WallClock): WallClock {
  return { ...t, hour: 23, minute: 59, second: 59 };
}
