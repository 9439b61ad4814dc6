/**
 * New leads per month from the newsletter (METRICS.md 9) on a hand-made company, on every engine.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  BASE,
  type LoadedFixture,
  lead,
  loadFixture,
  report,
  WORKSPACE,
} from "../../../test/support/metric-fixtures.js";
import { trailingPeriods } from "../../model/period.js";
import { contextForPeriod, resolveRequest } from "../context.js";
import { computeMetric, quickHeadline } from "../run-metric.js";
import { tidy } from "../sql-parts.js";
import { NO_AMOUNTS } from "../vanity.js";
import { type NewsletterLeadsResult, newsletterLeads } from "./newsletter-leads.js";

const hash = (email: string) => createHash("sha256").update(email).digest("hex");

// Period 2026-Q1 [01-01, 04-01), monthly. Subscribers (hash of the clean address):
// sub1 ann.buyer@acme.example since 2025-06-01; clicked issue i1 on 01-02 00:00
// sub2 bo@beta.example 02-20 .. 03-10; clicked i2 on 02-21 00:00
// sub3 cy@gamma.example since 2025; clicked i1 on 01-05
// sub4 late@x.example since 04-01 (after the period); sub5 2025 .. 04-05; sub6 since 2025 (hash stored upper-case)
// Leads:
// n1 "  Ann.Buyer@ACME.example " 01-31 00:00, won 200.35 EUR: sub1's click 29 days before -> click (subscriber)
// n2 "ann.buyer@acme.example" 02-01 00:00, qualified: the click exactly 30 days before    -> click (inclusive)
// n3 "ANN.BUYER@acme.example" 02-02 00:00: the click 31 days before                       -> not a newsletter lead
// n4 source newsletter, nobody@z.example, 03-05                                           -> source
// n5 utm_medium "Email", 03-06                                                            -> first touch
// n6 "bo@beta.example", utm_campaign of issue i2, 02-25: sub2 clicked 4 days before       -> first touch + click (subscriber)
// n7 website, cy@gamma.example, 03-20: sub3's click 74 days before                        -> not
// n8 source newsletter, late@x.example, 03-15: subscribed only after the lead             -> source (not a subscriber lead)
// n9 source newsletter 2025-12-15: outside; n10 source newsletter, Bob's, 01-10, won 300 EUR -> source
// Newsletter leads: n1, n2, n4, n5, n6, n8, n10 = 7; by source 3 (n4, n8, n10), first touch 2 (n5, n6), click 3
// (n1, n2, n6). Subscriber leads n1, n2, n6 = 3. Active at 04-01: sub1, sub3, sub5, sub6 = 4 -> rate 0.75.
// Qualified n1 (won), n2, n10 (won) = 3; won n1, n10 = 2, 500.35 EUR; its evidence: 2 amounts, squares
// 200.35^2 + 300^2 = 40,140.1225 + 90,000 = 130,140.1225 (exact: NUMERIC on both engines).
// By month: Jan n1, n10 (2: source 1, click 1); Feb n2, n6 (2: first touch 1, click 2); Mar n4, n5, n8 (3: source 2,
// first touch 1).
const FIXTURE = {
  ...BASE,
  leads: [
    lead({
      id: "n1",
      created_at: "2026-01-31T00:00:00Z",
      contact: "  Ann.Buyer@ACME.example ",
      status: "won",
      closed_at: "2026-03-01",
      value: 200.35,
      currency: "EUR",
    }),
    lead({
      id: "n2",
      created_at: "2026-02-01T00:00:00Z",
      contact: "ann.buyer@acme.example",
      qualified_at: "2026-02-10",
    }),
    lead({ id: "n3", created_at: "2026-02-02T00:00:00Z", contact: "ANN.BUYER@acme.example" }),
    lead({ id: "n4", created_at: "2026-03-05", source_channel: "newsletter", contact: "nobody@z.example" }),
    lead({ id: "n5", created_at: "2026-03-06", source_channel: "website", utm_medium: "Email" }),
    lead({ id: "n6", created_at: "2026-02-25", contact: "bo@beta.example", utm_campaign: "nl-2026-02-01" }),
    lead({ id: "n7", created_at: "2026-03-20", source_channel: "website", contact: "cy@gamma.example" }),
    lead({ id: "n8", created_at: "2026-03-15", source_channel: "newsletter", contact: "late@x.example" }),
    lead({ id: "n9", created_at: "2025-12-15", source_channel: "newsletter" }),
    lead({
      id: "n10",
      created_at: "2026-01-10",
      owner_id: "bob",
      source_channel: "newsletter",
      status: "won",
      closed_at: "2026-02-01",
      value: 300,
      currency: "EUR",
    }),
  ],
  newsletter_subscribers: [
    { id: "sub1", email_hash: hash("ann.buyer@acme.example"), subscribed_at: "2025-06-01" },
    {
      id: "sub2",
      email_hash: hash("bo@beta.example"),
      subscribed_at: "2026-02-20",
      unsubscribed_at: "2026-03-10",
    },
    { id: "sub3", email_hash: hash("cy@gamma.example"), subscribed_at: "2025-01-01" },
    { id: "sub4", email_hash: hash("late@x.example"), subscribed_at: "2026-04-01" },
    { id: "sub5", email_hash: hash("e@x.example"), subscribed_at: "2025-01-01", unsubscribed_at: "2026-04-05" },
    { id: "sub6", email_hash: hash("f@x.example").toUpperCase(), subscribed_at: "2025-01-01" },
  ],
  newsletter_issues: [
    { id: "i1", sent_at: "2026-01-01", utm_campaign: "nl-2026-01-01" },
    { id: "i2", sent_at: "2026-02-01", utm_campaign: "nl-2026-02-01" },
  ],
  email_events: [
    { subscriber_id: "sub1", issue_id: "i1", type: "sent", occurred_at: "2026-01-01T00:00:00Z" },
    { subscriber_id: "sub1", issue_id: "i1", type: "open", occurred_at: "2026-01-01T23:00:00Z" },
    { subscriber_id: "sub1", issue_id: "i1", type: "click", occurred_at: "2026-01-02T00:00:00Z" },
    { subscriber_id: "sub2", issue_id: "i2", type: "click", occurred_at: "2026-02-21T00:00:00Z" },
    { subscriber_id: "sub3", issue_id: "i1", type: "click", occurred_at: "2026-01-05T00:00:00Z" },
    // An open (not a click) just before n7 does not attribute it.
    { subscriber_id: "sub3", issue_id: "i2", type: "open", occurred_at: "2026-03-19T00:00:00Z" },
  ],
};

const month = (bucket: string, newsletterLeads: number, bySource: number, byFirstTouch: number, byClick: number) => ({
  bucket,
  newsletterLeads,
  bySource,
  byFirstTouch,
  byClick,
});

describe.each(engines())("newsletter leads on %s", (engine) => {
  let f: LoadedFixture;
  let bare: LoadedFixture;
  let valueless: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
    bare = await loadFixture(engine, {
      ...BASE,
      leads: [lead({ id: "x", created_at: "2026-01-02", source_channel: "newsletter" })],
    });
    valueless = await loadFixture(engine, {
      ...FIXTURE,
      leads: FIXTURE.leads.map((row) => ({ ...row, value: null, currency: null })),
    });
  });
  afterAll(async () => {
    await f?.dispose();
    await bare?.dispose();
    await valueless?.dispose();
  });

  test("attributes leads by source, first touch and clicks within 30 days, next to subscribers", async () => {
    const r = await report(f.store, newsletterLeads, { period: "2026-Q1", grain: "month" });
    expect(r.result).toEqual({
      attributionDays: 30,
      newsletterLeads: 7,
      bySource: 3,
      byFirstTouch: 2,
      byClick: 3,
      subscriberLeads: 3,
      subscribers: 4,
      subscriberToLeadRate: 0.75,
      qualifiedLeads: 3,
      wonLeads: 2,
      wonValue: 500.35,
      wonValuedLeads: 2,
      wonValueSumOfSquares: 130_140.1225,
      trend: [
        month("2026-01-01T00:00:00.000Z", 2, 1, 0, 1),
        month("2026-02-01T00:00:00.000Z", 2, 0, 1, 2),
        month("2026-03-01T00:00:00.000Z", 3, 2, 1, 0),
      ],
    });
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["newsletterLeads", 7],
      ["subscriberToLeadRate", 0.75],
      ["newsletterWonValue", 500.35],
    ]);
    expect(r.vanity.map((v) => [v.id, v.value])).toEqual([["subscribers", 4]]);
  });

  test("headlines and the subscriber count carry their evidence; the rate its n and interval in the table", async () => {
    const r = await report(f.store, newsletterLeads, { period: "2026-Q1", grain: "month", compare: "previous" });
    // 7 leads; 3 subscriber leads of 4 active subscribers; 2 won amounts.
    expect(r.headlines.map((h) => [h.key, h.evidence])).toEqual([
      ["newsletterLeads", { kind: "count", n: 7 }],
      ["subscriberToLeadRate", { kind: "rate", successes: 3, trials: 4 }],
      ["newsletterWonValue", { kind: "sum", n: 2, sumOfSquares: 130_140.1225 }],
    ]);
    // Subscribers are a level: 4 active at 04-01, and at 01-01 sub1, sub3, sub5, sub6 (sub2 came later): 4.
    expect(r.vanity.map((v) => [v.id, v.evidence, v.previousEvidence])).toEqual([
      ["subscribers", { kind: "level", n: 4 }, { kind: "level", n: 4 }],
    ]);
    const [, beside] = newsletterLeads.views(r.result);
    // 3 of 4: Wilson 95% 0.300642..0.954413.
    expect(beside?.rows[0]).toMatchObject({
      subscriberToLeadRate: 0.75,
      subscriberToLeadRateN: 4,
      subscriberToLeadRateLow: 0.300642,
      subscriberToLeadRateHigh: 0.954413,
    });
  });

  test("more subscriber leads than active subscribers: events per exposure, not a share", () => {
    // Two leads of one contact, who has since unsubscribed: 2 subscriber leads, 1 active subscriber.
    const result: NewsletterLeadsResult = {
      attributionDays: 30,
      newsletterLeads: 2,
      bySource: 0,
      byFirstTouch: 0,
      byClick: 2,
      subscriberLeads: 2,
      subscribers: 1,
      subscriberToLeadRate: 2,
      qualifiedLeads: 0,
      wonLeads: 0,
      wonValue: 0,
      wonValuedLeads: 0,
      wonValueSumOfSquares: 0,
      trend: [],
    };
    expect(newsletterLeads.headlines(result)[1]?.evidence).toEqual({ kind: "per", events: 2, exposure: 1 });
    const [, beside] = newsletterLeads.views(result);
    expect(beside?.rows[0]).toMatchObject({
      subscriberToLeadRateN: 1,
      subscriberToLeadRateLow: null,
      subscriberToLeadRateHigh: null,
    });
  });

  test("without amounts: won value is unsupported, never 0; the counts and the rate stand", async () => {
    const r = await report(valueless.store, newsletterLeads, { period: "2026-Q1" });
    expect(r.result).toMatchObject({ newsletterLeads: 7, wonLeads: 2, wonValue: null, wonValuedLeads: null });
    expect(r.headlines.map((h) => [h.key, h.value, h.evidence, h.unsupported])).toEqual([
      ["newsletterLeads", 7, { kind: "count", n: 7 }, undefined],
      ["subscriberToLeadRate", 0.75, { kind: "rate", successes: 3, trials: 4 }, undefined],
      ["newsletterWonValue", null, null, NO_AMOUNTS],
    ]);
  });

  test("the attribution window: 29 days in, 30 in (inclusive), 31 out; a shorter window drops more", async () => {
    // 29 days: n1 (29) in, n2 (30) out, n6 (4) in.
    const w29 = await report(f.store, newsletterLeads, { period: "2026-Q1", options: { attributionDays: 29 } });
    expect(w29.result).toMatchObject({ newsletterLeads: 6, byClick: 2, subscriberLeads: 2, subscriberToLeadRate: 0.5 });
    // 31 days: n3's click 31 days before now counts too.
    const w31 = await report(f.store, newsletterLeads, { period: "2026-Q1", options: { attributionDays: 31 } });
    expect(w31.result).toMatchObject({ newsletterLeads: 8, byClick: 4, subscriberLeads: 4 });
    // 7 days: only n6's click; n1, n2 drop out.
    const w7 = await report(f.store, newsletterLeads, { period: "2026-Q1", options: { attributionDays: 7 } });
    expect(w7.result).toMatchObject({ newsletterLeads: 5, byClick: 1, subscriberLeads: 1, subscriberToLeadRate: 0.25 });
    expect(w7.result.wonValue).toBe(300);
  });

  test("lead filters apply to the leads, not to the subscribers", async () => {
    const bob = await report(f.store, newsletterLeads, { period: "2026-Q1", rep: "bob" });
    expect(bob.result).toMatchObject({ newsletterLeads: 1, bySource: 1, subscribers: 4, subscriberToLeadRate: 0 });
  });

  test("an empty period has zeros; no subscribers means no rate", async () => {
    const r = await report(f.store, newsletterLeads, { period: "2024-01", grain: "month" });
    expect(r.result).toEqual({
      attributionDays: 30,
      newsletterLeads: 0,
      bySource: 0,
      byFirstTouch: 0,
      byClick: 0,
      subscriberLeads: 0,
      subscribers: 0,
      subscriberToLeadRate: null,
      qualifiedLeads: 0,
      wonLeads: 0,
      wonValue: 0,
      wonValuedLeads: 0,
      wonValueSumOfSquares: 0,
      trend: [month("2024-01-01T00:00:00.000Z", 0, 0, 0, 0)],
    });
  });

  // The vanity check counts newsletter leads by its own statement (quickHeadlines), and for
  // several periods at once (across): the same leads as the metric, for each rule, at the
  // window's edges, with a lead filter and other windows.
  test("the check's own count equals the metric's, alone and across months", async () => {
    const requests = [
      { period: "2026-03" },
      { period: "2026-03", rep: "bob" },
      { period: "2026-03", options: { attributionDays: 29 } },
      { period: "2026-03", options: { attributionDays: 7 } },
    ];
    for (const request of requests) {
      const { current } = await resolveRequest(f.store, { workspace: WORKSPACE, ...request, compare: null });
      const contexts = trailingPeriods(current.period, 4).map((period) => contextForPeriod(current, period));
      const inputs = contexts.map((ctx) => ({ ctx, support: null }));
      const road = newsletterLeads.quickHeadlines as NonNullable<typeof newsletterLeads.quickHeadlines>;
      const full = [];
      const quick = [];
      for (const ctx of contexts) {
        full.push(newsletterLeads.headlines(tidy(await computeMetric(newsletterLeads, ctx)))[0]);
        quick.push(await quickHeadline(newsletterLeads, ctx, "newsletterLeads"));
      }
      expect(quick, JSON.stringify(request)).toEqual(full);
      const rows = await f.store.query(
        (road.across as NonNullable<typeof road.across>)(
          inputs[0] as (typeof inputs)[number],
          contexts.map((c) => c.period),
        ).sql,
      );
      expect(rows.map((r) => Number(r.leads))).toEqual(full.map((h) => h?.value));
    }
    // Not vacuous: January to March as the metric counts them (n1, n10 | n2, n6 | n4, n5, n8).
    const { current } = await resolveRequest(f.store, { workspace: WORKSPACE, period: "2026-03", compare: null });
    const months = trailingPeriods(current.period, 3).map((period) => contextForPeriod(current, period));
    const counts = [];
    for (const ctx of months) counts.push((await quickHeadline(newsletterLeads, ctx, "newsletterLeads"))?.value);
    expect(counts).toEqual([2, 2, 3]);
  });

  test("without newsletter data, clicks and subscribers are unknown, the source channel still counts", async () => {
    const r = await report(bare.store, newsletterLeads, { period: "2026-01", grain: "month" });
    expect(r.result).toMatchObject({
      newsletterLeads: 1,
      bySource: 1,
      byClick: null,
      subscribers: null,
      subscriberLeads: null,
      subscriberToLeadRate: null,
      wonValue: null,
    });
    expect(r.unsupported.map((u) => u.capability)).toEqual(["newsletter"]);
    // No subscribers to divide by: no evidence for the rate; no lead carries an amount: won value unsupported.
    expect(r.headlines.map((h) => [h.evidence, h.unsupported])).toEqual([
      [{ kind: "count", n: 1 }, undefined],
      [null, undefined],
      [null, NO_AMOUNTS],
    ]);
  });
});
