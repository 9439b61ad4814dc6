/**
 * Visit frequency and recency (METRICS.md 5) on a hand-made company, on every engine.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  BASE,
  type FixtureRow,
  type LoadedFixture,
  lead,
  loadFixture,
  report,
  WORKSPACE,
  writeFixture,
} from "../../../test/support/metric-fixtures.js";
import { runImport } from "../../ingest/importer.js";
import { verityImporter } from "../../ingest/verity-importer.js";
import { engagement } from "./engagement.js";

const HOUR = 3_600_000;
const NOV_1 = Date.parse("2025-11-01T00:00:00Z");

/** `count` visits of `visitor`, `every` hours apart from 2025-11-01 00:00. */
function series(visitor: string, count: number, everyHours: number, extra: FixtureRow = {}): FixtureRow[] {
  return Array.from({ length: count }, (_, i) => ({
    visit_id: `${visitor}-${i + 1}`,
    visitor_id: visitor,
    started_at: new Date(NOV_1 + i * everyHours * HOUR).toISOString(),
    pageviews: 2,
    ...extra,
  }));
}

// Period 2025-11: [11-01, 12-01). Visitors (visit numbers are derived at import over all their visits):
// a  1 visit 11-30 12:00, created lead L1           -> 1 visit, 0 days (12 h, floored), new, converted
// b  visits 10-15 and 11-23 00:00                   -> 1 visit, exactly 8 days -> "8-14", returning
//                                                      (its period visit is number 2, 39 days after the first)
// c  1 visit 11-23 00:00:01                         -> 1 visit, 7.99999 days -> "7", new
// d  8 visits daily from 11-01 (last 11-08)         -> "8", 23 days -> "15-30", returning
// e  9 visits every 3 h (last 11-02 00:00)          -> "9-14", 29 days -> "15-30"
// f  14 visits every 3 h (last 11-02 15:00)         -> "9-14", 28.375 -> 28 -> "15-30"
// g  15 visits every 3 h (last 11-02 18:00), its 3rd visit created L2 -> "15-25", "15-30", converted
// h  200 visits every 3 h (last 11-25 21:00)        -> "101-200" (200 is in it), 5.125 -> "5"
// i  201 visits every 3 h (last 11-26 00:00)        -> "200+" (more than 200), 5 -> "5"
// j  1 visit 2025-01-01 12:00, k 1 visit 2025-01-01 00:00 (outside November; see the year test)
// Visitors 9; returning: b, d, e, f, g, h, i = 7 (share 7/9); converted: a, g = 2.
// Visits 1+1+1+8+9+14+15+200+201 = 450; pageviews 2 each, a has 5, c none: 2 * 448 + 5 = 901.
const VISITS: FixtureRow[] = [
  {
    visit_id: "a-1",
    visitor_id: "a",
    started_at: "2025-11-30T12:00:00Z",
    pageviews: 5,
    converted_lead_id: "L1",
  },
  { visit_id: "b-1", visitor_id: "b", started_at: "2025-10-15T00:00:00Z", pageviews: 2 },
  { visit_id: "b-2", visitor_id: "b", started_at: "2025-11-23T00:00:00Z", pageviews: 2 },
  { visit_id: "c-1", visitor_id: "c", started_at: "2025-11-23T00:00:01Z" },
  ...series("d", 8, 24),
  ...series("e", 9, 3),
  ...series("f", 14, 3),
  ...series("g", 15, 3).map((v) => (v.visit_id === "g-3" ? { ...v, converted_lead_id: "L2" } : v)),
  ...series("h", 200, 3),
  ...series("i", 201, 3),
  { visit_id: "j-1", visitor_id: "j", started_at: "2025-01-01T12:00:00Z", pageviews: 1 },
  { visit_id: "k-1", visitor_id: "k", started_at: "2025-01-01T00:00:00Z", pageviews: 1 },
];

const FIXTURE = {
  ...BASE,
  leads: [
    lead({ id: "L1", created_at: "2025-11-30T12:10:00Z" }),
    lead({ id: "L2", created_at: "2025-11-01T06:10:00Z" }),
  ],
  visits: VISITS,
};

const ZEROS = (n: number) => Array.from({ length: n }, () => 0);

/** A grid row of 14 recency columns with `cells` (column index -> visitors) set. */
function gridRow(visits: string, cells: Record<number, number> = {}) {
  const visitors = ZEROS(14);
  for (const [i, n] of Object.entries(cells)) visitors[Number(i)] = n;
  return { visits, visitors };
}

const VISIT_LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9-14", "15-25", "26-50", "51-100", "101-200", "200+"];
const DAY_LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8-14", "15-30", "31-60", "61-120", "121-364", "365+"];

describe.each(engines())("visit frequency and recency on %s", (engine) => {
  let f: LoadedFixture;
  let bare: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
    bare = await loadFixture(engine, { ...BASE, leads: [lead({ id: "x", created_at: "2025-11-02" })] });
  });
  afterAll(async () => {
    await f?.dispose();
    await bare?.dispose();
  });

  test("counts visitors in the frequency x recency grid, with returning visitors and conversion", async () => {
    const r = await report(f.store, engagement, { period: "2025-11" });
    expect(r.result).toMatchObject({
      visits: 450,
      pageviews: 901,
      visitors: 9,
      returningVisitors: 7,
      returningShare: 0.777778,
      convertedVisitors: 2,
      conversionRate: 0.222222,
      visitBuckets: VISIT_LABELS,
      dayBuckets: DAY_LABELS,
    });
    // Columns: 0 -> "0", 5 -> "5", 7 -> "7", 8 -> "8-14", 9 -> "15-30".
    expect(r.result.grid).toEqual([
      gridRow("1", { 0: 1, 7: 1, 8: 1 }), // a, c, b
      gridRow("2"),
      gridRow("3"),
      gridRow("4"),
      gridRow("5"),
      gridRow("6"),
      gridRow("7"),
      gridRow("8", { 9: 1 }), // d
      gridRow("9-14", { 9: 2 }), // e (9 visits), f (14 visits)
      gridRow("15-25", { 9: 1 }), // g (15 visits)
      gridRow("26-50"),
      gridRow("51-100"),
      gridRow("101-200", { 5: 1 }), // h (200 visits)
      gridRow("200+", { 5: 1 }), // i (201 visits)
    ]);
    const row = (bucket: string, visitors: number, convertedVisitors: number) => ({
      bucket,
      visitors,
      convertedVisitors,
      conversionRate: visitors === 0 ? null : Math.round((convertedVisitors / visitors) * 1e6) / 1e6,
    });
    expect(r.result.byFrequency).toEqual(
      VISIT_LABELS.map((label) =>
        label === "1"
          ? row(label, 3, 1) // a converted: 1/3
          : label === "8" || label === "101-200" || label === "200+"
            ? row(label, 1, 0)
            : label === "9-14"
              ? row(label, 2, 0)
              : label === "15-25"
                ? row(label, 1, 1) // g
                : row(label, 0, 0),
      ),
    );
    expect(r.result.byRecency).toEqual(
      DAY_LABELS.map((label) =>
        label === "0"
          ? row(label, 1, 1) // a
          : label === "5"
            ? row(label, 2, 0) // h, i
            : label === "7" || label === "8-14"
              ? row(label, 1, 0) // c; b
              : label === "15-30"
                ? row(label, 4, 1) // d, e, f, g (g converted): 1/4
                : row(label, 0, 0),
      ),
    );
    // Visits by visit number: "1": a, c, d, e, f, g, h, i = 8 (b's first visit was in October);
    // "2": b, d, e, f, g, h, i = 7; "3".."8": d, e, f, g, h, i = 6 each; "9-14": e 1 + f 6 + g 6 + h 6 + i 6 = 25;
    // "15-25": g 1 + h 11 + i 11 = 23; "26-50": 25 + 25; "51-100": 50 + 50; "101-200": 100 + 100; "200+": i's 201st.
    expect(r.result.byVisitNumber.map((b) => b.visits)).toEqual([8, 7, 6, 6, 6, 6, 6, 6, 25, 23, 50, 100, 200, 1]);
    expect(r.result.byVisitNumber.map((b) => b.bucket)).toEqual(VISIT_LABELS);
    // Returning visits by days since the previous one: every 3 h -> "0": e 8 + f 13 + g 14 + h 199 + i 200 = 434;
    // daily -> "1": d 7; b's 39 days -> "31-60": 1. (The 8 first visits have no previous visit.)
    expect(r.result.byDaysSincePrevious).toEqual(
      DAY_LABELS.map((bucket) => ({
        bucket,
        visits: bucket === "0" ? 434 : bucket === "1" ? 7 : bucket === "31-60" ? 1 : 0,
      })),
    );
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["visitors", 9],
      ["returningVisitors", 7],
      ["returningShare", 0.777778],
    ]);
    // Visitors and returning visitors are counts; the share is 7 of 9 visitors.
    expect(r.headlines.map((h) => [h.key, h.evidence])).toEqual([
      ["visitors", { kind: "count", n: 9 }],
      ["returningVisitors", { kind: "count", n: 7 }],
      ["returningShare", { kind: "rate", successes: 7, trials: 9 }],
    ]);
    expect(r.vanity).toEqual([
      {
        id: "visits",
        label: "Website visits",
        value: 450,
        format: "count",
        // Visits cluster by visitor: 9 visitors, squares 1 + 1 + 1 + 64 + 81 + 196 + 225 + 40,000 + 40,401.
        evidence: { kind: "count", n: 450, clusters: 9, sumOfSquares: 80_970 },
        previous: null,
        previousEvidence: null,
        change: null,
      },
    ]);
    expect(r.unsupported).toEqual([]);
  });

  test("views: each conversion rate with its n and 95% Wilson interval", async () => {
    const r = await report(f.store, engagement, { period: "2025-11" });
    const [, byFrequency, byRecency] = engagement.views(r.result);
    expect(byFrequency?.columns.map((c) => c.key)).toEqual([
      "bucket",
      "visitors",
      "convertedVisitors",
      "conversionRate",
      "conversionRateN",
      "conversionRateLow",
      "conversionRateHigh",
    ]);
    // "1": a of a, b, c converted: 1 of 3; an empty bucket has n 0 and no interval.
    expect(byFrequency?.rows.find((row) => row.bucket === "1")).toMatchObject({
      conversionRateN: 3,
      conversionRateLow: 0.061492,
      conversionRateHigh: 0.79234,
    });
    expect(byFrequency?.rows.find((row) => row.bucket === "2")).toMatchObject({
      conversionRateN: 0,
      conversionRateLow: null,
      conversionRateHigh: null,
    });
    // "15-30": g of d, e, f, g: 1 of 4.
    expect(byRecency?.rows.find((row) => row.bucket === "15-30")).toMatchObject({
      conversionRateN: 4,
      conversionRateLow: 0.045587,
      conversionRateHigh: 0.699358,
    });
  });

  test("recency 364 days is in 121-364 and 365 days in 365+", async () => {
    // Period 2025 ends 2026-01-01: j's last visit 2025-01-01 12:00 is 364.5 days before (-> 364),
    // k's 2025-01-01 00:00 is exactly 365 days before. Every other visitor's last visit is in Oct/Nov.
    const r = await report(f.store, engagement, { period: "2025" });
    expect(r.result.visitors).toBe(11);
    expect(r.result.byRecency.filter((b) => b.bucket === "121-364" || b.bucket === "365+")).toEqual([
      { bucket: "121-364", visitors: 1, convertedVisitors: 0, conversionRate: 0 },
      { bucket: "365+", visitors: 1, convertedVisitors: 0, conversionRate: 0 },
    ]);
    // b now has both visits in the period: 2 visits.
    expect(r.result.byFrequency.find((b) => b.bucket === "2")?.visitors).toBe(1);
  });

  test("an empty period has zeros in every bucket and no shares", async () => {
    const r = await report(f.store, engagement, { period: "2024-01" });
    expect(r.result).toMatchObject({
      visits: 0,
      pageviews: 0,
      visitors: 0,
      returningVisitors: 0,
      returningShare: null,
      convertedVisitors: 0,
      conversionRate: null,
    });
    expect(r.result.grid).toEqual(VISIT_LABELS.map((label) => gridRow(label)));
    expect(r.result.byFrequency.every((b) => b.visitors === 0 && b.conversionRate === null)).toBe(true);
    expect(r.result.byDaysSincePrevious.map((b) => b.visits)).toEqual(ZEROS(14));
  });

  test("a period of partial months counts its days exactly (read from the visits, not the monthly rollup)", async () => {
    // 2025-10-15..2025-11-23 ends 11-24 00:00: b's two visits (10-15, 11-23) are in it, c's
    // 11-23 00:00:01 too (0 days before the end), a's 11-30 is not; d..g as in November, h and
    // i only their visits up to 11-23 21:00 (0 days before the end).
    const r = await report(f.store, engagement, { period: "2025-10-15..2025-11-23" });
    expect(r.result).toMatchObject({ visitors: 8, returningVisitors: 7, convertedVisitors: 1 });
    expect(r.result.byFrequency.find((b) => b.bucket === "2")?.visitors).toBe(1);
    expect(r.result.byRecency.find((b) => b.bucket === "0")?.visitors).toBe(3);
    // Whole November from the rollup plus 10-15..10-31 from the visits: b's first visit joins its second.
    const mixed = await report(f.store, engagement, { period: "2025-10-15..2025-11-30" });
    expect(mixed.result).toMatchObject({ visits: 451, visitors: 9, returningVisitors: 7 });
    expect(mixed.result.byFrequency.find((b) => b.bucket === "2")?.visitors).toBe(1);
    // Every visitor's first visit is in it (b's on 10-15), b's second is number 2.
    expect(mixed.result.byVisitNumber.find((b) => b.bucket === "1")?.visits).toBe(9);
  });

  test("a later import of visits brings the monthly rollup up to date", async () => {
    const g = await loadFixture(engine, FIXTURE);
    try {
      // c comes back on 11-25: 2 visits (its second is number 2, 2 days after the first), 5.99999
      // days before the end (with h and i in "5").
      const dir = await writeFixture({
        visits: [{ visit_id: "c-2", visitor_id: "c", started_at: "2025-11-25T00:00:01Z" }],
      });
      try {
        await runImport(g.store, verityImporter, dir, { workspace: WORKSPACE });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const r = await report(g.store, engagement, { period: "2025-11" });
      expect(r.result).toMatchObject({ visits: 451, visitors: 9, returningVisitors: 8 });
      expect(r.result.byFrequency.find((b) => b.bucket === "2")?.visitors).toBe(1);
      expect(r.result.byRecency.find((b) => b.bucket === "5")?.visitors).toBe(3);
      expect(r.result.byDaysSincePrevious.find((b) => b.bucket === "2")?.visits).toBe(1);
    } finally {
      await g.dispose();
    }
  });

  test("without any visits loaded, the numbers are unknown, not zero", async () => {
    const r = await report(bare.store, engagement, { period: "2025-11" });
    expect(r.result).toMatchObject({ visitors: null, returningVisitors: null, returningShare: null, grid: [] });
    expect(r.unsupported.map((u) => u.capability)).toEqual(["web_visits"]);
  });
});
