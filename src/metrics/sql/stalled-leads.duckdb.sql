-- stalled-leads on duckdb: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: stalled
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.name, l.account, l.last_activity_at, l.last_activity_type, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
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
    -- The names ride along from the one read of the leads: joined from leads again for the
    -- stalled ones, DuckDB read the names of all of them (a million at size l, 0.4-0.6 s).
    open_leads AS MATERIALIZED (
      SELECT lead_id, name, account, owner_id, stage_id, created_at, amount, last_event_at, last_event_stage_id,
        last_activity_at, last_activity_type
      FROM lead_facts
      WHERE created_at <= CAST($3 AS TIMESTAMP) AND (closed_at IS NULL OR closed_at > CAST($4 AS TIMESTAMP))
    ),
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $5 AND d.closed_at <= CAST($6 AS TIMESTAMP)
  ),
    -- The stage events up to asOf of the open leads that moved after it, read before the
    -- stages are joined: in one join with the stages DuckDB took the events for the smaller
    -- side and hashed all 2.8 million of size l for 16,064 leads (2-8 s of the statement).
    moved_events AS MATERIALIZED (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id, e.changed_at
      FROM stage_events e
      JOIN open_leads o ON o.lead_id = e.lead_id AND o.last_event_at > CAST($7 AS TIMESTAMP)
      WHERE e.workspace_id = $8 AND e.changed_at <= CAST($9 AS TIMESTAMP)
    ),
    -- The stage each open lead was in at asOf: its last stage event by then (events at the
    -- same moment ordered by stage position, then id). That is the latest event stored on the
    -- lead at ingest, unless the lead moved after asOf (an earlier period): then its events.
    last_event AS (
      SELECT lead_id, last_event_stage_id AS to_stage_id, last_event_at AS changed_at FROM open_leads
      WHERE last_event_at <= CAST($10 AS TIMESTAMP)
      UNION ALL
      SELECT lead_id, to_stage_id, changed_at FROM (
        SELECT e.lead_id, e.to_stage_id, e.changed_at,
          ROW_NUMBER() OVER (
            PARTITION BY e.lead_id ORDER BY e.changed_at DESC, s.position DESC, e.to_stage_id DESC
          ) AS rn
        FROM moved_events e
        JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      ) ranked WHERE rn = 1
    ),
    benchmark AS (
      SELECT stage_id, quantile_cont(CAST(days AS DOUBLE), 0.5) AS median_days FROM stage_days GROUP BY stage_id
    ),
    judged AS (
      -- The stage of the last event up to asOf; without one, the lead's stage since creation.
      SELECT o.lead_id, o.name, o.account, o.owner_id, COALESCE(le.to_stage_id, o.stage_id) AS stage_id, o.amount,
        o.last_activity_at, o.last_activity_type, (((CAST(epoch_us(CAST($11 AS TIMESTAMP)) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(COALESCE(le.changed_at, o.created_at)) AS DOUBLE) / 1000000.0)) / 86400.0) AS days, b.median_days
      FROM open_leads o
      LEFT JOIN last_event le ON le.lead_id = o.lead_id
      LEFT JOIN benchmark b ON b.stage_id = COALESCE(le.to_stage_id, o.stage_id)
    ),
    totals AS (
      SELECT count(*) AS open_leads, count(CASE WHEN median_days IS NULL THEN 1 END) AS without_benchmark,
        count(CASE WHEN median_days IS NOT NULL AND days > $12 * median_days THEN 1 END) AS stalled_leads
      FROM judged
    ),
    stalled AS (
      SELECT *, (floor(CAST(days - $13 * median_days AS FLOAT8) * CAST(1000000 AS FLOAT8) + CAST(0.5 AS FLOAT8)) / CAST(1000000 AS FLOAT8)) AS days_over FROM judged WHERE median_days IS NOT NULL AND days > $14 * median_days
    ),
    ordered AS (SELECT *, ROW_NUMBER() OVER (ORDER BY (days_over IS NULL), days_over DESC, lead_id) AS position FROM stalled),
    shown AS (SELECT * FROM ordered),
    last_activity AS (
      -- The latest activity up to asOf; of several at that moment, the first type by name. The
      -- lead's latest activity is kept on it at ingest (derive/lead-activity.ts): when that is
      -- by asOf (always for the latest data), it is the answer. Otherwise (an earlier as-of)
      -- the activities are read, per stalled lead: PostgreSQL looks each up in activities_lead
      -- (52,324 leads at size l: 1.0 s) where a semi-join merged the whole index of 9.2
      -- million activities (3.5-4 s); DuckDB plans both forms alike.
      SELECT lead_id, last_activity_at AS occurred_at, last_activity_type AS type FROM shown
      WHERE last_activity_at <= CAST($15 AS TIMESTAMP)
      UNION ALL
      SELECT st.lead_id, la.occurred_at, la.type FROM shown st
      JOIN LATERAL (
        SELECT a.occurred_at, a.type FROM activities a
        WHERE a.workspace_id = $16 AND a.lead_id = st.lead_id AND a.occurred_at <= CAST($17 AS TIMESTAMP)
        ORDER BY a.occurred_at DESC, a.type
        LIMIT 1
      ) la ON TRUE
      WHERE st.last_activity_at > CAST($18 AS TIMESTAMP)
    ),
    listed AS (
      SELECT st.lead_id AS id, st.name, st.account, st.owner_id, r.name AS owner_name,
        st.stage_id, s.name AS stage_name, CAST(st.amount AS FLOAT8) AS value, st.days, st.median_days, st.days_over,
        st.position,
        lt.occurred_at AS last_activity_at, lt.type AS last_activity_type
      FROM shown st
      LEFT JOIN reps r ON r.workspace_id = $19 AND r.id = st.owner_id
      LEFT JOIN stages s ON s.workspace_id = $20 AND s.id = st.stage_id
      LEFT JOIN last_activity lt ON lt.lead_id = st.lead_id
    )
    SELECT t.open_leads, t.without_benchmark, t.stalled_leads, x.*
    FROM totals t LEFT JOIN listed x ON TRUE
    ORDER BY x.position
-- values: ["USD","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000",2,2,2,"2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","fixture"]

-- variant: filtered
-- statement: stalled
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.name, l.account, l.last_activity_at, l.last_activity_type, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
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
    -- The names ride along from the one read of the leads: joined from leads again for the
    -- stalled ones, DuckDB read the names of all of them (a million at size l, 0.4-0.6 s).
    open_leads AS MATERIALIZED (
      SELECT lead_id, name, account, owner_id, stage_id, created_at, amount, last_event_at, last_event_stage_id,
        last_activity_at, last_activity_type
      FROM lead_facts
      WHERE created_at <= CAST($8 AS TIMESTAMP) AND (closed_at IS NULL OR closed_at > CAST($9 AS TIMESTAMP))
    ),
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $10 AND d.closed_at <= CAST($11 AS TIMESTAMP) AND d.lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = $12 AND l.pipeline_id = $13 AND l.owner_id = $14 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $15 AND team = $16) AND l.source_channel = $17 AND l.status = 'won')
  ),
    -- The stage events up to asOf of the open leads that moved after it, read before the
    -- stages are joined: in one join with the stages DuckDB took the events for the smaller
    -- side and hashed all 2.8 million of size l for 16,064 leads (2-8 s of the statement).
    moved_events AS MATERIALIZED (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id, e.changed_at
      FROM stage_events e
      JOIN open_leads o ON o.lead_id = e.lead_id AND o.last_event_at > CAST($18 AS TIMESTAMP)
      WHERE e.workspace_id = $19 AND e.changed_at <= CAST($20 AS TIMESTAMP)
    ),
    -- The stage each open lead was in at asOf: its last stage event by then (events at the
    -- same moment ordered by stage position, then id). That is the latest event stored on the
    -- lead at ingest, unless the lead moved after asOf (an earlier period): then its events.
    last_event AS (
      SELECT lead_id, last_event_stage_id AS to_stage_id, last_event_at AS changed_at FROM open_leads
      WHERE last_event_at <= CAST($21 AS TIMESTAMP)
      UNION ALL
      SELECT lead_id, to_stage_id, changed_at FROM (
        SELECT e.lead_id, e.to_stage_id, e.changed_at,
          ROW_NUMBER() OVER (
            PARTITION BY e.lead_id ORDER BY e.changed_at DESC, s.position DESC, e.to_stage_id DESC
          ) AS rn
        FROM moved_events e
        JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      ) ranked WHERE rn = 1
    ),
    benchmark AS (
      SELECT stage_id, quantile_cont(CAST(days AS DOUBLE), 0.5) AS median_days FROM stage_days GROUP BY stage_id
    ),
    judged AS (
      -- The stage of the last event up to asOf; without one, the lead's stage since creation.
      SELECT o.lead_id, o.name, o.account, o.owner_id, COALESCE(le.to_stage_id, o.stage_id) AS stage_id, o.amount,
        o.last_activity_at, o.last_activity_type, (((CAST(epoch_us(CAST($22 AS TIMESTAMP)) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(COALESCE(le.changed_at, o.created_at)) AS DOUBLE) / 1000000.0)) / 86400.0) AS days, b.median_days
      FROM open_leads o
      LEFT JOIN last_event le ON le.lead_id = o.lead_id
      LEFT JOIN benchmark b ON b.stage_id = COALESCE(le.to_stage_id, o.stage_id)
    ),
    totals AS (
      SELECT count(*) AS open_leads, count(CASE WHEN median_days IS NULL THEN 1 END) AS without_benchmark,
        count(CASE WHEN median_days IS NOT NULL AND days > $23 * median_days THEN 1 END) AS stalled_leads
      FROM judged
    ),
    stalled AS (
      SELECT *, (floor(CAST(days - $24 * median_days AS FLOAT8) * CAST(1000000 AS FLOAT8) + CAST(0.5 AS FLOAT8)) / CAST(1000000 AS FLOAT8)) AS days_over FROM judged WHERE median_days IS NOT NULL AND days > $25 * median_days
    ),
    ordered AS (SELECT *, ROW_NUMBER() OVER (ORDER BY (days_over IS NULL), days_over DESC, lead_id) AS position FROM stalled),
    shown AS (SELECT * FROM ordered),
    last_activity AS (
      -- The latest activity up to asOf; of several at that moment, the first type by name. The
      -- lead's latest activity is kept on it at ingest (derive/lead-activity.ts): when that is
      -- by asOf (always for the latest data), it is the answer. Otherwise (an earlier as-of)
      -- the activities are read, per stalled lead: PostgreSQL looks each up in activities_lead
      -- (52,324 leads at size l: 1.0 s) where a semi-join merged the whole index of 9.2
      -- million activities (3.5-4 s); DuckDB plans both forms alike.
      SELECT lead_id, last_activity_at AS occurred_at, last_activity_type AS type FROM shown
      WHERE last_activity_at <= CAST($26 AS TIMESTAMP)
      UNION ALL
      SELECT st.lead_id, la.occurred_at, la.type FROM shown st
      JOIN LATERAL (
        SELECT a.occurred_at, a.type FROM activities a
        WHERE a.workspace_id = $27 AND a.lead_id = st.lead_id AND a.occurred_at <= CAST($28 AS TIMESTAMP)
        ORDER BY a.occurred_at DESC, a.type
        LIMIT 1
      ) la ON TRUE
      WHERE st.last_activity_at > CAST($29 AS TIMESTAMP)
    ),
    listed AS (
      SELECT st.lead_id AS id, st.name, st.account, st.owner_id, r.name AS owner_name,
        st.stage_id, s.name AS stage_name, CAST(st.amount AS FLOAT8) AS value, st.days, st.median_days, st.days_over,
        st.position,
        lt.occurred_at AS last_activity_at, lt.type AS last_activity_type
      FROM shown st
      LEFT JOIN reps r ON r.workspace_id = $30 AND r.id = st.owner_id
      LEFT JOIN stages s ON s.workspace_id = $31 AND s.id = st.stage_id
      LEFT JOIN last_activity lt ON lt.lead_id = st.lead_id
    )
    SELECT t.open_leads, t.without_benchmark, t.stalled_leads, x.*
    FROM totals t LEFT JOIN listed x ON TRUE
    ORDER BY x.position
-- values: ["USD","fixture","p1","r1","fixture","East","website","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","fixture","p1","r1","fixture","East","website","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000",2,2,2,"2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","fixture"]

-- variant: unsupported
-- statement: stalled
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.name, l.account, l.last_activity_at, l.last_activity_type, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
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
    -- The names ride along from the one read of the leads: joined from leads again for the
    -- stalled ones, DuckDB read the names of all of them (a million at size l, 0.4-0.6 s).
    open_leads AS MATERIALIZED (
      SELECT lead_id, name, account, owner_id, stage_id, created_at, amount, last_event_at, last_event_stage_id,
        last_activity_at, last_activity_type
      FROM lead_facts
      WHERE created_at <= CAST($3 AS TIMESTAMP) AND (closed_at IS NULL OR closed_at > CAST($4 AS TIMESTAMP))
    ),
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $5 AND d.closed_at <= CAST($6 AS TIMESTAMP)
  ),
    -- The stage events up to asOf of the open leads that moved after it, read before the
    -- stages are joined: in one join with the stages DuckDB took the events for the smaller
    -- side and hashed all 2.8 million of size l for 16,064 leads (2-8 s of the statement).
    moved_events AS MATERIALIZED (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id, e.changed_at
      FROM stage_events e
      JOIN open_leads o ON o.lead_id = e.lead_id AND o.last_event_at > CAST($7 AS TIMESTAMP)
      WHERE e.workspace_id = $8 AND e.changed_at <= CAST($9 AS TIMESTAMP)
    ),
    -- The stage each open lead was in at asOf: its last stage event by then (events at the
    -- same moment ordered by stage position, then id). That is the latest event stored on the
    -- lead at ingest, unless the lead moved after asOf (an earlier period): then its events.
    last_event AS (
      SELECT lead_id, last_event_stage_id AS to_stage_id, last_event_at AS changed_at FROM open_leads
      WHERE last_event_at <= CAST($10 AS TIMESTAMP)
      UNION ALL
      SELECT lead_id, to_stage_id, changed_at FROM (
        SELECT e.lead_id, e.to_stage_id, e.changed_at,
          ROW_NUMBER() OVER (
            PARTITION BY e.lead_id ORDER BY e.changed_at DESC, s.position DESC, e.to_stage_id DESC
          ) AS rn
        FROM moved_events e
        JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      ) ranked WHERE rn = 1
    ),
    benchmark AS (
      SELECT stage_id, quantile_cont(CAST(days AS DOUBLE), 0.5) AS median_days FROM stage_days GROUP BY stage_id
    ),
    judged AS (
      -- The stage of the last event up to asOf; without one, the lead's stage since creation.
      SELECT o.lead_id, o.name, o.account, o.owner_id, COALESCE(le.to_stage_id, o.stage_id) AS stage_id, o.amount,
        o.last_activity_at, o.last_activity_type, (((CAST(epoch_us(CAST($11 AS TIMESTAMP)) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(COALESCE(le.changed_at, o.created_at)) AS DOUBLE) / 1000000.0)) / 86400.0) AS days, b.median_days
      FROM open_leads o
      LEFT JOIN last_event le ON le.lead_id = o.lead_id
      LEFT JOIN benchmark b ON b.stage_id = COALESCE(le.to_stage_id, o.stage_id)
    ),
    totals AS (
      SELECT count(*) AS open_leads, count(CASE WHEN median_days IS NULL THEN 1 END) AS without_benchmark,
        count(CASE WHEN median_days IS NOT NULL AND days > $12 * median_days THEN 1 END) AS stalled_leads
      FROM judged
    ),
    stalled AS (
      SELECT *, (floor(CAST(days - $13 * median_days AS FLOAT8) * CAST(1000000 AS FLOAT8) + CAST(0.5 AS FLOAT8)) / CAST(1000000 AS FLOAT8)) AS days_over FROM judged WHERE median_days IS NOT NULL AND days > $14 * median_days
    ),
    ordered AS (SELECT *, ROW_NUMBER() OVER (ORDER BY (days_over IS NULL), days_over DESC, lead_id) AS position FROM stalled),
    shown AS (SELECT * FROM ordered),
    last_activity AS (
      -- The latest activity up to asOf; of several at that moment, the first type by name. The
      -- lead's latest activity is kept on it at ingest (derive/lead-activity.ts): when that is
      -- by asOf (always for the latest data), it is the answer. Otherwise (an earlier as-of)
      -- the activities are read, per stalled lead: PostgreSQL looks each up in activities_lead
      -- (52,324 leads at size l: 1.0 s) where a semi-join merged the whole index of 9.2
      -- million activities (3.5-4 s); DuckDB plans both forms alike.
      SELECT lead_id, last_activity_at AS occurred_at, last_activity_type AS type FROM shown
      WHERE last_activity_at <= CAST($15 AS TIMESTAMP)
      UNION ALL
      SELECT st.lead_id, la.occurred_at, la.type FROM shown st
      JOIN LATERAL (
        SELECT a.occurred_at, a.type FROM activities a
        WHERE a.workspace_id = $16 AND a.lead_id = st.lead_id AND a.occurred_at <= CAST($17 AS TIMESTAMP)
        ORDER BY a.occurred_at DESC, a.type
        LIMIT 1
      ) la ON TRUE
      WHERE st.last_activity_at > CAST($18 AS TIMESTAMP)
    ),
    listed AS (
      SELECT st.lead_id AS id, st.name, st.account, st.owner_id, r.name AS owner_name,
        st.stage_id, s.name AS stage_name, CAST(st.amount AS FLOAT8) AS value, st.days, st.median_days, st.days_over,
        st.position,
        lt.occurred_at AS last_activity_at, lt.type AS last_activity_type
      FROM shown st
      LEFT JOIN reps r ON r.workspace_id = $19 AND r.id = st.owner_id
      LEFT JOIN stages s ON s.workspace_id = $20 AND s.id = st.stage_id
      LEFT JOIN last_activity lt ON lt.lead_id = st.lead_id
    )
    SELECT t.open_leads, t.without_benchmark, t.stalled_leads, x.*
    FROM totals t LEFT JOIN listed x ON TRUE
    ORDER BY x.position
-- values: ["USD","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000",2,2,2,"2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","fixture"]

-- variant: empty
-- statement: stalled
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.name, l.account, l.last_activity_at, l.last_activity_type, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
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
    -- The names ride along from the one read of the leads: joined from leads again for the
    -- stalled ones, DuckDB read the names of all of them (a million at size l, 0.4-0.6 s).
    open_leads AS MATERIALIZED (
      SELECT lead_id, name, account, owner_id, stage_id, created_at, amount, last_event_at, last_event_stage_id,
        last_activity_at, last_activity_type
      FROM lead_facts
      WHERE created_at <= CAST($2 AS TIMESTAMP) AND (closed_at IS NULL OR closed_at > CAST($3 AS TIMESTAMP))
    ),
    won_leads AS (
      SELECT lead_id, created_at, closed_at FROM lead_facts WHERE status = 'won' AND closed_at <= CAST($4 AS TIMESTAMP)
    ),
    benchmark AS (
      SELECT quantile_cont(CAST((((CAST(epoch_us(closed_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(created_at) AS DOUBLE) / 1000000.0)) / 86400.0) AS DOUBLE), 0.5) AS median_days
      FROM won_leads
    ),
    judged AS (
      SELECT o.lead_id, o.name, o.account, o.owner_id, o.stage_id, o.amount, o.last_activity_at, o.last_activity_type,
        (((CAST(epoch_us(CAST($5 AS TIMESTAMP)) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(o.created_at) AS DOUBLE) / 1000000.0)) / 86400.0) AS days, b.median_days
      FROM open_leads o CROSS JOIN benchmark b
    ),
    totals AS (
      SELECT count(*) AS open_leads, count(CASE WHEN median_days IS NULL THEN 1 END) AS without_benchmark,
        count(CASE WHEN median_days IS NOT NULL AND days > $6 * median_days THEN 1 END) AS stalled_leads
      FROM judged
    ),
    stalled AS (
      SELECT *, (floor(CAST(days - $7 * median_days AS FLOAT8) * CAST(1000000 AS FLOAT8) + CAST(0.5 AS FLOAT8)) / CAST(1000000 AS FLOAT8)) AS days_over FROM judged WHERE median_days IS NOT NULL AND days > $8 * median_days
    ),
    ordered AS (SELECT *, ROW_NUMBER() OVER (ORDER BY (days_over IS NULL), days_over DESC, lead_id) AS position FROM stalled),
    shown AS (SELECT * FROM ordered),
    last_activity AS (
      -- The latest activity up to asOf; of several at that moment, the first type by name. The
      -- lead's latest activity is kept on it at ingest (derive/lead-activity.ts): when that is
      -- by asOf (always for the latest data), it is the answer. Otherwise (an earlier as-of)
      -- the activities are read, per stalled lead: PostgreSQL looks each up in activities_lead
      -- (52,324 leads at size l: 1.0 s) where a semi-join merged the whole index of 9.2
      -- million activities (3.5-4 s); DuckDB plans both forms alike.
      SELECT lead_id, last_activity_at AS occurred_at, last_activity_type AS type FROM shown
      WHERE last_activity_at <= CAST($9 AS TIMESTAMP)
      UNION ALL
      SELECT st.lead_id, la.occurred_at, la.type FROM shown st
      JOIN LATERAL (
        SELECT a.occurred_at, a.type FROM activities a
        WHERE a.workspace_id = $10 AND a.lead_id = st.lead_id AND a.occurred_at <= CAST($11 AS TIMESTAMP)
        ORDER BY a.occurred_at DESC, a.type
        LIMIT 1
      ) la ON TRUE
      WHERE st.last_activity_at > CAST($12 AS TIMESTAMP)
    ),
    listed AS (
      SELECT st.lead_id AS id, st.name, st.account, st.owner_id, r.name AS owner_name,
        st.stage_id, s.name AS stage_name, CAST(st.amount AS FLOAT8) AS value, st.days, st.median_days, st.days_over,
        st.position,
        lt.occurred_at AS last_activity_at, lt.type AS last_activity_type
      FROM shown st
      LEFT JOIN reps r ON r.workspace_id = $13 AND r.id = st.owner_id
      LEFT JOIN stages s ON s.workspace_id = $14 AND s.id = st.stage_id
      LEFT JOIN last_activity lt ON lt.lead_id = st.lead_id
    )
    SELECT t.open_leads, t.without_benchmark, t.stalled_leads, x.*
    FROM totals t LEFT JOIN listed x ON TRUE
    ORDER BY x.position
-- values: ["fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000",2,2,2,"2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","fixture"]

-- variant: partial
-- statement: stalled
    WITH
  lead_facts AS (
    SELECT l.id AS lead_id, l.name, l.account, l.last_activity_at, l.last_activity_type, l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
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
    -- The names ride along from the one read of the leads: joined from leads again for the
    -- stalled ones, DuckDB read the names of all of them (a million at size l, 0.4-0.6 s).
    open_leads AS MATERIALIZED (
      SELECT lead_id, name, account, owner_id, stage_id, created_at, amount, last_event_at, last_event_stage_id,
        last_activity_at, last_activity_type
      FROM lead_facts
      WHERE created_at <= CAST($3 AS TIMESTAMP) AND (closed_at IS NULL OR closed_at > CAST($4 AS TIMESTAMP))
    ),
  stage_days AS (
    SELECT d.lead_id, d.stage_id, d.days FROM won_stage_days d
    WHERE d.workspace_id = $5 AND d.closed_at <= CAST($6 AS TIMESTAMP)
  ),
    -- The stage events up to asOf of the open leads that moved after it, read before the
    -- stages are joined: in one join with the stages DuckDB took the events for the smaller
    -- side and hashed all 2.8 million of size l for 16,064 leads (2-8 s of the statement).
    moved_events AS MATERIALIZED (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id, e.changed_at
      FROM stage_events e
      JOIN open_leads o ON o.lead_id = e.lead_id AND o.last_event_at > CAST($7 AS TIMESTAMP)
      WHERE e.workspace_id = $8 AND e.changed_at <= CAST($9 AS TIMESTAMP)
    ),
    -- The stage each open lead was in at asOf: its last stage event by then (events at the
    -- same moment ordered by stage position, then id). That is the latest event stored on the
    -- lead at ingest, unless the lead moved after asOf (an earlier period): then its events.
    last_event AS (
      SELECT lead_id, last_event_stage_id AS to_stage_id, last_event_at AS changed_at FROM open_leads
      WHERE last_event_at <= CAST($10 AS TIMESTAMP)
      UNION ALL
      SELECT lead_id, to_stage_id, changed_at FROM (
        SELECT e.lead_id, e.to_stage_id, e.changed_at,
          ROW_NUMBER() OVER (
            PARTITION BY e.lead_id ORDER BY e.changed_at DESC, s.position DESC, e.to_stage_id DESC
          ) AS rn
        FROM moved_events e
        JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      ) ranked WHERE rn = 1
    ),
    benchmark AS (
      SELECT stage_id, quantile_cont(CAST(days AS DOUBLE), 0.5) AS median_days FROM stage_days GROUP BY stage_id
    ),
    judged AS (
      -- The stage of the last event up to asOf; without one, the lead's stage since creation.
      SELECT o.lead_id, o.name, o.account, o.owner_id, COALESCE(le.to_stage_id, o.stage_id) AS stage_id, o.amount,
        o.last_activity_at, o.last_activity_type, (((CAST(epoch_us(CAST($11 AS TIMESTAMP)) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(COALESCE(le.changed_at, o.created_at)) AS DOUBLE) / 1000000.0)) / 86400.0) AS days, b.median_days
      FROM open_leads o
      LEFT JOIN last_event le ON le.lead_id = o.lead_id
      LEFT JOIN benchmark b ON b.stage_id = COALESCE(le.to_stage_id, o.stage_id)
    ),
    totals AS (
      SELECT count(*) AS open_leads, count(CASE WHEN median_days IS NULL THEN 1 END) AS without_benchmark,
        count(CASE WHEN median_days IS NOT NULL AND days > $12 * median_days THEN 1 END) AS stalled_leads
      FROM judged
    ),
    stalled AS (
      SELECT *, (floor(CAST(days - $13 * median_days AS FLOAT8) * CAST(1000000 AS FLOAT8) + CAST(0.5 AS FLOAT8)) / CAST(1000000 AS FLOAT8)) AS days_over FROM judged WHERE median_days IS NOT NULL AND days > $14 * median_days
    ),
    ordered AS (SELECT *, ROW_NUMBER() OVER (ORDER BY (days_over IS NULL), days_over DESC, lead_id) AS position FROM stalled),
    shown AS (SELECT * FROM ordered),
    last_activity AS (
      -- The latest activity up to asOf; of several at that moment, the first type by name. The
      -- lead's latest activity is kept on it at ingest (derive/lead-activity.ts): when that is
      -- by asOf (always for the latest data), it is the answer. Otherwise (an earlier as-of)
      -- the activities are read, per stalled lead: PostgreSQL looks each up in activities_lead
      -- (52,324 leads at size l: 1.0 s) where a semi-join merged the whole index of 9.2
      -- million activities (3.5-4 s); DuckDB plans both forms alike.
      SELECT lead_id, last_activity_at AS occurred_at, last_activity_type AS type FROM shown
      WHERE last_activity_at <= CAST($15 AS TIMESTAMP)
      UNION ALL
      SELECT st.lead_id, la.occurred_at, la.type FROM shown st
      JOIN LATERAL (
        SELECT a.occurred_at, a.type FROM activities a
        WHERE a.workspace_id = $16 AND a.lead_id = st.lead_id AND a.occurred_at <= CAST($17 AS TIMESTAMP)
        ORDER BY a.occurred_at DESC, a.type
        LIMIT 1
      ) la ON TRUE
      WHERE st.last_activity_at > CAST($18 AS TIMESTAMP)
    ),
    listed AS (
      SELECT st.lead_id AS id, st.name, st.account, st.owner_id, r.name AS owner_name,
        st.stage_id, s.name AS stage_name, CAST(st.amount AS FLOAT8) AS value, st.days, st.median_days, st.days_over,
        st.position,
        lt.occurred_at AS last_activity_at, lt.type AS last_activity_type
      FROM shown st
      LEFT JOIN reps r ON r.workspace_id = $19 AND r.id = st.owner_id
      LEFT JOIN stages s ON s.workspace_id = $20 AND s.id = st.stage_id
      LEFT JOIN last_activity lt ON lt.lead_id = st.lead_id
    )
    SELECT t.open_leads, t.without_benchmark, t.stalled_leads, x.*
    FROM totals t LEFT JOIN listed x ON TRUE
    ORDER BY x.position
-- values: ["USD","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000",2,2,2,"2026-06-20 12:00:00.000","fixture","2026-06-20 12:00:00.000","2026-06-20 12:00:00.000","fixture","fixture"]
