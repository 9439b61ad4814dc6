-- vanity impressions on postgres: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: figure
      WITH per_post AS (
        SELECT post_id,
          max(CASE WHEN captured_at < CAST($1 AS TIMESTAMP) THEN impressions END) AS at_end,
          max(CASE WHEN captured_at < CAST($2 AS TIMESTAMP) THEN impressions END) AS at_start
        FROM social_post_snapshots WHERE workspace_id = $3 GROUP BY post_id
      )
      SELECT COALESCE(sum(p.n), 0) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(p.n AS BIGINT)) * (CAST(p.n AS BIGINT))) AS TEXT) AS sum_of_squares
      FROM (SELECT COALESCE(at_end, 0) - COALESCE(at_start, 0) AS n FROM per_post) p
-- values: ["2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","fixture"]

-- variant: filtered
-- statement: figure
      WITH per_post AS (
        SELECT post_id,
          max(CASE WHEN captured_at < CAST($1 AS TIMESTAMP) THEN impressions END) AS at_end,
          max(CASE WHEN captured_at < CAST($2 AS TIMESTAMP) THEN impressions END) AS at_start
        FROM social_post_snapshots WHERE workspace_id = $3 GROUP BY post_id
      )
      SELECT COALESCE(sum(p.n), 0) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(p.n AS BIGINT)) * (CAST(p.n AS BIGINT))) AS TEXT) AS sum_of_squares
      FROM (SELECT COALESCE(at_end, 0) - COALESCE(at_start, 0) AS n FROM per_post) p
-- values: ["2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","fixture"]

-- variant: unsupported
-- statement: figure
      WITH per_post AS (
        SELECT post_id,
          max(CASE WHEN captured_at < CAST($1 AS TIMESTAMP) THEN impressions END) AS at_end,
          max(CASE WHEN captured_at < CAST($2 AS TIMESTAMP) THEN impressions END) AS at_start
        FROM social_post_snapshots WHERE workspace_id = $3 GROUP BY post_id
      )
      SELECT COALESCE(sum(p.n), 0) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(p.n AS BIGINT)) * (CAST(p.n AS BIGINT))) AS TEXT) AS sum_of_squares
      FROM (SELECT COALESCE(at_end, 0) - COALESCE(at_start, 0) AS n FROM per_post) p
-- values: ["2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","fixture"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: figure
      WITH per_post AS (
        SELECT post_id,
          max(CASE WHEN captured_at < CAST($1 AS TIMESTAMP) THEN impressions END) AS at_end,
          max(CASE WHEN captured_at < CAST($2 AS TIMESTAMP) THEN impressions END) AS at_start
        FROM social_post_snapshots WHERE workspace_id = $3 GROUP BY post_id
      )
      SELECT COALESCE(sum(p.n), 0) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(p.n AS BIGINT)) * (CAST(p.n AS BIGINT))) AS TEXT) AS sum_of_squares
      FROM (SELECT COALESCE(at_end, 0) - COALESCE(at_start, 0) AS n FROM per_post) p
-- values: ["2026-06-11 00:00:00.000","2026-04-15 00:00:00.000","fixture"]
