-- activity-quality on duckdb: its statements as sent, with their bound values, per fixture variant

-- variant: plain
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
      SELECT k, CASE WHEN n < 2 THEN NULL WHEN pos <= size THEN 'top' WHEN pos > n - size THEN 'bottom' END AS g
      FROM (
        SELECT k, pos, n, LEAST(ceil(n * CAST($30 AS FLOAT8)), floor(n / 2.0)) AS size
        FROM (
          SELECT s.k, row_number() OVER (ORDER BY COALESCE(rw.won_value, 0) DESC, s.k) AS pos, count(*) OVER () AS n
          FROM rep_keys s LEFT JOIN rep_won rw ON rw.k = s.k
        ) ranked
      ) sized),
    act AS (
      SELECT k, g, CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, sum(n) AS activities, COALESCE(sum(CASE WHEN type = $31 THEN n END), 0) AS n_call, COALESCE(sum(CASE WHEN type = $32 THEN n END), 0) AS n_email, COALESCE(sum(CASE WHEN type = $33 THEN n END), 0) AS n_meeting, COALESCE(sum(CASE WHEN type = $34 THEN n END), 0) AS n_demo, COALESCE(sum(CASE WHEN type = $35 THEN n END), 0) AS n_note, COALESCE(sum(CASE WHEN type = $36 THEN n END), 0) AS n_task, COALESCE(sum(CASE WHEN type = $37 THEN n END), 0) AS n_other, sum(real_notes) AS real_notes
      FROM (SELECT c.*, gr.g FROM act_reps c LEFT JOIN grp gr ON gr.k = c.k) c
      GROUP BY GROUPING SETS ((k), (g), ())
    ),
    -- The real notes' lengths per rep, group and everyone, from the per-rep histogram.
    note_hist AS (
      SELECT CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, h.note_length AS value, sum(h.notes) AS n
      FROM (SELECT h.k, gr.g, h.note_length, h.notes FROM (SELECT rep_id AS k, note_length, notes FROM activity_note_months WHERE workspace_id = $38 AND month >= CAST($39 AS TIMESTAMP) AND month < CAST($40 AS TIMESTAMP) AND TRUE) h LEFT JOIN grp gr ON gr.k = h.k) h
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
-- values: ["USD","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","won","won","won","won","won","won","won","won","lost","lost","lost","lost","lost","lost","lost","lost",0.25,"call","email","meeting","demo","note","task","other","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: filtered
-- statement: figures
    WITH lead_rows AS MATERIALIZED (
      SELECT l.id, l.owner_id AS k, l.status, l.created_at, l.closed_at, CASE WHEN l.currency = $1 THEN l.value END AS amount,
        (l.created_at >= CAST($2 AS TIMESTAMP) AND l.created_at < CAST($3 AS TIMESTAMP)) AS is_new, COALESCE((l.closed_at >= CAST($4 AS TIMESTAMP) AND l.closed_at < CAST($5 AS TIMESTAMP)), FALSE) AS is_closed,
        l.first_activity_at AS first_at, l.activity_calls, l.activity_emails, l.activity_meetings, l.activity_demos, l.activity_notes, l.activity_tasks, l.activity_others
      FROM leads l
      WHERE l.workspace_id = $6 AND l.pipeline_id = $7 AND l.owner_id = $8 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $9 AND team = $10) AND l.source_channel = $11 AND ((l.created_at >= CAST($12 AS TIMESTAMP) AND l.created_at < CAST($13 AS TIMESTAMP)) OR (l.closed_at >= CAST($14 AS TIMESTAMP) AND l.closed_at < CAST($15 AS TIMESTAMP)))
    ),
    act_reps AS (
      -- Counted per rep and type (rollup rows and edge days summed), the types spread into columns below.
      SELECT c.k, c.type, sum(c.n) AS n, sum(c.real_notes) AS real_notes
      FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE FALSE AND rep_id = $16
    UNION ALL
    SELECT a.rep_id AS k, a.type, count(*) AS n, count(CASE WHEN length(a.note) >= 20 AND length(trim(a.note)) >= 20 THEN length(trim(a.note)) END) AS real_notes
    FROM activities a WHERE a.workspace_id = $17 AND (a.occurred_at >= CAST($18 AS TIMESTAMP) AND a.occurred_at < CAST($19 AS TIMESTAMP)) AND a.rep_id = $20 AND a.lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = $21 AND l.pipeline_id = $22 AND l.owner_id = $23 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $24 AND team = $25) AND l.source_channel = $26)
    GROUP BY a.rep_id, a.type) c GROUP BY c.k, c.type
    ),
    mix AS (
      -- Every activity on the leads won or lost in the period, over their whole life and whoever logged it.
      SELECT COALESCE(sum(CASE WHEN r.status = $27 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS won_activities, COALESCE(sum(CASE WHEN r.status = $28 THEN r.activity_calls END), 0) AS won_n_call, COALESCE(sum(CASE WHEN r.status = $29 THEN r.activity_emails END), 0) AS won_n_email, COALESCE(sum(CASE WHEN r.status = $30 THEN r.activity_meetings END), 0) AS won_n_meeting, COALESCE(sum(CASE WHEN r.status = $31 THEN r.activity_demos END), 0) AS won_n_demo, COALESCE(sum(CASE WHEN r.status = $32 THEN r.activity_notes END), 0) AS won_n_note, COALESCE(sum(CASE WHEN r.status = $33 THEN r.activity_tasks END), 0) AS won_n_task, COALESCE(sum(CASE WHEN r.status = $34 THEN r.activity_others END), 0) AS won_n_other, COALESCE(sum(CASE WHEN r.status = $35 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS lost_activities, COALESCE(sum(CASE WHEN r.status = $36 THEN r.activity_calls END), 0) AS lost_n_call, COALESCE(sum(CASE WHEN r.status = $37 THEN r.activity_emails END), 0) AS lost_n_email, COALESCE(sum(CASE WHEN r.status = $38 THEN r.activity_meetings END), 0) AS lost_n_meeting, COALESCE(sum(CASE WHEN r.status = $39 THEN r.activity_demos END), 0) AS lost_n_demo, COALESCE(sum(CASE WHEN r.status = $40 THEN r.activity_notes END), 0) AS lost_n_note, COALESCE(sum(CASE WHEN r.status = $41 THEN r.activity_tasks END), 0) AS lost_n_task, COALESCE(sum(CASE WHEN r.status = $42 THEN r.activity_others END), 0) AS lost_n_other
      FROM lead_rows r
      WHERE r.is_closed AND r.status IN ('won', 'lost')
    ),
    rep_won AS (
      SELECT r.k, COALESCE(sum(CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END), 0) AS won_value
      FROM lead_rows r WHERE r.k IS NOT NULL GROUP BY r.k
    ),
    rep_keys AS (SELECT k FROM rep_won UNION SELECT DISTINCT k FROM act_reps WHERE k IS NOT NULL),
    grp AS MATERIALIZED (
      SELECT k, CASE WHEN n < 2 THEN NULL WHEN pos <= size THEN 'top' WHEN pos > n - size THEN 'bottom' END AS g
      FROM (
        SELECT k, pos, n, LEAST(ceil(n * CAST($43 AS FLOAT8)), floor(n / 2.0)) AS size
        FROM (
          SELECT s.k, row_number() OVER (ORDER BY COALESCE(rw.won_value, 0) DESC, s.k) AS pos, count(*) OVER () AS n
          FROM rep_keys s LEFT JOIN rep_won rw ON rw.k = s.k
        ) ranked
      ) sized),
    act AS (
      SELECT k, g, CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, sum(n) AS activities, COALESCE(sum(CASE WHEN type = $44 THEN n END), 0) AS n_call, COALESCE(sum(CASE WHEN type = $45 THEN n END), 0) AS n_email, COALESCE(sum(CASE WHEN type = $46 THEN n END), 0) AS n_meeting, COALESCE(sum(CASE WHEN type = $47 THEN n END), 0) AS n_demo, COALESCE(sum(CASE WHEN type = $48 THEN n END), 0) AS n_note, COALESCE(sum(CASE WHEN type = $49 THEN n END), 0) AS n_task, COALESCE(sum(CASE WHEN type = $50 THEN n END), 0) AS n_other, sum(real_notes) AS real_notes
      FROM (SELECT c.*, gr.g FROM act_reps c LEFT JOIN grp gr ON gr.k = c.k) c
      GROUP BY GROUPING SETS ((k), (g), ())
    ),
    -- The real notes' lengths per rep, group and everyone, from the per-rep histogram.
    note_hist AS (
      SELECT CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, h.note_length AS value, sum(h.notes) AS n
      FROM (SELECT h.k, gr.g, h.note_length, h.notes FROM (SELECT rep_id AS k, note_length, notes FROM activity_note_months WHERE FALSE AND rep_id = $51
    UNION ALL
    SELECT k, note_length, count(*) AS notes
    FROM (SELECT a.rep_id AS k, CASE WHEN length(a.note) >= 20 AND length(trim(a.note)) >= 20 THEN length(trim(a.note)) END AS note_length FROM activities a WHERE a.workspace_id = $52 AND (a.occurred_at >= CAST($53 AS TIMESTAMP) AND a.occurred_at < CAST($54 AS TIMESTAMP)) AND a.rep_id = $55 AND a.lead_id IN (SELECT l.id FROM leads l WHERE l.workspace_id = $56 AND l.pipeline_id = $57 AND l.owner_id = $58 AND l.owner_id IN (SELECT id FROM reps WHERE workspace_id = $59 AND team = $60) AND l.source_channel = $61)) r
    WHERE note_length IS NOT NULL
    GROUP BY k, note_length) h LEFT JOIN grp gr ON gr.k = h.k) h
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
-- values: ["USD","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","p1","r1","fixture","East","website","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","r1","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","r1","fixture","p1","r1","fixture","East","website","won","won","won","won","won","won","won","won","lost","lost","lost","lost","lost","lost","lost","lost",0.25,"call","email","meeting","demo","note","task","other","r1","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","r1","fixture","p1","r1","fixture","East","website"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: unsupported
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
      SELECT k, CASE WHEN n < 2 THEN NULL WHEN pos <= size THEN 'top' WHEN pos > n - size THEN 'bottom' END AS g
      FROM (
        SELECT k, pos, n, LEAST(ceil(n * CAST($30 AS FLOAT8)), floor(n / 2.0)) AS size
        FROM (
          SELECT s.k, row_number() OVER (ORDER BY COALESCE(rw.won_value, 0) DESC, s.k) AS pos, count(*) OVER () AS n
          FROM rep_keys s LEFT JOIN rep_won rw ON rw.k = s.k
        ) ranked
      ) sized),
    act AS (
      SELECT k, g, CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, sum(n) AS activities, COALESCE(sum(CASE WHEN type = $31 THEN n END), 0) AS n_call, COALESCE(sum(CASE WHEN type = $32 THEN n END), 0) AS n_email, COALESCE(sum(CASE WHEN type = $33 THEN n END), 0) AS n_meeting, COALESCE(sum(CASE WHEN type = $34 THEN n END), 0) AS n_demo, COALESCE(sum(CASE WHEN type = $35 THEN n END), 0) AS n_note, COALESCE(sum(CASE WHEN type = $36 THEN n END), 0) AS n_task, COALESCE(sum(CASE WHEN type = $37 THEN n END), 0) AS n_other, sum(real_notes) AS real_notes
      FROM (SELECT c.*, gr.g FROM act_reps c LEFT JOIN grp gr ON gr.k = c.k) c
      GROUP BY GROUPING SETS ((k), (g), ())
    ),
    -- The real notes' lengths per rep, group and everyone, from the per-rep histogram.
    note_hist AS (
      SELECT CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, h.note_length AS value, sum(h.notes) AS n
      FROM (SELECT h.k, gr.g, h.note_length, h.notes FROM (SELECT rep_id AS k, note_length, notes FROM activity_note_months WHERE workspace_id = $38 AND month >= CAST($39 AS TIMESTAMP) AND month < CAST($40 AS TIMESTAMP) AND TRUE) h LEFT JOIN grp gr ON gr.k = h.k) h
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
-- values: ["USD","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","won","won","won","won","won","won","won","won","lost","lost","lost","lost","lost","lost","lost","lost",0.25,"call","email","meeting","demo","note","task","other","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: empty
-- statement: figures
    WITH lead_rows AS MATERIALIZED (
      SELECT l.id, l.owner_id AS k, l.status, l.created_at, l.closed_at, CAST(NULL AS NUMERIC(18,2)) AS amount,
        (l.created_at >= CAST($1 AS TIMESTAMP) AND l.created_at < CAST($2 AS TIMESTAMP)) AS is_new, COALESCE((l.closed_at >= CAST($3 AS TIMESTAMP) AND l.closed_at < CAST($4 AS TIMESTAMP)), FALSE) AS is_closed,
        l.first_activity_at AS first_at, l.activity_calls, l.activity_emails, l.activity_meetings, l.activity_demos, l.activity_notes, l.activity_tasks, l.activity_others
      FROM leads l
      WHERE l.workspace_id = $5 AND ((l.created_at >= CAST($6 AS TIMESTAMP) AND l.created_at < CAST($7 AS TIMESTAMP)) OR (l.closed_at >= CAST($8 AS TIMESTAMP) AND l.closed_at < CAST($9 AS TIMESTAMP)))
    ),
    act_reps AS (
      -- Counted per rep and type (rollup rows and edge days summed), the types spread into columns below.
      SELECT c.k, c.type, sum(c.n) AS n, sum(c.real_notes) AS real_notes
      FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE workspace_id = $10 AND month >= CAST($11 AS TIMESTAMP) AND month < CAST($12 AS TIMESTAMP) AND TRUE) c GROUP BY c.k, c.type
    ),
    mix AS (
      -- Every activity on the leads won or lost in the period, over their whole life and whoever logged it.
      SELECT COALESCE(sum(CASE WHEN r.status = $13 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS won_activities, COALESCE(sum(CASE WHEN r.status = $14 THEN r.activity_calls END), 0) AS won_n_call, COALESCE(sum(CASE WHEN r.status = $15 THEN r.activity_emails END), 0) AS won_n_email, COALESCE(sum(CASE WHEN r.status = $16 THEN r.activity_meetings END), 0) AS won_n_meeting, COALESCE(sum(CASE WHEN r.status = $17 THEN r.activity_demos END), 0) AS won_n_demo, COALESCE(sum(CASE WHEN r.status = $18 THEN r.activity_notes END), 0) AS won_n_note, COALESCE(sum(CASE WHEN r.status = $19 THEN r.activity_tasks END), 0) AS won_n_task, COALESCE(sum(CASE WHEN r.status = $20 THEN r.activity_others END), 0) AS won_n_other, COALESCE(sum(CASE WHEN r.status = $21 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS lost_activities, COALESCE(sum(CASE WHEN r.status = $22 THEN r.activity_calls END), 0) AS lost_n_call, COALESCE(sum(CASE WHEN r.status = $23 THEN r.activity_emails END), 0) AS lost_n_email, COALESCE(sum(CASE WHEN r.status = $24 THEN r.activity_meetings END), 0) AS lost_n_meeting, COALESCE(sum(CASE WHEN r.status = $25 THEN r.activity_demos END), 0) AS lost_n_demo, COALESCE(sum(CASE WHEN r.status = $26 THEN r.activity_notes END), 0) AS lost_n_note, COALESCE(sum(CASE WHEN r.status = $27 THEN r.activity_tasks END), 0) AS lost_n_task, COALESCE(sum(CASE WHEN r.status = $28 THEN r.activity_others END), 0) AS lost_n_other
      FROM lead_rows r
      WHERE r.is_closed AND r.status IN ('won', 'lost')
    ),
    rep_won AS (
      SELECT r.k, COALESCE(sum(CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END), 0) AS won_value
      FROM lead_rows r WHERE r.k IS NOT NULL GROUP BY r.k
    ),
    rep_keys AS (SELECT k FROM rep_won UNION SELECT DISTINCT k FROM act_reps WHERE k IS NOT NULL),
    grp AS MATERIALIZED (SELECT k, CAST(NULL AS TEXT) AS g FROM rep_keys),
    act AS (
      SELECT k, g, CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, sum(n) AS activities, COALESCE(sum(CASE WHEN type = $29 THEN n END), 0) AS n_call, COALESCE(sum(CASE WHEN type = $30 THEN n END), 0) AS n_email, COALESCE(sum(CASE WHEN type = $31 THEN n END), 0) AS n_meeting, COALESCE(sum(CASE WHEN type = $32 THEN n END), 0) AS n_demo, COALESCE(sum(CASE WHEN type = $33 THEN n END), 0) AS n_note, COALESCE(sum(CASE WHEN type = $34 THEN n END), 0) AS n_task, COALESCE(sum(CASE WHEN type = $35 THEN n END), 0) AS n_other, sum(real_notes) AS real_notes
      FROM (SELECT c.*, gr.g FROM act_reps c LEFT JOIN grp gr ON gr.k = c.k) c
      GROUP BY GROUPING SETS ((k), (g), ())
    ),
    -- The real notes' lengths per rep, group and everyone, from the per-rep histogram.
    note_hist AS (
      SELECT CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, h.note_length AS value, sum(h.notes) AS n
      FROM (SELECT h.k, gr.g, h.note_length, h.notes FROM (SELECT rep_id AS k, note_length, notes FROM activity_note_months WHERE workspace_id = $36 AND month >= CAST($37 AS TIMESTAMP) AND month < CAST($38 AS TIMESTAMP) AND TRUE) h LEFT JOIN grp gr ON gr.k = h.k) h
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
-- values: ["2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000","won","won","won","won","won","won","won","won","lost","lost","lost","lost","lost","lost","lost","lost","call","email","meeting","demo","note","task","other","fixture","2026-04-01 00:00:00.000","2026-07-01 00:00:00.000"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]

-- variant: partial
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
      FROM (SELECT rep_id AS k, type, activities AS n, real_notes FROM activity_months WHERE workspace_id = $11 AND month >= CAST($12 AS TIMESTAMP) AND month < CAST($13 AS TIMESTAMP) AND TRUE
    UNION ALL
    SELECT a.rep_id AS k, a.type, count(*) AS n, count(CASE WHEN length(a.note) >= 20 AND length(trim(a.note)) >= 20 THEN length(trim(a.note)) END) AS real_notes
    FROM activities a WHERE a.workspace_id = $14 AND ((a.occurred_at >= CAST($15 AS TIMESTAMP) AND a.occurred_at < CAST($16 AS TIMESTAMP)) OR (a.occurred_at >= CAST($17 AS TIMESTAMP) AND a.occurred_at < CAST($18 AS TIMESTAMP))) AND TRUE
    GROUP BY a.rep_id, a.type) c GROUP BY c.k, c.type
    ),
    mix AS (
      -- Every activity on the leads won or lost in the period, over their whole life and whoever logged it.
      SELECT COALESCE(sum(CASE WHEN r.status = $19 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS won_activities, COALESCE(sum(CASE WHEN r.status = $20 THEN r.activity_calls END), 0) AS won_n_call, COALESCE(sum(CASE WHEN r.status = $21 THEN r.activity_emails END), 0) AS won_n_email, COALESCE(sum(CASE WHEN r.status = $22 THEN r.activity_meetings END), 0) AS won_n_meeting, COALESCE(sum(CASE WHEN r.status = $23 THEN r.activity_demos END), 0) AS won_n_demo, COALESCE(sum(CASE WHEN r.status = $24 THEN r.activity_notes END), 0) AS won_n_note, COALESCE(sum(CASE WHEN r.status = $25 THEN r.activity_tasks END), 0) AS won_n_task, COALESCE(sum(CASE WHEN r.status = $26 THEN r.activity_others END), 0) AS won_n_other, COALESCE(sum(CASE WHEN r.status = $27 THEN r.activity_calls + r.activity_emails + r.activity_meetings + r.activity_demos + r.activity_notes + r.activity_tasks + r.activity_others END), 0) AS lost_activities, COALESCE(sum(CASE WHEN r.status = $28 THEN r.activity_calls END), 0) AS lost_n_call, COALESCE(sum(CASE WHEN r.status = $29 THEN r.activity_emails END), 0) AS lost_n_email, COALESCE(sum(CASE WHEN r.status = $30 THEN r.activity_meetings END), 0) AS lost_n_meeting, COALESCE(sum(CASE WHEN r.status = $31 THEN r.activity_demos END), 0) AS lost_n_demo, COALESCE(sum(CASE WHEN r.status = $32 THEN r.activity_notes END), 0) AS lost_n_note, COALESCE(sum(CASE WHEN r.status = $33 THEN r.activity_tasks END), 0) AS lost_n_task, COALESCE(sum(CASE WHEN r.status = $34 THEN r.activity_others END), 0) AS lost_n_other
      FROM lead_rows r
      WHERE r.is_closed AND r.status IN ('won', 'lost')
    ),
    rep_won AS (
      SELECT r.k, COALESCE(sum(CASE WHEN r.is_closed AND r.status = 'won' THEN r.amount END), 0) AS won_value
      FROM lead_rows r WHERE r.k IS NOT NULL GROUP BY r.k
    ),
    rep_keys AS (SELECT k FROM rep_won UNION SELECT DISTINCT k FROM act_reps WHERE k IS NOT NULL),
    grp AS MATERIALIZED (
      SELECT k, CASE WHEN n < 2 THEN NULL WHEN pos <= size THEN 'top' WHEN pos > n - size THEN 'bottom' END AS g
      FROM (
        SELECT k, pos, n, LEAST(ceil(n * CAST($35 AS FLOAT8)), floor(n / 2.0)) AS size
        FROM (
          SELECT s.k, row_number() OVER (ORDER BY COALESCE(rw.won_value, 0) DESC, s.k) AS pos, count(*) OVER () AS n
          FROM rep_keys s LEFT JOIN rep_won rw ON rw.k = s.k
        ) ranked
      ) sized),
    act AS (
      SELECT k, g, CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, sum(n) AS activities, COALESCE(sum(CASE WHEN type = $36 THEN n END), 0) AS n_call, COALESCE(sum(CASE WHEN type = $37 THEN n END), 0) AS n_email, COALESCE(sum(CASE WHEN type = $38 THEN n END), 0) AS n_meeting, COALESCE(sum(CASE WHEN type = $39 THEN n END), 0) AS n_demo, COALESCE(sum(CASE WHEN type = $40 THEN n END), 0) AS n_note, COALESCE(sum(CASE WHEN type = $41 THEN n END), 0) AS n_task, COALESCE(sum(CASE WHEN type = $42 THEN n END), 0) AS n_other, sum(real_notes) AS real_notes
      FROM (SELECT c.*, gr.g FROM act_reps c LEFT JOIN grp gr ON gr.k = c.k) c
      GROUP BY GROUPING SETS ((k), (g), ())
    ),
    -- The real notes' lengths per rep, group and everyone, from the per-rep histogram.
    note_hist AS (
      SELECT CASE WHEN GROUPING(k) = 0 THEN 'r:' || k WHEN GROUPING(g) = 0 THEN 'g:' || g ELSE '*' END AS jk, h.note_length AS value, sum(h.notes) AS n
      FROM (SELECT h.k, gr.g, h.note_length, h.notes FROM (SELECT rep_id AS k, note_length, notes FROM activity_note_months WHERE workspace_id = $43 AND month >= CAST($44 AS TIMESTAMP) AND month < CAST($45 AS TIMESTAMP) AND TRUE
    UNION ALL
    SELECT k, note_length, count(*) AS notes
    FROM (SELECT a.rep_id AS k, CASE WHEN length(a.note) >= 20 AND length(trim(a.note)) >= 20 THEN length(trim(a.note)) END AS note_length FROM activities a WHERE a.workspace_id = $46 AND ((a.occurred_at >= CAST($47 AS TIMESTAMP) AND a.occurred_at < CAST($48 AS TIMESTAMP)) OR (a.occurred_at >= CAST($49 AS TIMESTAMP) AND a.occurred_at < CAST($50 AS TIMESTAMP))) AND TRUE) r
    WHERE note_length IS NOT NULL
    GROUP BY k, note_length) h LEFT JOIN grp gr ON gr.k = h.k) h
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
-- values: ["USD","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","2026-04-15 00:00:00.000","2026-06-11 00:00:00.000","fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000","won","won","won","won","won","won","won","won","lost","lost","lost","lost","lost","lost","lost","lost",0.25,"call","email","meeting","demo","note","task","other","fixture","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","fixture","2026-04-15 00:00:00.000","2026-05-01 00:00:00.000","2026-06-01 00:00:00.000","2026-06-11 00:00:00.000"]
-- statement: reps
SELECT id, name FROM reps WHERE workspace_id = $1
-- values: ["fixture"]
