/**
 * The n beside every figure (issue 14, "n everywhere"): evidence for headlines, and the
 * columns a table (and its CSV) gives a rate or a median. A rate column `key` gets `keyN`
 * (its trials), `keyLow` and `keyHigh` (its 95% Wilson interval); a median column `key` gets
 * `keyN` (how many values it is the median of). The rate and median columns keep their keys.
 */
import type { Evidence, ViewColumn } from "./metric.js";
import { tidy } from "./sql-parts.js";
import { wilsonInterval } from "./statistics.js";

/** Count evidence; null when the count is (unknown, not zero). */
export function countEvidence(n: number | null | undefined): Evidence | null {
  return n === null || n === undefined ? null : { kind: "count", n };
}

/**
 * Rate evidence, `successes` of `trials`; null when either is unknown or there are no trials
 * (the rate itself is null then).
 */
export function rateEvidence(successes: number | null | undefined, trials: number | null | undefined): Evidence | null {
  if (successes === null || successes === undefined || trials === null || trials === undefined || trials <= 0) {
    return null;
  }
  return { kind: "rate", successes, trials };
}

/** Events per unit of exposure; null when either is unknown or there is no exposure. */
export function perEvidence(events: number | null | undefined, exposure: number | null | undefined): Evidence | null {
  if (events === null || events === undefined || exposure === null || exposure === undefined || exposure <= 0) {
    return null;
  }
  return { kind: "per", events, exposure };
}

/** The n and 95% interval columns that follow a rate column `key` in a view. */
export function rateColumns(key: string): ViewColumn[] {
  return [
    { key: `${key}N`, label: "n", format: "count" },
    { key: `${key}Low`, label: "95% lo", format: "percent" },
    { key: `${key}High`, label: "95% hi", format: "percent" },
  ];
}

/**
 * The cells of rateColumns(key): n = trials and the Wilson interval of successes / trials
 * (null bounds without trials, or when successes exceed trials: then it is no share).
 */
export function rateCells(
  key: string,
  successes: number | null | undefined,
  trials: number | null | undefined,
): Record<string, number | null> {
  const n = trials ?? null;
  const valid = n !== null && successes !== null && successes !== undefined && successes >= 0 && successes <= n;
  const interval = valid ? wilsonInterval(successes, n) : null;
  return {
    [`${key}N`]: n,
    [`${key}Low`]: interval ? tidy(interval.low) : null,
    [`${key}High`]: interval ? tidy(interval.high) : null,
  };
}

/** The n column that follows a median column `key`. */
export function medianColumn(key: string): ViewColumn {
  return { key: `${key}N`, label: "n", format: "count" };
}
