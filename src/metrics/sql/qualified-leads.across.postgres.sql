-- qualified-leads (quick headlines qualifiedLeads across three periods) on postgres: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: across
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
      l.loss_reason, l.competitor, l.contact, l.contact_hash, l.last_event_at, l.last_event_stage_id, l.utm_source, l.utm_medium, l.utm_campaign,
      COALESCE(l.source_channel, 'unknown') AS source,
      CASE WHEN l.currency = $1 THEN l.value END AS amount,
      COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)
        AS qualified_at,
      GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END) AS furthest_position
    FROM leads l
    LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
    WHERE l.workspace_id = $2
  ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN qualified_at >= CAST($3 AS TIMESTAMP) AND qualified_at < CAST($4 AS TIMESTAMP) THEN 0 WHEN qualified_at >= CAST($5 AS TIMESTAMP) AND qualified_at < CAST($6 AS TIMESTAMP) THEN 1 WHEN qualified_at >= CAST($7 AS TIMESTAMP) AND qualified_at < CAST($8 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM lead_facts WHERE TRUE AND qualified_at >= CAST($9 AS TIMESTAMP) AND qualified_at < CAST($10 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: across
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
      l.loss_reason, l.competitor, l.contact, l.contact_hash, l.last_event_at, l.last_event_stage_id, l.utm_source, l.utm_medium, l.utm_campaign,
      COALESCE(l.source_channel, 'unknown') AS source,
      CASE WHEN l.currency = $1 THEN l.value END AS amount,
      COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)
        AS qualified_at,
      GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END) AS furthest_position
    FROM leads l
    LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
    WHERE l.workspace_id = $2 AND l.pipeline_id = $3 AND l.owner_id = $4 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $5 AND team = $6) AND l.source_channel = $7
  ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN qualified_at >= CAST($8 AS TIMESTAMP) AND qualified_at < CAST($9 AS TIMESTAMP) THEN 0 WHEN qualified_at >= CAST($10 AS TIMESTAMP) AND qualified_at < CAST($11 AS TIMESTAMP) THEN 1 WHEN qualified_at >= CAST($12 AS TIMESTAMP) AND qualified_at < CAST($13 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM lead_facts WHERE TRUE AND qualified_at >= CAST($14 AS TIMESTAMP) AND qualified_at < CAST($15 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","p1","r1","fixture","East","website","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: across
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
      l.loss_reason, l.competitor, l.contact, l.contact_hash, l.last_event_at, l.last_event_stage_id, l.utm_source, l.utm_medium, l.utm_campaign,
      COALESCE(l.source_channel, 'unknown') AS source,
      CASE WHEN l.currency = $1 THEN l.value END AS amount,
      COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)
        AS qualified_at,
      GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END) AS furthest_position
    FROM leads l
    LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
    WHERE l.workspace_id = $2
  ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN qualified_at >= CAST($3 AS TIMESTAMP) AND qualified_at < CAST($4 AS TIMESTAMP) THEN 0 WHEN qualified_at >= CAST($5 AS TIMESTAMP) AND qualified_at < CAST($6 AS TIMESTAMP) THEN 1 WHEN qualified_at >= CAST($7 AS TIMESTAMP) AND qualified_at < CAST($8 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM lead_facts WHERE TRUE AND qualified_at >= CAST($9 AS TIMESTAMP) AND qualified_at < CAST($10 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- statement: across
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
      l.loss_reason, l.competitor, l.contact, l.contact_hash, l.last_event_at, l.last_event_stage_id, l.utm_source, l.utm_medium, l.utm_campaign,
      COALESCE(l.source_channel, 'unknown') AS source,
      CAST(NULL AS NUMERIC(18,2)) AS amount,
      COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)
        AS qualified_at,
      GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END) AS furthest_position
    FROM leads l
    LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
    WHERE l.workspace_id = $1
  ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN qualified_at >= CAST($2 AS TIMESTAMP) AND qualified_at < CAST($3 AS TIMESTAMP) THEN 0 WHEN qualified_at >= CAST($4 AS TIMESTAMP) AND qualified_at < CAST($5 AS TIMESTAMP) THEN 1 WHEN qualified_at >= CAST($6 AS TIMESTAMP) AND qualified_at < CAST($7 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM lead_facts WHERE TRUE AND qualified_at >= CAST($8 AS TIMESTAMP) AND qualified_at < CAST($9 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: partial
-- statement: across
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
      l.loss_reason, l.competitor, l.contact, l.contact_hash, l.last_event_at, l.last_event_stage_id, l.utm_source, l.utm_medium, l.utm_campaign,
      COALESCE(l.source_channel, 'unknown') AS source,
      CASE WHEN l.currency = $1 THEN l.value END AS amount,
      COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)
        AS qualified_at,
      GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END) AS furthest_position
    FROM leads l
    LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
    WHERE l.workspace_id = $2
  ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN qualified_at >= CAST($3 AS TIMESTAMP) AND qualified_at < CAST($4 AS TIMESTAMP) THEN 0 WHEN qualified_at >= CAST($5 AS TIMESTAMP) AND qualified_at < CAST($6 AS TIMESTAMP) THEN 1 WHEN qualified_at >= CAST($7 AS TIMESTAMP) AND qualified_at < CAST($8 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM lead_facts WHERE TRUE AND qualified_at >= CAST($9 AS TIMESTAMP) AND qualified_at < CAST($10 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000"]
