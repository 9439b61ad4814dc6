/**
 * Conversions from social media (METRICS.md 8) on a hand-made company, on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import { BASE, type LoadedFixture, lead, loadFixture, report } from "../../../test/support/metric-fixtures.js";
import { NO_AMOUNTS } from "../vanity.js";
import { socialConversions } from "./social-conversions.js";

// Period 2026-02. Leads (reporting currency EUR: 3 leads carry EUR, 1 USD):
// s1 social:linkedin, qualified, won 1000 EUR                 -> linkedin (source channel)
// s2 website, utm LinkedIn / social / blog-a, qualified, open  -> linkedin (first touch only; case ignored)
// s3 social:twitter, utm_source linkedin, blog-a, lost          -> twitter (source channel wins over utm)
// s4 paid, utm mastodon / social, won 500 USD                   -> other (first touch only); won, no EUR value
// s5 website, no utm, won 100 EUR                               -> not social
// s6 social:linkedin created 01-20                              -> outside the period
// s7 social:facebook, owner bob, blog-b, won 300 EUR            -> facebook
// s8 newsletter, utm_medium email                               -> not social
// Social leads 5 (3 by source channel, 2 by first touch only); qualified: s1, s2 (qualified_at), s4, s7 (won)
// = 4; won s1, s4, s7 = 3; won value 1000 + 300 = 1300 EUR (s4's USD left out).
// Posts with a campaign, published by 03-01: linkedin blog-a (pa1; pa2 is published 03-05), twitter blog-a (pa3),
// facebook blog-b (pb1), linkedin blog-b (pb2, no lead).
// Visits in February:
// v1 utm linkedin/social (created s2), v2 www.linkedin.com, v3 lnkd.in                 -> linkedin 3, 1 converted
// v4 t.co (created s3), v5 https://x.com (no path)                                     -> twitter 2, 1 converted
// v6 l.facebook.com -> facebook; v8 utm Social/mastodon (created s4) -> other; v11 www.youtube.com:443 -> youtube;
// v13 www.instagram.com?x=1 -> instagram
// v7 notlinkedin.com, v9 google, v10 newsletter/email: not social; v12 in January: outside.
// Social visits 9, converted 3 -> 1/3.
const FIXTURE = {
  ...BASE,
  leads: [
    lead({
      id: "s1",
      created_at: "2026-02-02",
      source_channel: "social:linkedin",
      qualified_at: "2026-02-03",
      status: "won",
      closed_at: "2026-02-20",
      value: 1000,
      currency: "EUR",
    }),
    lead({
      id: "s2",
      created_at: "2026-02-03",
      source_channel: "website",
      utm_source: "LinkedIn",
      utm_medium: "social",
      utm_campaign: "blog-a",
      qualified_at: "2026-02-05",
    }),
    lead({
      id: "s3",
      created_at: "2026-02-04",
      source_channel: "social:twitter",
      utm_source: "linkedin",
      utm_medium: "social",
      utm_campaign: "blog-a",
      status: "lost",
      closed_at: "2026-02-10",
    }),
    lead({
      id: "s4",
      created_at: "2026-02-05",
      source_channel: "paid",
      utm_source: "mastodon",
      utm_medium: "social",
      status: "won",
      closed_at: "2026-02-25",
      value: 500,
      currency: "USD",
    }),
    lead({
      id: "s5",
      created_at: "2026-02-06",
      source_channel: "website",
      status: "won",
      closed_at: "2026-02-07",
      value: 100,
      currency: "EUR",
    }),
    lead({ id: "s6", created_at: "2026-01-20", source_channel: "social:linkedin" }),
    lead({
      id: "s7",
      created_at: "2026-02-07",
      owner_id: "bob",
      source_channel: "social:facebook",
      utm_source: "facebook",
      utm_medium: "social",
      utm_campaign: "blog-b",
      status: "won",
      closed_at: "2026-03-15",
      value: 300,
      currency: "EUR",
    }),
    lead({ id: "s8", created_at: "2026-02-08", source_channel: "newsletter", utm_medium: "email" }),
  ],
  social_posts: [
    { id: "pa1", network: "linkedin", published_at: "2026-01-10", utm_campaign: "blog-a" },
    { id: "pa2", network: "linkedin", published_at: "2026-03-05", utm_campaign: "blog-a" },
    { id: "pa3", network: "twitter", published_at: "2026-02-01", utm_campaign: "blog-a" },
    { id: "pb1", network: "facebook", published_at: "2025-12-01", utm_campaign: "blog-b" },
    { id: "pb2", network: "linkedin", published_at: "2025-12-01", utm_campaign: "blog-b" },
  ],
  visits: [
    {
      visit_id: "v1",
      visitor_id: "a",
      started_at: "2026-02-03",
      utm_source: "linkedin",
      utm_medium: "social",
      converted_lead_id: "s2",
    },
    { visit_id: "v2", visitor_id: "b", started_at: "2026-02-03", referrer: "https://www.linkedin.com/feed" },
    { visit_id: "v3", visitor_id: "c", started_at: "2026-02-03", referrer: "https://lnkd.in/abc" },
    {
      visit_id: "v4",
      visitor_id: "d",
      started_at: "2026-02-04",
      referrer: "https://t.co/xyz",
      converted_lead_id: "s3",
    },
    { visit_id: "v5", visitor_id: "e", started_at: "2026-02-04", referrer: "https://x.com" },
    { visit_id: "v6", visitor_id: "f", started_at: "2026-02-04", referrer: "https://l.facebook.com/l.php?u=1" },
    { visit_id: "v7", visitor_id: "g", started_at: "2026-02-04", referrer: "https://notlinkedin.com/" },
    {
      visit_id: "v8",
      visitor_id: "h",
      started_at: "2026-02-05",
      utm_source: "mastodon",
      utm_medium: "Social",
      converted_lead_id: "s4",
    },
    { visit_id: "v9", visitor_id: "i", started_at: "2026-02-05", referrer: "https://www.google.com/" },
    { visit_id: "v10", visitor_id: "j", started_at: "2026-02-05", utm_source: "newsletter", utm_medium: "email" },
    { visit_id: "v11", visitor_id: "k", started_at: "2026-02-05", referrer: "https://www.youtube.com:443/watch?v=1" },
    { visit_id: "v12", visitor_id: "l", started_at: "2026-01-05", utm_source: "linkedin", utm_medium: "social" },
    { visit_id: "v13", visitor_id: "m", started_at: "2026-02-06", referrer: "https://www.instagram.com?x=1" },
  ],
};

const visitsOnly = { leads: 0, qualifiedLeads: 0, wonLeads: 0, wonValue: 0 };

describe.each(engines())("conversions from social media on %s", (engine) => {
  let f: LoadedFixture;
  let bare: LoadedFixture;
  let valueless: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
    bare = await loadFixture(engine, { ...BASE, leads: [lead({ id: "x", created_at: "2026-02-02" })] });
    // The same company from a CRM export without deal values.
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

  test("social leads by source channel or first touch, per network and campaign, and social visits", async () => {
    const r = await report(f.store, socialConversions, { period: "2026-02" });
    expect(r.currency).toBe("EUR");
    expect(r.result).toMatchObject({
      leads: 5,
      qualifiedLeads: 4,
      wonLeads: 3,
      wonValue: 1300,
      bySourceChannel: 3,
      byFirstTouchOnly: 2,
      visits: 9,
      convertedVisits: 3,
      visitToLeadRate: 0.333333,
    });
    expect(r.result.byNetwork).toEqual([
      {
        network: "facebook",
        leads: 1,
        qualifiedLeads: 1,
        wonLeads: 1,
        wonValue: 300,
        visits: 1,
        convertedVisits: 0,
        visitToLeadRate: 0,
      },
      { network: "instagram", ...visitsOnly, visits: 1, convertedVisits: 0, visitToLeadRate: 0 },
      {
        network: "linkedin",
        leads: 2,
        qualifiedLeads: 2,
        wonLeads: 1,
        wonValue: 1000,
        visits: 3,
        convertedVisits: 1,
        visitToLeadRate: 0.333333,
      },
      {
        network: "other",
        leads: 1,
        qualifiedLeads: 1,
        wonLeads: 1,
        wonValue: 0,
        visits: 1,
        convertedVisits: 1,
        visitToLeadRate: 1,
      },
      {
        network: "twitter",
        leads: 1,
        qualifiedLeads: 0,
        wonLeads: 0,
        wonValue: 0,
        visits: 2,
        convertedVisits: 1,
        visitToLeadRate: 0.5,
      },
      { network: "youtube", ...visitsOnly, visits: 1, convertedVisits: 0, visitToLeadRate: 0 },
    ]);
    expect(r.result.byCampaign).toEqual([
      { network: "facebook", campaign: "blog-b", posts: 1, leads: 1, qualifiedLeads: 1, wonLeads: 1, wonValue: 300 },
      { network: "linkedin", campaign: null, posts: 0, leads: 1, qualifiedLeads: 1, wonLeads: 1, wonValue: 1000 },
      { network: "linkedin", campaign: "blog-a", posts: 1, leads: 1, qualifiedLeads: 1, wonLeads: 0, wonValue: 0 },
      { network: "other", campaign: null, posts: 0, leads: 1, qualifiedLeads: 1, wonLeads: 1, wonValue: 0 },
      { network: "twitter", campaign: "blog-a", posts: 1, leads: 1, qualifiedLeads: 0, wonLeads: 0, wonValue: 0 },
    ]);
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["socialLeads", 5],
      ["socialWonValue", 1300],
      ["socialVisitToLeadRate", 0.333333],
    ]);
    expect(r.vanity.map((v) => v.id)).toEqual(["impressions"]);
  });

  test("headlines carry their evidence; the visit-to-lead rate its n and interval in the table", async () => {
    const r = await report(f.store, socialConversions, { period: "2026-02" });
    // Won value: s1 1000 and s7 300 EUR summed (s4's USD left out), squares 1,000,000 + 90,000.
    expect(r.headlines.map((h) => [h.key, h.evidence])).toEqual([
      ["socialLeads", { kind: "count", n: 5 }],
      ["socialWonValue", { kind: "sum", n: 2, sumOfSquares: 1_090_000 }],
      ["socialVisitToLeadRate", { kind: "rate", successes: 3, trials: 9 }],
    ]);
    expect(r.result).toMatchObject({ wonValuedLeads: 2, wonValueSumOfSquares: 1_090_000 });
    // No post snapshots loaded: no impressions gained, a count of 0.
    expect(r.vanity.map((v) => [v.id, v.value, v.evidence])).toEqual([
      ["impressions", 0, { kind: "count", n: 0, clusters: 0, sumOfSquares: 0 }],
    ]);
    const [byNetwork] = socialConversions.views(r.result);
    const cells = (network: string) => {
      const row = byNetwork?.rows.find((x) => x.network === network);
      return [row?.visitToLeadRateN, row?.visitToLeadRateLow, row?.visitToLeadRateHigh];
    };
    // linkedin 1 of 3 social visits became a lead; all of them 3 of 9.
    expect(cells("linkedin")).toEqual([3, 0.061492, 0.79234]);
    expect(cells("all")).toEqual([9, 0.120584, 0.645798]);
  });

  test("without amounts: won value is unsupported, never 0; the counts and the rate stand", async () => {
    const r = await report(valueless.store, socialConversions, { period: "2026-02" });
    expect(r.headlines).toEqual([
      {
        key: "socialLeads",
        label: "Leads from social media",
        value: 5,
        format: "count",
        evidence: { kind: "count", n: 5 },
        previous: null,
        previousEvidence: null,
        change: null,
      },
      {
        key: "socialWonValue",
        label: "Won value from social leads",
        value: null,
        format: "money",
        evidence: null,
        unsupported: NO_AMOUNTS,
        previous: null,
        previousEvidence: null,
        change: null,
      },
      {
        key: "socialVisitToLeadRate",
        label: "Social visits that became leads",
        value: 0.333333,
        format: "percent",
        evidence: { kind: "rate", successes: 3, trials: 9 },
        previous: null,
        previousEvidence: null,
        change: null,
      },
    ]);
    expect(r.result).toMatchObject({ wonLeads: 3, wonValue: null, wonValuedLeads: null, wonValueSumOfSquares: null });
    expect(r.result.byNetwork.map((n) => n.wonValue)).toEqual([null, null, null, null, null, null]);
    expect(r.result.byCampaign.map((c) => c.wonValue)).toEqual([null, null, null, null, null]);
  });

  test("lead filters apply to the leads, not to the visits", async () => {
    const bob = await report(f.store, socialConversions, { period: "2026-02", rep: "bob" });
    // Only s7 is Bob's.
    expect(bob.result).toMatchObject({ leads: 1, wonValue: 300, bySourceChannel: 1, byFirstTouchOnly: 0, visits: 9 });
    const social = await report(f.store, socialConversions, { period: "2026-02", source: "social" });
    // --source social keeps the leads the CRM filed as social: s1, s3, s7.
    expect(social.result).toMatchObject({ leads: 3, bySourceChannel: 3, byFirstTouchOnly: 0, wonValue: 1300 });
  });

  test("an empty period has zeros and no rate", async () => {
    const r = await report(f.store, socialConversions, { period: "2024-01" });
    expect(r.result).toEqual({
      leads: 0,
      qualifiedLeads: 0,
      wonLeads: 0,
      wonValue: 0,
      wonValuedLeads: 0,
      wonValueSumOfSquares: 0,
      bySourceChannel: 0,
      byFirstTouchOnly: 0,
      visits: 0,
      convertedVisits: 0,
      visitToLeadRate: null,
      byNetwork: [],
      byCampaign: [],
    });
  });

  test("without lead sources or visits, the numbers are unknown, not zero", async () => {
    const r = await report(bare.store, socialConversions, { period: "2026-02" });
    expect(r.result).toMatchObject({ leads: null, wonValue: null, visits: null, visitToLeadRate: null });
    expect(r.unsupported.map((u) => u.capability)).toEqual(["lead_sources"]);
    // Nothing to count: no evidence, and the won value is not called unsupported for want of amounts
    // (the metric as a whole says why it has no numbers).
    expect(r.headlines.map((h) => [h.evidence, h.unsupported])).toEqual([
      [null, undefined],
      [null, undefined],
      [null, undefined],
    ]);
  });
});
