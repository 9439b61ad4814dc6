/**
 * Signal or noise (METRICS.md "Signal or noise"): the one place a figure's change is called
 * a signal. Two tests, each where it applies:
 * - sampling noise, from the evidence behind the two values (a count is Poisson, or
 *   quasi-Poisson when its events come in clusters, a rate has its numerator and denominator,
 *   a median its order-statistic interval, ...);
 * - normal variation over time, from an XmR chart of the figure's earlier periods (at least
 *   6 of them).
 * A change is a signal only when it clears every test that applies, on the side it moved to.
 * Pure: numbers in, a plain-data judgement out (it goes into JSON as is).
 */
import type { Evidence } from "../metrics/metric.js";
import type { Judgement, SamplingMethod } from "../metrics/results/common.js";
import {
  ALPHA,
  clusteredPoissonTest,
  compoundPoissonTest,
  type Interval,
  newcombeDifference,
  poissonAcceptance,
  poissonExactTest,
  rateAcceptance,
  xmrLimits,
} from "../metrics/statistics.js";

export type { Judgement, SamplingMethod };
export { ALPHA };

/** Fewer earlier periods than this and normal variation is not judged (METRICS.md). */
export const MIN_HISTORY = 6;
/** The XmR limits are over at most this many earlier periods. */
export const MAX_HISTORY = 12;

export type Figure = { value: number | null; evidence?: Evidence | null };

export type ChangeInput = {
  now: Figure;
  before: Figure;
  /**
   * The figure's values in up to 12 periods of the same length immediately before the
   * current one, oldest first (the last is the period just before now); null for a period
   * without data (skipped).
   */
  history: readonly (number | null)[];
};

type Sampling = Judgement["sampling"] & {
  /** Which side the test puts the change on when it is beyond noise (0: not beyond). */
  side: -1 | 0 | 1;
  /** What the test accepts, in the figure's units; undefined: everything (never passes). */
  acceptance?: Interval;
  /** Why the test could not pass, when that is not a p-value or interval (too few values). */
  note?: string;
};

type Variation = NonNullable<Judgement["variation"]> & { side: -1 | 0 | 1 };

const NO_SAMPLING: Sampling = { method: "none", passed: null, pValue: null, interval: null, side: 0 };

/**
 * Whether the change from `before` to `now` is a signal, by the tests its evidence and
 * history allow. The direction is the sign of now - before; a test that finds the change
 * beyond noise on the other side does not count for it. Equal values (or both missing) are
 * "within"; one missing value cannot be told.
 *
 * The values are expected in the evidence's own terms: a count is n, a rate
 * successes / trials (a fraction), a per-figure events / exposure, a sum the sum of the
 * amounts whose squares the evidence carries, a level the level at the period's end.
 */
export function judgeChange(input: ChangeInput): Judgement {
  const { now, before } = input;
  if (now.value === null && before.value === null) {
    return unjudged("within", "no value in either period");
  }
  if (now.value === null || before.value === null) {
    return unjudged(null, now.value === null ? "no value now to compare" : "no earlier value to compare");
  }
  const history = input.history.slice(-MAX_HISTORY);
  const level = now.evidence?.kind === "level";
  const sampling = level ? gainSampling(now.value, history) : samplingTest(now, before);
  const variation = variationTest(now.value, history, level);
  const direction = Math.sign(now.value - before.value) as -1 | 0 | 1;

  if (sampling.method === "none" && variation === null) {
    if (direction === 0) return unjudged("within", "no change");
    const earlier = variationSeries(history, level).length;
    const what = level ? "earlier gains" : "earlier periods";
    return unjudged(null, `too few ${what} (${earlier}) for normal variation and no sampling model`);
  }

  const samplingPassed = sampling.method === "none" ? null : direction !== 0 && sampling.side === direction;
  const variationPassed = variation === null ? null : direction !== 0 && variation.side === direction;
  const signal = samplingPassed !== false && variationPassed !== false;

  const reasons: string[] = [];
  if (direction === 0) reasons.push("no change");
  else {
    if (samplingPassed === false) reasons.push(samplingReason(sampling, direction));
    if (variationPassed === false) reasons.push(variationReason(variation as Variation, direction));
  }

  return {
    movement: signal ? (direction > 0 ? "up" : "down") : "within",
    signal,
    sampling: {
      method: sampling.method,
      passed: samplingPassed,
      pValue: sampling.pValue,
      interval: sampling.interval,
    },
    variation:
      variation === null
        ? null
        : {
            periods: variation.periods,
            centre: variation.centre,
            low: variation.low,
            high: variation.high,
            passed: variationPassed as boolean,
          },
    normalRange: normalRange(sampling, variation),
    reason: signal ? null : reasons.join("; "),
  };
}

function unjudged(movement: "within" | null, reason: string): Judgement {
  const sampling = { method: "none" as const, passed: null, pValue: null, interval: null };
  return { movement, signal: false, sampling, variation: null, normalRange: null, reason };
}

/** Sampling noise from the evidence of the two values (METRICS.md: counts, rates, medians). */
function samplingTest(now: Figure, before: Figure): Sampling {
  const a = now.evidence;
  const b = before.evidence;
  if (!a || !b || a.kind !== b.kind) return NO_SAMPLING;
  const nowValue = now.value as number;
  const beforeValue = before.value as number;
  if (a.kind === "count" && b.kind === "count") {
    if (clustered(a) || clustered(b)) {
      return clusteredSampling(a, b, 1, 1, (count) => count);
    }
    return poissonSampling("poisson", a.n, b.n, 1, 1, (count) => count);
  }
  if (a.kind === "per" && b.kind === "per") {
    if (!(a.exposure > 0 && b.exposure > 0)) return NO_SAMPLING;
    const toValue = (events: number) => events / a.exposure;
    if (clustered(a) || clustered(b)) {
      return clusteredSampling(
        { n: a.events, sumOfSquares: a.sumOfSquares },
        { n: b.events, sumOfSquares: b.sumOfSquares },
        a.exposure,
        b.exposure,
        toValue,
      );
    }
    return poissonSampling("poisson", a.events, b.events, a.exposure, b.exposure, toValue);
  }
  if (a.kind === "rate" && b.kind === "rate") {
    const interval = newcombeDifference(a.successes, a.trials, b.successes, b.trials);
    if (!interval) return NO_SAMPLING;
    const side = interval.low > 0 ? 1 : interval.high < 0 ? -1 : 0;
    const acceptance = rateAcceptance(b.successes, b.trials, a.trials) ?? undefined;
    return { method: "newcombe", passed: null, pValue: null, interval, side, ...(acceptance ? { acceptance } : {}) };
  }
  if (a.kind === "median" && b.kind === "median") {
    if (a.low === null || a.high === null || b.low === null || b.high === null) {
      // Conservative: without an interval for either median nothing can be ruled out.
      return {
        method: "median-intervals",
        passed: null,
        pValue: null,
        interval: null,
        side: 0,
        note: "too few values for a median interval",
      };
    }
    const side = a.low > b.high ? 1 : a.high < b.low ? -1 : 0;
    // The medians now that keep the two intervals overlapping, the interval now shifted with
    // its median (its width is what the order statistics give; where it sits is the median).
    const acceptance = { low: b.low - (a.high - nowValue), high: b.high + (nowValue - a.low) };
    return {
      method: "median-intervals",
      passed: null,
      pValue: null,
      interval: { low: a.low, high: a.high },
      side,
      acceptance,
    };
  }
  if (a.kind === "sum" && b.kind === "sum") {
    const test = compoundPoissonTest(nowValue, a.sumOfSquares, beforeValue, b.sumOfSquares);
    const side = test.pValue < ALPHA ? (Math.sign(nowValue - beforeValue) as -1 | 0 | 1) : 0;
    return {
      method: "compound-poisson",
      passed: null,
      pValue: test.pValue,
      interval: null,
      side,
      acceptance: test.acceptance,
    };
  }
  return NO_SAMPLING;
}

/** The Poisson test of two counts over their exposures; `toValue` maps a count now to the figure's units. */
function poissonSampling(
  method: "poisson" | "gain-poisson",
  now: number,
  before: number,
  exposureNow: number,
  exposureBefore: number,
  toValue: (count: number) => number,
): Sampling {
  if (!isCount(now) || !isCount(before)) return NO_SAMPLING;
  const { pValue } = poissonExactTest(now, before, exposureNow, exposureBefore);
  const side = pValue < ALPHA ? (Math.sign(now / exposureNow - before / exposureBefore) as -1 | 0 | 1) : 0;
  const counts = poissonAcceptance(before, exposureNow, exposureBefore);
  return {
    method,
    passed: null,
    pValue,
    interval: null,
    side,
    acceptance: { low: toValue(counts.low), high: toValue(counts.high) },
  };
}

/** Evidence whose events come in clusters (impressions by post), with the squares to judge them by. */
function clustered(evidence: { sumOfSquares?: number }): boolean {
  return evidence.sumOfSquares !== undefined;
}

/**
 * Clustered counts (evidence with `sumOfSquares`): the quasi-Poisson test, the counts
 * overdispersed by their clusters' sizes (statistics.ts clusteredPoissonTest). A figure
 * without squares on one side is taken as clusters of one event each (its squares are its
 * count). `toValue` maps a count now to the figure's units.
 */
function clusteredSampling(
  now: { n: number; sumOfSquares?: number },
  before: { n: number; sumOfSquares?: number },
  exposureNow: number,
  exposureBefore: number,
  toValue: (count: number) => number,
): Sampling {
  if (!isCount(now.n) || !isCount(before.n)) return NO_SAMPLING;
  // Squares below the count cannot come from whole clusters; read them as clusters of one.
  const test = clusteredPoissonTest(
    { n: now.n, sumOfSquares: Math.max(now.n, now.sumOfSquares ?? 0) },
    { n: before.n, sumOfSquares: Math.max(before.n, before.sumOfSquares ?? 0) },
    exposureNow,
    exposureBefore,
  );
  // The side the test puts the change on: the effective counts' rates (what it compared).
  const difference = test.effectiveNow / exposureNow - test.effectiveBefore / exposureBefore;
  const side = test.pValue < ALPHA ? (Math.sign(difference) as -1 | 0 | 1) : 0;
  return {
    method: "quasi-poisson",
    passed: null,
    pValue: test.pValue,
    interval: null,
    side,
    acceptance: { low: toValue(test.acceptance.low), high: toValue(test.acceptance.high) },
  };
}

/**
 * A level (followers) is judged by its gains: the gain now (now - the last earlier level)
 * against the gain before it, as two Poisson counts, when both are gains (a level that fell
 * is not a count of anything).
 */
function gainSampling(nowValue: number, history: readonly (number | null)[]): Sampling {
  const last = history.at(-1);
  const previous = history.at(-2);
  if (last == null || previous == null) return NO_SAMPLING;
  const gainNow = nowValue - last;
  const gainBefore = last - previous;
  if (!(gainNow >= 0 && gainBefore >= 0)) return NO_SAMPLING;
  return poissonSampling("gain-poisson", gainNow, gainBefore, 1, 1, (gain) => last + gain);
}

/**
 * Normal variation: the value now against the natural process limits of the earlier
 * periods (for a level, its gain now against the limits of the earlier gains). Null with
 * fewer than 6 earlier values.
 */
function variationTest(nowValue: number, history: readonly (number | null)[], level: boolean): Variation | null {
  const series = variationSeries(history, level);
  if (series.length < MIN_HISTORY) return null;
  const limits = xmrLimits(series);
  // A level's limits are on its gains: back in the level's units they sit on the last level.
  const offset = level ? history.at(-1) : 0;
  if (!limits || offset == null) return null;
  const current = nowValue - offset;
  const side = current > limits.high ? 1 : current < limits.low ? -1 : 0;
  return {
    periods: limits.periods,
    centre: limits.centre + offset,
    low: limits.low + offset,
    high: limits.high + offset,
    passed: side !== 0,
    side,
  };
}

/**
 * The earlier values the XmR chart is over: the periods with data, or for a level the gains
 * between neighbouring periods that both have data (a gain across a gap spans two periods).
 */
function variationSeries(history: readonly (number | null)[], level: boolean): number[] {
  if (!level) return history.filter((value): value is number => value !== null);
  const gains: number[] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1];
    const b = history[i];
    if (a != null && b != null) gains.push(b - a);
  }
  return gains;
}

/**
 * What would not have counted: the hull of each applicable test's acceptance (a value
 * outside it clears them all). A sampling test that can never pass accepts everything.
 */
function normalRange(sampling: Sampling, variation: Variation | null): Interval | null {
  const ranges: Interval[] = [];
  if (sampling.method !== "none") {
    if (!sampling.acceptance) return null;
    ranges.push(sampling.acceptance);
  }
  if (variation) ranges.push({ low: variation.low, high: variation.high });
  if (ranges.length === 0) return null;
  return {
    low: Math.min(...ranges.map((range) => range.low)),
    high: Math.max(...ranges.map((range) => range.high)),
  };
}

function samplingReason(sampling: Sampling, direction: -1 | 1): string {
  if (sampling.note) return sampling.note;
  if (sampling.side === -direction) return "sampling noise puts the change the other way";
  if (sampling.method === "newcombe")
    return "not beyond sampling noise (the 95% interval of the difference includes 0)";
  if (sampling.method === "median-intervals") return "not beyond sampling noise (the medians' 95% intervals overlap)";
  return `not beyond sampling noise (${formatP(sampling.pValue as number)})`;
}

function variationReason(variation: Variation, direction: -1 | 1): string {
  if (variation.side === -direction) return "beyond the natural process limits on the other side";
  return "within the natural process limits";
}

/** "p = 0.21", "p = 0.004", "p < 0.001". */
function formatP(p: number): string {
  if (p >= 0.01) return `p = ${p.toFixed(2)}`;
  if (p < 0.001) return "p < 0.001";
  return `p = ${p.toPrecision(1)}`;
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}
