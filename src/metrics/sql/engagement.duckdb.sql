-- engagement on duckdb: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: cells
    WITH per_visitor AS (
      SELECT visitor_id, sum(CAST(visits AS INTEGER)) AS visits, max(last_start) AS last_start,
        max(last_number) AS max_number, max(converted) AS converted
      FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    ) r
      GROUP BY visitor_id
    )
    SELECT CASE WHEN visits <= 1 THEN 0 WHEN visits <= 2 THEN 1 WHEN visits <= 3 THEN 2 WHEN visits <= 4 THEN 3 WHEN visits <= 5 THEN 4 WHEN visits <= 6 THEN 5 WHEN visits <= 7 THEN 6 WHEN visits <= 8 THEN 7 WHEN visits <= 14 THEN 8 WHEN visits <= 25 THEN 9 WHEN visits <= 50 THEN 10 WHEN visits <= 100 THEN 11 WHEN visits <= 200 THEN 12 ELSE 13 END AS fb, CASE  WHEN last_start > CAST($4 AS TIMESTAMP) THEN 0 WHEN last_start > CAST($5 AS TIMESTAMP) THEN 1 WHEN last_start > CAST($6 AS TIMESTAMP) THEN 2 WHEN last_start > CAST($7 AS TIMESTAMP) THEN 3 WHEN last_start > CAST($8 AS TIMESTAMP) THEN 4 WHEN last_start > CAST($9 AS TIMESTAMP) THEN 5 WHEN last_start > CAST($10 AS TIMESTAMP) THEN 6 WHEN last_start > CAST($11 AS TIMESTAMP) THEN 7 WHEN last_start > CAST($12 AS TIMESTAMP) THEN 8 WHEN last_start > CAST($13 AS TIMESTAMP) THEN 9 WHEN last_start > CAST($14 AS TIMESTAMP) THEN 10 WHEN last_start > CAST($15 AS TIMESTAMP) THEN 11 WHEN last_start > CAST($16 AS TIMESTAMP) THEN 12 ELSE 13 END AS rb,
      count(*) AS visitors,
      sum(CASE WHEN max_number > 1 THEN 1 ELSE 0 END) AS returning_visitors,
      sum(converted) AS converted_visitors,
      sum(visits) AS total_visits
    FROM per_visitor GROUP BY 1, 2 ORDER BY 1, 2
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-06-30 00:00:00.000","2026-06-29 00:00:00.000","2026-06-28 00:00:00.000","2026-06-27 00:00:00.000","2026-06-26 00:00:00.000","2026-06-25 00:00:00.000","2026-06-24 00:00:00.000","2026-06-23 00:00:00.000","2026-06-16 00:00:00.000","2026-05-31 00:00:00.000","2026-05-01 00:00:00.000","2026-03-02 00:00:00.000","2025-07-01 00:00:00.000"]
-- statement: perVisit
    WITH measured AS (
      SELECT visit_number, days_since_previous AS since_days, visits, pageviews FROM visit_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    )
    SELECT CASE WHEN visit_number <= 1 THEN 0 WHEN visit_number <= 2 THEN 1 WHEN visit_number <= 3 THEN 2 WHEN visit_number <= 4 THEN 3 WHEN visit_number <= 5 THEN 4 WHEN visit_number <= 6 THEN 5 WHEN visit_number <= 7 THEN 6 WHEN visit_number <= 8 THEN 7 WHEN visit_number <= 14 THEN 8 WHEN visit_number <= 25 THEN 9 WHEN visit_number <= 50 THEN 10 WHEN visit_number <= 100 THEN 11 WHEN visit_number <= 200 THEN 12 ELSE 13 END AS nb,
      CASE WHEN since_days IS NOT NULL THEN CASE WHEN since_days <= 0 THEN 0 WHEN since_days <= 1 THEN 1 WHEN since_days <= 2 THEN 2 WHEN since_days <= 3 THEN 3 WHEN since_days <= 4 THEN 4 WHEN since_days <= 5 THEN 5 WHEN since_days <= 6 THEN 6 WHEN since_days <= 7 THEN 7 WHEN since_days <= 14 THEN 8 WHEN since_days <= 30 THEN 9 WHEN since_days <= 60 THEN 10 WHEN since_days <= 120 THEN 11 WHEN since_days <= 364 THEN 12 ELSE 13 END END AS db,
      sum(visits) AS visits, sum(pageviews) AS pageviews
    FROM measured GROUP BY 1, 2
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: cells
    WITH per_visitor AS (
      SELECT visitor_id, sum(CAST(visits AS INTEGER)) AS visits, max(last_start) AS last_start,
        max(last_number) AS max_number, max(converted) AS converted
      FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    ) r
      GROUP BY visitor_id
    )
    SELECT CASE WHEN visits <= 1 THEN 0 WHEN visits <= 2 THEN 1 WHEN visits <= 3 THEN 2 WHEN visits <= 4 THEN 3 WHEN visits <= 5 THEN 4 WHEN visits <= 6 THEN 5 WHEN visits <= 7 THEN 6 WHEN visits <= 8 THEN 7 WHEN visits <= 14 THEN 8 WHEN visits <= 25 THEN 9 WHEN visits <= 50 THEN 10 WHEN visits <= 100 THEN 11 WHEN visits <= 200 THEN 12 ELSE 13 END AS fb, CASE  WHEN last_start > CAST($4 AS TIMESTAMP) THEN 0 WHEN last_start > CAST($5 AS TIMESTAMP) THEN 1 WHEN last_start > CAST($6 AS TIMESTAMP) THEN 2 WHEN last_start > CAST($7 AS TIMESTAMP) THEN 3 WHEN last_start > CAST($8 AS TIMESTAMP) THEN 4 WHEN last_start > CAST($9 AS TIMESTAMP) THEN 5 WHEN last_start > CAST($10 AS TIMESTAMP) THEN 6 WHEN last_start > CAST($11 AS TIMESTAMP) THEN 7 WHEN last_start > CAST($12 AS TIMESTAMP) THEN 8 WHEN last_start > CAST($13 AS TIMESTAMP) THEN 9 WHEN last_start > CAST($14 AS TIMESTAMP) THEN 10 WHEN last_start > CAST($15 AS TIMESTAMP) THEN 11 WHEN last_start > CAST($16 AS TIMESTAMP) THEN 12 ELSE 13 END AS rb,
      count(*) AS visitors,
      sum(CASE WHEN max_number > 1 THEN 1 ELSE 0 END) AS returning_visitors,
      sum(converted) AS converted_visitors,
      sum(visits) AS total_visits
    FROM per_visitor GROUP BY 1, 2 ORDER BY 1, 2
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-06-30 00:00:00.000","2026-06-29 00:00:00.000","2026-06-28 00:00:00.000","2026-06-27 00:00:00.000","2026-06-26 00:00:00.000","2026-06-25 00:00:00.000","2026-06-24 00:00:00.000","2026-06-23 00:00:00.000","2026-06-16 00:00:00.000","2026-05-31 00:00:00.000","2026-05-01 00:00:00.000","2026-03-02 00:00:00.000","2025-07-01 00:00:00.000"]
-- statement: perVisit
    WITH measured AS (
      SELECT visit_number, days_since_previous AS since_days, visits, pageviews FROM visit_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    )
    SELECT CASE WHEN visit_number <= 1 THEN 0 WHEN visit_number <= 2 THEN 1 WHEN visit_number <= 3 THEN 2 WHEN visit_number <= 4 THEN 3 WHEN visit_number <= 5 THEN 4 WHEN visit_number <= 6 THEN 5 WHEN visit_number <= 7 THEN 6 WHEN visit_number <= 8 THEN 7 WHEN visit_number <= 14 THEN 8 WHEN visit_number <= 25 THEN 9 WHEN visit_number <= 50 THEN 10 WHEN visit_number <= 100 THEN 11 WHEN visit_number <= 200 THEN 12 ELSE 13 END AS nb,
      CASE WHEN since_days IS NOT NULL THEN CASE WHEN since_days <= 0 THEN 0 WHEN since_days <= 1 THEN 1 WHEN since_days <= 2 THEN 2 WHEN since_days <= 3 THEN 3 WHEN since_days <= 4 THEN 4 WHEN since_days <= 5 THEN 5 WHEN since_days <= 6 THEN 6 WHEN since_days <= 7 THEN 7 WHEN since_days <= 14 THEN 8 WHEN since_days <= 30 THEN 9 WHEN since_days <= 60 THEN 10 WHEN since_days <= 120 THEN 11 WHEN since_days <= 364 THEN 12 ELSE 13 END END AS db,
      sum(visits) AS visits, sum(pageviews) AS pageviews
    FROM measured GROUP BY 1, 2
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: cells
    WITH per_visitor AS (
      SELECT visitor_id, sum(CAST(visits AS INTEGER)) AS visits, max(last_start) AS last_start,
        max(last_number) AS max_number, max(converted) AS converted
      FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    ) r
      GROUP BY visitor_id
    )
    SELECT CASE WHEN visits <= 1 THEN 0 WHEN visits <= 2 THEN 1 WHEN visits <= 3 THEN 2 WHEN visits <= 4 THEN 3 WHEN visits <= 5 THEN 4 WHEN visits <= 6 THEN 5 WHEN visits <= 7 THEN 6 WHEN visits <= 8 THEN 7 WHEN visits <= 14 THEN 8 WHEN visits <= 25 THEN 9 WHEN visits <= 50 THEN 10 WHEN visits <= 100 THEN 11 WHEN visits <= 200 THEN 12 ELSE 13 END AS fb, CASE  WHEN last_start > CAST($4 AS TIMESTAMP) THEN 0 WHEN last_start > CAST($5 AS TIMESTAMP) THEN 1 WHEN last_start > CAST($6 AS TIMESTAMP) THEN 2 WHEN last_start > CAST($7 AS TIMESTAMP) THEN 3 WHEN last_start > CAST($8 AS TIMESTAMP) THEN 4 WHEN last_start > CAST($9 AS TIMESTAMP) THEN 5 WHEN last_start > CAST($10 AS TIMESTAMP) THEN 6 WHEN last_start > CAST($11 AS TIMESTAMP) THEN 7 WHEN last_start > CAST($12 AS TIMESTAMP) THEN 8 WHEN last_start > CAST($13 AS TIMESTAMP) THEN 9 WHEN last_start > CAST($14 AS TIMESTAMP) THEN 10 WHEN last_start > CAST($15 AS TIMESTAMP) THEN 11 WHEN last_start > CAST($16 AS TIMESTAMP) THEN 12 ELSE 13 END AS rb,
      count(*) AS visitors,
      sum(CASE WHEN max_number > 1 THEN 1 ELSE 0 END) AS returning_visitors,
      sum(converted) AS converted_visitors,
      sum(visits) AS total_visits
    FROM per_visitor GROUP BY 1, 2 ORDER BY 1, 2
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-06-30 00:00:00.000","2026-06-29 00:00:00.000","2026-06-28 00:00:00.000","2026-06-27 00:00:00.000","2026-06-26 00:00:00.000","2026-06-25 00:00:00.000","2026-06-24 00:00:00.000","2026-06-23 00:00:00.000","2026-06-16 00:00:00.000","2026-05-31 00:00:00.000","2026-05-01 00:00:00.000","2026-03-02 00:00:00.000","2025-07-01 00:00:00.000"]
-- statement: perVisit
    WITH measured AS (
      SELECT visit_number, days_since_previous AS since_days, visits, pageviews FROM visit_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    )
    SELECT CASE WHEN visit_number <= 1 THEN 0 WHEN visit_number <= 2 THEN 1 WHEN visit_number <= 3 THEN 2 WHEN visit_number <= 4 THEN 3 WHEN visit_number <= 5 THEN 4 WHEN visit_number <= 6 THEN 5 WHEN visit_number <= 7 THEN 6 WHEN visit_number <= 8 THEN 7 WHEN visit_number <= 14 THEN 8 WHEN visit_number <= 25 THEN 9 WHEN visit_number <= 50 THEN 10 WHEN visit_number <= 100 THEN 11 WHEN visit_number <= 200 THEN 12 ELSE 13 END AS nb,
      CASE WHEN since_days IS NOT NULL THEN CASE WHEN since_days <= 0 THEN 0 WHEN since_days <= 1 THEN 1 WHEN since_days <= 2 THEN 2 WHEN since_days <= 3 THEN 3 WHEN since_days <= 4 THEN 4 WHEN since_days <= 5 THEN 5 WHEN since_days <= 6 THEN 6 WHEN since_days <= 7 THEN 7 WHEN since_days <= 14 THEN 8 WHEN since_days <= 30 THEN 9 WHEN since_days <= 60 THEN 10 WHEN since_days <= 120 THEN 11 WHEN since_days <= 364 THEN 12 ELSE 13 END END AS db,
      sum(visits) AS visits, sum(pageviews) AS pageviews
    FROM measured GROUP BY 1, 2
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: no data of its kind)

-- variant: partial
-- statement: cells
    WITH per_visitor AS (
      SELECT visitor_id, sum(CAST(visits AS INTEGER)) AS visits, max(last_start) AS last_start,
        max(last_number) AS max_number, max(converted) AS converted
      FROM (
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
    UNION ALL
    SELECT v.visitor_id, 1, v.started_at, v.visit_number, CASE WHEN v.converted_lead_id IS NOT NULL THEN 1 ELSE 0 END
    FROM visits v WHERE v.workspace_id = $4 AND ((v.started_at >= CAST($5 AS TIMESTAMP) AND v.started_at < CAST($6 AS TIMESTAMP)) OR (v.started_at >= CAST($7 AS TIMESTAMP) AND v.started_at < CAST($8 AS TIMESTAMP)))) r
      GROUP BY visitor_id
    )
    SELECT CASE WHEN visits <= 1 THEN 0 WHEN visits <= 2 THEN 1 WHEN visits <= 3 THEN 2 WHEN visits <= 4 THEN 3 WHEN visits <= 5 THEN 4 WHEN visits <= 6 THEN 5 WHEN visits <= 7 THEN 6 WHEN visits <= 8 THEN 7 WHEN visits <= 14 THEN 8 WHEN visits <= 25 THEN 9 WHEN visits <= 50 THEN 10 WHEN visits <= 100 THEN 11 WHEN visits <= 200 THEN 12 ELSE 13 END AS fb, CASE  WHEN last_start > CAST($9 AS TIMESTAMP) THEN 0 WHEN last_start > CAST($10 AS TIMESTAMP) THEN 1 WHEN last_start > CAST($11 AS TIMESTAMP) THEN 2 WHEN last_start > CAST($12 AS TIMESTAMP) THEN 3 WHEN last_start > CAST($13 AS TIMESTAMP) THEN 4 WHEN last_start > CAST($14 AS TIMESTAMP) THEN 5 WHEN last_start > CAST($15 AS TIMESTAMP) THEN 6 WHEN last_start > CAST($16 AS TIMESTAMP) THEN 7 WHEN last_start > CAST($17 AS TIMESTAMP) THEN 8 WHEN last_start > CAST($18 AS TIMESTAMP) THEN 9 WHEN last_start > CAST($19 AS TIMESTAMP) THEN 10 WHEN last_start > CAST($20 AS TIMESTAMP) THEN 11 WHEN last_start > CAST($21 AS TIMESTAMP) THEN 12 ELSE 13 END AS rb,
      count(*) AS visitors,
      sum(CASE WHEN max_number > 1 THEN 1 ELSE 0 END) AS returning_visitors,
      sum(converted) AS converted_visitors,
      sum(visits) AS total_visits
    FROM per_visitor GROUP BY 1, 2 ORDER BY 1, 2
-- values: ["fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000","2026-06-10 00:00:00.000","2026-06-09 00:00:00.000","2026-06-08 00:00:00.000","2026-06-07 00:00:00.000","2026-06-06 00:00:00.000","2026-06-05 00:00:00.000","2026-06-04 00:00:00.000","2026-06-03 00:00:00.000","2026-05-27 00:00:00.000","2026-05-11 00:00:00.000","2026-04-11 00:00:00.000","2026-02-10 00:00:00.000","2025-06-11 00:00:00.000"]
-- statement: perVisit
    WITH measured AS (
      SELECT visit_number, days_since_previous AS since_days, visits, pageviews FROM visit_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
      UNION ALL
      SELECT v.visit_number, CASE WHEN v.visit_number > 1 THEN CAST(floor(CAST(seconds_since_previous AS FLOAT8) / 86400.0) AS BIGINT) END, 1, v.pageviews
      FROM visits v WHERE v.workspace_id = $4 AND ((v.started_at >= CAST($5 AS TIMESTAMP) AND v.started_at < CAST($6 AS TIMESTAMP)) OR (v.started_at >= CAST($7 AS TIMESTAMP) AND v.started_at < CAST($8 AS TIMESTAMP)))
    )
    SELECT CASE WHEN visit_number <= 1 THEN 0 WHEN visit_number <= 2 THEN 1 WHEN visit_number <= 3 THEN 2 WHEN visit_number <= 4 THEN 3 WHEN visit_number <= 5 THEN 4 WHEN visit_number <= 6 THEN 5 WHEN visit_number <= 7 THEN 6 WHEN visit_number <= 8 THEN 7 WHEN visit_number <= 14 THEN 8 WHEN visit_number <= 25 THEN 9 WHEN visit_number <= 50 THEN 10 WHEN visit_number <= 100 THEN 11 WHEN visit_number <= 200 THEN 12 ELSE 13 END AS nb,
      CASE WHEN since_days IS NOT NULL THEN CASE WHEN since_days <= 0 THEN 0 WHEN since_days <= 1 THEN 1 WHEN since_days <= 2 THEN 2 WHEN since_days <= 3 THEN 3 WHEN since_days <= 4 THEN 4 WHEN since_days <= 5 THEN 5 WHEN since_days <= 6 THEN 6 WHEN since_days <= 7 THEN 7 WHEN since_days <= 14 THEN 8 WHEN since_days <= 30 THEN 9 WHEN since_days <= 60 THEN 10 WHEN since_days <= 120 THEN 11 WHEN since_days <= 364 THEN 12 ELSE 13 END END AS db,
      sum(visits) AS visits, sum(pageviews) AS pageviews
    FROM measured GROUP BY 1, 2
-- values: ["fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000"]
