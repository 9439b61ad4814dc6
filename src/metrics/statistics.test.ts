import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fuzzParameters, fuzzSeed } from "../../test/support/fuzz.js";
import { Random } from "../simulate/random.js";
import {
  binomialLogProbability,
  binomialTwoSidedP,
  clusteredPoissonTest,
  compoundPoissonTest,
  credibleDifference,
  logFactorial,
  mannWhitney,
  median,
  medianIntervalRanks,
  newcombeDifference,
  normalUpperTail,
  poissonAcceptance,
  poissonExactTest,
  quantile,
  rankSumTest,
  rateAcceptance,
  wilsonInterval,
  xmrLimits,
} from "./statistics.js";

describe("wilsonInterval", () => {
  test("matches the textbook interval for 8 of 10", () => {
    // p = 0.8, n = 10, z = 1.96: centre = (0.8 + 0.19208) / 1.38415 = 0.71677,
    // half = 1.96 * sqrt(0.016 + 0.0096040) / 1.38415 = 0.22658 -> [0.4902, 0.9433].
    const interval = wilsonInterval(8, 10);
    expect(interval?.low).toBeCloseTo(0.4902, 4);
    expect(interval?.high).toBeCloseTo(0.9433, 4);
  });

  test("matches Newcombe 1998 (single proportion, table I, method 3)", () => {
    // Newcombe, "Two-sided confidence intervals for the single proportion", Statistics in
    // Medicine 17 (1998), table I, Wilson score method without continuity correction.
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [s, n, low, high] of cases) {
      expect(wilsonInterval(s, n)?.low).toBeCloseTo(low, 4);
      expect(wilsonInterval(s, n)?.high).toBeCloseTo(high, 4);
    }
  });

  test("stays inside 0..1 at the edges and says nothing without trials", () => {
    expect(wilsonInterval(0, 5)?.low).toBe(0);
    expect(wilsonInterval(0, 5)?.high).toBeCloseTo(0.4345, 4); // z²/(n+z²) = 3.8415/8.8415
    expect(wilsonInterval(5, 5)?.high).toBe(1);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(6, 5)).toThrow(RangeError);
  });

  test("a difference is credible only when the intervals do not overlap", () => {
    // 80 of 100 against 50 of 100: [0.711, 0.867] and [0.404, 0.596].
    expect(credibleDifference(wilsonInterval(80, 100), wilsonInterval(50, 100))).toBe(true);
    // 4 of 5 against 3 of 5: both intervals are wide and overlap.
    expect(credibleDifference(wilsonInterval(4, 5), wilsonInterval(3, 5))).toBe(false);
    expect(credibleDifference(null, wilsonInterval(3, 5))).toBe(false);
  });
});

describe("quantile", () => {
  test("interpolates between ranks as percentile_cont does", () => {
    // Sorted 1, 2, 4, 10: p90 at position 2.7 -> 4 + 0.7 * (10 - 4) = 8.2; median at 1.5 -> 3.
    expect(quantile([10, 1, 4, 2], 0.9)).toBeCloseTo(8.2, 10);
    expect(median([10, 1, 4, 2])).toBe(3);
    expect(median([7])).toBe(7);
    expect(quantile([3, 1, 2], 0)).toBe(1);
    expect(quantile([3, 1, 2], 1)).toBe(3);
  });

  test("has no answer for no values and refuses fractions outside 0..1", () => {
    expect(median([])).toBeNull();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });
});

describe("binomial probabilities", () => {
  test("log factorial matches the sum of logs and Stirling's series joins it smoothly", () => {
    let sum = 0;
    for (let n = 2; n <= 3000; n++) {
      sum += Math.log(n);
      expect(Math.abs(logFactorial(n) - sum) / sum).toBeLessThan(1e-13);
    }
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(1)).toBe(0);
    expect(() => logFactorial(2.5)).toThrow(RangeError);
  });

  test("the probabilities of a binomial add up to 1, for small and large n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, p) => {
        let total = 0;
        for (let x = 0; x <= n; x++) total += Math.exp(binomialLogProbability(x, n, p));
        expect(total).toBeCloseTo(1, 10);
      }),
      fuzzParameters(60),
    );
  });

  test("a probability far in the centre of a large binomial keeps its precision", () => {
    // P(X = m) for Binomial(2m, 1/2) = C(2m, m) / 4^m ~ (1 - 1/(8m)) / sqrt(pi m) (Stirling);
    // m = 5 * 10^5: 7.978845608e-4 * (1 - 2.5e-7) = 7.978843613e-4.
    expect(Math.exp(binomialLogProbability(500_000, 1_000_000, 0.5))).toBeCloseTo(7.978843613e-4, 13);
  });
});

describe("binomialTwoSidedP", () => {
  test("matches binom.test worked by hand", () => {
    // binom.test(7, 10): P(X >= 7) = (C(10,7) + C(10,8) + C(10,9) + 1) / 2^10
    //   = (120 + 45 + 10 + 1) / 1024 = 0.171875, doubled by symmetry: 0.34375.
    expect(binomialTwoSidedP(7, 10, 0.5)).toBeCloseTo(0.34375, 12);
    // binom.test(6, 17): P(X <= 6) = (1 + 17 + 136 + 680 + 2380 + 6188 + 12376) / 2^17
    //   = 21778 / 131072, doubled: 0.332305908203125.
    expect(binomialTwoSidedP(6, 17, 0.5)).toBeCloseTo(0.332305908203125, 12);
    // binom.test(0, 5, 0.2), not symmetric: P(0) = 0.8^5 = 0.32768; the other side's
    // outcomes no more likely: P(2) = 0.2048, P(3) = 0.0512, P(4) = 0.0064, P(5) = 0.00032
    // (P(1) = 0.4096 is more likely). 0.32768 + 0.26272 = 0.5904.
    expect(binomialTwoSidedP(0, 5, 0.2)).toBeCloseTo(0.5904, 12);
    // binom.test(1, 3, 0.2): P(0) = 0.512 is more likely than P(1) = 0.384, so only the
    // upper side counts: 1 - 0.512 = 0.488.
    expect(binomialTwoSidedP(1, 3, 0.2)).toBeCloseTo(0.488, 12);
    // All heads in 5: 2 / 32. The mean itself: 1.
    expect(binomialTwoSidedP(5, 5, 0.5)).toBeCloseTo(0.0625, 12);
    expect(binomialTwoSidedP(5, 10, 0.5)).toBe(1);
    expect(binomialTwoSidedP(0, 0, 0.3)).toBe(1);
    // A certain outcome: anything else is impossible.
    expect(binomialTwoSidedP(1, 4, 0)).toBe(0);
  });

  test("refuses what is not a binomial outcome", () => {
    expect(() => binomialTwoSidedP(11, 10, 0.5)).toThrow(RangeError);
    expect(() => binomialTwoSidedP(1.5, 10, 0.5)).toThrow(RangeError);
    expect(() => binomialTwoSidedP(1, 10, 1.5)).toThrow(RangeError);
  });

  test("for a million trials it agrees with the normal approximation", () => {
    // n = 10^6, p = 1/2: sd = 500. k = 500980 is 1.96 sd above the mean; with the continuity
    // correction z = 979.5 / 500 = 1.959, p ~ 2 Q(1.959) = 0.0501.
    const p = binomialTwoSidedP(500_980, 1_000_000, 0.5);
    expect(p).toBeGreaterThan(0.0495);
    expect(p).toBeLessThan(0.0507);
    expect(binomialTwoSidedP(499_020, 1_000_000, 0.5)).toBeCloseTo(p, 12);
  });

  test("is symmetric at p = 1/2, within 0..1, and falls as k moves away from the mean", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (n, position, p) => {
          const k = Math.round(position * n);
          const value = binomialTwoSidedP(k, n, p);
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
          expect(binomialTwoSidedP(n - k, n, 0.5)).toBeCloseTo(binomialTwoSidedP(k, n, 0.5), 9);
          const away = k < n * p ? k - 1 : k + 1;
          if (away >= 0 && away <= n) expect(binomialTwoSidedP(away, n, p)).toBeLessThanOrEqual(value * (1 + 1e-9));
        },
      ),
      fuzzParameters(150),
    );
  });
});

describe("poissonExactTest and poissonAcceptance", () => {
  test("two counts are a binomial given their total, as R's poisson.test", () => {
    // poisson.test(c(7, 3)) = binom.test(7, 10, 1/2): 0.34375.
    expect(poissonExactTest(7, 3).pValue).toBeCloseTo(0.34375, 12);
    expect(poissonExactTest(3, 7).pValue).toBeCloseTo(0.34375, 12);
    expect(poissonExactTest(0, 0).pValue).toBe(1);
    // 3 events now over 1 unit against none over 3 units: Binomial(3, 1/4) at 3, P = 1/64;
    // P(0) = P(1) = 27/64 and P(2) = 9/64 are all more likely, so p = 1/64.
    expect(poissonExactTest(3, 0, 1, 3).pValue).toBeCloseTo(1 / 64, 12);
    // Only the ratio of the exposures matters.
    expect(poissonExactTest(30, 12, 2, 5).pValue).toBeCloseTo(poissonExactTest(30, 12, 4, 10).pValue, 12);
    expect(() => poissonExactTest(1, 2, 0, 1)).toThrow(RangeError);
    expect(() => poissonExactTest(-1, 2)).toThrow(RangeError);
  });

  test("the acceptance range of 3 earlier events is 0 to 11", () => {
    // 11 against 3: binom.test(11, 14): (C(14,11) + C(14,12) + C(14,13) + 1) / 2^14
    //   = (364 + 91 + 14 + 1) / 16384 = 0.02869, doubled 0.0574 >= 0.05: noise.
    // 12 against 3: (455 + 105 + 15 + 1) / 2^15 = 0.01758, doubled 0.0352: a signal.
    // 0 against 3: 2 / 2^3 = 0.25: noise.
    expect(poissonAcceptance(3)).toEqual({ low: 0, high: 11 });
    expect(poissonExactTest(11, 3).pValue).toBeCloseTo((2 * 470) / 16384, 12);
    expect(poissonExactTest(12, 3).pValue).toBeCloseTo((2 * 576) / 32768, 12);
  });

  test("every count outside the acceptance range is significant", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (before, ratio) => {
          const range = poissonAcceptance(before, ratio, 1);
          // Past high + 3 * ratio the p-value only falls (the other side is then empty or fixed).
          for (let now = 0; now <= range.high + 3 * ratio + 5; now++) {
            const noise = poissonExactTest(now, before, ratio, 1).pValue >= 0.05;
            if (noise) expect(now >= range.low && now <= range.high, `now ${now}`).toBe(true);
          }
          expect(poissonExactTest(range.low, before, ratio, 1).pValue).toBeGreaterThanOrEqual(0.05);
          expect(poissonExactTest(range.high, before, ratio, 1).pValue).toBeGreaterThanOrEqual(0.05);
        },
      ),
      fuzzParameters(40),
    );
  });

  test("with equal exposures the acceptance range is exactly the counts that are noise", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        (before, exposure) => {
          const range = poissonAcceptance(before, exposure, exposure);
          for (let now = Math.max(0, range.low - 3); now <= range.high + 3; now++) {
            const noise = poissonExactTest(now, before).pValue >= 0.05;
            expect(noise, `now ${now}`).toBe(now >= range.low && now <= range.high);
          }
        },
      ),
      fuzzParameters(40),
    );
  });

  test("with unequal exposures the p-value wiggles: 5 events before over 0.2 units", () => {
    // Now over 25 units (25 times the exposure): the expected count now is 125. The exact
    // test's p-value dips below 0.05 at 288 to 295 and comes back above it at 296 to 299
    // (the other side of the binomial moves in steps of about 25 counts), so the range runs
    // to 299: every count outside it is significant, a few inside it are too.
    const range = poissonAcceptance(5, 5, 0.2);
    expect(poissonExactTest(range.high, 5, 5, 0.2).pValue).toBeGreaterThanOrEqual(0.05);
    expect(poissonExactTest(range.high + 1, 5, 5, 0.2).pValue).toBeLessThan(0.05);
    const inside = Array.from({ length: range.high - range.low + 1 }, (_, i) => range.low + i);
    expect(inside.some((now) => poissonExactTest(now, 5, 5, 0.2).pValue < 0.05)).toBe(true);
  });

  test("works for counts in the millions", () => {
    // sd of the difference ~ sqrt(2 * 10^6) = 1414, so the range is about 10^6 +/- 2772.
    const range = poissonAcceptance(1_000_000);
    expect(range.high - 1_000_000).toBeGreaterThan(2700);
    expect(range.high - 1_000_000).toBeLessThan(2850);
    expect(poissonExactTest(range.high, 1_000_000).pValue).toBeGreaterThanOrEqual(0.05);
    expect(poissonExactTest(range.high + 1, 1_000_000).pValue).toBeLessThan(0.05);
    expect(poissonExactTest(range.low - 1, 1_000_000).pValue).toBeLessThan(0.05);
  });
});

describe("newcombeDifference and rateAcceptance", () => {
  test("matches Newcombe 1998 (difference of proportions, table II, method 10)", () => {
    // Newcombe, "Interval estimation for the difference between independent proportions",
    // Statistics in Medicine 17 (1998), table II, hybrid score method without continuity correction.
    const cases: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.0524, 0.3339],
      [9, 10, 3, 10, 0.1705, 0.809],
      [5, 56, 0, 29, -0.0381, 0.1926],
      [0, 10, 0, 20, -0.1611, 0.2775],
      [0, 10, 0, 10, -0.2775, 0.2775],
      [10, 10, 0, 20, 0.6791, 1],
      [10, 10, 0, 10, 0.6075, 1],
    ];
    for (const [s1, n1, s0, n0, low, high] of cases) {
      const interval = newcombeDifference(s1, n1, s0, n0);
      expect(interval?.low, `${s1}/${n1} - ${s0}/${n0}`).toBeCloseTo(low, 4);
      expect(interval?.high, `${s1}/${n1} - ${s0}/${n0}`).toBeCloseTo(high, 4);
    }
    expect(newcombeDifference(1, 0, 1, 2)).toBeNull();
    expect(newcombeDifference(1, 2, 0, 0)).toBeNull();
  });

  test("swapping the two rates mirrors the interval", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        fc.nat(),
        fc.nat(),
        (n1, n0, a, b) => {
          const s1 = a % (n1 + 1);
          const s0 = b % (n0 + 1);
          const forward = newcombeDifference(s1, n1, s0, n0);
          const backward = newcombeDifference(s0, n0, s1, n1);
          expect(forward?.low).toBeCloseTo(-(backward?.high as number), 12);
          expect(forward?.high).toBeCloseTo(-(backward?.low as number), 12);
          expect(forward?.low).toBeLessThanOrEqual(s1 / n1 - s0 / n0);
          expect(forward?.high).toBeGreaterThanOrEqual(s1 / n1 - s0 / n0);
        },
      ),
      fuzzParameters(200),
    );
  });

  test("the acceptance range is exactly the rates whose interval of the difference includes 0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.nat(), (n0, n1, a) => {
        const s0 = a % (n0 + 1);
        const range = rateAcceptance(s0, n0, n1);
        for (let s1 = 0; s1 <= n1; s1++) {
          const interval = newcombeDifference(s1, n1, s0, n0);
          const noise = (interval?.low as number) <= 0 && (interval?.high as number) >= 0;
          const inside = s1 / n1 >= (range?.low as number) && s1 / n1 <= (range?.high as number);
          expect(noise, `${s1}/${n1} against ${s0}/${n0}`).toBe(inside);
        }
      }),
      fuzzParameters(60),
    );
    expect(rateAcceptance(1, 0, 5)).toBeNull();
  });
});

describe("medianIntervalRanks", () => {
  test("gives the order statistics of the 95% interval", () => {
    // n = 100: 50 - 1.96 * 10 / 2 = 40.2 -> 40; 1 + 50 + 9.8 = 60.8 -> 61.
    expect(medianIntervalRanks(100)).toEqual({ lower: 40, upper: 61 });
    // n = 6: 3 - 1.96 * 2.449 / 2 = 0.6 -> 0, clipped to 1; 1 + 3 + 2.4 = 6.4 -> 7, clipped to 6.
    expect(medianIntervalRanks(6)).toEqual({ lower: 1, upper: 6 });
    // n = 25: 12.5 - 4.9 = 7.6 -> 7; 1 + 12.5 + 4.9 = 18.4 -> 19.
    expect(medianIntervalRanks(25)).toEqual({ lower: 7, upper: 19 });
    expect(medianIntervalRanks(5)).toBeNull();
  });

  test("ranks stay within 1..n and around the median", () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 1_000_000 }), (n) => {
        const ranks = medianIntervalRanks(n);
        expect(ranks?.lower).toBeGreaterThanOrEqual(1);
        expect(ranks?.upper).toBeLessThanOrEqual(n);
        expect(ranks?.lower).toBeLessThanOrEqual(Math.floor(n / 2));
        expect(ranks?.upper).toBeGreaterThanOrEqual(Math.ceil(n / 2) + 1);
      }),
      fuzzParameters(200),
    );
  });
});

describe("xmrLimits", () => {
  test("natural process limits worked by hand", () => {
    // 10, 12, 9, 11, 13, 10: mean 65 / 6 = 10.8333; moving ranges 2, 3, 2, 2, 3, mean 2.4;
    // limits 10.8333 -/+ 2.66 * 2.4 = 6.384: 4.4493 and 17.2173.
    const limits = xmrLimits([10, 12, 9, 11, 13, 10]);
    expect(limits?.periods).toBe(6);
    expect(limits?.centre).toBeCloseTo(10.8333, 4);
    expect(limits?.movingRange).toBeCloseTo(2.4, 12);
    expect(limits?.low).toBeCloseTo(4.4493, 4);
    expect(limits?.high).toBeCloseTo(17.2173, 4);
    // A flat series has no spread: the limits close on the value.
    expect(xmrLimits([5, 5, 5])).toMatchObject({ low: 5, high: 5 });
    expect(xmrLimits([5])).toBeNull();
  });
});

describe("normalUpperTail and compoundPoissonTest", () => {
  test("normal tail at known points", () => {
    expect(normalUpperTail(1.959963984540054)).toBeCloseTo(0.025, 7);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(-1)).toBeCloseTo(0.841344746, 7);
    // Q(5) = 2.8665157e-7 (Abramowitz and Stegun 26.2); the approximation is relative 1.2e-7.
    expect(Math.abs(normalUpperTail(5) / 2.8665157e-7 - 1)).toBeLessThan(2e-7);
  });

  test("two sums of amounts, worked by hand", () => {
    // Now 5 deals of 1000 (sum 5000, squares 5e6), before 1 of 1000 (1000, 1e6):
    // sd = sqrt(6e6) = 2449.49, z = 4000 / 2449.49 = 1.633, p = 2 Q(1.633) = 0.1025.
    // Acceptance 1000 -/+ 1.96 * 2449.49 = 1000 -/+ 4800.9: 0 (not below) to 5800.9.
    const test = compoundPoissonTest(5000, 5e6, 1000, 1e6);
    expect(test.z).toBeCloseTo(1.63299, 5);
    expect(test.pValue).toBeCloseTo(0.1025, 4);
    expect(test.acceptance.low).toBe(0);
    expect(test.acceptance.high).toBeCloseTo(5800.91, 2);
    expect(compoundPoissonTest(0, 0, 0, 0).pValue).toBe(1);
  });

  test("a sum is significant exactly when it is outside the acceptance range", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 30 }),
        (now, before) => {
          const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
          const squares = (xs: number[]) => xs.reduce((a, b) => a + b * b, 0);
          const test = compoundPoissonTest(sum(now), squares(now), sum(before), squares(before));
          const inside = sum(now) >= test.acceptance.low && sum(now) <= test.acceptance.high;
          expect(test.pValue >= 0.05).toBe(inside);
        },
      ),
      fuzzParameters(300),
    );
  });
});

describe("clusteredPoissonTest (quasi-Poisson: counts that come in clusters)", () => {
  test("10 posts of 1,000 impressions against 10 of 950: noise, where the plain Poisson test cries signal", () => {
    // Squares 10 x 1,000² = 10,000,000 and 10 x 950² = 9,025,000; pooled dispersion
    // 19,025,000 / 19,500 = 975.64 (the impressions per post, in effect). Effective counts
    // 10,000 / 975.64 = 10.25 -> 10 and 9,500 / 975.64 = 9.74 -> 10: poisson.test(c(10, 10)), p = 1.
    const test = clusteredPoissonTest({ n: 10_000, sumOfSquares: 10_000_000 }, { n: 9500, sumOfSquares: 9_025_000 });
    expect(test.dispersion).toBeCloseTo(975.641, 3);
    expect([test.effectiveNow, test.effectiveBefore]).toEqual([10, 10]);
    expect(test.pValue).toBe(1);
    // As 10,000 independent events against 9,500 the same change is "significant".
    expect(poissonExactTest(10_000, 9500).pValue).toBeLessThan(0.001);
    // Accepted: the effective counts 3 to 22 against 10 (poissonAcceptance(10)), each widened
    // by the half count that rounds into it: 975.64 x 2.5 = 2,439.1 to 975.64 x 22.5 = 21,951.9.
    expect(poissonAcceptance(10)).toEqual({ low: 3, high: 22 });
    expect(test.acceptance.low).toBeCloseTo(2439.1, 1);
    expect(test.acceptance.high).toBeCloseTo(21_951.9, 1);
  });

  test("10 posts of 1,000 against 30: a signal, as 10 events against 30", () => {
    // Dispersion 40,000,000 / 40,000 = 1,000; effective 10 and 30: binom.test(10, 40), p = 0.00222.
    const test = clusteredPoissonTest({ n: 10_000, sumOfSquares: 10_000_000 }, { n: 30_000, sumOfSquares: 30_000_000 });
    expect(test.dispersion).toBe(1000);
    expect(test.pValue).toBeCloseTo(poissonExactTest(10, 30).pValue, 12);
    expect(test.pValue).toBeCloseTo(0.002221, 6);
    expect(test.acceptance.low).toBeGreaterThan(10_000);
  });

  test("per exposure: shares per post, 30 shares on 10 posts against 60 on 10, in clusters of 3", () => {
    // Squares 10 x 9 and 20 x 9; dispersion 270 / 90 = 3; effective 10 and 20 shares over the
    // 10 posts of each period: poisson.test(c(10, 20), c(10, 10)) = binom.test(10, 30), p = 2 x 0.049369 = 0.098737.
    const test = clusteredPoissonTest({ n: 30, sumOfSquares: 90 }, { n: 60, sumOfSquares: 180 }, 10, 10);
    expect(test.dispersion).toBe(3);
    expect(test.pValue).toBeCloseTo(0.098737, 6);
    // The same shares as independent events: 30 against 60 is a signal (p = 0.0027).
    expect(poissonExactTest(30, 60, 10, 10).pValue).toBeLessThan(0.01);
  });

  test("clusters of one event are the plain exact Poisson test", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (now, before, exposureNow, exposureBefore) => {
          const test = clusteredPoissonTest(
            { n: now, sumOfSquares: now },
            { n: before, sumOfSquares: before },
            exposureNow,
            exposureBefore,
          );
          expect(test.dispersion).toBe(1);
          expect(test.pValue).toBe(poissonExactTest(now, before, exposureNow, exposureBefore).pValue);
          expect(test.acceptance).toEqual(poissonAcceptance(before, exposureNow, exposureBefore));
        },
      ),
      fuzzParameters(100),
    );
  });

  test("nearly all clusters of one: within a few hundredths of the plain test", () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 5000 }), fc.integer({ min: 50, max: 5000 }), (now, before) => {
        // One cluster of 2 in each period: dispersion just above 1.
        const test = clusteredPoissonTest({ n: now, sumOfSquares: now + 2 }, { n: before, sumOfSquares: before + 2 });
        expect(Math.abs(test.pValue - poissonExactTest(now, before).pValue)).toBeLessThan(0.03);
      }),
      fuzzParameters(100),
    );
  });

  test("clusters of one size s: a count is significant exactly when outside the acceptance range", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 400 }),
        (size, before, now) => {
          // The pooled dispersion is s whatever the counts: the range's premise holds exactly.
          const test = clusteredPoissonTest(
            { n: now * size, sumOfSquares: now * size * size },
            { n: before * size, sumOfSquares: before * size * size },
          );
          const inside = now * size >= test.acceptance.low && now * size <= test.acceptance.high;
          expect(test.pValue >= 0.05, `${now} against ${before} of ${size}`).toBe(inside);
        },
      ),
      fuzzParameters(300),
    );
  });

  test("squares below the count are no clusters; no events at all is p = 1", () => {
    expect(() => clusteredPoissonTest({ n: 10, sumOfSquares: 9 }, { n: 1, sumOfSquares: 1 })).toThrow(RangeError);
    expect(clusteredPoissonTest({ n: 0, sumOfSquares: 0 }, { n: 0, sumOfSquares: 0 }).pValue).toBe(1);
  });
});

/** The simulator's seeded generator (src/simulate/random.ts): one seed, one run. */
function seeded(seed: number): () => number {
  const rng = new Random(seed, "null-simulation");
  return () => rng.next();
}

function poissonDraw(random: () => number, mean: number): number {
  // Knuth's product of uniforms: fine for the means here (up to 100).
  const limit = Math.exp(-mean);
  let k = 0;
  for (let product = random(); product > limit; product *= random()) k++;
  return k;
}

describe("null simulations: with no change, at most about 5% is called significant", () => {
  // 4,000 pairs per setting: the standard error of a 5% rate is 0.34 points, so each bound
  // below is 3 or more standard errors above what the test is known to reach.
  const pairs = 4000;

  test("the exact Poisson test is conservative", () => {
    const random = seeded(fuzzSeed());
    for (const mean of [2, 20, 100]) {
      let significant = 0;
      for (let i = 0; i < pairs; i++) {
        if (poissonExactTest(poissonDraw(random, mean), poissonDraw(random, mean)).pValue < 0.05) significant++;
      }
      expect(significant / pairs, `mean ${mean}`).toBeLessThanOrEqual(0.055);
    }
  });

  test("Newcombe's interval excludes 0 about 5% of the time", () => {
    const random = seeded(fuzzSeed() + 1);
    const draw = (n: number, p: number) => Array.from({ length: n }, () => random() < p).filter(Boolean).length;
    for (const [n, p] of [
      [10, 0.3],
      [50, 0.5],
      [200, 0.05],
    ] as const) {
      let significant = 0;
      for (let i = 0; i < pairs; i++) {
        const interval = newcombeDifference(draw(n, p), n, draw(n, p), n) as { low: number; high: number };
        if (interval.low > 0 || interval.high < 0) significant++;
      }
      expect(significant / pairs, `${n} at ${p}`).toBeLessThanOrEqual(0.07);
    }
  });

  test("the quasi-Poisson test of clustered counts: posts of lognormal impressions, leads' runs of activities", () => {
    const random = seeded(fuzzSeed() + 3);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const sizes = {
      // Impressions per post: about 100, some posts ten times that.
      lognormal: () => Math.max(1, Math.round(100 * Math.exp(normal()))),
      // Activities per lead: 1, 2, 3, ... with mean 3.
      geometric: () => {
        let k = 1;
        while (random() < 2 / 3) k++;
        return k;
      },
    };
    for (const [name, size] of Object.entries(sizes)) {
      for (const mean of [3, 20, 100]) {
        const period = () => {
          let n = 0;
          let sumOfSquares = 0;
          for (let c = poissonDraw(random, mean); c > 0; c--) {
            const x = size();
            n += x;
            sumOfSquares += x * x;
          }
          return { n, sumOfSquares };
        };
        let significant = 0;
        let plain = 0;
        for (let i = 0; i < pairs; i++) {
          const now = period();
          const before = period();
          if (clusteredPoissonTest(now, before).pValue < 0.05) significant++;
          if (poissonExactTest(now.n, before.n).pValue < 0.05) plain++;
        }
        expect(significant / pairs, `${name}, ${mean} clusters`).toBeLessThanOrEqual(0.06);
        // Read as independent events the same counts are "significant" far more often.
        if (mean >= 20) expect(plain / pairs, `${name}, ${mean} clusters, plain`).toBeGreaterThan(0.2);
      }
    }
  });

  test("the compound Poisson test of sums of lognormal amounts", () => {
    const random = seeded(fuzzSeed() + 2);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const period = (mean: number) => {
      let sum = 0;
      let squares = 0;
      for (let n = poissonDraw(random, mean); n > 0; n--) {
        const amount = 1000 * Math.exp(normal());
        sum += amount;
        squares += amount * amount;
      }
      return [sum, squares] as const;
    };
    for (const mean of [2, 10, 50]) {
      let significant = 0;
      for (let i = 0; i < pairs; i++) {
        const [now, nowSquares] = period(mean);
        const [before, beforeSquares] = period(mean);
        if (compoundPoissonTest(now, nowSquares, before, beforeSquares).pValue < 0.05) significant++;
      }
      expect(significant / pairs, `mean ${mean}`).toBeLessThanOrEqual(0.065);
    }
  });
});

describe("mannWhitney (one-sided: the first sample tends higher)", () => {
  test("a small example with a tie, by hand", () => {
    // a = 3 5 5 8 9, b = 1 2 4 5. Union ranked: 1 2 3 4 | 5 5 5 share ranks 5..7 -> 6 | 8 9.
    // Rank sum of a = 3 + 6 + 6 + 8 + 9 = 32; U = 32 - 5 * 6 / 2 = 17 (pairs a > b: 2 + 3.5 +
    // 3.5 + 4 + 4). Ties: one group of 3 -> 27 - 3 = 24. sigma^2 = 20 / 12 (10 - 24 / 72) =
    // 16.1111; z = (17 - 10 - 0.5) / 4.01386 = 1.61939; p = P(Z > z) = 0.052682 (SciPy's
    // mannwhitneyu(a, b, alternative="greater", method="asymptotic") gives 0.0526820).
    const test = mannWhitney([3, 5, 5, 8, 9], [1, 2, 4, 5]);
    expect(test?.u).toBe(17);
    expect(test?.z).toBeCloseTo(1.61939, 5);
    expect(test?.pValue).toBeCloseTo(0.052682, 6);
    // From the sums SQL gives, the same.
    expect(rankSumTest(32, 5, 4, 24)).toEqual(test);
    // The other way round: U = 20 - 17 = 3, and the p-value is large.
    expect(mannWhitney([1, 2, 4, 5], [3, 5, 5, 8, 9])).toMatchObject({ u: 3 });
    expect(mannWhitney([1, 2, 4, 5], [3, 5, 5, 8, 9])?.pValue).toBeGreaterThan(0.9);
  });

  test("six against six, apart and overlapping (velocity.test.ts's reps ann and bob)", () => {
    // Apart: a holds ranks 7..12, sum 57, U = 36 = 6 x 6 (every pair); sigma^2 = 36 x 13 / 12
    // = 39; z = (36 - 18 - 0.5) / 6.245 = 2.8022; p = 0.0025374 (SciPy 0.0025374).
    const apart = mannWhitney([40, 41, 42, 43, 44, 45], [10, 11, 12, 13, 14, 15]);
    expect(apart?.u).toBe(36);
    expect(apart?.pValue).toBeCloseTo(0.0025374, 7);
    // Overlapping: 12..15 tied across the samples (4 groups of 2, ties 24), a's ranks 3.5 5.5
    // 7.5 9.5 11 12 sum 49, U = 28; sigma^2 = 3 (13 - 24 / 132) = 38.4545; z = 9.5 / 6.2012 =
    // 1.53197; p = 0.062765 (SciPy 0.0627651): not at 5%.
    const overlapping = mannWhitney([12, 13, 14, 15, 16, 17], [10, 11, 12, 13, 14, 15]);
    expect(overlapping?.u).toBe(28);
    expect(overlapping?.z).toBeCloseTo(1.53197, 5);
    expect(overlapping?.pValue).toBeCloseTo(0.0627651, 7);
  });

  test("every value tied: nothing to tell apart; an empty sample: no test", () => {
    expect(mannWhitney([1, 1, 1], [1, 1])).toEqual({ u: 3, z: null, pValue: 1 });
    expect(mannWhitney([], [1, 2])).toBeNull();
    expect(mannWhitney([1, 2], [])).toBeNull();
  });

  test("U counts the pairs where a is higher (ties a half), and U(a, b) + U(b, a) = nA nB", () => {
    const sample = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 25 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        let pairs = 0;
        for (const x of a) for (const y of b) pairs += x > y ? 1 : x === y ? 0.5 : 0;
        const ab = mannWhitney(a, b);
        const ba = mannWhitney(b, a);
        expect(ab?.u).toBe(pairs);
        expect((ab?.u ?? 0) + (ba?.u ?? 0)).toBe(a.length * b.length);
        expect(ab?.pValue).toBeGreaterThan(0);
        expect(ab?.pValue).toBeLessThanOrEqual(1);
      }),
      fuzzParameters(200),
    );
  });

  test("no difference: at most about 5% of pairs of samples of 6 to 60 called at 5%", () => {
    const random = seeded(fuzzSeed() + 3);
    // Whole days, so ties are common, as in days to close.
    const draw = (n: number) => Array.from({ length: n }, () => Math.floor(-30 * Math.log(1 - random())));
    for (const [nA, nB] of [
      [6, 6],
      [6, 40],
      [35, 52],
      [60, 60],
    ] as const) {
      let significant = 0;
      for (let i = 0; i < 2000; i++) if ((mannWhitney(draw(nA), draw(nB))?.pValue ?? 1) < 0.05) significant++;
      expect(significant / 2000, `${nA} vs ${nB}`).toBeLessThanOrEqual(0.065);
    }
  });

  test("a shift like the planted holder reps' is found far more often than by median intervals apart", () => {
    // Days to lose exponential with mean 80 (52 leads) against days to win with mean 50 (35):
    // the test finds about 57% at 5% (SciPy, 2,000 draws); the 95% intervals of the two
    // medians lie apart in about 3.5%.
    const random = seeded(fuzzSeed() + 4);
    const draw = (n: number, mean: number) => Array.from({ length: n }, () => -mean * Math.log(1 - random()));
    const interval = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      const ranks = medianIntervalRanks(sorted.length);
      if (!ranks) throw new Error("too few values");
      return { low: sorted[ranks.lower - 1] as number, high: sorted[ranks.upper - 1] as number };
    };
    let found = 0;
    let apart = 0;
    for (let i = 0; i < 500; i++) {
      const lost = draw(52, 80);
      const won = draw(35, 50);
      if ((mannWhitney(lost, won)?.pValue ?? 1) < 0.05) found++;
      if (interval(lost).low > interval(won).high) apart++;
    }
    expect(found / 500).toBeGreaterThan(0.4);
    expect(apart / 500).toBeLessThan(0.15);
  });
});
