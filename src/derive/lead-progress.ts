/**
 * Derived at ingest and stored on each lead: how far its stage history got. Several metrics
 * need it (funnel progress, qualification by reaching the qualifying stage); computing it
 * from every stage event in every query costs seconds at a million leads (a GROUP BY over
 * millions of events plus a join), so every import that touches leads, stages or stage
 * events brings the workspace's leads up to date in the same transaction. Only leads whose
 * values change are written, so a re-import costs a scan, not a rewrite.
 *
 * - reached_qualifying_at: when the lead first entered the pipeline's qualifying stage, any
 *   open stage after it, or a won stage (a skipped stage counts as passed, METRICS.md 2).
 * - furthest_position: the furthest open stage it entered (a backward move does not undo
 *   progress).
 * - last_event_at, last_event_stage_id: its latest stage event (events at the same moment
 *   ordered by stage position, then id): the stage an open lead has been sitting in, and
 *   since when (the stalled list).
 */
import { type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { stageEventOrder } from "./stage-event-order.js";

/** The rollup's rows: for one workspace, or for every workspace (the migration's backfill). */
export function leadProgressSelect(workspace: string | null, leads?: Sql): Sql {
  const stagesOf = workspace === null ? sql`TRUE` : sql`workspace_id = ${workspace}`;
  const inWorkspace = workspace === null ? sql`TRUE` : sql`e.workspace_id = ${workspace}`;
  const eventsOf = leads ? sql`${inWorkspace} AND e.lead_id IN (${leads})` : inWorkspace;
  return sql`
    WITH qualifying_stage AS (
      SELECT workspace_id, pipeline_id, min(position) AS position FROM stages
      WHERE ${stagesOf} AND is_qualifying AND kind = 'open' GROUP BY workspace_id, pipeline_id
    )
    SELECT e.workspace_id, e.lead_id,
      min(CASE WHEN s.kind = 'won' OR (s.kind = 'open' AND s.position >= q.position) THEN e.changed_at END)
        AS reached_qualifying_at,
      max(CASE WHEN s.kind = 'open' THEN s.position END) AS furthest_position,
      max(CASE WHEN e.rn = 1 THEN e.changed_at END) AS last_event_at,
      max(CASE WHEN e.rn = 1 THEN e.to_stage_id END) AS last_event_stage_id
    FROM (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id, e.changed_at,
        ROW_NUMBER() OVER (
          PARTITION BY e.workspace_id, e.lead_id ORDER BY ${stageEventOrder("latest")}
        ) AS rn
      FROM stage_events e
      JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      WHERE ${eventsOf}
    ) e
    JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
    LEFT JOIN qualifying_stage q ON q.workspace_id = s.workspace_id AND q.pipeline_id = s.pipeline_id
    GROUP BY e.workspace_id, e.lead_id`;
}

/** The UPDATE that brings the leads' columns up to date (all workspaces for `null`). */
export function leadProgressUpdate(workspace: string | null, leads?: Sql): Sql {
  const inWorkspace = workspace === null ? sql`TRUE` : sql`l.workspace_id = ${workspace}`;
  const leadsOf = leads ? sql`${inWorkspace} AND l.id IN (${leads})` : inWorkspace;
  return sql`
    UPDATE leads AS l SET reached_qualifying_at = p.reached_qualifying_at, furthest_position = p.furthest_position,
      last_event_at = p.last_event_at, last_event_stage_id = p.last_event_stage_id
    FROM (${leadProgressSelect(workspace, leads)}) AS p
    WHERE ${leadsOf} AND l.workspace_id = p.workspace_id AND l.id = p.lead_id
      AND (l.reached_qualifying_at IS DISTINCT FROM p.reached_qualifying_at
        OR l.furthest_position IS DISTINCT FROM p.furthest_position
        OR l.last_event_at IS DISTINCT FROM p.last_event_at
        OR l.last_event_stage_id IS DISTINCT FROM p.last_event_stage_id)`;
}

/** Updates the workspace's leads, or only `leads` (a subquery of ids), inside the caller's transaction. */
export async function refreshLeadProgress(store: Store, workspace: string, leads?: Sql): Promise<void> {
  // Leads whose stage history is gone (a later export without it) lose their values. For a
  // few leads, each one's history is looked up by the key (PostgreSQL hashed all 2.6M stage
  // events of size l for NOT IN: 2.1 s of a one-lead push); for the workspace, one anti-join.
  const noHistory = leads
    ? sql`NOT EXISTS (SELECT 1 FROM stage_events e WHERE e.workspace_id = ${workspace} AND e.lead_id = leads.id)`
    : sql`id NOT IN (SELECT lead_id FROM stage_events WHERE workspace_id = ${workspace})`;
  await store.execute(sql`
    UPDATE leads SET reached_qualifying_at = NULL, furthest_position = NULL, last_event_at = NULL,
      last_event_stage_id = NULL
    WHERE workspace_id = ${workspace}${leads ? sql` AND id IN (${leads})` : sql``}
      AND (reached_qualifying_at IS NOT NULL OR furthest_position IS NOT NULL OR last_event_at IS NOT NULL)
      AND ${noHistory}`);
  await store.execute(leadProgressUpdate(workspace, leads));
}
