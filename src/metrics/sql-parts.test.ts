/**
 * The SQL helpers metrics share, run on every engine: `medianInterval`'s ranks against a
 * plain TypeScript reimplementation of the distribution-free 95% interval of a median.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../test/support/databases.js";
import { openTestStore, type TestStore } from "../../test/support/stores.js";
import { join, sql } from "../store/sql.js";
import { medianInterval } from "./sql-parts.js";
import { median, medianIntervalRanks, Z95 } from "./statistics.js";

/** The 1-based ranks of the interval, as METRICS.md states them; null below 6 values. */
function ranks(n: number): { low: number; high: number } | null {
  if (n < 6) return null;
  const low = Math.floor(n / 2 - (Z95 * Math.sqrt(n)) / 2);
  const high = Math.ceil(1 + n / 2 + (Z95 * Math.sqrt(n)) / 2);
  return { low: Math.min(n, Math.max(1, low)), high: Math.min(n, Math.max(1, high)) };
}

const SIZES = [1, 2, 5, 6, 7, 10, 11, 25, 100, 101, 1000];

describe.each(engines())("medianInterval on %s", (engine) => {
  let test_: TestStore;
  beforeAll(async () => {
    test_ = await openTestStore(engine);
  });
  afterAll(async () => test_?.dispose());

  test("the ranks and the median match the TypeScript definition", async () => {
    // Group g holds the values 10, 20, ..., 10 n (shuffled by the modulo), so the value at
    // rank r is 10 r.
    const rows = await test_.store.query<{
      g: number;
      n: number;
      median: number;
      low: number | null;
      high: number | null;
    }>(
      sql`
      WITH sizes AS (SELECT CAST(s AS BIGINT) AS g FROM generate_series(1, 1000) AS t(s)
        WHERE s IN (${join(SIZES.map((s) => sql`${s}`))})),
      vals AS (
        SELECT z.g, CAST(((i * 7919) % z.g + 1) * 10 AS FLOAT8) AS value
        FROM sizes z JOIN generate_series(1, 1000) AS u(i) ON u.i <= z.g
      ),
      ${medianInterval("vals", "mi", ["g"])}
      SELECT g, n, median, low, high FROM mi ORDER BY g`,
    );
    expect(rows.map((r) => Number(r.g))).toEqual(SIZES);
    for (const row of rows) {
      const n = Number(row.g);
      expect(Number(row.n)).toBe(n);
      const want = ranks(n);
      expect({ n, low: row.low, high: row.high }).toEqual({
        n,
        low: want ? want.low * 10 : null,
        high: want ? want.high * 10 : null,
      });
      expect(row.median).toBeCloseTo(median(Array.from({ length: n }, (_, i) => (i + 1) * 10)) as number, 9);
    }
    // statistics.ts gives the same ranks (what the verdicts judge a median's noise by).
    for (const n of SIZES) {
      const shared = medianIntervalRanks(n);
      expect(shared && { low: shared.lower, high: shared.upper }, `n = ${n}`).toEqual(ranks(n));
    }
    // Hand-worked: n = 10 -> floor(5 - 3.099) = 1, ceil(6 + 3.099) = 10; n = 100 -> 40 and 61.
    expect(ranks(10)).toEqual({ low: 1, high: 10 });
    expect(ranks(100)).toEqual({ low: 40, high: 61 });
  });

  test("NULL keys are a group, NULL values are left out, no keys is one group", async () => {
    const grouped = await test_.store.query<{ k: string | null; n: number; median: number }>(sql`
      WITH vals AS (
        SELECT CAST(k AS TEXT) AS k, CAST(v AS FLOAT8) AS value
        FROM (VALUES ('a', 1), ('a', 3), (NULL, 5), (NULL, 7), (NULL, NULL)) AS t(k, v)
      ),
      ${medianInterval("vals", "mi", ["k"])}
      SELECT k, n, median FROM mi ORDER BY k NULLS LAST`);
    expect(grouped.map((r) => [r.k, Number(r.n), r.median])).toEqual([
      ["a", 2, 2],
      [null, 2, 6],
    ]);
    const [all] = await test_.store.query<{ n: number; median: number }>(sql`
      WITH vals AS (SELECT CAST(v AS FLOAT8) AS value FROM (VALUES (1), (2), (9)) AS t(v)),
      ${medianInterval("vals", "mi", [])}
      SELECT n, median FROM mi`);
    expect([Number(all?.n), all?.median]).toEqual([3, 2]);
  });
});
