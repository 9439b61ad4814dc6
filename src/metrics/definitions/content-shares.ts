/**
 * METRICS.md 7: content shares, in place of social audience size (vanity 6, followers) and
 * social impressions (vanity 7).
 *
 * Post counters are cumulative snapshots, so a post's shares "as of" a moment are those of
 * its latest snapshot before that moment. Posts are taken by when they were published, and
 * read as of the end of the period: what the period's content earned, not what older posts
 * kept collecting.
 */
import { sql } from "../../store/sql.js";
import { bucketsOf } from "../buckets.js";
import { clusterColumns, countEvidence, perEvidence, squaresTotal } from "../evidence.js";
import { type MetricContext, type MetricDefinition, type MetricInput, type RowsOf, statement } from "../metric.js";
import type { ContentSharesResult, ContentSharesRow } from "../results/content-shares.js";
import { bucket, inPeriod, ts } from "../sql-parts.js";

// What it answers is declared type-only in results/content-shares.ts (shared with the dashboard).
export type { ContentSharesResult, ContentSharesRow } from "../results/content-shares.js";

type PostCounts = { posts: number; shares: number | null; impressions: number | null };
type FollowerRow = { network: string; at_end: number | null; at_start: number | null };
/** One row of the posts statement: a network's posts, a trend bucket, a top post or a network's followers. */
type PostRow = PostCounts & {
  kind: "network" | "top" | "trend" | "followers";
  at_end: number | null;
  at_start: number | null;
  network: string | null;
  id: string | null;
  bucket: string | null;
  published_at: string | null;
  url: string | null;
  rank: number | null;
  clusters: number | null;
  /** Exact integer text (evidence.ts clusterColumns). */
  sum_of_squares: string | number | null;
};

const TOP_POSTS = 10;

function per(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

function row(counts: PostCounts | undefined, followers: FollowerRow | undefined): ContentSharesRow {
  const posts = counts?.posts ?? 0;
  const shares = counts?.shares ?? 0;
  const impressions = counts?.impressions ?? 0;
  const atEnd = followers?.at_end ?? null;
  const atStart = followers?.at_start ?? null;
  return {
    posts,
    shares,
    sharesPerPost: per(shares, posts),
    impressions,
    impressionsPerPost: per(impressions, posts),
    followers: atEnd,
    followerChange: atEnd === null || atStart === null ? null : atEnd - atStart,
  };
}

function empty(): ContentSharesResult {
  return {
    posts: null,
    shares: null,
    sharesPerPost: null,
    impressions: null,
    impressionsPerPost: null,
    followers: null,
    followerChange: null,
    byNetwork: [],
    shareClusters: null,
    topPosts: [],
    trend: [],
  };
}

/**
 * The period's posts with their counters as of the end of the period. A post without a
 * snapshot before then has 0 (nobody read its counters yet).
 */
function postTotals(ctx: MetricContext) {
  const w = ctx.workspace;
  return sql`
  period_posts AS (
    SELECT id, network, published_at, url FROM social_posts
    WHERE workspace_id = ${w} AND ${inPeriod(ctx, sql`published_at`)}
  ),
  latest AS (
    SELECT s.post_id, max(s.captured_at) AS captured_at FROM social_post_snapshots s
    JOIN period_posts p ON p.id = s.post_id
    WHERE s.workspace_id = ${w} AND s.captured_at < ${ts(ctx.period.end)}
    GROUP BY s.post_id
  ),
  post_totals AS (
    SELECT p.id, p.network, p.published_at, p.url,
      COALESCE(s.shares, 0) AS shares, COALESCE(s.impressions, 0) AS impressions
    FROM period_posts p
    LEFT JOIN latest l ON l.post_id = p.id
    LEFT JOIN social_post_snapshots s ON s.workspace_id = ${w} AND s.post_id = l.post_id AND s.captured_at = l.captured_at
  )`;
}

/** One statement (posts); null without posts loaded. */
function build({ ctx }: MetricInput) {
  // Without posts loaded there is nothing to count; zeros would claim nothing was shared.
  if (!ctx.capabilities.has("social")) return null;
  const w = ctx.workspace;
  // The posts' figures per network, the top posts, the trend and the followers in one
  // statement (four statements recomputed the posts' latest snapshots three times).
  // Followers per network: the latest reading before the end of the period, and the latest
  // before its start; a network first read during the period starts from its first reading.
  const posts = statement<PostRow>(sql`
    WITH ${postTotals(ctx)},
    marks AS (
      SELECT network,
        max(CASE WHEN captured_at < ${ts(ctx.period.end)} THEN captured_at END) AS end_mark,
        COALESCE(
          max(CASE WHEN captured_at < ${ts(ctx.period.start)} THEN captured_at END),
          min(CASE WHEN ${inPeriod(ctx, sql`captured_at`)} THEN captured_at END)
        ) AS start_mark
      FROM social_follower_snapshots WHERE workspace_id = ${w}
      GROUP BY network
    )
    SELECT 'network' AS kind, network, CAST(NULL AS TEXT) AS id, CAST(NULL AS TIMESTAMP) AS bucket,
      CAST(NULL AS TIMESTAMP) AS published_at, CAST(NULL AS TEXT) AS url,
      count(*) AS posts, sum(shares) AS shares, sum(impressions) AS impressions, CAST(NULL AS BIGINT) AS rank,
      CAST(NULL AS BIGINT) AS at_end, CAST(NULL AS BIGINT) AS at_start, ${clusterColumns(sql`shares`)}
    FROM post_totals GROUP BY network
    UNION ALL
    SELECT 'trend', NULL, NULL, ${bucket(ctx.grain, sql`published_at`)}, NULL, NULL,
      count(*), sum(shares), sum(impressions), NULL, NULL, NULL, NULL, NULL
    FROM post_totals GROUP BY ${bucket(ctx.grain, sql`published_at`)}
    UNION ALL
    SELECT 'top', network, id, NULL, published_at, url, NULL, shares, impressions, rank, NULL, NULL, NULL, NULL FROM (
      SELECT network, id, published_at, url, shares, impressions,
        row_number() OVER (ORDER BY shares DESC, published_at, id) AS rank
      FROM post_totals
    ) ranked WHERE rank <= ${TOP_POSTS}
    UNION ALL
    SELECT 'followers', m.network, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.followers, b.followers, NULL, NULL
    FROM marks m
    LEFT JOIN social_follower_snapshots e ON e.workspace_id = ${w} AND e.network = m.network AND e.captured_at = m.end_mark
    LEFT JOIN social_follower_snapshots b ON b.workspace_id = ${w} AND b.network = m.network AND b.captured_at = m.start_mark
    WHERE m.end_mark IS NOT NULL`);
  return { posts };
}

type ContentSharesStatements = NonNullable<ReturnType<typeof build>>;

/** Sorts the posts statement's rows by kind and folds them into networks, totals, top posts and the trend. */
function shape(rows: RowsOf<ContentSharesStatements> | null, { ctx }: MetricInput): ContentSharesResult {
  if (rows === null) return empty();
  const postRows = rows.posts;
  const followers = postRows.filter((r) => r.kind === "followers") as (FollowerRow & PostRow)[];
  const networks = postRows.filter((r) => r.kind === "network") as (PostRow & { network: string })[];
  const top = postRows.filter((r) => r.kind === "top").sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0)) as (PostRow & {
    id: string;
    network: string;
    published_at: string;
  })[];
  const trendRows = postRows.filter((r) => r.kind === "trend") as (PostCounts & { bucket: string })[];
  const postsBy = new Map(networks.map((n) => [n.network, n]));
  const followersBy = new Map(followers.map((f) => [f.network, f]));
  const names = [...new Set([...postsBy.keys(), ...followersBy.keys()])].sort();
  const byNetwork = names.map((network) => ({ network, ...row(postsBy.get(network), followersBy.get(network)) }));
  const sum = (values: (number | null)[]) =>
    values.some((v) => v !== null) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : null;
  const total: PostCounts = {
    posts: byNetwork.reduce((a, n) => a + n.posts, 0),
    shares: byNetwork.reduce((a, n) => a + n.shares, 0),
    impressions: byNetwork.reduce((a, n) => a + n.impressions, 0),
  };
  const byBucket = new Map(trendRows.map((t) => [t.bucket, t]));
  return {
    ...row(total, undefined),
    // Overall followers: the sum over networks; the change sums the networks that have one.
    followers: sum(byNetwork.map((n) => n.followers)),
    followerChange: sum(byNetwork.map((n) => n.followerChange)),
    byNetwork,
    // Added up exactly over the networks (rows come in no set order; evidence.ts squaresTotal).
    shareClusters: {
      clusters: networks.reduce((a, n) => a + Number(n.clusters ?? 0), 0),
      sumOfSquares: squaresTotal(networks.map((n) => n.sum_of_squares)),
    },
    topPosts: top.map((p) => ({
      id: p.id,
      network: p.network,
      published: p.published_at,
      url: p.url,
      shares: p.shares ?? 0,
      impressions: p.impressions ?? 0,
    })),
    trend: bucketsOf(ctx).map((start) => {
      const t = byBucket.get(start);
      const posts = t?.posts ?? 0;
      const shares = t?.shares ?? 0;
      return { bucket: start, posts, shares, sharesPerPost: per(shares, posts) };
    }),
  };
}

export const contentShares: MetricDefinition<ContentSharesResult, ContentSharesStatements> = {
  id: "content-shares",
  title: "Content shares",
  why:
    "Followers can be bought with a giveaway and impressions come with them; neither says anyone cared. " +
    "A share is a reader putting their own name behind a post, in front of people like them. Shares per " +
    "post says whether the content earns attention, next to the follower count that tempts people to think it does.",
  definition:
    "Posts are those published in the period. Their shares and impressions are read from each post's latest " +
    "snapshot captured before the end of the period (counters are cumulative; a post without a snapshot yet " +
    "counts 0), so posts published late in a period have had less time to collect shares, the same way in every " +
    "period. Shares per post is shares / posts published, per network and overall. Followers are the latest " +
    "reading before the end of the period per network, summed over networks; the follower change is that less " +
    "the latest reading before the start of the period (a network first read during the period starts from its " +
    "first reading there). The trend groups posts by when they were published, read as of the end of the period. " +
    "Top posts are the 10 with the most shares (ties: earlier first). Lead filters do not apply.",
  replaces: ["followers", "impressions"],
  needs: ["social"],
  area: "social",
  leadFilters: false,
  readsSupport: false,
  build,
  shape,
  headlines: (r) => [
    {
      key: "sharesPerPost",
      label: "Shares per post",
      value: r.sharesPerPost,
      format: "number",
      // Shares per post published: events over exposure, the shares clustered by post (a post
      // that catches on is shared many times, one that does not by nobody).
      evidence: perEvidence(r.shares, r.posts, r.shareClusters),
    },
    {
      key: "shares",
      label: "Shares",
      value: r.shares,
      format: "count",
      evidence: countEvidence(r.shares, r.shareClusters),
    },
    { key: "posts", label: "Posts", value: r.posts, format: "count", evidence: countEvidence(r.posts) },
  ],
  views: (r) => [
    {
      title: "Shares per network, next to followers",
      columns: [
        { key: "network", label: "Network", format: "text" },
        { key: "posts", label: "Posts", format: "count" },
        { key: "shares", label: "Shares", format: "count" },
        { key: "sharesPerPost", label: "Shares/post", format: "number" },
        { key: "impressions", label: "Impressions", format: "count" },
        { key: "followers", label: "Followers", format: "count" },
        { key: "followerChange", label: "Change", format: "count" },
      ],
      rows: [...r.byNetwork, { ...r, network: "all" }].map((n) => ({
        network: n.network,
        posts: n.posts,
        shares: n.shares,
        sharesPerPost: n.sharesPerPost,
        impressions: n.impressions,
        followers: n.followers,
        followerChange: n.followerChange,
      })),
    },
    {
      title: "Most shared posts",
      columns: [
        { key: "published", label: "Published", format: "date" },
        { key: "network", label: "Network", format: "text" },
        { key: "id", label: "Post", format: "text" },
        { key: "shares", label: "Shares", format: "count" },
        { key: "impressions", label: "Impressions", format: "count" },
      ],
      rows: r.topPosts.map(({ published, network, id, shares, impressions }) => ({
        published,
        network,
        id,
        shares,
        impressions,
      })),
    },
    {
      title: "Posts and shares per post",
      columns: [
        { key: "bucket", label: "From", format: "date" },
        { key: "posts", label: "Posts", format: "count" },
        { key: "shares", label: "Shares", format: "count" },
        { key: "sharesPerPost", label: "Shares/post", format: "number" },
      ],
      // The shares beside the posts: the two counts shares per post is formed from.
      rows: r.trend.map(({ bucket, posts, shares, sharesPerPost }) => ({ bucket, posts, shares, sharesPerPost })),
    },
  ],
};
