/**
 * The grain buckets of a period, computed in TypeScript so that trends list every bucket,
 * the empty ones too (SQL only returns buckets that have rows). They match sql-parts
 * `bucket()`: date_trunc on both engines, weeks starting on Monday.
 */
import type { Grain, MetricContext } from "./metric.js";

/** The first instants (ISO) of every grain bucket that overlaps the period, in order. */
export function bucketsOf(ctx: MetricContext): string[] {
  const out: string[] = [];
  let at = truncate(ctx.period.start, ctx.grain);
  while (at < ctx.period.end) {
    out.push(at.toISOString());
    at = step(at, ctx.grain);
  }
  return out;
}

function truncate(date: Date, grain: Grain): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  switch (grain) {
    case "day":
      return new Date(Date.UTC(y, m, date.getUTCDate()));
    case "week": {
      const day = new Date(Date.UTC(y, m, date.getUTCDate()));
      const sinceMonday = (day.getUTCDay() + 6) % 7;
      return new Date(day.getTime() - sinceMonday * 86_400_000);
    }
    case "month":
      return new Date(Date.UTC(y, m, 1));
    case "quarter":
      return new Date(Date.UTC(y, m - (m % 3), 1));
  }
}

function step(date: Date, grain: Grain): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  switch (grain) {
    case "day":
      return new Date(date.getTime() + 86_400_000);
    case "week":
      return new Date(date.getTime() + 7 * 86_400_000);
    case "month":
      return new Date(Date.UTC(y, m + 1, 1));
    case "quarter":
      return new Date(Date.UTC(y, m + 3, 1));
  }
}
