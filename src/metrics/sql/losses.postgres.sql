-- losses on postgres: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: grouped
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
    lost AS (
      SELECT COALESCE(NULLIF(loss_reason, ''), 'unknown') AS reason, pipeline_id, furthest_position AS position,
        COALESCE(NULLIF(competitor, ''), 'none') AS competitor, owner_id,
        CAST(date_trunc('month', closed_at) AS TIMESTAMP) AS bucket, amount
      FROM lead_facts WHERE status = 'lost' AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP))
    ),
    grouped AS (
      SELECT GROUPING(reason) AS g_reason, GROUPING(pipeline_id) AS g_stage, GROUPING(competitor) AS g_competitor,
        GROUPING(owner_id) AS g_rep, GROUPING(bucket) AS g_bucket,
        reason, pipeline_id, position, competitor, owner_id, bucket,
        count(*) AS leads, CAST(sum(amount) AS FLOAT8) AS value, count(amount) AS valued,
        CAST(sum((amount) * (amount)) AS TEXT) AS value_squares
      FROM lost
      GROUP BY GROUPING SETS ((), (reason), (pipeline_id, position), (competitor), (owner_id), (bucket))
    ),
    stage_names AS (
      SELECT pipeline_id, position, min(name) AS name FROM stages
      WHERE workspace_id = $5 AND kind = 'open' GROUP BY pipeline_id, position
    )
    SELECT g.*, COALESCE(sn.name, 'unknown') AS stage, p.name AS pipeline_name, r.name AS owner_name
    FROM grouped g
    LEFT JOIN stage_names sn ON sn.pipeline_id = g.pipeline_id AND sn.position = g.position
    LEFT JOIN pipelines p ON p.workspace_id = $6 AND p.id = g.pipeline_id
    LEFT JOIN reps r ON r.workspace_id = $7 AND r.id = g.owner_id
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","fixture"]

-- variant: filtered
-- statement: grouped
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
    lost AS (
      SELECT COALESCE(NULLIF(loss_reason, ''), 'unknown') AS reason, pipeline_id, furthest_position AS position,
        COALESCE(NULLIF(competitor, ''), 'none') AS competitor, owner_id,
        CAST(date_trunc('week', closed_at) AS TIMESTAMP) AS bucket, amount
      FROM lead_facts WHERE status = 'lost' AND (closed_at >= CAST($8 AS TIMESTAMP) AND closed_at < CAST($9 AS TIMESTAMP))
    ),
    grouped AS (
      SELECT GROUPING(reason) AS g_reason, GROUPING(pipeline_id) AS g_stage, GROUPING(competitor) AS g_competitor,
        GROUPING(owner_id) AS g_rep, GROUPING(bucket) AS g_bucket,
        reason, pipeline_id, position, competitor, owner_id, bucket,
        count(*) AS leads, CAST(sum(amount) AS FLOAT8) AS value, count(amount) AS valued,
        CAST(sum((amount) * (amount)) AS TEXT) AS value_squares
      FROM lost
      GROUP BY GROUPING SETS ((), (reason), (pipeline_id, position), (competitor), (owner_id), (bucket))
    ),
    stage_names AS (
      SELECT pipeline_id, position, min(name) AS name FROM stages
      WHERE workspace_id = $10 AND kind = 'open' GROUP BY pipeline_id, position
    )
    SELECT g.*, COALESCE(sn.name, 'unknown') AS stage, p.name AS pipeline_name, r.name AS owner_name
    FROM grouped g
    LEFT JOIN stage_names sn ON sn.pipeline_id = g.pipeline_id AND sn.position = g.position
    LEFT JOIN pipelines p ON p.workspace_id = $11 AND p.id = g.pipeline_id
    LEFT JOIN reps r ON r.workspace_id = $12 AND r.id = g.owner_id
-- values: ["USD","fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","fixture"]

-- variant: unsupported
-- statement: grouped
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
    lost AS (
      SELECT COALESCE(NULLIF(loss_reason, ''), 'unknown') AS reason, pipeline_id, furthest_position AS position,
        COALESCE(NULLIF(competitor, ''), 'none') AS competitor, owner_id,
        CAST(date_trunc('month', closed_at) AS TIMESTAMP) AS bucket, amount
      FROM lead_facts WHERE status = 'lost' AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP))
    ),
    grouped AS (
      SELECT GROUPING(reason) AS g_reason, GROUPING(pipeline_id) AS g_stage, GROUPING(competitor) AS g_competitor,
        GROUPING(owner_id) AS g_rep, GROUPING(bucket) AS g_bucket,
        reason, pipeline_id, position, competitor, owner_id, bucket,
        count(*) AS leads, CAST(sum(amount) AS FLOAT8) AS value, count(amount) AS valued,
        CAST(sum((amount) * (amount)) AS TEXT) AS value_squares
      FROM lost
      GROUP BY GROUPING SETS ((), (reason), (pipeline_id, position), (competitor), (owner_id), (bucket))
    ),
    stage_names AS (
      SELECT pipeline_id, position, min(name) AS name FROM stages
      WHERE workspace_id = $5 AND kind = 'open' GROUP BY pipeline_id, position
    )
    SELECT g.*, COALESCE(sn.name, 'unknown') AS stage, p.name AS pipeline_name, r.name AS owner_name
    FROM grouped g
    LEFT JOIN stage_names sn ON sn.pipeline_id = g.pipeline_id AND sn.position = g.position
    LEFT JOIN pipelines p ON p.workspace_id = $6 AND p.id = g.pipeline_id
    LEFT JOIN reps r ON r.workspace_id = $7 AND r.id = g.owner_id
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","fixture"]

-- variant: empty
-- statement: grouped
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
    lost AS (
      SELECT COALESCE(NULLIF(loss_reason, ''), 'unknown') AS reason, pipeline_id, furthest_position AS position,
        COALESCE(NULLIF(competitor, ''), 'none') AS competitor, owner_id,
        CAST(date_trunc('month', closed_at) AS TIMESTAMP) AS bucket, amount
      FROM lead_facts WHERE status = 'lost' AND (closed_at >= CAST($2 AS TIMESTAMP) AND closed_at < CAST($3 AS TIMESTAMP))
    ),
    grouped AS (
      SELECT GROUPING(reason) AS g_reason, GROUPING(pipeline_id) AS g_stage, GROUPING(competitor) AS g_competitor,
        GROUPING(owner_id) AS g_rep, GROUPING(bucket) AS g_bucket,
        reason, pipeline_id, position, competitor, owner_id, bucket,
        count(*) AS leads, CAST(sum(amount) AS FLOAT8) AS value, count(amount) AS valued,
        CAST(sum((amount) * (amount)) AS TEXT) AS value_squares
      FROM lost
      GROUP BY GROUPING SETS ((), (reason), (pipeline_id, position), (competitor), (owner_id), (bucket))
    ),
    stage_names AS (
      SELECT pipeline_id, position, min(name) AS name FROM stages
      WHERE workspace_id = $4 AND kind = 'open' GROUP BY pipeline_id, position
    )
    SELECT g.*, COALESCE(sn.name, 'unknown') AS stage, p.name AS pipeline_name, r.name AS owner_name
    FROM grouped g
    LEFT JOIN stage_names sn ON sn.pipeline_id = g.pipeline_id AND sn.position = g.position
    LEFT JOIN pipelines p ON p.workspace_id = $5 AND p.id = g.pipeline_id
    LEFT JOIN reps r ON r.workspace_id = $6 AND r.id = g.owner_id
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","fixture"]

-- variant: partial
-- statement: grouped
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
    lost AS (
      SELECT COALESCE(NULLIF(loss_reason, ''), 'unknown') AS reason, pipeline_id, furthest_position AS position,
        COALESCE(NULLIF(competitor, ''), 'none') AS competitor, owner_id,
        CAST(date_trunc('month', closed_at) AS TIMESTAMP) AS bucket, amount
      FROM lead_facts WHERE status = 'lost' AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP))
    ),
    grouped AS (
      SELECT GROUPING(reason) AS g_reason, GROUPING(pipeline_id) AS g_stage, GROUPING(competitor) AS g_competitor,
        GROUPING(owner_id) AS g_rep, GROUPING(bucket) AS g_bucket,
        reason, pipeline_id, position, competitor, owner_id, bucket,
        count(*) AS leads, CAST(sum(amount) AS FLOAT8) AS value, count(amount) AS valued,
        CAST(sum((amount) * (amount)) AS TEXT) AS value_squares
      FROM lost
      GROUP BY GROUPING SETS ((), (reason), (pipeline_id, position), (competitor), (owner_id), (bucket))
    ),
    stage_names AS (
      SELECT pipeline_id, position, min(name) AS name FROM stages
      WHERE workspace_id = $5 AND kind = 'open' GROUP BY pipeline_id, position
    )
    SELECT g.*, COALESCE(sn.name, 'unknown') AS stage, p.name AS pipeline_name, r.name AS owner_name
    FROM grouped g
    LEFT JOIN stage_names sn ON sn.pipeline_id = g.pipeline_id AND sn.position = g.position
    LEFT JOIN pipelines p ON p.workspace_id = $6 AND p.id = g.pipeline_id
    LEFT JOIN reps r ON r.workspace_id = $7 AND r.id = g.owner_id
-- values: ["USD","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","fixture","fixture"]
