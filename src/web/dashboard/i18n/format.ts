/**
 * Numbers, percentages, money, days and dates as text in the reader's locale (Intl), for
 * values the API sends with a Format saying how they read.
 */
import type { Format } from "../../../metrics/results/common.js";
import { intlTag, t } from "./locale.js";

/** How the API says a value reads: the server's own type, so the two cannot drift. */
export type { Format };

const NUMBER_FORMATS = new Map<string, Intl.NumberFormat>();

/**
 * An Intl.NumberFormat for the current locale and `options`, made once: the stalled list and
 * the report's tables format thousands of numbers, and making a format costs far more than
 * using one. A handful of combinations exist (a few per currency).
 */
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${intlTag()} ${JSON.stringify(options)}`;
  let format = NUMBER_FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat(intlTag(), options);
    NUMBER_FORMATS.set(key, format);
  }
  return format;
}

/** A value as text in the current locale. */
export function formatValue(value: number | string | null, format: Format, currency: string | null = null): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return format === "date" ? formatDate(value) : value;
  switch (format) {
    case "count":
      return numberFormat({ maximumFractionDigits: 0 }).format(value);
    case "percent":
      return numberFormat({ style: "percent", maximumFractionDigits: 1 }).format(value);
    case "money":
      return currency
        ? numberFormat({ style: "currency", currency, maximumFractionDigits: 0 }).format(value)
        : numberFormat({ maximumFractionDigits: 0 }).format(value);
    case "days":
      return t("unit.days", { value: numberFormat({ maximumFractionDigits: 1 }).format(value) });
    default:
      return numberFormat({ maximumFractionDigits: 2 }).format(value);
  }
}

/**
 * A relative change (0.25 is +25 %), signed. Whether it matters is not its size: the API
 * judges it against normal variation (see figures.ts judgementText).
 */
export function formatChange(change: number | null): string {
  if (change === null) return "–";
  const text = numberFormat({
    style: "percent",
    maximumFractionDigits: Math.abs(change) < 0.1 ? 1 : 0,
    signDisplay: "exceptZero",
  }).format(change);
  // A typographic minus in every language, as the API's sentences have it (Intl gives one in Swedish only).
  return text.replace("-", "−");
}

/** An ISO date or timestamp as a date in the current locale. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(intlTag(), {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  }).format(date);
}
