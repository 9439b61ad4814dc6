-- funnel (quick headlines winRate across three periods) on postgres: its statement as sent, with its bound values, per fixture variant

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
    bounds AS (
      SELECT pipeline_id, min(position) AS first_position, max(position) AS last_position
      FROM stages WHERE workspace_id = $3 AND kind = 'open' GROUP BY pipeline_id
    ),
    cohort AS (
      SELECT (CASE WHEN f.created_at >= CAST($4 AS TIMESTAMP) AND f.created_at < CAST($5 AS TIMESTAMP) THEN 0 WHEN f.created_at >= CAST($6 AS TIMESTAMP) AND f.created_at < CAST($7 AS TIMESTAMP) THEN 1 WHEN f.created_at >= CAST($8 AS TIMESTAMP) AND f.created_at < CAST($9 AS TIMESTAMP) THEN 2 END) AS period_index, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress, count(*) AS leads
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE f.created_at >= CAST($10 AS TIMESTAMP) AND f.created_at < CAST($11 AS TIMESTAMP) AND f.status IN ('won', 'lost')
        AND f.pipeline_id IN (SELECT id FROM pipelines WHERE workspace_id = $12)
      GROUP BY 1, 2, 3, 4
    ),
    won AS (SELECT period_index, sum(leads) AS n FROM cohort WHERE status = 'won' GROUP BY period_index),
    lost AS (
      SELECT c.period_index, sum(c.leads) AS n FROM cohort c
      JOIN stages s ON s.workspace_id = $13 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
        AND s.position = c.progress
      WHERE c.status = 'lost' GROUP BY c.period_index
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index))
    SELECT p.period_index, CAST(COALESCE(won.n, 0) AS BIGINT) AS won, CAST(COALESCE(lost.n, 0) AS BIGINT) AS lost FROM across_periods p
    LEFT JOIN won ON won.period_index = p.period_index LEFT JOIN lost ON lost.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","fixture","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture"]

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
    bounds AS (
      SELECT pipeline_id, min(position) AS first_position, max(position) AS last_position
      FROM stages WHERE workspace_id = $8 AND kind = 'open' GROUP BY pipeline_id
    ),
    cohort AS (
      SELECT (CASE WHEN f.created_at >= CAST($9 AS TIMESTAMP) AND f.created_at < CAST($10 AS TIMESTAMP) THEN 0 WHEN f.created_at >= CAST($11 AS TIMESTAMP) AND f.created_at < CAST($12 AS TIMESTAMP) THEN 1 WHEN f.created_at >= CAST($13 AS TIMESTAMP) AND f.created_at < CAST($14 AS TIMESTAMP) THEN 2 END) AS period_index, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress, count(*) AS leads
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE f.created_at >= CAST($15 AS TIMESTAMP) AND f.created_at < CAST($16 AS TIMESTAMP) AND f.status IN ('won', 'lost')
        AND f.pipeline_id IN (SELECT id FROM pipelines WHERE workspace_id = $17)
      GROUP BY 1, 2, 3, 4
    ),
    won AS (SELECT period_index, sum(leads) AS n FROM cohort WHERE status = 'won' GROUP BY period_index),
    lost AS (
      SELECT c.period_index, sum(c.leads) AS n FROM cohort c
      JOIN stages s ON s.workspace_id = $18 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
        AND s.position = c.progress
      WHERE c.status = 'lost' GROUP BY c.period_index
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index))
    SELECT p.period_index, CAST(COALESCE(won.n, 0) AS BIGINT) AS won, CAST(COALESCE(lost.n, 0) AS BIGINT) AS lost FROM across_periods p
    LEFT JOIN won ON won.period_index = p.period_index LEFT JOIN lost ON lost.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","p1","r1","fixture","East","website","fixture","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture"]

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
    bounds AS (
      SELECT pipeline_id, min(position) AS first_position, max(position) AS last_position
      FROM stages WHERE workspace_id = $3 AND kind = 'open' GROUP BY pipeline_id
    ),
    cohort AS (
      SELECT (CASE WHEN f.created_at >= CAST($4 AS TIMESTAMP) AND f.created_at < CAST($5 AS TIMESTAMP) THEN 0 WHEN f.created_at >= CAST($6 AS TIMESTAMP) AND f.created_at < CAST($7 AS TIMESTAMP) THEN 1 WHEN f.created_at >= CAST($8 AS TIMESTAMP) AND f.created_at < CAST($9 AS TIMESTAMP) THEN 2 END) AS period_index, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress, count(*) AS leads
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE f.created_at >= CAST($10 AS TIMESTAMP) AND f.created_at < CAST($11 AS TIMESTAMP) AND f.status IN ('won', 'lost')
        AND f.pipeline_id IN (SELECT id FROM pipelines WHERE workspace_id = $12)
      GROUP BY 1, 2, 3, 4
    ),
    won AS (SELECT period_index, sum(leads) AS n FROM cohort WHERE status = 'won' GROUP BY period_index),
    lost AS (
      SELECT c.period_index, sum(c.leads) AS n FROM cohort c
      JOIN stages s ON s.workspace_id = $13 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
        AND s.position = c.progress
      WHERE c.status = 'lost' GROUP BY c.period_index
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index))
    SELECT p.period_index, CAST(COALESCE(won.n, 0) AS BIGINT) AS won, CAST(COALESCE(lost.n, 0) AS BIGINT) AS lost FROM across_periods p
    LEFT JOIN won ON won.period_index = p.period_index LEFT JOIN lost ON lost.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","fixture","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture"]

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
    bounds AS (
      SELECT pipeline_id, min(position) AS first_position, max(position) AS last_position
      FROM stages WHERE workspace_id = $2 AND kind = 'open' GROUP BY pipeline_id
    ),
    cohort AS (
      SELECT (CASE WHEN f.created_at >= CAST($3 AS TIMESTAMP) AND f.created_at < CAST($4 AS TIMESTAMP) THEN 0 WHEN f.created_at >= CAST($5 AS TIMESTAMP) AND f.created_at < CAST($6 AS TIMESTAMP) THEN 1 WHEN f.created_at >= CAST($7 AS TIMESTAMP) AND f.created_at < CAST($8 AS TIMESTAMP) THEN 2 END) AS period_index, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress, count(*) AS leads
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE f.created_at >= CAST($9 AS TIMESTAMP) AND f.created_at < CAST($10 AS TIMESTAMP) AND f.status IN ('won', 'lost')
        AND f.pipeline_id IN (SELECT id FROM pipelines WHERE workspace_id = $11)
      GROUP BY 1, 2, 3, 4
    ),
    won AS (SELECT period_index, sum(leads) AS n FROM cohort WHERE status = 'won' GROUP BY period_index),
    lost AS (
      SELECT c.period_index, sum(c.leads) AS n FROM cohort c
      JOIN stages s ON s.workspace_id = $12 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
        AND s.position = c.progress
      WHERE c.status = 'lost' GROUP BY c.period_index
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index))
    SELECT p.period_index, CAST(COALESCE(won.n, 0) AS BIGINT) AS won, CAST(COALESCE(lost.n, 0) AS BIGINT) AS lost FROM across_periods p
    LEFT JOIN won ON won.period_index = p.period_index LEFT JOIN lost ON lost.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","fixture","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture"]

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
    bounds AS (
      SELECT pipeline_id, min(position) AS first_position, max(position) AS last_position
      FROM stages WHERE workspace_id = $3 AND kind = 'open' GROUP BY pipeline_id
    ),
    cohort AS (
      SELECT (CASE WHEN f.created_at >= CAST($4 AS TIMESTAMP) AND f.created_at < CAST($5 AS TIMESTAMP) THEN 0 WHEN f.created_at >= CAST($6 AS TIMESTAMP) AND f.created_at < CAST($7 AS TIMESTAMP) THEN 1 WHEN f.created_at >= CAST($8 AS TIMESTAMP) AND f.created_at < CAST($9 AS TIMESTAMP) THEN 2 END) AS period_index, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress, count(*) AS leads
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE f.created_at >= CAST($10 AS TIMESTAMP) AND f.created_at < CAST($11 AS TIMESTAMP) AND f.status IN ('won', 'lost')
        AND f.pipeline_id IN (SELECT id FROM pipelines WHERE workspace_id = $12)
      GROUP BY 1, 2, 3, 4
    ),
    won AS (SELECT period_index, sum(leads) AS n FROM cohort WHERE status = 'won' GROUP BY period_index),
    lost AS (
      SELECT c.period_index, sum(c.leads) AS n FROM cohort c
      JOIN stages s ON s.workspace_id = $13 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
        AND s.position = c.progress
      WHERE c.status = 'lost' GROUP BY c.period_index
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index))
    SELECT p.period_index, CAST(COALESCE(won.n, 0) AS BIGINT) AS won, CAST(COALESCE(lost.n, 0) AS BIGINT) AS lost FROM across_periods p
    LEFT JOIN won ON won.period_index = p.period_index LEFT JOIN lost ON lost.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","fixture","2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000","fixture","fixture"]
