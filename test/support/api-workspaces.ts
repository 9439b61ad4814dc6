/**
 * The two small workspaces the route tests (src/server/app.test.ts and
 * src/server/routes/*.test.ts) call the API on, and which of those files exercises each route
 * of the OpenAPI document. Workspaces `a` and `b` hold different hand-made leads, so their
 * numbers differ.
 *
 * Each route test file starts its own server per engine (a file's import of the server costs
 * about 3 s of CPU, its setup 1 to 3 s per engine), so there are few such files and each sets
 * up only what its tests use: everything (leads, keys, a user per role, a site) where sign-ins
 * are tested, keys and sites alone elsewhere (three users per workspace cost about 1.5 s of
 * scrypt per engine).
 */
import { expect } from "vitest";
import { SCOPES, type Scope } from "../../src/accounts/access.js";
import { createKey } from "../../src/accounts/keys.js";
import { createSite } from "../../src/accounts/sites.js";
import { addWorkspace } from "../../src/accounts/workspaces.js";
import { sql } from "../../src/store/sql.js";
import type { Store } from "../../src/store/store.js";
import type { Engine } from "./databases.js";
import { BASE, type Fixture, lead } from "./metric-fixtures.js";
import {
  addPrincipals,
  importFixture,
  PASSWORD,
  type Principals,
  startTestServer,
  type TestServer,
  unexercised,
} from "./server-harness.js";

/** Stage events walking a lead from `new` through the stages given, three days apart from `start`. */
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
export const A_DATA: Fixture = {
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
export const B_DATA: Fixture = {
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

/** a's site: a host and a wildcard, for the tracking tests' origins. */
const A_SITE = { domains: ["www.a.example", "*.a-shop.example"] };

/** A server on workspaces a and b, each with its leads, keys, a user per role and a site. */
export async function startApiServer(engine: Engine): Promise<{ t: TestServer; A: Principals; B: Principals }> {
  const t = await startTestServer(engine, async (store) => {
    await importFixture(store, "a", A_DATA);
    await importFixture(store, "b", B_DATA);
  });
  return { t, A: await addPrincipals(t.store, "a", A_SITE), B: await addPrincipals(t.store, "b") };
}

/** A workspace's keys and site, as addPrincipals makes them, without its users. */
export type Keyed = Omit<Principals, "users">;

async function addKeys(store: Store, workspace: string, site: { domains: string[] }): Promise<Keyed> {
  // A workspace an import made exists already.
  const exists = await store.query(sql`SELECT id FROM workspaces WHERE id = ${workspace}`);
  if (exists.length === 0) await addWorkspace(store, workspace);
  const key = async (name: string, scopes: Scope[]) => {
    const made = await createKey(store, { workspace, name, scopes });
    return { id: made.key.id, secret: made.secret };
  };
  return {
    workspace,
    keys: {
      metrics: await key("metrics reader", ["metrics:read"]),
      data: await key("data writer", ["data:write"]),
      admin: await key("admin", ["admin"]),
      all: await key("everything", [...SCOPES]),
    },
    site: await createSite(store, workspace, { name: `${workspace} website`, ...site }),
  };
}

/**
 * A server on workspaces a and b with their keys and sites but no users (for tests that sign
 * nobody in); with `data`, their leads too.
 */
export async function startKeyedServer(
  engine: Engine,
  options: { data: boolean },
): Promise<{ t: TestServer; A: Keyed; B: Keyed }> {
  const t = await startTestServer(engine, async (store) => {
    if (!options.data) return;
    await importFixture(store, "a", A_DATA);
    await importFixture(store, "b", B_DATA);
  });
  return { t, A: await addKeys(t.store, "a", A_SITE), B: await addKeys(t.store, "b", { domains: ["www.b.example"] }) };
}

/**
 * One session per user for a whole file: sign-in attempts are limited to ten a minute per
 * address, and every request of a test server comes from the same one ("unknown", no socket).
 */
export function sessions(server: () => TestServer): (email: string) => Promise<string> {
  const cookies = new Map<string, string>();
  return async (email) => {
    const cookie = cookies.get(email) ?? (await server().login(email, PASSWORD));
    cookies.set(email, cookie);
    return cookie;
  };
}

type Schema = { type?: string; properties?: Record<string, unknown>; additionalProperties?: unknown };
type Media = { schema?: Schema };
export type Operation = {
  operationId: string;
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, Media> };
  security: object[];
};
export type OpenApi = {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/**
 * Which test file exercises each route of the OpenAPI document: the file beside the module
 * that declares it, with three exceptions that save a server per engine (CI's budget is
 * tight): /api/doctor (routes/doctor.ts, one route) is read in metrics.test.ts beside the other
 * reading routes; the writes of routes/data.ts and routes/tracking.ts are tested in
 * admin.test.ts, with the isolation of the keys and sites that make them; the tracking script
 * is served in app.test.ts. src/server/app.test.ts checks that every documented route is listed
 * here exactly once; each file checks that its routes answered 2xx at least once.
 */
export const ROUTE_TESTS = {
  app: ["GET /api/openapi.json", "GET /api/health", "GET /js/verity.js"],
  metrics: [
    "GET /api/metrics",
    "GET /api/metrics/{id}",
    "GET /api/report",
    "GET /api/check",
    "GET /api/filters",
    "GET /api/check/trend",
    "GET /api/stalled",
    "GET /api/stalled.csv",
    "GET /api/plan",
    "GET /api/leads",
    "GET /api/leads/{id}/timeline",
    "GET /api/doctor",
  ],
  admin: [
    "POST /api/login",
    "POST /api/logout",
    "GET /api/me",
    "POST /api/me/password",
    "GET /api/keys",
    "POST /api/keys",
    "POST /api/keys/{id}/rotate",
    "DELETE /api/keys/{id}",
    "GET /api/sites",
    "POST /api/sites",
    "DELETE /api/sites/{id}",
    "GET /api/users",
    "POST /api/users",
    "POST /api/users/{id}/disable",
    "POST /api/users/{id}/enable",
    "POST /api/users/{id}/password",
    "POST /api/data",
    "POST /api/import",
    "POST /api/event",
  ],
  campaigns: [
    "GET /api/contacts",
    "POST /api/contacts",
    "POST /api/contacts/forget",
    "GET /api/segments",
    "POST /api/segments",
    "POST /api/segments/preview",
    "GET /api/segments/{name}",
    "GET /api/segments/{name}/preview",
    "DELETE /api/segments/{name}",
    "GET /api/campaigns",
    "POST /api/campaigns",
    "GET /api/campaigns/{name}",
    "POST /api/campaigns/{name}/test",
    "POST /api/campaigns/{name}/send",
    "GET /api/smtp",
    "POST /api/smtp",
    "POST /api/bounces",
  ],
} as const;

/** Asserts that every documented route `file` answers for was exercised (answered 2xx) on `t`. */
export async function expectRoutesExercised(t: TestServer, file: keyof typeof ROUTE_TESTS): Promise<void> {
  // Read without recording: the document's own route is app.test.ts's to exercise.
  const document = (await (await t.server.app.request("/api/openapi.json")).json()) as OpenApi;
  const mine = new Set<string>(ROUTE_TESTS[file]);
  const missed = unexercised(document, t.answered).filter((route) => mine.has(route));
  expect(missed, `routes of ${file} not exercised`).toEqual([]);
  // And each route listed is documented (a renamed route cannot pass unexercised).
  const documented = new Set(
    Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
  );
  expect([...mine].filter((route) => !documented.has(route))).toEqual([]);
}
