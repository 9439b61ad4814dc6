-- activity-quality (second round) on duckdb: its statements as sent, with their bound values, per fixture variant

-- variant: plain, second round (performer groups a and b as lists)
-- statement: figures
    WITH lead_rows AS MATERIALIZED (
      SELECT l.id, l.owner_id AS k, l.status, l.created_at, l.closed_at, CASE WHEN l.currency = $1 THEN l.value END AS amount,
        (l.created_at >= CAST($2 AS TIMESTAMP) AND l.created_at < CAST($3 AS TIMESTAMP)) AS is_new, COALESCE((l.closed_at >= CAST($4 AS TIMESTAMP) AND l.closed_at < CAST($5 AS TIMESTAMP)), FALSE) AS is_closed,
        l.first_activity_at AS first_at, l.activity_calls, l.activity_emails, l.activity_meetings, l.activity_demos, l.activity_notes, l.activity_tasks, l.activity_others
      FROM leads l
      WHERE l.workspace_id = $6 AND ((l.created_at >= CAST($7 AS TIMESTAMP) AND l.created_at < CAST($8 AS TIMESTAMP)) OR (l.closed_at >= CAST($9 AS TIMESTAMP) AND l.closed_at < CAST($10 AS TIMESTAMP)))
    ),
    act_reps AS (
      -- Counted per rep and type (rollup rows and edge days summed), the types spread into columns below.
      SELECT c.k, c.type, sum(c.n) AS n, sum(c.real_notes) AS real_notes
      FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE workspace_id = $11 AND month >= CAST($12 AS TIMESTAMP) AND month < CAST($13 AS TIMESTAMP) AND TRUE) c GROUP BY c.k, c.type
    ),
    mix AS (
      -- Every activity on the leads won or lost in the period, over their whole life and whoever logged it.
      SELECT COALESCE(sum(CASE WHEN r.status = $14 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS won_activities, COALESCE(sum(CASE WHEN r.status = $15 THEN r.activity_calls END), 0) AS won_n_call, COALESCE(sum(CASE WHEN r.status = $16 THEN r.activity_emails END), 0) AS won_n_email, COALESCE(sum(CASE WHEN r.status = $17 THEN r.activity_meetings END), 0) AS won_n_meeting, COALESCE(sum(CASE WHEN r.status = $18 THEN r.activity_demos END), 0) AS won_n_demo, COALESCE(sum(CASE WHEN r.status = $19 THEN r.activity_notes END), 0) AS won_n_note, COALESCE(sum(CASE WHEN r.status = $20 THEN r.activity_tasks END), 0) AS won_n_task, COALESCE(sum(CASE WHEN r.status = $21 THEN r.activity_others END), 0) AS won_n_other, COALESCE(sum(CASE WHEN r.status = $22 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS lost_activities, COALESCE(sum(CASE WHEN r.status = $23 THEN r.activity_calls END), 0) AS lost_n_call, COALESCE(sum(CASE WHEN r.status = $24 THEN r.activity_emails END), 0) AS lost_n_email, COALESCE(sum(CASE WHEN r.status = $25 THEN r.activity_meetings END), 0) AS lost_n_meeting, COALESCE(sum(CASE WHEN r.status = $26 THEN r.activity_demos END), 0) AS lost_n_demo, COALESCE(sum(CASE WHEN r.status = $27 THEN r.activity_notes END), 0) AS lost_n_note, COALESCE(sum(CASE WHEN r.status = $28 THEN r.activity_tasks END), 0) AS lost_n_task, COALESCE(sum(CASE WHEN r.status = $29 THEN r.activity_others END), 0) AS lost_n_other
      FROM lead_rows r
      WHERE r.is_closed AND r.status IN ('won', 'lost')
    ),
    rep_won AS (
      SELECT r.k, COALESCE(sum(CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END), 0) AS won_value
      FROM lead_rows r WHERE r.k IS NOT NULL GROUP BY r.k
    ),
    rep_keys AS (SELECT k FROM rep_won UNION SELECT DISTINCT k FROM act_reps WHERE k IS NOT NULL),
    grp AS MATERIALIZED (
      SELECT k, CASE WHEN k IN ($30) THEN 'top' WHEN k IN ($31) THEN 'bottom' END AS g
      FROM rep_keys),
    act AS (
      SELECT k, g, CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, sum(n) AS activities, COALESCE(sum(CASE WHEN type = $32 THEN n END), 0) AS n_call, COALESCE(sum(CASE WHEN type = $33 THEN n END), 0) AS n_email, COALESCE(sum(CASE WHEN type = $34 THEN n END), 0) AS n_meeting, COALESCE(sum(CASE WHEN type = $35 THEN n END), 0) AS n_demo, COALESCE(sum(CASE WHEN type = $36 THEN n END), 0) AS n_note, COALESCE(sum(CASE WHEN type = $37 THEN n END), 0) AS n_task, COALESCE(sum(CASE WHEN type = $38 THEN n END), 0) AS n_other, sum(real_notes) AS real_notes
      FROM (SELECT c.*, gr.g FROM act_reps c LEFT JOIN grp gr ON gr.k = c.k) c
      GROUP BY GROUPING SETS ((k), (g), ())
    ),
    -- The real notes' lengths per rep, group and everyone, from the per-rep histogram.
    note_hist AS (
      SELECT CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, h.note_length AS value, sum(h.notes) AS n
      FROM (SELECT h.k, gr.g, h.note_length, h.notes FROM (SELECT rep_id AS k, note_length, notes FROM activity_note_months WHERE workspace_id = $39 AND month >= CAST($40 AS TIMESTAMP) AND month < CAST($41 AS TIMESTAMP) AND TRUE) h LEFT JOIN grp gr ON gr.k = h.k) h
      GROUP BY GROUPING SETS ((k, note_length), (g, note_length), (note_length))
    ),
  notes_cum AS (
    SELECT jk, value,
      sum(n) OVER (PARTITION BY jk ORDER BY value ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
      sum(n) OVER (PARTITION BY jk) AS total
    FROM note_hist WHERE jk IS NOT NULL AND n > 0
  ),
  notes AS (
    -- The values at 0-based positions floor((total - 1) / 2) and ceil((total - 1) / 2).
    SELECT jk, (CAST(min(CASE WHEN cum > floor((total - 1) / 2.0) THEN value END) AS FLOAT8)
      + CAST(min(CASE WHEN cum > ceil((total - 1) / 2.0) THEN value END) AS FLOAT8)) / 2.0 AS median
    FROM notes_cum GROUP BY jk
  ),
    lds AS (
      SELECT k, g, CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk,
        count(CASE WHEN r.is_new THEN 1 END) AS opportunities,
        count(CASE WHEN r.is_new AND r.first_at IS NULL THEN 1 END) AS untouched,
        -- An activity logged before the lead was created counts as immediate (0 hours).
        quantile_cont(CAST(CASE WHEN r.is_new AND r.first_at IS NOT NULL THEN GREATEST(CAST(0 AS FLOAT8), ((CAST(epoch_us(r.first_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(r.created_at) AS DOUBLE) / 1000000.0)) / 3600.0) END AS DOUBLE), 0.5) AS median_hours,
        count(CASE WHEN r.is_closed AND r.status = 'won' THEN 1 END) AS won,
        count(CASE WHEN r.is_closed AND r.status = 'lost' THEN 1 END) AS lost,
        COALESCE(sum(CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END), 0) AS won_value,
        count(CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END) AS won_amounts,
        CAST(sum((CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END) * (CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END)) AS TEXT) AS won_value_squares,
        avg(CASE WHEN r.is_closed AND r.status = 'won' THEN CAST(r.amount AS FLOAT8) END) AS average_won_value,
        quantile_cont(CAST(CASE WHEN r.is_closed AND r.status = 'won' THEN ((CAST(epoch_us(r.closed_at) AS DOUBLE) / 1000000.0) - (CAST(epoch_us(r.created_at) AS DOUBLE) / 1000000.0)) / 86400.0 END AS DOUBLE), 0.5) AS median_days_to_win
      FROM (
        SELECT r.k, gr.g, r.status, r.created_at, r.closed_at, r.amount, r.is_new, r.is_closed, r.first_at
        FROM lead_rows r LEFT JOIN grp gr ON gr.k = r.k
      ) r
      GROUP BY GROUPING SETS ((k), (g), ())
    )
    SELECT COALESCE(act.jk, lds.jk) AS jk, gg.g AS grp,
      act.activities, act.n_call, act.n_email, act.n_meeting, act.n_demo, act.n_note, act.n_task, act.n_other, act.real_notes, notes.median AS median_note_length,
      lds.opportunities, lds.untouched, lds.median_hours, lds.won, lds.lost, lds.won_value, lds.won_amounts,
      lds.won_value_squares, lds.average_won_value,
      lds.median_days_to_win, mix.won_activities, mix.won_n_call, mix.won_n_email, mix.won_n_meeting, mix.won_n_demo, mix.won_n_note, mix.won_n_task, mix.won_n_other, mix.lost_activities, mix.lost_n_call, mix.lost_n_email, mix.lost_n_meeting, mix.lost_n_demo, mix.lost_n_note, mix.lost_n_task, mix.lost_n_other
    FROM act FULL OUTER JOIN lds ON lds.jk = act.jk
    LEFT JOIN notes ON notes.jk = act.jk
    LEFT JOIN grp gg ON gg.k = COALESCE(act.k, lds.k)
    LEFT JOIN mix ON COALESCE(act.jk, lds.jk) = '*'
    WHERE COALESCE(act.jk, lds.jk) IS NOT NULL
-- values: ["USD","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","won","won","won","won","won","won","won","won","lost","lost","lost","lost","lost","lost","lost","lost","a","b","call","email","meeting","demo","note","task","other","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]
