/**
 * A campaign's tracked link, end to end with real parts (issue 18): a real `verity serve` on
 * DuckDB sends a campaign through a real SMTP server on loopback (test/support/smtp-sink.ts);
 * real Chromium opens the link in the message it received, is redirected to the workspace's
 * website (a static server on its own origin, with the tracker), and the tracker's pageview
 * makes the visit the recipient's. A lead for the recipient pushed afterwards, as a CRM
 * webhook would, is linked to that visit, shows it on its timeline, and counts for the
 * campaign. Needs /usr/bin/chromium; without it the test fails rather than skips.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import type { Browser, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../../src/accounts/keys.js";
import { createSite } from "../../src/accounts/sites.js";
import { createCampaign } from "../../src/campaigns/campaigns.js";
import { writeContacts } from "../../src/campaigns/contacts.js";
import { saveSegment } from "../../src/campaigns/segments.js";
import { sendCampaign } from "../../src/campaigns/sender.js";
import { checkSettings, saveSmtpSettings } from "../../src/campaigns/smtp-settings.js";
import { startServer } from "../../src/server/server.js";
import { sql } from "../../src/store/sql.js";
import type { Store } from "../../src/store/store.js";
import { CHROMIUM, launchChromium, MISSING_CHROMIUM } from "../support/chromium.js";
import { engines } from "../support/databases.js";
import { BASE } from "../support/metric-fixtures.js";
import { importFixture } from "../support/server-harness.js";
import { type Sink, startSink } from "../support/smtp-sink.js";
import { openTestStore } from "../support/stores.js";

const WORKSPACE = "mailclick";
const ADA = "ada@example.org";
const FIXTURES = new URL("../fixtures/tracking/", import.meta.url);

let browser: Browser | undefined;
let store: Store;
let disposeStore: (() => Promise<void>) | undefined;
let dataDir: string | undefined;
let server: Awaited<ReturnType<typeof startServer>> | undefined;
let pages: Server | undefined;
let sink: Sink | undefined;
let siteOrigin = "";
let siteKey = "";
let apiKey = "";

/** The tracking fixture pages, with the tracker's URL and the site key filled in. */
function startPages(): Promise<Server> {
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
        res.end(html.replaceAll("{{VERITY}}", server?.url.replace(/\/$/, "") ?? "").replaceAll("{{SITE}}", siteKey));
      },
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => http.listen(0, "127.0.0.1", () => resolve(http)));
}

const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const response = await fetch(`${server?.url.replace(/\/$/, "")}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe.runIf(engines().includes("duckdb"))("a campaign link clicked in Chromium", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) return;
    ({ store, dispose: disposeStore } = await openTestStore("duckdb"));
    await importFixture(store, WORKSPACE, BASE);
    pages = await startPages();
    siteOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    siteKey = (
      await createSite(store, WORKSPACE, {
        name: "website",
        domains: [new URL(siteOrigin).host],
        respectPrivacySignals: false,
      })
    ).publicKey;
    apiKey = (await createKey(store, { workspace: WORKSPACE, name: "test", scopes: ["metrics:read", "data:write"] }))
      .secret;
    dataDir = await mkdtemp(join(tmpdir(), "verity-mailclick-"));
    server = await startServer({ store, host: "127.0.0.1", port: 0, dataDir, auth: true, logLevel: "warn" });
    sink = await startSink();
    await saveSmtpSettings(
      store,
      WORKSPACE,
      checkSettings({
        host: "127.0.0.1",
        port: sink.port,
        security: "none",
        fromAddress: "news@brand.example",
        publicUrl: server.url,
      }),
    );
    await writeContacts(store, WORKSPACE, {
      contacts: [
        {
          address: ADA,
          firstName: "Ada",
          lastName: null,
          company: null,
          consentAt: "2026-01-01 00:00:00",
          consentSource: "webinar",
        },
      ],
      suppressions: [],
      notes: [],
    });
    // People on the list who are not leads yet.
    await saveSegment(store, WORKSPACE, { name: "prospects", definition: { not: { lead: {} } } }, { by: null });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sink?.close();
    await new Promise((resolve) => (pages ? pages.close(resolve) : resolve(undefined)));
    await disposeStore?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("the received link leads to the site, the visit is the recipient's, and the lead that follows counts for the campaign", async () => {
    if (!browser) throw new Error(existsSync(CHROMIUM) ? "the browser did not start" : MISSING_CHROMIUM);
    await createCampaign(
      store,
      WORKSPACE,
      {
        name: "launch",
        segment: "prospects",
        subject: "Our launch",
        html: `<p>Hi {{first_name}}, <a href="${siteOrigin}/landing.html?ref&amp;x=a%20b">see what is new</a>.</p>`,
        utmCampaign: "launch-2026",
      },
      null,
    );
    const sent = await sendCampaign(store, WORKSPACE, "launch", { journalDir: dataDir as string });
    expect(sent.counts).toMatchObject({ sent: 1 });
    expect(sink?.received.map((r) => r.to)).toEqual([[ADA]]);

    // The link as the recipient's mail client shows it.
    const message = await simpleParser(sink?.received[0]?.raw ?? "");
    const link = /href="([^"]+\/c\/[^"]+)"/.exec(String(message.html))?.[1] as string;
    expect(link.startsWith(`${server?.url.replace(/\/$/, "")}/c/`)).toBe(true);

    const context = await browser.newContext();
    const events: Request[] = [];
    context.on("request", (request) => {
      if (request.url().endsWith("/api/event")) events.push(request);
    });
    const page = await context.newPage();
    await page.goto(link);
    await page.waitForURL(`${siteOrigin}/landing.html**`);
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(1);
    expect((await events[0]?.response())?.status()).toBe(202);
    // The click id went to the server and out of the address bar; the campaign's utm stay.
    expect(JSON.parse(events[0]?.postData() ?? "{}").events[0].click).toMatch(/^c[0-9a-f]{12}\.1\./);
    const shown = new URL(page.url());
    expect(shown.searchParams.has("verity_click")).toBe(false);
    // The link's own query is kept as it was written, by the redirect and by the tracker.
    expect(shown.search).toBe("?ref&x=a%20b&utm_source=verity&utm_medium=email&utm_campaign=launch-2026");
    expect(shown.searchParams.get("utm_campaign")).toBe("launch-2026");
    expect(shown.searchParams.get("utm_medium")).toBe("email");
    const visitor = (await context.cookies(siteOrigin)).find((c) => c.name === "verity_vid")?.value as string;
    await context.close();
    await server?.drain();

    const hash = createHash("sha256").update(ADA).digest("hex");
    expect(
      await store.query(
        sql`SELECT visitor_id, email_hash, source_system FROM visitor_identities WHERE workspace_id = ${WORKSPACE}`,
      ),
    ).toEqual([{ visitor_id: visitor, email_hash: hash, source_system: "campaign" }]);

    // Ada fills in the CRM's form later: her lead arrives by the API, as a CRM webhook would send it.
    const pushed = await api("/api/data", {
      method: "POST",
      body: {
        leads: [
          {
            id: "ada-lead",
            pipeline_id: "p",
            owner_id: "ann",
            status: "open",
            created_at: new Date().toISOString(),
            contact: ADA,
          },
        ],
      },
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBeLessThan(300);

    // The visit from the link created the lead, and the timeline shows it as such.
    const [lead] = await store.query<{ id: string }>(
      sql`SELECT id FROM leads WHERE workspace_id = ${WORKSPACE} AND contact = ${ADA}`,
    );
    const timeline = await api(`/api/leads/${encodeURIComponent(lead?.id as string)}/timeline`);
    expect(timeline.status).toBe(200);
    const visits = (timeline.body.events as { kind: string }[]).filter((e) => e.kind === "visit");
    expect(visits).toEqual([
      expect.objectContaining({
        visitorId: visitor,
        utmCampaign: "launch-2026",
        utmMedium: "email",
        createdLead: true,
      }),
    ]);

    // The campaign's results count the click, the visit and the lead.
    const results = await api("/api/campaigns/launch");
    expect(results.status).toBe(200);
    expect(results.body.results).toMatchObject({ sent: 1, clicks: 1, uniqueClickers: 1, visits: 1, leads: 1 });
    const daily = results.body.daily as { sent: number; clicks: number; visits: number; leads: number }[];
    const total = (key: "sent" | "clicks" | "visits" | "leads") => daily.reduce((a, d) => a + d[key], 0);
    expect([total("sent"), total("clicks"), total("visits"), total("leads")]).toEqual([1, 1, 1, 1]);

    // And the newsletter figures: the server's runner brings the click in (every 30 s; here
    // at once), and the lead is a newsletter lead by its click, beside the list's subscribers.
    await server?.ctx.campaigns.tick();
    const now = new Date();
    const quarter = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
    const newsletter = await api(`/api/metrics/newsletter-leads?period=${quarter}`);
    expect(newsletter.status, JSON.stringify(newsletter.body)).toBe(200);
    expect(newsletter.body.result).toMatchObject({ newsletterLeads: 1, byClick: 1, byFirstTouch: 0, subscribers: 1 });
  });
});
