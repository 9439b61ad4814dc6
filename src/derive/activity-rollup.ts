/**
 * Activities rolled up per rep and calendar month at ingest, so the period's activity figures
 * (activity quality's per-rep counts and note lengths, the vanity activity count and
 * calls-to-meetings beside it) read a few thousand rows instead of the period's million
 * activities (PostgreSQL fetched them from a 2 GB table: about a second per query at ten
 * million activities). Every import that loads activities rebuilds the workspace's rows in
 * the same transaction.
 *
 * - activity_months: per month, rep (NULL: logged without one) and type, the activities and
 *   those carrying a real note (REAL_NOTE_MIN_LENGTH characters or more once trimmed).
 * - activity_note_months: per month and rep, how many real notes had each trimmed length: a
 *   histogram the median note length is taken from exactly.
 * - lead_activity_months: per month, rep and lead (NULL: logged without one), the activities:
 *   the vanity activity count judges them by the leads they run on (size l: 2 million rows for
 *   10.8 million activities; a year of per-lead counts 0.16 s on one thread, 0.5-0.67 s from
 *   the activities).
 *
 * The first two know nothing of the activity's lead, so a request filtered by pipeline or lead
 * source reads the activities themselves for them (activityRollupFilters).
 */
import { raw, type Sql, sql, timestamp } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { rollupSpans, type Span } from "./visit-rollup.js";

/**
 * A note is "real" when it is at least this many characters long once leading and trailing
 * spaces are removed: long enough for "what happened, what next", longer than the tokens
 * busy reps leave ("called", "lvm", "f/u", "see above").
 */
export const REAL_NOTE_MIN_LENGTH = 20;

const MONTH = "CAST(date_trunc('month', occurred_at) AS TIMESTAMP)";

/**
 * The trimmed length of a real note, NULL for any other (only notes long enough before
 * trimming are trimmed: trimming never lengthens a note).
 */
export function realNoteLength(note: Sql): Sql {
  const min = raw(String(REAL_NOTE_MIN_LENGTH));
  return sql`CASE WHEN length(${note}) >= ${min} AND length(trim(${note})) >= ${min} THEN length(trim(${note})) END`;
}

/**
 * The rollups' rows from the activities (for one workspace, or for every workspace): one
 * pass groups the activities by month, rep, type and real-note length into a temporary
 * table, and the two per-rep rollups are summed from it (two passes cost twice the scan and
 * the trimming of every note: bench:load, size m, 2.4 s on DuckDB, 5 s on PostgreSQL). The
 * per-lead rollup is a second pass of its own (about 5.5 s of one thread at size l): by lead,
 * the groups above would be several times as many.
 */
export function activityRollupInserts(workspace: string | null, months?: Span): Sql[] {
  const inWorkspace = workspace === null ? sql`TRUE` : sql`workspace_id = ${workspace}`;
  const of = months
    ? sql`${inWorkspace} AND occurred_at >= ${timestamp(months.from)} AND occurred_at < ${timestamp(months.to)}`
    : inWorkspace;
  const groups = raw(GROUPS);
  return [
    sql`DROP TABLE IF EXISTS ${groups}`,
    sql`CREATE TEMP TABLE ${groups} AS
        SELECT workspace_id, month, rep_id, type, note_length, count(*) AS n
        FROM (
          SELECT workspace_id, ${raw(MONTH)} AS month, rep_id, type, ${realNoteLength(sql`note`)} AS note_length
          FROM activities WHERE ${of}
        ) a
        GROUP BY workspace_id, month, rep_id, type, note_length`,
    sql`INSERT INTO activity_months (workspace_id, month, rep_id, type, activities, real_notes)
        SELECT workspace_id, month, rep_id, type, CAST(sum(n) AS BIGINT),
          CAST(sum(CASE WHEN note_length IS NOT NULL THEN n ELSE 0 END) AS BIGINT)
        FROM ${groups}
        GROUP BY workspace_id, month, rep_id, type
        ORDER BY 1, 2`,
    sql`INSERT INTO activity_note_months (workspace_id, month, rep_id, note_length, notes)
        SELECT workspace_id, month, rep_id, note_length, CAST(sum(n) AS BIGINT)
        FROM ${groups}
        WHERE note_length IS NOT NULL
        GROUP BY workspace_id, month, rep_id, note_length
        ORDER BY 1, 2`,
    sql`DROP TABLE ${groups}`,
    // Its own pass: the lead would multiply the groups above (and their notes' trimming).
    sql`INSERT INTO lead_activity_months (workspace_id, month, rep_id, lead_id, activities)
        SELECT workspace_id, ${raw(MONTH)} AS month, rep_id, lead_id, count(*)
        FROM activities WHERE ${of}
        GROUP BY workspace_id, ${raw(MONTH)}, rep_id, lead_id
        ORDER BY 1, 2`,
  ];
}

const GROUPS = "verity_activity_groups";

/**
 * Rebuilds the workspace's rollup rows, or only those of whole months `[from, to)`, inside
 * the caller's transaction.
 */
export async function refreshActivityRollup(store: Store, workspace: string, months?: Span): Promise<void> {
  const of = months
    ? sql`workspace_id = ${workspace} AND month >= ${timestamp(months.from)} AND month < ${timestamp(months.to)}`
    : sql`workspace_id = ${workspace}`;
  await store.execute(sql`DELETE FROM activity_months WHERE ${of}`);
  await store.execute(sql`DELETE FROM activity_note_months WHERE ${of}`);
  await store.execute(sql`DELETE FROM lead_activity_months WHERE ${of}`);
  for (const insert of activityRollupInserts(workspace, months)) await store.execute(insert);
}

/**
 * How a period's activities are read: `months` over a rollup's own columns (FALSE when the
 * period has no whole month, or when `raw` must cover everything), `activities` over the
 * activities aliased `a` for the rest of the period (null when the rollups cover it all).
 * `wholePeriodRaw` (a pipeline or source filter, which needs each activity's lead) reads
 * the whole period from the activities.
 */
export function activityRollupFilters(
  workspace: string,
  start: Date,
  end: Date,
  wholePeriodRaw: boolean,
): { months: Sql; activities: Sql | null } {
  const spanSql = (from: Date, to: Date) =>
    sql`(a.occurred_at >= ${timestamp(from)} AND a.occurred_at < ${timestamp(to)})`;
  if (wholePeriodRaw) return { months: sql`FALSE`, activities: spanSql(start, end) };
  const { months, edges } = rollupSpans(start, end);
  const spans = edges.map((e) => spanSql(e.from, e.to));
  return {
    months: months
      ? sql`workspace_id = ${workspace} AND month >= ${timestamp(months.from)} AND month < ${timestamp(months.to)}`
      : sql`FALSE`,
    activities: spans.length === 0 ? null : sql`(${spans.reduce((x, y) => sql`${x} OR ${y}`)})`,
  };
}
