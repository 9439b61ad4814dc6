-- vanity followers on duckdb: its statement as sent, with its bound values, per fixture variant

-- variant: plain
-- statement: figure
      SELECT COALESCE(sum(f.followers), 0) AS value,
        EXISTS (SELECT 1 FROM social_follower_snapshots WHERE workspace_id = $1) AS loaded
      FROM social_follower_snapshots f
      JOIN (
        SELECT network, max(captured_at) AS captured_at FROM social_follower_snapshots
        WHERE workspace_id = $2 AND captured_at < CAST($3 AS TIMESTAMP) GROUP BY network
      ) last ON last.network = f.network AND last.captured_at = f.captured_at
      WHERE f.workspace_id = $4
-- values: ["fixture","fixture","2026-07-01 00:00:00.000","fixture"]

-- variant: filtered
-- statement: figure
      SELECT COALESCE(sum(f.followers), 0) AS value,
        EXISTS (SELECT 1 FROM social_follower_snapshots WHERE workspace_id = $1) AS loaded
      FROM social_follower_snapshots f
      JOIN (
        SELECT network, max(captured_at) AS captured_at FROM social_follower_snapshots
        WHERE workspace_id = $2 AND captured_at < CAST($3 AS TIMESTAMP) GROUP BY network
      ) last ON last.network = f.network AND last.captured_at = f.captured_at
      WHERE f.workspace_id = $4
-- values: ["fixture","fixture","2026-07-01 00:00:00.000","fixture"]

-- variant: unsupported
-- statement: figure
      SELECT COALESCE(sum(f.followers), 0) AS value,
        EXISTS (SELECT 1 FROM social_follower_snapshots WHERE workspace_id = $1) AS loaded
      FROM social_follower_snapshots f
      JOIN (
        SELECT network, max(captured_at) AS captured_at FROM social_follower_snapshots
        WHERE workspace_id = $2 AND captured_at < CAST($3 AS TIMESTAMP) GROUP BY network
      ) last ON last.network = f.network AND last.captured_at = f.captured_at
      WHERE f.workspace_id = $4
-- values: ["fixture","fixture","2026-07-01 00:00:00.000","fixture"]

-- variant: empty
-- (nothing to ask: the data cannot support the figure)

-- variant: partial
-- statement: figure
      SELECT COALESCE(sum(f.followers), 0) AS value,
        EXISTS (SELECT 1 FROM social_follower_snapshots WHERE workspace_id = $1) AS loaded
      FROM social_follower_snapshots f
      JOIN (
        SELECT network, max(captured_at) AS captured_at FROM social_follower_snapshots
        WHERE workspace_id = $2 AND captured_at < CAST($3 AS TIMESTAMP) GROUP BY network
      ) last ON last.network = f.network AND last.captured_at = f.captured_at
      WHERE f.workspace_id = $4
-- values: ["fixture","fixture","2026-06-11 00:00:00.000","fixture"]
