-- vanity total-sales on duckdb: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: figure
      SELECT COALESCE(sum(w.amount), 0) AS value, count(w.amount) AS amounts,
        CAST(sum((w.amount) * (w.amount)) AS TEXT) AS sum_of_squares
      FROM (
        SELECT CASE WHEN l.currency = $1 THEN l.value END AS amount FROM leads l
        WHERE l.workspace_id = $2 AND l.status = 'won' AND (l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP))
      ) w
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: figure
      SELECT COALESCE(sum(w.amount), 0) AS value, count(w.amount) AS amounts,
        CAST(sum((w.amount) * (w.amount)) AS TEXT) AS sum_of_squares
      FROM (
        SELECT CASE WHEN l.currency = $1 THEN l.value END AS amount FROM leads l
        WHERE l.workspace_id = $2 AND l.pipeline_id = $3 AND l.owner_id = $4 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $5 AND team = $6) AND l.source_channel = $7 AND l.status = 'won' AND (l.closed_at >= CAST($8 AS TIMESTAMP) AND l.closed_at < CAST($9 AS TIMESTAMP))
      ) w
-- values: ["USD","fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: figure
      SELECT COALESCE(sum(w.amount), 0) AS value, count(w.amount) AS amounts,
        CAST(sum((w.amount) * (w.amount)) AS TEXT) AS sum_of_squares
      FROM (
        SELECT CASE WHEN l.currency = $1 THEN l.value END AS amount FROM leads l
        WHERE l.workspace_id = $2 AND l.status = 'won' AND (l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP))
      ) w
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: figure
      SELECT COALESCE(sum(w.amount), 0) AS value, count(w.amount) AS amounts,
        CAST(sum((w.amount) * (w.amount)) AS TEXT) AS sum_of_squares
      FROM (
        SELECT CASE WHEN l.currency = $1 THEN l.value END AS amount FROM leads l
        WHERE l.workspace_id = $2 AND l.status = 'won' AND (l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP))
      ) w
-- values: ["USD","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000"]
