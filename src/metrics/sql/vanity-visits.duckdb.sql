-- vanity visits on duckdb: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: figure
        SELECT CAST(COALESCE(sum(p.n), 0) AS BIGINT) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(p.n AS BIGINT)) * (CAST(p.n AS BIGINT))) AS TEXT) AS sum_of_squares
        FROM (
          SELECT r.visitor_id, sum(r.n) AS n
          FROM (SELECT visitor_id, visits AS n FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) ) r
          GROUP BY r.visitor_id
        ) p
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: figure
        SELECT CAST(COALESCE(sum(p.n), 0) AS BIGINT) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(p.n AS BIGINT)) * (CAST(p.n AS BIGINT))) AS TEXT) AS sum_of_squares
        FROM (
          SELECT r.visitor_id, sum(r.n) AS n
          FROM (SELECT visitor_id, visits AS n FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) ) r
          GROUP BY r.visitor_id
        ) p
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: figure
        SELECT CAST(COALESCE(sum(p.n), 0) AS BIGINT) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters, CAST(sum((CAST(p.n AS BIGINT)) * (CAST(p.n AS BIGINT))) AS TEXT) AS sum_of_squares
        FROM (
          SELECT r.visitor_id, sum(r.n) AS n
          FROM (SELECT visitor_id, visits AS n FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) ) r
          GROUP BY r.visitor_id
        ) p
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: figure
    SELECT CAST(COALESCE(v.value, 0) + COALESCE(t.visits, 0) AS BIGINT) AS value,
      v.clusters + COALESCE(t.visitors, 0) AS clusters,
      CAST(COALESCE(v.squares, 0) + COALESCE(t.squares, 0) AS TEXT) AS sum_of_squares
    FROM (
      SELECT sum(p.n) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters,
        sum(CAST(p.n AS BIGINT) * CAST(p.n AS BIGINT)) AS squares
      FROM (
          SELECT r.visitor_id, sum(r.n) AS n
          FROM (SELECT visitor_id, visits AS n FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) UNION ALL SELECT v.visitor_id, count(*) AS n FROM visits v WHERE v.workspace_id = $4 AND ((v.started_at >= CAST($5 AS TIMESTAMP) AND v.started_at < CAST($6 AS TIMESTAMP)) OR (v.started_at >= CAST($7 AS TIMESTAMP) AND v.started_at < CAST($8 AS TIMESTAMP))) GROUP BY v.visitor_id) r
          GROUP BY r.visitor_id
        ) p
    ) v CROSS JOIN (
      SELECT sum(d.visits) AS visits,
        sum(CASE WHEN d.visits > 0 THEN LEAST(GREATEST(COALESCE(d.visitors, d.visits), 1), d.visits) ELSE 0 END) AS visitors,
        sum(CAST(floor(CAST(d.visits AS DOUBLE PRECISION) * d.visits / LEAST(GREATEST(COALESCE(d.visitors, d.visits), 1), GREATEST(d.visits, 1))) AS BIGINT))
          AS squares
      FROM visit_days d
      WHERE d.workspace_id = $9 AND (d.day >= CAST($10 AS TIMESTAMP) AND d.day < CAST($11 AS TIMESTAMP)) AND d.day < COALESCE(
    (SELECT CAST(CAST(min(started_at) AS DATE) AS TIMESTAMP) FROM visits WHERE workspace_id = $12),
    CAST($13 AS TIMESTAMP))
    ) t
-- values: ["fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","9999-12-31"]
