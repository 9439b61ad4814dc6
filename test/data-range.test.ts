/**
 * The workspace's data range (dataRangeOf, src/metrics/context.ts) reads the visits' first and
 * last moment and the activities' last within the first and last month their rollups name. On
 * each engine: the range equals the whole tables' min and max, with rows on the first and last
 * instants of months; and when the rollups do not match the rows (a month emptied behind their
 * back, or no rollup rows at all) the range is read whole, not taken from the rollup.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dataRangeOf } from "../src/metrics/context.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { BASE, lead } from "./support/metric-fixtures.js";
import { statementsRun } from "./support/pairs.js";
import { importFixture } from "./support/server-harness.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const W = "range";
const visit = (id: string, started_at: string) => ({
  visit_id: id,
  visitor_id: `visitor-${id}`,
  started_at,
  pageviews: 1,
});
const activity = (id: string, occurred_at: string) => ({
  id,
  lead_id: "l-1",
  rep_id: "ann",
  type: "call",
  occurred_at,
});

/** What the range is, read from the whole tables. */
async function whole(store: Store) {
  const [row] = await store.query<Record<string, string | null>>(sql`
    SELECT
      (SELECT min(started_at) FROM visits WHERE workspace_id = ${W}) AS web_start,
      (SELECT max(started_at) FROM visits WHERE workspace_id = ${W}) AS web_end,
      (SELECT min(created_at) FROM leads WHERE workspace_id = ${W}) AS sales_start,
      (SELECT max(t) FROM (
        SELECT max(created_at) AS t FROM leads WHERE workspace_id = ${W}
        UNION ALL SELECT max(closed_at) FROM leads WHERE workspace_id = ${W}
        UNION ALL SELECT max(changed_at) FROM stage_events WHERE workspace_id = ${W}
        UNION ALL SELECT max(occurred_at) FROM activities WHERE workspace_id = ${W}) x) AS sales_end`);
  const at = (value: string | null | undefined) => (value ? new Date(value) : null);
  return {
    web: { start: at(row?.web_start), end: at(row?.web_end) },
    sales: { start: at(row?.sales_start), end: at(row?.sales_end) },
  };
}

describe.each(engines())("the data range on %s", (engine) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(engine);
    await importFixture(t.store, W, {
      ...BASE,
      leads: [
        lead({ id: "l-1", created_at: "2026-01-31T23:59:59Z" }),
        lead({ id: "l-2", created_at: "2026-03-02T10:00:00Z" }),
      ],
      activities: [
        activity("a-1", "2026-02-01T00:00:00Z"),
        activity("a-2", "2026-04-15T08:00:00Z"),
        activity("a-3", "2026-05-31T23:59:59Z"),
        activity("a-4", "2026-05-01T00:00:00Z"),
      ],
      visits: [
        visit("v-2", "2026-02-14T12:00:00Z"),
        visit("v-1", "2026-01-01T00:00:00Z"),
        visit("v-3", "2026-01-31T23:59:59Z"),
        visit("v-4", "2026-06-30T23:59:59Z"),
        visit("v-5", "2026-06-01T00:00:00Z"),
        visit("v-6", "2026-04-10T09:00:00Z"),
      ],
    });
  });
  afterAll(() => t?.dispose());

  test("equals the whole tables' first and last moments, read within the rollups' months", async () => {
    const { value: range, ran } = await statementsRun(t.store, () => dataRangeOf(t.store, W));
    // Neither table was read whole: every read of visits or activities is bounded by a month.
    const reads = ran.filter((text) => /FROM (visits|activities) WHERE/.test(text));
    expect(reads.length).toBeGreaterThan(0);
    for (const text of reads) {
      for (const read of text.match(/FROM (visits|activities) WHERE[^)]*/g) ?? []) {
        expect(read).toMatch(/(started_at|occurred_at) (<|>=) CAST/);
      }
    }
    expect(range.web).toEqual({ start: new Date("2026-01-01T00:00:00Z"), end: new Date("2026-06-30T23:59:59Z") });
    // The activities end the CRM's data: their last one is after every lead and stage event.
    expect(range.sales).toEqual({ start: new Date("2026-01-31T23:59:59Z"), end: new Date("2026-05-31T23:59:59Z") });
    expect(range.web).toEqual((await whole(t.store)).web);
    expect(range.sales).toEqual((await whole(t.store)).sales);
  });

  test("finds rows beyond the months the rollups name: each bound is one-sided", async () => {
    // Rows written behind the rollups' back (Verity's writes keep them in step): before the
    // first month and after the last.
    await t.store.execute(sql`INSERT INTO visits (workspace_id, visit_id, source_system, visitor_id, started_at, pageviews, visit_number)
      VALUES (${W}, ${"v-early"}, ${"test"}, ${"visitor-early"}, CAST(${"2025-11-30 10:00:00"} AS TIMESTAMP), 1, 1),
             (${W}, ${"v-late"}, ${"test"}, ${"visitor-late"}, CAST(${"2026-08-02 10:00:00"} AS TIMESTAMP), 1, 1)`);
    await t.store.execute(sql`INSERT INTO activities (workspace_id, id, source_system, external_id, lead_id, rep_id, type, occurred_at)
      VALUES (${W}, ${"a-late"}, ${"test"}, ${"a-late"}, ${"l-1"}, ${"ann"}, ${"call"}, CAST(${"2026-07-09 08:00:00"} AS TIMESTAMP))`);
    const range = await dataRangeOf(t.store, W);
    expect(range.web).toEqual({ start: new Date("2025-11-30T10:00:00Z"), end: new Date("2026-08-02T10:00:00Z") });
    expect(range.sales?.end).toEqual(new Date("2026-07-09T08:00:00Z"));
    expect(range).toMatchObject(await whole(t.store));
    await t.store.execute(
      sql`DELETE FROM visits WHERE workspace_id = ${W} AND visit_id IN (${"v-early"}, ${"v-late"})`,
    );
    await t.store.execute(sql`DELETE FROM activities WHERE workspace_id = ${W} AND id = ${"a-late"}`);
  });

  test("reads the whole tables when the rollups name months their rows are not in", async () => {
    // The last month's visits and activities gone without their rollups knowing (not what
    // Verity's writes do: they change both in one transaction).
    await t.store.execute(sql`DELETE FROM visits WHERE workspace_id = ${W} AND started_at >= ${"2026-06-01"}`);
    await t.store.execute(sql`DELETE FROM activities WHERE workspace_id = ${W} AND occurred_at >= ${"2026-05-01"}`);
    const range = await dataRangeOf(t.store, W);
    expect(range.web?.end).toEqual(new Date("2026-04-10T09:00:00Z"));
    expect(range.sales?.end).toEqual(new Date("2026-04-15T08:00:00Z"));
    expect(range).toMatchObject(await whole(t.store));
    // And without any rollup rows at all.
    await t.store.execute(sql`DELETE FROM visit_months WHERE workspace_id = ${W}`);
    await t.store.execute(sql`DELETE FROM activity_months WHERE workspace_id = ${W}`);
    expect(await dataRangeOf(t.store, W)).toMatchObject(await whole(t.store));
  });
});
