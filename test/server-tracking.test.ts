/**
 * Website tracking through the app (`app.request()`, no socket), on every engine: POST
 * /api/event from a site's domains (202 with CORS headers) and from anywhere else (403),
 * unknown site keys, invalid events named by their field, the 32 KB limit, resent events
 * stored once, privacy signals, the preflight, identities linked to leads whichever arrives
 * first, and the rate limits (tracking per site and IP, API keys, sign-in attempts).
 */

import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { sha256Hex } from "../src/accounts/secrets.js";
import { createSite, type Site } from "../src/accounts/sites.js";
import { sql } from "../src/store/sql.js";
import { type Engine, engines } from "./support/databases.js";
import { BASE, lead } from "./support/metric-fixtures.js";
import {
  type Answer,
  addPrincipals,
  countRows,
  EngineAnswers,
  expectError,
  importFixture,
  PASSWORD,
  type Principals,
  startTestServer,
  type TestServer,
} from "./support/server-harness.js";

// Passwords hash at a test cost: what is tested here does not depend on it (test/support/test-scrypt.ts).
vi.mock("node:crypto", async (importOriginal) =>
  (await import("./support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

const ENGINES = engines();
const ORIGIN = "https://www.a.example";

const answers = new EngineAnswers();
const keep = (engine: Engine, name: string, value: unknown) => answers.keep(engine, name, value);

/** An id the wire format accepts (16-40 letters, digits, - or _), distinct for distinct texts. */
const id = (text: string) => text.padEnd(16, "_");

const pageview = (event: string, visitor: string, visit: string, extra: Record<string, unknown> = {}) => ({
  id: id(event),
  type: "pageview",
  visitor: id(visitor),
  visit: id(visit),
  url: `${ORIGIN}/pricing`,
  ...extra,
});

describe.each(ENGINES)("tracking through the API on %s", (engine) => {
  let t: TestServer;
  let A: Principals;
  let B: Principals;
  let privateSite: Site;

  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      await importFixture(store, "a", {
        ...BASE,
        leads: [lead({ id: "a-1", contact: "existing@a.example", created_at: "2025-07-01T09:00:00Z" })],
      });
      // b has a lead with the address a's visitor gives: it must never be linked to a's visit.
      await importFixture(store, "b", {
        ...BASE,
        leads: [lead({ id: "b-ada", contact: "ada@example.com", created_at: "2025-07-01T09:00:00Z" })],
      });
    });
    A = await addPrincipals(t.store, "a", { domains: ["www.a.example", "*.a-shop.example"] });
    B = await addPrincipals(t.store, "b");
    privateSite = await createSite(t.store, "a", {
      name: "private",
      domains: ["private.a.example"],
      respectPrivacySignals: true,
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const send = (
    site: string,
    events: unknown[],
    headers: Record<string, string> = { origin: ORIGIN },
    server: TestServer = t,
  ): Promise<Answer> =>
    server.request("/api/event", {
      method: "POST",
      body: JSON.stringify({ site, events }),
      headers: { "content-type": "text/plain", ...headers },
    });
  const eventsWithId = async (eventId: string) => {
    const [row] = await t.store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM tracked_events WHERE event_id = ${eventId}`,
    );
    return Number(row?.n ?? 0);
  };
  const visit = async (visitor: string, visitId: string) => {
    const [row] = await t.store.query<{
      workspace_id: string;
      pageviews: number;
      landing_url: string;
      utm_source: string | null;
      referrer: string | null;
      visit_number: number;
      converted_lead_id: string | null;
    }>(
      sql`SELECT workspace_id, pageviews, landing_url, utm_source, referrer, visit_number, converted_lead_id
          FROM visits WHERE visit_id = ${`${id(visitor)}.${id(visitId)}`}`,
    );
    return row ? { ...row, pageviews: Number(row.pageviews), visit_number: Number(row.visit_number) } : null;
  };

  test("a pageview from the site's domain is a 202 with CORS headers, stored in the site's workspace", async () => {
    const res = await send(A.site.publicKey, [
      pageview("first-event", "first-visitor", "first-visit", {
        referrer: "https://news.example/",
        utm: { source: "newsletter", campaign: "spring" },
      }),
    ]);
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ accepted: 1 });
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.headers.get("vary")).toMatch(/Origin/);
    await t.server.drain();
    const [event] = await t.store.query<{ workspace_id: string; site_id: string; type: string; url: string }>(
      sql`SELECT workspace_id, site_id, type, url FROM tracked_events WHERE event_id = ${id("first-event")}`,
    );
    expect(event).toEqual({ workspace_id: "a", site_id: A.site.id, type: "pageview", url: `${ORIGIN}/pricing` });
    const stored = await visit("first-visitor", "first-visit");
    expect(stored).toEqual({
      workspace_id: "a",
      pageviews: 1,
      landing_url: `${ORIGIN}/pricing`,
      utm_source: "newsletter",
      referrer: "https://news.example/",
      visit_number: 1,
      converted_lead_id: null,
    });
    expect(await countRows(t.store, "tracked_events", "b")).toBe(0);
    keep(engine, "first visit", stored);

    // A wildcard domain covers its subdomains and itself.
    for (const origin of ["https://eu.a-shop.example", "https://a-shop.example", "http://www.a.example:8080"]) {
      const other = await send(A.site.publicKey, [pageview(`wild-${origin.length}`, "wild-visitor", "wild-visit")], {
        origin,
      });
      expect(other.status, origin).toBe(202);
      expect(other.headers.get("access-control-allow-origin")).toBe(origin);
    }
  });

  test("another origin is a 403, and nothing is stored", async () => {
    await t.server.drain();
    const before = await countRows(t.store, "tracked_events", "a");
    for (const origin of [
      "https://evil.example",
      "https://www.a.example.evil.example",
      "https://evil-a-shop.example",
      "null",
    ]) {
      const res = await send(A.site.publicKey, [pageview("evil-event", "evil-visitor", "evil-visit")], { origin });
      expectError(res, 403, "forbidden", "header.origin");
      keep(engine, `403 origin ${origin}`, res.body);
    }
    // b's site may not send from a's domain either.
    expectError(
      await send(B.site.publicKey, [pageview("b-event", "b-visitor", "b-visit")]),
      403,
      "forbidden",
      "header.origin",
    );
    await t.server.drain();
    expect(await countRows(t.store, "tracked_events", "a")).toBe(before);
    expect(await eventsWithId(id("evil-event"))).toBe(0);
  });

  test("an unknown or missing site key is a 403", async () => {
    for (const site of ["vs_aaaaaaaaaaaaaaaaaaaa", "nope", `${A.site.publicKey}x`, A.keys.metrics.secret]) {
      expectError(await send(site, [pageview("nosite-event", "v", "v")]), 403, "forbidden", "body.site");
    }
    const missing = await t.request("/api/event", {
      method: "POST",
      body: JSON.stringify({ events: [pageview("nosite-event", "v", "v")] }),
      headers: { origin: ORIGIN },
    });
    expectError(missing, 403, "forbidden", "body.site");
    expect(await eventsWithId(id("nosite-event"))).toBe(0);
  });

  test("without an Origin header (a server sending events) the site key alone is enough", async () => {
    const res = await send(A.site.publicKey, [pageview("server-event", "server-visitor", "server-visit")], {});
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("an invalid event is a 400 naming body.events[i].<field>, with CORS headers so the page can read it", async () => {
    const good = pageview("invalid-event", "invalid-visitor", "invalid-visit");
    const { url: _, ...noUrl } = good;
    const cases: [unknown[], string][] = [
      [[{ ...good, id: "short" }], "body.events[0].id"],
      [[noUrl], "body.events[0].url"],
      [[{ ...good, type: "click" }], "body.events[0].type"],
      [[{ ...good, type: "identify" }], "body.events[0].email"],
      [[{ ...good, type: "identify", email: "not an email" }], "body.events[0].email"],
      [[good, { ...good, visitor: "has spaces in it!" }], "body.events[1].visitor"],
      [[{ ...good, colour: "red" }], "body.events[0].colour"],
      [[{ ...good, utm: { source: "x", channel: "y" } }], "body.events[0].utm.channel"],
      [[{ ...good, url: "x".repeat(2001) }], "body.events[0].url"],
      [[], "body.events"],
      [Array.from({ length: 51 }, (_, i) => ({ ...good, id: id(`many-${i}`) })), "body.events"],
    ];
    for (const [events, field] of cases) {
      const res = await send(A.site.publicKey, events);
      expectError(res, 400, "invalid_request", field);
      expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
      keep(engine, `400 ${field} ${JSON.stringify(events).length}`, res.body);
    }
    const extra = await t.request("/api/event", {
      method: "POST",
      body: JSON.stringify({ site: A.site.publicKey, events: [good], extra: 1 }),
      headers: { origin: ORIGIN },
    });
    expectError(extra, 400, "invalid_request", "body.extra");
    for (const text of ["{not json", ""]) {
      const res = await t.request("/api/event", { method: "POST", body: text, headers: { origin: ORIGIN } });
      expectError(res, 400, "invalid_request", "body");
    }
    await t.server.drain();
    expect(await eventsWithId(id("invalid-event"))).toBe(0);
  });

  test("a body over 32 KB is a 413, and nothing of it is stored", async () => {
    const events = Array.from({ length: 20 }, (_, i) =>
      pageview(`big-event-${i}`, "big-visitor", "big-visit", { url: `${ORIGIN}/${"p".repeat(1900)}` }),
    );
    const body = JSON.stringify({ site: A.site.publicKey, events });
    expect(body.length).toBeGreaterThan(32 * 1024);
    const streamed = await t.request("/api/event", { method: "POST", body, headers: { origin: ORIGIN } });
    expectError(streamed, 413, "payload_too_large", "body");
    const declared = await t.request("/api/event", {
      method: "POST",
      body,
      headers: { origin: ORIGIN, "content-length": String(body.length) },
    });
    expectError(declared, 413, "payload_too_large", "body");
    // Half of it fits.
    expect((await send(A.site.publicKey, events.slice(0, 10))).status).toBe(202);
    await t.server.drain();
    expect(await eventsWithId(id("big-event-0"))).toBe(1);
    expect(await eventsWithId(id("big-event-15"))).toBe(0);
  });

  test("a resent event is stored once", async () => {
    const first = pageview("resent-event-1", "resent-visitor", "resent-visit");
    expect((await send(A.site.publicKey, [first])).body).toEqual({ accepted: 1 });
    // The browser retries: acknowledged again, stored once.
    expect((await send(A.site.publicKey, [first])).body).toEqual({ accepted: 1 });
    const second = pageview("resent-event-2", "resent-visitor", "resent-visit", { url: `${ORIGIN}/docs` });
    expect((await send(A.site.publicKey, [second, second])).status).toBe(202);
    await t.server.drain();
    expect(await eventsWithId(id("resent-event-1"))).toBe(1);
    expect(await eventsWithId(id("resent-event-2"))).toBe(1);
    expect((await visit("resent-visitor", "resent-visit"))?.pageviews).toBe(2);
    // A new event of the same visit still counts.
    await send(A.site.publicKey, [pageview("resent-event-3", "resent-visitor", "resent-visit")]);
    await send(A.site.publicKey, [first]);
    await t.server.drain();
    const stored = await visit("resent-visitor", "resent-visit");
    expect(stored?.pageviews).toBe(3);
    expect(stored?.landing_url).toBe(`${ORIGIN}/pricing`);
    // A later visit of the same visitor is their second.
    await send(A.site.publicKey, [pageview("resent-event-4", "resent-visitor", "resent-visit-2")]);
    await t.server.drain();
    expect((await visit("resent-visitor", "resent-visit-2"))?.visit_number).toBe(2);
  });

  test("a site that respects privacy signals stores nothing from a browser that sends one", async () => {
    const origin = { origin: "https://private.a.example" };
    for (const signal of [{ "sec-gpc": "1" }, { dnt: "1" }] as Record<string, string>[]) {
      const res = await send(privateSite.publicKey, [pageview("private-event-1", "private-visitor", "private-visit")], {
        ...origin,
        ...signal,
      });
      expect(res.status, res.text).toBe(202);
      expect(res.body).toEqual({ accepted: 0, ignored: "privacy-signal" });
      expect(res.headers.get("access-control-allow-origin")).toBe("https://private.a.example");
    }
    await t.server.drain();
    const [row] = await t.store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM tracked_events WHERE site_id = ${privateSite.id}`,
    );
    expect(Number(row?.n)).toBe(0);
    expect(await visit("private-visitor", "private-visit")).toBeNull();
    // Without a signal (or with GPC off) it tracks; a site that does not respect signals tracks anyway.
    const off = await send(privateSite.publicKey, [pageview("private-event-2", "private-visitor", "private-visit")], {
      ...origin,
      "sec-gpc": "0",
    });
    expect(off.body).toEqual({ accepted: 1 });
    const other = await send(A.site.publicKey, [pageview("gpc-event", "gpc-visitor", "gpc-visit")], {
      origin: ORIGIN,
      "sec-gpc": "1",
    });
    expect(other.body).toEqual({ accepted: 1 });
    await t.server.drain();
    expect(await eventsWithId(id("private-event-2"))).toBe(1);
    expect(await eventsWithId(id("private-event-1"))).toBe(0);
  });

  test("OPTIONS /api/event answers the preflight", async () => {
    const res = await t.request("/api/event", {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.headers.get("access-control-allow-methods")).toBe("POST");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/content-type/i);
    expect(res.headers.get("access-control-max-age")).toBe("86400");
  });

  describe("identities link visits to leads", () => {
    const pushLead = (leadId: string, contact: string) =>
      t.request("/api/data", {
        key: A.keys.data.secret,
        body: {
          // Created now, as a CRM enters a form's lead: a visit links only to a lead created at
          // most a day before it (src/derive/visit-leads.ts), and tracked visits are stamped now.
          leads: [{ id: leadId, contact, pipeline_id: "p", status: "open", created_at: new Date().toISOString() }],
        },
      });

    test("identify first, the lead pushed after", async () => {
      const res = await send(A.site.publicKey, [
        pageview("ada-event-1", "ada-visitor", "ada-visit"),
        { ...pageview("ada-event-2", "ada-visitor", "ada-visit"), type: "identify", email: " Ada@Example.com " },
      ]);
      expect(res.body).toEqual({ accepted: 2 });
      await t.server.drain();
      const [identity] = await t.store.query<{ workspace_id: string; email_hash: string }>(
        sql`SELECT workspace_id, email_hash FROM visitor_identities WHERE visitor_id = ${id("ada-visitor")}`,
      );
      expect(identity).toEqual({ workspace_id: "a", email_hash: sha256Hex("ada@example.com") });
      // b's lead has this address: it is not a's, so nothing is linked yet.
      expect((await visit("ada-visitor", "ada-visit"))?.converted_lead_id).toBeNull();

      const pushed = await pushLead("lead-ada", "ada@example.com");
      expect(pushed.status, pushed.text).toBe(200);
      await t.server.drain();
      expect((await visit("ada-visitor", "ada-visit"))?.converted_lead_id).toBe("lead-ada");
      const [bVisits] = await t.store.query<{ n: number }>(
        sql`SELECT count(*) AS n FROM visits WHERE converted_lead_id = 'b-ada'`,
      );
      expect(Number(bVisits?.n)).toBe(0);
    });

    test("the lead pushed first, identify after (through a captured form)", async () => {
      const pushed = await pushLead("lead-bea", "Bea@Example.com");
      expect(pushed.status, pushed.text).toBe(200);
      const res = await send(A.site.publicKey, [
        pageview("bea-event-1", "bea-visitor", "bea-visit"),
        {
          ...pageview("bea-event-2", "bea-visitor", "bea-visit"),
          type: "form",
          form: "signup",
          email: "bea@example.com",
        },
      ]);
      expect(res.body).toEqual({ accepted: 2 });
      await t.server.drain();
      const stored = await visit("bea-visitor", "bea-visit");
      expect(stored?.converted_lead_id).toBe("lead-bea");
      expect(stored?.pageviews).toBe(1);
      keep(engine, "linked visit", stored);
    });
  });

  describe("rate limits", () => {
    /**
     * Sends until refused (at most `max` times). A bucket of `burst` tokens refilled at `rate`
     * a second lets `burst` requests through at once, plus what refilled meanwhile.
     */
    async function until429(sendOne: (i: number) => Promise<Answer>, max: number, burst: number, rate: number) {
      const started = performance.now();
      let accepted = max;
      let refusal: Answer | null = null;
      for (let i = 0; i < max; i++) {
        const res = await sendOne(i);
        if (res.status === 429) {
          accepted = i;
          refusal = res;
          break;
        }
      }
      const refilled = Math.floor(((performance.now() - started) / 1000) * rate);
      expect(accepted).toBeGreaterThanOrEqual(burst);
      expect(accepted).toBeLessThanOrEqual(burst + refilled);
      expect(refusal).not.toBeNull();
      expectError(refusal as Answer, 429, "rate_limited", null);
      expect(Number(refusal?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      return refusal as Answer;
    }

    test("tracking: per site and IP, with Retry-After", async () => {
      const limited = await t.sibling({ trackingRate: 1, trustProxy: true });
      // Bursts to 4x the rate: four pass at once, then one a second.
      const refusal = await until429(
        (i) =>
          send(A.site.publicKey, [pageview(`rate-${i}`, "rate-visitor", "rate-visit")], { origin: ORIGIN }, limited),
        12,
        4,
        1,
      );
      expect(refusal.headers.get("access-control-allow-origin")).toBe(ORIGIN);
      // Another address, or another site from the same one, has buckets of its own.
      const elsewhere = await send(
        A.site.publicKey,
        [pageview("rate-ip", "rate-visitor", "rate-visit")],
        {
          origin: ORIGIN,
          "x-forwarded-for": "203.0.113.7",
        },
        limited,
      );
      expect(elsewhere.status).toBe(202);
      const otherSite = await send(
        B.site.publicKey,
        [pageview("rate-b", "rate-visitor", "rate-visit")],
        {
          origin: "https://www.b.example",
        },
        limited,
      );
      expect(otherSite.status).toBe(202);
      // The sibling's own writer applies what it acknowledged: before a later test counts rows.
      await limited.server.drain();
    });

    test("API keys: per key, with Retry-After", async () => {
      const limited = await t.sibling({ apiRate: 1 });
      await until429(() => limited.request("/api/me", { key: A.keys.metrics.secret }), 12, 4, 1);
      expect((await limited.request("/api/me", { key: A.keys.data.secret })).status).toBe(200);
    });

    test("sign-in: ten attempts per address, then 429 even with the right password; X-Forwarded-For only behind a trusted proxy", async () => {
      const wrong = (server: TestServer, headers: Record<string, string> = {}) =>
        server.request("/api/login", { body: { email: A.users.admin.email, password: "not the password" }, headers });

      const trusting = await t.sibling({ trustProxy: true });
      await until429(() => wrong(trusting), 16, 10, 10 / 60);
      const right = await trusting.request("/api/login", { body: { email: A.users.admin.email, password: PASSWORD } });
      expect(right.status).toBe(429);
      expect(right.headers.get("set-cookie")).toBeNull();
      // Behind a proxy it trusts, the server tells addresses apart by X-Forwarded-For.
      const other = await trusting.request("/api/login", {
        body: { email: A.users.admin.email, password: PASSWORD },
        headers: { "x-forwarded-for": "198.51.100.4" },
      });
      expect(other.status, other.text).toBe(200);

      // Without one, a forged X-Forwarded-For does not buy new attempts.
      const direct = await t.sibling({});
      await until429((i) => wrong(direct, { "x-forwarded-for": `198.51.100.${i}` }), 16, 10, 10 / 60);
    });
  });

  test("concurrent events, pushes, reads and admin writes all succeed, and every event is stored", async () => {
    const before = await countRows(t.store, "tracked_events", "a");
    const key = A.keys.all.secret;
    const jobs: Promise<Answer>[] = [];
    for (let i = 0; i < 40; i++) {
      jobs.push(send(A.site.publicKey, [pageview(`busy-event-${i}`, `busy-visitor-${i % 7}`, `busy-visit-${i % 13}`)]));
      if (i % 5 === 0) {
        jobs.push(
          t.request("/api/data", {
            key,
            body: {
              leads: [{ id: "busy-lead", pipeline_id: "p", status: "open", created_at: "2025-08-01T00:00:00Z" }],
              stage_events: [
                { lead_id: "busy-lead", to_stage_id: "new", changed_at: `2025-08-0${1 + (i % 9)}T00:00:00Z` },
              ],
            },
          }),
        );
      }
      if (i % 8 === 0) jobs.push(t.request("/api/metrics/funnel", { key, query: { period: "2025-Q3" } }));
      if (i % 10 === 0)
        jobs.push(t.request("/api/keys", { key, body: { name: `busy-${i}`, scopes: ["metrics:read"] } }));
    }
    const results = await Promise.all(jobs);
    expect(results.filter((r) => r.status >= 300).map((r) => r.text)).toEqual([]);
    await t.server.drain();
    expect(await countRows(t.store, "tracked_events", "a")).toBe(before + 40);
    const [events] = await t.store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM stage_events WHERE workspace_id = 'a' AND lead_id = 'busy-lead'`,
    );
    expect(Number(events?.n)).toBe(8);
  });

  test("GET /api/health: everything acknowledged is applied", async () => {
    await t.server.drain();
    const res = await t.request("/api/health", { key: A.keys.admin.secret });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", engine, ingest: { pendingEvents: 0, lastError: null } });
    // The log's sequence numbers move with every workspace's traffic: an open server's only.
    expect(res.body.ingest).not.toHaveProperty("appliedSeq");
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("answer the tracking requests the same", () => {
      answers.expectAgreement(15);
    });
  });
}
