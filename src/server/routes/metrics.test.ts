/**
 * The reading routes (routes/metrics.ts, and routes/doctor.ts's one route) through the app
 * itself (`app.request()`, no socket), on every engine: each answers what the library computes
 * for the caller's workspace, and never another's. The workspaces a and b are
 * test/support/api-workspaces.ts's; the metric numbers on a larger company:
 * test/server-metrics.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectRoutesExercised, type Keyed, sessions, startKeyedServer } from "../../../test/support/api-workspaces.js";
import { type Engine, engines } from "../../../test/support/databases.js";
import {
  type Answer,
  EngineAnswers,
  expectError,
  libraryMetric,
  libraryRequest,
  PASSWORD,
  type Query,
  type TestServer,
  wire,
  withoutId,
} from "../../../test/support/server-harness.js";
import { addUser } from "../../accounts/users.js";
import { doctor } from "../../insights/doctor.js";
import { planLeads } from "../../insights/lead-plan.js";
import { checkFor, vanityTrend } from "../../insights/vanity-check.js";
import { resolveRequest } from "../../metrics/context.js";
import { leadTimeline } from "../../metrics/lead-timeline.js";
import { METRICS } from "../../metrics/registry.js";
import { stalledLeads } from "../../metrics/stalled-leads.js";
import { stalledPage } from "../../metrics/stalled-page.js";
import { parsePeriod } from "../../model/period.js";
import { sql } from "../../store/sql.js";
import { DoctorSchema } from "../result-schemas.js";

const ENGINES = engines();
const answers = new EngineAnswers();
const keep = (engine: Engine, name: string, value: unknown) => answers.keep(engine, name, value);

const B_ADMIN = "admin@b.example";

describe.each(ENGINES)("the reading routes on %s", (engine) => {
  let t: TestServer;
  let A: Keyed;
  let B: Keyed;

  beforeAll(async () => {
    ({ t, A, B } = await startKeyedServer(engine, { data: true }));
    // The one user these tests sign in (three per workspace would cost seconds of scrypt).
    await addUser(t.store, { workspace: "b", email: B_ADMIN, name: "admin of b", role: "admin", password: PASSWORD });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const signIn = sessions(() => t);

  test("GET /api/metrics lists every metric of the registry", async () => {
    const res = await t.request("/api/metrics", { key: A.keys.metrics.secret });
    expect(res.status, res.text).toBe(200);
    expect(res.body.metrics.map((m: { id: string }) => m.id)).toEqual(METRICS.map((m) => m.id));
  });

  describe("reading routes on a small workspace", () => {
    const Q3: Query = { period: "2025-Q3" };

    test("every metric answers what the library computes, for a's key and for b's", async () => {
      for (const { id } of METRICS) {
        const a = await t.request(`/api/metrics/${id}`, { key: A.keys.metrics.secret, query: Q3 });
        const b = await t.request(`/api/metrics/${id}`, { key: B.keys.metrics.secret, query: Q3 });
        expect(a.status, a.text).toBe(200);
        expect(b.status, b.text).toBe(200);
        expect(a.body, id).toEqual(await libraryMetric(t.store, "a", id, Q3));
        expect(b.body, id).toEqual(await libraryMetric(t.store, "b", id, Q3));
        keep(engine, `a ${id}`, a.body);
        keep(engine, `b ${id}`, b.body);
      }
    });

    test("the report, check, stalled list, plan and timeline answer what the library computes", async () => {
      const key = A.keys.metrics.secret;
      const report = await t.request("/api/report", { key, query: { ...Q3, metrics: "funnel" } });
      expect(report.status, report.text).toBe(200);
      expect(report.body.metrics).toEqual([await libraryMetric(t.store, "a", "funnel", Q3)]);

      const check = await t.request("/api/check", { key, query: Q3 });
      expect(check.status, check.text).toBe(200);
      expect(check.body).toEqual(wire(await checkFor(t.store, libraryRequest("a", { ...Q3, compare: "previous" }))));

      const choices = await t.request("/api/filters", { key });
      expect(choices.status, choices.text).toBe(200);
      const reps = await t.store.query<{ id: string }>(sql`SELECT id FROM reps WHERE workspace_id = 'a' ORDER BY id`);
      expect(choices.body.reps.map((r: { id: string }) => r.id).sort()).toEqual(reps.map((r) => r.id));
      expect(choices.body.sources).toContain("unknown");
      // Another workspace's key gets that workspace's values only (a rep only b has).
      await t.store.execute(
        sql`INSERT INTO reps (workspace_id, id, source_system, external_id, name, team, active)
            VALUES ('b', 'only-b', 'test', 'only-b', 'Only In B', 'B team', true)`,
      );
      const theirs = await t.request("/api/filters", { key: B.keys.metrics.secret });
      const ours = await t.request("/api/filters", { key });
      expect(theirs.body.reps.map((r: { id: string }) => r.id)).toContain("only-b");
      expect(theirs.body.teams).toContain("B team");
      expect(JSON.stringify(ours.body)).not.toContain("only-b");
      expect(ours.body.teams).not.toContain("B team");
      await t.store.execute(sql`DELETE FROM reps WHERE workspace_id = 'b' AND id = 'only-b'`);

      const found = await t.request("/api/leads", { key, query: { search: "A-WON" } });
      expect(found.status, found.text).toBe(200);
      expect(found.body.leads.map((l: { id: string }) => l.id).sort()).toEqual(["a-won", "a-won-2"]);
      // Another workspace's leads are not found; LIKE's wildcards are matched as text.
      expect(
        (await t.request("/api/leads", { key: B.keys.metrics.secret, query: { search: "a-won" } })).body.leads,
      ).toEqual([]);
      expect((await t.request("/api/leads", { key, query: { search: "%" } })).body.leads).toEqual([]);
      expect((await t.request("/api/leads", { key, query: { search: "a_won" } })).body.leads).toEqual([]);
      expectError(await t.request("/api/leads", { key }), 400, "invalid_request", "query.search");

      const trend = await t.request("/api/check/trend", { key, query: { ...Q3, periods: "3" } });
      expect(trend.status, trend.text).toBe(200);
      const request = await resolveRequest(t.store, { ...libraryRequest("a", Q3), compare: null });
      expect(trend.body).toEqual(wire(await vanityTrend(request, 3)));
      expect(trend.body.periods).toHaveLength(3);

      const { current } = await resolveRequest(t.store, libraryRequest("a", Q3));
      const stalled = await t.request("/api/stalled", { key, query: { ...Q3, k: "1.1" } });
      expect(stalled.status, stalled.text).toBe(200);
      const { current: strict } = await resolveRequest(t.store, libraryRequest("a", { ...Q3, k: "1.1" }));
      const list = await stalledLeads(strict);
      expect(stalled.body).toEqual(wire(stalledPage(list, { offset: 0, limit: 100, sort: "daysOver:desc" })));
      expect(stalled.body.total).toBe(list.leads.length);
      expect(stalled.body.total).toBeGreaterThan(0);

      const plan = await t.request("/api/plan", {
        key,
        query: { period: "2025-Q4", targetWon: "4", history: "2025-Q3" },
      });
      expect(plan.status, plan.text).toBe(200);
      const { current: next } = await resolveRequest(t.store, libraryRequest("a", { period: "2025-Q4" }));
      expect(plan.body).toEqual(wire(await planLeads(next, { wonLeads: 4 }, parsePeriod("2025-Q3"))));
      expect(current.workspace).toBe("a");

      const timeline = await t.request("/api/leads/a-won/timeline", { key });
      expect(timeline.status, timeline.text).toBe(200);
      expect(timeline.body).toEqual(wire(await leadTimeline(t.store, "a", "a-won")));
      expect(timeline.body.events.length).toBeGreaterThanOrEqual(4);
      keep(engine, "a readings", [report.body, check.body, stalled.body, plan.body, timeline.body]);
    });
  });

  describe("data health (routes/doctor.ts)", () => {
    test("GET /api/doctor: the caller's workspace's, as the library reports it", async () => {
      const key = A.keys.metrics.secret;
      const health = await t.request("/api/doctor", { key });
      expect(health.status, health.text).toBe(200);
      expect(health.body).toEqual(wire(await doctor(t.store, "a")));
      // As the OpenAPI document describes it: nothing undocumented, nothing of another type.
      expect(DoctorSchema.parse(health.body)).toEqual(health.body);
      expect(health.body.workspace).toBe("a");
    });
  });

  describe("workspaces are isolated", () => {
    const Q3 = { period: "2025-Q3" };

    test("a's key gets a's numbers, b's key b's, and so do their users", async () => {
      const a = await t.request("/api/metrics/funnel", { key: A.keys.metrics.secret, query: Q3 });
      const b = await t.request("/api/metrics/funnel", { key: B.keys.metrics.secret, query: Q3 });
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      const libA = await libraryMetric(t.store, "a", "funnel", Q3);
      const libB = await libraryMetric(t.store, "b", "funnel", Q3);
      expect(a.body).toEqual(libA);
      expect(b.body).toEqual(libB);
      expect(libA).not.toEqual(libB);
      const cohort = (res: Answer) => res.body.headlines.find((h: { key: string }) => h.key === "cohort").value;
      expect(cohort(b)).toBe(4);
      expect(cohort(a)).toBe(6);
      keep(engine, "b funnel", b.body);
      // The same for sessions: b's admin sees b's numbers.
      const cookie = await signIn(B_ADMIN);
      const viaSession = await t.request("/api/metrics/funnel", { cookie, query: Q3 });
      expect(viaSession.body).toEqual(libB);
      // A workspace parameter is not a thing: it is refused, not obeyed.
      const sneaky = await t.request("/api/metrics/funnel", {
        key: A.keys.metrics.secret,
        query: { ...Q3, workspace: "b" },
      });
      expectError(sneaky, 400, "invalid_request", "query.workspace");
    });

    test("the stalled list and its CSV are the caller's workspace's: b's key never reads a's leads", async () => {
      const query = { ...Q3, k: "0.5" };
      const ids = async (workspace: string) => {
        const { current } = await resolveRequest(t.store, libraryRequest(workspace, query));
        return (await stalledLeads(current)).leads.map((l) => l.id);
      };
      const [aIds, bIds] = [await ids("a"), await ids("b")];
      expect(aIds.length).toBeGreaterThan(0);
      expect(bIds.length).toBeGreaterThan(0);
      const idsOf = (csv: string) =>
        csv
          .trim()
          .split("\r\n")
          .slice(1)
          .map((line) => line.split(",")[0]);
      const mine = await t.request("/api/stalled.csv", { key: A.keys.metrics.secret, query });
      expect(mine.status, mine.text).toBe(200);
      expect(mine.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(idsOf(mine.text).sort()).toEqual([...aIds].sort());
      const theirs = await t.request("/api/stalled.csv", { key: B.keys.metrics.secret, query });
      expect(theirs.status, theirs.text).toBe(200);
      expect(idsOf(theirs.text).sort()).toEqual([...bIds].sort());
      const page = await t.request("/api/stalled", { key: B.keys.metrics.secret, query });
      expect(page.body.leads.map((l: { id: string }) => l.id).sort()).toEqual([...bIds].sort());
      for (const id of aIds) {
        expect(theirs.text).not.toContain(id);
        expect(page.text).not.toContain(id);
      }
      // b's admin signed in reads b's, too; no key, or a key without metrics:read, reads nothing.
      const viaSession = await t.request("/api/stalled.csv", { cookie: await signIn(B_ADMIN), query });
      expect(viaSession.text).toBe(theirs.text);
      expectError(await t.request("/api/stalled.csv", { query }), 401, "unauthenticated");
      expectError(await t.request("/api/stalled.csv", { key: A.keys.data.secret, query }), 403, "forbidden");
    });

    test("another workspace's lead is not found, exactly like a lead that does not exist", async () => {
      expect((await t.request("/api/leads/b-only-lead/timeline", { key: B.keys.metrics.secret })).status).toBe(200);
      const theirs = await t.request("/api/leads/b-only-lead/timeline", { key: A.keys.metrics.secret });
      const nowhere = await t.request("/api/leads/no-such-lead/timeline", { key: A.keys.metrics.secret });
      expectError(theirs, 404, "not_found", null);
      expectError(nowhere, 404, "not_found", null);
      expect(withoutId(theirs.body, "b-only-lead")).toBe(withoutId(nowhere.body, "no-such-lead"));
      expect(theirs.text).not.toContain('"b"');
      expect(theirs.headers.get("content-type")).toBe(nowhere.headers.get("content-type"));
    });
  });

  test("every route of routes/metrics.ts and routes/doctor.ts was exercised", async () => {
    await expectRoutesExercised(t, "metrics");
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("give the same answers", () => {
      answers.expectAgreement(19);
    });
  });
}
