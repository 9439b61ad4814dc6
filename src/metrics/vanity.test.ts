/**
 * The eight vanity values with their evidence (the n behind each and what its noise is judged
 * from), on a hand-made company, on every engine; and total sales without amounts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../test/support/databases.js";
import {
  BASE,
  type Fixture,
  type LoadedFixture,
  lead,
  loadFixture,
  WORKSPACE,
} from "../../test/support/metric-fixtures.js";
import { NO_FOLLOWER_COUNTS } from "./capability-words.js";
import { resolveRequest } from "./context.js";
import { squaresTotal } from "./evidence.js";
import type { VanityId } from "./metric.js";
import { computeVanity, NO_AMOUNTS, VANITY } from "./vanity.js";

// Period 2025-Q3. Reporting currency EUR (3 leads carry EUR, 1 USD).
// Leads: w1 won 07-10 1234.56 EUR, w2 won 08-01 100.10 EUR, w3 won 09-01 50 USD (left out), all created in Q3;
//   w4 created 05-01, won 06-01 (Q2) 999 EUR; o1 open, created 07-05. New leads in Q3: w1, w2, w3, o1 = 4.
// Total sales: 1234.56 + 100.10 = 1334.66 EUR over 2 amounts; squares 1,524,138.3936 + 10,020.01 = 1,534,158.4036.
// Activities in Q3: 3 calls, 1 meeting, 2 emails = 6; meetings per call 1 / 3. (One call in Q2.)
//   By lead: w1 2, w2 1, o1 2, and one email without a lead (its own cluster): 4 clusters,
//   squares 4 + 1 + 4 + 1 = 10.
// Visits in Q3: 3 (one in June): x 1 (July), y 2 (August and September, one visitor over two
//   months: one cluster of 2): 2 clusters, squares 1 + 4 = 5.
// Followers: linkedin 100 (06-01), 130 (09-15) -> 130 at the end of Q3.
// Impressions: p1's cumulative 50 (07-02), 80 (09-01) -> 80 gained in Q3; p2's 30 (09-02):
//   110 from 2 posts, squares 6,400 + 900 = 7,300.
// Subscribers active at 10-01: s1 (since 01-01), s2 (since 08-01); s3 left 09-01 -> 2.
const FIXTURE: Fixture = {
  ...BASE,
  leads: [
    lead({
      id: "w1",
      created_at: "2025-07-01",
      status: "won",
      closed_at: "2025-07-10",
      value: 1234.56,
      currency: "EUR",
    }),
    lead({ id: "w2", created_at: "2025-07-02", status: "won", closed_at: "2025-08-01", value: 100.1, currency: "EUR" }),
    lead({ id: "w3", created_at: "2025-07-03", status: "won", closed_at: "2025-09-01", value: 50, currency: "USD" }),
    lead({ id: "w4", created_at: "2025-05-01", status: "won", closed_at: "2025-06-01", value: 999, currency: "EUR" }),
    lead({ id: "o1", created_at: "2025-07-05" }),
  ],
  activities: [
    { id: "a0", rep_id: "ann", lead_id: "w4", type: "call", occurred_at: "2025-05-02 09:00:00" },
    { id: "a1", rep_id: "ann", lead_id: "w1", type: "call", occurred_at: "2025-07-01 09:00:00" },
    { id: "a2", rep_id: "ann", lead_id: "w1", type: "meeting", occurred_at: "2025-07-03 09:00:00" },
    { id: "a3", rep_id: "bob", lead_id: "w2", type: "call", occurred_at: "2025-07-04 09:00:00" },
    { id: "a4", rep_id: "bob", lead_id: "o1", type: "call", occurred_at: "2025-08-04 09:00:00" },
    { id: "a5", rep_id: "bob", lead_id: "o1", type: "email", occurred_at: "2025-09-04 09:00:00" },
    { id: "a6", rep_id: "bob", lead_id: null, type: "email", occurred_at: "2025-09-05 09:00:00" },
  ],
  visits: [
    { visit_id: "v0", visitor_id: "x", started_at: "2025-06-30T12:00:00Z" },
    { visit_id: "v1", visitor_id: "x", started_at: "2025-07-01T12:00:00Z" },
    { visit_id: "v2", visitor_id: "y", started_at: "2025-08-01T12:00:00Z" },
    { visit_id: "v3", visitor_id: "y", started_at: "2025-09-30T12:00:00Z" },
  ],
  social_posts: [
    { id: "p1", network: "linkedin", published_at: "2025-07-01" },
    { id: "p2", network: "linkedin", published_at: "2025-09-01" },
  ],
  social_post_snapshots: [
    { post_id: "p1", captured_at: "2025-07-02", shares: 1, impressions: 50 },
    { post_id: "p1", captured_at: "2025-09-01", shares: 2, impressions: 80 },
    { post_id: "p2", captured_at: "2025-09-02", shares: 0, impressions: 30 },
  ],
  social_follower_snapshots: [
    { network: "linkedin", captured_at: "2025-06-01", followers: 100 },
    { network: "linkedin", captured_at: "2025-09-15", followers: 130 },
  ],
  newsletter_subscribers: [
    { id: "s1", email_hash: "h1", subscribed_at: "2025-01-01" },
    { id: "s2", email_hash: "h2", subscribed_at: "2025-08-01" },
    { id: "s3", email_hash: "h3", subscribed_at: "2025-02-01", unsubscribed_at: "2025-09-01" },
  ],
};

/** The same company from a CRM export without deal values. */
const WITHOUT_AMOUNTS: Fixture = {
  ...FIXTURE,
  leads: (FIXTURE.leads ?? []).map((row) => ({ ...row, value: null, currency: null })),
};

async function values(f: LoadedFixture, period: string) {
  const { current } = await resolveRequest(f.store, { workspace: WORKSPACE, period });
  const out: Record<string, unknown> = {};
  for (const { id } of VANITY) {
    const { value, evidence, unsupported } = await computeVanity(current, id as VanityId);
    out[id] = unsupported ? { value, evidence, unsupported } : { value, evidence };
  }
  return out;
}

/** Posts without the networks' follower counts: followers cannot be told, not 0. */
const WITHOUT_FOLLOWER_COUNTS: Fixture = { ...FIXTURE, social_follower_snapshots: [] };

describe.each(engines())("vanity values and their evidence on %s", (engine) => {
  let f: LoadedFixture;
  let valueless: LoadedFixture;
  let countless: LoadedFixture;
  beforeAll(async () => {
    [f, valueless, countless] = await Promise.all([
      loadFixture(engine, FIXTURE),
      loadFixture(engine, WITHOUT_AMOUNTS),
      loadFixture(engine, WITHOUT_FOLLOWER_COUNTS),
    ]);
  });
  afterAll(async () => {
    await f?.dispose();
    await valueless?.dispose();
    await countless?.dispose();
  });

  test("posts without follower counts: followers cannot be told (not 0); impressions stand", async () => {
    const got = await values(countless, "2025-Q3");
    expect(got.followers).toEqual({ value: null, evidence: null, unsupported: NO_FOLLOWER_COUNTS });
    expect((got.impressions as { value: number }).value).toBe(110);
    // With the counts loaded, a period before the first count reads 0: that is the data's own.
    expect((await values(f, "2025-Q1")).followers).toEqual({ value: 0, evidence: { kind: "level", n: 0 } });
  });

  test("each value with the n behind it", async () => {
    expect(await values(f, "2025-Q3")).toEqual({
      activities: { value: 6, evidence: { kind: "count", n: 6, clusters: 4, sumOfSquares: 10 } },
      "activity-conversion": { value: 1 / 3, evidence: { kind: "per", events: 1, exposure: 3 } },
      "total-sales": { value: 1334.66, evidence: { kind: "sum", n: 2, sumOfSquares: 1_534_158.4036 } },
      visits: { value: 3, evidence: { kind: "count", n: 3, clusters: 2, sumOfSquares: 5 } },
      "new-leads": { value: 4, evidence: { kind: "count", n: 4 } },
      followers: { value: 130, evidence: { kind: "level", n: 130 } },
      impressions: { value: 110, evidence: { kind: "count", n: 110, clusters: 2, sumOfSquares: 7300 } },
      subscribers: { value: 2, evidence: { kind: "level", n: 2 } },
    });
  });

  test("a period with nothing: zeros with n 0; calls to meetings has no calls to divide by", async () => {
    const empty = await values(f, "2024-01");
    expect(empty["activity-conversion"]).toEqual({ value: null, evidence: null });
    expect(empty["total-sales"]).toEqual({ value: 0, evidence: { kind: "sum", n: 0, sumOfSquares: 0 } });
    expect(empty["new-leads"]).toEqual({ value: 0, evidence: { kind: "count", n: 0 } });
    for (const id of ["activities", "visits", "impressions"]) {
      expect(empty[id], id).toEqual({ value: 0, evidence: { kind: "count", n: 0, clusters: 0, sumOfSquares: 0 } });
    }
  });

  test("visits cluster by visitor over the whole period, its partial months read from the visits", async () => {
    // 06-15..08-15: July from the rollup (x 1), June 15-30 (x: v0) and August 1-15 (y: v2)
    // from the visits; x's two visits are one cluster though they are in two sources.
    const got = await values(f, "2025-06-15..2025-08-15");
    expect(got.visits).toEqual({ value: 3, evidence: { kind: "count", n: 3, clusters: 2, sumOfSquares: 5 } });
    // A month: one row per visitor in the rollup.
    expect((await values(f, "2025-09")).visits).toEqual({
      value: 1,
      evidence: { kind: "count", n: 1, clusters: 1, sumOfSquares: 1 },
    });
  });

  test("with a pipeline filter activities cluster by lead as well", async () => {
    const { current } = await resolveRequest(f.store, { workspace: WORKSPACE, period: "2025-Q3", pipeline: "p" });
    const got = await computeVanity(current, "activities");
    // Every lead of the fixture is in pipeline p; the lead-less email drops out.
    expect(got.evidence).toEqual({ kind: "count", n: 5, clusters: 3, sumOfSquares: 9 });
  });

  test("without amounts total sales is unsupported, never 0; the rest stand", async () => {
    const got = await values(valueless, "2025-Q3");
    expect(got["total-sales"]).toEqual({ value: null, evidence: null, unsupported: NO_AMOUNTS });
    expect(NO_AMOUNTS).toEqual({
      reason: "the loaded leads carry no amounts (deal values)",
      fix: "import a file with an Amount column, or map one with --mapping",
      sv: {
        reason: "de inlästa leadsen saknar belopp (affärsvärden)",
        fix: "importera en fil med en beloppskolumn (Amount), eller mappa en med --mapping",
      },
    });
    expect(got["new-leads"]).toEqual({ value: 4, evidence: { kind: "count", n: 4 } });
    expect(got.activities).toEqual({ value: 6, evidence: { kind: "count", n: 6, clusters: 4, sumOfSquares: 10 } });
  });
});

describe("squaresTotal (pure)", () => {
  test("adds exact decimals without the rounding of the order they come in", () => {
    expect(squaresTotal(["1524138.3936", "10020.0100", null])).toBe(1_534_158.4036);
    expect(squaresTotal([])).toBe(0);
    expect(squaresTotal([0.1, 0.2])).toBe(0.3);
    expect(squaresTotal(["-1.5", "2"])).toBe(0.5);
    // Order does not matter, even where floating point addition would.
    const parts = ["0.1000", "0.2000", "0.3000"];
    expect(squaresTotal(parts)).toBe(squaresTotal([...parts].reverse()));
    expect(0.1 + 0.2 + 0.3).not.toBe(0.3 + 0.2 + 0.1);
  });
});
