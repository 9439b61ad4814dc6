/**
 * The website tracker in real Chromium against a real `verity serve` on DuckDB, as the server
 * serves it (src/web/tracker/verity.js minified by scripts/tracker.mjs, checked first): pages from test/fixtures/tracking are served by a static server on a
 * port (an origin) of their own, so every event is a cross-origin request the server checks.
 *
 * Needs /usr/bin/chromium (Debian's chromium package; .ci/run installs it when test/browser
 * exists). Without it the tests fail rather than skip.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minifyTracker } from "../../scripts/tracker.mjs";
import { createSite } from "../../src/accounts/sites.js";
import { ensureWorkspace } from "../../src/ingest/importer.js";
import { startServer } from "../../src/server/server.js";
import { sql } from "../../src/store/sql.js";
import type { Store } from "../../src/store/store.js";
import { CHROMIUM, launchChromium, MISSING_CHROMIUM } from "../support/chromium.js";
import { engines } from "../support/databases.js";
import { openTestStore } from "../support/stores.js";

// The page's globals that the functions run in the browser use (the project's types are Node's only).
declare const window: {
  verity: { identify(email: string): void; pageview(): void };
  fetch: typeof fetch;
  fetchResults: string[];
  history: { pushState(state: null, unused: string, url: string): void };
};
declare const Navigator: { prototype: object };
declare const Document: { prototype: object };
declare const localStorage: { getItem(key: string): string | null };

const WORKSPACE = "tracking";
const FIXTURES = new URL("../fixtures/tracking/", import.meta.url);

let browser: Browser | undefined;
let store: Store;
let disposeStore: (() => Promise<void>) | undefined;
let dataDir: string | undefined;
let server: Awaited<ReturnType<typeof startServer>> | undefined;
let pages: Server | undefined;
/** The test pages on an allowed origin, and the same pages on an origin the site does not list. */
let allowedOrigin: string;
let otherOrigin: string;
let siteKey = "";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Serves the fixture pages (GET and POST, for form submissions) with the tracker's URL and site key filled in. */
function startPages(verityUrl: () => string, siteKey: () => string): Promise<Server> {
  const http = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://pages").pathname.slice(1);
    req.resume();
    if (!/^[a-z0-9-]+\.html$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    readFile(new URL(name, FIXTURES), "utf8").then(
      (html) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(html.replaceAll("{{VERITY}}", verityUrl()).replaceAll("{{SITE}}", siteKey()));
      },
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => http.listen(0, "127.0.0.1", () => resolve(http)));
}

/** A fresh browser context (no cookies, no storage) that records every request to /api/event. */
async function open(init?: () => void): Promise<{ context: BrowserContext; page: Page; sent: Request[] }> {
  if (!browser) throw new Error(existsSync(CHROMIUM) ? "the browser did not start" : MISSING_CHROMIUM);
  const context = await browser.newContext();
  if (init) await context.addInitScript(init);
  const sent: Request[] = [];
  context.on("request", (request) => {
    if (request.url().endsWith("/api/event")) sent.push(request);
  });
  return { context, page: await context.newPage(), sent };
}

/** Waits until every event request so far has been answered and its events are in the store. */
async function settle(sent: Request[]): Promise<void> {
  // Let requests started just before (a beacon sent as the page unloads) be reported.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await Promise.all(sent.map((request) => request.response()));
  await server?.drain();
}

async function visitorId(context: BrowserContext, origin = allowedOrigin): Promise<string> {
  const cookie = (await context.cookies(origin)).find((c) => c.name === "verity_vid");
  expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{22}$/);
  return cookie?.value ?? "";
}

type EventRow = {
  type: string;
  visitor_id: string;
  visit_id: string;
  url: string;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  email_hash: string | null;
  form: string | null;
};

const eventsOf = (visitor: string) =>
  store.query<EventRow>(
    sql`SELECT type, visitor_id, visit_id, url, referrer, utm_source, utm_medium, utm_campaign, email_hash, form
        FROM tracked_events WHERE workspace_id = ${WORKSPACE} AND visitor_id = ${visitor} ORDER BY occurred_at, url`,
  );

type VisitRow = {
  visit_id: string;
  started_at: string;
  landing_url: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  pageviews: number;
  visit_number: number;
};

const visitsOf = (visitor: string) =>
  store.query<VisitRow>(
    sql`SELECT visit_id, started_at, landing_url, referrer, utm_source, utm_medium, utm_campaign, pageviews, visit_number
        FROM visits WHERE workspace_id = ${WORKSPACE} AND source_system = 'tracker' AND visitor_id = ${visitor}
        ORDER BY visit_number`,
  );

const allEvents = async () =>
  Number(
    (await store.query(sql`SELECT count(*) AS n FROM tracked_events WHERE workspace_id = ${WORKSPACE}`))[0]?.n ?? 0,
  );

// The browser tests use DuckDB only: they test the script and the HTTP path, not the engines.
describe.runIf(engines().includes("duckdb"))("website tracker in Chromium", () => {
  beforeAll(async () => {
    // Without Chromium every test fails with MISSING_CHROMIUM (in open()), rather than being skipped.
    if (!existsSync(CHROMIUM)) return;
    ({ store, dispose: disposeStore } = await openTestStore("duckdb"));
    await ensureWorkspace(store, WORKSPACE);
    dataDir = await mkdtemp(join(tmpdir(), "verity-tracking-"));
    pages = await startPages(
      () => server?.url.replace(/\/$/, "") ?? "",
      () => siteKey,
    );
    const port = (pages.address() as AddressInfo).port;
    allowedOrigin = `http://127.0.0.1:${port}`;
    // Also loopback, but "localhost" is a host the site does not list.
    otherOrigin = `http://localhost:${port}`;
    // respectPrivacySignals: false, so only the tracker's own data-respect-dnt keeps GPC visitors out.
    const site = await createSite(store, WORKSPACE, {
      name: "test site",
      domains: [`127.0.0.1:${port}`],
      respectPrivacySignals: false,
    });
    siteKey = site.publicKey;
    server = await startServer({ store, host: "127.0.0.1", port: 0, dataDir, auth: true, logLevel: "warn" });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => (pages ? pages.close(resolve) : resolve(undefined)));
    await disposeStore?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("serves the minified script, gzipped to browsers that take it", async () => {
    const response = await fetch(`${server?.url.replace(/\/$/, "")}/js/verity.js`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(await response.text()).toBe(await minifyTracker());
  });

  it("keeps a visit's utm and external referrer across navigation to pages without utm", async () => {
    const { context, page, sent } = await open();
    const landing = `${allowedOrigin}/landing.html?utm_source=linkedin&utm_medium=social&utm_campaign=q3`;
    await page.goto(landing, { referer: "https://www.linkedin.com/feed/" });
    const visitor = await visitorId(context);
    // The landing's pageview answered before the click: a beacon still in flight as the page
    // unloads reaches the server, but Chromium may no longer report its response to the page
    // (response() null on a loaded machine), and this test is about the visit, not unloading.
    await settle(sent);
    expect(sent).toHaveLength(1);
    await page.click("#next");
    await page.waitForURL("**/page2.html");
    await page.waitForLoadState("load");
    expect(await visitorId(context)).toBe(visitor);
    await settle(sent);

    expect(sent).toHaveLength(2);
    for (const request of sent) {
      expect(request.method()).toBe("POST");
      expect((await request.response())?.status()).toBe(202);
    }
    const events = await eventsOf(visitor);
    expect(events.map((e) => [e.type, new URL(e.url).pathname])).toEqual([
      ["pageview", "/landing.html"],
      ["pageview", "/page2.html"],
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        visit_id: events[0]?.visit_id,
        referrer: "https://www.linkedin.com/feed/",
        utm_source: "linkedin",
        utm_medium: "social",
        utm_campaign: "q3",
      });
    }
    const visits = await visitsOf(visitor);
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({
      visit_id: events[0]?.visit_id,
      landing_url: landing,
      referrer: "https://www.linkedin.com/feed/",
      utm_source: "linkedin",
      utm_medium: "social",
      utm_campaign: "q3",
      pageviews: 2,
      visit_number: 1,
    });
    await context.close();
  });

  it("starts a new visit after more than 30 minutes without activity", async () => {
    const { context, page, sent } = await open();
    await page.clock.install();
    await page.goto(`${allowedOrigin}/landing.html?utm_source=google&utm_medium=cpc`);
    const visitor = await visitorId(context);
    // 29 minutes, then 29 more: each event renews the visit, so this is still the first one.
    await page.clock.fastForward("29:00");
    await page.goto(`${allowedOrigin}/page2.html`);
    await page.clock.fastForward("29:00");
    // A single-page app's route change: verity.pageview() sends the new location.
    await page.evaluate(() => {
      window.history.pushState(null, "", "/pricing");
      window.verity.pageview();
    });
    // 31 minutes of silence, then a link on the page: a new visit, with no utm (form.html has
    // none) and no referrer (page2.html is the same host: navigation inside the site).
    await page.clock.fastForward("31:00");
    await page.click("#form");
    await page.waitForURL("**/form.html");
    await page.waitForLoadState("load");
    await settle(sent);

    const events = await eventsOf(visitor);
    expect(events).toHaveLength(4);
    expect(events.map((e) => new URL(e.url).pathname)).toContain("/pricing");
    const visits = await visitsOf(visitor);
    expect(visits.map((v) => [v.visit_number, v.pageviews, v.utm_source])).toEqual([
      [1, 3, "google"],
      [2, 1, null],
    ]);
    expect(new Set(events.map((e) => e.visit_id))).toEqual(new Set(visits.map((v) => v.visit_id)));
    expect(visits[1]?.referrer ?? "").toBe("");
    expect(new URL(visits[1]?.landing_url ?? "").pathname).toBe("/form.html");
    await context.close();
  });

  it("identify sends the email and the first visit's touch; the visitor is linked to its hash", async () => {
    const { context, page, sent } = await open();
    await page.clock.install();
    const landing = `${allowedOrigin}/landing.html?utm_source=newsletter&utm_medium=email&utm_campaign=launch`;
    await page.goto(landing, { referer: "https://mail.example.net/" });
    // A second visit, from another campaign, identifies: the first touch is still the first visit's.
    await page.clock.fastForward("02:00:00");
    await page.goto(`${allowedOrigin}/landing.html?utm_source=google&utm_medium=cpc`);
    await page.goto(`${allowedOrigin}/page2.html`);
    await page.evaluate(() => window.verity.identify("Ada@Example.com"));
    const visitor = await visitorId(context);
    await settle(sent);

    const identify = (await eventsOf(visitor)).filter((e) => e.type === "identify");
    expect(identify).toHaveLength(1);
    expect(identify[0]).toMatchObject({ email_hash: sha256("ada@example.com"), utm_source: "google" });
    expect(new URL(identify[0]?.url ?? "").pathname).toBe("/page2.html");
    expect((await visitsOf(visitor)).map((v) => [v.visit_number, v.utm_source])).toEqual([
      [1, "newsletter"],
      [2, "google"],
    ]);

    const identities = await store.query<{ email_hash: string; visit_id: string; first_touch: string | null }>(
      sql`SELECT email_hash, visit_id, first_touch FROM visitor_identities
          WHERE workspace_id = ${WORKSPACE} AND visitor_id = ${visitor}`,
    );
    expect(identities).toHaveLength(1);
    expect(identities[0]?.email_hash).toBe(sha256("ada@example.com"));
    expect(identities[0]?.visit_id).toBe(identify[0]?.visit_id);
    const firstTouch = JSON.parse(identities[0]?.first_touch ?? "null");
    expect(firstTouch).toMatchObject({
      utm: { source: "newsletter", medium: "email", campaign: "launch" },
      referrer: "https://mail.example.net/",
      landing,
    });
    expect(Number.isNaN(Date.parse(firstTouch.at))).toBe(false);
    // Only the address's hash is stored.
    expect(JSON.stringify(identities)).not.toContain("@");
    await context.close();
  });

  it("runs calls queued before the script loaded (the stub array); a second copy does nothing; values are cut to the server's limits", async () => {
    const { context, page, sent } = await open();
    const long = `${allowedOrigin}/queued.html?utm_content=${"c".repeat(300)}&pad=${"p".repeat(2100)}`;
    await page.goto(long);
    // The stub array was replaced by the script's object.
    expect(await page.evaluate(() => Array.isArray(window.verity))).toBe(false);
    // The same tag again (as a page with the snippet twice): no second pageview.
    await page.evaluate(`new Promise((loaded) => {
      const first = document.querySelector("script[data-site]");
      const again = document.createElement("script");
      again.src = first.src;
      again.setAttribute("data-site", first.getAttribute("data-site"));
      again.onload = loaded;
      document.head.append(again);
    })`);
    const visitor = await visitorId(context);
    await settle(sent);
    expect(sent).toHaveLength(2);
    for (const request of sent) {
      const [event] = JSON.parse(request.postData() ?? "{}").events;
      expect(event.utm.content).toBe("c".repeat(200));
      expect(event.url).toBe(long.slice(0, 2000));
    }
    const events = await eventsOf(visitor);
    expect(events.map((e) => [e.type, e.email_hash]).sort()).toEqual([
      ["identify", sha256("queued@example.com")],
      ["pageview", null],
    ]);
    await context.close();
  });

  it("sends a form event with the email of a data-verity-form form without stopping its submission", async () => {
    const { context, page, sent } = await open();
    await page.goto(`${allowedOrigin}/form.html`);
    const visitor = await visitorId(context);
    await page.fill("input[name=work_email]", " Grace@Example.com ");
    await page.click("#send");
    await page.waitForURL("**/thanks.html");
    // A form without data-verity-form is not tracked.
    await page.goto(`${allowedOrigin}/form.html`);
    await page.fill("#newsletter input[type=email]", "someone@example.com");
    await page.click("#subscribe");
    await page.waitForURL("**/thanks.html");
    expect(await page.textContent("h1")).toBe("Thank you");
    await settle(sent);

    const events = await eventsOf(visitor);
    const forms = events.filter((e) => e.type === "form");
    expect(forms).toHaveLength(1);
    expect(forms[0]).toMatchObject({ form: "contact", email_hash: sha256("grace@example.com") });
    expect(new URL(forms[0]?.url ?? "").pathname).toBe("/form.html");
    expect(events.filter((e) => e.type === "pageview")).toHaveLength(2);
    const identities = await store.query<{ email_hash: string; first_touch: string | null }>(
      sql`SELECT email_hash, first_touch FROM visitor_identities WHERE workspace_id = ${WORKSPACE} AND visitor_id = ${visitor}`,
    );
    expect(identities.map((i) => i.email_hash)).toEqual([sha256("grace@example.com")]);
    // The form event carried the first touch: this visitor's first page.
    const firstTouch = JSON.parse(identities[0]?.first_touch ?? "null");
    expect(new URL(firstTouch?.landing ?? "http://none/").pathname).toBe("/form.html");
    await context.close();
  });

  it("with data-respect-dnt and Global Privacy Control or Do Not Track, sends nothing and stores nothing", async () => {
    const { context, page, sent } = await open(() => {
      Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true, configurable: true });
    });
    const before = await allEvents();
    await page.goto(`${allowedOrigin}/landing.html?utm_source=linkedin`);
    await page.evaluate(() => {
      // The script ran and left a working, silent API.
      window.verity.identify("private@example.com");
      window.verity.pageview();
    });
    await page.click("#next");
    await page.waitForURL("**/page2.html");
    await settle(sent);

    expect(sent).toHaveLength(0);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(await allEvents()).toBe(before);
    await context.close();

    // Do Not Track, one page.
    const dnt = await open(() => {
      Object.defineProperty(Navigator.prototype, "doNotTrack", { get: () => "1", configurable: true });
    });
    await dnt.page.goto(`${allowedOrigin}/landing.html?utm_source=linkedin`);
    await dnt.page.evaluate(() => window.verity.identify("private@example.com"));
    await settle(dnt.sent);
    expect(dnt.sent).toHaveLength(0);
    expect(await dnt.context.cookies()).toEqual([]);
    expect(await dnt.page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(await allEvents()).toBe(before);
    await dnt.context.close();
  });

  it("refuses events from a page on a domain the site does not list", async () => {
    const { context, page, sent } = await open();
    await page.goto(`${otherOrigin}/landing.html?utm_source=spoof`);
    const visitor = await visitorId(context, otherOrigin);
    await settle(sent);

    expect(sent).toHaveLength(1);
    const response = await sent[0]?.response();
    expect(response?.status()).toBe(403);
    // The same valid key the other cases use: only the page's origin differs. (Playwright shows
    // neither a beacon's Origin header nor its response body.)
    expect(JSON.parse(sent[0]?.postData() ?? "{}")).toMatchObject({ site: siteKey, events: [{ type: "pageview" }] });
    expect(await eventsOf(visitor)).toEqual([]);
    await context.close();
  });

  it("falls back to a CORS fetch without sendBeacon, and to localStorage where cookies cannot be set", async () => {
    const { context, page, sent } = await open(() => {
      Object.defineProperty(Navigator.prototype, "sendBeacon", { value: undefined, configurable: true });
      // Cookies refused (as a browser blocking them does): every write is lost.
      Object.defineProperty(Document.prototype, "cookie", { get: () => "", set: () => {}, configurable: true });
      // Record what the page's fetch saw: a CORS failure rejects the promise.
      const pageFetch = window.fetch;
      window.fetchResults = [];
      window.fetch = (...args) =>
        pageFetch(...args).then(
          (response) => {
            window.fetchResults.push(String(response.status));
            return response;
          },
          (error) => {
            window.fetchResults.push(String(error));
            throw error;
          },
        );
    });
    await page.goto(`${allowedOrigin}/landing.html?utm_source=fallback`);
    // The server's CORS headers let the fetch through (a CORS failure would reject it).
    await expect.poll(() => page.evaluate(() => window.fetchResults)).toEqual(["202"]);
    await page.click("#next");
    await page.waitForURL("**/page2.html");
    await page.waitForLoadState("load");
    await expect.poll(() => page.evaluate(() => window.fetchResults)).toEqual(["202"]);
    const visitor = (await page.evaluate(() => localStorage.getItem("verity_vid"))) ?? "";
    expect(visitor).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await settle(sent);
    expect(await context.cookies()).toEqual([]);
    expect(sent.map((r) => r.resourceType())).toEqual(["fetch", "fetch"]);
    // Visitor and visit kept in localStorage: the second page is the same visit, with its utm.
    const events = await eventsOf(visitor);
    expect(events.map((e) => [e.type, e.utm_source, e.visit_id])).toEqual([
      ["pageview", "fallback", events[0]?.visit_id],
      ["pageview", "fallback", events[0]?.visit_id],
    ]);
    await context.close();
  });
});
