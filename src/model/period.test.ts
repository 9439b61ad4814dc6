import { describe, expect, test } from "vitest";
import {
  comparisonPeriod,
  FIRST_YEAR,
  LAST_YEAR,
  type Period,
  PeriodError,
  parsePeriod,
  trailingPeriods,
  withinYears,
} from "./period.js";

const iso = (p: Period) => [p.label, p.start.toISOString().slice(0, 10), p.end.toISOString().slice(0, 10)];

describe("parsePeriod", () => {
  test.each([
    ["2025-Q3", ["2025-Q3", "2025-07-01", "2025-10-01"]],
    ["2025-q4", ["2025-Q4", "2025-10-01", "2026-01-01"]],
    ["2026-H1", ["2026-H1", "2026-01-01", "2026-07-01"]],
    ["2025-07", ["2025-07", "2025-07-01", "2025-08-01"]],
    ["2025-12", ["2025-12", "2025-12-01", "2026-01-01"]],
    ["2025", ["2025", "2025-01-01", "2026-01-01"]],
    ["2024-02-29", ["2024-02-29", "2024-02-29", "2024-03-01"]],
    ["2025-07-01..2025-09-30", ["2025-07-01..2025-09-30", "2025-07-01", "2025-10-01"]],
  ])("%s", (input, expected) => {
    expect(iso(parsePeriod(input))).toEqual(expected);
  });

  test.each(["2025-13", "2025-Q5", "2025-02-30", "2025-09-30..2025-07-01", "last quarter", ""])(
    "refuses %j and says which forms it takes",
    (input) => {
      expect(() => parsePeriod(input)).toThrow(PeriodError);
      expect(() => parsePeriod(input)).toThrow(/2025-Q3, 2025-H1, 2025-07/);
    },
  );
});

describe("comparisonPeriod", () => {
  test.each([
    ["2025-Q1", "previous", ["2024-Q4", "2024-10-01", "2025-01-01"]],
    ["2025-Q1", "year", ["2024-Q1", "2024-01-01", "2024-04-01"]],
    ["2026-H1", "previous", ["2025-H2", "2025-07-01", "2026-01-01"]],
    ["2025-03", "previous", ["2025-02", "2025-02-01", "2025-03-01"]],
    ["2025", "previous", ["2024", "2024-01-01", "2025-01-01"]],
    ["2025-07-14", "previous", ["2025-07-13", "2025-07-13", "2025-07-14"]],
    // A 10-day range is compared with the 10 days before it.
    ["2025-07-01..2025-07-10", "previous", ["2025-06-21..2025-06-30", "2025-06-21", "2025-07-01"]],
  ] as const)("%s against %s", (input, comparison, expected) => {
    expect(iso(comparisonPeriod(parsePeriod(input), comparison))).toEqual(expected);
  });
});

// Issue 13, item 7: year 9999 answered 500 (its end is year 10000) and `0001-Q1` was read as
// 1901 and echoed as "1-Q1".
describe("the years a period may name", () => {
  test.each([
    "9999",
    "9999-Q4",
    "9999-H2",
    "9999-12",
    "9999-12-31",
    "0001-Q1",
    "0000",
    "1899-12-31",
    "3000-01-01",
    "2999-12-31..3000-01-01",
    "1899-12-31..1900-01-01",
  ])("refuses %j, naming the years it reads", (input) => {
    expect(() => parsePeriod(input)).toThrow(PeriodError);
    expect(() => parsePeriod(input)).toThrow(
      `${JSON.stringify(input)} is outside the years Verity reads; periods run from ${FIRST_YEAR} to ${LAST_YEAR}`,
    );
  });

  test.each([
    ["1900", ["1900", "1900-01-01", "1901-01-01"]],
    ["1900-q1", ["1900-Q1", "1900-01-01", "1900-04-01"]],
    ["2999-Q4", ["2999-Q4", "2999-10-01", "3000-01-01"]],
    ["2999-H2", ["2999-H2", "2999-07-01", "3000-01-01"]],
    ["2999-12-31", ["2999-12-31", "2999-12-31", "3000-01-01"]],
    ["1900-01-01..2999-12-31", ["1900-01-01..2999-12-31", "1900-01-01", "3000-01-01"]],
  ])("takes %s, at the edge", (input, expected) => {
    expect(iso(parsePeriod(input))).toEqual(expected);
  });

  test("labels the periods before the first year with four-digit years", () => {
    expect(iso(comparisonPeriod(parsePeriod("1900-Q1"), "previous"))).toEqual(["1899-Q4", "1899-10-01", "1900-01-01"]);
    expect(iso(comparisonPeriod(parsePeriod("1900-H1"), "year"))).toEqual(["1899-H1", "1899-01-01", "1899-07-01"]);
    expect(iso(comparisonPeriod(parsePeriod("1900"), "previous"))).toEqual(["1899", "1899-01-01", "1900-01-01"]);
    // A range of 1,100 years is compared with the 1,100 years before: year 800, four digits.
    expect(comparisonPeriod(parsePeriod("1900-01-01..2999-12-31"), "previous").label).toBe("0800-01-01..1899-12-31");
  });

  test("a trend stops at the first year instead of naming periods it cannot read", () => {
    expect(trailingPeriods(parsePeriod("1900-Q3"), 8).map((p) => p.label)).toEqual(["1900-Q1", "1900-Q2", "1900-Q3"]);
    expect(trailingPeriods(parsePeriod("2999-Q4"), 3).map((p) => p.label)).toEqual(["2999-Q2", "2999-Q3", "2999-Q4"]);
    expect(trailingPeriods(parsePeriod("1900-01-01..2999-12-31"), 8)).toHaveLength(1);
  });

  test("withinYears holds for every period parsePeriod takes", () => {
    expect(withinYears(parsePeriod("2999-12-31"))).toBe(true);
    expect(withinYears(comparisonPeriod(parsePeriod("1900-Q1"), "previous"))).toBe(false);
  });
});
