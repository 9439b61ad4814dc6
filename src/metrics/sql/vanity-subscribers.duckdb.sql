-- vanity subscribers on duckdb: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: figure
      SELECT count(*) AS value FROM newsletter_subscribers
      WHERE workspace_id = $1 AND subscribed_at < CAST($2 AS TIMESTAMP)
        AND (unsubscribed_at IS NULL OR unsubscribed_at >= CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: filtered
-- statement: figure
      SELECT count(*) AS value FROM newsletter_subscribers
      WHERE workspace_id = $1 AND subscribed_at < CAST($2 AS TIMESTAMP)
        AND (unsubscribed_at IS NULL OR unsubscribed_at >= CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: unsupported
-- statement: figure
      SELECT count(*) AS value FROM newsletter_subscribers
      WHERE workspace_id = $1 AND subscribed_at < CAST($2 AS TIMESTAMP)
        AND (unsubscribed_at IS NULL OR unsubscribed_at >= CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-07-01 00:00:00.000","2026-07-01 00:00:00.000"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: figure
      SELECT count(*) AS value FROM newsletter_subscribers
      WHERE workspace_id = $1 AND subscribed_at < CAST($2 AS TIMESTAMP)
        AND (unsubscribed_at IS NULL OR unsubscribed_at >= CAST($3 AS TIMESTAMP))
-- values: ["fixture","2026-06-11 00:00:00.000","2026-06-11 00:00:00.000"]
