-- engagement (quick headlines returningVisitors) on postgres: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: returning
        SELECT count(*) AS returning FROM (
          SELECT visitor_id FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    ) r GROUP BY visitor_id HAVING max(last_number) > 1
        ) x
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: returning
        SELECT count(*) AS returning FROM (
          SELECT visitor_id FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    ) r GROUP BY visitor_id HAVING max(last_number) > 1
        ) x
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: returning
        SELECT count(*) AS returning FROM (
          SELECT visitor_id FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    ) r GROUP BY visitor_id HAVING max(last_number) > 1
        ) x
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- statement: returning
        SELECT count(*) AS returning FROM (
          SELECT visitor_id FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    ) r GROUP BY visitor_id HAVING max(last_number) > 1
        ) x
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: partial
-- statement: returning
        SELECT count(*) AS returning FROM (
          SELECT visitor_id FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    UNION ALL
    SELECT v.visitor_id, 1, v.started_at, v.visit_number, CASE WHEN v.converted_lead_id IS NOT NULL THEN 1 ELSE 0 END
    FROM visits v WHERE v.workspace_id = $4 AND ((v.started_at >= CAST($5 AS TIMESTAMP) AND v.started_at < CAST($6 AS TIMESTAMP)) OR (v.started_at >= CAST($7 AS TIMESTAMP) AND v.started_at < CAST($8 AS TIMESTAMP)))) r GROUP BY visitor_id HAVING max(last_number) > 1
        ) x
-- values: ["fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000"]
