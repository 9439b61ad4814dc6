-- social-conversions on postgres: its statements as sent, with their bound values, per fixture variant

-- variant: plain
-- statement: leads
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
      social_leads AS (
        SELECT CASE
    WHEN lf.source LIKE 'social:%' THEN substr(lf.source, 8)
    WHEN lower(lf.utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(lf.utm_source)
    WHEN lower(lf.utm_medium) = 'social' THEN 'other'
  END AS network, lf.utm_campaign AS campaign, lf.source, lf.status,
          lf.qualified_at, lf.amount
        FROM lead_facts lf WHERE (lf.created_at >= CAST($3 AS TIMESTAMP) AND lf.created_at < CAST($4 AS TIMESTAMP))
      ),
      -- Posts carrying a campaign on a network, published by the end of the period.
      campaign_posts AS (
        SELECT network, utm_campaign, count(*) AS posts FROM social_posts
        WHERE workspace_id = $5 AND utm_campaign IS NOT NULL AND published_at < CAST($6 AS TIMESTAMP)
        GROUP BY network, utm_campaign
      )
      SELECT s.network, s.campaign, count(*) AS leads,
        count(CASE WHEN s.qualified_at IS NOT NULL THEN 1 END) AS qualified_leads,
        count(CASE WHEN s.status = 'won' THEN 1 END) AS won_leads,
        sum(CASE WHEN s.status = 'won' THEN s.amount END) AS won_value,
        count(CASE WHEN s.status = 'won' THEN s.amount END) AS won_amounts,
        CAST(sum((CASE WHEN s.status = 'won' THEN s.amount END) * (CASE WHEN s.status = 'won' THEN s.amount END)) AS TEXT) AS won_value_squares,
        count(CASE WHEN s.source LIKE 'social:%' THEN 1 END) AS by_source,
        COALESCE(max(p.posts), 0) AS posts
      FROM social_leads s
      LEFT JOIN campaign_posts p ON p.network = s.network AND p.utm_campaign = s.campaign
      WHERE s.network IS NOT NULL
      GROUP BY s.network, s.campaign
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000"]
-- statement: visits
      WITH sources AS (
        SELECT utm_source, utm_medium, referrer_host AS host, visits, converted_visits
        FROM visit_source_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
      ),
      social_visits AS (
        SELECT CASE
    WHEN lower(utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(utm_source)
    WHEN host = 'linkedin.com' OR host LIKE '%.linkedin.com' OR host = 'lnkd.in' OR host LIKE '%.lnkd.in' THEN 'linkedin'
    WHEN host = 't.co' OR host LIKE '%.t.co' OR host = 'twitter.com' OR host LIKE '%.twitter.com' OR host = 'x.com' OR host LIKE '%.x.com' THEN 'twitter'
    WHEN host = 'facebook.com' OR host LIKE '%.facebook.com' THEN 'facebook'
    WHEN host = 'instagram.com' OR host LIKE '%.instagram.com' THEN 'instagram'
    WHEN host = 'youtube.com' OR host LIKE '%.youtube.com' THEN 'youtube'
    WHEN lower(utm_medium) = 'social' THEN 'other'
  END AS network, visits, converted_visits FROM sources
      )
      SELECT network, sum(visits) AS visits, sum(converted_visits) AS converted_visits
      FROM social_visits GROUP BY network
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: leads
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
      social_leads AS (
        SELECT CASE
    WHEN lf.source LIKE 'social:%' THEN substr(lf.source, 8)
    WHEN lower(lf.utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(lf.utm_source)
    WHEN lower(lf.utm_medium) = 'social' THEN 'other'
  END AS network, lf.utm_campaign AS campaign, lf.source, lf.status,
          lf.qualified_at, lf.amount
        FROM lead_facts lf WHERE (lf.created_at >= CAST($8 AS TIMESTAMP) AND lf.created_at < CAST($9 AS TIMESTAMP))
      ),
      -- Posts carrying a campaign on a network, published by the end of the period.
      campaign_posts AS (
        SELECT network, utm_campaign, count(*) AS posts FROM social_posts
        WHERE workspace_id = $10 AND utm_campaign IS NOT NULL AND published_at < CAST($11 AS TIMESTAMP)
        GROUP BY network, utm_campaign
      )
      SELECT s.network, s.campaign, count(*) AS leads,
        count(CASE WHEN s.qualified_at IS NOT NULL THEN 1 END) AS qualified_leads,
        count(CASE WHEN s.status = 'won' THEN 1 END) AS won_leads,
        sum(CASE WHEN s.status = 'won' THEN s.amount END) AS won_value,
        count(CASE WHEN s.status = 'won' THEN s.amount END) AS won_amounts,
        CAST(sum((CASE WHEN s.status = 'won' THEN s.amount END) * (CASE WHEN s.status = 'won' THEN s.amount END)) AS TEXT) AS won_value_squares,
        count(CASE WHEN s.source LIKE 'social:%' THEN 1 END) AS by_source,
        COALESCE(max(p.posts), 0) AS posts
      FROM social_leads s
      LEFT JOIN campaign_posts p ON p.network = s.network AND p.utm_campaign = s.campaign
      WHERE s.network IS NOT NULL
      GROUP BY s.network, s.campaign
-- values: ["USD","fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000"]
-- statement: visits
      WITH sources AS (
        SELECT utm_source, utm_medium, referrer_host AS host, visits, converted_visits
        FROM visit_source_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
      ),
      social_visits AS (
        SELECT CASE
    WHEN lower(utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(utm_source)
    WHEN host = 'linkedin.com' OR host LIKE '%.linkedin.com' OR host = 'lnkd.in' OR host LIKE '%.lnkd.in' THEN 'linkedin'
    WHEN host = 't.co' OR host LIKE '%.t.co' OR host = 'twitter.com' OR host LIKE '%.twitter.com' OR host = 'x.com' OR host LIKE '%.x.com' THEN 'twitter'
    WHEN host = 'facebook.com' OR host LIKE '%.facebook.com' THEN 'facebook'
    WHEN host = 'instagram.com' OR host LIKE '%.instagram.com' THEN 'instagram'
    WHEN host = 'youtube.com' OR host LIKE '%.youtube.com' THEN 'youtube'
    WHEN lower(utm_medium) = 'social' THEN 'other'
  END AS network, visits, converted_visits FROM sources
      )
      SELECT network, sum(visits) AS visits, sum(converted_visits) AS converted_visits
      FROM social_visits GROUP BY network
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: leads
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
      social_leads AS (
        SELECT CASE
    WHEN lf.source LIKE 'social:%' THEN substr(lf.source, 8)
    WHEN lower(lf.utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(lf.utm_source)
    WHEN lower(lf.utm_medium) = 'social' THEN 'other'
  END AS network, lf.utm_campaign AS campaign, lf.source, lf.status,
          lf.qualified_at, lf.amount
        FROM lead_facts lf WHERE (lf.created_at >= CAST($3 AS TIMESTAMP) AND lf.created_at < CAST($4 AS TIMESTAMP))
      ),
      -- Posts carrying a campaign on a network, published by the end of the period.
      campaign_posts AS (
        SELECT network, utm_campaign, count(*) AS posts FROM social_posts
        WHERE workspace_id = $5 AND utm_campaign IS NOT NULL AND published_at < CAST($6 AS TIMESTAMP)
        GROUP BY network, utm_campaign
      )
      SELECT s.network, s.campaign, count(*) AS leads,
        count(CASE WHEN s.qualified_at IS NOT NULL THEN 1 END) AS qualified_leads,
        count(CASE WHEN s.status = 'won' THEN 1 END) AS won_leads,
        sum(CASE WHEN s.status = 'won' THEN s.amount END) AS won_value,
        count(CASE WHEN s.status = 'won' THEN s.amount END) AS won_amounts,
        CAST(sum((CASE WHEN s.status = 'won' THEN s.amount END) * (CASE WHEN s.status = 'won' THEN s.amount END)) AS TEXT) AS won_value_squares,
        count(CASE WHEN s.source LIKE 'social:%' THEN 1 END) AS by_source,
        COALESCE(max(p.posts), 0) AS posts
      FROM social_leads s
      LEFT JOIN campaign_posts p ON p.network = s.network AND p.utm_campaign = s.campaign
      WHERE s.network IS NOT NULL
      GROUP BY s.network, s.campaign
-- values: ["USD","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-07-01 00:00:00.000"]
-- statement: visits
      WITH sources AS (
        SELECT utm_source, utm_medium, referrer_host AS host, visits, converted_visits
        FROM visit_source_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
      ),
      social_visits AS (
        SELECT CASE
    WHEN lower(utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(utm_source)
    WHEN host = 'linkedin.com' OR host LIKE '%.linkedin.com' OR host = 'lnkd.in' OR host LIKE '%.lnkd.in' THEN 'linkedin'
    WHEN host = 't.co' OR host LIKE '%.t.co' OR host = 'twitter.com' OR host LIKE '%.twitter.com' OR host = 'x.com' OR host LIKE '%.x.com' THEN 'twitter'
    WHEN host = 'facebook.com' OR host LIKE '%.facebook.com' THEN 'facebook'
    WHEN host = 'instagram.com' OR host LIKE '%.instagram.com' THEN 'instagram'
    WHEN host = 'youtube.com' OR host LIKE '%.youtube.com' THEN 'youtube'
    WHEN lower(utm_medium) = 'social' THEN 'other'
  END AS network, visits, converted_visits FROM sources
      )
      SELECT network, sum(visits) AS visits, sum(converted_visits) AS converted_visits
      FROM social_visits GROUP BY network
-- values: ["fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: no data of its kind)

-- variant: partial
-- statement: leads
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
      social_leads AS (
        SELECT CASE
    WHEN lf.source LIKE 'social:%' THEN substr(lf.source, 8)
    WHEN lower(lf.utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(lf.utm_source)
    WHEN lower(lf.utm_medium) = 'social' THEN 'other'
  END AS network, lf.utm_campaign AS campaign, lf.source, lf.status,
          lf.qualified_at, lf.amount
        FROM lead_facts lf WHERE (lf.created_at >= CAST($3 AS TIMESTAMP) AND lf.created_at < CAST($4 AS TIMESTAMP))
      ),
      -- Posts carrying a campaign on a network, published by the end of the period.
      campaign_posts AS (
        SELECT network, utm_campaign, count(*) AS posts FROM social_posts
        WHERE workspace_id = $5 AND utm_campaign IS NOT NULL AND published_at < CAST($6 AS TIMESTAMP)
        GROUP BY network, utm_campaign
      )
      SELECT s.network, s.campaign, count(*) AS leads,
        count(CASE WHEN s.qualified_at IS NOT NULL THEN 1 END) AS qualified_leads,
        count(CASE WHEN s.status = 'won' THEN 1 END) AS won_leads,
        sum(CASE WHEN s.status = 'won' THEN s.amount END) AS won_value,
        count(CASE WHEN s.status = 'won' THEN s.amount END) AS won_amounts,
        CAST(sum((CASE WHEN s.status = 'won' THEN s.amount END) * (CASE WHEN s.status = 'won' THEN s.amount END)) AS TEXT) AS won_value_squares,
        count(CASE WHEN s.source LIKE 'social:%' THEN 1 END) AS by_source,
        COALESCE(max(p.posts), 0) AS posts
      FROM social_leads s
      LEFT JOIN campaign_posts p ON p.network = s.network AND p.utm_campaign = s.campaign
      WHERE s.network IS NOT NULL
      GROUP BY s.network, s.campaign
-- values: ["USD","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2026-06-11 00:00:00.000"]
-- statement: visits
      WITH sources AS (
        SELECT utm_source, utm_medium, referrer_host AS host, visits, converted_visits
        FROM visit_source_months WHERE workspace_id = $1 AND month >= CAST($2 AS TIMESTAMP) AND month < CAST($3 AS TIMESTAMP)
        UNION ALL
        SELECT lower(v.utm_source), lower(v.utm_medium), split_part(split_part(split_part(CASE WHEN strpos(lower(v.referrer), '://') > 0 THEN split_part(lower(v.referrer), '://', 2) ELSE lower(v.referrer) END, '/', 1), '?', 1), ':', 1), 1,
          CASE WHEN v.converted_lead_id IS NOT NULL THEN 1 ELSE 0 END
        FROM visits v WHERE v.workspace_id = $4 AND ((v.started_at >= CAST($5 AS TIMESTAMP) AND v.started_at < CAST($6 AS TIMESTAMP)) OR (v.started_at >= CAST($7 AS TIMESTAMP) AND v.started_at < CAST($8 AS TIMESTAMP)))
      ),
      social_visits AS (
        SELECT CASE
    WHEN lower(utm_source) IN ('linkedin', 'twitter', 'facebook', 'instagram', 'youtube') THEN lower(utm_source)
    WHEN host = 'linkedin.com' OR host LIKE '%.linkedin.com' OR host = 'lnkd.in' OR host LIKE '%.lnkd.in' THEN 'linkedin'
    WHEN host = 't.co' OR host LIKE '%.t.co' OR host = 'twitter.com' OR host LIKE '%.twitter.com' OR host = 'x.com' OR host LIKE '%.x.com' THEN 'twitter'
    WHEN host = 'facebook.com' OR host LIKE '%.facebook.com' THEN 'facebook'
    WHEN host = 'instagram.com' OR host LIKE '%.instagram.com' THEN 'instagram'
    WHEN host = 'youtube.com' OR host LIKE '%.youtube.com' THEN 'youtube'
    WHEN lower(utm_medium) = 'social' THEN 'other'
  END AS network, visits, converted_visits FROM sources
      )
      SELECT network, sum(visits) AS visits, sum(converted_visits) AS converted_visits
      FROM social_visits GROUP BY network
-- values: ["fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000"]
