-- vanity activities on postgres: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: figure
      SELECT CAST(COALESCE(sum(c.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN c.lead_id IS NULL THEN c.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN c.lead_id IS NULL THEN CAST(c.n AS BIGINT) ELSE CAST(c.n AS BIGINT) * CAST(c.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares FROM (SELECT lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT lead_id, activities AS n FROM lead_activity_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) AND TRUE
      ) c GROUP BY lead_id) c
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: figure
      SELECT CAST(COALESCE(sum(c.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN c.lead_id IS NULL THEN c.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN c.lead_id IS NULL THEN CAST(c.n AS BIGINT) ELSE CAST(c.n AS BIGINT) * CAST(c.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares FROM (SELECT lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT lead_id, activities AS n FROM lead_activity_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) AND rep_id = $4 AND lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = $5 AND l.pipeline_id = $6 AND l.owner_id = $7 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $8 AND team = $9) AND l.source_channel = $10)
      ) c GROUP BY lead_id) c
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","r1","fixture","p1","r1","fixture","East","website"]

-- variant: unsupported
-- statement: figure
      SELECT CAST(COALESCE(sum(c.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN c.lead_id IS NULL THEN c.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN c.lead_id IS NULL THEN CAST(c.n AS BIGINT) ELSE CAST(c.n AS BIGINT) * CAST(c.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares FROM (SELECT lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT lead_id, activities AS n FROM lead_activity_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) AND TRUE
      ) c GROUP BY lead_id) c
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: figure
      SELECT CAST(COALESCE(sum(c.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN c.lead_id IS NULL THEN c.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN c.lead_id IS NULL THEN CAST(c.n AS BIGINT) ELSE CAST(c.n AS BIGINT) * CAST(c.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares FROM (SELECT lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT lead_id, activities AS n FROM lead_activity_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) AND TRUE
        UNION ALL
        SELECT a.lead_id, count(*) AS n FROM activities a WHERE a.workspace_id = $4 AND ((a.occurred_at >= CAST($5 AS TIMESTAMP) AND a.occurred_at < CAST($6 AS TIMESTAMP)) OR (a.occurred_at >= CAST($7 AS TIMESTAMP) AND a.occurred_at < CAST($8 AS TIMESTAMP))) AND TRUE GROUP BY a.lead_id
      ) c GROUP BY lead_id) c
-- values: ["fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000"]
