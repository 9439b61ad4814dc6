-- funnel on postgres: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: stages
    SELECT p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position
    FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = $1 AND s.kind = 'open'
    ORDER BY p.name, p.id, s.position, s.id
-- values: ["fixture"]
-- statement: counts
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
    progressed AS (
      SELECT f.owner_id, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE (f.created_at >= CAST($4 AS TIMESTAMP) AND f.created_at < CAST($5 AS TIMESTAMP))
    ),
    cohort AS (
      SELECT owner_id, pipeline_id, status, progress, count(*) AS leads
      FROM progressed GROUP BY owner_id, pipeline_id, status, progress
    ),
    counts AS (
      SELECT c.owner_id, c.pipeline_id, s.id AS stage_id,
        -- A won lead has passed every open stage of its pipeline.
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress >= s.position THEN c.leads ELSE 0 END) AS BIGINT) AS reached,
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress > s.position THEN c.leads ELSE 0 END) AS BIGINT) AS advanced,
        CAST(sum(CASE WHEN c.status = 'lost' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS lost_at,
        CAST(sum(CASE WHEN c.status = 'open' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS open_at,
        CAST(sum(CASE WHEN c.status = 'cancelled' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT)
          AS cancelled_at
      FROM cohort c
      JOIN stages s ON s.workspace_id = $6 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
      GROUP BY c.owner_id, c.pipeline_id, s.id
    )
    SELECT * FROM counts
-- values: ["USD","fixture","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: filtered
-- statement: stages
    SELECT p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position
    FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = $1 AND s.kind = 'open' AND p.id = $2
    ORDER BY p.name, p.id, s.position, s.id
-- values: ["fixture","p1"]
-- statement: counts
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
    progressed AS (
      SELECT f.owner_id, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE (f.created_at >= CAST($9 AS TIMESTAMP) AND f.created_at < CAST($10 AS TIMESTAMP))
    ),
    cohort AS (
      SELECT owner_id, pipeline_id, status, progress, count(*) AS leads
      FROM progressed GROUP BY owner_id, pipeline_id, status, progress
    ),
    counts AS (
      SELECT c.owner_id, c.pipeline_id, s.id AS stage_id,
        -- A won lead has passed every open stage of its pipeline.
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress >= s.position THEN c.leads ELSE 0 END) AS BIGINT) AS reached,
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress > s.position THEN c.leads ELSE 0 END) AS BIGINT) AS advanced,
        CAST(sum(CASE WHEN c.status = 'lost' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS lost_at,
        CAST(sum(CASE WHEN c.status = 'open' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS open_at,
        CAST(sum(CASE WHEN c.status = 'cancelled' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT)
          AS cancelled_at
      FROM cohort c
      JOIN stages s ON s.workspace_id = $11 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
      GROUP BY c.owner_id, c.pipeline_id, s.id
    )
    SELECT * FROM counts
-- values: ["USD","fixture","p1","r1","fixture","East","website","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: unsupported
-- statement: stages
    SELECT p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position
    FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = $1 AND s.kind = 'open'
    ORDER BY p.name, p.id, s.position, s.id
-- values: ["fixture"]
-- statement: counts
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
    progressed AS (
      SELECT f.owner_id, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE (f.created_at >= CAST($4 AS TIMESTAMP) AND f.created_at < CAST($5 AS TIMESTAMP))
    ),
    cohort AS (
      SELECT owner_id, pipeline_id, status, progress, count(*) AS leads
      FROM progressed GROUP BY owner_id, pipeline_id, status, progress
    ),
    counts AS (
      SELECT c.owner_id, c.pipeline_id, s.id AS stage_id,
        -- A won lead has passed every open stage of its pipeline.
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress >= s.position THEN c.leads ELSE 0 END) AS BIGINT) AS reached,
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress > s.position THEN c.leads ELSE 0 END) AS BIGINT) AS advanced,
        CAST(sum(CASE WHEN c.status = 'lost' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS lost_at,
        CAST(sum(CASE WHEN c.status = 'open' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS open_at,
        CAST(sum(CASE WHEN c.status = 'cancelled' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT)
          AS cancelled_at
      FROM cohort c
      JOIN stages s ON s.workspace_id = $6 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
      GROUP BY c.owner_id, c.pipeline_id, s.id
    )
    SELECT * FROM counts
-- values: ["USD","fixture","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: empty
-- statement: stages
    SELECT p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position
    FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = $1 AND s.kind = 'open'
    ORDER BY p.name, p.id, s.position, s.id
-- values: ["fixture"]
-- statement: counts
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
    progressed AS (
      SELECT f.owner_id, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE (f.created_at >= CAST($3 AS TIMESTAMP) AND f.created_at < CAST($4 AS TIMESTAMP))
    ),
    cohort AS (
      SELECT owner_id, pipeline_id, status, progress, count(*) AS leads
      FROM progressed GROUP BY owner_id, pipeline_id, status, progress
    ),
    counts AS (
      SELECT c.owner_id, c.pipeline_id, s.id AS stage_id,
        -- A won lead has passed every open stage of its pipeline.
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress >= s.position THEN c.leads ELSE 0 END) AS BIGINT) AS reached,
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress > s.position THEN c.leads ELSE 0 END) AS BIGINT) AS advanced,
        CAST(sum(CASE WHEN c.status = 'lost' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS lost_at,
        CAST(sum(CASE WHEN c.status = 'open' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS open_at,
        CAST(sum(CASE WHEN c.status = 'cancelled' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT)
          AS cancelled_at
      FROM cohort c
      JOIN stages s ON s.workspace_id = $5 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
      GROUP BY c.owner_id, c.pipeline_id, s.id
    )
    SELECT * FROM counts
-- values: ["fixture","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: partial
-- statement: stages
    SELECT p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position
    FROM stages s JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = $1 AND s.kind = 'open'
    ORDER BY p.name, p.id, s.position, s.id
-- values: ["fixture"]
-- statement: counts
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
    progressed AS (
      SELECT f.owner_id, f.pipeline_id, f.status, LEAST(GREATEST(COALESCE(f.furthest_position, b.first_position), b.first_position), b.last_position) AS progress
      FROM lead_facts f JOIN bounds b ON b.pipeline_id = f.pipeline_id
      WHERE (f.created_at >= CAST($4 AS TIMESTAMP) AND f.created_at < CAST($5 AS TIMESTAMP))
    ),
    cohort AS (
      SELECT owner_id, pipeline_id, status, progress, count(*) AS leads
      FROM progressed GROUP BY owner_id, pipeline_id, status, progress
    ),
    counts AS (
      SELECT c.owner_id, c.pipeline_id, s.id AS stage_id,
        -- A won lead has passed every open stage of its pipeline.
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress >= s.position THEN c.leads ELSE 0 END) AS BIGINT) AS reached,
        CAST(sum(CASE WHEN c.status = 'won' OR c.progress > s.position THEN c.leads ELSE 0 END) AS BIGINT) AS advanced,
        CAST(sum(CASE WHEN c.status = 'lost' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS lost_at,
        CAST(sum(CASE WHEN c.status = 'open' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT) AS open_at,
        CAST(sum(CASE WHEN c.status = 'cancelled' AND c.progress = s.position THEN c.leads ELSE 0 END) AS BIGINT)
          AS cancelled_at
      FROM cohort c
      JOIN stages s ON s.workspace_id = $6 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
      GROUP BY c.owner_id, c.pipeline_id, s.id
    )
    SELECT * FROM counts
-- values: ["USD","fixture","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]
