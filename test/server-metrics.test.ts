/**
 * The reading routes through the app (`app.request()`, no socket) give exactly the library's
 * numbers for the same request, on every engine, and the same numbers on both: every metric
 * with periods, filters and options, the report, the vanity check, stalled leads, the plan
 * and a lead's timeline, on the simulated small company. And the 400s and 404s of asking
 * wrong. (Authentication, workspaces and the rest: src/server/app.test.ts and
 * src/server/routes/*.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { planLeads } from "../src/insights/lead-plan.js";
import { checkFor } from "../src/insights/vanity-check.js";
import { resolveRequest } from "../src/metrics/context.js";
import { leadTimeline } from "../src/metrics/lead-timeline.js";
import { METRICS, metricById } from "../src/metrics/registry.js";
import { stalledLeads } from "../src/metrics/stalled-leads.js";
import { sortedStalledLeads } from "../src/metrics/stalled-page.js";
import { parsePeriod } from "../src/model/period.js";
import {
  LeadPlanSchema,
  LeadSearchSchema,
  LeadTimelineSchema,
  MetricReportSchema,
  ReportSchema,
  StalledLeadsPageSchema,
  VanityCheckSchema,
  VanityTrendSchema,
} from "../src/server/result-schemas.js";
import { type Engine, engines } from "./support/databases.js";
import {
  addPrincipals,
  EngineAnswers,
  expectError,
  libraryMetric,
  libraryRequest,
  type Principals,
  type Query,
  startTestServer,
  type TestServer,
  wire,
} from "./support/server-harness.js";
import { type SimulatedCompany, simulatedCompany } from "./support/simulated-company.js";

const ENGINES = engines();

const answers = new EngineAnswers();
const keep = (engine: Engine, name: string, value: unknown) => answers.keep(engine, name, value);

let company: SimulatedCompany;
beforeAll(async () => {
  company = await simulatedCompany(5);
});
afterAll(async () => {
  await company?.cleanup();
});

describe.each(ENGINES)("the reading routes on %s", (engine) => {
  let t: TestServer;
  let A: Principals;
  const get = (path: string, query: Query = {}) => t.request(path, { key: A.keys.metrics.secret, query });

  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      await runImport(store, verityImporter, company.dir, { workspace: "a" });
    });
    A = await addPrincipals(t.store, "a");
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  test("GET /api/metrics lists the nine metrics", async () => {
    const res = await get("/api/metrics");
    expect(res.status).toBe(200);
    expect(res.body.metrics.map((m: { id: string }) => m.id)).toEqual(METRICS.map((m) => m.id));
    expect(res.body.metrics).toHaveLength(9);
    for (const m of res.body.metrics) {
      const definition = metricById(m.id);
      expect(m).toEqual({
        id: definition?.id,
        title: definition?.title,
        why: definition?.why,
        definition: definition?.definition,
        replaces: [...(definition?.replaces ?? [])],
        needs: [...(definition?.needs ?? [])],
      });
    }
  });

  const COMPARED: Query = { period: "2026-Q2", compare: "previous" };
  /** The answers of GET /api/metrics/{id} for COMPARED, checked against the library. */
  const checked = new Map<string, unknown>();
  test.each(METRICS.map((m) => m.id))("GET /api/metrics/%s equals the library", async (id) => {
    const res = await get(`/api/metrics/${id}`, COMPARED);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual(await libraryMetric(t.store, "a", id, COMPARED));
    expect(res.body.metric).toBe(id);
    expect(res.body.period.label).toBe("2026-Q2");
    expect(res.body.comparison.label).toBe("2026-Q1");
    // Not vacuous: the company has data for every metric.
    expect(res.body.headlines.some((h: { value: number | null }) => h.value !== null && h.value !== 0)).toBe(true);
    keep(engine, `metric ${id} ${JSON.stringify(COMPARED)}`, res.body);
    checked.set(id, res.body);
  });

  const FILTERED: Query[] = [
    { period: "2025-11", rep: "rep-003", grain: "week", k: "3", windowDays: "14", from: "creation", topShare: "0.2" },
    { period: "2024-03-01..2024-04-15", source: "social", team: "Nordics", pipeline: "Expansion" },
  ];
  test.each(FILTERED.map((q) => [JSON.stringify(q), q] as const))(
    "every metric with filters and options %s equals the library",
    async (name, q) => {
      for (const { id } of METRICS) {
        const res = await get(`/api/metrics/${id}`, q);
        expect(res.status, `${id}: ${res.text}`).toBe(200);
        expect(res.body, id).toEqual(await libraryMetric(t.store, "a", id, q));
        keep(engine, `metric ${id} ${name}`, res.body);
      }
    },
  );

  test("the options change the answers they should", async () => {
    const result = async (id: string, q: Query) =>
      (await get(`/api/metrics/${id}`, { period: "2025-11", ...q })).body.result;
    expect(await result("velocity", { from: "creation" })).not.toEqual(await result("velocity", {}));
    expect(await result("newsletter-leads", { windowDays: "1" })).not.toEqual(await result("newsletter-leads", {}));
    expect(await result("activity-quality", { topShare: "0.5" })).not.toEqual(await result("activity-quality", {}));
    const rep = await get("/api/metrics/funnel", { period: "2025-11", rep: "rep-003" });
    expect(rep.body.filters.rep).toEqual({ id: "rep-003", name: expect.any(String) });
  });

  test("without a period: the quarter of the latest data", async () => {
    const res = await get("/api/metrics/qualified-leads");
    expect(res.status).toBe(200);
    expect(res.body.period.label).toBe("2026-Q3");
    expect(res.body).toEqual(await libraryMetric(t.store, "a", "qualified-leads", {}));
  });

  test("GET /api/report equals the library, for some metrics and for all nine", async () => {
    const q = { period: "2026-Q1", compare: "year" };
    const some = await get("/api/report", { ...q, metrics: "losses, funnel," });
    expect(some.status, some.text).toBe(200);
    const losses = (await libraryMetric(t.store, "a", "losses", q)) as Record<string, unknown>;
    const funnel = await libraryMetric(t.store, "a", "funnel", q);
    expect(some.body).toEqual({
      period: losses.period,
      comparison: losses.comparison,
      filters: losses.filters,
      currency: losses.currency,
      asOf: losses.asOf,
      metrics: [losses, funnel],
    });
    keep(engine, "report some", some.body);

    // All nine: each as GET /api/metrics/{id} answered it (and the library, above).
    const all = await get("/api/report", COMPARED);
    expect(all.status).toBe(200);
    expect(all.body.metrics.map((m: { metric: string }) => m.metric)).toEqual(METRICS.map((m) => m.id));
    expect(checked.size).toBe(9);
    for (const [i, { id }] of METRICS.entries()) expect(all.body.metrics[i], id).toEqual(checked.get(id));
    expect(all.body.comparison.label).toBe("2026-Q1");
  });

  test("GET /api/check equals the library's vanity check (against the previous period by default)", async () => {
    const res = await get("/api/check", { period: "2026-Q2" });
    expect(res.status, res.text).toBe(200);
    const request = libraryRequest("a", { period: "2026-Q2", compare: "previous" });
    expect(res.body).toEqual(wire(await checkFor(t.store, request)));
    expect(res.body.findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).toContain("2026-Q1");
    keep(engine, "check", res.body);
  });

  test("GET /api/check/trend: its last two periods are the check's two, pair by pair", async () => {
    const res = await get("/api/check/trend", { period: "2026-Q2", periods: "4" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.periods.map((p: { label: string }) => p.label)).toEqual([
      "2025-Q3",
      "2025-Q4",
      "2026-Q1",
      "2026-Q2",
    ]);
    const check = await checkFor(t.store, libraryRequest("a", { period: "2026-Q2", compare: "previous" }));
    expect(res.body.pairs).toHaveLength(check.findings.length);
    for (const finding of check.findings) {
      const pair = res.body.pairs.find((p: { vanity: string }) => p.vanity === finding.vanity);
      expect(pair.vanityValues.slice(-2), finding.vanity).toEqual([
        finding.vanityFigure.previous,
        finding.vanityFigure.value,
      ]);
      expect(pair.realValues.slice(-2), finding.vanity).toEqual([
        finding.realFigure.previous,
        finding.realFigure.value,
      ]);
    }
    keep(engine, "check trend", res.body);
    expectError(await get("/api/check/trend", { periods: "40" }), 400, "invalid_request", "query.periods");
  });

  test("GET /api/leads finds what a plain filter over the company's leads finds, newest first", async () => {
    for (const search of ["ab", "Automation", "L11", "example"]) {
      const res = await get("/api/leads", { search, limit: "15" });
      expect(res.status, res.text).toBe(200);
      const needle = search.toLowerCase();
      const expected = company.tables.leads
        .filter((l) =>
          [l.id, l.external_id ?? l.id, l.name, l.account, l.contact].some((v) =>
            (v ?? "").toLowerCase().includes(needle),
          ),
        )
        .sort(
          (a, b) =>
            Date.parse(String(b.created_at)) - Date.parse(String(a.created_at)) ||
            String(a.id).localeCompare(String(b.id)),
        )
        .slice(0, 15)
        .map((l) => l.id);
      expect(expected.length, search).toBeGreaterThan(0);
      expect(
        res.body.leads.map((l: { id: string }) => l.id),
        search,
      ).toEqual(expected);
      keep(engine, `leads ${search}`, res.body);
    }
  });

  test("GET /api/stalled equals the library, with k: its whole list in one page of 1,000", async () => {
    for (const q of [{ period: "2026-Q3" }, { period: "2026-Q3", k: "1.5", pipeline: "new-business" }] as Query[]) {
      const res = await get("/api/stalled", { ...q, limit: "1000" });
      expect(res.status, res.text).toBe(200);
      const { current } = await resolveRequest(t.store, libraryRequest("a", q));
      const { leads, ...list } = await stalledLeads(current);
      expect(leads.length).toBeGreaterThan(0);
      expect(leads.length).toBeLessThan(1000);
      const { leads: page, total, offset, limit, sort, ...rest } = res.body;
      expect(rest).toEqual(wire(list));
      expect({ total, offset, limit, sort }).toEqual({
        total: leads.length,
        offset: 0,
        limit: 1000,
        sort: "daysOver:desc",
      });
      // The same leads, in the list's own order (most days over first; ties by id).
      expect(page).toEqual(wire(sortedStalledLeads({ ...list, leads }, "daysOver:desc")));
      expect(new Set(page.map((l: { id: string }) => l.id))).toEqual(new Set(leads.map((l) => l.id)));
      keep(engine, `stalled ${JSON.stringify(q)}`, res.body);
    }
    const loose = await get("/api/stalled", { period: "2026-Q3", k: "1.5" });
    const strict = await get("/api/stalled", { period: "2026-Q3", k: "6" });
    expect(loose.body.total).toBeGreaterThan(strict.body.total);
  });

  test("GET /api/plan equals the library, for a revenue or a won-leads target and a history period", async () => {
    const revenue = { period: "2027-Q1", targetRevenue: "750000", pipeline: "new-business" };
    const r1 = await get("/api/plan", revenue);
    expect(r1.status, r1.text).toBe(200);
    const c1 = (await resolveRequest(t.store, libraryRequest("a", revenue))).current;
    expect(r1.body).toEqual(wire(await planLeads(c1, { revenue: 750_000 })));
    expect(r1.body.stages.length).toBeGreaterThan(0);

    const won = { period: "2026-Q4", targetWon: "12", history: "2026-H1", pipeline: "Expansion" };
    const r2 = await get("/api/plan", won);
    expect(r2.status, r2.text).toBe(200);
    const c2 = (await resolveRequest(t.store, libraryRequest("a", won))).current;
    expect(r2.body).toEqual(wire(await planLeads(c2, { wonLeads: 12 }, parsePeriod("2026-H1"))));
    expect(r2.body).not.toEqual(r1.body);
    keep(engine, "plan", [r1.body, r2.body]);

    expectError(await get("/api/plan", { period: "2027-Q1" }), 400, "invalid_request", "query.targetWon");
    expectError(await get("/api/plan", { targetWon: "3" }), 400, "invalid_request", "query.period");
    expectError(
      await get("/api/plan", { period: "2027-Q1", targetWon: "-3" }),
      400,
      "invalid_request",
      "query.targetWon",
    );
    // A bad history period is named as history, not as the period.
    const history = await get("/api/plan", { period: "2027-Q1", targetWon: "3", history: "last year" });
    expectError(history, 400, "invalid_request", "query.history");
  });

  test("GET /api/leads/{id}/timeline equals the library", async () => {
    const res = await get("/api/leads/L2/timeline");
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual(wire(await leadTimeline(t.store, "a", "L2")));
    expect(res.body.lead.id).toBe("L2");
    expect(res.body.events.length).toBeGreaterThan(2);
    keep(engine, "timeline L2", res.body);
  });

  test("an unknown metric is a 404; an unknown metric in a report a 400 naming query.metrics", async () => {
    const res = await get("/api/metrics/vanity");
    expectError(res, 404, "not_found", null);
    expect(res.body.error.message).toContain("vanity");
    const report = await get("/api/report", { metrics: "funnel,vanity" });
    expectError(report, 400, "invalid_request", "query.metrics");
    expect(report.body.error.message).toContain("vanity");
  });

  test("a bad period is a 400 naming query.period", async () => {
    for (const period of ["2025-Q5", "yesterday", "2025-13", "2025-09-30..2025-01-01"]) {
      for (const path of ["/api/metrics/funnel", "/api/check", "/api/stalled", "/api/report"]) {
        const res = await get(path, { period });
        expectError(res, 400, "invalid_request", "query.period");
        expect(res.body.error.message).toContain(period.split("..")[0]);
      }
    }
    const tooLong = await get("/api/metrics/funnel", { period: "2".repeat(41) });
    expectError(tooLong, 400, "invalid_request", "query.period");
  });

  test("an unknown query parameter is a 400 naming it", async () => {
    for (const path of ["/api/metrics/funnel", "/api/report", "/api/check", "/api/stalled"]) {
      const res = await get(path, { period: "2026-Q2", perod: "2026-Q1" });
      expectError(res, 400, "invalid_request", "query.perod");
      expect(res.body.error.message).toContain("perod");
      keep(engine, `unknown parameter ${path}`, res.body);
    }
    const plan = await get("/api/plan", { period: "2027-Q1", targetWon: "2", target: "9" });
    expectError(plan, 400, "invalid_request", "query.target");
    // Every unknown parameter is listed.
    const two = await get("/api/metrics/funnel", { colour: "red", size: "xl" });
    expect(two.body.error.issues.map((i: { field: string }) => i.field)).toEqual(["query.colour", "query.size"]);
  });

  test("a bad k, grain, window, comparison or share is a 400 naming it", async () => {
    for (const k of ["abc", "0", "-1", "101", ""]) {
      expectError(await get("/api/stalled", { k }), 400, "invalid_request", "query.k");
    }
    expectError(await get("/api/metrics/funnel", { grain: "fortnight" }), 400, "invalid_request", "query.grain");
    expectError(
      await get("/api/metrics/newsletter-leads", { windowDays: "1.5" }),
      400,
      "invalid_request",
      "query.windowDays",
    );
    expectError(await get("/api/metrics/funnel", { compare: "last" }), 400, "invalid_request", "query.compare");
    expectError(
      await get("/api/metrics/activity-quality", { topShare: "0.9" }),
      400,
      "invalid_request",
      "query.topShare",
    );
    expectError(await get("/api/metrics/velocity", { from: "birth" }), 400, "invalid_request", "query.from");
  });

  test("an unknown rep, team or pipeline is a 400 that names what was asked", async () => {
    for (const q of [{ rep: "nobody-here" }, { team: "nobody-here" }, { pipeline: "nobody-here" }] as Query[]) {
      const res = await get("/api/metrics/funnel", q);
      expectError(res, 400, "invalid_request");
      expect(res.body.error.message).toContain("nobody-here");
    }
    expectError(await get("/api/metrics/funnel", { rep: "rep-003", team: "Nordics" }), 400, "invalid_request");
  });

  test("a lead that does not exist is a 404", async () => {
    const res = await get("/api/leads/no-such-lead/timeline");
    expectError(res, 404, "not_found", null);
    expect(res.body.error.message).toContain("no-such-lead");
  });

  test("every answer above is what the OpenAPI document says it is (src/server/result-schemas.ts)", () => {
    const schemaOf = (name: string): z.ZodType | null => {
      if (name.startsWith("metric ")) return MetricReportSchema;
      if (name.startsWith("report ")) return ReportSchema;
      if (name === "check") return VanityCheckSchema;
      if (name === "check trend") return VanityTrendSchema;
      if (name.startsWith("stalled ")) return StalledLeadsPageSchema;
      if (name === "plan") return z.array(LeadPlanSchema);
      if (name.startsWith("leads ")) return LeadSearchSchema;
      if (name.startsWith("timeline ")) return LeadTimelineSchema;
      return null;
    };
    let documented = 0;
    for (const [name, byEngine] of answers.answers) {
      const schema = schemaOf(name);
      if (!schema) continue;
      const answer = byEngine[engine];
      // Parsing keeps only the documented fields and fails on a documented one of another type
      // or missing: an equal parse is an answer with nothing undocumented and nothing wrong.
      expect(schema.parse(answer), name).toEqual(answer);
      documented += 1;
    }
    // The nine metrics three ways, the report, the check, its trend, two stalled lists, the
    // plans, the searches and a timeline.
    expect(documented).toBeGreaterThanOrEqual(27 + 8);
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("give the same answers to every reading route", () => {
      answers.expectAgreement(30);
    });
  });
}
