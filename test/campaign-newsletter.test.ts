/**
 * Campaigns feed the newsletter-leads metric and the vanity check (issue 18,
 * src/campaigns/newsletter-mirror.ts), on every engine: Verity's contacts are subscribers, a
 * campaign is an issue, sends and clicks are its email events; a newsletter tool's subscriber
 * for the same address is not counted twice; the data's version changes with each change.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { campaignNamed, createCampaign } from "../src/campaigns/campaigns.js";
import { forgetContact, writeContacts } from "../src/campaigns/contacts.js";
import { mirrorCampaigns } from "../src/campaigns/newsletter-mirror.js";
import { snapshotRecipients } from "../src/campaigns/outbox.js";
import { campaignDaily } from "../src/campaigns/results.js";
import { saveSegment } from "../src/campaigns/segments.js";
import { newsletterLeads } from "../src/metrics/definitions/newsletter-leads.js";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { BASE, type LoadedFixture, lead, loadFixture, report, WORKSPACE } from "./support/metric-fixtures.js";
import { importFixture } from "./support/server-harness.js";

const hash = (email: string) => createHash("sha256").update(email).digest("hex");
const addr = (who: string) => `${who}@x.test`;

// 2026-Q1. Campaign "spring" (utm_campaign spring) starts 02-01 09:00, sent to ann and cy (bob
// unsubscribed 02-01 08:00, after his opt-in). ann clicks 02-05. Leads:
//   l-ann: ann's, 02-10, no utm            -> newsletter lead by the campaign click
//   l-dee: utm_campaign spring, 02-20      -> by the campaign's utm (an issue's utm_campaign)
//   l-bob: bob's, 02-15, no click          -> not
// Subscribers at 04-01: ann (Verity's), cy (the newsletter tool's mc-cy; Verity's row would be a
// second count of the same address), bob's ended 02-01 -> 2.
const FIXTURE = {
  ...BASE,
  leads: [
    lead({ id: "l-ann", created_at: "2026-02-10T00:00:00Z", contact: addr("ann") }),
    lead({ id: "l-dee", created_at: "2026-02-20T00:00:00Z", contact: addr("dee"), utm_campaign: "spring" }),
    lead({ id: "l-bob", created_at: "2026-02-15T00:00:00Z", contact: addr("bob") }),
  ],
  newsletter_subscribers: [{ id: "mc-cy", email_hash: hash(addr("cy")), subscribed_at: "2025-06-01" }],
};

describe.each(engines())("campaigns in the newsletter figures on %s", (engine) => {
  let f: LoadedFixture;
  let campaignId = "";

  const version = async () =>
    (await f.store.query<{ v: string }>(sql`SELECT data_version AS v FROM workspaces WHERE id = ${WORKSPACE}`))[0]?.v;
  const figures = async () => {
    const r = await report(f.store, newsletterLeads, { period: "2026-Q1" });
    return {
      leads: r.result.newsletterLeads,
      byClick: r.result.byClick,
      byFirstTouch: r.result.byFirstTouch,
      subscribers: r.vanity.find((v) => v.id === "subscribers")?.value,
    };
  };

  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
  }, 120_000);
  afterAll(async () => {
    await f?.dispose();
  });

  test("before any campaign: nothing from Verity counts", async () => {
    expect(await figures()).toEqual({ leads: 0, byClick: 0, byFirstTouch: 0, subscribers: 1 });
  });

  test("contacts become subscribers from their opt-in to their suppression; a tool's subscriber stays one", async () => {
    const before = await version();
    await writeContacts(f.store, WORKSPACE, {
      contacts: ["ann", "bob", "cy"].map((who) => ({
        address: addr(who),
        firstName: null,
        lastName: null,
        company: null,
        consentAt: "2025-12-01 00:00:00",
        consentSource: "webinar",
      })),
      suppressions: [{ address: addr("bob"), reason: "unsubscribed", since: "2026-02-01 08:00:00", source: "test" }],
      notes: [],
    });
    expect(await version()).not.toBe(before);
    const rows = await f.store.query(
      sql`SELECT id, source_system, CAST(subscribed_at AS TEXT) AS since, CAST(unsubscribed_at AS TEXT) AS until
          FROM newsletter_subscribers WHERE workspace_id = ${WORKSPACE} ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: `contact:${hash(addr("ann"))}`,
        source_system: "verity-campaigns",
        since: "2025-12-01 00:00:00",
        until: null,
      },
      {
        id: `contact:${hash(addr("bob"))}`,
        source_system: "verity-campaigns",
        since: "2025-12-01 00:00:00",
        until: "2026-02-01 08:00:00",
      },
      { id: "mc-cy", source_system: "verity", since: "2025-06-01 00:00:00", until: null },
    ]);
    expect((await figures()).subscribers).toBe(2);
  });

  test("a campaign is an issue, its sends and clicks email events; its leads count as newsletter leads", async () => {
    await saveSegment(
      f.store,
      WORKSPACE,
      { name: "everyone", definition: { any: [{ lead: {} }, { not: { lead: {} } }] } },
      { by: null },
    );
    const { campaign } = await createCampaign(
      f.store,
      WORKSPACE,
      {
        name: "spring",
        segment: "everyone",
        subject: "Spring",
        html: '<a href="https://x.test/p">p</a>',
        utmCampaign: "spring",
      },
      null,
    );
    campaignId = campaign.id;
    await snapshotRecipients(f.store, WORKSPACE, campaign, new Date("2026-02-01T09:00:00Z"));
    await f.store.execute(
      sql`UPDATE campaign_outbox SET status = 'sent', finished_at = CAST('2026-02-01 09:05:00' AS TIMESTAMP)
          WHERE workspace_id = ${WORKSPACE} AND campaign_id = ${campaign.id}`,
    );
    const [ann] = await f.store.query<{ recipient_id: number }>(
      sql`SELECT recipient_id FROM campaign_outbox WHERE workspace_id = ${WORKSPACE} AND campaign_id = ${campaign.id}
            AND email_hash = ${hash(addr("ann"))}`,
    );
    await f.store.execute(
      sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
          VALUES (${WORKSPACE}, ${campaign.id}, ${ann?.recipient_id ?? -1}, 'click', 0, CAST('2026-02-05 10:00:00' AS TIMESTAMP))`,
    );
    const before = await version();
    expect(await mirrorCampaigns(f.store, WORKSPACE)).toEqual({ subscribers: 0, issues: 1, events: 3 });
    expect(await version()).not.toBe(before);
    expect(
      await f.store.query(
        sql`SELECT id, source_system, CAST(sent_at AS TEXT) AS sent_at, utm_campaign FROM newsletter_issues
            WHERE workspace_id = ${WORKSPACE}`,
      ),
    ).toEqual([
      {
        id: `campaign:${campaign.id}`,
        source_system: "verity-campaigns",
        sent_at: "2026-02-01 09:00:00",
        utm_campaign: "spring",
      },
    ]);
    expect(
      await f.store.query(
        sql`SELECT subscriber_id, type, CAST(occurred_at AS TEXT) AS at, url FROM email_events
            WHERE workspace_id = ${WORKSPACE} ORDER BY occurred_at, subscriber_id`,
      ),
    ).toEqual([
      { subscriber_id: `contact:${hash(addr("ann"))}`, type: "sent", at: "2026-02-01 09:05:00", url: null },
      { subscriber_id: "mc-cy", type: "sent", at: "2026-02-01 09:05:00", url: null },
      {
        subscriber_id: `contact:${hash(addr("ann"))}`,
        type: "click",
        at: "2026-02-05 10:00:00",
        url: "https://x.test/p",
      },
    ]);
    expect(await figures()).toEqual({ leads: 2, byClick: 1, byFirstTouch: 1, subscribers: 2 });
    // Its results per day, for the dashboard's chart: every day from the start to the last
    // activity (l-dee's utm has no email medium: the newsletter's lead, not the campaign's).
    const daily = await campaignDaily(f.store, WORKSPACE, await campaignNamed(f.store, WORKSPACE, "spring"));
    expect(daily.map((d) => d.day)).toEqual(
      Array.from({ length: 10 }, (_, i) => `2026-02-${String(i + 1).padStart(2, "0")}`),
    );
    const active = daily.filter((d) => d.sent + d.clicks + d.newClickers + d.unsubscribed + d.visits + d.leads > 0);
    expect(active).toEqual([
      { day: "2026-02-01", sent: 2, clicks: 0, newClickers: 0, unsubscribed: 0, visits: 0, leads: 0 },
      { day: "2026-02-05", sent: 0, clicks: 1, newClickers: 1, unsubscribed: 0, visits: 0, leads: 0 },
      { day: "2026-02-10", sent: 0, clicks: 0, newClickers: 0, unsubscribed: 0, visits: 0, leads: 1 },
    ]);
    // Nothing changed: nothing written, the version kept (kept answers stay).
    const same = await version();
    expect(await mirrorCampaigns(f.store, WORKSPACE)).toEqual({ subscribers: 0, issues: 0, events: 0 });
    expect(await version()).toBe(same);
  });

  test("opens are not email events there; a forgetting and a later opt-in give the data a new version from the earliest month", async () => {
    await f.store.execute(
      sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
          SELECT workspace_id, campaign_id, recipient_id, 'open', -1, CAST('2026-02-02 08:00:00' AS TIMESTAMP)
          FROM campaign_outbox WHERE workspace_id = ${WORKSPACE} AND campaign_id = ${campaignId}`,
    );
    expect(await mirrorCampaigns(f.store, WORKSPACE)).toEqual({ subscribers: 0, issues: 0, events: 0 });
    // The months whose kept answers the last write made stale.
    const staleFrom = async () =>
      (
        await f.store.query<{ month: string }>(
          sql`SELECT d.month FROM data_since d JOIN workspaces w ON w.id = d.workspace_id AND w.data_version = d.version
              WHERE d.workspace_id = ${WORKSPACE} ORDER BY d.month`,
        )
      ).map((r) => r.month);
    // bob opts in again later: his row changes, from its earlier start.
    await writeContacts(f.store, WORKSPACE, {
      contacts: [
        {
          address: addr("bob"),
          firstName: null,
          lastName: null,
          company: null,
          consentAt: "2026-03-01 00:00:00",
          consentSource: "form",
        },
      ],
      suppressions: [],
      notes: [],
    });
    expect(await staleFrom()).toEqual(["2025-12"]);
    // Forgetting bob ends his subscription now: a new version too.
    const before = await version();
    await forgetContact(f.store, WORKSPACE, addr("bob"));
    expect(await version()).not.toBe(before);
    const [bob] = await f.store.query<{ until: string | null }>(
      sql`SELECT CAST(unsubscribed_at AS TEXT) AS until FROM newsletter_subscribers WHERE id = ${`contact:${hash(addr("bob"))}`}`,
    );
    expect(bob?.until).not.toBeNull();
  });

  test("a newsletter tool's import of the same address takes Verity's row's place, with its events", async () => {
    await importFixture(f.store, WORKSPACE, {
      newsletter_subscribers: [{ id: "mc-ann", email_hash: hash(addr("ann")), subscribed_at: "2025-11-01" }],
    });
    const subscribers = await f.store.query<{ id: string }>(
      sql`SELECT id FROM newsletter_subscribers WHERE workspace_id = ${WORKSPACE} ORDER BY id`,
    );
    expect(subscribers.map((s) => s.id)).toEqual([`contact:${hash(addr("bob"))}`, "mc-ann", "mc-cy"]);
    expect(
      await f.store.query(
        sql`SELECT subscriber_id, type FROM email_events WHERE workspace_id = ${WORKSPACE} AND issue_id = ${`campaign:${campaignId}`}
            ORDER BY occurred_at, subscriber_id`,
      ),
    ).toEqual([
      { subscriber_id: "mc-ann", type: "sent" },
      { subscriber_id: "mc-cy", type: "sent" },
      { subscriber_id: "mc-ann", type: "click" },
    ]);
    // bob's second opt-in (03-01) runs past the period's end now: ann (the tool's), cy, bob.
    expect(await figures()).toEqual({ leads: 2, byClick: 1, byFirstTouch: 1, subscribers: 3 });
  });
});
