/**
 * The HTTP API through the app itself (`app.request()`, no socket), on every engine: the
 * OpenAPI document and that every route in it is exercised, authentication (keys, scopes,
 * roles, sessions), the isolation of workspaces, the admin routes and the one error shape.
 * Workspaces `a` and `b` hold different hand-made leads, so their numbers differ. The metric
 * numbers on a larger company: server-metrics.test.ts; pushing data, uploads and tracking in
 * depth: server-ingest.test.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listKeys } from "../src/accounts/keys.js";
import { listSites } from "../src/accounts/sites.js";
import { listUsers, userById } from "../src/accounts/users.js";
import { doctor } from "../src/insights/doctor.js";
import { planLeads } from "../src/insights/lead-plan.js";
import { checkFor, vanityTrend } from "../src/insights/vanity-check.js";
import { resolveRequest } from "../src/metrics/context.js";
import { leadTimeline } from "../src/metrics/lead-timeline.js";
import { METRICS } from "../src/metrics/registry.js";
import { stalledLeads } from "../src/metrics/stalled-leads.js";
import { parsePeriod } from "../src/model/period.js";
import { createSession } from "../src/server/auth/sessions.js";
import { sql } from "../src/store/sql.js";
import { type Engine, engines } from "./support/databases.js";
import { BASE, type Fixture, lead } from "./support/metric-fixtures.js";
import {
  type Answer,
  addPrincipals,
  countRows,
  EngineAnswers,
  expectError,
  importFixture,
  libraryMetric,
  libraryRequest,
  PASSWORD,
  type Principals,
  type Query,
  startTestServer,
  type TestServer,
  unexercised,
  wire,
  withoutId,
} from "./support/server-harness.js";

const ENGINES = engines();
const CRM = join(import.meta.dirname, "fixtures", "crm");

/** Stage events walking a lead from `new` through the stages given, a day apart from `start`. */
function walk(leadId: string, start: string, stages: string[]): NonNullable<Fixture["stage_events"]> {
  const t0 = Date.parse(start);
  return stages.map((stage, i) => ({
    lead_id: leadId,
    from_stage_id: i === 0 ? null : stages[i - 1],
    to_stage_id: stage,
    changed_at: new Date(t0 + i * 3 * 86_400_000).toISOString(),
  }));
}

/** Workspace a: six leads created in 2025-Q3. */
const A_DATA: Fixture = {
  ...BASE,
  leads: [
    lead({
      id: "a-won",
      contact: "buyer@a.example",
      stage_id: "prop",
      status: "won",
      created_at: "2025-07-03T09:00:00Z",
      closed_at: "2025-08-15T10:00:00Z",
      value: 2500,
      currency: "EUR",
    }),
    lead({
      id: "a-won-2",
      owner_id: "bob",
      stage_id: "prop",
      status: "won",
      created_at: "2025-07-20T09:00:00Z",
      closed_at: "2025-09-10T10:00:00Z",
      value: 1500,
      currency: "EUR",
    }),
    lead({
      id: "a-lost",
      stage_id: "demo",
      status: "lost",
      created_at: "2025-08-01T09:00:00Z",
      closed_at: "2025-09-01T10:00:00Z",
      value: 800,
      currency: "EUR",
      loss_reason: "price",
    }),
    lead({ id: "a-open-1", stage_id: "demo", created_at: "2025-07-15T09:00:00Z" }),
    lead({ id: "a-open-2", owner_id: "bob", stage_id: "qual", created_at: "2025-08-20T09:00:00Z" }),
    lead({ id: "a-open-3", owner_id: "cid", stage_id: "new", created_at: "2025-09-01T09:00:00Z" }),
  ],
  stage_events: [
    ...walk("a-won", "2025-07-03T09:00:00Z", ["new", "qual", "demo", "prop"]),
    ...walk("a-won-2", "2025-07-20T09:00:00Z", ["new", "qual", "demo", "prop"]),
    ...walk("a-lost", "2025-08-01T09:00:00Z", ["new", "qual", "demo"]),
    ...walk("a-open-1", "2025-07-15T09:00:00Z", ["new", "qual", "demo"]),
    ...walk("a-open-2", "2025-08-20T09:00:00Z", ["new", "qual"]),
    ...walk("a-open-3", "2025-09-01T09:00:00Z", ["new"]),
  ],
  activities: [
    { id: "a-act-1", lead_id: "a-won", rep_id: "ann", type: "call", occurred_at: "2025-07-04T10:00:00Z" },
    { id: "a-act-2", lead_id: "a-won", rep_id: "ann", type: "meeting", occurred_at: "2025-07-10T10:00:00Z" },
    { id: "a-act-3", lead_id: "a-won-2", rep_id: "bob", type: "demo", occurred_at: "2025-08-01T10:00:00Z" },
    { id: "a-act-4", lead_id: "a-lost", rep_id: "ann", type: "email", occurred_at: "2025-08-05T10:00:00Z" },
    { id: "a-act-5", lead_id: "a-open-2", rep_id: "bob", type: "call", occurred_at: "2025-08-21T10:00:00Z" },
  ],
};

/** Workspace b: four leads of 2025-Q3, one of them (b-only-lead) with an id workspace a does not have. */
const B_DATA: Fixture = {
  ...BASE,
  leads: [
    lead({
      id: "b-won",
      contact: "won@b.example",
      stage_id: "prop",
      status: "won",
      created_at: "2025-07-02T09:00:00Z",
      closed_at: "2025-08-20T10:00:00Z",
      value: 1000,
      currency: "EUR",
    }),
    lead({
      id: "b-lost",
      stage_id: "qual",
      status: "lost",
      created_at: "2025-07-10T09:00:00Z",
      closed_at: "2025-09-01T10:00:00Z",
      value: 400,
      currency: "EUR",
      loss_reason: "price",
    }),
    lead({ id: "b-open", owner_id: "bob", stage_id: "demo", created_at: "2025-08-01T09:00:00Z" }),
    lead({ id: "b-only-lead", owner_id: "cid", stage_id: "new", created_at: "2025-09-05T09:00:00Z" }),
  ],
  stage_events: [
    ...walk("b-won", "2025-07-02T09:00:00Z", ["new", "qual", "demo", "prop"]),
    ...walk("b-lost", "2025-07-10T09:00:00Z", ["new", "qual"]),
    ...walk("b-open", "2025-08-01T09:00:00Z", ["new", "demo"]),
    ...walk("b-only-lead", "2025-09-05T09:00:00Z", ["new"]),
  ],
  activities: [
    { id: "b-act-1", lead_id: "b-won", rep_id: "ann", type: "call", occurred_at: "2025-07-03T10:00:00Z" },
    { id: "b-act-2", lead_id: "b-won", rep_id: "ann", type: "demo", occurred_at: "2025-07-21T10:00:00Z" },
    { id: "b-act-3", lead_id: "b-open", rep_id: "bob", type: "email", occurred_at: "2025-08-02T10:00:00Z" },
  ],
};

type Schema = { type?: string; properties?: Record<string, unknown>; additionalProperties?: unknown };
type Media = { schema?: Schema };
type Operation = {
  operationId: string;
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, Media> };
  security: object[];
};
type OpenApi = {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const answers = new EngineAnswers();
const keep = (engine: Engine, name: string, value: unknown) => answers.keep(engine, name, value);

describe.each(ENGINES)("the HTTP API on %s", (engine) => {
  let t: TestServer;
  let A: Principals;
  let B: Principals;
  let doc: OpenApi;

  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      await importFixture(store, "a", A_DATA);
      await importFixture(store, "b", B_DATA);
    });
    A = await addPrincipals(t.store, "a", { domains: ["www.a.example", "*.a-shop.example"] });
    B = await addPrincipals(t.store, "b");
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  /**
   * One session per user for the whole file: sign-in attempts are limited to ten a minute
   * per address, and every request here comes from the same one ("unknown", no socket).
   */
  const sessions = new Map<string, string>();
  const signIn = async (email: string) => {
    const cookie = sessions.get(email) ?? (await t.login(email, PASSWORD));
    sessions.set(email, cookie);
    return cookie;
  };

  describe("the OpenAPI document", () => {
    test("is OpenAPI 3.1 with responses, schemas and unique operation ids for every route", async () => {
      const res = await t.request("/api/openapi.json");
      expect(res.status).toBe(200);
      doc = res.body as OpenApi;
      keep(engine, "openapi", doc);
      expect(doc.openapi).toBe("3.1.0");
      expect(doc.info.title).toBe("Verity");
      expect(doc.components.schemas.Error?.properties?.error).toBeDefined();
      const ids: string[] = [];
      let operations = 0;
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          operations += 1;
          const where = `${method} ${path}`;
          expect(["get", "post", "delete"], where).toContain(method);
          expect(typeof op.operationId, where).toBe("string");
          ids.push(op.operationId);
          expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
          for (const [status, response] of Object.entries(op.responses)) {
            expect(status, where).toMatch(/^[1-5]\d\d$/);
            expect(typeof response.description, `${where} ${status}`).toBe("string");
            for (const media of Object.values(response.content ?? {})) {
              expect(typeof media.schema, `${where} ${status}`).toBe("object");
            }
          }
          const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
          const params = op.parameters ?? [];
          for (const name of inPath) {
            expect(
              params.find((p) => p.in === "path" && p.name === name && p.required === true),
              where,
            ).toBeDefined();
          }
          for (const p of params) {
            expect(["path", "query"], where).toContain(p.in);
            expect(typeof p.schema, `${where} ${p.name}`).toBe("object");
            expect(Object.keys(p.schema ?? {}).length, `${where} ${p.name}`).toBeGreaterThan(0);
          }
          if (op.requestBody) {
            const media = Object.entries(op.requestBody.content);
            expect(media.length, where).toBeGreaterThan(0);
            for (const [type, m] of media) {
              expect(typeof m.schema, `${where} ${type}`).toBe("object");
              if (type === "application/json") expect(m.schema?.type, `${where} ${type}`).toBe("object");
            }
          }
          // A route that needs a key or session says so, and documents 401/403.
          if (op.security.length > 0) {
            expect(op.responses["401"], where).toBeDefined();
            expect(op.responses["403"], where).toBeDefined();
          }
        }
      }
      expect(operations).toBeGreaterThanOrEqual(20);
      expect(new Set(ids).size).toBe(ids.length);
    });

    test("documents what the routes validate: query parameters, JSON bodies, the tracking wire format", () => {
      const op = (path: string, method: string) => doc.paths[path]?.[method] as Operation;
      const names = (op("/api/metrics/{id}", "get").parameters ?? []).map((p) => `${p.in}:${p.name}`);
      for (const name of ["path:id", "query:period", "query:pipeline", "query:rep", "query:k", "query:grain"]) {
        expect(names).toContain(name);
      }
      const push = op("/api/data", "post").requestBody?.content["application/json"]?.schema;
      expect(Object.keys(push?.properties ?? {})).toEqual(
        expect.arrayContaining(["leads", "stage_events", "activities"]),
      );
      expect(push?.additionalProperties).toBe(false);
      const upload = op("/api/import", "post").requestBody?.content ?? {};
      expect(Object.keys(upload)).toEqual(["application/octet-stream"]);
      // The script sends JSON as text/plain; the document must say what that JSON is, not "bytes".
      const event = op("/api/event", "post").requestBody?.content ?? {};
      for (const type of ["application/json", "text/plain"]) {
        expect(Object.keys(event[type]?.schema?.properties ?? {}), type).toEqual(["site", "events"]);
      }
      expect(op("/api/event", "post").security).toEqual([]);
      expect(op("/api/login", "post").responses["429"]).toBeDefined();
    });
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

      // Data health: the caller's workspace's, as the library reports it.
      const health = await t.request("/api/doctor", { key });
      expect(health.status, health.text).toBe(200);
      expect(health.body).toEqual(wire(await doctor(t.store, "a")));
      expect(health.body.workspace).toBe("a");

      const { current } = await resolveRequest(t.store, libraryRequest("a", Q3));
      const stalled = await t.request("/api/stalled", { key, query: { ...Q3, k: "1.1" } });
      expect(stalled.status, stalled.text).toBe(200);
      const { current: strict } = await resolveRequest(t.store, libraryRequest("a", { ...Q3, k: "1.1" }));
      expect(stalled.body).toEqual(wire(await stalledLeads(strict)));

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

  describe("authentication", () => {
    test("no credentials: 401 in the one error shape", async () => {
      for (const path of ["/api/metrics", "/api/metrics/funnel", "/api/keys", "/api/me"]) {
        const res = await t.request(path);
        expectError(res, 401, "unauthenticated", "header.authorization");
        expect(res.headers.get("www-authenticate")).toBe("Bearer");
        keep(engine, `401 ${path}`, res.body);
      }
      expect((await t.request("/api/metrics", { key: "nope" })).headers.get("www-authenticate")).toBe("Bearer");
      expectError(await t.request("/api/data", { body: { reps: [] } }), 401, "unauthenticated", "header.authorization");
    });

    test("a malformed, unknown, mistyped or revoked key: 401", async () => {
      const real = A.keys.metrics.secret;
      const keyId = A.keys.metrics.id;
      const bad = [
        "nope",
        "vk_short_abc",
        `vk_zzzzzzzzzzzz_${"A".repeat(43)}`,
        `vk_${keyId}_${"A".repeat(43)}`,
        `${real}x`,
        real.slice(0, -1),
      ];
      for (const key of bad) {
        expectError(await t.request("/api/metrics", { key }), 401, "unauthenticated", "header.authorization");
      }
      // Not a bearer token at all.
      const basic = await t.request("/api/metrics", { headers: { authorization: `Basic ${btoa("a:b")}` } });
      expectError(basic, 401, "unauthenticated", "header.authorization");
      // A wrong key is refused even with a valid session alongside it.
      const cookie = await signIn(A.users.rep.email);
      expectError(await t.request("/api/metrics", { key: "nope", cookie }), 401, "unauthenticated");

      const made = await t.request("/api/keys", {
        key: A.keys.all.secret,
        body: { name: "short-lived", scopes: ["metrics:read"] },
      });
      expect(made.status).toBe(201);
      expect((await t.request("/api/metrics", { key: made.body.secret })).status).toBe(200);
      const revoked = await t.request(`/api/keys/${made.body.id}`, { method: "DELETE", key: A.keys.admin.secret });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ revoked: made.body.id });
      expectError(await t.request("/api/metrics", { key: made.body.secret }), 401, "unauthenticated");
      expectError(
        await t.request(`/api/keys/${made.body.id}`, { method: "DELETE", key: A.keys.admin.secret }),
        404,
        "not_found",
      );
    });

    test("a key without the scope: 403", async () => {
      const push = await t.request("/api/data", {
        key: A.keys.metrics.secret,
        body: { reps: [{ id: "x", name: "X" }] },
      });
      expectError(push, 403, "forbidden");
      expect(push.body.error.message).toContain("data:write");
      expectError(await t.request("/api/keys", { key: A.keys.data.secret }), 403, "forbidden");
      expectError(await t.request("/api/metrics", { key: A.keys.data.secret }), 403, "forbidden");
      expectError(await t.request("/api/metrics/funnel", { key: A.keys.admin.secret }), 403, "forbidden");
      expectError(
        await t.request("/api/import", { key: A.keys.metrics.secret, query: { format: "hubspot" }, body: "x" }),
        403,
        "forbidden",
      );
      expect(await countRows(t.store, "reps", "a")).toBe(3);
      // The key with every scope may do all of it.
      expect((await t.request("/api/keys", { key: A.keys.all.secret })).status).toBe(200);
      expect((await t.request("/api/metrics", { key: A.keys.all.secret })).status).toBe(200);
    });

    test("GET /api/me with a key: the key's workspace and scopes, no user", async () => {
      const res = await t.request("/api/me", { key: A.keys.data.secret });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ workspace: "a", via: "key", role: null, scopes: ["data:write"], user: null });
    });
  });

  describe("roles through sessions", () => {
    let rep: string;
    let manager: string;
    beforeAll(async () => {
      rep = await signIn(A.users.rep.email);
      manager = await signIn(A.users.manager.email);
    });

    test("a rep reads metrics but cannot push data or manage keys", async () => {
      const q = { period: "2025-Q3" };
      const res = await t.request("/api/metrics/qualified-leads", { cookie: rep, query: q });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(await libraryMetric(t.store, "a", "qualified-leads", q));
      expectError(
        await t.request("/api/data", { cookie: rep, body: { reps: [{ id: "r", name: "R" }] } }),
        403,
        "forbidden",
      );
      expectError(await t.request("/api/keys", { cookie: rep }), 403, "forbidden");
      expect((await t.request("/api/me", { cookie: rep })).body).toMatchObject({
        workspace: "a",
        via: "session",
        role: "rep",
        scopes: ["metrics:read"],
        user: { email: A.users.rep.email },
      });
    });

    test("a manager pushes data but cannot manage keys", async () => {
      const before = await countRows(t.store, "reps", "a");
      const res = await t.request("/api/data", {
        cookie: manager,
        body: { reps: [{ id: "rep-pushed", name: "Pushed Rep", team: "Nordics" }] },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.tables.reps).toMatchObject({ rows: 1, created: 1 });
      expect(await countRows(t.store, "reps", "a")).toBe(before + 1);
      expectError(await t.request("/api/keys", { cookie: manager }), 403, "forbidden");
      expectError(
        await t.request("/api/sites", { cookie: manager, body: { name: "x", domains: ["x.example"] } }),
        403,
        "forbidden",
      );
    });

    test("an admin manages keys", async () => {
      const admin = await signIn(A.users.admin.email);
      const made = await t.request("/api/keys", {
        cookie: admin,
        body: { name: "from the dashboard", scopes: ["metrics:read"] },
      });
      expect(made.status, made.text).toBe(201);
      const listed = await t.request("/api/keys", { cookie: admin });
      expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(made.body.id);
    });
  });

  describe("sessions", () => {
    test("a wrong password and an unknown email get the same 401", async () => {
      const wrong = await t.request("/api/login", {
        body: { email: A.users.admin.email, password: "not the password" },
      });
      const unknown = await t.request("/api/login", { body: { email: "nobody@a.example", password: PASSWORD } });
      expectError(wrong, 401, "unauthenticated");
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.headers.get("set-cookie")).toBeNull();
      expect(unknown.headers.get("set-cookie")).toBeNull();
      expectError(
        await t.request("/api/login", { body: { email: A.users.admin.email } }),
        400,
        "invalid_request",
        "body.password",
      );
    });

    test("the right password sets an httpOnly SameSite=Lax cookie that works until logout", async () => {
      const res = await t.request("/api/login", {
        body: { email: A.users.admin.email.toUpperCase(), password: PASSWORD },
      });
      expect(res.status, res.text).toBe(200);
      const setCookie = res.headers.get("set-cookie") ?? "";
      expect(setCookie).toMatch(/^verity_session=[A-Za-z0-9_-]{43};/);
      expect(setCookie).toMatch(/;\s*HttpOnly/i);
      expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
      expect(setCookie).toMatch(/;\s*Path=\/(;|$)/);
      expect(setCookie).toMatch(/;\s*Max-Age=1209600/);
      expect(setCookie).not.toMatch(/Secure/i); // plain http here
      expect(res.body).toMatchObject({
        workspace: "a",
        via: "session",
        role: "admin",
        user: { email: A.users.admin.email },
      });
      const cookie = setCookie.split(";")[0] as string;

      const me = await t.request("/api/me", { cookie });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        workspace: "a",
        via: "session",
        role: "admin",
        scopes: ["metrics:read", "data:write", "admin"],
        user: { id: A.users.admin.id, email: A.users.admin.email, name: "admin of a" },
      });

      const out = await t.request("/api/logout", { method: "POST", cookie });
      expect(out.status, out.text).toBe(200);
      expect(out.body).toEqual({ ok: true });
      expect(out.headers.get("set-cookie")).toMatch(/verity_session=;.*Max-Age=0/i);
      expectError(await t.request("/api/me", { cookie }), 401, "unauthenticated");
      expectError(await t.request("/api/keys", { cookie }), 401, "unauthenticated");
      // A cookie that was never issued, or is not even token-shaped.
      expectError(await t.request("/api/me", { cookie: `verity_session=${"x".repeat(43)}` }), 401, "unauthenticated");
      expectError(await t.request("/api/me", { cookie: "verity_session=%%%" }), 401, "unauthenticated");
    });

    test("a signed-in write from another site is refused; from this site it is not", async () => {
      const manager = await signIn(A.users.manager.email);
      const body = { reps: [{ id: "rep-origin", name: "Origin Rep" }] };
      const before = await countRows(t.store, "reps", "a");
      for (const origin of ["https://evil.example", "http://localhost.evil.example", "null"]) {
        const res = await t.request("/api/data", { cookie: manager, body, headers: { origin } });
        expectError(res, 403, "forbidden", "header.origin");
      }
      expect(await countRows(t.store, "reps", "a")).toBe(before);
      const same = await t.request("/api/data", { cookie: manager, body, headers: { origin: "http://localhost" } });
      expect(same.status, same.text).toBe(200);
      expect(await countRows(t.store, "reps", "a")).toBe(before + 1);
      // An API key is no cookie: the Origin does not matter to it.
      const keyed = await t.request("/api/data", {
        key: A.keys.data.secret,
        body,
        headers: { origin: "https://evil.example" },
      });
      expect(keyed.status).toBe(200);
      // Reading is allowed whatever the Origin (a cross-site page cannot read the answer anyway).
      expect(
        (await t.request("/api/me", { cookie: manager, headers: { origin: "https://evil.example" } })).status,
      ).toBe(200);
    });

    test("behind a trusted proxy, the host the browser used (X-Forwarded-Host) is this site", async () => {
      const manager = await signIn(A.users.manager.email);
      const body = { reps: [{ id: "rep-proxied", name: "Proxied Rep" }] };
      const proxied = { origin: "https://verity.a.example", "x-forwarded-host": "verity.a.example" };
      const behind = await t.sibling({ trustProxy: true });
      const res = await behind.request("/api/data", { cookie: manager, body, headers: proxied });
      expect(res.status, res.text).toBe(200);
      // Another site is still another site, and an untrusted X-Forwarded-Host is ignored.
      const evil = { ...proxied, origin: "https://evil.example" };
      expectError(await behind.request("/api/data", { cookie: manager, body, headers: evil }), 403, "forbidden");
      expectError(await t.request("/api/data", { cookie: manager, body, headers: proxied }), 403, "forbidden");
    });
  });

  describe("an open server (--no-auth)", () => {
    test("serves its workspace to everyone as an admin; a key still acts as itself", async () => {
      const open = await t.sibling({ auth: false, workspace: "a" });
      const me = await open.request("/api/me");
      expect(me.status, me.text).toBe(200);
      expect(me.body).toEqual({
        workspace: "a",
        via: "open",
        role: "admin",
        scopes: ["metrics:read", "data:write", "admin"],
        user: null,
      });
      const q = { period: "2025-Q3" };
      const funnel = await open.request("/api/metrics/funnel", { query: q });
      expect(funnel.body).toEqual(await libraryMetric(t.store, "a", "funnel", q));
      expect((await open.request("/api/me", { key: B.keys.metrics.secret })).body.workspace).toBe("b");
      expectError(await open.request("/api/me", { key: "nope" }), 401, "unauthenticated", "header.authorization");
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
      const cookie = await signIn(B.users.admin.email);
      const viaSession = await t.request("/api/metrics/funnel", { cookie, query: Q3 });
      expect(viaSession.body).toEqual(libB);
      // A workspace parameter is not a thing: it is refused, not obeyed.
      const sneaky = await t.request("/api/metrics/funnel", {
        key: A.keys.metrics.secret,
        query: { ...Q3, workspace: "b" },
      });
      expectError(sneaky, 400, "invalid_request", "query.workspace");
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

    test("another workspace's key cannot be revoked, and is answered like a key that does not exist", async () => {
      const theirs = await t.request(`/api/keys/${B.keys.metrics.id}`, { method: "DELETE", key: A.keys.admin.secret });
      const nowhere = await t.request("/api/keys/zzzzzzzzzzzz", { method: "DELETE", key: A.keys.admin.secret });
      expectError(theirs, 404, "not_found", null);
      expectError(nowhere, 404, "not_found", null);
      expect(withoutId(theirs.body, B.keys.metrics.id)).toBe(withoutId(nowhere.body, "zzzzzzzzzzzz"));
      // b's key still works.
      expect((await t.request("/api/metrics", { key: B.keys.metrics.secret })).status).toBe(200);
    });

    test("listing keys, sites and users shows the caller's workspace only", async () => {
      const keys = await t.request("/api/keys", { key: A.keys.admin.secret });
      const sites = await t.request("/api/sites", { key: A.keys.admin.secret });
      const users = await t.request("/api/users", { key: A.keys.admin.secret });
      for (const res of [keys, sites, users]) expect(res.status).toBe(200);
      const ids = (list: { id: string }[]) => list.map((x) => x.id).sort();
      expect(ids(keys.body.keys)).toEqual(ids(await listKeys(t.store, "a")));
      expect(ids(sites.body.sites)).toEqual(ids(await listSites(t.store, "a")));
      expect(ids(users.body.users)).toEqual(ids(await listUsers(t.store, "a")));
      const theirs = [
        ...(await listKeys(t.store, "b")).map((k) => k.id),
        ...(await listSites(t.store, "b")).map((s) => s.id),
        ...(await listUsers(t.store, "b")).map((u) => u.id),
      ];
      expect(theirs.length).toBeGreaterThanOrEqual(8);
      for (const id of theirs) {
        expect(keys.text + sites.text + users.text).not.toContain(id);
      }
      expect(users.text).not.toContain("@b.example");
      // Secrets are never listed.
      expect(keys.text).not.toContain(A.keys.admin.secret.slice(16));
      expect(keys.text).not.toMatch(/secret|hash/i);
      expect(users.text).not.toMatch(/password|scrypt/i);
    });

    test("a's site key writes events into a only", async () => {
      const before = {
        a: await countRows(t.store, "tracked_events", "a"),
        b: await countRows(t.store, "tracked_events", "b"),
      };
      const visitor = "isolation-visitor-0001";
      const res = await t.request("/api/event", {
        body: JSON.stringify({
          site: A.site.publicKey,
          events: [
            {
              id: "isolation-event-0001",
              type: "pageview",
              visitor,
              visit: "isolation-visit-00001",
              url: "https://www.a.example/",
            },
          ],
        }),
        headers: { origin: "https://www.a.example", "content-type": "text/plain" },
      });
      expect(res.status, res.text).toBe(202);
      expect(res.body).toEqual({ accepted: 1 });
      await t.server.drain();
      expect(await countRows(t.store, "tracked_events", "a")).toBe(before.a + 1);
      expect(await countRows(t.store, "tracked_events", "b")).toBe(before.b);
      const [visit] = await t.store.query<{ workspace_id: string }>(
        sql`SELECT workspace_id FROM visits WHERE visitor_id = ${visitor}`,
      );
      expect(visit?.workspace_id).toBe("a");
      // b's site cannot send from a's domain.
      const cross = await t.request("/api/event", {
        body: JSON.stringify({
          site: B.site.publicKey,
          events: [
            {
              id: "isolation-event-0002",
              type: "pageview",
              visitor,
              visit: "isolation-visit-00002",
              url: "https://www.a.example/",
            },
          ],
        }),
        headers: { origin: "https://www.a.example" },
      });
      expectError(cross, 403, "forbidden", "header.origin");
    });

    test("a's pushed data and b's upload stay in their workspaces", async () => {
      const pushed = await t.request("/api/data", {
        key: A.keys.data.secret,
        body: {
          leads: [{ id: "a-pushed", pipeline_id: "p", status: "open", created_at: "2025-09-20T10:00:00Z" }],
        },
      });
      expect(pushed.status, pushed.text).toBe(200);
      expect(pushed.body.tables.leads).toMatchObject({ created: 1 });
      expect((await t.request("/api/leads/a-pushed/timeline", { key: A.keys.metrics.secret })).status).toBe(200);
      expect((await t.request("/api/leads/a-pushed/timeline", { key: B.keys.metrics.secret })).status).toBe(404);

      const file = await readFile(join(CRM, "pipedrive", "deals-export-comma.csv"));
      const upload = await t.request("/api/import", {
        key: B.keys.data.secret,
        query: {
          format: "pipedrive",
          filename: "deals.csv",
          stages: "Qualified,Contact Made,Demo Scheduled,Proposal Made,Negotiations Started",
        },
        body: new Uint8Array(file),
      });
      expect(upload.status, upload.text).toBe(200);
      expect(upload.body.tables.leads).toMatchObject({ rows: 7, created: 7 });
      expect((await t.request("/api/leads/pipedrive:1/timeline", { key: B.keys.metrics.secret })).status).toBe(200);
      expect((await t.request("/api/leads/pipedrive:1/timeline", { key: A.keys.metrics.secret })).status).toBe(404);
      keep(engine, "upload summary", { ...upload.body, durationMs: 0 });
    });
  });

  describe("admin routes", () => {
    test("POST /api/keys makes a key whose secret is shown once and works with its scopes", async () => {
      const res = await t.request("/api/keys", {
        key: A.keys.all.secret,
        body: { name: "ci", scopes: ["metrics:read", "metrics:read"] },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ name: "ci", scopes: ["metrics:read"] });
      expect(res.body.secret).toMatch(new RegExp(`^vk_${res.body.id}_[A-Za-z0-9_-]{43}$`));
      expect((await t.request("/api/metrics", { key: res.body.secret })).status).toBe(200);
      expectError(
        await t.request("/api/data", { key: res.body.secret, body: { reps: [{ id: "x", name: "x" }] } }),
        403,
        "forbidden",
      );
      const listed = await t.request("/api/keys", { key: A.keys.admin.secret });
      const entry = listed.body.keys.find((k: { id: string }) => k.id === res.body.id);
      expect(Object.keys(entry).sort()).toEqual(["createdAt", "id", "name", "scopes"]);

      expectError(
        await t.request("/api/keys", { key: A.keys.admin.secret, body: { name: "x", scopes: ["root"] } }),
        400,
        "invalid_request",
        "body.scopes[0]",
      );
      expectError(
        await t.request("/api/keys", { key: A.keys.admin.secret, body: { scopes: ["admin"] } }),
        400,
        "invalid_request",
        "body.name",
      );
      expectError(
        await t.request("/api/keys", { key: A.keys.admin.secret, body: { name: "x", scopes: [] } }),
        400,
        "invalid_request",
        "body.scopes",
      );
      expectError(
        await t.request("/api/keys", {
          key: A.keys.admin.secret,
          body: { name: "x", scopes: ["admin"], workspace: "b" },
        }),
        400,
        "invalid_request",
        "body.workspace",
      );
    });

    test("POST /api/sites adds a site with normalized domains; a bad domain is a 400", async () => {
      const res = await t.request("/api/sites", {
        key: A.keys.admin.secret,
        body: { name: "Shop", domains: ["https://Shop.A.example/", "127.0.0.1:5173", "shop.a.example"] },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        name: "Shop",
        domains: ["shop.a.example", "127.0.0.1:5173"],
        respectPrivacySignals: false,
      });
      expect(res.body.publicKey).toBe(`vs_${res.body.id}`);
      const listed = await t.request("/api/sites", { key: A.keys.admin.secret });
      expect(listed.body.sites.map((s: { id: string }) => s.id)).toContain(res.body.id);
      // The new site can send events at once (the site cache forgets).
      const event = await t.request("/api/event", {
        body: JSON.stringify({
          site: res.body.publicKey,
          events: [
            {
              id: "new-site-event-000001",
              type: "pageview",
              visitor: "new-site-visitor-01",
              visit: "new-site-visit-00001",
              url: "https://shop.a.example/",
            },
          ],
        }),
        headers: { origin: "https://shop.a.example" },
      });
      expect(event.status, event.text).toBe(202);

      const sitesBefore = (await listSites(t.store, "a")).length;
      for (const domain of ["not a domain!", ".", "a..example", "*", "https://"]) {
        const bad = await t.request("/api/sites", {
          key: A.keys.admin.secret,
          body: { name: "x", domains: ["fine.example", domain] },
        });
        expectError(bad, 400, "invalid_request", "body.domains[1]");
        expect(bad.body.error.message).toContain(JSON.stringify(domain));
      }
      expect((await listSites(t.store, "a")).length).toBe(sitesBefore);
      expectError(
        await t.request("/api/sites", { key: A.keys.admin.secret, body: { name: "x", domains: [] } }),
        400,
        "invalid_request",
        "body.domains",
      );
    });

    test("POST /api/users adds a user who can sign in; a taken email is a 409", async () => {
      const res = await t.request("/api/users", {
        key: A.keys.all.secret,
        body: { email: "New.Rep@A.example", name: "New Rep", role: "rep", password: "a long enough one" },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ email: "new.rep@a.example", name: "New Rep", role: "rep" });
      expect(res.text).not.toMatch(/password|scrypt/i);
      const cookie = await t.login("new.rep@a.example", "a long enough one");
      expect((await t.request("/api/me", { cookie })).body).toMatchObject({ workspace: "a", role: "rep" });
      const listed = await t.request("/api/users", { key: A.keys.all.secret });
      expect(listed.body.users.map((u: { email: string }) => u.email)).toContain("new.rep@a.example");

      const taken = await t.request("/api/users", {
        key: A.keys.all.secret,
        body: { email: A.users.rep.email, role: "rep", password: "a long enough one" },
      });
      expectError(taken, 409, "conflict", "body.email");
      expectError(
        await t.request("/api/users", {
          key: A.keys.all.secret,
          body: { email: "x@a.example", role: "rep", password: "short" },
        }),
        400,
        "invalid_request",
        "body.password",
      );
      expectError(
        await t.request("/api/users", {
          key: A.keys.all.secret,
          body: { email: "x@a.example", role: "owner", password: "a long enough one" },
        }),
        400,
        "invalid_request",
        "body.role",
      );
      expectError(
        await t.request("/api/users", {
          key: A.keys.all.secret,
          body: { email: "not an email", role: "rep", password: "a long enough one" },
        }),
        400,
        "invalid_request",
        "body.email",
      );
    });
    test("keys rotate, keys and sites are revoked, users disabled and enabled, passwords changed (in depth: server-auth-hardening.test.ts)", async () => {
      const key = A.keys.all.secret;
      const made = await t.request("/api/keys", { key, body: { name: "to rotate", scopes: ["metrics:read"] } });
      const rotated = await t.request(`/api/keys/${made.body.id}/rotate`, { method: "POST", key });
      expect(rotated.status, rotated.text).toBe(200);
      expect(rotated.body).toMatchObject({ id: made.body.id, name: "to rotate", scopes: ["metrics:read"] });
      expectError(await t.request("/api/metrics", { key: made.body.secret }), 401, "unauthenticated");
      expect((await t.request("/api/metrics", { key: rotated.body.secret })).status).toBe(200);
      expect((await t.request(`/api/keys/${made.body.id}`, { method: "DELETE", key })).status).toBe(200);

      const site = await t.request("/api/sites", { key, body: { name: "short-lived", domains: ["short.a.example"] } });
      const revoked = await t.request(`/api/sites/${site.body.id}`, { method: "DELETE", key });
      expect(revoked.body).toEqual({ revoked: site.body.id });

      const password = "a long enough one";
      const user = await t.request("/api/users", { key, body: { email: "rotating@a.example", role: "rep", password } });
      const id: string = user.body.id;
      // A session made directly: this file's sign-ins share one address and its limit.
      const session = async () => {
        const found = await userById(t.store, id);
        return `verity_session=${(await createSession(t.store, found as NonNullable<typeof found>)).token}`;
      };
      const cookie = await session();
      const changed = await t.request("/api/me/password", {
        cookie,
        body: { currentPassword: password, newPassword: "another long one" },
      });
      expect(changed.status, changed.text).toBe(200);
      const disabled = await t.request(`/api/users/${id}/disable`, { method: "POST", key });
      expect(disabled.body).toMatchObject({ id, disabled: true });
      expectError(await t.request("/api/me", { cookie }), 401, "unauthenticated");
      const enabled = await t.request(`/api/users/${id}/enable`, { method: "POST", key });
      expect(enabled.body).toMatchObject({ id, disabled: false });
      const again = await session();
      const set = await t.request(`/api/users/${id}/password`, { key, body: { password: "set by the admin" } });
      expect(set.status, set.text).toBe(200);
      expectError(await t.request("/api/me", { cookie: again }), 401, "unauthenticated");
    });
  });

  describe("the rest", () => {
    test("GET /api/health answers with the ingest's state", async () => {
      await t.server.drain();
      // The ingest's state is shown to admins only (issue 13).
      const res = await t.request("/api/health", { key: A.keys.admin.secret });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: "ok", version: expect.any(String), engine });
      expect(res.body.ingest.pendingEvents).toBe(0);
      expect(res.body.ingest.deadLetters).toBe(0);
      // The log's sequence numbers move with every workspace's traffic: an open server's only.
      expect(res.body.ingest).not.toHaveProperty("appliedSeq");
      expect(res.body.ingest.lastError).toBeNull();
    });

    test("GET /js/verity.js serves the tracking script", async () => {
      const res = await t.request("/js/verity.js");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/javascript/);
      expect(res.text.length).toBeGreaterThan(200);
    });

    test("an unknown route or method is a 404 in the error shape", async () => {
      for (const [method, path] of [
        ["GET", "/api/nothing"],
        ["GET", "/nothing"],
        ["PUT", "/api/keys"],
        ["POST", "/api/metrics"],
      ] as const) {
        const res = await t.request(path, { method, key: A.keys.all.secret });
        expectError(res, 404, "not_found", null);
        expect(res.body.error.message).toContain(path);
      }
    });

    test("a body that is not JSON is a 400 naming the body", async () => {
      const res = await t.request("/api/keys", {
        key: A.keys.admin.secret,
        body: "{not json",
        headers: { "content-type": "application/json" },
      });
      expectError(res, 400, "invalid_request", "body");
      expectError(await t.request("/api/login", { body: "", method: "POST" }), 400, "invalid_request", "body");
    });
  });

  test("every route of the OpenAPI document was exercised", () => {
    expect(doc).toBeDefined();
    expect(unexercised(doc, t.answered)).toEqual([]);
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("give the same answers", () => {
      answers.expectAgreement(25);
    });
  });
}
