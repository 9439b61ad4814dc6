/**
 * Derived at ingest: the days each won lead spent in each stage it entered, the benchmark
 * of velocity's days in stage (METRICS.md 3) and of the stalled list. Computing it from the
 * stage events in every query meant windowing every won lead's history (2.6 s on DuckDB and
 * 12 s on PostgreSQL for the stalled list at a million leads); every import that touches
 * leads, stages or stage events rebuilds the workspace's rows in the same transaction.
 *
 * A stay runs from entering the stage to the lead's next stage event, or to its close for
 * the last one; a lead that entered a stage more than once (a backward move and back) has
 * its stays summed; a skipped stage has no row (the lead spent no time there, and 0 days
 * would pull the stage's median down). Events at the same moment are ordered by stage
 * position, then stage id, so the result is deterministic.
 */
import type { Dialect } from "../store/dialect.js";
import { type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { stageEventOrder } from "./stage-event-order.js";

/** The rows: for one workspace, or for every workspace (the migration's backfill). */
export function wonStageDaysInsert(d: Dialect, workspace: string | null, leads?: Sql): Sql {
  const inWorkspace = workspace === null ? sql`TRUE` : sql`l.workspace_id = ${workspace}`;
  const of = leads ? sql`${inWorkspace} AND l.id IN (${leads})` : inWorkspace;
  const days = sql`(${d.epoch(sql`COALESCE(next_at, closed_at)`)} - ${d.epoch(sql`entered_at`)}) / 86400.0`;
  return sql`
    INSERT INTO won_stage_days (workspace_id, lead_id, stage_id, closed_at, days)
    SELECT workspace_id, lead_id, stage_id, max(closed_at), sum(GREATEST(${days}, 0))
    FROM (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id AS stage_id, e.changed_at AS entered_at, l.closed_at,
        LEAD(e.changed_at) OVER (
          PARTITION BY e.workspace_id, e.lead_id ORDER BY ${stageEventOrder("first")}
        ) AS next_at
      FROM leads l
      JOIN stage_events e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
      JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      WHERE ${of} AND l.status = 'won' AND l.closed_at IS NOT NULL
    ) stays
    GROUP BY workspace_id, lead_id, stage_id
    ORDER BY 1, 4`;
}

/** Rebuilds the workspace's rows, or only those of `leads` (a subquery of ids), inside the caller's transaction. */
export async function refreshWonStageDays(store: Store, workspace: string, leads?: Sql): Promise<void> {
  await store.execute(
    sql`DELETE FROM won_stage_days WHERE workspace_id = ${workspace}${leads ? sql` AND lead_id IN (${leads})` : sql``}`,
  );
  await store.execute(wonStageDaysInsert(store.dialect, workspace, leads));
}
