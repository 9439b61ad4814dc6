/**
 * A Verity server for tests, driven through `app.request()` (no socket): a migrated store of
 * one engine, workspaces with an API key per scope, a user per role and a tracking site, and
 * a request helper that remembers which routes answered 2xx, so a test can check that every
 * route of the OpenAPI document was exercised.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { type Role, SCOPES, type Scope } from "../../src/accounts/access.js";
import { createKey } from "../../src/accounts/keys.js";
import { createSite, type Site } from "../../src/accounts/sites.js";
import { addUser } from "../../src/accounts/users.js";
import { addWorkspace } from "../../src/accounts/workspaces.js";
import { runImport } from "../../src/ingest/importer.js";
import { verityImporter } from "../../src/ingest/verity-importer.js";
import { type MetricRequest, resolveRequest } from "../../src/metrics/context.js";
import type { Grain, MetricOptions } from "../../src/metrics/metric.js";
import { metricById } from "../../src/metrics/registry.js";
import { runMetric } from "../../src/metrics/run-metric.js";
import type { Comparison } from "../../src/model/period.js";
import { createServer, type ServerOptions, type VerityServer } from "../../src/server/server.js";
import { raw, sql } from "../../src/store/sql.js";
import type { Store } from "../../src/store/store.js";
import type { Engine } from "./databases.js";
import { type Fixture, writeFixture } from "./metric-fixtures.js";
import { openTestStore, type TestStore } from "./stores.js";

export type Answer = {
  status: number;
  headers: Headers;
  /** The body parsed as JSON (undefined when it is not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
  body: any;
  text: string;
};

export type Call = {
  method?: "GET" | "POST" | "DELETE" | "OPTIONS" | "PUT";
  /** An API key: sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** A session cookie (`verity_session=...`). */
  cookie?: string;
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Query parameters, appended to the path. */
  query?: Record<string, string | number>;
};

export type Principals = {
  workspace: string;
  keys: Record<"metrics" | "data" | "admin" | "all", { id: string; secret: string }>;
  users: Record<Role, { id: string; email: string; password: string }>;
  site: Site;
};

export type TestServer = {
  engine: Engine;
  store: Store;
  server: VerityServer;
  /** "GET /api/metrics/funnel": every method and concrete path that answered 2xx. */
  answered: Set<string>;
  request(path: string, call?: Call): Promise<Answer>;
  /** Signs in through POST /api/login; returns the cookie to send back. */
  login(email: string, password: string): Promise<string>;
  /** Another server on the same store (rate limits of its own); closed with this one. */
  sibling(options: Partial<ServerOptions>): Promise<TestServer>;
  close(): Promise<void>;
};

function wrap(engine: Engine, store: Store, server: VerityServer, onClose: () => Promise<void>): TestServer {
  const answered = new Set<string>();
  const siblings: TestServer[] = [];
  const self: TestServer = {
    engine,
    store,
    server,
    answered,
    async request(path, call = {}) {
      const method = call.method ?? (call.body === undefined ? "GET" : "POST");
      const headers = new Headers(call.headers);
      if (call.key) headers.set("authorization", `Bearer ${call.key}`);
      if (call.cookie) headers.set("cookie", call.cookie);
      let body: string | Uint8Array | undefined;
      if (typeof call.body === "string" || call.body instanceof Uint8Array) body = call.body;
      else if (call.body !== undefined) {
        body = JSON.stringify(call.body);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
      const query = call.query
        ? `?${new URLSearchParams(Object.entries(call.query).map(([k, v]): [string, string] => [k, String(v)]))}`
        : "";
      const target = `${path}${query}`;
      const res = await server.app.request(target, { method, headers, body: body as RequestInit["body"] });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (res.status >= 200 && res.status < 300)
        answered.add(`${method} ${new URL(target, "http://localhost").pathname}`);
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async login(email, password) {
      const res = await self.request("/api/login", { body: { email, password } });
      if (res.status !== 200) throw new Error(`login of ${email}: ${res.status} ${res.text}`);
      return sessionCookie(res.headers);
    },
    async sibling(options) {
      const dataDir = await mkdtemp(join(tmpdir(), "verity-server-test-"));
      const other = await createServer({ store, dataDir, logLevel: "silent", ...options });
      const sibling = wrap(engine, store, other, async () => {
        await other.close();
        await rm(dataDir, { recursive: true, force: true });
      });
      siblings.push(sibling);
      return sibling;
    },
    async close() {
      try {
        for (const sibling of siblings.splice(0)) await sibling.close();
      } finally {
        await onClose();
      }
    },
  };
  return self;
}

/** A store of `engine` prepared by `setup`, and a server on it (close() disposes both). */
export async function startTestServer(
  engine: Engine,
  setup: (store: Store) => Promise<void>,
  options: Partial<ServerOptions> = {},
): Promise<TestServer> {
  const test: TestStore = await openTestStore(engine);
  const dataDir = await mkdtemp(join(tmpdir(), "verity-server-test-"));
  let server: VerityServer;
  try {
    await setup(test.store);
    server = await createServer({ store: test.store, dataDir, logLevel: "silent", ...options });
  } catch (error) {
    await test.dispose();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return wrap(engine, test.store, server, async () => {
    // The server before its store, and the store (with its database) even if the server failed to close.
    try {
      await server.close();
    } finally {
      await test.dispose();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

/** `verity_session=<token>` from a Set-Cookie header. */
export function sessionCookie(headers: Headers): string {
  const match = /verity_session=([^;]*)/.exec(headers.get("set-cookie") ?? "");
  if (!match) throw new Error(`no session cookie in ${headers.get("set-cookie")}`);
  return `verity_session=${match[1]}`;
}

/** Imports a hand-made fixture into `workspace` through the canonical importer. */
export async function importFixture(store: Store, workspace: string, fixture: Fixture): Promise<void> {
  const dir = await writeFixture(fixture);
  try {
    await runImport(store, verityImporter, dir, { workspace });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const PASSWORD = "correct horse battery";

/**
 * An API key per scope (and one with all of them), a user per role and a site, in `workspace`
 * (created if it has no import yet).
 */
export async function addPrincipals(
  store: Store,
  workspace: string,
  site: { domains: string[]; respectPrivacySignals?: boolean } = { domains: [`www.${workspace}.example`] },
): Promise<Principals> {
  const exists = await store.query(sql`SELECT id FROM workspaces WHERE id = ${workspace}`);
  if (exists.length === 0) await addWorkspace(store, workspace);
  const key = async (name: string, scopes: Scope[]) => {
    const made = await createKey(store, { workspace, name, scopes });
    return { id: made.key.id, secret: made.secret };
  };
  const user = async (role: Role) => {
    const email = `${role}@${workspace}.example`;
    const made = await addUser(store, { workspace, email, name: `${role} of ${workspace}`, role, password: PASSWORD });
    return { id: made.id, email, password: PASSWORD };
  };
  return {
    workspace,
    keys: {
      metrics: await key("metrics reader", ["metrics:read"]),
      data: await key("data writer", ["data:write"]),
      admin: await key("admin", ["admin"]),
      all: await key("everything", [...SCOPES]),
    },
    users: { admin: await user("admin"), manager: await user("manager"), rep: await user("rep") },
    site: await createSite(store, workspace, { name: `${workspace} website`, ...site }),
  };
}

/** Rows of `table` in `workspace`. */
export async function countRows(store: Store, table: string, workspace: string): Promise<number> {
  const [row] = await store.query<{ n: number }>(
    sql`SELECT count(*) AS n FROM ${raw(table)} WHERE workspace_id = ${workspace}`,
  );
  return Number(row?.n ?? 0);
}

/** Row counts of several tables of `workspace`. */
export async function countsOf<T extends string>(
  store: Store,
  workspace: string,
  tables: readonly T[],
): Promise<Record<T, number>> {
  const out = {} as Record<T, number>;
  for (const table of tables) out[table] = await countRows(store, table, workspace);
  return out;
}

/** The routes of an OpenAPI document as "METHOD /path/{param}" with a matcher for concrete paths. */
export function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }) {
  const routes: { route: string; method: string; pattern: RegExp }[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      const pattern = new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`);
      routes.push({ route: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), pattern });
    }
  }
  return routes;
}

/** The documented routes none of the `answered` calls reached. */
export function unexercised(document: { paths: Record<string, Record<string, unknown>> }, answered: Set<string>) {
  const calls = [...answered].map((a) => {
    const [method, path] = a.split(" ") as [string, string];
    return { method, path };
  });
  return documentedRoutes(document)
    .filter((r) => !calls.some((c) => c.method === r.method && r.pattern.test(c.path)))
    .map((r) => r.route);
}

/** An error body with an echoed id replaced, to compare two answers that differ only in what was asked. */
export function withoutId(body: unknown, id: string): string {
  return JSON.stringify(body).replaceAll(id, "<id>");
}

/** Asserts the one error shape: `{ error: { status, code, message, field? } }`; `field: null` means none. */
export function expectError(res: Answer, status: number, code: string, field?: string | null): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(["error"]);
  expect(res.body.error.status).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
  expect(res.body.error.message.length).toBeGreaterThan(0);
  if (field === null) expect(res.body.error.field).toBeUndefined();
  else if (field !== undefined) expect(res.body.error.field).toBe(field);
}

export type Query = Record<string, string>;

/** The library's request for what a reading route is asked: written out here, not taken from the route. */
export function libraryRequest(workspace: string, q: Query): MetricRequest {
  const options: Partial<MetricOptions> = {};
  if (q.k !== undefined) options.stalledFactor = Number(q.k);
  if (q.windowDays !== undefined) options.attributionDays = Number(q.windowDays);
  if (q.from !== undefined) options.velocityFrom = q.from as MetricOptions["velocityFrom"];
  if (q.topShare !== undefined) options.performerShare = Number(q.topShare);
  return {
    workspace,
    period: q.period,
    compare: (q.compare ?? null) as Comparison | null,
    pipeline: q.pipeline,
    team: q.team,
    rep: q.rep,
    source: q.source,
    grain: q.grain as Grain | undefined,
    options,
  };
}

/** A value as it comes over the wire. */
export const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** One metric as the library computes it for the same request. */
export async function libraryMetric(store: Store, workspace: string, id: string, q: Query): Promise<unknown> {
  const definition = metricById(id);
  if (!definition) throw new Error(`no metric ${id}`);
  return wire(await runMetric(definition, await resolveRequest(store, libraryRequest(workspace, q))));
}

/** Answers of both engines to the same question, to compare once both have run. */
export class EngineAnswers {
  readonly answers = new Map<string, Partial<Record<Engine, unknown>>>();

  keep(engine: Engine, name: string, value: unknown): void {
    this.answers.set(name, { ...this.answers.get(name), [engine]: value });
  }

  expectAgreement(atLeast: number): void {
    expect(this.answers.size).toBeGreaterThanOrEqual(atLeast);
    for (const [name, byEngine] of this.answers) {
      expect(Object.keys(byEngine).sort(), name).toEqual(["duckdb", "postgres"]);
      expect(byEngine.postgres, name).toEqual(byEngine.duckdb);
    }
  }
}
