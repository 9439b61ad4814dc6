-- vanity activity-conversion on postgres: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: figure
      SELECT CAST(meetings AS FLOAT8) / NULLIF(CAST(calls AS FLOAT8), 0) AS value, meetings, calls
      FROM (
        SELECT CAST(COALESCE(sum(CASE WHEN c.type = 'meeting' THEN c.n END), 0) AS BIGINT) AS meetings,
          CAST(COALESCE(sum(CASE WHEN c.type = 'call' THEN c.n END), 0) AS BIGINT) AS calls
        FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) AND TRUE) c
      ) t
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: figure
      SELECT CAST(meetings AS FLOAT8) / NULLIF(CAST(calls AS FLOAT8), 0) AS value, meetings, calls
      FROM (
        SELECT CAST(COALESCE(sum(CASE WHEN c.type = 'meeting' THEN c.n END), 0) AS BIGINT) AS meetings,
          CAST(COALESCE(sum(CASE WHEN c.type = 'call' THEN c.n END), 0) AS BIGINT) AS calls
        FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE FALSE AND rep_id = $1
    UNION ALL
    SELECT a.rep_id AS k, a.type, count(*) AS n, count(CASE WHEN length(a.note) >= 20 AND length(trim(a.note)) >= 20 THEN length(trim(a.note)) END) AS real_notes
    FROM activities a WHERE a.workspace_id = $2 AND (a.occurred_at >= CAST($3 AS TIMESTAMP) AND a.occurred_at < CAST($4 AS TIMESTAMP)) AND a.rep_id = $5 AND a.lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = $6 AND l.pipeline_id = $7 AND l.owner_id = $8 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $9 AND team = $10) AND l.source_channel = $11)
    GROUP BY a.rep_id, a.type) c
      ) t
-- values: ["r1","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","r1","fixture","p1","r1","fixture","East","website"]

-- variant: unsupported
-- statement: figure
      SELECT CAST(meetings AS FLOAT8) / NULLIF(CAST(calls AS FLOAT8), 0) AS value, meetings, calls
      FROM (
        SELECT CAST(COALESCE(sum(CASE WHEN c.type = 'meeting' THEN c.n END), 0) AS BIGINT) AS meetings,
          CAST(COALESCE(sum(CASE WHEN c.type = 'call' THEN c.n END), 0) AS BIGINT) AS calls
        FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) AND TRUE) c
      ) t
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: figure
      SELECT CAST(meetings AS FLOAT8) / NULLIF(CAST(calls AS FLOAT8), 0) AS value, meetings, calls
      FROM (
        SELECT CAST(COALESCE(sum(CASE WHEN c.type = 'meeting' THEN c.n END), 0) AS BIGINT) AS meetings,
          CAST(COALESCE(sum(CASE WHEN c.type = 'call' THEN c.n END), 0) AS BIGINT) AS calls
        FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP) AND TRUE
    UNION ALL
    SELECT a.rep_id AS k, a.type, count(*) AS n, count(CASE WHEN length(a.note) >= 20 AND length(trim(a.note)) >= 20 THEN length(trim(a.note)) END) AS real_notes
    FROM activities a WHERE a.workspace_id = $4 AND ((a.occurred_at >= CAST($5 AS TIMESTAMP) AND a.occurred_at < CAST($6 AS TIMESTAMP)) OR (a.occurred_at >= CAST($7 AS TIMESTAMP) AND a.occurred_at < CAST($8 AS TIMESTAMP))) AND TRUE
    GROUP BY a.rep_id, a.type) c
      ) t
-- values: ["fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000"]
