-- velocity (quick headlines medianDaysToWin) on postgres: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: won
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
        won AS (
          SELECT ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP))
        ),
  mi_ranked AS (
    SELECT value,
      row_number() OVER (ORDER BY value) AS rn,
      CAST(count(*) OVER () AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked
  )
        SELECT (SELECT count(*) FROM won) AS won,
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM won) AS won_median,
          mi.low AS won_low, mi.high AS won_high
        FROM mi
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: won
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
        won AS (
          SELECT ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND (closed_at >= CAST($8 AS TIMESTAMP) AND closed_at < CAST($9 AS TIMESTAMP))
        ),
  mi_ranked AS (
    SELECT value,
      row_number() OVER (ORDER BY value) AS rn,
      CAST(count(*) OVER () AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked
  )
        SELECT (SELECT count(*) FROM won) AS won,
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM won) AS won_median,
          mi.low AS won_low, mi.high AS won_high
        FROM mi
-- values: ["USD","fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: won
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
        won AS (
          SELECT ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP))
        ),
  mi_ranked AS (
    SELECT value,
      row_number() OVER (ORDER BY value) AS rn,
      CAST(count(*) OVER () AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked
  )
        SELECT (SELECT count(*) FROM won) AS won,
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM won) AS won_median,
          mi.low AS won_low, mi.high AS won_high
        FROM mi
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- statement: won
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
        won AS (
          SELECT ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND (closed_at >= CAST($2 AS TIMESTAMP) AND closed_at < CAST($3 AS TIMESTAMP))
        ),
  mi_ranked AS (
    SELECT value,
      row_number() OVER (ORDER BY value) AS rn,
      CAST(count(*) OVER () AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked
  )
        SELECT (SELECT count(*) FROM won) AS won,
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM won) AS won_median,
          mi.low AS won_low, mi.high AS won_high
        FROM mi
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: partial
-- statement: won
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
        won AS (
          SELECT ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP))
        ),
  mi_ranked AS (
    SELECT value,
      row_number() OVER (ORDER BY value) AS rn,
      CAST(count(*) OVER () AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked
  )
        SELECT (SELECT count(*) FROM won) AS won,
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM won) AS won_median,
          mi.low AS won_low, mi.high AS won_high
        FROM mi
-- values: ["USD","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000"]
