/**
 * The lead timeline (METRICS.md 1) on a hand-made company, on every engine.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../test/support/databases.js";
import { BASE, type LoadedFixture, lead, loadFixture, WORKSPACE } from "../../test/support/metric-fixtures.js";
import { MetricInputError } from "./context.js";
import { leadTimeline, timelineView } from "./lead-timeline.js";

const hash = (email: string) => createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

// Lead t1 (external id CRM-1, contact Jo@Example.com, owner Ann, website, won 07-20 12:00 for 900 EUR):
//   visitor V1 came on 06-20 from LinkedIn (v1), and on 07-01 10:00 filled the form that created t1 (v2);
//   a visit with the contact as visitor id (v4, 07-10); V2's visit (v3) is someone else's.
//   Jo's subscriber (hash of the lower-case address) got issue i1 on 06-25: sent, open, click; s2 is someone else.
//   Stages: (start) -> New at creation by Ann; New -> Demo 07-05 09:00 by Bob (skips Qualified: qualified then);
//   Demo -> Qualified 07-08 by Ann (a backward move). Activities: call 07-02, email 07-05 09:00 (same moment as the
//   stage change), note 07-20 12:00 (same moment as the close).
//   A second click on i1 at 07-01 10:00, the moment of v2.
//   Visitor V3 (another source: an imported analytics export) came on 06-28 (v6) and logged in as
//   Jo on 08-30 (v5, an imported identity): long after t1 was created, so v5 did not create it
//   (not linked), yet both visits are Jo's and in the timeline.
// Same-moment order: email < visit < created < stage < qualified < activity < closed.
const FIXTURE = {
  ...BASE,
  leads: [
    lead({
      id: "t1",
      external_id: "CRM-1",
      name: "Fleet rollout",
      account: "Acme Field Service",
      contact: "Jo@Example.com",
      created_at: "2025-07-01 10:00:00",
      status: "won",
      closed_at: "2025-07-20 12:00:00",
      value: 900,
      currency: "EUR",
      stage_id: "qual",
      source_channel: "website",
      utm_source: "linkedin",
      utm_medium: "social",
    }),
    lead({
      id: "t2",
      created_at: "2025-07-02",
      status: "lost",
      closed_at: "2025-07-03",
      loss_reason: "price",
      competitor: "Rival",
      owner_id: "bob",
    }),
    lead({ id: "t3", external_id: "DUP", created_at: "2025-07-02" }),
    lead({ id: "t4", external_id: "DUP", created_at: "2025-07-02" }),
    lead({ id: "t5", external_id: "t2", created_at: "2025-07-02" }),
  ],
  stage_events: [
    { lead_id: "t1", to_stage_id: "new", changed_at: "2025-07-01 10:00:00", rep_id: "ann" },
    { lead_id: "t1", from_stage_id: "new", to_stage_id: "demo", changed_at: "2025-07-05 09:00:00", rep_id: "bob" },
    { lead_id: "t1", from_stage_id: "demo", to_stage_id: "qual", changed_at: "2025-07-08 09:00:00", rep_id: "ann" },
  ],
  activities: [
    {
      id: "ac1",
      lead_id: "t1",
      rep_id: "ann",
      type: "call",
      occurred_at: "2025-07-02 09:00:00",
      outcome: "connected",
      duration_seconds: 600,
      note: "Intro call, wants a demo",
    },
    { id: "ac2", lead_id: "t1", rep_id: "bob", type: "email", occurred_at: "2025-07-05 09:00:00", outcome: "sent" },
    { id: "ac3", lead_id: "t1", rep_id: "ann", type: "note", occurred_at: "2025-07-20 12:00:00", note: "Signed" },
    { id: "ac4", lead_id: "t2", rep_id: "bob", type: "call", occurred_at: "2025-07-02 12:00:00" },
  ],
  visits: [
    {
      visit_id: "v1",
      visitor_id: "V1",
      started_at: "2025-06-20 09:00:00",
      landing_url: "https://x.test/blog",
      utm_source: "linkedin",
      utm_medium: "social",
      utm_campaign: "spring",
      pageviews: 3,
    },
    {
      visit_id: "v2",
      visitor_id: "V1",
      started_at: "2025-07-01 10:00:00",
      landing_url: "https://x.test/demo",
      pageviews: 2,
      converted_lead_id: "t1",
    },
    { visit_id: "v3", visitor_id: "V2", started_at: "2025-07-03 09:00:00", landing_url: "https://x.test/" },
    {
      visit_id: "v4",
      visitor_id: "Jo@Example.com",
      started_at: "2025-07-10 09:00:00",
      landing_url: "https://x.test/pricing",
    },
    { visit_id: "v6", visitor_id: "V3", started_at: "2025-06-28 12:00:00", landing_url: "https://x.test/" },
    { visit_id: "v5", visitor_id: "V3", started_at: "2025-08-30 09:00:00", landing_url: "https://x.test/login" },
  ],
  visitor_identities: [
    { visitor_id: "V3", email_hash: hash("jo@example.com"), visit_id: "v5", identified_at: "2025-08-30 09:05:00" },
  ],
  newsletter_issues: [{ id: "i1", sent_at: "2025-06-25 08:00:00", subject: "June news", utm_campaign: "june" }],
  newsletter_subscribers: [
    { id: "s1", email_hash: hash("jo@example.com"), subscribed_at: "2025-05-01" },
    { id: "s2", email_hash: hash("someone@else.test"), subscribed_at: "2025-05-01" },
    // Jo's earlier subscription, from another newsletter tool: joined and left.
    { id: "s3", email_hash: hash(" JO@example.com"), subscribed_at: "2025-01-01", unsubscribed_at: "2025-03-01" },
  ],
  email_events: [
    { subscriber_id: "s1", issue_id: "i1", type: "sent", occurred_at: "2025-06-25 08:00:00" },
    { subscriber_id: "s1", issue_id: "i1", type: "open", occurred_at: "2025-06-25 09:00:00" },
    {
      subscriber_id: "s1",
      issue_id: "i1",
      type: "click",
      occurred_at: "2025-06-25 09:01:00",
      url: "https://x.test/demo",
    },
    {
      subscriber_id: "s1",
      issue_id: "i1",
      type: "click",
      occurred_at: "2025-07-01 10:00:00",
      url: "https://x.test/demo",
    },
    { subscriber_id: "s2", issue_id: "i1", type: "sent", occurred_at: "2025-06-25 08:00:00" },
  ],
};

describe.each(engines())("lead timeline on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
  });
  afterAll(async () => f?.dispose());

  test("the lead and every event of it in time order", async () => {
    const t = await leadTimeline(f.store, WORKSPACE, "t1");
    expect(t.lead).toEqual({
      id: "t1",
      externalId: "CRM-1",
      name: "Fleet rollout",
      account: "Acme Field Service",
      contact: "Jo@Example.com",
      owner: { id: "ann", name: "Ann" },
      pipeline: "Sales",
      stage: "Qualified",
      status: "won",
      value: 900,
      currency: "EUR",
      createdAt: "2025-07-01T10:00:00.000Z",
      qualifiedAt: "2025-07-05T09:00:00.000Z",
      closedAt: "2025-07-20T12:00:00.000Z",
      lossReason: null,
      competitor: null,
      source: "website",
      utm: { source: "linkedin", medium: "social", campaign: null, content: null, term: null },
    });
    expect(t.events).toEqual([
      // Jo's subscriptions, matched by the address's hash: s3 joined and left, s1 joined on 05-01.
      { kind: "subscription", time: "2025-01-01T00:00:00.000Z", change: "subscribed", subscriberId: "s3" },
      { kind: "subscription", time: "2025-03-01T00:00:00.000Z", change: "unsubscribed", subscriberId: "s3" },
      { kind: "subscription", time: "2025-05-01T00:00:00.000Z", change: "subscribed", subscriberId: "s1" },
      {
        kind: "visit",
        time: "2025-06-20T09:00:00.000Z",
        visitId: "v1",
        visitorId: "V1",
        landingUrl: "https://x.test/blog",
        referrer: null,
        utmSource: "linkedin",
        utmMedium: "social",
        utmCampaign: "spring",
        utmContent: null,
        pageviews: 3,
        createdLead: false,
      },
      {
        kind: "email",
        time: "2025-06-25T08:00:00.000Z",
        type: "sent",
        issueId: "i1",
        subject: "June news",
        url: null,
      },
      {
        kind: "email",
        time: "2025-06-25T09:00:00.000Z",
        type: "open",
        issueId: "i1",
        subject: "June news",
        url: null,
      },
      {
        kind: "email",
        time: "2025-06-25T09:01:00.000Z",
        type: "click",
        issueId: "i1",
        subject: "June news",
        url: "https://x.test/demo",
      },
      {
        kind: "visit",
        time: "2025-06-28T12:00:00.000Z",
        visitId: "v6",
        visitorId: "V3",
        landingUrl: "https://x.test/",
        referrer: null,
        utmSource: null,
        utmMedium: null,
        utmCampaign: null,
        utmContent: null,
        pageviews: null,
        createdLead: false,
      },
      {
        kind: "email",
        time: "2025-07-01T10:00:00.000Z",
        type: "click",
        issueId: "i1",
        subject: "June news",
        url: "https://x.test/demo",
      },
      {
        kind: "visit",
        time: "2025-07-01T10:00:00.000Z",
        visitId: "v2",
        visitorId: "V1",
        landingUrl: "https://x.test/demo",
        referrer: null,
        utmSource: null,
        utmMedium: null,
        utmCampaign: null,
        utmContent: null,
        pageviews: 2,
        createdLead: true,
      },
      { kind: "created", time: "2025-07-01T10:00:00.000Z", owner: "Ann", source: "website" },
      { kind: "stage", time: "2025-07-01T10:00:00.000Z", fromStage: null, toStage: "New", rep: "Ann" },
      {
        kind: "activity",
        time: "2025-07-02T09:00:00.000Z",
        activityId: "ac1",
        type: "call",
        rep: "Ann",
        outcome: "connected",
        durationSeconds: 600,
        note: "Intro call, wants a demo",
      },
      { kind: "stage", time: "2025-07-05T09:00:00.000Z", fromStage: "New", toStage: "Demo", rep: "Bob" },
      { kind: "qualified", time: "2025-07-05T09:00:00.000Z", how: "stage" },
      {
        kind: "activity",
        time: "2025-07-05T09:00:00.000Z",
        activityId: "ac2",
        type: "email",
        rep: "Bob",
        outcome: "sent",
        durationSeconds: null,
        note: null,
      },
      { kind: "stage", time: "2025-07-08T09:00:00.000Z", fromStage: "Demo", toStage: "Qualified", rep: "Ann" },
      {
        kind: "visit",
        time: "2025-07-10T09:00:00.000Z",
        visitId: "v4",
        visitorId: "Jo@Example.com",
        landingUrl: "https://x.test/pricing",
        referrer: null,
        utmSource: null,
        utmMedium: null,
        utmCampaign: null,
        utmContent: null,
        pageviews: null,
        createdLead: false,
      },
      {
        kind: "activity",
        time: "2025-07-20T12:00:00.000Z",
        activityId: "ac3",
        type: "note",
        rep: "Ann",
        outcome: null,
        durationSeconds: null,
        note: "Signed",
      },
      { kind: "closed", time: "2025-07-20T12:00:00.000Z", status: "won", lossReason: null, competitor: null },
      {
        kind: "visit",
        time: "2025-08-30T09:00:00.000Z",
        visitId: "v5",
        visitorId: "V3",
        landingUrl: "https://x.test/login",
        referrer: null,
        utmSource: null,
        utmMedium: null,
        utmCampaign: null,
        utmContent: null,
        pageviews: null,
        createdLead: false,
      },
    ]);
  });

  test("by external id; the view for the CLI", async () => {
    const t = await leadTimeline(f.store, WORKSPACE, "CRM-1");
    expect(t.lead.id).toBe("t1");
    const view = timelineView(t);
    expect(view.title).toBe("Lead t1 Fleet rollout (Acme Field Service): won");
    expect(view.columns.map((c) => c.label)).toEqual(["At", "What", "Detail"]);
    expect(view.rows).toHaveLength(21);
    expect(view.rows[1]).toEqual({
      time: "2025-03-01 00:00",
      what: "unsubscribed",
      detail: "newsletter subscriber s3",
    });
    expect(view.rows[2]).toEqual({ time: "2025-05-01 00:00", what: "subscribed", detail: "newsletter subscriber s1" });
    expect(view.rows[3]).toEqual({
      time: "2025-06-20 09:00",
      what: "visit",
      detail: "https://x.test/blog, utm linkedin/social/spring, 3 pages, visitor V1",
    });
    expect(view.rows[6]).toEqual({
      time: "2025-06-25 09:01",
      what: "email click",
      detail: "June news, https://x.test/demo",
    });
    expect(view.rows[7]).toEqual({ time: "2025-06-28 12:00", what: "visit", detail: "https://x.test/, visitor V3" });
    expect(view.rows[8]).toMatchObject({ what: "email click" });
    expect(view.rows[9]).toMatchObject({ what: "visit (created the lead)" });
    expect(view.rows[13]).toEqual({ time: "2025-07-05 09:00", what: "stage", detail: "New -> Demo, by Bob" });
    expect(view.rows.at(-2)).toEqual({ time: "2025-07-20 12:00", what: "won", detail: "" });
    // The login long after the deal: Jo's visit, not the one that created the lead.
    expect(view.rows.at(-1)).toEqual({
      time: "2025-08-30 09:00",
      what: "visit",
      detail: "https://x.test/login, visitor V3",
    });
  });

  test("a lost lead without contact, visits or stage history: created and closed with its reason", async () => {
    // "t2" is also t5's external id: the lead's own id wins.
    const t = await leadTimeline(f.store, WORKSPACE, "t2");
    expect(t.lead).toMatchObject({ id: "t2", owner: { id: "bob", name: "Bob" }, qualifiedAt: null, status: "lost" });
    expect(t.events).toEqual([
      { kind: "created", time: "2025-07-02T00:00:00.000Z", owner: "Bob", source: null },
      {
        kind: "activity",
        time: "2025-07-02T12:00:00.000Z",
        activityId: "ac4",
        type: "call",
        rep: "Bob",
        outcome: null,
        durationSeconds: null,
        note: null,
      },
      { kind: "closed", time: "2025-07-03T00:00:00.000Z", status: "lost", lossReason: "price", competitor: "Rival" },
    ]);
    expect(timelineView(t).rows.at(-1)).toEqual({
      time: "2025-07-03 00:00",
      what: "lost",
      detail: "reason: price, to Rival",
    });
  });

  test("an unknown lead, and an external id two leads share, are errors naming the id", async () => {
    await expect(leadTimeline(f.store, WORKSPACE, "nope")).rejects.toThrow(MetricInputError);
    await expect(leadTimeline(f.store, WORKSPACE, "nope")).rejects.toThrow(
      'no lead "nope" (by id or external id) in workspace "fixture"',
    );
    await expect(leadTimeline(f.store, "elsewhere", "t1")).rejects.toThrow('no lead "t1"');
    await expect(leadTimeline(f.store, WORKSPACE, "DUP")).rejects.toThrow(
      '2 leads have the external id "DUP" (t3, t4); give the lead id instead',
    );
  });
});
