/**
 * Content shares (METRICS.md 7) on a hand-made company, on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import { BASE, type LoadedFixture, lead, loadFixture, report } from "../../../test/support/metric-fixtures.js";
import { contentShares } from "./content-shares.js";

// Period 2026-01: [01-01, 02-01). Posts published in it, read from their latest snapshot before 02-01:
// p1 linkedin 01-05: snapshots 01-06 (3, 100), 01-20 (10, 400), 02-05 (15, 500: after the end) -> 10 shares, 400 imp.
// p2 linkedin 01-31 12:00: 01-31 23:59:59 (1, 20), 02-01 00:00 (4, 50: at the end, excluded) -> 1, 20.
// p3 twitter 01-10: 01-11 (6, 300) -> 6, 300.
// p4 twitter 01-15: no snapshot -> 0, 0.
// p0 linkedin 2025-12-20 (published before the period: not counted in January); p5 facebook 02-02 (after).
// linkedin: 2 posts, 11 shares (5.5 per post), 420 impressions (210); twitter: 2, 6 (3), 300 (150).
// Followers: linkedin 12-25 1000, 01-15 1100, 02-01 1300 -> 1100 at the end, +100.
// twitter first read in the period: 01-08 500, 01-29 530 -> 530, +30 (from its first reading).
// facebook read once, 2025-11-01 200 -> 200, +0, no posts. instagram only read 02-10 -> not listed.
// All: 4 posts, 17 shares, 4.25 per post, 720 impressions (180), followers 1830, +130.
// Shares by post: p1 10, p2 1, p3 6 (p4 none: no cluster): 3 clusters, squares 100 + 1 + 36 = 137.
const FIXTURE = {
  ...BASE,
  leads: [lead({ id: "x", created_at: "2026-01-02" })],
  social_posts: [
    { id: "p0", network: "linkedin", published_at: "2025-12-20", url: "https://l.example/p0" },
    { id: "p1", network: "linkedin", published_at: "2026-01-05", url: "https://l.example/p1", utm_campaign: "c1" },
    { id: "p2", network: "linkedin", published_at: "2026-01-31T12:00:00Z", url: "https://l.example/p2" },
    { id: "p3", network: "twitter", published_at: "2026-01-10", url: "https://t.example/p3" },
    { id: "p4", network: "twitter", published_at: "2026-01-15" },
    { id: "p5", network: "facebook", published_at: "2026-02-02" },
  ],
  social_post_snapshots: [
    { post_id: "p0", captured_at: "2025-12-21", shares: 40, impressions: 1000 },
    { post_id: "p0", captured_at: "2026-01-10", shares: 50, impressions: 1200 },
    { post_id: "p1", captured_at: "2026-01-06", shares: 3, impressions: 100 },
    { post_id: "p1", captured_at: "2026-01-20", shares: 10, impressions: 400 },
    { post_id: "p1", captured_at: "2026-02-05", shares: 15, impressions: 500 },
    { post_id: "p2", captured_at: "2026-01-31T23:59:59Z", shares: 1, impressions: 20 },
    { post_id: "p2", captured_at: "2026-02-01T00:00:00Z", shares: 4, impressions: 50 },
    { post_id: "p3", captured_at: "2026-01-11", shares: 6, impressions: 300 },
    { post_id: "p5", captured_at: "2026-02-03", shares: 9, impressions: 90 },
  ],
  social_follower_snapshots: [
    { network: "linkedin", captured_at: "2025-12-25", followers: 1000 },
    { network: "linkedin", captured_at: "2026-01-15", followers: 1100 },
    { network: "linkedin", captured_at: "2026-02-01", followers: 1300 },
    { network: "twitter", captured_at: "2026-01-08", followers: 500 },
    { network: "twitter", captured_at: "2026-01-29", followers: 530 },
    { network: "facebook", captured_at: "2025-11-01", followers: 200 },
    { network: "instagram", captured_at: "2026-02-10", followers: 70 },
  ],
};

describe.each(engines())("content shares on %s", (engine) => {
  let f: LoadedFixture;
  let bare: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
    bare = await loadFixture(engine, { ...BASE, leads: [lead({ id: "x", created_at: "2026-01-02" })] });
  });
  afterAll(async () => {
    await f?.dispose();
    await bare?.dispose();
  });

  test("shares per post and network as of the end of the period, next to followers", async () => {
    const r = await report(f.store, contentShares, { period: "2026-01", grain: "week" });
    expect(r.result).toMatchObject({
      posts: 4,
      shares: 17,
      sharesPerPost: 4.25,
      impressions: 720,
      impressionsPerPost: 180,
      followers: 1830,
      followerChange: 130,
    });
    expect(r.result.byNetwork).toEqual([
      {
        network: "facebook",
        posts: 0,
        shares: 0,
        sharesPerPost: null,
        impressions: 0,
        impressionsPerPost: null,
        followers: 200,
        followerChange: 0,
      },
      {
        network: "linkedin",
        posts: 2,
        shares: 11,
        sharesPerPost: 5.5,
        impressions: 420,
        impressionsPerPost: 210,
        followers: 1100,
        followerChange: 100,
      },
      {
        network: "twitter",
        posts: 2,
        shares: 6,
        sharesPerPost: 3,
        impressions: 300,
        impressionsPerPost: 150,
        followers: 530,
        followerChange: 30,
      },
    ]);
    expect(r.result.topPosts).toEqual([
      {
        id: "p1",
        network: "linkedin",
        published: "2026-01-05T00:00:00.000Z",
        url: "https://l.example/p1",
        shares: 10,
        impressions: 400,
      },
      {
        id: "p3",
        network: "twitter",
        published: "2026-01-10T00:00:00.000Z",
        url: "https://t.example/p3",
        shares: 6,
        impressions: 300,
      },
      {
        id: "p2",
        network: "linkedin",
        published: "2026-01-31T12:00:00.000Z",
        url: "https://l.example/p2",
        shares: 1,
        impressions: 20,
      },
      { id: "p4", network: "twitter", published: "2026-01-15T00:00:00.000Z", url: null, shares: 0, impressions: 0 },
    ]);
    // Weeks start on Monday: 2025-12-29 (none), 01-05 (p1 Mon, p3 Sat: 16 shares), 01-12 (p4: 0),
    // 01-19 (none), 01-26 (p2: 1).
    expect(r.result.trend).toEqual([
      { bucket: "2025-12-29T00:00:00.000Z", posts: 0, shares: 0, sharesPerPost: null },
      { bucket: "2026-01-05T00:00:00.000Z", posts: 2, shares: 16, sharesPerPost: 8 },
      { bucket: "2026-01-12T00:00:00.000Z", posts: 1, shares: 0, sharesPerPost: 0 },
      { bucket: "2026-01-19T00:00:00.000Z", posts: 0, shares: 0, sharesPerPost: null },
      { bucket: "2026-01-26T00:00:00.000Z", posts: 1, shares: 1, sharesPerPost: 1 },
    ]);
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["sharesPerPost", 4.25],
      ["shares", 17],
      ["posts", 4],
    ]);
    // Shares per post is 17 shares over 4 posts (events per exposure), the shares in 3 posts'
    // clusters; the two counts are their own n.
    expect(r.result.shareClusters).toEqual({ clusters: 3, sumOfSquares: 137 });
    expect(r.headlines.map((h) => [h.key, h.evidence])).toEqual([
      ["sharesPerPost", { kind: "per", events: 17, exposure: 4, clusters: 3, sumOfSquares: 137 }],
      ["shares", { kind: "count", n: 17, clusters: 3, sumOfSquares: 137 }],
      ["posts", { kind: "count", n: 4 }],
    ]);
    // The trend's view shows the shares beside the posts.
    const trend = contentShares.views(r.result)[2];
    expect(trend?.rows[1]).toEqual({ bucket: "2026-01-05T00:00:00.000Z", posts: 2, shares: 16, sharesPerPost: 8 });
  });

  test("compares with the previous month, vanity numbers beside it", async () => {
    // December: p0 only, read as of 01-01 from its 12-21 snapshot: 40 shares (the 01-10 reading is later).
    const r = await report(f.store, contentShares, { period: "2026-01", compare: "previous" });
    expect(r.previous).toMatchObject({ posts: 1, shares: 40, sharesPerPost: 40, impressions: 1000 });
    // linkedin at the end of December: 1000 (12-25), start: none before December, first reading in it -> +0;
    // facebook 200 (+0); twitter not read yet.
    expect(r.previous).toMatchObject({ followers: 1200, followerChange: 0 });
    expect(r.headlines[0]).toMatchObject({ key: "sharesPerPost", value: 4.25, previous: 40, change: -0.89375 });
    // Vanity: followers 1830 (Dec: 1200); impressions gained in January: p1 400 + p2 20 + p3 300 + p0 (1200 - 1000).
    expect(r.vanity.map((v) => [v.id, v.value, v.previous])).toEqual([
      ["followers", 1830, 1200],
      ["impressions", 920, 1000],
    ]);
    // Followers are a level at the end of each month; impressions gained a count clustered by
    // post: January 4 posts, 400² + 20² + 300² + 200² = 290,400; December p0 alone, 1000².
    expect(r.vanity.map((v) => [v.id, v.evidence, v.previousEvidence])).toEqual([
      ["followers", { kind: "level", n: 1830 }, { kind: "level", n: 1200 }],
      [
        "impressions",
        { kind: "count", n: 920, clusters: 4, sumOfSquares: 290_400 },
        { kind: "count", n: 1000, clusters: 1, sumOfSquares: 1_000_000 },
      ],
    ]);
    // December's shares: p0's 40, one cluster.
    expect(r.headlines[0]?.previousEvidence).toEqual({
      kind: "per",
      events: 40,
      exposure: 1,
      clusters: 1,
      sumOfSquares: 1600,
    });
  });

  test("an empty period has no posts and no rates", async () => {
    const r = await report(f.store, contentShares, { period: "2024-01", grain: "month" });
    // No posts: nothing to divide by (no evidence); the counts are 0 with n 0.
    expect(r.headlines.map((h) => h.evidence)).toEqual([
      null,
      { kind: "count", n: 0, clusters: 0, sumOfSquares: 0 },
      { kind: "count", n: 0 },
    ]);
    expect(r.result).toEqual({
      posts: 0,
      shares: 0,
      sharesPerPost: null,
      impressions: 0,
      impressionsPerPost: null,
      followers: null,
      followerChange: null,
      byNetwork: [],
      shareClusters: { clusters: 0, sumOfSquares: 0 },
      topPosts: [],
      trend: [{ bucket: "2024-01-01T00:00:00.000Z", posts: 0, shares: 0, sharesPerPost: null }],
    });
  });

  test("without social data loaded, the numbers are unknown, not zero", async () => {
    const r = await report(bare.store, contentShares, { period: "2026-01" });
    expect(r.result).toMatchObject({ posts: null, shares: null, sharesPerPost: null, byNetwork: [] });
    expect(r.unsupported.map((u) => u.capability)).toEqual(["social"]);
    expect(r.headlines.map((h) => h.evidence)).toEqual([null, null, null]);
  });
});
