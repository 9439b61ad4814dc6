/**
 * The verdict rules and the sentences, from movements alone (signal.test.ts tests how a
 * movement is decided; test/vanity-check.test.ts runs the whole check on simulated data).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fuzzParameters } from "../../test/support/fuzz.js";
import { findingSentence, type WordedFigure } from "./finding-words.js";
import { PAIRS, pairOf } from "./pairs.js";
import type { Judgement } from "./signal.js";
import { type Movement, verdictOf } from "./verdict.js";

const movement = fc.constantFrom<Movement>("up", "down", "within", null);
const anyPair = fc.constantFrom(...PAIRS);
const flip = (m: Movement): Movement => (m === "up" ? "down" : m === "down" ? "up" : m);

describe("verdictOf", () => {
  test("swapping the real figure's better and worse direction flips better to worse", () => {
    fc.assert(
      fc.property(anyPair, movement, movement, (pair, vanity, real) => {
        const a = verdictOf(pair, vanity, real).verdict;
        const b = verdictOf({ ...pair, better: pair.better === 1 ? -1 : 1 }, vanity, real).verdict;
        if (real === "up" || real === "down") {
          // Exactly one of the two readings is worse; the other is better (or, for money
          // falling, mixed).
          expect([a, b].filter((v) => v === "diverging")).toHaveLength(1);
          expect([a, b].some((v) => v === "improving" || (pair.vanityFallIsBad && v === "aligned"))).toBe(true);
        } else expect(a).toBe(b);
      }),
      fuzzParameters(200),
    );
  });

  test("a diverging verdict needs a signal in at least one of the two figures", () => {
    fc.assert(
      fc.property(anyPair, movement, movement, (pair, vanity, real) => {
        const { verdict } = verdictOf(pair, vanity, real);
        const signal = [vanity, real].some((m) => m === "up" || m === "down");
        if (!signal) expect(verdict).toBe("noise");
        if (verdict === "diverging" || verdict === "improving") expect(signal).toBe(true);
      }),
      fuzzParameters(200),
    );
  });

  test("money falling is never improving, whatever the real figure does", () => {
    const sales = pairOf("total-sales");
    fc.assert(
      fc.property(movement, (real) => {
        expect(verdictOf(sales, "down", real).verdict).not.toBe("improving");
      }),
      fuzzParameters(50),
    );
    // The other pairs read a falling vanity figure with a better real one as "less noise, better results".
    expect(verdictOf(pairOf("impressions"), "down", "up")).toEqual({ verdict: "improving", kind: "improving" });
    expect(verdictOf(sales, "down", "within")).toEqual({ verdict: "diverging", kind: "vanity-fell" });
  });

  test("for days to win lower is better: sales up and days up diverge, days down is better", () => {
    const sales = pairOf("total-sales");
    expect(verdictOf(sales, "up", "up")).toEqual({ verdict: "diverging", kind: "falls" });
    expect(verdictOf(sales, "up", "down")).toEqual({ verdict: "improving", kind: "both-better" });
    expect(verdictOf(sales, "within", "up")).toEqual({ verdict: "diverging", kind: "real-worse" });
    // Sales grew and deals close as fast: no warning for this pair only.
    expect(verdictOf(sales, "up", "within").verdict).toBe("aligned");
    expect(verdictOf(pairOf("new-leads"), "up", "within")).toEqual({ verdict: "diverging", kind: "flat" });
  });

  test("turning both figures upside down never turns a worse real figure into a better one", () => {
    fc.assert(
      fc.property(anyPair, movement, movement, (pair, vanity, real) => {
        const a = verdictOf(pair, vanity, real).verdict;
        const b = verdictOf(pair, flip(vanity), flip(real)).verdict;
        if (a === "improving") expect(b).not.toBe("improving");
      }),
      fuzzParameters(200),
    );
  });
});

const judged = (movement: Movement, normalRange: Judgement["normalRange"] = null): Judgement =>
  ({
    movement,
    signal: movement === "up" || movement === "down",
    sampling: { method: "poisson", passed: movement !== "within", pValue: null, interval: null },
    variation: null,
    normalRange,
    reason: null,
  }) as Judgement;

const figure = (
  value: number,
  previous: number,
  m: Movement,
  range: Judgement["normalRange"] = null,
): WordedFigure => ({
  format: "count",
  value,
  previous,
  change: (value - previous) / previous,
  judgement: judged(m, range),
});

describe("findingSentence", () => {
  test("3 to 7 within normal variation says so, in both languages, with the range that would have counted", () => {
    const pair = pairOf("impressions");
    const finding = {
      kind: "noise" as const,
      vanityFigure: figure(10_089, 12_994, "within", { low: 9_000, high: 16_000 }),
      realFigure: figure(7, 3, "within", { low: 0, high: 10 }),
    };
    expect(findingSentence(pair, finding, "en", null)).toBe(
      "Within normal variation: social impressions −22% (normal range 9,000–16,000), leads from social media +133% (normal range 0–10).",
    );
    expect(findingSentence(pair, finding, "sv", null)).toBe(
      // Swedish numbers: no-break spaces (U+00A0) in thousands and before "%".
      "Inom normal variation: visningar i sociala medier −22\u00a0% (normalt intervall 9\u00a0000–16\u00a0000), leads från sociala medier +133\u00a0% (normalt intervall 0–10).",
    );
  });

  test("days to win rising is worded as deals closing slower, not as a fall", () => {
    const pair = pairOf("total-sales");
    const days = { ...figure(70, 35.9, "up"), format: "days" as const };
    const sentence = findingSentence(
      pair,
      { kind: "real-worse", vanityFigure: figure(100, 101, "within"), realFigure: days },
      "en",
      "EUR",
    );
    expect(sentence).toBe(
      "Total sales −1.0% (within normal variation), median days to win +95%: deals close slower; watch this one.",
    );
    expect(sentence).not.toMatch(/fell/);
  });

  test("money falling is never called less noise", () => {
    const pair = pairOf("total-sales");
    for (const kind of ["improving", "vanity-fell"] as const) {
      const text = findingSentence(
        pair,
        { kind, vanityFigure: figure(154_142, 580_315, "down"), realFigure: figure(30, 36, "down") },
        "en",
        "EUR",
      );
      expect(text).not.toMatch(/less noise/);
      expect(text).toMatch(/sales fell/);
    }
  });

  test("every kind has a sentence in both languages for every pair", () => {
    const kinds = ["falls", "flat", "both-better", "improving", "real-worse", "real-better", "vanity-fell"] as const;
    for (const pair of PAIRS) {
      for (const kind of kinds) {
        for (const lang of ["en", "sv"] as const) {
          const text = findingSentence(
            pair,
            { kind, vanityFigure: figure(120, 100, "up"), realFigure: figure(80, 100, "down") },
            lang,
            null,
          );
          expect(text).toMatch(/^\S.*\.$/);
          expect(text).not.toMatch(/\{|undefined|null/);
        }
      }
    }
  });
});
