-- velocity on postgres: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: durations
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
    relevant AS (
      SELECT owner_id, source, status, created_at, qualified_at, closed_at, amount,
        CASE WHEN (status = 'won' OR (status = 'lost' AND qualified_at IS NOT NULL AND qualified_at <= closed_at))
    AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP)) THEN ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) END AS days
      FROM lead_facts WHERE closed_at >= CAST($5 AS TIMESTAMP) OR closed_at IS NULL
    ),
    closed AS (SELECT owner_id, source, status, days FROM relevant WHERE days IS NOT NULL),
    figure AS (
      SELECT
        count(CASE WHEN created_at < CAST($6 AS TIMESTAMP) AND qualified_at < CAST($7 AS TIMESTAMP)
          AND (closed_at IS NULL OR closed_at >= CAST($8 AS TIMESTAMP)) THEN 1 END) AS open_qualified,
        count(CASE WHEN status = 'lost' AND (closed_at >= CAST($9 AS TIMESTAMP) AND closed_at < CAST($10 AS TIMESTAMP)) AND days IS NULL THEN 1 END) AS unqualified_lost,
        CAST(avg(CASE WHEN status = 'won' AND (closed_at >= CAST($11 AS TIMESTAMP) AND closed_at < CAST($12 AS TIMESTAMP)) THEN amount END) AS FLOAT8) AS average_won
      FROM relevant
    ),
    -- The medians' intervals per grouping and outcome, joined to the rows below.
    vals AS (
      SELECT 'all' AS grp, CAST(NULL AS TEXT) AS gkey, status, days AS value FROM closed
      UNION ALL SELECT 'rep', owner_id, status, days FROM closed
      UNION ALL SELECT 'source', source, status, days FROM closed
    ),
  mi_ranked AS (
    SELECT grp, gkey, status, value,
      row_number() OVER (PARTITION BY grp, gkey, status ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY grp, gkey, status ) AS FLOAT8) AS n
    FROM vals WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT grp, gkey, status, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY grp, gkey, status
  ),
    iv AS (
      SELECT grp, gkey,
        max(CASE WHEN status = 'won' THEN low END) AS won_low, max(CASE WHEN status = 'won' THEN high END) AS won_high,
        max(CASE WHEN status = 'lost' THEN low END) AS lost_low, max(CASE WHEN status = 'lost' THEN high END) AS lost_high
      FROM mi GROUP BY grp, gkey
    ),
    -- The Mann-Whitney test's sums per grouping (statistics.ts rankSumTest): each lead's rank
    -- among its group's days, equal days sharing the average of their ranks (rank() is the
    -- lowest, and t equal days span t ranks); a tie group of t leads adds t^3 - t, that is
    -- t^2 - 1 for each of its leads. The equal days are counted as the row's peers in the same
    -- window as the rank (one sort; a window partitioned by value too took a second pass).
    ranks AS (
      SELECT grp, gkey, status,
        rank() OVER (PARTITION BY grp, gkey ORDER BY value) AS lowest,
        count(*) OVER (PARTITION BY grp, gkey ORDER BY value RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS tied
      FROM vals
    ),
    rs AS (
      SELECT grp, gkey,
        CAST(sum(CASE WHEN status = 'lost' THEN lowest + (tied - 1) / 2.0 END) AS FLOAT8) AS lost_rank_sum,
        CAST(sum(tied * tied - 1) AS FLOAT8) AS tie_sum
      FROM ranks GROUP BY grp, gkey
    )
    SELECT 'all' AS grouping, CAST(NULL AS TEXT) AS key, CAST(NULL AS TEXT) AS label, a.*,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, f.*
    FROM (SELECT
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed) a CROSS JOIN figure f LEFT JOIN iv i ON i.grp = 'all'
    LEFT JOIN rs s ON s.grp = 'all'
    UNION ALL
    SELECT 'rep', g.owner_id, r.name, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT owner_id,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY owner_id) g
    LEFT JOIN reps r ON r.workspace_id = $13 AND r.id = g.owner_id
    LEFT JOIN iv i ON i.grp = 'rep' AND i.gkey IS NOT DISTINCT FROM g.owner_id
    LEFT JOIN rs s ON s.grp = 'rep' AND s.gkey IS NOT DISTINCT FROM g.owner_id
    UNION ALL
    SELECT 'source', g.source, g.source, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT source,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY source) g
    LEFT JOIN iv i ON i.grp = 'source' AND i.gkey = g.source
    LEFT JOIN rs s ON s.grp = 'source' AND s.gkey = g.source
    UNION ALL
    SELECT 'days', CAST(range AS TEXT), CAST(NULL AS TEXT),
      count(CASE WHEN status = 'won' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      count(CASE WHEN status = 'lost' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT status, CASE WHEN days < 7 THEN 0 WHEN days < 14 THEN 1 WHEN days < 30 THEN 2 WHEN days < 60 THEN 3 WHEN days < 90 THEN 4 WHEN days < 180 THEN 5 WHEN days < 365 THEN 6 ELSE 7 END AS range FROM closed) d GROUP BY range
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]
-- statement: daysInStage
    WITH
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $1 AND (d.closed_at >= CAST($2 AS TIMESTAMP) AND d.closed_at < CAST($3 AS TIMESTAMP))
  ),
    per_stage AS (
      SELECT stage_id, count(*) AS leads, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
      FROM stage_days GROUP BY stage_id
    )
    SELECT s.pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position,
      COALESCE(d.leads, 0) AS leads, d.median_days
    FROM stages s
    JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    LEFT JOIN per_stage d ON d.stage_id = s.id
    WHERE s.workspace_id = $4 AND s.kind = 'open'
    ORDER BY p.name, s.pipeline_id, s.position, s.id
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]

-- variant: filtered
-- statement: durations
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
    relevant AS (
      SELECT owner_id, source, status, created_at, qualified_at, closed_at, amount,
        CASE WHEN (status = 'won' OR (status = 'lost' AND qualified_at IS NOT NULL AND qualified_at <= closed_at))
    AND (closed_at >= CAST($8 AS TIMESTAMP) AND closed_at < CAST($9 AS TIMESTAMP)) THEN ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) END AS days
      FROM lead_facts WHERE closed_at >= CAST($10 AS TIMESTAMP) OR closed_at IS NULL
    ),
    closed AS (SELECT owner_id, source, status, days FROM relevant WHERE days IS NOT NULL),
    figure AS (
      SELECT
        count(CASE WHEN created_at < CAST($11 AS TIMESTAMP) AND qualified_at < CAST($12 AS TIMESTAMP)
          AND (closed_at IS NULL OR closed_at >= CAST($13 AS TIMESTAMP)) THEN 1 END) AS open_qualified,
        count(CASE WHEN status = 'lost' AND (closed_at >= CAST($14 AS TIMESTAMP) AND closed_at < CAST($15 AS TIMESTAMP)) AND days IS NULL THEN 1 END) AS unqualified_lost,
        CAST(avg(CASE WHEN status = 'won' AND (closed_at >= CAST($16 AS TIMESTAMP) AND closed_at < CAST($17 AS TIMESTAMP)) THEN amount END) AS FLOAT8) AS average_won
      FROM relevant
    ),
    -- The medians' intervals per grouping and outcome, joined to the rows below.
    vals AS (
      SELECT 'all' AS grp, CAST(NULL AS TEXT) AS gkey, status, days AS value FROM closed
      UNION ALL SELECT 'rep', owner_id, status, days FROM closed
      UNION ALL SELECT 'source', source, status, days FROM closed
    ),
  mi_ranked AS (
    SELECT grp, gkey, status, value,
      row_number() OVER (PARTITION BY grp, gkey, status ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY grp, gkey, status ) AS FLOAT8) AS n
    FROM vals WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT grp, gkey, status, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY grp, gkey, status
  ),
    iv AS (
      SELECT grp, gkey,
        max(CASE WHEN status = 'won' THEN low END) AS won_low, max(CASE WHEN status = 'won' THEN high END) AS won_high,
        max(CASE WHEN status = 'lost' THEN low END) AS lost_low, max(CASE WHEN status = 'lost' THEN high END) AS lost_high
      FROM mi GROUP BY grp, gkey
    ),
    -- The Mann-Whitney test's sums per grouping (statistics.ts rankSumTest): each lead's rank
    -- among its group's days, equal days sharing the average of their ranks (rank() is the
    -- lowest, and t equal days span t ranks); a tie group of t leads adds t^3 - t, that is
    -- t^2 - 1 for each of its leads. The equal days are counted as the row's peers in the same
    -- window as the rank (one sort; a window partitioned by value too took a second pass).
    ranks AS (
      SELECT grp, gkey, status,
        rank() OVER (PARTITION BY grp, gkey ORDER BY value) AS lowest,
        count(*) OVER (PARTITION BY grp, gkey ORDER BY value RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS tied
      FROM vals
    ),
    rs AS (
      SELECT grp, gkey,
        CAST(sum(CASE WHEN status = 'lost' THEN lowest + (tied - 1) / 2.0 END) AS FLOAT8) AS lost_rank_sum,
        CAST(sum(tied * tied - 1) AS FLOAT8) AS tie_sum
      FROM ranks GROUP BY grp, gkey
    )
    SELECT 'all' AS grouping, CAST(NULL AS TEXT) AS key, CAST(NULL AS TEXT) AS label, a.*,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, f.*
    FROM (SELECT
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed) a CROSS JOIN figure f LEFT JOIN iv i ON i.grp = 'all'
    LEFT JOIN rs s ON s.grp = 'all'
    UNION ALL
    SELECT 'rep', g.owner_id, r.name, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT owner_id,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY owner_id) g
    LEFT JOIN reps r ON r.workspace_id = $18 AND r.id = g.owner_id
    LEFT JOIN iv i ON i.grp = 'rep' AND i.gkey IS NOT DISTINCT FROM g.owner_id
    LEFT JOIN rs s ON s.grp = 'rep' AND s.gkey IS NOT DISTINCT FROM g.owner_id
    UNION ALL
    SELECT 'source', g.source, g.source, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT source,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY source) g
    LEFT JOIN iv i ON i.grp = 'source' AND i.gkey = g.source
    LEFT JOIN rs s ON s.grp = 'source' AND s.gkey = g.source
    UNION ALL
    SELECT 'days', CAST(range AS TEXT), CAST(NULL AS TEXT),
      count(CASE WHEN status = 'won' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      count(CASE WHEN status = 'lost' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT status, CASE WHEN days < 7 THEN 0 WHEN days < 14 THEN 1 WHEN days < 30 THEN 2 WHEN days < 60 THEN 3 WHEN days < 90 THEN 4 WHEN days < 180 THEN 5 WHEN days < 365 THEN 6 ELSE 7 END AS range FROM closed) d GROUP BY range
-- values: ["USD","fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]
-- statement: daysInStage
    WITH
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $1 AND (d.closed_at >= CAST($2 AS TIMESTAMP) AND d.closed_at < CAST($3 AS TIMESTAMP)) AND d.lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = $4 AND l.pipeline_id = $5 AND l.owner_id = $6 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $7 AND team = $8) AND l.source_channel = $9 AND l.status = 'won')
  ),
    per_stage AS (
      SELECT stage_id, count(*) AS leads, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
      FROM stage_days GROUP BY stage_id
    )
    SELECT s.pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position,
      COALESCE(d.leads, 0) AS leads, d.median_days
    FROM stages s
    JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    LEFT JOIN per_stage d ON d.stage_id = s.id
    WHERE s.workspace_id = $10 AND s.kind = 'open' AND s.pipeline_id = $11
    ORDER BY p.name, s.pipeline_id, s.position, s.id
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","p1","r1","fixture","East","website","fixture","p1"]

-- variant: unsupported
-- statement: durations
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
    relevant AS (
      SELECT owner_id, source, status, created_at, qualified_at, closed_at, amount,
        CASE WHEN (status = 'won' OR (status = 'lost' AND qualified_at IS NOT NULL AND qualified_at <= closed_at))
    AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP)) THEN ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) END AS days
      FROM lead_facts WHERE closed_at >= CAST($5 AS TIMESTAMP) OR closed_at IS NULL
    ),
    closed AS (SELECT owner_id, source, status, days FROM relevant WHERE days IS NOT NULL),
    figure AS (
      SELECT
        count(CASE WHEN created_at < CAST($6 AS TIMESTAMP) AND qualified_at < CAST($7 AS TIMESTAMP)
          AND (closed_at IS NULL OR closed_at >= CAST($8 AS TIMESTAMP)) THEN 1 END) AS open_qualified,
        count(CASE WHEN status = 'lost' AND (closed_at >= CAST($9 AS TIMESTAMP) AND closed_at < CAST($10 AS TIMESTAMP)) AND days IS NULL THEN 1 END) AS unqualified_lost,
        CAST(avg(CASE WHEN status = 'won' AND (closed_at >= CAST($11 AS TIMESTAMP) AND closed_at < CAST($12 AS TIMESTAMP)) THEN amount END) AS FLOAT8) AS average_won
      FROM relevant
    ),
    -- The medians' intervals per grouping and outcome, joined to the rows below.
    vals AS (
      SELECT 'all' AS grp, CAST(NULL AS TEXT) AS gkey, status, days AS value FROM closed
      UNION ALL SELECT 'rep', owner_id, status, days FROM closed
      UNION ALL SELECT 'source', source, status, days FROM closed
    ),
  mi_ranked AS (
    SELECT grp, gkey, status, value,
      row_number() OVER (PARTITION BY grp, gkey, status ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY grp, gkey, status ) AS FLOAT8) AS n
    FROM vals WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT grp, gkey, status, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY grp, gkey, status
  ),
    iv AS (
      SELECT grp, gkey,
        max(CASE WHEN status = 'won' THEN low END) AS won_low, max(CASE WHEN status = 'won' THEN high END) AS won_high,
        max(CASE WHEN status = 'lost' THEN low END) AS lost_low, max(CASE WHEN status = 'lost' THEN high END) AS lost_high
      FROM mi GROUP BY grp, gkey
    ),
    -- The Mann-Whitney test's sums per grouping (statistics.ts rankSumTest): each lead's rank
    -- among its group's days, equal days sharing the average of their ranks (rank() is the
    -- lowest, and t equal days span t ranks); a tie group of t leads adds t^3 - t, that is
    -- t^2 - 1 for each of its leads. The equal days are counted as the row's peers in the same
    -- window as the rank (one sort; a window partitioned by value too took a second pass).
    ranks AS (
      SELECT grp, gkey, status,
        rank() OVER (PARTITION BY grp, gkey ORDER BY value) AS lowest,
        count(*) OVER (PARTITION BY grp, gkey ORDER BY value RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS tied
      FROM vals
    ),
    rs AS (
      SELECT grp, gkey,
        CAST(sum(CASE WHEN status = 'lost' THEN lowest + (tied - 1) / 2.0 END) AS FLOAT8) AS lost_rank_sum,
        CAST(sum(tied * tied - 1) AS FLOAT8) AS tie_sum
      FROM ranks GROUP BY grp, gkey
    )
    SELECT 'all' AS grouping, CAST(NULL AS TEXT) AS key, CAST(NULL AS TEXT) AS label, a.*,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, f.*
    FROM (SELECT
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed) a CROSS JOIN figure f LEFT JOIN iv i ON i.grp = 'all'
    LEFT JOIN rs s ON s.grp = 'all'
    UNION ALL
    SELECT 'rep', g.owner_id, r.name, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT owner_id,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY owner_id) g
    LEFT JOIN reps r ON r.workspace_id = $13 AND r.id = g.owner_id
    LEFT JOIN iv i ON i.grp = 'rep' AND i.gkey IS NOT DISTINCT FROM g.owner_id
    LEFT JOIN rs s ON s.grp = 'rep' AND s.gkey IS NOT DISTINCT FROM g.owner_id
    UNION ALL
    SELECT 'source', g.source, g.source, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT source,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY source) g
    LEFT JOIN iv i ON i.grp = 'source' AND i.gkey = g.source
    LEFT JOIN rs s ON s.grp = 'source' AND s.gkey = g.source
    UNION ALL
    SELECT 'days', CAST(range AS TEXT), CAST(NULL AS TEXT),
      count(CASE WHEN status = 'won' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      count(CASE WHEN status = 'lost' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT status, CASE WHEN days < 7 THEN 0 WHEN days < 14 THEN 1 WHEN days < 30 THEN 2 WHEN days < 60 THEN 3 WHEN days < 90 THEN 4 WHEN days < 180 THEN 5 WHEN days < 365 THEN 6 ELSE 7 END AS range FROM closed) d GROUP BY range
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]
-- statement: daysInStage
    WITH
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $1 AND (d.closed_at >= CAST($2 AS TIMESTAMP) AND d.closed_at < CAST($3 AS TIMESTAMP))
  ),
    per_stage AS (
      SELECT stage_id, count(*) AS leads, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
      FROM stage_days GROUP BY stage_id
    )
    SELECT s.pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position,
      COALESCE(d.leads, 0) AS leads, d.median_days
    FROM stages s
    JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    LEFT JOIN per_stage d ON d.stage_id = s.id
    WHERE s.workspace_id = $4 AND s.kind = 'open'
    ORDER BY p.name, s.pipeline_id, s.position, s.id
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]

-- variant: empty
-- statement: durations
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
    relevant AS (
      SELECT owner_id, source, status, created_at, qualified_at, closed_at, amount,
        CASE WHEN (status = 'won' OR (status = 'lost' AND qualified_at IS NOT NULL AND qualified_at <= closed_at))
    AND (closed_at >= CAST($2 AS TIMESTAMP) AND closed_at < CAST($3 AS TIMESTAMP)) THEN ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) END AS days
      FROM lead_facts WHERE closed_at >= CAST($4 AS TIMESTAMP) OR closed_at IS NULL
    ),
    closed AS (SELECT owner_id, source, status, days FROM relevant WHERE days IS NOT NULL),
    figure AS (
      SELECT
        count(CASE WHEN created_at < CAST($5 AS TIMESTAMP) AND qualified_at < CAST($6 AS TIMESTAMP)
          AND (closed_at IS NULL OR closed_at >= CAST($7 AS TIMESTAMP)) THEN 1 END) AS open_qualified,
        count(CASE WHEN status = 'lost' AND (closed_at >= CAST($8 AS TIMESTAMP) AND closed_at < CAST($9 AS TIMESTAMP)) AND days IS NULL THEN 1 END) AS unqualified_lost,
        CAST(avg(CASE WHEN status = 'won' AND (closed_at >= CAST($10 AS TIMESTAMP) AND closed_at < CAST($11 AS TIMESTAMP)) THEN amount END) AS FLOAT8) AS average_won
      FROM relevant
    ),
    -- The medians' intervals per grouping and outcome, joined to the rows below.
    vals AS (
      SELECT 'all' AS grp, CAST(NULL AS TEXT) AS gkey, status, days AS value FROM closed
      UNION ALL SELECT 'rep', owner_id, status, days FROM closed
      UNION ALL SELECT 'source', source, status, days FROM closed
    ),
  mi_ranked AS (
    SELECT grp, gkey, status, value,
      row_number() OVER (PARTITION BY grp, gkey, status ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY grp, gkey, status ) AS FLOAT8) AS n
    FROM vals WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT grp, gkey, status, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY grp, gkey, status
  ),
    iv AS (
      SELECT grp, gkey,
        max(CASE WHEN status = 'won' THEN low END) AS won_low, max(CASE WHEN status = 'won' THEN high END) AS won_high,
        max(CASE WHEN status = 'lost' THEN low END) AS lost_low, max(CASE WHEN status = 'lost' THEN high END) AS lost_high
      FROM mi GROUP BY grp, gkey
    ),
    -- The Mann-Whitney test's sums per grouping (statistics.ts rankSumTest): each lead's rank
    -- among its group's days, equal days sharing the average of their ranks (rank() is the
    -- lowest, and t equal days span t ranks); a tie group of t leads adds t^3 - t, that is
    -- t^2 - 1 for each of its leads. The equal days are counted as the row's peers in the same
    -- window as the rank (one sort; a window partitioned by value too took a second pass).
    ranks AS (
      SELECT grp, gkey, status,
        rank() OVER (PARTITION BY grp, gkey ORDER BY value) AS lowest,
        count(*) OVER (PARTITION BY grp, gkey ORDER BY value RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS tied
      FROM vals
    ),
    rs AS (
      SELECT grp, gkey,
        CAST(sum(CASE WHEN status = 'lost' THEN lowest + (tied - 1) / 2.0 END) AS FLOAT8) AS lost_rank_sum,
        CAST(sum(tied * tied - 1) AS FLOAT8) AS tie_sum
      FROM ranks GROUP BY grp, gkey
    )
    SELECT 'all' AS grouping, CAST(NULL AS TEXT) AS key, CAST(NULL AS TEXT) AS label, a.*,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, f.*
    FROM (SELECT
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed) a CROSS JOIN figure f LEFT JOIN iv i ON i.grp = 'all'
    LEFT JOIN rs s ON s.grp = 'all'
    UNION ALL
    SELECT 'rep', g.owner_id, r.name, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT owner_id,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY owner_id) g
    LEFT JOIN reps r ON r.workspace_id = $12 AND r.id = g.owner_id
    LEFT JOIN iv i ON i.grp = 'rep' AND i.gkey IS NOT DISTINCT FROM g.owner_id
    LEFT JOIN rs s ON s.grp = 'rep' AND s.gkey IS NOT DISTINCT FROM g.owner_id
    UNION ALL
    SELECT 'source', g.source, g.source, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT source,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY source) g
    LEFT JOIN iv i ON i.grp = 'source' AND i.gkey = g.source
    LEFT JOIN rs s ON s.grp = 'source' AND s.gkey = g.source
    UNION ALL
    SELECT 'days', CAST(range AS TEXT), CAST(NULL AS TEXT),
      count(CASE WHEN status = 'won' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      count(CASE WHEN status = 'lost' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT status, CASE WHEN days < 7 THEN 0 WHEN days < 14 THEN 1 WHEN days < 30 THEN 2 WHEN days < 60 THEN 3 WHEN days < 90 THEN 4 WHEN days < 180 THEN 5 WHEN days < 365 THEN 6 ELSE 7 END AS range FROM closed) d GROUP BY range
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture"]

-- variant: partial
-- statement: durations
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
    relevant AS (
      SELECT owner_id, source, status, created_at, qualified_at, closed_at, amount,
        CASE WHEN (status = 'won' OR (status = 'lost' AND qualified_at IS NOT NULL AND qualified_at <= closed_at))
    AND (closed_at >= CAST($3 AS TIMESTAMP) AND closed_at < CAST($4 AS TIMESTAMP)) THEN ((CAST(EXTRACT(EPOCH FROM closed_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM CASE WHEN qualified_at IS NOT NULL AND qualified_at < closed_at THEN qualified_at ELSE created_at END) AS DOUBLE PRECISION)) / 86400.0) END AS days
      FROM lead_facts WHERE closed_at >= CAST($5 AS TIMESTAMP) OR closed_at IS NULL
    ),
    closed AS (SELECT owner_id, source, status, days FROM relevant WHERE days IS NOT NULL),
    figure AS (
      SELECT
        count(CASE WHEN created_at < CAST($6 AS TIMESTAMP) AND qualified_at < CAST($7 AS TIMESTAMP)
          AND (closed_at IS NULL OR closed_at >= CAST($8 AS TIMESTAMP)) THEN 1 END) AS open_qualified,
        count(CASE WHEN status = 'lost' AND (closed_at >= CAST($9 AS TIMESTAMP) AND closed_at < CAST($10 AS TIMESTAMP)) AND days IS NULL THEN 1 END) AS unqualified_lost,
        CAST(avg(CASE WHEN status = 'won' AND (closed_at >= CAST($11 AS TIMESTAMP) AND closed_at < CAST($12 AS TIMESTAMP)) THEN amount END) AS FLOAT8) AS average_won
      FROM relevant
    ),
    -- The medians' intervals per grouping and outcome, joined to the rows below.
    vals AS (
      SELECT 'all' AS grp, CAST(NULL AS TEXT) AS gkey, status, days AS value FROM closed
      UNION ALL SELECT 'rep', owner_id, status, days FROM closed
      UNION ALL SELECT 'source', source, status, days FROM closed
    ),
  mi_ranked AS (
    SELECT grp, gkey, status, value,
      row_number() OVER (PARTITION BY grp, gkey, status ORDER BY value) AS rn,
      CAST(count(*) OVER (PARTITION BY grp, gkey, status ) AS FLOAT8) AS n
    FROM vals WHERE value IS NOT NULL
  ),
  mi AS (
    SELECT grp, gkey, status, CAST(max(n) AS BIGINT) AS n,
      (CAST(min(CASE WHEN rn = floor((n - 1) / 2) + 1 THEN value END) AS FLOAT8) + CAST(min(CASE WHEN rn = ceil((n - 1) / 2) + 1 THEN value END) AS FLOAT8)) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = GREATEST(1, floor(n / 2 - CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS low,
      CASE WHEN max(n) >= 6 THEN CAST(min(CASE WHEN rn = LEAST(n, ceil(1 + n / 2 + CAST(1.959963984540054 AS FLOAT8) * sqrt(n) / 2)) THEN value END) AS FLOAT8) END AS high
    FROM mi_ranked GROUP BY grp, gkey, status
  ),
    iv AS (
      SELECT grp, gkey,
        max(CASE WHEN status = 'won' THEN low END) AS won_low, max(CASE WHEN status = 'won' THEN high END) AS won_high,
        max(CASE WHEN status = 'lost' THEN low END) AS lost_low, max(CASE WHEN status = 'lost' THEN high END) AS lost_high
      FROM mi GROUP BY grp, gkey
    ),
    -- The Mann-Whitney test's sums per grouping (statistics.ts rankSumTest): each lead's rank
    -- among its group's days, equal days sharing the average of their ranks (rank() is the
    -- lowest, and t equal days span t ranks); a tie group of t leads adds t^3 - t, that is
    -- t^2 - 1 for each of its leads. The equal days are counted as the row's peers in the same
    -- window as the rank (one sort; a window partitioned by value too took a second pass).
    ranks AS (
      SELECT grp, gkey, status,
        rank() OVER (PARTITION BY grp, gkey ORDER BY value) AS lowest,
        count(*) OVER (PARTITION BY grp, gkey ORDER BY value RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS tied
      FROM vals
    ),
    rs AS (
      SELECT grp, gkey,
        CAST(sum(CASE WHEN status = 'lost' THEN lowest + (tied - 1) / 2.0 END) AS FLOAT8) AS lost_rank_sum,
        CAST(sum(tied * tied - 1) AS FLOAT8) AS tie_sum
      FROM ranks GROUP BY grp, gkey
    )
    SELECT 'all' AS grouping, CAST(NULL AS TEXT) AS key, CAST(NULL AS TEXT) AS label, a.*,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, f.*
    FROM (SELECT
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed) a CROSS JOIN figure f LEFT JOIN iv i ON i.grp = 'all'
    LEFT JOIN rs s ON s.grp = 'all'
    UNION ALL
    SELECT 'rep', g.owner_id, r.name, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT owner_id,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY owner_id) g
    LEFT JOIN reps r ON r.workspace_id = $13 AND r.id = g.owner_id
    LEFT JOIN iv i ON i.grp = 'rep' AND i.gkey IS NOT DISTINCT FROM g.owner_id
    LEFT JOIN rs s ON s.grp = 'rep' AND s.gkey IS NOT DISTINCT FROM g.owner_id
    UNION ALL
    SELECT 'source', g.source, g.source, g.won, g.won_median, g.won_p75, g.won_p90, g.lost, g.lost_median, g.lost_p75, g.lost_p90,
      i.won_low, i.won_high, i.lost_low, i.lost_high, s.lost_rank_sum, s.tie_sum, CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT source,
    count(CASE WHEN status = 'won' THEN 1 END) AS won,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'won' THEN days END) AS won_p90,
    count(CASE WHEN status = 'lost' THEN 1 END) AS lost,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_median, percentile_cont(0.75) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p75, percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = 'lost' THEN days END) AS lost_p90 FROM closed GROUP BY source) g
    LEFT JOIN iv i ON i.grp = 'source' AND i.gkey = g.source
    LEFT JOIN rs s ON s.grp = 'source' AND s.gkey = g.source
    UNION ALL
    SELECT 'days', CAST(range AS TEXT), CAST(NULL AS TEXT),
      count(CASE WHEN status = 'won' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      count(CASE WHEN status = 'lost' THEN 1 END), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8),
      CAST(NULL AS FLOAT8), CAST(NULL AS FLOAT8), CAST(NULL AS BIGINT) AS open_qualified, CAST(NULL AS BIGINT) AS unqualified_lost,
    CAST(NULL AS FLOAT8) AS average_won
    FROM (SELECT status, CASE WHEN days < 7 THEN 0 WHEN days < 14 THEN 1 WHEN days < 30 THEN 2 WHEN days < 60 THEN 3 WHEN days < 90 THEN 4 WHEN days < 180 THEN 5 WHEN days < 365 THEN 6 ELSE 7 END AS range FROM closed) d GROUP BY range
-- values: ["USD","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2026-06-11 00:00:00.000","2026-06-11 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture"]
-- statement: daysInStage
    WITH
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $1 AND (d.closed_at >= CAST($2 AS TIMESTAMP) AND d.closed_at < CAST($3 AS TIMESTAMP))
  ),
    per_stage AS (
      SELECT stage_id, count(*) AS leads, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
      FROM stage_days GROUP BY stage_id
    )
    SELECT s.pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name, s.position,
      COALESCE(d.leads, 0) AS leads, d.median_days
    FROM stages s
    JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    LEFT JOIN per_stage d ON d.stage_id = s.id
    WHERE s.workspace_id = $4 AND s.kind = 'open'
    ORDER BY p.name, s.pipeline_id, s.position, s.id
-- values: ["fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture"]
