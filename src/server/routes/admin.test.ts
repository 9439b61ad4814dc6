/**
 * Who may do what (routes/admin.ts: sign-in, sessions, keys, sites, users) through the app
 * itself (`app.request()`, no socket), on every engine: authentication by key and by session,
 * scopes and roles, an open server, the isolation of workspaces' keys, sites and users, and the
 * admin routes. In depth (limits, hardening): test/server-auth-hardening.test.ts.
 *
 * The isolation of what a workspace's keys write (routes/data.ts: pushed data, an upload) and
 * what its site sends (routes/tracking.ts: events) is tested here too, on this file's
 * workspaces: a server of their own per engine, for three tests, would cost more CPU than they
 * do (CI's budget is tight). In depth: data.test.ts, test/server-tracking.test.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { expectRoutesExercised, sessions, startApiServer } from "../../../test/support/api-workspaces.js";
import { type Engine, engines } from "../../../test/support/databases.js";
import {
  countRows,
  EngineAnswers,
  expectError,
  libraryMetric,
  PASSWORD,
  type Principals,
  type TestServer,
  withoutId,
} from "../../../test/support/server-harness.js";
import { listKeys } from "../../accounts/keys.js";
import { listSites } from "../../accounts/sites.js";
import { listUsers, userById } from "../../accounts/users.js";
import { sql } from "../../store/sql.js";
import { createSession } from "../auth/sessions.js";

// Passwords hash at a test cost: what is tested here does not depend on it (test/support/test-scrypt.ts).
vi.mock("node:crypto", async (importOriginal) =>
  (await import("../../../test/support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

const ENGINES = engines();
const CRM = join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "crm");
const answers = new EngineAnswers();
const keep = (engine: Engine, name: string, value: unknown) => answers.keep(engine, name, value);

describe.each(ENGINES)("the admin routes on %s", (engine) => {
  let t: TestServer;
  let A: Principals;
  let B: Principals;

  beforeAll(async () => {
    ({ t, A, B } = await startApiServer(engine));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const signIn = sessions(() => t);

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
        scopes: ["metrics:read", "data:write", "campaigns:send", "admin"],
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
        scopes: ["metrics:read", "data:write", "campaigns:send", "admin"],
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

  test("every route of routes/admin.ts, and the writes of data.ts and tracking.ts was exercised", async () => {
    await expectRoutesExercised(t, "admin");
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("give the same answers", () => {
      answers.expectAgreement(5);
    });
  });
}
