/**
 * Visit frequency and recency's shape (METRICS.md 5) from rows written by hand: no database.
 * The statements' SQL is pinned in src/metrics/sql/engagement.*.sql; engagement.test.ts runs
 * both on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../../test/support/pure-metric-inputs.js";
import type { MetricDefinition, Statements } from "../metric.js";
import { DAY_BUCKETS, engagement, VISIT_BUCKETS } from "./engagement.js";

function split<R, S extends Statements>(definition: MetricDefinition<R, S>): MetricDefinition<R, S> {
  return definition;
}
const { build, shape } = split(engagement);
const input = fixtureInput("duckdb");

const cell = (fb: number, rb: number, visitors: number, returning: number, converted: number, visits: number) => ({
  fb,
  rb,
  visitors,
  returning_visitors: returning,
  converted_visitors: converted,
  total_visits: visits,
});

// Frequency bucket 0 ("1" visit): 3 visitors at 0 days (1 converted), 2 at 9 ("15-30" days).
// Frequency bucket 8 ("9-14"): 1 returning visitor at 0 days with 10 visits, converted.
// Visitors 6, returning 1, converted 2, visits 3 + 2 + 10 = 15.
const CELLS = [cell(0, 0, 3, 0, 1, 3), cell(0, 9, 2, 0, 0, 2), cell(8, 0, 1, 1, 1, 10)];
// Visits by visit number: number 1 (first visits, no days since previous) 5 visits, 7 pageviews;
// number "9-14" 6 visits 0 days after the previous one and 4 at "8-14" days; pageviews unknown
// for the last (null, counted as none).
const PER_VISIT = [
  { nb: 0, db: null, visits: 5, pageviews: 7 },
  { nb: 8, db: 0, visits: 6, pageviews: 6 },
  { nb: 8, db: 8, visits: 4, pageviews: null },
];

describe("visit frequency and recency's shape", () => {
  test("sums a frequency bucket's cells across recency, and the totals across both", () => {
    const r = shape({ cells: CELLS, perVisit: PER_VISIT }, input);
    expect([r.visitors, r.returningVisitors, r.convertedVisitors, r.visits, r.pageviews]).toEqual([6, 1, 2, 15, 13]);
    expect(r.returningShare).toBeCloseTo(1 / 6, 12);
    expect(r.conversionRate).toBeCloseTo(2 / 6, 12);
    // Bucket "1" holds both of its cells (3 + 2 visitors); "9-14" its one; the rest are empty.
    expect(r.byFrequency[0]).toEqual({ bucket: "1", visitors: 5, convertedVisitors: 1, conversionRate: 1 / 5 });
    expect(r.byFrequency[8]).toEqual({ bucket: "9-14", visitors: 1, convertedVisitors: 1, conversionRate: 1 });
    expect(r.byFrequency[1]).toEqual({ bucket: "2", visitors: 0, convertedVisitors: 0, conversionRate: null });
    expect(r.byFrequency).toHaveLength(VISIT_BUCKETS.length);
    // Recency 0 days: 3 + 1 visitors, 2 converted; "15-30": 2.
    expect(r.byRecency[0]).toEqual({ bucket: "0", visitors: 4, convertedVisitors: 2, conversionRate: 0.5 });
    expect(r.byRecency[9]).toEqual({ bucket: "15-30", visitors: 2, convertedVisitors: 0, conversionRate: 0 });
    expect(r.byRecency).toHaveLength(DAY_BUCKETS.length);
    // The grid keeps each cell apart.
    expect(r.grid[0]?.visitors.slice(0, 10)).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(r.grid[8]?.visitors[0]).toBe(1);
    expect(r.grid.flatMap((row) => row.visitors).reduce((a, n) => a + n, 0)).toBe(6);
  });

  test("counts first visits by visit number but not by days since a previous visit", () => {
    const r = shape({ cells: CELLS, perVisit: PER_VISIT }, input);
    expect(r.byVisitNumber[0]).toEqual({ bucket: "1", visits: 5 });
    // Both rows of "9-14" summed.
    expect(r.byVisitNumber[8]).toEqual({ bucket: "9-14", visits: 10 });
    expect(r.byDaysSincePrevious.map((b) => b.visits)).toEqual([6, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0]);
  });

  test("a period without visits has zeros; a workspace without visits loaded has nothing to ask and unknowns", () => {
    const quiet = shape({ cells: [], perVisit: [] }, input);
    expect([quiet.visitors, quiet.visits, quiet.pageviews, quiet.returningShare]).toEqual([0, 0, 0, null]);
    const none = fixtureInput("duckdb", "empty");
    expect(build(none)).toBeNull();
    const unknown = shape(null, none);
    expect([unknown.visitors, unknown.visits, unknown.pageviews, unknown.returningVisitors]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(unknown.byFrequency).toEqual([]);
    expect(unknown.visitBuckets).toEqual(VISIT_BUCKETS.map((b) => b.label));
  });
});
