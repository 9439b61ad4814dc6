-- newsletter-leads (quick headlines newsletterLeads across three periods) on postgres: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: across
    WITH
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $1 AND utm_campaign IS NOT NULL
    ),
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $2 AND type = 'click'
        AND occurred_at >= CAST($3 AS TIMESTAMP) AND occurred_at < CAST($4 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT c.id AS lead_id FROM leads c
      JOIN newsletter_subscribers s ON s.workspace_id = c.workspace_id AND s.email_hash = c.contact_hash
      JOIN period_clicks e ON e.subscriber_id = s.id AND e.occurred_at <= c.created_at
        AND CAST(EXTRACT(EPOCH FROM c.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.created_at >= CAST($9 AS TIMESTAMP) AND l.created_at < CAST($10 AS TIMESTAMP) THEN 0 WHEN l.created_at >= CAST($11 AS TIMESTAMP) AND l.created_at < CAST($12 AS TIMESTAMP) THEN 1 WHEN l.created_at >= CAST($13 AS TIMESTAMP) AND l.created_at < CAST($14 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $15 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND l.created_at >= CAST($16 AS TIMESTAMP) AND l.created_at < CAST($17 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: across
    WITH
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $1 AND utm_campaign IS NOT NULL
    ),
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $2 AND type = 'click'
        AND occurred_at >= CAST($3 AS TIMESTAMP) AND occurred_at < CAST($4 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT c.id AS lead_id FROM leads c
      JOIN newsletter_subscribers s ON s.workspace_id = c.workspace_id AND s.email_hash = c.contact_hash
      JOIN period_clicks e ON e.subscriber_id = s.id AND e.occurred_at <= c.created_at
        AND CAST(EXTRACT(EPOCH FROM c.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.created_at >= CAST($9 AS TIMESTAMP) AND l.created_at < CAST($10 AS TIMESTAMP) THEN 0 WHEN l.created_at >= CAST($11 AS TIMESTAMP) AND l.created_at < CAST($12 AS TIMESTAMP) THEN 1 WHEN l.created_at >= CAST($13 AS TIMESTAMP) AND l.created_at < CAST($14 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $15 AND l.pipeline_id = $16 AND l.owner_id = $17 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $18 AND team = $19) AND l.source_channel = $20 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND l.created_at >= CAST($21 AS TIMESTAMP) AND l.created_at < CAST($22 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","p1","r1","fixture","East","website","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: across
    WITH
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $1 AND utm_campaign IS NOT NULL
    ),
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $2 AND type = 'click'
        AND occurred_at >= CAST($3 AS TIMESTAMP) AND occurred_at < CAST($4 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT c.id AS lead_id FROM leads c
      JOIN newsletter_subscribers s ON s.workspace_id = c.workspace_id AND s.email_hash = c.contact_hash
      JOIN period_clicks e ON e.subscriber_id = s.id AND e.occurred_at <= c.created_at
        AND CAST(EXTRACT(EPOCH FROM c.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.created_at >= CAST($9 AS TIMESTAMP) AND l.created_at < CAST($10 AS TIMESTAMP) THEN 0 WHEN l.created_at >= CAST($11 AS TIMESTAMP) AND l.created_at < CAST($12 AS TIMESTAMP) THEN 1 WHEN l.created_at >= CAST($13 AS TIMESTAMP) AND l.created_at < CAST($14 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $15 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND l.created_at >= CAST($16 AS TIMESTAMP) AND l.created_at < CAST($17 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- statement: across
    WITH
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $1 AND utm_campaign IS NOT NULL
    ),
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $2 AND type = 'click'
        AND occurred_at >= CAST($3 AS TIMESTAMP) AND occurred_at < CAST($4 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT c.id AS lead_id FROM leads c
      JOIN newsletter_subscribers s ON s.workspace_id = c.workspace_id AND s.email_hash = c.contact_hash
      JOIN period_clicks e ON e.subscriber_id = s.id AND e.occurred_at <= c.created_at
        AND CAST(EXTRACT(EPOCH FROM c.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.created_at >= CAST($9 AS TIMESTAMP) AND l.created_at < CAST($10 AS TIMESTAMP) THEN 0 WHEN l.created_at >= CAST($11 AS TIMESTAMP) AND l.created_at < CAST($12 AS TIMESTAMP) THEN 1 WHEN l.created_at >= CAST($13 AS TIMESTAMP) AND l.created_at < CAST($14 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $15 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND l.created_at >= CAST($16 AS TIMESTAMP) AND l.created_at < CAST($17 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","fixture","2025-08-31 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000","2025-10-01 00:00:00.000","2026-01-01 00:00:00.000","2026-01-01 00:00:00.000","2026-04-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2025-10-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: partial
-- statement: across
    WITH
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = $1 AND utm_campaign IS NOT NULL
    ),
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = $2 AND type = 'click'
        AND occurred_at >= CAST($3 AS TIMESTAMP) AND occurred_at < CAST($4 AS TIMESTAMP)
    ),
    clicked AS (
      SELECT DISTINCT c.id AS lead_id FROM leads c
      JOIN newsletter_subscribers s ON s.workspace_id = c.workspace_id AND s.email_hash = c.contact_hash
      JOIN period_clicks e ON e.subscriber_id = s.id AND e.occurred_at <= c.created_at
        AND CAST(EXTRACT(EPOCH FROM c.created_at) AS DOUBLE PRECISION) - CAST(EXTRACT(EPOCH FROM e.occurred_at) AS DOUBLE PRECISION) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    ),
  across_periods AS (SELECT period_index FROM (VALUES (0), (1), (2)) AS v(period_index)),
    counted AS (
      SELECT (CASE WHEN l.created_at >= CAST($9 AS TIMESTAMP) AND l.created_at < CAST($10 AS TIMESTAMP) THEN 0 WHEN l.created_at >= CAST($11 AS TIMESTAMP) AND l.created_at < CAST($12 AS TIMESTAMP) THEN 1 WHEN l.created_at >= CAST($13 AS TIMESTAMP) AND l.created_at < CAST($14 AS TIMESTAMP) THEN 2 END) AS period_index, count(*) AS n
      FROM leads l WHERE l.workspace_id = $15 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND l.created_at >= CAST($16 AS TIMESTAMP) AND l.created_at < CAST($17 AS TIMESTAMP) GROUP BY 1
    )
    SELECT p.period_index, COALESCE(c.n, 0) AS leads
    FROM across_periods p LEFT JOIN counted c ON c.period_index = p.period_index
    ORDER BY p.period_index
-- values: ["fixture","fixture","2025-11-21 00:00:00.000","2026-06-11 00:00:00.000",2592000,"fixture","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000","2025-12-22 00:00:00.000","2026-02-17 00:00:00.000","2026-02-17 00:00:00.000","2026-04-15 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2025-12-22 00:00:00.000","2026-06-11 00:00:00.000"]
