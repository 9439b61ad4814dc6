/**
 * Issue 13, defects 3 and 4 and the authentication points of item 7, each test named after
 * what broke, on every engine:
 * - an open server (--no-auth) could be driven by any web page (no Host or Origin check, JSON
 *   taken as text/plain, users, keys and sites created through it);
 * - behind --trust-proxy the client address was the leftmost X-Forwarded-For entry, which the
 *   client writes, so the sign-in limit fell to random addresses and a sign-in flood filled the
 *   thread pool with password hashing;
 * - adding a user told an admin who uses other workspaces; no way to disable a user, change a
 *   password, revoke a site or rotate a key; a key could mint a key with more than it has;
 *   sessions had no idle timeout and no rate limit; the document said /api/me needs a session.
 *
 * Requests go through `app.request()` with the socket's address given, as @hono/node-server
 * gives it (`env.incoming.socket.remoteAddress`); one test listens on a loopback socket.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { authenticateKey } from "../src/accounts/keys.js";
import { HASH_CONCURRENCY, hashingStats } from "../src/accounts/secrets.js";
import { SESSION_IDLE_SECONDS } from "../src/server/auth/sessions.js";
import { ipOf, parseTrustProxy } from "../src/server/context.js";
import { startServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import {
  addPrincipals,
  countRows,
  expectError,
  PASSWORD,
  type Principals,
  sessionCookie,
  startTestServer,
  type TestServer,
} from "./support/server-harness.js";
import { productionScrypt } from "./support/test-scrypt.js";

// Sign-ins hash at a test cost (test/support/test-scrypt.ts); the flood's burst at production's.
vi.mock("node:crypto", async (importOriginal) =>
  (await import("./support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

type Sent = {
  method?: string;
  body?: unknown;
  /** JSON bodies go as application/json unless this says otherwise. */
  type?: string;
  headers?: Record<string, string>;
  key?: string;
  cookie?: string;
  /** The socket's peer (default: a loopback address). */
  from?: string;
};

/** A request through the app with the socket's address set. */
async function send(t: TestServer, path: string, sent: Sent = {}) {
  const headers = new Headers(sent.headers);
  if (sent.key) headers.set("authorization", `Bearer ${sent.key}`);
  if (sent.cookie) headers.set("cookie", sent.cookie);
  let body: string | undefined;
  if (sent.body !== undefined) {
    body = typeof sent.body === "string" ? sent.body : JSON.stringify(sent.body);
    headers.set("content-type", sent.type ?? "application/json");
  }
  const res = await t.server.app.request(
    path,
    { method: sent.method ?? (body === undefined ? "GET" : "POST"), headers, body },
    { incoming: { socket: { remoteAddress: sent.from ?? "127.0.0.1" } } },
  );
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
  return { status: res.status, headers: res.headers, body: parsed as any, text };
}

const pageview = (id: string) => ({
  type: "pageview",
  id,
  visitor: `${id}-visitor`,
  visit: `${id}-visit`,
  url: "https://www.a.example/",
});

describe("--trust-proxy: which X-Forwarded-For entry is the client", () => {
  test("forged leftmost X-Forwarded-For entries are never the client: a hop count takes the Nth from the right", () => {
    const one = parseTrustProxy(1);
    const two = parseTrustProxy("2");
    // The client wrote 6.6.6.6; the proxy appended the address it saw, 203.0.113.9.
    expect(ipOf("6.6.6.6, 203.0.113.9", "10.0.0.1", one)).toBe("203.0.113.9");
    expect(ipOf("6.6.6.6, 198.51.100.1, 203.0.113.9", "10.0.0.1", two)).toBe("198.51.100.1");
    // Fewer entries than hops: the leftmost, as Express does.
    expect(ipOf("203.0.113.9", "10.0.0.1", two)).toBe("203.0.113.9");
    // The flag without a value is one hop.
    expect(ipOf("6.6.6.6, 203.0.113.9", "10.0.0.1", parseTrustProxy(true))).toBe("203.0.113.9");
    // No trust: the header is not read at all.
    expect(ipOf("6.6.6.6", "10.0.0.1", parseTrustProxy(undefined))).toBe("10.0.0.1");
    expect(ipOf("6.6.6.6", "10.0.0.1", parseTrustProxy(0))).toBe("10.0.0.1");
  });

  test("an address list: only a trusted socket's header is read, and the walk stops at the first untrusted address", () => {
    const trust = parseTrustProxy("10.0.0.0/8, 192.0.2.7, loopback");
    // A direct client (not a trusted proxy) writes what it likes: ignored.
    expect(ipOf("10.1.1.1", "198.51.100.20", trust)).toBe("198.51.100.20");
    // Through two trusted proxies; the client's own forged entries lie left of its address.
    expect(ipOf("6.6.6.6, 203.0.113.9, 10.0.0.2", "192.0.2.7", trust)).toBe("203.0.113.9");
    // A forged "trusted" address left of the real client is never reached.
    expect(ipOf("10.9.9.9, 203.0.113.9", "10.0.0.1", trust)).toBe("203.0.113.9");
    // A dual-stack socket's IPv4-mapped form of a loopback proxy.
    expect(ipOf("203.0.113.9", "::ffff:127.0.0.1", trust)).toBe("203.0.113.9");
    expect(() => parseTrustProxy("10.0.0.0/33")).toThrow(/10\.0\.0\.0\/33/);
    expect(() => parseTrustProxy("proxy.example")).toThrow(/not an address/);
  });
});

describe.each(engines())("authentication hardening on %s", (engine) => {
  let t: TestServer;
  let A: Principals;
  let B: Principals;

  beforeAll(async () => {
    t = await startTestServer(engine, async () => {});
    A = await addPrincipals(t.store, "a", { domains: ["www.a.example"] });
    B = await addPrincipals(t.store, "b");
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Signs in from an address of its own (the limit is per address). */
  let address = 0;
  const login = async (server: TestServer, email: string, password = PASSWORD, workspace?: string) => {
    address += 1;
    return send(server, "/api/login", {
      body: { email, password, ...(workspace ? { workspace } : {}) },
      from: `127.10.${address >> 8}.${address & 255}`,
    });
  };
  const cookieOf = async (email: string, password = PASSWORD, workspace?: string) => {
    const res = await login(t, email, password, workspace);
    expect(res.status, res.text).toBe(200);
    return sessionCookie(res.headers);
  };

  describe("defect 3: a web page could drive an open server (--no-auth)", () => {
    let open: TestServer;
    beforeAll(async () => {
      open = await t.sibling({ auth: false, workspace: "a" });
    });

    test("a Host that is not this machine's loopback is refused (DNS rebinding), and so is another port", async () => {
      for (const host of ["evil.example", "evil.example:8787", "127.0.0.1.evil.example", "10.0.0.5", "localhost."]) {
        expectError(await send(open, "/api/me", { headers: { host } }), 403, "forbidden", "header.host");
      }
      for (const host of ["127.0.0.1:8787", "localhost:8787", "[::1]:8787", "127.1.2.3"]) {
        expect((await send(open, "/api/me", { headers: { host } })).status, host).toBe(200);
      }
      // Rebinding on a page too, not only the API.
      expectError(await send(open, "/", { headers: { host: "evil.example" } }), 403, "forbidden", "header.host");
    });

    test("a rebound name is refused on a listening open server, whose port the Host must name", async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "verity-open-"));
      const server = await startServer({
        store: t.store,
        dataDir,
        auth: false,
        workspace: "a",
        port: 0,
        logLevel: "silent",
      });
      try {
        const get = (host: string) =>
          new Promise<number>((resolve, reject) => {
            const req = httpRequest({ host: "127.0.0.1", port: server.port, path: "/api/me", headers: { host } });
            req.on("response", (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on("error", reject);
            req.end();
          });
        expect(await get(`127.0.0.1:${server.port}`)).toBe(200);
        expect(await get(`localhost:${server.port}`)).toBe(200);
        expect(await get(`rebind.example:${server.port}`)).toBe(403);
        expect(await get(`127.0.0.1:${server.port === 1 ? 2 : server.port - 1}`)).toBe(403);
        expect(await get("127.0.0.1")).toBe(server.port === 80 ? 200 : 403);
      } finally {
        await server.close();
        await rm(dataDir, { recursive: true, force: true });
      }
      // Nor may an open server sit behind a proxy, which would bring other machines to it.
      await expect(
        startServer({ store: t.store, dataDir, auth: false, port: 0, trustProxy: 1, logLevel: "silent" }),
      ).rejects.toThrow(/--trust-proxy/);
    });

    test("another site's page is refused on every API route and every write; this server's own pages are not", async () => {
      const reps = await countRows(t.store, "reps", "a");
      const push = { reps: [{ id: "cross-site-rep", name: "Cross Site" }] };
      const crossSite: Record<string, string>[] = [
        { origin: "https://evil.example" },
        { origin: "http://localhost:3000" },
        { origin: "null" },
        { "sec-fetch-site": "cross-site" },
        { "sec-fetch-site": "same-site" },
      ];
      for (const headers of crossSite) {
        const refused = await send(open, "/api/data", { body: push, headers });
        expectError(refused, 403, "forbidden");
        expect(refused.body.error.message).toMatch(/other sites/);
        // Reading too (a page cannot read the answer anyway; it cannot make the request either).
        expectError(await send(open, "/api/metrics", { headers }), 403, "forbidden");
        expectError(await send(open, "/api/keys", { headers }), 403, "forbidden");
      }
      await open.server.drain();
      expect(await countRows(t.store, "reps", "a")).toBe(reps);
      // This server's own page: same origin, or the address typed into the browser.
      for (const headers of <Record<string, string>[]>[
        { origin: "http://localhost", "sec-fetch-site": "same-origin" },
        { "sec-fetch-site": "none" },
        {},
      ]) {
        const res = await send(open, "/api/data", {
          body: { reps: [{ id: `own-page-${JSON.stringify(headers).length}`, name: "Own" }] },
          headers,
        });
        expect(res.status, res.text).toBe(200);
      }
      // A link from another site to the dashboard still opens it.
      expect((await send(open, "/", { headers: { "sec-fetch-site": "cross-site" } })).status).not.toBe(403);
    });

    test("JSON is taken as application/json only, in every mode: a simple cross-site post (text/plain, a form) is a 415", async () => {
      const before = await countRows(t.store, "reps", "a");
      const push = JSON.stringify({ reps: [{ id: "text-plain-rep", name: "Text Plain" }] });
      for (const type of [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
      ]) {
        expectError(await send(open, "/api/data", { body: push, type }), 415, "invalid_request", "header.content-type");
        expectError(
          await send(t, "/api/data", { body: push, type, key: A.keys.all.secret }),
          415,
          "invalid_request",
          "header.content-type",
        );
        expectError(
          await send(t, "/api/login", { body: { email: A.users.admin.email, password: PASSWORD }, type }),
          415,
          "invalid_request",
        );
      }
      await t.server.drain();
      expect(await countRows(t.store, "reps", "a")).toBe(before);
      expect(
        (await send(t, "/api/data", { body: push, type: "application/json; charset=utf-8", key: A.keys.all.secret }))
          .status,
      ).toBe(200);
    });

    test("an open server creates and changes no users, keys or sites: 403 naming the CLI command; a real key still may", async () => {
      const counts = async () => ({
        users: await countRows(t.store, "users", "a"),
        keys: await countRows(t.store, "api_keys", "a"),
        sites: await countRows(t.store, "sites", "a"),
      });
      const before = await counts();
      const refused: [string, Sent, string][] = [
        ["/api/users", { body: { email: "page@a.example", role: "admin", password: PASSWORD } }, "verity user add"],
        ["/api/keys", { body: { name: "page", scopes: ["admin"] } }, "verity key add"],
        ["/api/sites", { body: { name: "page", domains: ["page.example"] } }, "verity site add"],
        [`/api/keys/${A.keys.metrics.id}/rotate`, { method: "POST" }, "verity key rotate"],
        [`/api/keys/${A.keys.metrics.id}`, { method: "DELETE" }, "verity key revoke"],
        [`/api/sites/${A.site.id}`, { method: "DELETE" }, "verity site revoke"],
        [`/api/users/${A.users.rep.id}/disable`, { method: "POST" }, "verity user disable"],
        [`/api/users/${A.users.rep.id}/password`, { body: { password: "chosen by a page" } }, "verity user password"],
      ];
      for (const [path, sent, command] of refused) {
        const res = await send(open, path, sent);
        expectError(res, 403, "forbidden");
        expect(res.body.error.message, path).toContain(command);
        // Refused before the body is looked at: a bad one gets the same answer.
        if (sent.body) expect((await send(open, path, { ...sent, body: { junk: 1 } })).body).toEqual(res.body);
      }
      expect(await counts()).toEqual(before);
      expect(await authenticateKey(t.store, A.keys.metrics.secret)).not.toBeNull();
      // Reading them is an admin's, and the open server's caller is one.
      expect((await send(open, "/api/users")).status).toBe(200);
      // A key presented to an open server acts as itself.
      const made = await send(open, "/api/keys", {
        body: { name: "by key", scopes: ["metrics:read"] },
        key: A.keys.all.secret,
      });
      expect(made.status, made.text).toBe(201);
    });

    test("tracking stays cross-origin on an open server, with its own per-site origin check", async () => {
      const ok = await send(open, "/api/event", {
        body: { site: A.site.publicKey, events: [pageview("open-server-event-01")] },
        type: "text/plain",
        headers: { origin: "https://www.a.example", "sec-fetch-site": "cross-site", host: "127.0.0.1:8787" },
      });
      expect(ok.status, ok.text).toBe(202);
      const foreign = await send(open, "/api/event", {
        body: { site: A.site.publicKey, events: [pageview("open-server-event-02")] },
        type: "text/plain",
        headers: { origin: "https://evil.example" },
      });
      expectError(foreign, 403, "forbidden", "header.origin");
    });
  });

  describe("defect 4: forged X-Forwarded-For bypassed the sign-in limit, and sign-ins starved ingest", () => {
    test("a sign-in flood with random X-Forwarded-For behind --trust-proxy 1 is limited by the proxy's client and by account; tracking meanwhile is acknowledged; hashing stays bounded", async () => {
      const behind = await t.sibling({ trustProxy: 1, trackingRate: 1_000_000 });
      // The limits refill with time (one sign-in per account every 45 s): the clock stands
      // still here, so the counts below do not depend on how fast this machine hashes.
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
      try {
        await flood(behind);
      } finally {
        vi.useRealTimers();
      }
    });

    const flood = async (behind: TestServer) => {
      const proxy = "10.0.0.1";
      const forged = () => `${1 + Math.floor(Math.random() * 223)}.${Math.floor(Math.random() * 256)}.0.1`;
      const wrong = (email: string, client: string) =>
        send(behind, "/api/login", {
          body: { email, password: "not the password" },
          headers: { "x-forwarded-for": `${forged()}, ${client}` },
          from: proxy,
        });
      const tracked: Promise<{ status: number }>[] = [];
      const track = (i: number) =>
        tracked.push(
          send(behind, "/api/event", {
            body: { site: A.site.publicKey, events: [pageview(`flood-event-${String(i).padStart(6, "0")}`)] },
            type: "text/plain",
            headers: { origin: "https://www.a.example", "x-forwarded-for": forged() },
            from: proxy,
          }),
        );

      // By address: one client behind the proxy, whatever it writes to the left of itself.
      const byAddress: number[] = [];
      for (let i = 0; i < 14; i++) {
        track(i);
        byAddress.push((await wrong(A.users.manager.email, "203.0.113.50")).status);
      }
      expect(byAddress.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(byAddress.slice(10)).toEqual(Array(4).fill(429));

      // By account: twenty failures from as many addresses, then 429 for that account from
      // anywhere, the right password included; another account is unaffected.
      const byAccount: number[] = [];
      for (let i = 0; i < 24; i++) {
        track(100 + i);
        byAccount.push((await wrong(A.users.rep.email, `198.51.100.${i + 1}`)).status);
      }
      expect(byAccount.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(byAccount.slice(20)).toEqual(Array(4).fill(429));
      const right = await send(behind, "/api/login", {
        body: { email: A.users.rep.email, password: PASSWORD },
        headers: { "x-forwarded-for": "192.0.2.200" },
        from: proxy,
      });
      expectError(right, 429, "rate_limited");
      expect(right.body.error.message).toMatch(/account/);
      const other = await send(behind, "/api/login", {
        body: { email: A.users.admin.email, password: PASSWORD },
        headers: { "x-forwarded-for": "192.0.2.201" },
        from: proxy,
      });
      expect(other.status, other.text).toBe(200);

      // All at once, from many addresses, at an unknown account: hashing never runs more than
      // its bound at a time; beyond its queue the answer is a quick 503, never a pile-up.
      // At production's cost: the bound is about how long hashes hold the thread pool.
      const burst = await productionScrypt(() =>
        Promise.all(
          Array.from({ length: 40 }, (_, i) => {
            track(200 + i);
            return wrong("nobody@nowhere.example", `192.0.2.${i + 1}`);
          }),
        ),
      );
      for (const res of burst) expect([401, 429, 503]).toContain(res.status);
      const busy = burst.find((res) => res.status === 503);
      if (busy) expect(busy.headers.get("retry-after")).toBe("1");
      expect(hashingStats().peak).toBeLessThanOrEqual(HASH_CONCURRENCY);
      expect(hashingStats().peak).toBeGreaterThan(0);

      const statuses = await Promise.all(tracked);
      expect(statuses.map((s) => s.status)).toEqual(Array(tracked.length).fill(202));
      await behind.server.drain();
      const [row] = await t.store.query<{ n: number }>(
        sql`SELECT count(*) AS n FROM tracked_events WHERE workspace_id = 'a' AND event_id LIKE 'flood-event-%'`,
      );
      expect(Number(row?.n)).toBe(tracked.length);
    };

    test("X-Forwarded-Proto makes the cookie Secure only from a trusted proxy, by the value it wrote", async () => {
      const behind = await t.sibling({ trustProxy: "10.0.0.0/8" });
      const secure = async (from: string, proto: string) => {
        address += 1;
        const res = await send(behind, "/api/login", {
          body: { email: A.users.admin.email, password: PASSWORD },
          headers: { "x-forwarded-proto": proto, "x-forwarded-for": `192.0.2.${address & 255}` },
          from,
        });
        expect(res.status, res.text).toBe(200);
        return /;\s*Secure/i.test(res.headers.get("set-cookie") ?? "");
      };
      expect(await secure("10.0.0.1", "https")).toBe(true);
      expect(await secure("198.51.100.7", "https")).toBe(false);
      // The client's own "https" left of what the proxy appended is not read.
      expect(await secure("10.0.0.1", "https, http")).toBe(false);
    });
  });

  describe("item 7: accounts", () => {
    test("adding a user with another workspace's email tells nothing: it is added, and each account signs in with its own password", async () => {
      const email = A.users.rep.email;
      const made = await send(t, "/api/users", {
        key: B.keys.all.secret,
        body: { email, role: "manager", password: "b's own password" },
      });
      expect(made.status, made.text).toBe(201);
      expect(made.text).not.toContain('"a"');
      // Each password opens its own workspace's account.
      expect((await login(t, email, PASSWORD)).body).toMatchObject({ workspace: "a", role: "rep" });
      expect((await login(t, email, "b's own password")).body).toMatchObject({ workspace: "b", role: "manager" });
      // Naming the workspace picks one; the other's password does not open it.
      expect((await login(t, email, PASSWORD, "b")).status).toBe(401);
      expect((await login(t, email, "b's own password", "b")).status).toBe(200);
      // Within one workspace an email is still one user.
      const taken = await send(t, "/api/users", {
        key: B.keys.all.secret,
        body: { email: email.toUpperCase(), role: "rep", password: "a long enough one" },
      });
      expectError(taken, 409, "conflict", "body.email");
    });

    test("a disabled user cannot sign in and their sessions end at once; enabled again, they can", async () => {
      const made = await send(t, "/api/users", {
        key: A.keys.all.secret,
        body: { email: "leaver@a.example", role: "manager", password: PASSWORD },
      });
      const cookie = await cookieOf("leaver@a.example");
      expect((await send(t, "/api/me", { cookie })).status).toBe(200);
      const disabled = await send(t, `/api/users/leaver@a.example/disable`, { method: "POST", key: A.keys.all.secret });
      expect(disabled.body).toMatchObject({ id: made.body.id, disabled: true });
      expectError(await send(t, "/api/me", { cookie }), 401, "unauthenticated");
      expectError(await login(t, "leaver@a.example"), 401, "unauthenticated");
      const listed = await send(t, "/api/users", { key: A.keys.admin.secret });
      expect(listed.body.users.find((u: { id: string }) => u.id === made.body.id)).toMatchObject({ disabled: true });
      // Another workspace's admin cannot even find the user.
      expectError(
        await send(t, `/api/users/${made.body.id}/enable`, { method: "POST", key: B.keys.all.secret }),
        404,
        "not_found",
      );
      await send(t, `/api/users/${made.body.id}/enable`, { method: "POST", key: A.keys.all.secret });
      expect((await login(t, "leaver@a.example")).status).toBe(200);
      // An admin does not lock themselves out through the API.
      const admin = await cookieOf(A.users.admin.email);
      expectError(
        await send(t, `/api/users/${A.users.admin.id}/disable`, { method: "POST", cookie: admin }),
        409,
        "conflict",
      );
    });

    test("changing one's password needs the current one and ends one's other sessions; an admin setting it ends them all", async () => {
      await send(t, "/api/users", {
        key: A.keys.all.secret,
        body: { email: "mover@a.example", role: "rep", password: PASSWORD },
      });
      const here = await cookieOf("mover@a.example");
      const elsewhere = await cookieOf("mover@a.example");
      const wrong = await send(t, "/api/me/password", {
        cookie: here,
        body: { currentPassword: "not it at all", newPassword: "my new password" },
      });
      expectError(wrong, 403, "forbidden", "body.currentPassword");
      // A key is not a signed-in user.
      expectError(
        await send(t, "/api/me/password", {
          key: A.keys.all.secret,
          body: { currentPassword: PASSWORD, newPassword: "my new password" },
        }),
        403,
        "forbidden",
      );
      const changed = await send(t, "/api/me/password", {
        cookie: here,
        body: { currentPassword: PASSWORD, newPassword: "my new password" },
      });
      expect(changed.status, changed.text).toBe(200);
      expect((await send(t, "/api/me", { cookie: here })).status).toBe(200);
      expectError(await send(t, "/api/me", { cookie: elsewhere }), 401, "unauthenticated");
      expect((await login(t, "mover@a.example", PASSWORD)).status).toBe(401);
      expect((await login(t, "mover@a.example", "my new password")).status).toBe(200);

      const set = await send(t, "/api/users/mover@a.example/password", {
        key: A.keys.all.secret,
        body: { password: "the admin's choice" },
      });
      expect(set.status, set.text).toBe(200);
      expectError(await send(t, "/api/me", { cookie: here }), 401, "unauthenticated");
      expect((await login(t, "mover@a.example", "the admin's choice")).status).toBe(200);
    });

    test("a revoked site's events are refused at once; a rotated key keeps its id and scopes and its old secret stops working", async () => {
      const site = await send(t, "/api/sites", {
        key: A.keys.all.secret,
        body: { name: "old shop", domains: ["old.a.example"] },
      });
      const event = (id: string) =>
        send(t, "/api/event", {
          body: { site: site.body.publicKey, events: [pageview(id)] },
          type: "text/plain",
          headers: { origin: "https://old.a.example" },
        });
      expect((await event("revoked-site-event-1")).status).toBe(202);
      const revoked = await send(t, `/api/sites/${site.body.publicKey}`, {
        method: "DELETE",
        key: A.keys.admin.secret,
      });
      expect(revoked.status, revoked.text).toBe(200);
      expectError(await event("revoked-site-event-2"), 403, "forbidden", "body.site");
      expectError(
        await send(t, `/api/sites/${site.body.id}`, { method: "DELETE", key: A.keys.admin.secret }),
        404,
        "not_found",
      );

      const made = await send(t, "/api/keys", {
        key: A.keys.all.secret,
        body: { name: "ci", scopes: ["metrics:read", "data:write"] },
      });
      const rotated = await send(t, `/api/keys/${made.body.id}/rotate`, { method: "POST", key: A.keys.all.secret });
      expect(rotated.status, rotated.text).toBe(200);
      expect(rotated.body).toMatchObject({ id: made.body.id, name: "ci", scopes: ["metrics:read", "data:write"] });
      expect(rotated.body.secret).not.toBe(made.body.secret);
      expectError(await send(t, "/api/metrics", { key: made.body.secret }), 401, "unauthenticated");
      expect((await send(t, "/api/metrics", { key: rotated.body.secret })).status).toBe(200);
      expectError(
        await send(t, `/api/keys/${made.body.id}/rotate`, { method: "POST", key: B.keys.all.secret }),
        404,
        "not_found",
      );
    });

    test("no key mints a key with more scopes than it has, nor adds a user, rotates a key or sets a password unless it has every scope", async () => {
      const admin = A.keys.admin.secret;
      const more = await send(t, "/api/keys", {
        key: admin,
        body: { name: "wider", scopes: ["admin", "metrics:read"] },
      });
      expectError(more, 403, "forbidden");
      expect(more.body.error.message).toContain("metrics:read");
      expect((await send(t, "/api/keys", { key: admin, body: { name: "same", scopes: ["admin"] } })).status).toBe(201);
      const user = await send(t, "/api/users", {
        key: admin,
        body: { email: "escalate@a.example", role: "admin", password: PASSWORD },
      });
      expectError(user, 403, "forbidden");
      expectError(await send(t, `/api/keys/${A.keys.all.id}/rotate`, { method: "POST", key: admin }), 403, "forbidden");
      expectError(
        await send(t, `/api/users/${A.users.admin.id}/password`, { key: admin, body: { password: "taken over now" } }),
        403,
        "forbidden",
      );
      expect(await authenticateKey(t.store, A.keys.all.secret)).not.toBeNull();
      expect((await login(t, A.users.admin.email)).status).toBe(200);
      // A session mints within its role: an admin's session may give any scope.
      const session = await cookieOf(A.users.admin.email);
      const minted = await send(t, "/api/keys", {
        cookie: session,
        body: { name: "from the dashboard", scopes: ["metrics:read", "data:write", "campaigns:send", "admin"] },
      });
      expect(minted.status, minted.text).toBe(201);
    });
  });

  describe("item 7: sessions", () => {
    const expiryOf = async (cookie: string) => {
      const { sha256Hex } = await import("../src/accounts/secrets.js");
      const token = cookie.replace(/^verity_session=/, "");
      const [row] = await t.store.query<{ expires_at: string }>(
        sql`SELECT expires_at FROM sessions WHERE token_hash = ${sha256Hex(token)}`,
      );
      return row ? Date.parse(row.expires_at) : null;
    };
    const setExpiry = async (cookie: string, at: number) => {
      const { sha256Hex } = await import("../src/accounts/secrets.js");
      const token = cookie.replace(/^verity_session=/, "");
      await t.store.execute(
        sql`UPDATE sessions SET expires_at = CAST(${new Date(at).toISOString()} AS TIMESTAMP)
            WHERE token_hash = ${sha256Hex(token)}`,
      );
    };

    test("a session unused for its idle time ends; used, its deadline slides, written at most once a minute", async () => {
      const cookie = await cookieOf(A.users.manager.email);
      const start = await expiryOf(cookie);
      expect(start).not.toBeNull();
      // Fresh: the deadline is the idle time away, and using it at once writes nothing.
      expect(Math.abs((start as number) - Date.now() - SESSION_IDLE_SECONDS * 1000)).toBeLessThan(60_000);
      expect((await send(t, "/api/me", { cookie })).status).toBe(200);
      expect((await send(t, "/api/me", { cookie })).status).toBe(200);
      expect(await expiryOf(cookie)).toBe(start);

      // Last used eleven hours ago: a request moves the deadline a full idle time from now.
      const eleven = Date.now() + 3600_000;
      await setExpiry(cookie, eleven);
      expect((await send(t, "/api/me", { cookie })).status).toBe(200);
      await vi.waitFor(async () => expect(await expiryOf(cookie)).toBeGreaterThan(eleven + 10 * 3600_000), {
        timeout: 10_000,
      });

      // Unused past its deadline: gone.
      await setExpiry(cookie, Date.now() - 1000);
      expectError(await send(t, "/api/me", { cookie }), 401, "unauthenticated");
    });

    test("a session's requests count against the API rate limit, per user", async () => {
      const limited = await t.sibling({ apiRate: 1 });
      const cookie = await cookieOf(A.users.rep.email);
      const other = await cookieOf(A.users.admin.email);
      // A second's refill is a request: the clock stands still, so the count is exact.
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
      try {
        await burst(limited, cookie, other);
      } finally {
        vi.useRealTimers();
      }
    });

    const burst = async (limited: TestServer, cookie: string, other: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await send(limited, "/api/me", { cookie })).status);
      // Bursts to four times the rate.
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const refused = await send(limited, "/api/me", { cookie });
      expectError(refused, 429, "rate_limited");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // Another user has a budget of their own.
      expect((await send(limited, "/api/me", { cookie: other })).status).toBe(200);
    };

    test("the document says what /api/me takes (a key or a session), and session-only routes refuse keys", async () => {
      const doc = (await send(t, "/api/openapi.json")).body;
      expect(doc.paths["/api/me"].get.security).toEqual([{ apiKey: [] }, { session: [] }]);
      expect((await send(t, "/api/me", { key: A.keys.metrics.secret })).status).toBe(200);
      for (const [path, method] of [
        ["/api/logout", "post"],
        ["/api/me/password", "post"],
      ] as const) {
        expect(doc.paths[path][method].security, path).toEqual([{ session: [] }]);
      }
      expectError(await send(t, "/api/logout", { method: "POST", key: A.keys.all.secret }), 403, "forbidden");
      expect(doc.paths["/api/users"].post.description).toMatch(/every scope/);
      expect(doc.paths["/api/users"].post.responses["415"]).toBeDefined();
    });
  });
});
