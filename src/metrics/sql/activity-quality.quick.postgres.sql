-- activity-quality (quick headlines wonLeads) on postgres: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: won
        SELECT count(*) AS won FROM leads l
        WHERE l.workspace_id = $1 AND l.status = 'won' AND (l.closed_at >= CAST($2 AS TIMESTAMP) AND l.closed_at < CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: won
        SELECT count(*) AS won FROM leads l
        WHERE l.workspace_id = $1 AND l.pipeline_id = $2 AND l.owner_id = $3 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $4 AND team = $5) AND l.source_channel = $6 AND l.status = 'won' AND (l.closed_at >= CAST($7 AS TIMESTAMP) AND l.closed_at < CAST($8 AS TIMESTAMP))
-- values: ["fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: won
        SELECT count(*) AS won FROM leads l
        WHERE l.workspace_id = $1 AND l.status = 'won' AND (l.closed_at >= CAST($2 AS TIMESTAMP) AND l.closed_at < CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- statement: won
        SELECT count(*) AS won FROM leads l
        WHERE l.workspace_id = $1 AND l.status = 'won' AND (l.closed_at >= CAST($2 AS TIMESTAMP) AND l.closed_at < CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: partial
-- statement: won
        SELECT count(*) AS won FROM leads l
        WHERE l.workspace_id = $1 AND l.status = 'won' AND (l.closed_at >= CAST($2 AS TIMESTAMP) AND l.closed_at < CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000"]
