-- content-shares on duckdb: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: posts
    WITH
  period_posts AS (
    SELECT id, network, published_at, url FROM social_posts
    WHERE workspace_id = $1 AND (published_at >= CAST($2 AS TIMESTAMP) AND published_at < CAST($3 AS TIMESTAMP))
  ),
  latest AS (
    SELECT s.post_id, max(s.captured_at) AS captured_at FROM social_post_snapshots s
    JOIN period_posts p ON p.id = s.post_id
    WHERE s.workspace_id = $4 AND s.captured_at < CAST($5 AS TIMESTAMP)
    GROUP BY s.post_id
  ),
  post_totals AS (
    SELECT p.id, p.network, p.published_at, p.url,
      COALESCE(s.shares, 0) AS shares, COALESCE(s.impressions, 0) AS impressions
    FROM period_posts p
    LEFT JOIN latest l ON l.post_id = p.id
    LEFT JOIN social_post_snapshots s ON s.workspace_id = $6 AND s.post_id = l.post_id AND s.captured_at = l.captured_at
  ),
    marks AS (
      SELECT network,
        max(CASE WHEN captured_at < CAST($7 AS TIMESTAMP) THEN captured_at END) AS end_mark,
        COALESCE(
          max(CASE WHEN captured_at < CAST($8 AS TIMESTAMP) THEN captured_at END),
          min(CASE WHEN (captured_at >= CAST($9 AS TIMESTAMP) AND captured_at < CAST($10 AS TIMESTAMP)) THEN captured_at END)
        ) AS start_mark
      FROM social_follower_snapshots WHERE workspace_id = $11
      GROUP BY network
    )
    SELECT 'network' AS kind, network, CAST(NULL AS TEXT) AS id, CAST(NULL AS TIMESTAMP) AS bucket,
      CAST(NULL AS TIMESTAMP) AS published_at, CAST(NULL AS TEXT) AS url,
      count(*) AS posts, sum(shares) AS shares, sum(impressions) AS impressions, CAST(NULL AS BIGINT) AS rank,
      CAST(NULL AS BIGINT) AS at_end, CAST(NULL AS BIGINT) AS at_start, count(CASE WHEN shares <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(shares AS BIGINT)) * (CAST(shares AS BIGINT))) AS TEXT) AS sum_of_squares
    FROM post_totals GROUP BY network
    UNION ALL
    SELECT 'trend', NULL, NULL, CAST(date_trunc('month', published_at) AS TIMESTAMP), NULL, NULL,
      count(*), sum(shares), sum(impressions), NULL, NULL, NULL, NULL, NULL
    FROM post_totals GROUP BY CAST(date_trunc('month', published_at) AS TIMESTAMP)
    UNION ALL
    SELECT 'top', network, id, NULL, published_at, url, NULL, shares, impressions, rank, NULL, NULL, NULL, NULL FROM (
      SELECT network, id, published_at, url, shares, impressions,
        row_number() OVER (ORDER BY shares DESC, published_at, id) AS rank
      FROM post_totals
    ) ranked WHERE rank <= $12
    UNION ALL
    SELECT 'followers', m.network, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.followers, b.followers, NULL, NULL
    FROM marks m
    LEFT JOIN social_follower_snapshots e ON e.workspace_id = $13 AND e.network = m.network AND e.captured_at = m.end_mark
    LEFT JOIN social_follower_snapshots b ON b.workspace_id = $14 AND b.network = m.network AND b.captured_at = m.start_mark
    WHERE m.end_mark IS NOT NULL
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture",10,"fixture","fixture"]

-- variant: filtered
-- statement: posts
    WITH
  period_posts AS (
    SELECT id, network, published_at, url FROM social_posts
    WHERE workspace_id = $1 AND (published_at >= CAST($2 AS TIMESTAMP) AND published_at < CAST($3 AS TIMESTAMP))
  ),
  latest AS (
    SELECT s.post_id, max(s.captured_at) AS captured_at FROM social_post_snapshots s
    JOIN period_posts p ON p.id = s.post_id
    WHERE s.workspace_id = $4 AND s.captured_at < CAST($5 AS TIMESTAMP)
    GROUP BY s.post_id
  ),
  post_totals AS (
    SELECT p.id, p.network, p.published_at, p.url,
      COALESCE(s.shares, 0) AS shares, COALESCE(s.impressions, 0) AS impressions
    FROM period_posts p
    LEFT JOIN latest l ON l.post_id = p.id
    LEFT JOIN social_post_snapshots s ON s.workspace_id = $6 AND s.post_id = l.post_id AND s.captured_at = l.captured_at
  ),
    marks AS (
      SELECT network,
        max(CASE WHEN captured_at < CAST($7 AS TIMESTAMP) THEN captured_at END) AS end_mark,
        COALESCE(
          max(CASE WHEN captured_at < CAST($8 AS TIMESTAMP) THEN captured_at END),
          min(CASE WHEN (captured_at >= CAST($9 AS TIMESTAMP) AND captured_at < CAST($10 AS TIMESTAMP)) THEN captured_at END)
        ) AS start_mark
      FROM social_follower_snapshots WHERE workspace_id = $11
      GROUP BY network
    )
    SELECT 'network' AS kind, network, CAST(NULL AS TEXT) AS id, CAST(NULL AS TIMESTAMP) AS bucket,
      CAST(NULL AS TIMESTAMP) AS published_at, CAST(NULL AS TEXT) AS url,
      count(*) AS posts, sum(shares) AS shares, sum(impressions) AS impressions, CAST(NULL AS BIGINT) AS rank,
      CAST(NULL AS BIGINT) AS at_end, CAST(NULL AS BIGINT) AS at_start, count(CASE WHEN shares <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(shares AS BIGINT)) * (CAST(shares AS BIGINT))) AS TEXT) AS sum_of_squares
    FROM post_totals GROUP BY network
    UNION ALL
    SELECT 'trend', NULL, NULL, CAST(date_trunc('week', published_at) AS TIMESTAMP), NULL, NULL,
      count(*), sum(shares), sum(impressions), NULL, NULL, NULL, NULL, NULL
    FROM post_totals GROUP BY CAST(date_trunc('week', published_at) AS TIMESTAMP)
    UNION ALL
    SELECT 'top', network, id, NULL, published_at, url, NULL, shares, impressions, rank, NULL, NULL, NULL, NULL FROM (
      SELECT network, id, published_at, url, shares, impressions,
        row_number() OVER (ORDER BY shares DESC, published_at, id) AS rank
      FROM post_totals
    ) ranked WHERE rank <= $12
    UNION ALL
    SELECT 'followers', m.network, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.followers, b.followers, NULL, NULL
    FROM marks m
    LEFT JOIN social_follower_snapshots e ON e.workspace_id = $13 AND e.network = m.network AND e.captured_at = m.end_mark
    LEFT JOIN social_follower_snapshots b ON b.workspace_id = $14 AND b.network = m.network AND b.captured_at = m.start_mark
    WHERE m.end_mark IS NOT NULL
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture",10,"fixture","fixture"]

-- variant: unsupported
-- statement: posts
    WITH
  period_posts AS (
    SELECT id, network, published_at, url FROM social_posts
    WHERE workspace_id = $1 AND (published_at >= CAST($2 AS TIMESTAMP) AND published_at < CAST($3 AS TIMESTAMP))
  ),
  latest AS (
    SELECT s.post_id, max(s.captured_at) AS captured_at FROM social_post_snapshots s
    JOIN period_posts p ON p.id = s.post_id
    WHERE s.workspace_id = $4 AND s.captured_at < CAST($5 AS TIMESTAMP)
    GROUP BY s.post_id
  ),
  post_totals AS (
    SELECT p.id, p.network, p.published_at, p.url,
      COALESCE(s.shares, 0) AS shares, COALESCE(s.impressions, 0) AS impressions
    FROM period_posts p
    LEFT JOIN latest l ON l.post_id = p.id
    LEFT JOIN social_post_snapshots s ON s.workspace_id = $6 AND s.post_id = l.post_id AND s.captured_at = l.captured_at
  ),
    marks AS (
      SELECT network,
        max(CASE WHEN captured_at < CAST($7 AS TIMESTAMP) THEN captured_at END) AS end_mark,
        COALESCE(
          max(CASE WHEN captured_at < CAST($8 AS TIMESTAMP) THEN captured_at END),
          min(CASE WHEN (captured_at >= CAST($9 AS TIMESTAMP) AND captured_at < CAST($10 AS TIMESTAMP)) THEN captured_at END)
        ) AS start_mark
      FROM social_follower_snapshots WHERE workspace_id = $11
      GROUP BY network
    )
    SELECT 'network' AS kind, network, CAST(NULL AS TEXT) AS id, CAST(NULL AS TIMESTAMP) AS bucket,
      CAST(NULL AS TIMESTAMP) AS published_at, CAST(NULL AS TEXT) AS url,
      count(*) AS posts, sum(shares) AS shares, sum(impressions) AS impressions, CAST(NULL AS BIGINT) AS rank,
      CAST(NULL AS BIGINT) AS at_end, CAST(NULL AS BIGINT) AS at_start, count(CASE WHEN shares <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(shares AS BIGINT)) * (CAST(shares AS BIGINT))) AS TEXT) AS sum_of_squares
    FROM post_totals GROUP BY network
    UNION ALL
    SELECT 'trend', NULL, NULL, CAST(date_trunc('month', published_at) AS TIMESTAMP), NULL, NULL,
      count(*), sum(shares), sum(impressions), NULL, NULL, NULL, NULL, NULL
    FROM post_totals GROUP BY CAST(date_trunc('month', published_at) AS TIMESTAMP)
    UNION ALL
    SELECT 'top', network, id, NULL, published_at, url, NULL, shares, impressions, rank, NULL, NULL, NULL, NULL FROM (
      SELECT network, id, published_at, url, shares, impressions,
        row_number() OVER (ORDER BY shares DESC, published_at, id) AS rank
      FROM post_totals
    ) ranked WHERE rank <= $12
    UNION ALL
    SELECT 'followers', m.network, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.followers, b.followers, NULL, NULL
    FROM marks m
    LEFT JOIN social_follower_snapshots e ON e.workspace_id = $13 AND e.network = m.network AND e.captured_at = m.end_mark
    LEFT JOIN social_follower_snapshots b ON b.workspace_id = $14 AND b.network = m.network AND b.captured_at = m.start_mark
    WHERE m.end_mark IS NOT NULL
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture",10,"fixture","fixture"]

-- variant: empty
-- (nothing to ask: no data of its kind)

-- variant: partial
-- statement: posts
    WITH
  period_posts AS (
    SELECT id, network, published_at, url FROM social_posts
    WHERE workspace_id = $1 AND (published_at >= CAST($2 AS TIMESTAMP) AND published_at < CAST($3 AS TIMESTAMP))
  ),
  latest AS (
    SELECT s.post_id, max(s.captured_at) AS captured_at FROM social_post_snapshots s
    JOIN period_posts p ON p.id = s.post_id
    WHERE s.workspace_id = $4 AND s.captured_at < CAST($5 AS TIMESTAMP)
    GROUP BY s.post_id
  ),
  post_totals AS (
    SELECT p.id, p.network, p.published_at, p.url,
      COALESCE(s.shares, 0) AS shares, COALESCE(s.impressions, 0) AS impressions
    FROM period_posts p
    LEFT JOIN latest l ON l.post_id = p.id
    LEFT JOIN social_post_snapshots s ON s.workspace_id = $6 AND s.post_id = l.post_id AND s.captured_at = l.captured_at
  ),
    marks AS (
      SELECT network,
        max(CASE WHEN captured_at < CAST($7 AS TIMESTAMP) THEN captured_at END) AS end_mark,
        COALESCE(
          max(CASE WHEN captured_at < CAST($8 AS TIMESTAMP) THEN captured_at END),
          min(CASE WHEN (captured_at >= CAST($9 AS TIMESTAMP) AND captured_at < CAST($10 AS TIMESTAMP)) THEN captured_at END)
        ) AS start_mark
      FROM social_follower_snapshots WHERE workspace_id = $11
      GROUP BY network
    )
    SELECT 'network' AS kind, network, CAST(NULL AS TEXT) AS id, CAST(NULL AS TIMESTAMP) AS bucket,
      CAST(NULL AS TIMESTAMP) AS published_at, CAST(NULL AS TEXT) AS url,
      count(*) AS posts, sum(shares) AS shares, sum(impressions) AS impressions, CAST(NULL AS BIGINT) AS rank,
      CAST(NULL AS BIGINT) AS at_end, CAST(NULL AS BIGINT) AS at_start, count(CASE WHEN shares <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(shares AS BIGINT)) * (CAST(shares AS BIGINT))) AS TEXT) AS sum_of_squares
    FROM post_totals GROUP BY network
    UNION ALL
    SELECT 'trend', NULL, NULL, CAST(date_trunc('month', published_at) AS TIMESTAMP), NULL, NULL,
      count(*), sum(shares), sum(impressions), NULL, NULL, NULL, NULL, NULL
    FROM post_totals GROUP BY CAST(date_trunc('month', published_at) AS TIMESTAMP)
    UNION ALL
    SELECT 'top', network, id, NULL, published_at, url, NULL, shares, impressions, rank, NULL, NULL, NULL, NULL FROM (
      SELECT network, id, published_at, url, shares, impressions,
        row_number() OVER (ORDER BY shares DESC, published_at, id) AS rank
      FROM post_totals
    ) ranked WHERE rank <= $12
    UNION ALL
    SELECT 'followers', m.network, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.followers, b.followers, NULL, NULL
    FROM marks m
    LEFT JOIN social_follower_snapshots e ON e.workspace_id = $13 AND e.network = m.network AND e.captured_at = m.end_mark
    LEFT JOIN social_follower_snapshots b ON b.workspace_id = $14 AND b.network = m.network AND b.captured_at = m.start_mark
    WHERE m.end_mark IS NOT NULL
-- values: ["fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2026-06-11 00:00:00.000","fixture","2026-06-11 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture",10,"fixture","fixture"]
