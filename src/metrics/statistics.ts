import type { Interval, RankSumTest } from "./results/common.js";

export type { Interval, RankSumTest };

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

// --- signal or noise (METRICS.md "Signal or noise") --------------------------------------

/** The significance level of every test of a change: two-sided 5% (METRICS.md "Signal or noise"). */
export const ALPHA = 0.05;

/**
 * R's binom.test counts an outcome as "as extreme" when its probability is within this
 * relative tolerance of the observed one, so float noise in equal probabilities (a symmetric
 * distribution) does not drop one side.
 */
const RELATIVE_TOLERANCE = 1 + 1e-7;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The error of Stirling's formula for log(n!) at a whole n: log(n!) - ((n + 1/2) log n - n +
 * log sqrt(2 pi)). Catherine Loader's series ("Fast and accurate computation of binomial
 * probabilities", 2000; R's stirlerr), exact sums of logs for small n where the series is
 * not yet accurate.
 */
function stirlingError(n: number): number {
  if (n <= 15) {
    let logFactorial = 0;
    for (let i = 2; i <= n; i++) logFactorial += Math.log(i);
    return logFactorial - (n + 0.5) * Math.log(n) + n - LOG_SQRT_2PI;
  }
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  const nn = n * n;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/** log(n!) for a whole n >= 0, accurate to the last digits for n into the billions. */
export function logFactorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`log factorial of ${n}`);
  if (n < 2) return 0;
  return (n + 0.5) * Math.log(n) - n + LOG_SQRT_2PI + stirlingError(n);
}

/**
 * x log(x / np) + np - x without the cancellation of its terms when x is near np (Loader's
 * bd0): the deviance part of a binomial log-probability.
 */
function deviance(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np);
    let s = (x - np) * v;
    let term = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      term *= v;
      const next = s + term / (2 * j + 1);
      if (next === s) return next;
      s = next;
    }
    return s;
  }
  return x * Math.log(x / np) + np - x;
}

/**
 * log P(X = x) for X ~ Binomial(n, p), by Loader's saddle-point form (as R's dbinom): the
 * terms that would cancel are never formed, so n in the millions keeps full precision.
 */
export function binomialLogProbability(x: number, n: number, p: number): number {
  if (x < 0 || x > n) return Number.NEGATIVE_INFINITY;
  const q = 1 - p;
  if (p === 0) return x === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (q === 0) return x === n ? 0 : Number.NEGATIVE_INFINITY;
  if (x === 0) return n === 0 ? 0 : p < 0.1 ? -deviance(n, n * q) - n * p : n * Math.log(q);
  if (x === n) return q < 0.1 ? -deviance(n, n * p) - n * q : n * Math.log(p);
  const lc = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - deviance(x, n * p) - deviance(n - x, n * q);
  const lf = Math.log(2 * Math.PI) + Math.log(x) + Math.log1p(-x / n);
  return lc - 0.5 * lf;
}

/**
 * P(X = from) + P(X = from + step) + ... for a `from` on the falling side of the binomial's
 * mode (step -1 below it, +1 above it), by the ratio of neighbouring probabilities, stopping
 * once a term no longer changes the sum. The terms only fall, so the sum is short: a few
 * standard deviations' worth, whatever n is.
 */
function binomialTail(from: number, step: 1 | -1, n: number, p: number): number {
  if (from < 0 || from > n) return 0;
  let term = Math.exp(binomialLogProbability(from, n, p));
  let sum = 0;
  const odds = p / (1 - p);
  for (let i = from; i >= 0 && i <= n; i += step) {
    sum += term;
    if (term <= sum * 1e-17) break;
    // P(i + 1) / P(i) = (n - i) / (i + 1) * p / q, and its inverse going down.
    term *= step === 1 ? ((n - i) / (i + 1)) * odds : i / (n - i + 1) / odds;
  }
  return sum;
}

/**
 * The exact two-sided p-value of k successes in n trials of probability p: the probability
 * of every outcome no more likely than k (R's binom.test, with its 1 + 1e-7 tolerance).
 * Probabilities come from log space, and the outcomes on the other side are found by
 * bisection (the probabilities fall monotonically away from the mode), so n may be millions.
 */
export function binomialTwoSidedP(k: number, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial trials ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`${k} successes out of ${n} trials`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial probability ${p}`);
  const m = n * p;
  if (k === m) return 1;
  const limit = binomialLogProbability(k, n, p) + Math.log(RELATIVE_TOLERANCE);
  const asLikely = (i: number) => binomialLogProbability(i, n, p) <= limit;
  let pValue: number;
  if (k < m) {
    // The first outcome at or above the mean that is no more likely than k: from there on
    // every outcome is (the probabilities only fall above the mean).
    let lo = Math.ceil(m);
    let hi = n + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (asLikely(mid)) hi = mid;
      else lo = mid + 1;
    }
    pValue = binomialTail(k, -1, n, p) + binomialTail(lo, 1, n, p);
  } else {
    // The last outcome at or below the mean that is no more likely than k.
    let lo = -1;
    let hi = Math.floor(m);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (asLikely(mid)) lo = mid;
      else hi = mid - 1;
    }
    pValue = binomialTail(lo, -1, n, p) + binomialTail(k, 1, n, p);
  }
  return Math.min(1, pValue);
}

function assertCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what} ${value} is not a count`);
}

function assertExposure(value: number, what: string): void {
  if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`${what} ${value} is not a positive exposure`);
}

/**
 * The exact test of two Poisson counts (R's poisson.test with two counts): given their
 * total, the count now is Binomial(total, exposureNow / (exposureNow + exposureBefore)) when
 * both periods have the same rate. No events at all: nothing to tell apart, p = 1.
 */
export function poissonExactTest(now: number, before: number, exposureNow = 1, exposureBefore = 1): { pValue: number } {
  assertCount(now, "count now");
  assertCount(before, "count before");
  assertExposure(exposureNow, "exposure now");
  assertExposure(exposureBefore, "exposure before");
  const total = now + before;
  if (total === 0) return { pValue: 1 };
  return { pValue: binomialTwoSidedP(now, total, exposureNow / (exposureNow + exposureBefore)) };
}

/**
 * The whole numbers around `start` (within min..max) for which `accepted` holds, as the
 * range from the lowest to the highest of them: doubling steps out from start, then
 * bisection, so a range thousands wide costs a few dozen tests. Where `accepted` is not one
 * run (a discrete test's p-value can dip below alpha and come back), each edge is pushed out
 * past any accepted number within `reach` of it, so that everything outside the range is
 * rejected. Null when start itself is not accepted.
 */
function acceptedRange(
  start: number,
  accepted: (x: number) => boolean,
  min: number,
  max: number,
  reach = 0,
): Interval | null {
  if (!accepted(start)) return null;
  const edge = (direction: 1 | -1, bound: number): number => {
    const beyond = (x: number) => (direction === 1 ? x > bound : x < bound);
    let inside = start;
    for (;;) {
      let outside: number | null = null;
      for (let step = 1; outside === null; step *= 2) {
        const next = direction === 1 ? Math.min(inside + step, bound) : Math.max(inside - step, bound);
        if (next === inside) return inside;
        if (accepted(next)) inside = next;
        else outside = next;
      }
      // accepted(inside), not accepted(outside): bisect between them.
      while (Math.abs(outside - inside) > 1) {
        const mid = Math.floor((inside + outside) / 2);
        if (accepted(mid)) inside = mid;
        else outside = mid;
      }
      let further: number | null = null;
      for (let i = 2; i <= reach && further === null; i++) {
        const x = inside + direction * i;
        if (beyond(x)) break;
        if (accepted(x)) further = x;
      }
      if (further === null) return inside;
      inside = further;
    }
  };
  return { low: edge(-1, min), high: edge(1, max) };
}

/**
 * The counts now that would NOT differ significantly (p >= alpha in poissonExactTest) from
 * `before` given the two exposures: the range a count can move within and still be noise.
 * Every count outside it is significant. With equal exposures every count inside it is
 * noise too; when the exposure now is k times the one before, the exact test's p-value
 * wiggles with a period of about k counts, and a few counts near the edges can be
 * significant inside it (the range spans them, so it errs towards calling noise).
 * Searched outward from the expected count, so large counts cost a few dozen tests.
 */
export function poissonAcceptance(before: number, exposureNow = 1, exposureBefore = 1, alpha = ALPHA): Interval {
  assertCount(before, "count before");
  const accepted = (now: number) => poissonExactTest(now, before, exposureNow, exposureBefore).pValue >= alpha;
  const expected = (before * exposureNow) / exposureBefore;
  // The wiggles' period: one more event before moves the other side by this many counts now.
  const reach = Math.ceil(Math.min(10_000, Math.max(1, exposureNow / exposureBefore))) + 2;
  for (const start of [Math.round(expected), Math.floor(expected), Math.ceil(expected)]) {
    const run = acceptedRange(start, accepted, 0, Number.MAX_SAFE_INTEGER, reach);
    if (run) return run;
  }
  // The expected count itself is significant only for an alpha near 1.
  throw new RangeError(`no count is accepted at alpha ${alpha}`);
}

/**
 * Newcombe's hybrid score interval for the difference of two rates p1 - p0 ("Interval
 * estimation for the difference between independent proportions", Statistics in Medicine
 * 1998, method 10): the difference, widened on each side by the Wilson intervals of the two
 * rates. Null when either has no trials.
 */
export function newcombeDifference(s1: number, n1: number, s0: number, n0: number, z = Z95): Interval | null {
  const w1 = wilsonInterval(s1, n1, z);
  const w0 = wilsonInterval(s0, n0, z);
  if (!w1 || !w0) return null;
  const p1 = s1 / n1;
  const p0 = s0 / n0;
  const difference = p1 - p0;
  return {
    low: difference - Math.sqrt((p1 - w1.low) ** 2 + (w0.high - p0) ** 2),
    high: difference + Math.sqrt((w1.high - p1) ** 2 + (p0 - w0.low) ** 2),
  };
}

/**
 * The rates now (as successes / n1, so only the attainable ones) whose Newcombe interval
 * against s0 of n0 includes 0: the range a rate can move within and still be sampling noise.
 * Null when either denominator is 0.
 */
export function rateAcceptance(s0: number, n0: number, n1: number): Interval | null {
  if (n0 <= 0 || n1 <= 0) return null;
  assertCount(n1, "trials now");
  const accepted = (s1: number) => {
    const interval = newcombeDifference(s1, n1, s0, n0);
    return interval !== null && interval.low <= 0 && interval.high >= 0;
  };
  const run = acceptedRange(Math.round((s0 / n0) * n1), accepted, 0, n1);
  // The rate nearest the one before always is (the difference is then under half a count).
  if (!run) throw new RangeError(`no rate is accepted against ${s0} of ${n0}`);
  return { low: run.low / n1, high: run.high / n1 };
}

/**
 * The 1-based ranks of the distribution-free 95% interval of a median of n values: the
 * order statistics floor(n/2 - z sqrt(n)/2) and ceil(1 + n/2 + z sqrt(n)/2), clipped to
 * 1..n (the normal approximation to the binomial ranks). Null below 6 values, where the
 * interval would be the whole range. The metrics read the values at these ranks in SQL;
 * this is the one definition of them.
 */
export function medianIntervalRanks(n: number): { lower: number; upper: number } | null {
  if (!Number.isInteger(n) || n < 6) return null;
  const half = (Z95 * Math.sqrt(n)) / 2;
  return {
    lower: Math.min(n, Math.max(1, Math.floor(n / 2 - half))),
    upper: Math.min(n, Math.max(1, Math.ceil(1 + n / 2 + half))),
  };
}

/** Wheeler's scaling of the mean moving range to natural process limits (3 sigma: 3 / d2, d2 = 1.128). */
export const XMR_SCALE = 2.66;

export type ProcessLimits = {
  /** How many values the limits are over. */
  periods: number;
  /** Their mean. */
  centre: number;
  /** The mean of the absolute differences of neighbouring values. */
  movingRange: number;
  low: number;
  high: number;
};

/**
 * The natural process limits of an XmR chart (Wheeler, "Understanding Variation"): the
 * mean of the values +/- 2.66 times their mean moving range. The values are the figure's
 * periods in order, without the ones that have no data. Null for fewer than 2 values.
 */
export function xmrLimits(values: readonly number[]): ProcessLimits | null {
  if (values.length < 2) return null;
  let sum = 0;
  let ranges = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    sum += value;
    if (i > 0) ranges += Math.abs(value - (values[i - 1] as number));
  }
  const centre = sum / values.length;
  const movingRange = ranges / (values.length - 1);
  return {
    periods: values.length,
    centre,
    movingRange,
    low: centre - XMR_SCALE * movingRange,
    high: centre + XMR_SCALE * movingRange,
  };
}

/**
 * P(Z > z) for a standard normal Z, from the complementary error function in its Chebyshev
 * form (Numerical Recipes' erfcc; relative error below 1.2e-7 everywhere, tails included).
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * A test of two sums of amounts (won value) when the number of amounts is Poisson: a
 * compound Poisson sum's variance is its sum of squares, so under no change the difference
 * has variance sumSqNow + sumSqBefore (the pooled estimate). z test, two-sided p from the
 * normal; the acceptance range is the sums now whose z stays within +/- 1.96 with that
 * variance (the observed spread of amounts now held fixed), not below 0. No amounts in
 * either period: p = 1. With a handful of amounts the pooled variance grows with the sum, so
 * the test errs towards noise: on simulated periods of 1 to 100 lognormal amounts with no
 * change it calls at most its nominal 5% (statistics.test.ts).
 */
export function compoundPoissonTest(
  sumNow: number,
  sumSqNow: number,
  sumBefore: number,
  sumSqBefore: number,
): { pValue: number; z: number | null; acceptance: Interval } {
  if (!(sumSqNow >= 0 && sumSqBefore >= 0)) throw new RangeError("a sum of squares is negative");
  const sd = Math.sqrt(sumSqNow + sumSqBefore);
  const half = Z95 * sd;
  const acceptance = { low: sumBefore >= 0 ? Math.max(0, sumBefore - half) : sumBefore - half, high: sumBefore + half };
  if (sd === 0) return { pValue: sumNow === sumBefore ? 1 : 0, z: null, acceptance };
  const z = (sumNow - sumBefore) / sd;
  return { pValue: Math.min(1, 2 * normalUpperTail(Math.abs(z))), z, acceptance };
}

/**
 * The Mann-Whitney test that the first sample's values tend to be greater than the second's,
 * from what SQL can sum: the first sample's rank sum in the union (tied values sharing their
 * average rank), the two sizes, and the tie term, the sum over groups of tied values of
 * t^3 - t. Normal approximation with the tie-corrected variance and a continuity correction
 * of 1/2, as R's wilcox.test(a, b, alternative = "greater", exact = FALSE) and SciPy's
 * mannwhitneyu(method = "asymptotic"): U = R - nA(nA + 1)/2, z = (U - nA nB / 2 - 1/2) / sigma,
 * sigma^2 = nA nB / 12 (N + 1 - ties / (N (N - 1))). Null when either sample is empty.
 * Unlike the medians' intervals it weighs every value, so it tells two samples apart with far
 * fewer values than intervals that must not overlap.
 */
export function rankSumTest(rankSumA: number, nA: number, nB: number, ties: number): RankSumTest | null {
  assertCount(nA, "first sample size");
  assertCount(nB, "second sample size");
  if (nA === 0 || nB === 0) return null;
  const n = nA + nB;
  const u = rankSumA - (nA * (nA + 1)) / 2;
  // With every value tied, ties = n^3 - n and the variance is exactly 0.
  const variance = ((nA * nB) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: null, pValue: 1 };
  const z = (u - (nA * nB) / 2 - 0.5) / Math.sqrt(variance);
  return { u, z, pValue: normalUpperTail(z) };
}

/**
 * The one-sided Mann-Whitney test that values of `a` tend to be greater than values of `b`
 * (rankSumTest), ranking the two samples here: the reference the metrics' SQL ranks are
 * checked against. Null when either is empty.
 */
export function mannWhitney(a: readonly number[], b: readonly number[]): RankSumTest | null {
  if (a.length === 0 || b.length === 0) return null;
  type Ranked = { value: number; first: boolean };
  const all: Ranked[] = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))];
  all.sort((x, y) => x.value - y.value);
  const at = (i: number) => all[i] as Ranked;
  let rankSumA = 0;
  let ties = 0;
  for (let start = 0; start < all.length; ) {
    let end = start;
    while (end < all.length && at(end).value === at(start).value) end++;
    // Positions start..end-1 hold one value: each gets the average of ranks start+1..end.
    const t = end - start;
    const rank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (at(i).first) rankSumA += rank;
    ties += t * t * t - t;
    start = end;
  }
  return rankSumTest(rankSumA, a.length, b.length, ties);
}

/** A count of events that come in clusters (impressions by post): the count and the sum of its clusters' squared sizes. */
export type ClusteredCount = { n: number; sumOfSquares: number };

/**
 * A quasi-Poisson test of two clustered counts over their exposures (impressions, which come
 * by post; activities, by lead; visits, by visitor; shares, by post). When clusters arrive as
 * Poisson and their sizes vary, a count's variance is the sum of its clusters' squared sizes,
 * not the count: the count is overdispersed by the factor sumOfSquares / n (1 when every
 * cluster is one event). The two periods' factor is pooled (the null is that both are the
 * same process), and each count divided by it is, to a good approximation, a Poisson count
 * of the same mean and variance: the "effective" counts, rounded to whole numbers, go into
 * the exact Poisson test. With clusters of one event this IS poissonExactTest; with 10 posts
 * of 1,000 impressions the test is about 10 events, not 10,000.
 *
 * The acceptance range is in counts now, the pooled factor held fixed: the accepted
 * effective counts times the factor, widened by the half count that rounds into them, so a
 * count outside it is significant and one inside it is not. No events at all: p = 1.
 */
export function clusteredPoissonTest(
  now: ClusteredCount,
  before: ClusteredCount,
  exposureNow = 1,
  exposureBefore = 1,
): { pValue: number; dispersion: number; effectiveNow: number; effectiveBefore: number; acceptance: Interval } {
  assertCount(now.n, "count now");
  assertCount(before.n, "count before");
  for (const { n, sumOfSquares } of [now, before]) {
    // A whole-number cluster size is at most its square: fewer squares than events is no count of clusters.
    if (!(sumOfSquares >= n))
      throw new RangeError(`a sum of squared cluster sizes ${sumOfSquares} below its count ${n}`);
  }
  const total = now.n + before.n;
  const dispersion = total === 0 ? 1 : Math.max(1, (now.sumOfSquares + before.sumOfSquares) / total);
  const effectiveNow = Math.round(now.n / dispersion);
  const effectiveBefore = Math.round(before.n / dispersion);
  const { pValue } = poissonExactTest(effectiveNow, effectiveBefore, exposureNow, exposureBefore);
  const counts = poissonAcceptance(effectiveBefore, exposureNow, exposureBefore);
  const acceptance =
    dispersion === 1
      ? counts
      : { low: Math.max(0, dispersion * (counts.low - 0.5)), high: dispersion * (counts.high + 0.5) };
  return { pValue, dispersion, effectiveNow, effectiveBefore, acceptance };
}
