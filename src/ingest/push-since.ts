/**
 * Where a push of some leads changes the figures from (issue 17), so that values kept for
 * periods that ended before it stay in memory (src/store/data-versions.ts, WriteScope).
 *
 * A figure for a period counts a lead only through some moment of the lead's history before
 * the period's end: its creation, qualification or close, a stage event, an activity, or a
 * visit converted to it (test/data-since.test.ts holds every pair of the vanity check to that
 * on both engines). So a push changes nothing before the earliest moment of the histories of
 * the leads it touched, read both before its rows are written (the moments it replaces) and
 * after (the moments it adds), together with the times of the activities it moved and the
 * visits the load linked to a lead.
 */
import type { Sql } from "../store/sql.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

/**
 * The earliest moment of the histories of `leads` (a subquery of lead ids) in milliseconds,
 * or +Infinity when they have none (no such lead yet).
 */
export async function historyStart(store: Store, workspace: string, leads: Sql): Promise<number> {
  const [row] = await store.query<{ first: string | null }>(sql`
    SELECT min(t) AS first FROM (
      SELECT min(created_at) AS t FROM leads WHERE workspace_id = ${workspace} AND id IN (${leads})
      UNION ALL SELECT min(qualified_at) FROM leads WHERE workspace_id = ${workspace} AND id IN (${leads})
      UNION ALL SELECT min(closed_at) FROM leads WHERE workspace_id = ${workspace} AND id IN (${leads})
      UNION ALL SELECT min(changed_at) FROM stage_events WHERE workspace_id = ${workspace} AND lead_id IN (${leads})
      UNION ALL SELECT min(occurred_at) FROM activities WHERE workspace_id = ${workspace} AND lead_id IN (${leads})
      UNION ALL SELECT min(started_at) FROM visits WHERE workspace_id = ${workspace} AND converted_lead_id IN (${leads})
    ) moments`);
  return instant(row?.first ?? null);
}

/** An engine's timestamp (ISO text, UTC) in milliseconds; +Infinity for none. */
export function instant(at: string | null | undefined): number {
  if (!at) return Number.POSITIVE_INFINITY;
  const ms = Date.parse(at);
  // A moment that cannot be read counts as the earliest possible: every period is measured again.
  return Number.isFinite(ms) ? ms : Number.NEGATIVE_INFINITY;
}
