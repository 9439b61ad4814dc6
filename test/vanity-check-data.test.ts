/**
 * The vanity check on data that cannot support every pair (issue 14): each pair the data
 * cannot tell says "cannot tell" with the reason, never a number or a 0 that means "no data
 * of that kind". On both engines, with the same verdicts.
 * - The Salesforce org with Spanish stages (test/fixtures/crm/salesforce-spanish, hand-worked
 *   in its README), 2025-Q1 (its data begins in January, so 2024-Q4 has nothing to compare):
 *   nothing marks qualification, so median days to win (velocity) cannot be
 *   told; a CRM export holds no visits, social or newsletter data, so those pairs cannot be
 *   told either; the win rate of the cohort (4 of 9) stands.
 * - A workspace of website visits only: the visits pair is judged, the lead pairs cannot be.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { salesforceImporter } from "../src/ingest/crm/salesforce/index.js";
import { runImport } from "../src/ingest/importer.js";
import { checkFor, type VanityCheck, type VanityFinding } from "../src/insights/vanity-check.js";
import { resolveRequest } from "../src/metrics/context.js";
import { socialConversions } from "../src/metrics/definitions/social-conversions.js";
import type { FigureUnsupported } from "../src/metrics/metric.js";
import { runMetric } from "../src/metrics/run-metric.js";
import { engines } from "./support/databases.js";
import {
  WORKSPACE as FIXTURE_WORKSPACE,
  type FixtureRow,
  type LoadedFixture,
  loadFixture,
} from "./support/metric-fixtures.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const SPANISH = resolve(import.meta.dirname, "fixtures/crm/salesforce-spanish");
const WORKSPACE = "es";

const find = (check: VanityCheck, vanity: string): VanityFinding => {
  const found = check.findings.find((f) => f.vanity === vanity);
  if (!found) throw new Error(vanity);
  return found;
};

// Visits in 2025-09 and 2025-10 only: 2 visitors in September (one of them twice), 3 in October.
const VISITS: FixtureRow[] = [
  { visit_id: "a-1", visitor_id: "a", started_at: "2025-09-01T10:00:00Z", pageviews: 2 },
  { visit_id: "a-2", visitor_id: "a", started_at: "2025-09-20T10:00:00Z", pageviews: 1 },
  { visit_id: "b-1", visitor_id: "b", started_at: "2025-09-11T10:00:00Z", pageviews: 1 },
  { visit_id: "a-3", visitor_id: "a", started_at: "2025-10-02T10:00:00Z", pageviews: 1 },
  { visit_id: "c-1", visitor_id: "c", started_at: "2025-10-15T10:00:00Z", pageviews: 3 },
  { visit_id: "d-1", visitor_id: "d", started_at: "2025-10-30T10:00:00Z", pageviews: 1 },
];

const checks = new Map<string, { spanish: VanityCheck; web: VanityCheck }>();

describe.each(engines())("the vanity check on data that cannot support every pair, on %s", (engine) => {
  let spanish: TestStore;
  let web: LoadedFixture;
  beforeAll(async () => {
    spanish = await openTestStore(engine);
    await runImport(spanish.store, salesforceImporter, SPANISH, { workspace: WORKSPACE, format: {} });
    web = await loadFixture(engine, { visits: VISITS });
    checks.set(engine, {
      spanish: await checkFor(spanish.store, { workspace: WORKSPACE, period: "2025-Q1" }),
      web: await checkFor(web.store, { workspace: FIXTURE_WORKSPACE, period: "2025-10" }),
    });
  });
  afterAll(async () => {
    await spanish?.dispose();
    await web?.dispose();
  });

  test("Spanish stages: days to win cannot be told and names the fix; no 100% and no 0 anywhere", () => {
    const check = checks.get(engine)?.spanish as VanityCheck;
    const sales = find(check, "total-sales");
    expect(sales.verdict).toBe("unknown");
    expect(sales.kind).toBe("unsupported");
    expect(sales.realFigure.value).toBeNull();
    expect(sales.realFigure.unsupported?.fix).toContain("--qualifying-stage");
    expect(sales.finding).toMatch(/^Cannot tell: nothing marks qualification/);
    // A CRM export has no visits, posts or subscribers: those pairs are not zeros.
    for (const vanity of ["visits", "followers", "impressions", "subscribers"]) {
      const f = find(check, vanity);
      expect(f.verdict, vanity).toBe("unknown");
      expect(f.vanityFigure.value, vanity).toBeNull();
      expect(f.vanityFigure.unsupported?.reason, vanity).toMatch(
        /no (website visits|social media posts|newsletter subscribers) are loaded/,
      );
      // And what supplies it: the tracking script or the file to import.
      expect(f.vanityFigure.unsupported?.fix, vanity).toMatch(/tracking script|import social_|import newsletter_/);
      expect(f.finding, vanity).toContain(f.vanityFigure.unsupported?.fix ?? "(no fix)");
    }
    // Nothing in the check reads 100% or a 0 that stands for missing data.
    for (const f of check.findings) {
      expect(f.realFigure.value === 1 && f.realFigure.format === "percent", f.vanity).toBe(false);
    }
    // Every "cannot tell" has its reason and fix in Swedish too, and the Swedish sentence uses them.
    const unsupported = check.findings.filter((f) => f.kind === "unsupported");
    expect(unsupported.length).toBeGreaterThanOrEqual(5);
    for (const f of unsupported) {
      for (const figure of [f.vanityFigure, f.realFigure]) {
        if (!figure.unsupported) continue;
        expect(figure.unsupported.sv?.reason, f.vanity).toBeTruthy();
        expect(figure.unsupported.sv?.reason, f.vanity).not.toBe(figure.unsupported.reason);
      }
      const shown = (f.vanityFigure.unsupported ?? f.realFigure.unsupported) as FigureUnsupported;
      expect(f.words.sv, f.vanity).toContain(shown.sv?.reason ?? "(no Swedish reason)");
      expect(f.words.sv, f.vanity).not.toContain(shown.reason);
      expect(f.words.sv, f.vanity).toMatch(/^Går inte att avgöra: /);
    }
    // What needs attention first; the unknown pairs last.
    expect(check.findings.at(-1)?.verdict).toBe("unknown");
  });

  test("a report's vanity figures without data of their kind are 'cannot tell' too, not 0", async () => {
    const resolved = await resolveRequest(spanish.store, { workspace: WORKSPACE, period: "2025-Q1" });
    const report = await runMetric(socialConversions, resolved);
    const impressions = report.vanity.find((v) => v.id === "impressions");
    expect(impressions).toMatchObject({ value: null, evidence: null });
    expect(impressions?.unsupported?.reason).toBe("no social media posts are loaded");
  });

  test("visits only: the visits pair is judged, the lead pairs cannot be told", () => {
    const check = checks.get(engine)?.web as VanityCheck;
    const visits = find(check, "visits");
    // 3 visits in September, 3 in October; returning visitors 1 and 1: nothing moved.
    expect(visits.vanityFigure).toMatchObject({ value: 3, previous: 3, evidence: { kind: "count", n: 3 } });
    expect(visits.realFigure).toMatchObject({ value: 1, previous: 1 });
    expect(visits.verdict).toBe("noise");
    expect(visits.finding).toMatch(/^Within normal variation: website visits/);
    for (const vanity of ["activities", "new-leads", "total-sales", "activity-conversion"]) {
      expect(find(check, vanity).verdict, vanity).toBe("unknown");
    }
    // A real metric that cannot run says which data it lacks and what supplies it.
    const shares = find(check, "followers").realFigure.unsupported;
    expect(shares?.reason).toMatch(/^Content shares[^:]*: no social media posts are loaded$/);
    expect(shares?.fix).toMatch(/^import social_posts\.csv/);
  });
});

if (engines().length === 2) {
  test("DuckDB and PostgreSQL give the same verdicts", () => {
    const duck = checks.get("duckdb");
    const pg = checks.get("postgres");
    expect(pg).toEqual(duck);
    expect(duck?.spanish.findings).toHaveLength(8);
  });
}
