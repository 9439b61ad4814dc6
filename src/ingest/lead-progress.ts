/**
 * A rollup maintained at ingest: per lead, how far its stage history got. Several metrics
 * need it (funnel progress, qualification by reaching the qualifying stage), and computing it
 * from every stage event for every query costs seconds at a million leads (a GROUP BY over
 * millions of events), so every import that touches leads, stages or stage events rebuilds
 * the workspace's rows in the same transaction.
 *
 * - reached_qualifying_at: when the lead first entered the pipeline's qualifying stage, any
 *   open stage after it, or a won stage (a skipped stage counts as passed, METRICS.md 2).
 * - furthest_position: the furthest open stage it entered (a backward move does not undo
 *   progress).
 */
import { type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

/** The rollup's rows: for one workspace, or for every workspace (the migration's backfill). */
export function leadProgressSelect(workspace: string | null): Sql {
  const stagesOf = workspace === null ? sql`TRUE` : sql`workspace_id = ${workspace}`;
  const eventsOf = workspace === null ? sql`TRUE` : sql`e.workspace_id = ${workspace}`;
  return sql`
    WITH qualifying_stage AS (
      SELECT workspace_id, pipeline_id, min(position) AS position FROM stages
      WHERE ${stagesOf} AND is_qualifying AND kind = 'open' GROUP BY workspace_id, pipeline_id
    )
    SELECT e.workspace_id, e.lead_id,
      min(CASE WHEN s.kind = 'won' OR (s.kind = 'open' AND s.position >= q.position) THEN e.changed_at END)
        AS reached_qualifying_at,
      max(CASE WHEN s.kind = 'open' THEN s.position END) AS furthest_position
    FROM stage_events e
    JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
    LEFT JOIN qualifying_stage q ON q.workspace_id = s.workspace_id AND q.pipeline_id = s.pipeline_id
    WHERE ${eventsOf}
    GROUP BY e.workspace_id, e.lead_id`;
}

/** Rebuilds the workspace's rollup rows (inside the caller's transaction). */
export async function refreshLeadProgress(store: Store, workspace: string): Promise<void> {
  await store.execute(sql`DELETE FROM lead_progress WHERE workspace_id = ${workspace}`);
  await store.execute(
    sql`INSERT INTO lead_progress (workspace_id, lead_id, reached_qualifying_at, furthest_position) ${leadProgressSelect(workspace)}`,
  );
}
