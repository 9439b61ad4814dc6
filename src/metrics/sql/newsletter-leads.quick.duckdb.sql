-- newsletter-leads (quick headlines newsletterLeads) on duckdb: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: leads
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
        AND (CAST(epoch_us(c.created_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(e.occurred_at) AS DOUBLE) / 1000000.0) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    )
        SELECT count(*) AS leads FROM leads l
        WHERE l.workspace_id = $9 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND (l.created_at >= CAST($10 AS TIMESTAMP) AND l.created_at < CAST($11 AS TIMESTAMP))
-- values: ["fixture","fixture","2026-03-01 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: leads
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
        AND (CAST(epoch_us(c.created_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(e.occurred_at) AS DOUBLE) / 1000000.0) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    )
        SELECT count(*) AS leads FROM leads l
        WHERE l.workspace_id = $9 AND l.pipeline_id = $10 AND l.owner_id = $11 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $12 AND team = $13) AND l.source_channel = $14 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND (l.created_at >= CAST($15 AS TIMESTAMP) AND l.created_at < CAST($16 AS TIMESTAMP))
-- values: ["fixture","fixture","2026-03-01 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: leads
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
        AND (CAST(epoch_us(c.created_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(e.occurred_at) AS DOUBLE) / 1000000.0) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    )
        SELECT count(*) AS leads FROM leads l
        WHERE l.workspace_id = $9 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND (l.created_at >= CAST($10 AS TIMESTAMP) AND l.created_at < CAST($11 AS TIMESTAMP))
-- values: ["fixture","fixture","2026-03-01 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- statement: leads
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
        AND (CAST(epoch_us(c.created_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(e.occurred_at) AS DOUBLE) / 1000000.0) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    )
        SELECT count(*) AS leads FROM leads l
        WHERE l.workspace_id = $9 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND (l.created_at >= CAST($10 AS TIMESTAMP) AND l.created_at < CAST($11 AS TIMESTAMP))
-- values: ["fixture","fixture","2026-03-01 00:00:00.000","2026-07-01 00:00:00.000",2592000,"fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: partial
-- statement: leads
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
        AND (CAST(epoch_us(c.created_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(e.occurred_at) AS DOUBLE) / 1000000.0) <= $5
      WHERE c.workspace_id = $6 AND c.created_at >= CAST($7 AS TIMESTAMP) AND c.created_at < CAST($8 AS TIMESTAMP)
    )
        SELECT count(*) AS leads FROM leads l
        WHERE l.workspace_id = $9 AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked)) AND (l.created_at >= CAST($10 AS TIMESTAMP) AND l.created_at < CAST($11 AS TIMESTAMP))
-- values: ["fixture","fixture","2026-03-15 00:00:00.000","2026-06-11 00:00:00.000",2592000,"fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000"]
