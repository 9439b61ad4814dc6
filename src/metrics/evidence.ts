/**
 * The n beside every figure (issue 14, "n everywhere"): evidence for headlines, and the
 * columns a table (and its CSV) gives a rate or a median. A rate column `key` gets `keyN`
 * (its trials), `keyLow` and `keyHigh` (its 95% Wilson interval); a median column `key` gets
 * `keyN` (how many values it is the median of). The rate and median columns keep their keys.
 */
import { type Sql, sql } from "../store/sql.js";
import type { Evidence, FigureUnsupported, Headline, ViewColumn } from "./metric.js";
import { tidy } from "./sql-parts.js";
import { wilsonInterval } from "./statistics.js";

/** What a money figure says when the loaded leads carry no amounts: unsupported, never 0. */
export const NO_AMOUNTS: FigureUnsupported = {
  reason: "the loaded leads carry no amounts (deal values)",
  fix: "import a file with an Amount column, or map one with --mapping",
  sv: {
    reason: "de inlästa leadsen saknar belopp (affärsvärden)",
    fix: "importera en fil med en beloppskolumn (Amount), eller mappa en med --mapping",
  },
};

/**
 * The sum of the squares of a money expression (NUMERIC(18,2)), exactly, as text: a sum's
 * noise is compound Poisson, its variance the sum of the squared amounts. NUMERIC arithmetic
 * is exact on both engines where FLOAT8 sums of large squares differ in their last digits
 * with the order of addition; read it with squaresValue.
 */
export function sumOfSquares(amount: Sql): Sql {
  return sql`CAST(sum((${amount}) * (${amount})) AS TEXT)`;
}

/** A sumOfSquares column as a number (the exact decimal, correctly rounded); 0 for no amounts. */
export function squaresValue(text: string | number | null | undefined): number {
  return text === null || text === undefined ? 0 : Number(text);
}

/**
 * The total of several sumOfSquares columns (one per group), added exactly and then rounded
 * once: adding the rounded numbers in the order the rows came would differ between engines
 * in the last digits, since rows of a GROUP BY come in no set order.
 */
export function squaresTotal(texts: readonly (string | number | null | undefined)[]): number {
  const parts = texts
    .filter((t): t is string | number => t !== null && t !== undefined)
    .map((t) => {
      const [whole = "0", fraction = ""] = String(t).split(".");
      return { whole, fraction };
    });
  const scale = Math.max(0, ...parts.map((p) => p.fraction.length));
  let total = 0n;
  for (const { whole, fraction } of parts) {
    const negative = whole.startsWith("-");
    const digits = BigInt(`${whole.replace("-", "")}${fraction.padEnd(scale, "0")}`);
    total += negative ? -digits : digits;
  }
  const sign = total < 0n ? "-" : "";
  const magnitude = (total < 0n ? -total : total).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? magnitude : `${magnitude.slice(0, -scale)}.${magnitude.slice(-scale)}`;
  return Number(`${sign}${text}`);
}

/**
 * How a count's events cluster (impressions by post, activities by lead, visits by visitor,
 * shares by post): the clusters with at least one event, and the sum of the clusters' squared
 * sizes, the count's variance when clusters come as Poisson (signal.ts judges such a count
 * quasi-Poisson).
 */
export type ClusterFigures = { clusters: number; sumOfSquares: number };

/**
 * The columns `clusters` and `sum_of_squares` (exact text) over rows of one cluster each,
 * `size` being its events; read them with clusterFigures. A cluster of no events is none.
 */
export function clusterColumns(size: Sql): Sql {
  return sql`count(CASE WHEN ${size} <> 0 THEN 1 END) AS clusters, ${sumOfSquares(sql`CAST(${size} AS BIGINT)`)} AS sum_of_squares`;
}

/** The clusterColumns of a row; 0 clusters and squares when there were no rows. */
export function clusterFigures(row: {
  clusters?: number | string | null;
  sum_of_squares?: string | number | null;
}): ClusterFigures {
  return { clusters: Number(row.clusters ?? 0), sumOfSquares: squaresValue(row.sum_of_squares) };
}

/**
 * Count evidence; null when the count is (unknown, not zero). With `clusters`, the count's
 * events came in them (its noise is then judged from their squares, not from the count).
 */
export function countEvidence(n: number | null | undefined, clusters?: ClusterFigures | null): Evidence | null {
  if (n === null || n === undefined) return null;
  return clusters ? { kind: "count", n, ...clusters } : { kind: "count", n };
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

/**
 * Events per unit of exposure; null when either is unknown or there is no exposure. With
 * `clusters`, the events came in them (shares by post).
 */
export function perEvidence(
  events: number | null | undefined,
  exposure: number | null | undefined,
  clusters?: ClusterFigures | null,
): Evidence | null {
  if (events === null || events === undefined || exposure === null || exposure === undefined || exposure <= 0) {
    return null;
  }
  return clusters ? { kind: "per", events, exposure, ...clusters } : { kind: "per", events, exposure };
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

/**
 * A money headline as every metric gives it: the sum of `n` amounts with the sum of their
 * squares as its evidence, or, when the amounts are unknown (`value` or `n` null), no value
 * and NO_AMOUNTS as the reason (unless `unsupported` is false: the figure is merely absent).
 */
export function moneyHeadline(
  headline: { key: string; label: string },
  value: number | null,
  n: number | null,
  squares: number | null,
  unsupported = true,
): Headline {
  const base = { ...headline, format: "money" } as const;
  if (value === null || n === null) {
    return { ...base, value: null, evidence: null, ...(unsupported ? { unsupported: NO_AMOUNTS } : {}) };
  }
  return { ...base, value, evidence: { kind: "sum", n, sumOfSquares: squares ?? 0 } };
}
