/**
 * Derived at ingest and stored on each lead: its activities over its whole life. Activity
 * quality needs them for the period's leads (the first activity of the leads created in it,
 * the activity mix of the leads won or lost in it); joining every activity by lead in every
 * query costs more than a second at ten million activities, so every import that touches
 * leads or activities brings the workspace's leads up to date in the same transaction. Only
 * leads whose values change are written, so a re-import costs a scan, not a rewrite.
 *
 * - first_activity_at: the lead's earliest activity, whoever logged it (NULL without any).
 * - activity_calls, activity_emails, ...: its activities of each type (0 without any).
 */
import { ACTIVITY_TYPES } from "../model/canonical.js";
import { join, raw, type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

/** The lead column holding its activities of `type`. */
export function activityCountColumn(type: (typeof ACTIVITY_TYPES)[number]): string {
  return `activity_${type}s`;
}

const COUNT_COLUMNS = ACTIVITY_TYPES.map(activityCountColumn);

/** The rollup's rows: for one workspace, or for every workspace (the migration's backfill). */
export function leadActivitySelect(workspace: string | null, leads?: Sql): Sql {
  const inWorkspace = workspace === null ? sql`TRUE` : sql`a.workspace_id = ${workspace}`;
  const activitiesOf = leads ? sql`${inWorkspace} AND a.lead_id IN (${leads})` : inWorkspace;
  const counts = join(
    ACTIVITY_TYPES.map(
      (type) => sql`count(CASE WHEN a.type = ${raw(`'${type}'`)} THEN 1 END) AS ${raw(activityCountColumn(type))}`,
    ),
  );
  return sql`
    SELECT a.workspace_id, a.lead_id, min(a.occurred_at) AS first_activity_at, ${counts}
    FROM activities a
    WHERE ${activitiesOf} AND a.lead_id IS NOT NULL
    GROUP BY a.workspace_id, a.lead_id`;
}

/** The UPDATE that brings the leads' columns up to date (all workspaces for `null`). */
export function leadActivityUpdate(workspace: string | null, leads?: Sql): Sql {
  const inWorkspace = workspace === null ? sql`TRUE` : sql`l.workspace_id = ${workspace}`;
  const leadsOf = leads ? sql`${inWorkspace} AND l.id IN (${leads})` : inWorkspace;
  const sets = join([sql`first_activity_at = p.first_activity_at`, ...COUNT_COLUMNS.map((c) => raw(`${c} = p.${c}`))]);
  const changed = join(
    [
      sql`l.first_activity_at IS DISTINCT FROM p.first_activity_at`,
      ...COUNT_COLUMNS.map((c) => raw(`l.${c} IS DISTINCT FROM p.${c}`)),
    ],
    " OR ",
  );
  return sql`
    UPDATE leads AS l SET ${sets}
    FROM (${leadActivitySelect(workspace, leads)}) AS p
    WHERE ${leadsOf} AND l.workspace_id = p.workspace_id AND l.id = p.lead_id AND (${changed})`;
}

/** Updates the workspace's leads, or only `leads` (a subquery of ids), inside the caller's transaction. */
export async function refreshLeadActivity(store: Store, workspace: string, leads?: Sql): Promise<void> {
  // Leads that lost all their activities (a later export without them) lose their values.
  const stale = join(
    [sql`first_activity_at IS NOT NULL`, ...COUNT_COLUMNS.map((c) => raw(`${c} IS DISTINCT FROM 0`))],
    " OR ",
  );
  await store.execute(sql`
    UPDATE leads SET first_activity_at = NULL, ${join(COUNT_COLUMNS.map((c) => raw(`${c} = 0`)))}
    WHERE workspace_id = ${workspace}${leads ? sql` AND id IN (${leads})` : sql``} AND (${stale})
      AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.workspace_id = ${workspace} AND a.lead_id = leads.id)`);
  await store.execute(leadActivityUpdate(workspace, leads));
}
