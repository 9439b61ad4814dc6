/**
 * Content shares: the period's posts with their latest snapshot before the end of the
 * period, per network, the top 10 and per grain bucket; followers per network at the end and
 * the start. Plain SQL over posts and snapshots.
 */
import type { ContentSharesResult } from "../../src/metrics/definitions/content-shares.js";
import type { Baseline } from "./types.js";

export const baseline: Baseline = {
  metric: "content-shares",
  queries: (p) => {
    const posts = `WITH p AS (
        SELECT id, network, published_at FROM social_posts
        WHERE workspace_id = $1 AND published_at >= CAST($2 AS TIMESTAMP) AND published_at < CAST($3 AS TIMESTAMP)
      ),
      s AS (
        SELECT s.post_id, s.shares, s.impressions,
          row_number() OVER (PARTITION BY s.post_id ORDER BY s.captured_at DESC) AS rn
        FROM social_post_snapshots s JOIN p ON p.id = s.post_id
        WHERE s.workspace_id = $1 AND s.captured_at < CAST($3 AS TIMESTAMP)
      ),
      t AS (
        SELECT p.id, p.network, p.published_at, COALESCE(s.shares, 0) AS shares, COALESCE(s.impressions, 0) AS impressions
        FROM p LEFT JOIN s ON s.post_id = p.id AND s.rn = 1
      )`;
    const values = [p.workspace, p.start, p.end];
    return [
      {
        text: `${posts},
          per_network AS (SELECT network, count(*) AS posts, sum(shares) AS shares, sum(impressions) AS impressions FROM t GROUP BY 1),
          top AS (SELECT id FROM t ORDER BY shares DESC, published_at, id LIMIT 10),
          trend AS (SELECT date_trunc('${p.ctx.grain}', published_at) AS bucket, count(*) AS posts, sum(shares) AS shares FROM t GROUP BY 1)
          SELECT 'network' AS kind, network AS k, posts, shares, impressions FROM per_network
          UNION ALL SELECT 'top', id, NULL, NULL, NULL FROM top
          UNION ALL SELECT 'trend', CAST(bucket AS TEXT), posts, shares, NULL FROM trend`,
        values,
      },
      {
        text: `WITH f AS (
                 SELECT network, captured_at, followers,
                   row_number() OVER (PARTITION BY network ORDER BY CASE WHEN captured_at < CAST($3 AS TIMESTAMP) THEN 0 ELSE 1 END, captured_at DESC) AS at_end,
                   row_number() OVER (PARTITION BY network ORDER BY CASE WHEN captured_at < CAST($2 AS TIMESTAMP) THEN 0 ELSE 1 END,
                     CASE WHEN captured_at < CAST($2 AS TIMESTAMP) THEN captured_at END DESC, captured_at) AS at_start
                 FROM social_follower_snapshots WHERE workspace_id = $1
               )
               SELECT e.network, e.followers AS at_end, b.followers AS at_start FROM f e
               LEFT JOIN f b ON b.network = e.network AND b.at_start = 1 AND b.captured_at < CAST($3 AS TIMESTAMP)
               WHERE e.at_end = 1 AND e.captured_at < CAST($3 AS TIMESTAMP)`,
        values,
      },
    ];
  },
  check: (result, rows) => {
    const r = result as ContentSharesResult;
    const [posts = [], followers = []] = rows;
    const n = (v: unknown) => Number(v ?? 0);
    const networks = posts.filter((x) => x.kind === "network");
    const mine = {
      posts: networks.reduce((a, x) => a + n(x.posts), 0),
      shares: networks.reduce((a, x) => a + n(x.shares), 0),
      impressions: networks.reduce((a, x) => a + n(x.impressions), 0),
      top: posts
        .filter((x) => x.kind === "top")
        .map((x) => x.k)
        .sort(),
      trendPosts: posts.filter((x) => x.kind === "trend").reduce((a, x) => a + n(x.posts), 0),
      followers: followers.length ? followers.reduce((a, f) => a + n(f.at_end), 0) : null,
    };
    const theirs = {
      posts: r.posts,
      shares: r.shares,
      impressions: r.impressions,
      top: r.topPosts.map((t) => t.id).sort(),
      trendPosts: r.trend.reduce((a, t) => a + t.posts, 0),
      followers: r.followers,
    };
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      throw new Error(`content-shares baseline disagrees:\n${JSON.stringify(mine)}\n${JSON.stringify(theirs)}`);
    }
  },
};
