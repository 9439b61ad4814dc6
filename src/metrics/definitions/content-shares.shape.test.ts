/**
 * Content shares' shape (METRICS.md 7) from rows written by hand: no database. The
 * statement's SQL is pinned in src/metrics/sql/content-shares.*.sql; content-shares.test.ts
 * runs it on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../../test/support/pure-metric-inputs.js";
import type { MetricDefinition, Statements } from "../metric.js";
import { contentShares } from "./content-shares.js";

function split<R, S extends Statements>(definition: MetricDefinition<R, S>): MetricDefinition<R, S> {
  return definition;
}
const { build, shape } = split(contentShares);
// 2026-Q2 in months: April, May, June.
const input = fixtureInput("duckdb");

const NONE = {
  network: null,
  id: null,
  bucket: null,
  published_at: null,
  url: null,
  posts: 0,
  shares: null,
  impressions: null,
  rank: null,
  at_end: null,
  at_start: null,
  clusters: null,
  sum_of_squares: null,
};
const network = (
  name: string,
  posts: number,
  shares: number,
  impressions: number,
  clusters: number,
  squares: string,
) => ({
  ...NONE,
  kind: "network" as const,
  network: name,
  posts,
  shares,
  impressions,
  clusters,
  sum_of_squares: squares,
});
const top = (rank: number, id: string, name: string, shares: number) => ({
  ...NONE,
  kind: "top" as const,
  network: name,
  id,
  published_at: `2026-05-0${rank}T00:00:00.000Z`,
  shares,
  impressions: shares * 10,
  rank,
});
const followers = (name: string, atEnd: number, atStart: number | null) => ({
  ...NONE,
  kind: "followers" as const,
  network: name,
  at_end: atEnd,
  at_start: atStart,
});

// linkedin: 3 posts, 6 shares (posts of 4, 2, 0: 2 clusters, squares 16 + 4 = 20), 300 impressions;
//   followers 130, 100 before the period -> +30.
// twitter: 1 post, 1 share (1 cluster, squares 1), 50 impressions; followers 40, first read
//   during the period (no reading before it) -> no change.
// youtube: followers only, 10 -> 7: -3 (no posts in the period).
// Totals: 4 posts, 7 shares (7/4 per post), 350 impressions, followers 130 + 40 + 7 = 177, change 30 - 3 = 27.
const ROWS = [
  { ...NONE, kind: "trend" as const, bucket: "2026-05-01T00:00:00.000Z", posts: 3, shares: 6, impressions: 300 },
  top(2, "p2", "linkedin", 2),
  network("twitter", 1, 1, 50, 1, "1"),
  followers("youtube", 7, 10),
  top(1, "p1", "linkedin", 4),
  network("linkedin", 3, 6, 300, 2, "20"),
  followers("twitter", 40, null),
  { ...NONE, kind: "trend" as const, bucket: "2026-06-01T00:00:00.000Z", posts: 1, shares: 1, impressions: 50 },
  followers("linkedin", 130, 100),
];

describe("content shares' shape", () => {
  test("sorts the one statement's rows by kind: networks with their followers, totals, top posts, trend", () => {
    const r = shape({ posts: ROWS }, input);
    expect([r.posts, r.shares, r.impressions, r.sharesPerPost, r.impressionsPerPost]).toEqual([
      4,
      7,
      350,
      7 / 4,
      350 / 4,
    ]);
    // The followers sum over networks; the change only over the networks that have one.
    expect([r.followers, r.followerChange]).toEqual([177, 27]);
    expect(
      r.byNetwork.map((n) => [n.network, n.posts, n.shares, n.sharesPerPost, n.followers, n.followerChange]),
    ).toEqual([
      ["linkedin", 3, 6, 2, 130, 30],
      ["twitter", 1, 1, 1, 40, null],
      // A network with followers and no posts: its counts are zeros, its shares per post unknown.
      ["youtube", 0, 0, null, 7, -3],
    ]);
    expect(r.shareClusters).toEqual({ clusters: 3, sumOfSquares: 21 });
    // By rank, whatever order the rows came in.
    expect(r.topPosts.map((p) => [p.id, p.shares, p.impressions])).toEqual([
      ["p1", 4, 40],
      ["p2", 2, 20],
    ]);
    // Every month of the quarter, April without posts.
    expect(r.trend).toEqual([
      { bucket: "2026-04-01T00:00:00.000Z", posts: 0, shares: 0, sharesPerPost: null },
      { bucket: "2026-05-01T00:00:00.000Z", posts: 3, shares: 6, sharesPerPost: 2 },
      { bucket: "2026-06-01T00:00:00.000Z", posts: 1, shares: 1, sharesPerPost: 1 },
    ]);
  });

  test("without follower readings the followers are unknown, not 0", () => {
    const r = shape({ posts: ROWS.filter((row) => row.kind !== "followers") }, input);
    expect([r.followers, r.followerChange, r.posts]).toEqual([null, null, 4]);
  });

  test("nothing to ask without posts loaded: the counts are unknown, not 0", () => {
    const none = fixtureInput("duckdb", "empty");
    expect(build(none)).toBeNull();
    const r = shape(null, none);
    expect([r.posts, r.shares, r.sharesPerPost, r.followers, r.shareClusters]).toEqual([null, null, null, null, null]);
    expect(r.trend).toEqual([]);
  });
});
