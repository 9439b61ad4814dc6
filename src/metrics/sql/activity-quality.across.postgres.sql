-- activity-quality (quick headlines wonLeads across three periods) on postgres: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $7 AND l.status = 'won' AND l.closed_at >= CAST($8 AS TIMESTAMP) AND l.closed_at < CAST($9 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS won
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $7 AND l.pipeline_id = $8 AND l.owner_id = $9 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $10 AND team = $11) AND l.source_channel = $12 AND l.status = 'won' AND l.closed_at >= CAST($13 AS TIMESTAMP) AND l.closed_at < CAST($14 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS won
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","p1","r1","fixture","East","website","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $7 AND l.status = 'won' AND l.closed_at >= CAST($8 AS TIMESTAMP) AND l.closed_at < CAST($9 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS won
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $7 AND l.status = 'won' AND l.closed_at >= CAST($8 AS TIMESTAMP) AND l.closed_at < CAST($9 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS won
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: partial
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $7 AND l.status = 'won' AND l.closed_at >= CAST($8 AS TIMESTAMP) AND l.closed_at < CAST($9 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS won
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000"]
