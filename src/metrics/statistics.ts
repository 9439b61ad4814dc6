/**
 * Small statistics the metrics need, in plain TypeScript: the Wilson score interval for a
 * conversion rate (METRICS.md 2: a rep is flagged only when the difference is credible) and
 * continuous quantiles as PostgreSQL's percentile_cont and DuckDB's quantile_cont compute
 * them, for the reference implementations the engine results are checked against.
 */

export type Interval = { low: number; high: number };

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson score interval of `successes` out of `trials`. Unlike the normal approximation it
 * stays inside [0, 1] and behaves for small counts and rates near 0 or 1. Null for no trials.
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): Interval | null {
  if (trials <= 0) return null;
  if (successes < 0 || successes > trials) throw new RangeError(`${successes} successes out of ${trials} trials`);
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Two intervals that do not overlap: the difference between the rates is credible. */
export function credibleDifference(a: Interval | null, b: Interval | null): boolean {
  if (!a || !b) return false;
  return a.high < b.low || b.high < a.low;
}

/**
 * The continuous quantile (linear interpolation between the closest ranks, position
 * fraction * (n - 1)), as percentile_cont; null for no values.
 */
export function quantile(values: readonly number[], fraction: number): number | null {
  if (fraction < 0 || fraction > 1) throw new RangeError(`quantile fraction ${fraction} is not within 0..1`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export function median(values: readonly number[]): number | null {
  return quantile(values, 0.5);
}
