/**
 * The vanity check's findings from measured figures, with numbers worked by hand (no
 * database: judgePairs is what the check runs after measuring). The cases are the ones a new
 * user met before the check judged noise (issue 14): a change of 3 to 7 called a finding,
 * revenue falling called "less noise", a median rising worded as a fall.
 */
import { describe, expect, test } from "vitest";
import type { Evidence } from "../metrics/metric.js";
import { parsePeriod, trailingPeriods } from "../model/period.js";
import { PAIRS } from "./pairs.js";
import { judgePairs, type Measured, type PairMeasures } from "./vanity-check.js";

const count = (n: number): Measured => ({ value: n, evidence: { kind: "count", n }, unsupported: null });
const measured = (value: number | null, evidence: Evidence | null = null): Measured => ({
  value,
  evidence,
  unsupported: null,
});

/** Every pair at a quiet value, with the figures of `overrides` (by vanity id) replaced. */
function measures(
  overrides: Partial<Record<string, Partial<{ vanity: Measured; real: Measured }>>> = {},
): PairMeasures {
  return PAIRS.map((pair) => ({ vanity: count(100), real: count(20), ...overrides[pair.vanity] }));
}

const ALL_DATA = { start: new Date("2020-01-01T00:00:00Z"), end: new Date("2030-01-01T00:00:00Z") };
const dataRange = { sales: ALL_DATA, web: ALL_DATA, social: ALL_DATA, newsletter: ALL_DATA };

/** 12 earlier months ending 2025-10, each measured by `month(i)`. */
function earlier(month: (i: number) => PairMeasures) {
  const periods = trailingPeriods(parsePeriod("2025-10"), 12);
  return periods.map((period, i) => ({ period, measures: month(i) }));
}

const find = (findings: ReturnType<typeof judgePairs>, vanity: string) => {
  const found = findings.find((f) => f.vanity === vanity);
  if (!found) throw new Error(vanity);
  return found;
};

describe("judgePairs", () => {
  test("leads from social media 3 to 7 with impressions down 22% is noise, not 'less noise, better results'", () => {
    // Impressions 12,994 -> 10,089 is far beyond Poisson noise, but the 12 earlier months
    // swing between 9,000 and 16,000 (moving range 3,500: limits ~2,700-21,300), so it is
    // inside the natural process limits. 3 -> 7: exact conditional test, 7 of 10 at 1/2,
    // p = 0.34; the earlier months' 2 to 8 give limits around 0-13.
    const swing = [9_000, 16_000, 10_000, 15_000, 12_000, 14_000, 9_500, 16_000, 11_000, 15_500, 12_500, 12_994];
    const social = [2, 8, 4, 6, 3, 7, 5, 4, 6, 2, 8, 3];
    const findings = judgePairs({
      now: measures({ impressions: { vanity: count(10_089), real: count(7) } }),
      before: measures({ impressions: { vanity: count(12_994), real: count(3) } }),
      earlier: earlier((i) =>
        measures({ impressions: { vanity: count(swing[i] as number), real: count(social[i] as number) } }),
      ),
      dataRange,
      currency: null,
    });
    const f = find(findings, "impressions");
    expect(f.verdict).toBe("noise");
    expect(f.kind).toBe("noise");
    expect(f.signal).toBe(false);
    expect(f.realFigure.judgement?.sampling.pValue).toBeCloseTo(0.34375, 5);
    expect(f.finding).toMatch(
      /^Within normal variation: social impressions −22% \(normal range [\d,]+–[\d,]+\), leads from social media \+133% \(normal range 0–\d+\)\.$/,
    );
    expect(f.words.sv).toMatch(/^Inom normal variation: visningar i sociala medier −22\u00a0%/);
    // Noise is listed after everything that moved.
    expect(findings.at(-1)?.verdict).toBe("noise");
  });

  test("with fewer than 6 earlier periods sampling noise alone decides: 11 to 6 is noise, 100 to 160 a signal", () => {
    const few = earlier(() => measures()).slice(-3);
    const newsletter = judgePairs({
      now: measures({ subscribers: { vanity: measured(1_000, { kind: "level", n: 1_000 }), real: count(6) } }),
      before: measures({ subscribers: { vanity: measured(1_000, { kind: "level", n: 1_000 }), real: count(11) } }),
      earlier: few,
      dataRange,
      currency: null,
    });
    const f = find(newsletter, "subscribers");
    // 6 of 17 at 1/2: p = 0.33.
    expect(f.realFigure.judgement?.movement).toBe("within");
    expect(f.realFigure.judgement?.variation).toBeNull();
    expect(f.verdict).not.toBe("diverging");

    const leads = judgePairs({
      now: measures({ "new-leads": { vanity: count(160), real: count(20) } }),
      before: measures({ "new-leads": { vanity: count(100), real: count(21) } }),
      earlier: few,
      dataRange,
      currency: null,
    });
    const g = find(leads, "new-leads");
    // 160 of 260 at 1/2: p ≈ 0.0002; qualified leads 21 -> 20 within.
    expect(g.vanityMovement).toBe("up");
    expect(g.realMovement).toBe("within");
    expect(g.verdict).toBe("diverging");
    expect(g.kind).toBe("flat");
    expect(g.finding).toBe(
      "New leads +60%, qualified leads −4.8% (within normal variation): the extra leads are not the kind that qualify.",
    );
  });

  test("total sales falling beyond noise is never less noise: it is a warning, worded as sales falling", () => {
    // 30 deals of 20,000 against 8 of 20,000: sums 600,000 and 160,000, sums of squares
    // 1.2e10 and 3.2e9; z = 440,000 / sqrt(1.52e10) = 3.57, p ≈ 0.0004.
    const sum = (n: number) => measured(n * 20_000, { kind: "sum", n, sumOfSquares: n * 20_000 ** 2 });
    const days = (median: number) => measured(median, { kind: "median", n: 30, low: median - 5, high: median + 5 });
    const findings = judgePairs({
      now: measures({ "total-sales": { vanity: sum(8), real: days(35) } }),
      before: measures({ "total-sales": { vanity: sum(30), real: days(36) } }),
      earlier: [],
      dataRange,
      currency: "EUR",
    });
    const f = find(findings, "total-sales");
    expect(f.vanityMovement).toBe("down");
    expect(f.realMovement).toBe("within");
    expect(f.verdict).toBe("diverging");
    expect(f.finding).toBe(
      "Total sales −73%, median days to win −2.8% (within normal variation): sales fell; watch this one.",
    );
    expect(f.finding).not.toMatch(/less noise/);
  });

  test("median days to win rising beyond noise reads as deals closing slower", () => {
    const days = (median: number, low: number, high: number) => measured(median, { kind: "median", n: 60, low, high });
    const findings = judgePairs({
      now: measures({ "total-sales": { real: days(70, 62, 80) } }),
      before: measures({ "total-sales": { real: days(36, 30, 41) } }),
      earlier: [],
      dataRange,
      currency: "EUR",
    });
    const f = find(findings, "total-sales");
    expect(f.realMovement).toBe("up");
    expect(f.realDirection).toBe("worse");
    expect(f.verdict).toBe("diverging");
    expect(f.finding).toMatch(/median days to win \+94%: deals close slower; watch this one\.$/);
  });

  test("a figure the data cannot support is 'cannot tell' with its reason and fix, never a number", () => {
    const unsupported: Measured = {
      value: null,
      evidence: null,
      unsupported: {
        reason: "no lost leads are recorded, so a win rate would read 100%",
        fix: "import the lost deals too",
        sv: {
          reason: "inga förlorade leads är registrerade, så en vinstandel skulle visa 100 %",
          fix: "importera även de förlorade affärerna",
        },
      },
    };
    const findings = judgePairs({
      now: measures({ "activity-conversion": { real: unsupported } }),
      before: measures({ "activity-conversion": { real: unsupported } }),
      earlier: [],
      dataRange,
      currency: null,
    });
    const f = find(findings, "activity-conversion");
    expect(f.verdict).toBe("unknown");
    expect(f.kind).toBe("unsupported");
    expect(f.realFigure.value).toBeNull();
    expect(f.finding).toBe(
      "Cannot tell: no lost leads are recorded, so a win rate would read 100% (import the lost deals too).",
    );
    expect(f.words.sv).toBe(
      "Går inte att avgöra: inga förlorade leads är registrerade, så en vinstandel skulle visa 100 % (importera även de förlorade affärerna).",
    );
  });

  test("months before a figure's data began are no baseline", () => {
    // Visits start in 2025-06: the five months from 2025-06 are its only history, so the
    // limits do not apply (fewer than 6) and the zeros before June do not widen them.
    const web = { start: new Date("2025-06-01T00:00:00Z"), end: ALL_DATA.end };
    const findings = judgePairs({
      now: measures({ visits: { vanity: count(1_300) } }),
      before: measures({ visits: { vanity: count(1_000) } }),
      earlier: earlier((i) => measures({ visits: { vanity: count(i < 7 ? 0 : 1_000) } })),
      dataRange: { ...dataRange, web },
      currency: null,
    });
    const f = find(findings, "visits");
    expect(f.vanityFigure.history.slice(0, 7)).toEqual([null, null, null, null, null, null, null]);
    expect(f.vanityFigure.judgement?.variation).toBeNull();
    expect(f.vanityMovement).toBe("up");
  });

  test("a comparison period before the data began has nothing to compare, and says so", () => {
    // Sales data from 2025-11-01: October's zeros are missing data, not a month without leads.
    const sales = { start: new Date("2025-11-01T09:00:00Z"), end: new Date("2025-11-30T18:00:00Z") };
    const findings = judgePairs({
      now: measures({ "new-leads": { vanity: count(40), real: count(15) } }),
      before: measures({ "new-leads": { vanity: count(0), real: count(0) } }),
      earlier: [],
      dataRange: { ...dataRange, sales },
      currency: null,
      periods: { now: parsePeriod("2025-11"), before: parsePeriod("2025-10") },
    });
    const f = find(findings, "new-leads");
    expect(f.verdict).toBe("unknown");
    expect(f.kind).toBe("no-change");
    expect(f.vanityFigure.previous).toBeNull();
    expect(f.finding).toBe("No change to compare for new leads: the earlier period is before its data began.");
  });

  test("counts of a period the data stops in part-way cannot be set against a whole one; rates can", () => {
    // The export was taken on 14 May: 2026-Q2 holds 44 days against Q1's 90.
    const sales = { start: ALL_DATA.start, end: new Date("2026-05-14T12:00:00Z") };
    const rate = (s: number, n: number) => measured(s / n, { kind: "rate", successes: s, trials: n });
    const findings = judgePairs({
      now: measures({ "new-leads": { vanity: count(90) }, "activity-conversion": { real: rate(10, 50) } }),
      before: measures({ "new-leads": { vanity: count(200) }, "activity-conversion": { real: rate(22, 100) } }),
      earlier: [],
      dataRange: { ...dataRange, sales },
      currency: null,
      periods: { now: parsePeriod("2026-Q2"), before: parsePeriod("2026-Q1") },
    });
    const f = find(findings, "new-leads");
    expect(f.verdict).toBe("unknown");
    expect(f.vanityFigure.value).toBeNull();
    expect(f.vanityFigure.unsupported?.reason).toBe(
      "the data stops on 2026-05-14, before 2026-Q2 is over, so its counts cannot be set against a whole period",
    );
    // The win rate of the cohort is a rate: it is compared (10 of 50 against 22 of 100).
    expect(find(findings, "activity-conversion").realFigure.value).toBe(0.2);
    expect(find(findings, "activity-conversion").realFigure.judgement?.movement).toBe("within");
  });

  test("a figure that rose from 0 reads as from 0 to its value, not as an empty change", () => {
    const findings = judgePairs({
      now: measures({ subscribers: { vanity: measured(500, { kind: "level", n: 500 }), real: count(12) } }),
      before: measures({ subscribers: { vanity: measured(500, { kind: "level", n: 500 }), real: count(0) } }),
      earlier: [],
      dataRange,
      currency: null,
    });
    const f = find(findings, "subscribers");
    // 12 against 0: 12 of 12 at 1/2, p = 0.0005.
    expect(f.realMovement).toBe("up");
    expect(f.finding).toMatch(/leads from the newsletter 0 → 12: the newsletter brings more leads\.$/);
    expect(f.words.sv).toMatch(/leads från nyhetsbrevet 0 → 12: nyhetsbrevet ger fler leads\.$/);
  });
});
