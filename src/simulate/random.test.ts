import { describe, expect, it } from "vitest";
import { Random, Weighted } from "./random.js";

const draw = (rng: Random, n: number) => Array.from({ length: n }, () => rng.uint32());

describe("Random", () => {
  it("repeats itself for the same seed and stream, and differs for another seed or stream", () => {
    expect(draw(new Random(42, "leads"), 20)).toEqual(draw(new Random(42, "leads"), 20));
    expect(draw(new Random(43, "leads"), 20)).not.toEqual(draw(new Random(42, "leads"), 20));
    expect(draw(new Random(42, "visits"), 20)).not.toEqual(draw(new Random(42, "leads"), 20));
    expect(draw(new Random(-7, "x"), 5)).not.toEqual(draw(new Random(2 ** 40 - 7, "x"), 5));
  });

  it("draws uniform numbers in [0, 1) and integers in their bounds", () => {
    const rng = new Random(1, "test");
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = rng.next();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      const k = rng.intBetween(3, 5);
      if (!(k >= 3 && k <= 5 && Number.isInteger(k))) outside++;
    }
    expect(outside).toBe(0);
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
  });

  it("picks weighted indexes in proportion and keeps expected values of stochastic rounding", () => {
    const rng = new Random(2, "test");
    const weighted = new Weighted([1, 3, 0]);
    const counts = [0, 0, 0];
    let rounded = 0;
    for (let i = 0; i < 40_000; i++) {
      const k = weighted.index(rng);
      counts[k] = (counts[k] ?? 0) + 1;
      rounded += rng.roundStochastic(2.3);
    }
    expect(counts[2]).toBe(0);
    expect((counts[1] ?? 0) / (counts[0] ?? 1)).toBeGreaterThan(2.7);
    expect((counts[1] ?? 0) / (counts[0] ?? 1)).toBeLessThan(3.3);
    expect(rounded / 40_000).toBeCloseTo(2.3, 1);
  });

  it("refuses a seed that is not an integer", () => {
    expect(() => new Random(0.5, "x")).toThrow(/integer/);
  });
});
