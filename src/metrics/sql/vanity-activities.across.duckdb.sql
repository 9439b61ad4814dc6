-- vanity activities across three periods on duckdb: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (SELECT period_index, lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT (CASE WHEN month >= CAST($1 AS TIMESTAMP) AND month < CAST($2 AS TIMESTAMP) THEN 0 WHEN month >= CAST($3 AS TIMESTAMP) AND month < CAST($4 AS TIMESTAMP) THEN 1 WHEN month >= CAST($5 AS TIMESTAMP) AND month < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, lead_id, activities AS n
        FROM lead_activity_months WHERE workspace_id = $7 AND month >= CAST($8 AS TIMESTAMP) AND month < CAST($9 AS TIMESTAMP) AND TRUE
      ) m GROUP BY period_index, lead_id)
    SELECT p.period_index, CAST(COALESCE(sum(r.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN r.lead_id IS NULL THEN r.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN r.lead_id IS NULL THEN CAST(r.n AS BIGINT) ELSE CAST(r.n AS BIGINT) * CAST(r.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (SELECT period_index, lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT (CASE WHEN month >= CAST($1 AS TIMESTAMP) AND month < CAST($2 AS TIMESTAMP) THEN 0 WHEN month >= CAST($3 AS TIMESTAMP) AND month < CAST($4 AS TIMESTAMP) THEN 1 WHEN month >= CAST($5 AS TIMESTAMP) AND month < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, lead_id, activities AS n
        FROM lead_activity_months WHERE workspace_id = $7 AND month >= CAST($8 AS TIMESTAMP) AND month < CAST($9 AS TIMESTAMP) AND rep_id = $10 AND lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = $11 AND l.pipeline_id = $12 AND l.owner_id = $13 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $14 AND team = $15) AND l.source_channel = $16)
      ) m GROUP BY period_index, lead_id)
    SELECT p.period_index, CAST(COALESCE(sum(r.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN r.lead_id IS NULL THEN r.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN r.lead_id IS NULL THEN CAST(r.n AS BIGINT) ELSE CAST(r.n AS BIGINT) * CAST(r.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","r1","fixture","p1","r1","fixture","East","website"]

-- variant: unsupported
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (SELECT period_index, lead_id, CAST(sum(n) AS BIGINT) AS n FROM (
        SELECT (CASE WHEN month >= CAST($1 AS TIMESTAMP) AND month < CAST($2 AS TIMESTAMP) THEN 0 WHEN month >= CAST($3 AS TIMESTAMP) AND month < CAST($4 AS TIMESTAMP) THEN 1 WHEN month >= CAST($5 AS TIMESTAMP) AND month < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, lead_id, activities AS n
        FROM lead_activity_months WHERE workspace_id = $7 AND month >= CAST($8 AS TIMESTAMP) AND month < CAST($9 AS TIMESTAMP) AND TRUE
      ) m GROUP BY period_index, lead_id)
    SELECT p.period_index, CAST(COALESCE(sum(r.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN r.lead_id IS NULL THEN r.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN r.lead_id IS NULL THEN CAST(r.n AS BIGINT) ELSE CAST(r.n AS BIGINT) * CAST(r.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (SELECT period_index, lead_id, count(*) AS n FROM (
      SELECT (CASE WHEN a.occurred_at >= CAST($1 AS TIMESTAMP) AND a.occurred_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN a.occurred_at >= CAST($3 AS TIMESTAMP) AND a.occurred_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN a.occurred_at >= CAST($5 AS TIMESTAMP) AND a.occurred_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, a.lead_id
      FROM activities a WHERE a.workspace_id = $7 AND (a.occurred_at >= CAST($8 AS TIMESTAMP) AND a.occurred_at < CAST($9 AS TIMESTAMP)) AND TRUE
    ) a GROUP BY period_index, lead_id)
    SELECT p.period_index, CAST(COALESCE(sum(r.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN r.lead_id IS NULL THEN r.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN r.lead_id IS NULL THEN CAST(r.n AS BIGINT) ELSE CAST(r.n AS BIGINT) * CAST(r.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000"]
