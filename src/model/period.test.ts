import { describe, expect, test } from "vitest";
import { comparisonPeriod, type Period, PeriodError, parsePeriod } from "./period.js";

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
