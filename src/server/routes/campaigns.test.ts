/**
 * The campaign routes (routes/campaigns.ts) through the app itself, on every engine: contacts
 * and segments are the caller's workspace's, reps (metrics:read) read but do not write and see
 * addresses masked, and a bad definition or address is a 400 naming the field, with nothing
 * written.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectRoutesExercised, type Keyed, startKeyedServer } from "../../../test/support/api-workspaces.js";
import { engines } from "../../../test/support/databases.js";
import { dsn } from "../../../test/support/dsn.js";
import { expectError, type TestServer } from "../../../test/support/server-harness.js";
import { startSink } from "../../../test/support/smtp-sink.js";
import { type Campaign, createCampaign } from "../../campaigns/campaigns.js";
import { writeContacts } from "../../campaigns/contacts.js";
import { linkKey, signLink, VISIT_CLICK_PARAM, verifyVisitClick } from "../../campaigns/links.js";
import { snapshotRecipients } from "../../campaigns/outbox.js";
import { saveSegment } from "../../campaigns/segments.js";
import { raw, sql } from "../../store/sql.js";

/**
 * A campaign of `ws` being sent to one recipient (a lost lead's contact), and the signed
 * links of that recipient's message. Made once per workspace and server.
 */
const made = new Map<string, Promise<{ campaign: Campaign; key: string }>>();
/** The token with its last character changed in a bit base64 decoding drops: the same tag bytes. */
const sameBits = (token: string) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(token.at(-1) as string);
  return `${token.slice(0, -1)}${alphabet[last ^ 1]}`;
};

/** A token with one character of its tag changed (not the last: base64 drops some of its bits). */
const alter = (token: string) => {
  const i = token.length - 5;
  return `${token.slice(0, i)}${token[i] === "A" ? "B" : "A"}${token.slice(i + 1)}`;
};

async function mailLinks(t: TestServer, ws: "a" | "b") {
  const key = `${t.engine}/${ws}`;
  if (!made.has(key)) {
    made.set(
      key,
      (async () => {
        await writeContacts(t.store, ws, {
          contacts: [
            {
              address: `lost-${ws}@${ws}.example`,
              firstName: null,
              lastName: null,
              company: null,
              consentAt: "2025-01-01 00:00:00",
              consentSource: "test",
            },
          ],
          suppressions: [],
          notes: [],
        });
        await t.store.execute(
          sql`UPDATE leads SET contact = ${`lost-${ws}@${ws}.example`}, contact_hash = NULL WHERE workspace_id = ${ws} AND status = 'lost'`,
        );
        await t.store.execute(
          sql`UPDATE leads SET contact_hash = ${createHash("sha256").update(`lost-${ws}@${ws}.example`).digest("hex")}
              WHERE workspace_id = ${ws} AND status = 'lost'`,
        );
        await saveSegment(t.store, ws, { name: "lost", definition: { lead: { status: ["lost"] } } }, { by: null });
        const { campaign } = await createCampaign(
          t.store,
          ws,
          {
            name: "spring",
            segment: "lost",
            subject: "Hello",
            html: `<a href="https://www.${ws}.example/demo?utm_source=mail">demo</a> <a href="https://www.${ws}.example/pricing?plan=pro">prices</a>`,
            utmCampaign: `spring-${ws}`,
          },
          null,
        );
        await snapshotRecipients(t.store, ws, campaign, new Date());
        return { campaign, key: await linkKey(t.store, ws) };
      })(),
    );
  }
  const { campaign, key: secret } = await (made.get(key) as Promise<{ campaign: Campaign; key: string }>);
  return {
    campaign,
    click: (link: number) => signLink(secret, { kind: "c", workspace: ws, campaign: campaign.id, recipient: 1, link }),
    unsubscribe: () => signLink(secret, { kind: "u", workspace: ws, campaign: campaign.id, recipient: 1, link: 0 }),
  };
}

const CONSENT = { consentAt: "2025-01-01T00:00:00Z", consentSource: "webinar form" };

describe.each(engines())("the campaign routes on %s", (engine) => {
  let t: TestServer;
  let A: Keyed;
  let B: Keyed;

  beforeAll(async () => {
    ({ t, A, B } = await startKeyedServer(engine, { data: true }));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const counts = async (who: Keyed) => (await t.request("/api/contacts", { key: who.keys.metrics.secret })).body;

  test("contacts: written by data:write only, all or nothing, per workspace", async () => {
    const contacts = [
      { email: " Buyer@A.example ", firstName: "Bea", ...CONSENT },
      { email: "other@a.example", ...CONSENT },
    ];
    expectError(await t.request("/api/contacts", { key: A.keys.metrics.secret, body: { contacts } }), 403, "forbidden");
    // One bad row: a 400 naming it, and nothing written.
    const bad = await t.request("/api/contacts", {
      key: A.keys.data.secret,
      body: { contacts: [...contacts, { email: "not-an-address", ...CONSENT }] },
    });
    expectError(bad, 400, "invalid_request", "body.contacts[2].email");
    expectError(
      await t.request("/api/contacts", {
        key: A.keys.data.secret,
        body: { contacts: [{ email: "x@a.example", consentAt: "yesterday", consentSource: "form" }] },
      }),
      400,
      "invalid_request",
      "body.contacts[0].consentAt",
    );
    expect(await counts(A)).toEqual({ contacts: 0, suppressions: {} });
    const ok = await t.request("/api/contacts", {
      key: A.keys.data.secret,
      body: {
        contacts,
        suppressions: [{ email: "other@a.example", reason: "bounced", since: "2025-02-01T00:00:00Z" }],
      },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({ contacts: 2, added: 2, suppressions: 1, skippedErased: 0 });
    expect(await counts(A)).toEqual({ contacts: 2, suppressions: { bounced: 1 } });
    expect(await counts(B)).toEqual({ contacts: 0, suppressions: {} });
  });

  test("segments: saved by data:write, checked against the workspace, invisible to another", async () => {
    const save = (key: string, body: unknown) => t.request("/api/segments", { key, body });
    expectError(
      await save(A.keys.metrics.secret, { name: "won", definition: { lead: { status: ["won"] } } }),
      403,
      "forbidden",
    );
    expectError(
      await save(A.keys.data.secret, { name: "typo", definition: { lead: { stage: ["Qualifed"] } } }),
      400,
      "invalid_request",
      "body.definition.lead.stage[0]",
    );
    expectError(
      await save(A.keys.data.secret, { name: "shape", definition: { all: [{ lead: {} }, { leed: {} }] } }),
      400,
      "invalid_request",
      "body.definition.all[1]",
    );
    expectError(
      await save(A.keys.data.secret, { name: "Bad Name", definition: { lead: {} } }),
      400,
      "invalid_request",
      "body.name",
    );
    const saved = await save(A.keys.data.secret, { name: "won", definition: { lead: { status: ["won"] } } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ name: "won", definition: { lead: { status: ["won"] } } });
    expectError(
      await save(A.keys.data.secret, { name: "won", definition: { lead: {} } }),
      409,
      "conflict",
      "body.name",
    );
    // The same name in another workspace is another segment.
    expect((await save(B.keys.data.secret, { name: "won", definition: { lead: {} } })).status).toBe(200);

    const listed = await t.request("/api/segments", { key: A.keys.metrics.secret });
    expect(listed.body.segments.map((s: { name: string; definition: unknown }) => [s.name, s.definition])).toEqual([
      ["won", { lead: { status: ["won"] } }],
    ]);
    expect((await t.request("/api/segments/won", { key: B.keys.metrics.secret })).body.definition).toEqual({
      lead: {},
    });
    expectError(await t.request("/api/segments/nope", { key: A.keys.metrics.secret }), 404, "not_found");
  });

  test("previews: counts and a sample, masked for readers, of the caller's workspace only", async () => {
    const asReader = await t.request("/api/segments/won/preview", { key: A.keys.metrics.secret });
    expect(asReader.status, asReader.text).toBe(200);
    // a-won's contact opted in; a-won-2 has no contact.
    expect(asReader.body).toMatchObject({ matched: 1, mailable: 1, withoutOptIn: 0 });
    expect(asReader.body.sample).toEqual([
      // Names too: beside the masked address they would give it away.
      { address: "bu***@a.example", firstName: null, lastName: null, company: null },
    ]);
    // A key with data:write too sees the addresses.
    const asWriter = await t.request("/api/segments/won/preview", {
      key: A.keys.all.secret,
      query: { asOf: "2026-01-01T00:00:00Z", sample: 5 },
    });
    expect(asWriter.status, asWriter.text).toBe(200);
    expect(asWriter.body.sample[0]).toMatchObject({ address: "buyer@a.example", firstName: "Bea" });
    expect(asWriter.body.asOf).toBe("2026-01-01T00:00:00.000Z");
    // Workspace b's own "won" matches b's leads and none of a's contacts.
    const inB = await t.request("/api/segments/won/preview", { key: B.keys.all.secret });
    expect(inB.body).toMatchObject({ mailable: 0 });
    expect(JSON.stringify(inB.body)).not.toContain("a.example");

    const unsaved = await t.request("/api/segments/preview", {
      key: A.keys.metrics.secret,
      body: { definition: { not: { lead: {} } }, sample: 0 },
    });
    expect(unsaved.status, unsaved.text).toBe(200);
    // other@a.example: no lead, an opt-in, bounced.
    expect(unsaved.body).toMatchObject({ matched: 1, mailable: 0, suppressed: { bounced: 1 }, sample: [] });
    expectError(
      await t.request("/api/segments/preview", {
        key: A.keys.metrics.secret,
        body: { definition: { visits: { min: -1 } } },
      }),
      400,
      "invalid_request",
      "body.definition.visits.min",
    );
    expectError(
      await t.request("/api/segments/won/preview", { key: A.keys.metrics.secret, query: { asOf: "soon" } }),
      400,
      "invalid_request",
      "query.asOf",
    );
  });

  test("forgetting a contact: data:write only; the address goes, the preview says erased", async () => {
    const body = { email: "BUYER@a.example" };
    expectError(await t.request("/api/contacts/forget", { key: A.keys.metrics.secret, body }), 403, "forbidden");
    // Another workspace forgetting the address leaves a's contact alone.
    expect((await t.request("/api/contacts/forget", { key: B.keys.data.secret, body })).body).toEqual({
      forgotten: false,
    });
    expect((await t.request("/api/segments/won/preview", { key: A.keys.metrics.secret })).body.mailable).toBe(1);
    expect((await t.request("/api/contacts/forget", { key: A.keys.data.secret, body })).body).toEqual({
      forgotten: true,
    });
    const after = await t.request("/api/segments/won/preview", { key: A.keys.metrics.secret });
    expect(after.body).toMatchObject({ matched: 1, mailable: 0, withoutOptIn: 1 });
    // The erasure keeps the address out of later imports.
    const again = await t.request("/api/contacts", {
      key: A.keys.data.secret,
      body: { contacts: [{ email: "buyer@a.example", ...CONSENT }] },
    });
    expect(again.body).toMatchObject({ contacts: 0, skippedErased: 1 });
  });

  test("removing a segment: data:write only, the caller's own", async () => {
    expectError(
      await t.request("/api/segments/won", { method: "DELETE", key: A.keys.metrics.secret }),
      403,
      "forbidden",
    );
    expect((await t.request("/api/segments/won", { method: "DELETE", key: A.keys.data.secret })).status).toBe(200);
    expectError(await t.request("/api/segments/won", { method: "DELETE", key: A.keys.data.secret }), 404, "not_found");
    // b's segment of the same name is still there.
    expect((await t.request("/api/segments/won", { key: B.keys.metrics.secret })).status).toBe(200);
  });

  test("a click link: signed, recorded, redirected only to the link the campaign stored", async () => {
    const { click, unsubscribe, campaign } = await mailLinks(t, "a");
    const res = await t.request(`/c/${click(1)}`, { query: { url: "https://evil.example/" } });
    expect(res.status, res.text).toBe(302);
    // To a's own tracked site: with the click id that makes the visit the recipient's.
    const location = new URL(res.headers.get("location") as string);
    const clickId = location.searchParams.get(VISIT_CLICK_PARAM) as string;
    location.searchParams.delete(VISIT_CLICK_PARAM);
    expect(location.toString()).toBe(
      "https://www.a.example/pricing?plan=pro&utm_source=verity&utm_medium=email&utm_campaign=spring-a",
    );
    expect(verifyVisitClick(await linkKey(t.store, "a"), "a", clickId)).toEqual({
      campaign: campaign.id,
      recipient: 1,
    });
    // Recorded after the redirect went out.
    const events = () =>
      t.store.query(
        sql`SELECT type, link_index FROM campaign_events WHERE workspace_id = 'a' AND campaign_id = ${campaign.id}`,
      );
    await expect.poll(events, { timeout: 10_000 }).toEqual([{ type: "click", link_index: 1 }]);
    // A link whose own utm_* say otherwise keeps them.
    expect((await t.request(`/c/${click(0)}`)).headers.get("location")).toMatch(
      /^https:\/\/www\.a\.example\/demo\?utm_source=mail&utm_medium=email&utm_campaign=spring-a&verity_click=c[0-9a-f]{12}\.1\.[\w-]{22}$/,
    );
    // Forged, altered, of another workspace's key, out of range, or junk: one answer, 404.
    const b = await mailLinks(t, "b");
    const [body, tag] = click(0).split(".") as [string, string];
    const other = Buffer.from(Buffer.from(body, "base64url").toString().replace(/\n0$/, "\n1")).toString("base64url");
    const bad = [
      `${other}.${tag}`, // the link number changed, the tag not
      `${body}.${b.click(0).split(".")[1]}`, // b's tag on a's claim
      signLink(await linkKey(t.store, "b"), {
        kind: "c",
        workspace: "a",
        campaign: campaign.id,
        recipient: 1,
        link: 0,
      }),
      click(7), // no such link
      sameBits(click(0)), // another spelling of the same tag
      unsubscribe(), // an unsubscribe token is not a click
      "not-a-token",
      // A NUL in the workspace: no token, not a database error.
      `${Buffer.from(`c\nwork\u0000space\n${campaign.id}\n1\n0`).toString("base64url")}.${"A".repeat(22)}`,
      `${"A".repeat(600)}.${"B".repeat(22)}`,
    ];
    for (const token of bad) {
      const res = await t.request(`/c/${token}`);
      expect(res.status, token).toBe(404);
      expect(res.headers.get("location")).toBeNull();
      expect(res.text).toContain("This link is not valid");
    }
    await expect
      .poll(
        () => t.store.query(sql`SELECT count(*) AS n FROM campaign_events WHERE workspace_id = 'a' AND link_index = 0`),
        {
          timeout: 10_000,
        },
      )
      .toEqual([{ n: 1 }]);
  });

  test("a visit from a campaign link is the recipient's: the timeline shows it; a bad or foreign click id is ignored", async () => {
    const { click, campaign } = await mailLinks(t, "a");
    const b = await mailLinks(t, "b");
    const idOf = async (token: string) =>
      new URL((await t.request(`/c/${token}`)).headers.get("location") as string).searchParams.get(VISIT_CLICK_PARAM);
    const clickId = (await idOf(click(1))) as string;
    const bId = (await idOf(b.click(1))) as string;
    expect(bId).toMatch(/^c[0-9a-f]{12}\.1\./);
    // A link to a site that is not the workspace's gets no click id.
    const foreign = await createCampaign(
      t.store,
      "a",
      {
        name: "elsewhere",
        segment: "lost",
        subject: "Hi",
        html: '<a href="https://news.example/x">x</a>',
        utmCampaign: "x",
      },
      null,
    );
    await snapshotRecipients(t.store, "a", foreign.campaign, new Date());
    const elsewhere = signLink(await linkKey(t.store, "a"), {
      kind: "c",
      workspace: "a",
      campaign: foreign.campaign.id,
      recipient: 1,
      link: 0,
    });
    const away = await t.request(`/c/${elsewhere}`);
    expect(away.status).toBe(302);
    expect(away.headers.get("location")).not.toContain(VISIT_CLICK_PARAM);
    for (const table of ["campaign_outbox", "campaign_links", "campaign_events"]) {
      await t.store.execute(
        sql`DELETE FROM ${raw(table)} WHERE workspace_id = 'a' AND campaign_id = ${foreign.campaign.id}`,
      );
    }
    await t.store.execute(sql`DELETE FROM campaigns WHERE workspace_id = 'a' AND id = ${foreign.campaign.id}`);

    const pageview = (visitor: string, click: string) => ({
      id: `${visitor}-event`,
      type: "pageview",
      visitor,
      visit: `${visitor}-visit`,
      url: "https://www.a.example/pricing?plan=pro&utm_medium=email&utm_campaign=spring-a",
      utm: { medium: "email", campaign: "spring-a" },
      click,
    });
    const res = await t.request("/api/event", {
      body: JSON.stringify({
        site: A.site.publicKey,
        events: [
          pageview("clicked-visitor-00001", clickId),
          pageview("altered-visitor-00001", alter(clickId)),
          pageview("foreignk-visitor-0001", bId), // b's campaign and key
          pageview("garbled-visitor-00001", "c0ffee.\u0000/../"),
        ],
      }),
      headers: { origin: "https://www.a.example", "content-type": "text/plain" },
    });
    expect(res.status, res.text).toBe(202);
    await t.server.drain();
    // Every pageview is stored; only the verified click made an identity, the recipient's.
    const visits = await t.store.query<{ visitor_id: string }>(
      sql`SELECT visitor_id FROM visits WHERE workspace_id = 'a' AND visitor_id LIKE '%-visitor-%' ORDER BY visitor_id`,
    );
    expect(visits.map((v) => v.visitor_id)).toEqual([
      "altered-visitor-00001",
      "clicked-visitor-00001",
      "foreignk-visitor-0001",
      "garbled-visitor-00001",
    ]);
    const identities = await t.store.query(
      sql`SELECT visitor_id, email_hash, source_system FROM visitor_identities WHERE workspace_id IN ('a', 'b')
            AND source_system = 'campaign'`,
    );
    expect(identities).toEqual([
      {
        visitor_id: "clicked-visitor-00001",
        email_hash: createHash("sha256").update("lost-a@a.example").digest("hex"),
        source_system: "campaign",
      },
    ]);
    // The recipient's lead shows the visit on its timeline.
    const [lead] = await t.store.query<{ id: string }>(
      sql`SELECT id FROM leads WHERE workspace_id = 'a' AND contact = 'lost-a@a.example' ORDER BY id LIMIT 1`,
    );
    const timeline = await t.request(`/api/leads/${encodeURIComponent(lead?.id as string)}/timeline`, {
      key: A.keys.metrics.secret,
    });
    expect(timeline.status, timeline.text).toBe(200);
    const visitsShown = (
      timeline.body as { events: { kind: string; visitorId?: string; utmCampaign?: string }[] }
    ).events
      .filter((e) => e.kind === "visit")
      .map((e) => [e.visitorId, e.utmCampaign]);
    expect(visitsShown).toContainEqual(["clicked-visitor-00001", "spring-a"]);
    expect(visitsShown.map((v) => v[0])).not.toContain("altered-visitor-00001");
    expect(campaign.id).toMatch(/^c/);
  });

  test("the open pixel: a signed token answers a 1x1 GIF and records an open; others are a 404", async () => {
    const { click, campaign } = await mailLinks(t, "a");
    const key = await linkKey(t.store, "a");
    const pixel = signLink(key, { kind: "o", workspace: "a", campaign: campaign.id, recipient: 1, link: 0 });
    const res = await t.request(`/o/${pixel}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/gif");
    expect(res.headers.get("cache-control")).toBe("no-store");
    await expect
      .poll(
        () =>
          t.store.query(
            sql`SELECT count(*) AS n FROM campaign_events WHERE workspace_id = 'a' AND campaign_id = ${campaign.id} AND type = 'open'`,
          ),
        { timeout: 10_000 },
      )
      .toEqual([{ n: 1 }]);
    for (const bad of [click(0), alter(pixel), sameBits(pixel), "x"]) {
      expect((await t.request(`/o/${bad}`)).status, bad).toBe(404);
    }
  });

  test("unsubscribing: the page unsubscribes nobody; the one-click POST does, answered 200 without a redirect", async () => {
    const { unsubscribe, campaign } = await mailLinks(t, "a");
    const suppressed = () =>
      t.store.query(
        sql`SELECT reason, source, detail FROM mail_suppressions WHERE workspace_id = 'a' AND reason = 'unsubscribed'`,
      );
    const before = await suppressed();
    const page = await t.request(`/u/${unsubscribe()}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<form method="post" action="/u/${unsubscribe()}">`);
    expect(await suppressed()).toEqual(before);
    // RFC 8058: the provider's POST, no cookie, no key, a form body.
    const res = await t.request(`/u/${unsubscribe()}`, {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain("You are unsubscribed");
    expect(await suppressed()).toEqual([
      ...before,
      { reason: "unsubscribed", source: "campaign", detail: campaign.id },
    ]);
    // The recipient is no longer mailable.
    const preview = await t.request("/api/segments/preview", {
      key: A.keys.metrics.secret,
      body: { definition: { lead: { status: ["lost"] } } },
    });
    expect(preview.body).toMatchObject({ mailable: 0, suppressed: { unsubscribed: 1 } });
    // A forged one changes nothing.
    const forged = await t.request(`/u/${alter(unsubscribe())}`, {
      method: "POST",
      body: "List-Unsubscribe=One-Click",
    });
    expect(forged.status).toBe(404);
  });

  test("campaigns over HTTP: created by data:write, sent by campaigns:send only, each workspace its own", async () => {
    const sink = await startSink();
    try {
      const smtp = {
        host: "127.0.0.1",
        port: sink.port,
        security: "none",
        fromAddress: "news@a.example",
        publicUrl: "http://127.0.0.1:8787",
      };
      expectError(await t.request("/api/smtp", { key: A.keys.data.secret, body: smtp }), 403, "forbidden");
      expectError(
        await t.request("/api/smtp", { key: A.keys.admin.secret, body: { ...smtp, host: "smtp.example.com" } }),
        400,
        "invalid_request",
        "body.security",
      );
      const saved = await t.request("/api/smtp", { key: A.keys.admin.secret, body: smtp });
      expect(saved.status, saved.text).toBe(200);
      expect((await t.request("/api/smtp", { key: A.keys.admin.secret })).body.smtp).toMatchObject({ port: sink.port });
      expect((await t.request("/api/smtp", { key: B.keys.admin.secret })).body).toEqual({ smtp: null });

      // One mailable recipient: a won lead's contact with an opt-in (a-won's own was forgotten above).
      await t.store.execute(
        sql`UPDATE leads SET contact = 'second@a.example', contact_hash = ${createHash("sha256").update("second@a.example").digest("hex")}
            WHERE workspace_id = 'a' AND id = 'a-won-2'`,
      );
      await writeContacts(t.store, "a", {
        contacts: [
          {
            address: "second@a.example",
            firstName: "Sam",
            lastName: null,
            company: null,
            consentAt: "2025-01-01 00:00:00",
            consentSource: "test",
          },
        ],
        suppressions: [],
        notes: [],
      });
      await saveSegment(t.store, "a", { name: "won-leads", definition: { lead: { status: ["won"] } } }, { by: null });
      const body = {
        name: "launch",
        segment: "won-leads",
        subject: "{{first_name|Hi}}, a second look?",
        html: '<p>Hi</p><a href="https://www.a.example/demo">demo</a>',
      };
      expectError(await t.request("/api/campaigns", { key: A.keys.metrics.secret, body }), 403, "forbidden");
      expectError(
        await t.request("/api/campaigns", { key: A.keys.data.secret, body: { ...body, subject: "{{frist_name}}" } }),
        400,
        "invalid_request",
        "body.subject",
      );
      const made = await t.request("/api/campaigns", { key: A.keys.data.secret, body });
      expect(made.status, made.text).toBe(200);
      expect(made.body).toMatchObject({
        campaign: { name: "launch", status: "draft", links: ["https://www.a.example/demo"] },
        warnings: [],
      });
      const noCta = await t.request("/api/campaigns", {
        key: A.keys.data.secret,
        body: { ...body, name: "no-cta", html: "<p>Just news.</p>" },
      });
      expect(noCta.body.warnings[0]).toMatch(/no call to action/);
      expectError(
        await t.request("/api/campaigns/no-cta/send", { key: A.keys.all.secret, body: {} }),
        400,
        "invalid_request",
        "body.withoutCta",
      );

      // Reps and a data key send nothing; another workspace does not see the campaign.
      expectError(
        await t.request("/api/campaigns/launch/send", { key: A.keys.data.secret, body: {} }),
        403,
        "forbidden",
      );
      expectError(
        await t.request("/api/campaigns/launch/test", { key: A.keys.metrics.secret, body: { to: "me@a.example" } }),
        403,
        "forbidden",
      );
      expectError(await t.request("/api/campaigns/launch", { key: B.keys.metrics.secret }), 404, "not_found");
      expectError(
        await t.request("/api/campaigns/launch/send", { key: B.keys.all.secret, body: {} }),
        404,
        "not_found",
      );

      const tested = await t.request("/api/campaigns/launch/test", {
        key: A.keys.all.secret,
        body: { to: "me@a.example" },
      });
      expect(tested.status, tested.text).toBe(200);
      expect(sink.received.map((r) => r.to[0])).toEqual(["me@a.example"]);
      expect(sink.received[0]?.raw).toMatch(/Subject: \[test\] Hi, a second look\?/);

      const sending = await t.request("/api/campaigns/launch/send", { key: A.keys.all.secret, body: {} });
      expect(sending.status, sending.text).toBe(202);
      await t.server.drain();
      const after = await t.request("/api/campaigns/launch", { key: A.keys.metrics.secret });
      expect(after.body).toMatchObject({
        status: "sent",
        running: false,
        recipients: 1,
        counts: { sent: 1 },
        results: { sent: 1, delivered: 1, clicks: 0, leads: 0, opens: null },
      });
      expect(sink.received.map((r) => r.to[0])).toEqual(["me@a.example", "second@a.example"]);
      expect(sink.received[1]?.raw).toMatch(/Subject: Sam, a second look\?/);
      expectError(await t.request("/api/campaigns/launch/send", { key: A.keys.all.secret, body: {} }), 409, "conflict");
      // A bounce report for the message, posted by the bounce mailbox's script: a's own only.
      const messageId = /^Message-ID: (.+)$/im.exec(sink.received[1]?.raw ?? "")?.[1]?.trim() as string;
      const report = dsn({ messageId, recipient: "second@a.example" });
      const headers = { "content-type": "message/rfc822" };
      expectError(
        await t.request("/api/bounces", { key: A.keys.metrics.secret, body: report, headers }),
        403,
        "forbidden",
      );
      const inB = await t.request("/api/bounces", { key: B.keys.data.secret, body: report, headers });
      expect(inB.body).toMatchObject({ reports: 1, hard: 0, unmatched: 1 });
      const bounced = await t.request("/api/bounces", { key: A.keys.data.secret, body: report, headers });
      expect(bounced.body).toMatchObject({ reports: 1, hard: 1, unmatched: 0 });
      expectError(
        await t.request("/api/bounces", { key: A.keys.data.secret, body: "Subject: hi\r\n\r\nhello", headers }),
        400,
        "invalid_request",
        "body",
      );
      expect((await t.request("/api/campaigns/launch", { key: A.keys.metrics.secret })).body.results).toMatchObject({
        sent: 1,
        delivered: 0,
        bounced: 1,
      });
      // Scheduled: the server's runner sends it when its time has come (it looks every 30 s).
      const later = await t.request("/api/campaigns", {
        key: A.keys.data.secret,
        body: { ...body, name: "scheduled", sendAt: new Date(Date.now() + 3_600_000).toISOString() },
      });
      expect(later.body.campaign).toMatchObject({ status: "scheduled" });
      await t.server.ctx.campaigns.tick();
      await t.server.drain();
      expect((await t.request("/api/campaigns/scheduled", { key: A.keys.metrics.secret })).body.status).toBe(
        "scheduled",
      );
      await t.store.execute(
        sql`UPDATE campaigns SET send_at = CAST(${new Date(Date.now() - 1000).toISOString()} AS TIMESTAMP)
            WHERE workspace_id = 'a' AND name = 'scheduled'`,
      );
      await t.server.ctx.campaigns.tick();
      await t.server.drain();
      expect((await t.request("/api/campaigns/scheduled", { key: A.keys.metrics.secret })).body).toMatchObject({
        status: "sent",
        recipients: 0,
      });
      const listed = await t.request("/api/campaigns", { key: A.keys.metrics.secret });
      expect(listed.body.campaigns.map((c: { name: string }) => c.name).sort()).toEqual([
        "launch",
        "no-cta",
        "scheduled",
        "spring",
      ]);
      expect(
        (await t.request("/api/campaigns", { key: B.keys.metrics.secret })).body.campaigns.map(
          (c: { name: string }) => c.name,
        ),
      ).not.toContain("launch");
    } finally {
      await sink.close();
    }
  });

  test("every campaign route was exercised", async () => {
    await expectRoutesExercised(t, "campaigns");
  });
});
