import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fuzzParameters, fuzzSeed } from "../../test/support/fuzz.js";
import type { Evidence } from "../metrics/metric.js";
import { poissonExactTest } from "../metrics/statistics.js";
import { Random } from "../simulate/random.js";
import { type Figure, judgeChange } from "./signal.js";

const count = (n: number): Figure => ({ value: n, evidence: { kind: "count", n } });
const rate = (successes: number, trials: number): Figure => ({
  value: successes / trials,
  evidence: { kind: "rate", successes, trials },
});

/** The simulator's seeded generator (src/simulate/random.ts): one seed, one run. */
function seeded(seed: number): () => number {
  const rng = new Random(seed, "null-simulation");
  return () => rng.next();
}

/** Knuth's product of uniforms: fine for means up to a few hundred. */
function poissonDraw(random: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let product = random(); product > limit; product *= random()) k++;
  return k;
}

describe("count changes (Poisson)", () => {
  test("3 becoming 7 is not a signal", () => {
    // poisson.test(c(7, 3)) = binom.test(7, 10, 1/2): p = 2 * 176 / 1024 = 0.34375.
    // Noise against 3: 0 to 11 (11 has p = 0.0574, 12 has p = 0.0352; statistics.test.ts).
    const judgement = judgeChange({ now: count(7), before: count(3), history: [] });
    expect(judgement).toEqual({
      movement: "within",
      signal: false,
      sampling: { method: "poisson", passed: false, pValue: expect.closeTo(0.34375, 10), interval: null },
      variation: null,
      normalRange: { low: 0, high: 11 },
      reason: "not beyond sampling noise (p = 0.34)",
    });
  });

  test("11 becoming 6 is not a signal; 100 becoming 160 is", () => {
    // binom.test(6, 17): 2 * 21778 / 2^17 = 0.3323.
    const fell = judgeChange({ now: count(6), before: count(11), history: [] });
    expect(fell.movement).toBe("within");
    expect(fell.sampling.pValue).toBeCloseTo(0.3323, 4);
    expect(fell.reason).toBe("not beyond sampling noise (p = 0.33)");
    // binom.test(160, 260): z = (160 - 130) / sqrt(65) = 3.72, exact p = 0.000239.
    const rose = judgeChange({ now: count(160), before: count(100), history: [] });
    expect(rose.movement).toBe("up");
    expect(rose.signal).toBe(true);
    expect(rose.sampling.pValue).toBeCloseTo(0.000239, 6);
    expect(rose.reason).toBeNull();
    // The range that would not have counted against 100 is 74 to 130 (binom.test(131, 231)
    // has p = 0.048, binom.test(130, 230) p = 0.055).
    expect(rose.normalRange).toEqual({ low: 74, high: 130 });
    expect(poissonExactTest(130, 100).pValue).toBeGreaterThanOrEqual(0.05);
    expect(poissonExactTest(131, 100).pValue).toBeLessThan(0.05);
  });

  test("swapping now and before flips up and down", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (a, b) => {
        const forward = judgeChange({ now: count(a), before: count(b), history: [] });
        const backward = judgeChange({ now: count(b), before: count(a), history: [] });
        expect(backward.signal).toBe(forward.signal);
        const flipped = { up: "down", down: "up", within: "within" } as const;
        expect(backward.movement).toBe(flipped[forward.movement as "up" | "down" | "within"]);
      }),
      fuzzParameters(200),
    );
  });

  test("a count inside the normal range is never a signal, one outside it always is", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 20_000 }), (a, b) => {
        const judgement = judgeChange({ now: count(a), before: count(b), history: [] });
        const range = judgement.normalRange as { low: number; high: number };
        const inside = a >= range.low && a <= range.high;
        expect(judgement.signal).toBe(!inside);
        // Just outside on either side (same before): a signal in that direction.
        const above = judgeChange({ now: count(range.high + 1), before: count(b), history: [] });
        expect(above.movement).toBe("up");
        if (range.low > 0) {
          expect(judgeChange({ now: count(range.low - 1), before: count(b), history: [] }).movement).toBe("down");
        }
      }),
      fuzzParameters(150),
    );
  });

  test("with history too, a count is a signal exactly when it is outside the normal range", () => {
    // The range is the hull of the Poisson range (around before) and the XmR limits: a value
    // in a gap between them is above one and below the other, so one test points the other way.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 400 }), { freq: 5 }), { minLength: 6, maxLength: 12 }),
        (a, b, history) => {
          const judgement = judgeChange({ now: count(a), before: count(b), history });
          const range = judgement.normalRange as { low: number; high: number };
          expect(judgement.signal).toBe(a !== b && (a < range.low || a > range.high));
        },
      ),
      fuzzParameters(200),
    );
  });

  test("scaling the counts up never widens the relative band and in the end makes the same change a signal", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }), (a, b) => {
        fc.pre(a !== b);
        let width = Number.POSITIVE_INFINITY;
        let signal = false;
        for (let scale = 1; scale <= 1_000_000 && !signal; scale *= 2) {
          const judgement = judgeChange({ now: count(a * scale), before: count(b * scale), history: [] });
          const range = judgement.normalRange as { low: number; high: number };
          const relative = (range.high - range.low) / (b * scale);
          expect(relative).toBeLessThanOrEqual(width);
          width = relative;
          signal = judgement.signal;
          if (signal) expect(judgement.movement).toBe(a > b ? "up" : "down");
        }
        expect(signal).toBe(true);
      }),
      fuzzParameters(100),
    );
  });

  test("events per unit of exposure: the counts over their exposures", () => {
    // 30 shares over 10 posts against 12 over 10 posts: binom.test(30, 42, 1/2), p = 0.0079
    // (P(X >= 30) = 0.00396 for Binomial(42, 1/2)). Against 40 over 2 posts the rate before
    // was 20 per post and now 3: the exposures make it a fall (binom.test(30, 70, 10/12)).
    const per = (events: number, exposure: number): Figure => ({
      value: events / exposure,
      evidence: { kind: "per", events, exposure },
    });
    const rose = judgeChange({ now: per(30, 10), before: per(12, 10), history: [] });
    expect(rose.movement).toBe("up");
    expect(rose.sampling.pValue).toBeCloseTo(0.008, 3);
    const fell = judgeChange({ now: per(30, 10), before: per(40, 2), history: [] });
    expect(fell.movement).toBe("down");
    // The normal range is in shares per post: 1.2 per post before, times 10 posts now.
    expect(rose.normalRange?.low).toBeLessThan(1.2);
    expect(rose.normalRange?.high).toBeGreaterThan(1.2);
    expect(rose.normalRange?.high).toBeLessThan(3);
  });
});

describe("clustered counts (quasi-Poisson)", () => {
  const posts = (count: number, size: number): Figure => ({
    value: count * size,
    evidence: { kind: "count", n: count * size, clusters: count, sumOfSquares: count * size * size },
  });

  test("10 posts of 1,000 impressions against 10 of 950 is not a signal; as independent impressions it would be", () => {
    // Dispersion 19,025,000 / 19,500 = 975.64; effective counts 10 and 10: p = 1
    // (statistics.test.ts). The normal range is 975.64 x 2.5 to 975.64 x 22.5.
    const judgement = judgeChange({ now: posts(10, 1000), before: posts(10, 950), history: [] });
    expect(judgement).toMatchObject({
      movement: "within",
      signal: false,
      sampling: { method: "quasi-poisson", passed: false, pValue: 1, interval: null },
      reason: "not beyond sampling noise (p = 1.00)",
    });
    expect(judgement.normalRange?.low).toBeCloseTo(2439.1, 1);
    expect(judgement.normalRange?.high).toBeCloseTo(21_951.9, 1);
    // Without the clusters: 10,000 against 9,500 is p = 0.00035.
    const plain = judgeChange({ now: count(10_000), before: count(9500), history: [] });
    expect(plain.signal).toBe(true);
    expect(plain.sampling.method).toBe("poisson");
  });

  test("10 posts of 1,000 against 30 is a signal (as 10 events against 30), down", () => {
    const judgement = judgeChange({ now: posts(10, 1000), before: posts(30, 1000), history: [] });
    expect(judgement.movement).toBe("down");
    expect(judgement.sampling.pValue).toBeCloseTo(poissonExactTest(10, 30).pValue, 12);
    // The change clears the range (15,500 to 48,500) on the side it moved to.
    expect(judgement.normalRange).toEqual({ low: 15_500, high: 48_500 });
  });

  test("shares per post clustered by post: 30 on 10 posts against 60 on 10 in threes is noise", () => {
    const shares = (events: number, exposure: number, size: number): Figure => ({
      value: events / exposure,
      evidence: { kind: "per", events, exposure, clusters: events / size, sumOfSquares: (events / size) * size * size },
    });
    // Effective 10 and 20 shares over 10 posts each: binom.test(10, 30), p = 0.0987.
    const judgement = judgeChange({ now: shares(30, 10, 3), before: shares(60, 10, 3), history: [] });
    expect(judgement.sampling.method).toBe("quasi-poisson");
    expect(judgement.sampling.pValue).toBeCloseTo(0.098737, 6);
    expect(judgement.signal).toBe(false);
    // In shares per post: the accepted effective shares (poissonAcceptance(20) over 10 posts) x 3 / 10.
    const range = judgement.normalRange as { low: number; high: number };
    expect(range.low).toBeLessThan(3);
    expect(range.high).toBeGreaterThan(6);
    // One share per post (clusters of one) is the plain test again: 30 against 60 is a signal.
    const single = judgeChange({ now: shares(30, 10, 1), before: shares(60, 10, 1), history: [] });
    expect(single.sampling.pValue).toBeCloseTo(poissonExactTest(30, 60, 10, 10).pValue, 12);
    expect(single.signal).toBe(true);
  });

  test("clusters of one event judge as the plain Poisson count, normal range and all", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }), (now, before) => {
        const single = (n: number): Figure => ({
          value: n,
          evidence: { kind: "count", n, clusters: n, sumOfSquares: n },
        });
        const clustered = judgeChange({ now: single(now), before: single(before), history: [] });
        const plain = judgeChange({ now: count(now), before: count(before), history: [] });
        expect({ ...clustered, sampling: { ...clustered.sampling, method: "poisson" } }).toEqual(plain);
      }),
      fuzzParameters(100),
    );
  });

  test("a clustered count is a signal exactly when outside its normal range (clusters of one size)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 500 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 200 }),
        (size, before, now) => {
          const judgement = judgeChange({ now: posts(now, size), before: posts(before, size), history: [] });
          const range = judgement.normalRange as { low: number; high: number };
          const outside = now * size < range.low || now * size > range.high;
          if (now !== before) expect(judgement.signal, `${now} against ${before} posts of ${size}`).toBe(outside);
        },
      ),
      fuzzParameters(200),
    );
  });

  test("squares below the count (inconsistent evidence) are read as clusters of one, never thrown", () => {
    const odd: Figure = { value: 100, evidence: { kind: "count", n: 100, clusters: 1, sumOfSquares: 50 } };
    expect(judgeChange({ now: odd, before: count(60), history: [] }).sampling).toMatchObject({
      method: "quasi-poisson",
      pValue: poissonExactTest(100, 60).pValue,
    });
  });
});

describe("normal variation (XmR)", () => {
  // 12 earlier periods: mean 20, moving ranges all 2 -> limits 20 -/+ 5.32 = 14.68 to 25.32.
  const history = [19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21];

  test("a count that clears sampling noise but stays within the natural process limits is no signal", () => {
    // 25 against 12: binom.test(25, 37) p = 0.047 (a sampling signal), but 25 < 25.32.
    const judgement = judgeChange({ now: count(25), before: count(12), history });
    expect(judgement.sampling.passed).toBe(true);
    expect(judgement.variation).toEqual({
      periods: 12,
      centre: 20,
      low: expect.closeTo(14.68, 10),
      high: expect.closeTo(25.32, 10),
      passed: false,
    });
    expect(judgement.movement).toBe("within");
    expect(judgement.reason).toBe("within the natural process limits");
    // The normal range is the union: XmR's 14.68 to 25.32 and Poisson's around 12.
    expect(judgement.normalRange?.high).toBeCloseTo(25.32, 10);
  });

  test("a count beyond both is a signal", () => {
    // 40 against 21: binom.test(40, 61) p = 0.02; 40 > 25.32.
    const judgement = judgeChange({ now: count(40), before: count(21), history });
    expect(judgement.movement).toBe("up");
    expect(judgement.variation?.passed).toBe(true);
  });

  test("limits passed on the other side from the change do not count", () => {
    // Far below the history (an earlier collapse) but up from the period before.
    const judgement = judgeChange({ now: count(10), before: count(2), history });
    expect(judgement.sampling.passed).toBe(true); // binom.test(10, 12): p = 0.039
    expect(judgement.variation?.passed).toBe(false);
    expect(judgement.movement).toBe("within");
    expect(judgement.reason).toBe("beyond the natural process limits on the other side");
  });

  test("fewer than 6 earlier periods with data: no XmR, sampling alone", () => {
    const judgement = judgeChange({
      now: count(160),
      before: count(100),
      history: [null, 90, null, 100, 110, null, 95, 100],
    });
    expect(judgement.variation).toBeNull();
    expect(judgement.movement).toBe("up");
  });

  test("only the last 12 periods count", () => {
    // A wild 13th period back would widen the limits if it were used.
    const judgement = judgeChange({ now: count(40), before: count(21), history: [500, ...history] });
    expect(judgement.variation?.periods).toBe(12);
    expect(judgement.variation?.high).toBeCloseTo(25.32, 10);
  });

  test("a steady process is rarely called a signal, and a doubling is found", () => {
    // 2,000 simulated figures of Poisson counts with no change (12 earlier periods, the
    // figure now, the one before it the last of them): METRICS.md allows at most 5% signals.
    // The same with the figure now drawn at twice the mean: most are found.
    const random = seeded(fuzzSeed());
    for (const mean of [3, 20, 100]) {
      let steady = 0;
      let doubled = 0;
      const figures = 2000;
      for (let i = 0; i < figures; i++) {
        const earlier = Array.from({ length: 12 }, () => poissonDraw(random, mean));
        const before = count(earlier[11] as number);
        if (judgeChange({ now: count(poissonDraw(random, mean)), before, history: earlier }).signal) steady++;
        if (judgeChange({ now: count(poissonDraw(random, 2 * mean)), before, history: earlier }).movement === "up") {
          doubled++;
        }
      }
      expect(steady / figures, `mean ${mean}`).toBeLessThanOrEqual(0.05);
      // How often a doubling clears both tests (the power): about 2 in 3 from 20 events (the
      // XmR limits are about 20 +/- 13 and the count now is 40 +/- 6), always from 100.
      if (mean === 20) expect(doubled / figures).toBeGreaterThan(0.55);
      if (mean === 100) expect(doubled / figures).toBeGreaterThan(0.99);
    }
  });

  test("without evidence, history alone decides; without either nothing can be told", () => {
    const plain = (value: number): Figure => ({ value, evidence: null });
    expect(judgeChange({ now: plain(30), before: plain(20), history }).movement).toBe("up");
    expect(judgeChange({ now: plain(24), before: plain(20), history }).movement).toBe("within");
    expect(judgeChange({ now: plain(30), before: plain(20), history: [1, 2, 3] })).toEqual({
      movement: null,
      signal: false,
      sampling: { method: "none", passed: null, pValue: null, interval: null },
      variation: null,
      normalRange: null,
      reason: "too few earlier periods (3) for normal variation and no sampling model",
    });
  });
});

describe("rates, medians, sums and levels", () => {
  test("a rate is a signal when Newcombe's interval of the difference excludes 0", () => {
    // 56/70 against 48/80: the difference 0.2 has the interval 0.0524 to 0.3339 (Newcombe 1998).
    const rose = judgeChange({ now: rate(56, 70), before: rate(48, 80), history: [] });
    expect(rose.movement).toBe("up");
    expect(rose.sampling.interval?.low).toBeCloseTo(0.0524, 4);
    expect(rose.sampling.interval?.high).toBeCloseTo(0.3339, 4);
    // And the other way round: the interval is -0.3339 to -0.0524.
    expect(judgeChange({ now: rate(48, 80), before: rate(56, 70), history: [] }).movement).toBe("down");
    // 4 of 5 against 3 of 5: the interval is wide.
    const small = judgeChange({ now: rate(4, 5), before: rate(3, 5), history: [] });
    expect(small.movement).toBe("within");
    expect(small.reason).toBe("not beyond sampling noise (the 95% interval of the difference includes 0)");
    // The range is in the rate's own units, as a fraction, over the rates 5 trials can give:
    // only 0 of 5 would count. Wilson 0/5 = [0, 0.4345], 3/5 = [0.2307, 0.8824]; the high end
    // of the difference is -0.6 + sqrt(0.4345^2 + (0.6 - 0.2307)^2) = -0.6 + 0.5702 = -0.0298.
    expect(small.normalRange).toEqual({ low: 0.2, high: 1 });
    const none = judgeChange({ now: rate(0, 5), before: rate(3, 5), history: [] });
    expect(none.movement).toBe("down");
    expect(none.sampling.interval?.high).toBeCloseTo(-0.0298, 4);
  });

  test("a rate outside its normal range (no history) is a signal, inside it is not", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(),
        fc.nat(),
        (n1, n0, a, b) => {
          const s1 = a % (n1 + 1);
          const s0 = b % (n0 + 1);
          const judgement = judgeChange({ now: rate(s1, n1), before: rate(s0, n0), history: [] });
          const range = judgement.normalRange as { low: number; high: number };
          expect(judgement.signal).toBe(s1 / n1 < range.low || s1 / n1 > range.high);
        },
      ),
      fuzzParameters(200),
    );
  });

  test("medians: the two 95% intervals must not overlap", () => {
    const medianOf = (value: number, low: number | null, high: number | null, n = 40): Figure => ({
      value,
      evidence: { kind: "median", n, low, high },
    });
    const apart = judgeChange({ now: medianOf(30, 25, 36), before: medianOf(15, 11, 20), history: [] });
    expect(apart.movement).toBe("up");
    expect(apart.sampling).toEqual({
      method: "median-intervals",
      passed: true,
      pValue: null,
      interval: { low: 25, high: 36 },
    });
    // The medians now that keep the intervals overlapping, the interval now (30 - 5 to 30 + 6)
    // moved with its median: from 11 - 6 = 5 to 20 + 5 = 25.
    expect(apart.normalRange).toEqual({ low: 5, high: 25 });
    const overlapping = judgeChange({ now: medianOf(22, 18, 30), before: medianOf(15, 11, 20), history: [] });
    expect(overlapping.movement).toBe("within");
    expect(overlapping.reason).toBe("not beyond sampling noise (the medians' 95% intervals overlap)");
    // Too few values for an interval: the test cannot pass, and nothing bounds what is normal.
    const few = judgeChange({ now: medianOf(30, null, null, 4), before: medianOf(15, 11, 20), history: [] });
    expect(few.movement).toBe("within");
    expect(few.sampling.passed).toBe(false);
    expect(few.reason).toBe("too few values for a median interval");
    expect(few.normalRange).toBeNull();
  });

  test("sums of amounts: compound Poisson", () => {
    const sum = (value: number, amounts: number[]): Figure => ({
      value,
      evidence: { kind: "sum", n: amounts.length, sumOfSquares: amounts.reduce((a, b) => a + b * b, 0) },
    });
    // 5000 (5 x 1000) against 1000 (1 x 1000): z = 4000 / sqrt(6e6) = 1.633, p = 0.1025.
    const few = judgeChange({ now: sum(5000, [1000, 1000, 1000, 1000, 1000]), before: sum(1000, [1000]), history: [] });
    expect(few.movement).toBe("within");
    expect(few.sampling.pValue).toBeCloseTo(0.1025, 4);
    expect(few.normalRange?.low).toBe(0);
    expect(few.normalRange?.high).toBeCloseTo(5800.91, 2);
    // 30 x 1000 against 10 x 1000: z = 20000 / sqrt(4e7) = 3.16, p = 0.0016.
    const many = judgeChange({
      now: sum(30_000, Array(30).fill(1000)),
      before: sum(10_000, Array(10).fill(1000)),
      history: [],
    });
    expect(many.movement).toBe("up");
    expect(many.sampling.pValue).toBeCloseTo(0.00157, 4);
  });

  test("levels are judged by their gains", () => {
    const level = (n: number): Figure => ({ value: n, evidence: { kind: "level", n } });
    // Followers 1000, 1010, ..., 1070: gains of 10 a period. A gain of 40 now against 10
    // before: binom.test(40, 50) p = 0.00002; the gains' XmR limits are 10 -/+ 0 (flat),
    // so 40 is beyond both.
    const steady = [1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070];
    const jump = judgeChange({ now: level(1110), before: level(1070), history: steady });
    expect(jump.sampling.method).toBe("gain-poisson");
    expect(jump.movement).toBe("up");
    expect(jump.variation).toMatchObject({ periods: 7, centre: 1080, low: 1080, high: 1080 });
    // A gain of 14 against 10: binom.test(14, 24) p = 0.54, noise by sampling; the range is
    // in followers: the last level plus the gains that would be noise.
    const usual = judgeChange({ now: level(1084), before: level(1070), history: steady });
    expect(usual.movement).toBe("within");
    expect(usual.normalRange?.low).toBeLessThanOrEqual(1080);
    expect(usual.normalRange?.high).toBeGreaterThanOrEqual(1084);
    // A level that fell has no gain to count and too few gains in its history.
    const fell = judgeChange({ now: level(900), before: level(1000), history: [990, 1000] });
    expect(fell.movement).toBeNull();
    expect(fell.reason).toBe("too few earlier gains (1) for normal variation and no sampling model");
  });
});

describe("edges", () => {
  test("missing and equal values", () => {
    expect(judgeChange({ now: { value: null }, before: { value: null }, history: [] }).movement).toBe("within");
    const noBefore = judgeChange({ now: count(5), before: { value: null }, history: [] });
    expect(noBefore.movement).toBeNull();
    expect(noBefore.reason).toBe("no earlier value to compare");
    const same = judgeChange({ now: count(40), before: count(40), history: [] });
    expect(same.movement).toBe("within");
    expect(same.reason).toBe("no change");
    expect(same.normalRange).toEqual({ low: expect.any(Number), high: expect.any(Number) });
    // Equal without any test: still no change, not "cannot tell".
    const plainSame = judgeChange({ now: { value: 3 }, before: { value: 3 }, history: [] });
    expect(plainSame.movement).toBe("within");
    expect(plainSame.reason).toBe("no change");
  });

  test("a judgement is plain data: it survives JSON unchanged", () => {
    const evidence = fc.oneof(
      fc.integer({ min: 0, max: 500 }).map((n): Evidence => ({ kind: "count", n })),
      fc.tuple(fc.integer({ min: 1, max: 100 }), fc.nat()).map(
        ([trials, s]): Evidence => ({
          kind: "rate",
          successes: s % (trials + 1),
          trials,
        }),
      ),
    );
    fc.assert(
      fc.property(
        evidence,
        evidence,
        fc.array(fc.option(fc.integer({ min: 0, max: 500 })), { maxLength: 14 }),
        (a, b, history) => {
          const valueOfEvidence = (e: Evidence) =>
            e.kind === "count" ? e.n : e.kind === "rate" ? e.successes / e.trials : 0;
          const judgement = judgeChange({
            now: { value: valueOfEvidence(a), evidence: a },
            before: { value: valueOfEvidence(b), evidence: b },
            history,
          });
          expect(JSON.parse(JSON.stringify(judgement))).toEqual(judgement);
          expect(judgement.signal).toBe(judgement.movement === "up" || judgement.movement === "down");
          if (judgement.signal) expect(judgement.reason).toBeNull();
          else expect(judgement.reason).toEqual(expect.any(String));
        },
      ),
      fuzzParameters(200),
    );
  });
});
