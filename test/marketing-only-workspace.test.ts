/**
 * Workspaces without leads (issue 14, item 6): a workspace of website visits alone is reported
 * (engagement with its numbers, the lead metrics empty, not refused); the default period and
 * each metric's "as of" come from all loaded data, per area; and one old lead beside recent
 * visits no longer pulls the default period back to a quarter without visits. On both engines,
 * and `verity report` on a web-only DuckDB file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engagement } from "../src/metrics/definitions/engagement.js";
import { funnel } from "../src/metrics/definitions/funnel.js";
import { METRICS } from "../src/metrics/registry.js";
import { verityInProcess } from "./support/cli-in-process.js";
import { engines } from "./support/databases.js";
import {
  BASE,
  type FixtureRow,
  type LoadedFixture,
  lead,
  loadFixture,
  report,
  writeFixture,
} from "./support/metric-fixtures.js";
import { openTestStore } from "./support/stores.js";

// Latest visit 2025-11-20 09:00, so the default period is 2025-Q4: [10-01, 2026-01-01).
// In it: a twice (10-05, 11-20; the second is a's visit 2), b once (11-02), c once (10-10, its
// visit 2 after 07-01). Visits 4, pageviews 3+1+2+1 = 7, visitors 3, returning a and c = 2.
// Recency to 2026-01-01: a 41.6 days -> "31-60", b 59.5 -> "31-60", c 83 -> "61-120".
const WEB_VISITS: FixtureRow[] = [
  { visit_id: "a-1", visitor_id: "a", started_at: "2025-10-05T10:00:00Z", pageviews: 3 },
  { visit_id: "a-2", visitor_id: "a", started_at: "2025-11-20T09:00:00Z", pageviews: 1 },
  { visit_id: "b-1", visitor_id: "b", started_at: "2025-11-02T12:00:00Z", pageviews: 2 },
  { visit_id: "c-1", visitor_id: "c", started_at: "2025-07-01T08:00:00Z", pageviews: 1 },
  { visit_id: "c-2", visitor_id: "c", started_at: "2025-10-10T00:00:00Z", pageviews: 1 },
];

describe.each(engines())("a workspace without leads on %s", (engine) => {
  let web: LoadedFixture;
  let mixed: LoadedFixture;
  beforeAll(async () => {
    web = await loadFixture(engine, { visits: WEB_VISITS });
    // One lead from early 2024, closed then; the visits run to 2025-11.
    mixed = await loadFixture(engine, {
      ...BASE,
      leads: [
        lead({
          id: "old",
          created_at: "2024-02-10T00:00:00Z",
          status: "won",
          closed_at: "2024-03-15T00:00:00Z",
          stage_id: "prop",
        }),
      ],
      visits: WEB_VISITS,
    });
  });
  afterAll(async () => {
    await web?.dispose();
    await mixed?.dispose();
  });

  test("engagement reports the visits, in the quarter of the latest visit, as of that visit", async () => {
    const r = await report(web.store, engagement);
    expect(r.period.label).toBe("2025-Q4");
    expect(r.asOf).toBe("2025-11-20T09:00:00.000Z");
    expect(r.asOfSource).toBe("web");
    expect(r.unsupported).toEqual([]);
    expect(r.result).toMatchObject({
      visits: 4,
      pageviews: 7,
      visitors: 3,
      returningVisitors: 2,
      returningShare: 0.666667,
      convertedVisitors: 0,
      conversionRate: 0,
    });
    const byRecency = Object.fromEntries(r.result.byRecency.map((b) => [b.bucket, b.visitors]));
    expect(byRecency).toMatchObject({ "31-60": 2, "61-120": 1, "0": 0 });
    expect(r.vanity).toEqual([expect.objectContaining({ id: "visits", value: 4 })]);
  });

  test("every lead metric answers empty or unsupported instead of refusing or crashing", async () => {
    for (const metric of METRICS) {
      const r = await report(web.store, metric);
      expect(r.period.label, metric.id).toBe("2025-Q4");
      if (metric.area === "web") continue;
      // No sales, social or newsletter data: "as of" is the latest of any data, and says so.
      expect(r.asOfSource, metric.id).toBe("none");
      expect(r.asOf, metric.id).toBe("2025-11-20T09:00:00.000Z");
      for (const h of r.headlines) expect(h.value === null || h.value === 0, `${metric.id} ${h.key}`).toBe(true);
    }
    const f = await report(web.store, funnel);
    expect(f.result.cohort).toBe(0);
  });

  test("one old lead beside recent visits: the default period is the visits' quarter", async () => {
    const e = await report(mixed.store, engagement);
    expect(e.period.label).toBe("2025-Q4");
    expect(e.result.visitors).toBe(3);
    expect([e.asOf, e.asOfSource]).toEqual(["2025-11-20T09:00:00.000Z", "web"]);
    // The lead metrics are as of the latest sale (the close), in the same period.
    const f = await report(mixed.store, funnel);
    expect(f.period.label).toBe("2025-Q4");
    expect([f.asOf, f.asOfSource]).toEqual(["2024-03-15T00:00:00.000Z", "sales"]);
    // An earlier period ends before either kind of data does: as of its end.
    const feb = await report(mixed.store, funnel, { period: "2024-02" });
    expect([feb.asOf, feb.asOfSource]).toEqual(["2024-03-01T00:00:00.000Z", "period"]);
    expect(feb.result.cohort).toBe(1);
  });

  test("a workspace with no data at all is refused with what to load", async () => {
    const empty = await openTestStore(engine);
    try {
      await expect(report(empty.store, engagement)).rejects.toThrow(
        /has no data yet; load leads, website visits, social or newsletter data with `verity import`/,
      );
    } finally {
      await empty.dispose();
    }
  });
});

describe.runIf(engines().includes("duckdb"))("verity report on a web-only workspace", () => {
  let dir: string;
  let data: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-web-only-"));
    data = await writeFixture({ visits: WEB_VISITS });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
  });

  test("imports visits alone and reports engagement and the rest", async () => {
    const env = { VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" };
    const db = join(dir, "web.duckdb");
    const imported = await verityInProcess(["--db", db, "import", data, "--format", "verity"], env);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const table = await verityInProcess(["--db", db, "report"], env);
    expect(table.stderr).toBe("");
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("━━ Visit frequency and recency · 2025-Q4");
    expect(table.stdout).toMatch(/Visitors\s+3\n/);
    const json = await verityInProcess(["--db", db, "report", "engagement", "--format", "json"], env);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { metrics: { asOf: string; asOfSource: string }[] };
    expect(parsed.metrics[0]).toMatchObject({ asOf: "2025-11-20T09:00:00.000Z", asOfSource: "web" });
  });
});
