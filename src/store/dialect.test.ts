/**
 * store/dialect.ts, directly: each place where DuckDB and PostgreSQL differ gives the same
 * answer on both engines (the SQL fragments run on real stores), and the engine-specific
 * settings say what dialect.ts says they do.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../test/support/databases.js";
import { openTestStore, type TestStore } from "../../test/support/stores.js";
import { DIALECTS } from "./dialect.js";
import { raw, sql } from "./sql.js";
import type { Row } from "./store.js";

const answers = new Map<string, Record<string, unknown>>();

describe.each(engines())("the %s dialect", (engine) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(engine);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  test("elapsed seconds, epoch, quantiles and SHA-256 computed by the engine", async () => {
    const d = t.store.dialect;
    expect(d.engine).toBe(engine);
    const a = "CAST('2025-01-01 00:00:00' AS TIMESTAMP)";
    const b = "CAST('2025-01-02 00:00:01.6' AS TIMESTAMP)";
    const [row] = await t.store.query<Row>(sql`
      SELECT ${raw(d.secondsBetween(a, b))} AS seconds,
        ${raw(d.secondsBetween(b, a))} AS backwards,
        ${d.epoch(raw("CAST('2025-01-01 00:00:00.25' AS TIMESTAMP)"))} AS epoch,
        (SELECT ${d.quantile(raw("v"), 0.25)} FROM (VALUES (1.0), (2.0), (3.0), (4.0)) AS t(v)) AS q25,
        (SELECT ${d.quantile(raw("v"), 0.5)} FROM (VALUES (1.0), (2.0), (3.0), (4.0)) AS t(v)) AS median,
        ${d.sha256(sql`${"abc"}`)} AS sha`);
    const got = {
      seconds: Number(row?.seconds),
      backwards: Number(row?.backwards),
      epoch: Number(row?.epoch),
      q25: Number(row?.q25),
      median: Number(row?.median),
      sha: row?.sha,
    };
    // 1 day and 1.6 s, rounded to whole seconds as both engines cast.
    expect(got.seconds).toBe(86_402);
    expect(got.backwards).toBe(-86_402);
    expect(got.epoch).toBe(1_735_689_600.25);
    // Linear interpolation (statistics.ts quantile): 1 + 0.75 x (2 - 1), over DECIMAL values
    // (DuckDB would answer in their scale, 1.7 or 1.8, without the cast in dialect.ts).
    expect(got.q25).toBe(1.75);
    expect(got.median).toBe(2.5);
    expect(got.sha).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    answers.set(engine, got);
  });

  test("a quantile fraction outside 0..1 is refused before any SQL is built", () => {
    const d = t.store.dialect;
    expect(() => d.quantile(raw("v"), 1.5)).toThrow(RangeError);
    expect(() => d.quantile(raw("v"), Number.NaN)).toThrow(/not within 0\.\.1/);
  });
});

test("keys, indexes and statistics after a bulk write: enforced and gathered on PostgreSQL only", () => {
  expect(DIALECTS.postgres.primaryKey(["workspace_id", "id"])).toBe(', PRIMARY KEY ("workspace_id", "id")');
  expect(DIALECTS.duckdb.primaryKey(["workspace_id", "id"])).toBe("");
  expect([DIALECTS.postgres.enforcesKeys, DIALECTS.postgres.wantsIndexes]).toEqual([true, true]);
  expect([DIALECTS.duckdb.enforcesKeys, DIALECTS.duckdb.wantsIndexes]).toEqual([false, false]);
  expect(DIALECTS.postgres.afterBulkWrite("leads")).toBe("ANALYZE leads");
  expect(DIALECTS.duckdb.afterBulkWrite("leads")).toBeNull();
});

if (engines().length === 2) {
  test("both engines give the same answers", () => {
    expect(answers.get("postgres")).toEqual(answers.get("duckdb"));
    expect(answers.size).toBe(2);
  });
}
