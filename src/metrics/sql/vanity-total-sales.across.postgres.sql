-- vanity total-sales across three periods on postgres: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (
          SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, CASE WHEN l.currency = $7 THEN l.value END AS amount FROM leads l
          WHERE l.workspace_id = $8 AND l.status = 'won' AND l.closed_at >= CAST($9 AS TIMESTAMP) AND l.closed_at < CAST($10 AS TIMESTAMP))
    SELECT p.period_index, COALESCE(sum(r.amount), 0) AS value, count(r.amount) AS amounts,
        CAST(sum((r.amount) * (r.amount)) AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","USD","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (
          SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, CASE WHEN l.currency = $7 THEN l.value END AS amount FROM leads l
          WHERE l.workspace_id = $8 AND l.pipeline_id = $9 AND l.owner_id = $10 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $11 AND team = $12) AND l.source_channel = $13 AND l.status = 'won' AND l.closed_at >= CAST($14 AS TIMESTAMP) AND l.closed_at < CAST($15 AS TIMESTAMP))
    SELECT p.period_index, COALESCE(sum(r.amount), 0) AS value, count(r.amount) AS amounts,
        CAST(sum((r.amount) * (r.amount)) AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","USD","fixture","p1","r1","fixture","East","website","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (
          SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, CASE WHEN l.currency = $7 THEN l.value END AS amount FROM leads l
          WHERE l.workspace_id = $8 AND l.status = 'won' AND l.closed_at >= CAST($9 AS TIMESTAMP) AND l.closed_at < CAST($10 AS TIMESTAMP))
    SELECT p.period_index, COALESCE(sum(r.amount), 0) AS value, count(r.amount) AS amounts,
        CAST(sum((r.amount) * (r.amount)) AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","USD","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: across
    WITH
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    period_rows AS (
          SELECT (CASE WHEN l.closed_at >= CAST($1 AS TIMESTAMP) AND l.closed_at < CAST($2 AS TIMESTAMP) THEN 0 WHEN l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP) THEN 1 WHEN l.closed_at >= CAST($5 AS TIMESTAMP) AND l.closed_at < CAST($6 AS TIMESTAMP) THEN 2 END) AS period_index, CASE WHEN l.currency = $7 THEN l.value END AS amount FROM leads l
          WHERE l.workspace_id = $8 AND l.status = 'won' AND l.closed_at >= CAST($9 AS TIMESTAMP) AND l.closed_at < CAST($10 AS TIMESTAMP))
    SELECT p.period_index, COALESCE(sum(r.amount), 0) AS value, count(r.amount) AS amounts,
        CAST(sum((r.amount) * (r.amount)) AS TEXT) AS sum_of_squares
    FROM across_periods p LEFT JOIN period_rows r ON r.period_index = p.period_index
    GROUP BY p.period_index ORDER BY p.period_index
-- values: ["2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","USD","fixture","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000"]
