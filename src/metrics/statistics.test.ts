import { describe, expect, test } from "vitest";
import { credibleDifference, median, quantile, wilsonInterval } from "./statistics.js";

describe("wilsonInterval", () => {
  test("matches the textbook interval for 8 of 10", () => {
    // p = 0.8, n = 10, z = 1.96: centre = (0.8 + 0.19208) / 1.38415 = 0.71677,
    // half = 1.96 * sqrt(0.016 + 0.0096040) / 1.38415 = 0.22658 -> [0.4902, 0.9433].
    const interval = wilsonInterval(8, 10);
    expect(interval?.low).toBeCloseTo(0.4902, 4);
    expect(interval?.high).toBeCloseTo(0.9433, 4);
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
