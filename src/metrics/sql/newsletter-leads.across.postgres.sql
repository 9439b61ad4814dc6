-- newsletter-leads (quick headlines newsletterLeads across three periods) on postgres: its statement as sent, with its bound values, per fixture variant

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
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $3 AND utm_campaign IS NOT NULL
    ),
    new_leads AS (
      SELECT lf.lead_id, lf.created_at, lf.source, lf.utm_medium, lf.utm_campaign, lf.status, lf.qualified_at,
        lf.amount, lf.contact_hash
      FROM lead_facts lf WHERE (lf.created_at >= CAST($4 AS TIMESTAMP) AND lf.created_at < CAST($5 AS TIMESTAMP))
    ),
    lead_subscribers AS (
      SELECT n.lead_id, n.created_at, s.id AS subscriber_id, s.subscribed_at
      -- The contact's hash is stored on the lead at ingest (src/derive/lead-contact.ts).
      FROM new_leads n
      JOIN newsletter_subscribers s ON s.workspace_id = $6 AND s.email_hash = n.contact_hash
    ),
    -- A click counts from the moment of the lead back to attributionDays before it, both ends included.
    -- Only clicks from a day more than the window before the period up to its end can count:
    -- that range is read first, so the join sees the period's clicks, not every click ever.
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $7 AND type = 'click'
        AND occurred_at >= CAST($8 AS TIMESTAMP) AND occurred_at < CAST($9 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT ls.lead_id FROM lead_subscribers ls
      JOIN period_clicks e ON e.subscriber_id = ls.subscriber_id
        AND e.occurred_at <= ls.created_at
        AND CAST(EXTRACT(EPOCH FROM ls.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $10
    ),
    -- Per lead whose contact is a subscriber: subscribed by the lead's creation, and clicked in the window.
    matched AS (
      SELECT ls.lead_id, max(CASE WHEN ls.subscribed_at <= ls.created_at THEN 1 ELSE 0 END) AS is_subscriber,
        max(CASE WHEN c.lead_id IS NOT NULL THEN 1 ELSE 0 END) AS by_click
      FROM lead_subscribers ls LEFT JOIN clicked c ON c.lead_id = ls.lead_id
      GROUP BY ls.lead_id
    ),
    classified AS (
      SELECT n.created_at, n.status, n.qualified_at, n.amount,
        CASE WHEN n.source = 'newsletter' THEN 1 ELSE 0 END AS by_source,
        CASE WHEN lower(n.utm_medium) = 'email' OR ic.utm_campaign IS NOT NULL THEN 1 ELSE 0 END AS by_first_touch,
        COALESCE(m.by_click, 0) AS by_click,
        COALESCE(m.is_subscriber, 0) AS is_subscriber
      FROM new_leads n
      LEFT JOIN issue_campaigns ic ON ic.utm_campaign = n.utm_campaign
      LEFT JOIN matched m ON m.lead_id = n.lead_id
    )
,
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN created_at >= CAST($11 AS TIMESTAMP) AND created_at < CAST($12 AS TIMESTAMP) THEN 0 WHEN created_at >= CAST($13 AS TIMESTAMP) AND created_at < CAST($14 AS TIMESTAMP) THEN 1 WHEN created_at >= CAST($15 AS TIMESTAMP) AND created_at < CAST($16 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM classified WHERE (by_source = 1 OR by_first_touch = 1 OR by_click = 1) AND created_at >= CAST($17 AS TIMESTAMP) AND created_at < CAST($18 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

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
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $8 AND utm_campaign IS NOT NULL
    ),
    new_leads AS (
      SELECT lf.lead_id, lf.created_at, lf.source, lf.utm_medium, lf.utm_campaign, lf.status, lf.qualified_at,
        lf.amount, lf.contact_hash
      FROM lead_facts lf WHERE (lf.created_at >= CAST($9 AS TIMESTAMP) AND lf.created_at < CAST($10 AS TIMESTAMP))
    ),
    lead_subscribers AS (
      SELECT n.lead_id, n.created_at, s.id AS subscriber_id, s.subscribed_at
      -- The contact's hash is stored on the lead at ingest (src/derive/lead-contact.ts).
      FROM new_leads n
      JOIN newsletter_subscribers s ON s.workspace_id = $11 AND s.email_hash = n.contact_hash
    ),
    -- A click counts from the moment of the lead back to attributionDays before it, both ends included.
    -- Only clicks from a day more than the window before the period up to its end can count:
    -- that range is read first, so the join sees the period's clicks, not every click ever.
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $12 AND type = 'click'
        AND occurred_at >= CAST($13 AS TIMESTAMP) AND occurred_at < CAST($14 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT ls.lead_id FROM lead_subscribers ls
      JOIN period_clicks e ON e.subscriber_id = ls.subscriber_id
        AND e.occurred_at <= ls.created_at
        AND CAST(EXTRACT(EPOCH FROM ls.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $15
    ),
    -- Per lead whose contact is a subscriber: subscribed by the lead's creation, and clicked in the window.
    matched AS (
      SELECT ls.lead_id, max(CASE WHEN ls.subscribed_at <= ls.created_at THEN 1 ELSE 0 END) AS is_subscriber,
        max(CASE WHEN c.lead_id IS NOT NULL THEN 1 ELSE 0 END) AS by_click
      FROM lead_subscribers ls LEFT JOIN clicked c ON c.lead_id = ls.lead_id
      GROUP BY ls.lead_id
    ),
    classified AS (
      SELECT n.created_at, n.status, n.qualified_at, n.amount,
        CASE WHEN n.source = 'newsletter' THEN 1 ELSE 0 END AS by_source,
        CASE WHEN lower(n.utm_medium) = 'email' OR ic.utm_campaign IS NOT NULL THEN 1 ELSE 0 END AS by_first_touch,
        COALESCE(m.by_click, 0) AS by_click,
        COALESCE(m.is_subscriber, 0) AS is_subscriber
      FROM new_leads n
      LEFT JOIN issue_campaigns ic ON ic.utm_campaign = n.utm_campaign
      LEFT JOIN matched m ON m.lead_id = n.lead_id
    )
,
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN created_at >= CAST($16 AS TIMESTAMP) AND created_at < CAST($17 AS TIMESTAMP) THEN 0 WHEN created_at >= CAST($18 AS TIMESTAMP) AND created_at < CAST($19 AS TIMESTAMP) THEN 1 WHEN created_at >= CAST($20 AS TIMESTAMP) AND created_at < CAST($21 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM classified WHERE (by_source = 1 OR by_first_touch = 1 OR by_click = 1) AND created_at >= CAST($22 AS TIMESTAMP) AND created_at < CAST($23 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","p1","r1","fixture","East","website","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

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
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $3 AND utm_campaign IS NOT NULL
    ),
    new_leads AS (
      SELECT lf.lead_id, lf.created_at, lf.source, lf.utm_medium, lf.utm_campaign, lf.status, lf.qualified_at,
        lf.amount, lf.contact_hash
      FROM lead_facts lf WHERE (lf.created_at >= CAST($4 AS TIMESTAMP) AND lf.created_at < CAST($5 AS TIMESTAMP))
    ),
    lead_subscribers AS (
      SELECT n.lead_id, n.created_at, s.id AS subscriber_id, s.subscribed_at
      -- The contact's hash is stored on the lead at ingest (src/derive/lead-contact.ts).
      FROM new_leads n
      JOIN newsletter_subscribers s ON s.workspace_id = $6 AND s.email_hash = n.contact_hash
    ),
    -- A click counts from the moment of the lead back to attributionDays before it, both ends included.
    -- Only clicks from a day more than the window before the period up to its end can count:
    -- that range is read first, so the join sees the period's clicks, not every click ever.
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $7 AND type = 'click'
        AND occurred_at >= CAST($8 AS TIMESTAMP) AND occurred_at < CAST($9 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT ls.lead_id FROM lead_subscribers ls
      JOIN period_clicks e ON e.subscriber_id = ls.subscriber_id
        AND e.occurred_at <= ls.created_at
        AND CAST(EXTRACT(EPOCH FROM ls.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $10
    ),
    -- Per lead whose contact is a subscriber: subscribed by the lead's creation, and clicked in the window.
    matched AS (
      SELECT ls.lead_id, max(CASE WHEN ls.subscribed_at <= ls.created_at THEN 1 ELSE 0 END) AS is_subscriber,
        max(CASE WHEN c.lead_id IS NOT NULL THEN 1 ELSE 0 END) AS by_click
      FROM lead_subscribers ls LEFT JOIN clicked c ON c.lead_id = ls.lead_id
      GROUP BY ls.lead_id
    ),
    classified AS (
      SELECT n.created_at, n.status, n.qualified_at, n.amount,
        CASE WHEN n.source = 'newsletter' THEN 1 ELSE 0 END AS by_source,
        CASE WHEN lower(n.utm_medium) = 'email' OR ic.utm_campaign IS NOT NULL THEN 1 ELSE 0 END AS by_first_touch,
        COALESCE(m.by_click, 0) AS by_click,
        COALESCE(m.is_subscriber, 0) AS is_subscriber
      FROM new_leads n
      LEFT JOIN issue_campaigns ic ON ic.utm_campaign = n.utm_campaign
      LEFT JOIN matched m ON m.lead_id = n.lead_id
    )
,
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN created_at >= CAST($11 AS TIMESTAMP) AND created_at < CAST($12 AS TIMESTAMP) THEN 0 WHEN created_at >= CAST($13 AS TIMESTAMP) AND created_at < CAST($14 AS TIMESTAMP) THEN 1 WHEN created_at >= CAST($15 AS TIMESTAMP) AND created_at < CAST($16 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM classified WHERE (by_source = 1 OR by_first_touch = 1 OR by_click = 1) AND created_at >= CAST($17 AS TIMESTAMP) AND created_at < CAST($18 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

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
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $2 AND utm_campaign IS NOT NULL
    ),
    new_leads AS (
      SELECT lf.lead_id, lf.created_at, lf.source, lf.utm_medium, lf.utm_campaign, lf.status, lf.qualified_at,
        lf.amount, lf.contact_hash
      FROM lead_facts lf WHERE (lf.created_at >= CAST($3 AS TIMESTAMP) AND lf.created_at < CAST($4 AS TIMESTAMP))
    ),
    lead_subscribers AS (
      SELECT n.lead_id, n.created_at, s.id AS subscriber_id, s.subscribed_at
      -- The contact's hash is stored on the lead at ingest (src/derive/lead-contact.ts).
      FROM new_leads n
      JOIN newsletter_subscribers s ON s.workspace_id = $5 AND s.email_hash = n.contact_hash
    ),
    -- A click counts from the moment of the lead back to attributionDays before it, both ends included.
    -- Only clicks from a day more than the window before the period up to its end can count:
    -- that range is read first, so the join sees the period's clicks, not every click ever.
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $6 AND type = 'click'
        AND occurred_at >= CAST($7 AS TIMESTAMP) AND occurred_at < CAST($8 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT ls.lead_id FROM lead_subscribers ls
      JOIN period_clicks e ON e.subscriber_id = ls.subscriber_id
        AND e.occurred_at <= ls.created_at
        AND CAST(EXTRACT(EPOCH FROM ls.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $9
    ),
    -- Per lead whose contact is a subscriber: subscribed by the lead's creation, and clicked in the window.
    matched AS (
      SELECT ls.lead_id, max(CASE WHEN ls.subscribed_at <= ls.created_at THEN 1 ELSE 0 END) AS is_subscriber,
        max(CASE WHEN c.lead_id IS NOT NULL THEN 1 ELSE 0 END) AS by_click
      FROM lead_subscribers ls LEFT JOIN clicked c ON c.lead_id = ls.lead_id
      GROUP BY ls.lead_id
    ),
    classified AS (
      SELECT n.created_at, n.status, n.qualified_at, n.amount,
        CASE WHEN n.source = 'newsletter' THEN 1 ELSE 0 END AS by_source,
        CASE WHEN lower(n.utm_medium) = 'email' OR ic.utm_campaign IS NOT NULL THEN 1 ELSE 0 END AS by_first_touch,
        COALESCE(m.by_click, 0) AS by_click,
        COALESCE(m.is_subscriber, 0) AS is_subscriber
      FROM new_leads n
      LEFT JOIN issue_campaigns ic ON ic.utm_campaign = n.utm_campaign
      LEFT JOIN matched m ON m.lead_id = n.lead_id
    )
,
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN created_at >= CAST($10 AS TIMESTAMP) AND created_at < CAST($11 AS TIMESTAMP) THEN 0 WHEN created_at >= CAST($12 AS TIMESTAMP) AND created_at < CAST($13 AS TIMESTAMP) THEN 1 WHEN created_at >= CAST($14 AS TIMESTAMP) AND created_at < CAST($15 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM classified WHERE (by_source = 1 OR by_first_touch = 1 OR by_click = 1) AND created_at >= CAST($16 AS TIMESTAMP) AND created_at < CAST($17 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

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
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $3 AND utm_campaign IS NOT NULL
    ),
    new_leads AS (
      SELECT lf.lead_id, lf.created_at, lf.source, lf.utm_medium, lf.utm_campaign, lf.status, lf.qualified_at,
        lf.amount, lf.contact_hash
      FROM lead_facts lf WHERE (lf.created_at >= CAST($4 AS TIMESTAMP) AND lf.created_at < CAST($5 AS TIMESTAMP))
    ),
    lead_subscribers AS (
      SELECT n.lead_id, n.created_at, s.id AS subscriber_id, s.subscribed_at
      -- The contact's hash is stored on the lead at ingest (src/derive/lead-contact.ts).
      FROM new_leads n
      JOIN newsletter_subscribers s ON s.workspace_id = $6 AND s.email_hash = n.contact_hash
    ),
    -- A click counts from the moment of the lead back to attributionDays before it, both ends included.
    -- Only clicks from a day more than the window before the period up to its end can count:
    -- that range is read first, so the join sees the period's clicks, not every click ever.
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $7 AND type = 'click'
        AND occurred_at >= CAST($8 AS TIMESTAMP) AND occurred_at < CAST($9 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT ls.lead_id FROM lead_subscribers ls
      JOIN period_clicks e ON e.subscriber_id = ls.subscriber_id
        AND e.occurred_at <= ls.created_at
        AND CAST(EXTRACT(EPOCH FROM ls.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $10
    ),
    -- Per lead whose contact is a subscriber: subscribed by the lead's creation, and clicked in the window.
    matched AS (
      SELECT ls.lead_id, max(CASE WHEN ls.subscribed_at <= ls.created_at THEN 1 ELSE 0 END) AS is_subscriber,
        max(CASE WHEN c.lead_id IS NOT NULL THEN 1 ELSE 0 END) AS by_click
      FROM lead_subscribers ls LEFT JOIN clicked c ON c.lead_id = ls.lead_id
      GROUP BY ls.lead_id
    ),
    classified AS (
      SELECT n.created_at, n.status, n.qualified_at, n.amount,
        CASE WHEN n.source = 'newsletter' THEN 1 ELSE 0 END AS by_source,
        CASE WHEN lower(n.utm_medium) = 'email' OR ic.utm_campaign IS NOT NULL THEN 1 ELSE 0 END AS by_first_touch,
        COALESCE(m.by_click, 0) AS by_click,
        COALESCE(m.is_subscriber, 0) AS is_subscriber
      FROM new_leads n
      LEFT JOIN issue_campaigns ic ON ic.utm_campaign = n.utm_campaign
      LEFT JOIN matched m ON m.lead_id = n.lead_id
    )
,
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN created_at >= CAST($11 AS TIMESTAMP) AND created_at < CAST($12 AS TIMESTAMP) THEN 0 WHEN created_at >= CAST($13 AS TIMESTAMP) AND created_at < CAST($14 AS TIMESTAMP) THEN 1 WHEN created_at >= CAST($15 AS TIMESTAMP) AND created_at < CAST($16 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM classified WHERE (by_source = 1 OR by_first_touch = 1 OR by_click = 1) AND created_at >= CAST($17 AS TIMESTAMP) AND created_at < CAST($18 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["USD","fixture","fixture","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000","fixture","fixture","2025-11-21 00:00:00.000","2026-06-11 00:00:00.000",2592000,"2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000"]
