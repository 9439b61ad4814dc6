-- velocity (quick headlines medianDaysToWin across three periods) on postgres: its statement as sent, with its bound values, per fixture variant

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
        won AS (
          SELECT (CASE WHEN closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP) THEN 0 WHEN closed_at >= CAST($5 AS TIMESTAMP) AND closed_at < CAST($6 AS TIMESTAMP) THEN 1 WHEN closed_at >= CAST($7 AS TIMESTAMP) AND closed_at < CAST($8 AS TIMESTAMP) THEN 2 END) AS period_index,
            ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND closed_at >= CAST($9 AS TIMESTAMP) AND closed_at < CAST($10 AS TIMESTAMP)
        ),
  mi_ranked AS (
    SELECT period_index, value,
      row_number() OVER (PARTITION BY period_index ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY period_index ) AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT period_index, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY period_index
  ),
        counted AS (
          SELECT period_index, count(*) AS won, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS won_median
          FROM won GROUP BY period_index
        )
        SELECT p.period_index, COALESCE(c.won, 0) AS won, c.won_median, mi.low AS won_low, mi.high AS won_high
        FROM across_periods p
        LEFT JOIN counted c ON c.period_index = p.period_index
        LEFT JOIN mi ON mi.period_index = p.period_index
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
        won AS (
          SELECT (CASE WHEN closed_at >= CAST($8 AS TIMESTAMP) AND closed_at < CAST($9 AS TIMESTAMP) THEN 0 WHEN closed_at >= CAST($10 AS TIMESTAMP) AND closed_at < CAST($11 AS TIMESTAMP) THEN 1 WHEN closed_at >= CAST($12 AS TIMESTAMP) AND closed_at < CAST($13 AS TIMESTAMP) THEN 2 END) AS period_index,
            ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND closed_at >= CAST($14 AS TIMESTAMP) AND closed_at < CAST($15 AS TIMESTAMP)
        ),
  mi_ranked AS (
    SELECT period_index, value,
      row_number() OVER (PARTITION BY period_index ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY period_index ) AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT period_index, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY period_index
  ),
        counted AS (
          SELECT period_index, count(*) AS won, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS won_median
          FROM won GROUP BY period_index
        )
        SELECT p.period_index, COALESCE(c.won, 0) AS won, c.won_median, mi.low AS won_low, mi.high AS won_high
        FROM across_periods p
        LEFT JOIN counted c ON c.period_index = p.period_index
        LEFT JOIN mi ON mi.period_index = p.period_index
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
        won AS (
          SELECT (CASE WHEN closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP) THEN 0 WHEN closed_at >= CAST($5 AS TIMESTAMP) AND closed_at < CAST($6 AS TIMESTAMP) THEN 1 WHEN closed_at >= CAST($7 AS TIMESTAMP) AND closed_at < CAST($8 AS TIMESTAMP) THEN 2 END) AS period_index,
            ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND closed_at >= CAST($9 AS TIMESTAMP) AND closed_at < CAST($10 AS TIMESTAMP)
        ),
  mi_ranked AS (
    SELECT period_index, value,
      row_number() OVER (PARTITION BY period_index ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY period_index ) AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT period_index, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY period_index
  ),
        counted AS (
          SELECT period_index, count(*) AS won, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS won_median
          FROM won GROUP BY period_index
        )
        SELECT p.period_index, COALESCE(c.won, 0) AS won, c.won_median, mi.low AS won_low, mi.high AS won_high
        FROM across_periods p
        LEFT JOIN counted c ON c.period_index = p.period_index
        LEFT JOIN mi ON mi.period_index = p.period_index
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
        won AS (
          SELECT (CASE WHEN closed_at >= CAST($2 AS TIMESTAMP) AND closed_at < CAST($3 AS TIMESTAMP) THEN 0 WHEN closed_at >= CAST($4 AS TIMESTAMP) AND closed_at < CAST($5 AS TIMESTAMP) THEN 1 WHEN closed_at >= CAST($6 AS TIMESTAMP) AND closed_at < CAST($7 AS TIMESTAMP) THEN 2 END) AS period_index,
            ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND closed_at >= CAST($8 AS TIMESTAMP) AND closed_at < CAST($9 AS TIMESTAMP)
        ),
  mi_ranked AS (
    SELECT period_index, value,
      row_number() OVER (PARTITION BY period_index ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY period_index ) AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT period_index, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY period_index
  ),
        counted AS (
          SELECT period_index, count(*) AS won, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS won_median
          FROM won GROUP BY period_index
        )
        SELECT p.period_index, COALESCE(c.won, 0) AS won, c.won_median, mi.low AS won_low, mi.high AS won_high
        FROM across_periods p
        LEFT JOIN counted c ON c.period_index = p.period_index
        LEFT JOIN mi ON mi.period_index = p.period_index
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
        won AS (
          SELECT (CASE WHEN closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP) THEN 0 WHEN closed_at >= CAST($5 AS TIMESTAMP) AND closed_at < CAST($6 AS TIMESTAMP) THEN 1 WHEN closed_at >= CAST($7 AS TIMESTAMP) AND closed_at < CAST($8 AS TIMESTAMP) THEN 2 END) AS period_index,
            ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) AS value
          FROM lead_facts WHERE status = 'won' AND closed_at >= CAST($9 AS TIMESTAMP) AND closed_at < CAST($10 AS TIMESTAMP)
        ),
  mi_ranked AS (
    SELECT period_index, value,
      row_number() OVER (PARTITION BY period_index ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY period_index ) AS FLOAT8) AS n
    FROM won WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT period_index, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY period_index
  ),
        counted AS (
          SELECT period_index, count(*) AS won, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS won_median
          FROM won GROUP BY period_index
        )
        SELECT p.period_index, COALESCE(c.won, 0) AS won, c.won_median, mi.low AS won_low, mi.high AS won_high
        FROM across_periods p
        LEFT JOIN counted c ON c.period_index = p.period_index
        LEFT JOIN mi ON mi.period_index = p.period_index
        ORDER BY p.period_index
-- values: ["USD","fixture","2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000"]
