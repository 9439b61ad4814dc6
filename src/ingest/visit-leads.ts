/**
 * Website visitors who gave an email (the tracking script's identify, a captured form) are
 * linked to the lead whose contact has that email: the visit in which they gave it becomes
 * the visit that created the lead (visits.converted_lead_id), which conversion by visit
 * bucket and by social source count (METRICS.md 5 and 8). The lead may come first (a CRM
 * webhook) or later (the next import): tracking links what it can when the event arrives,
 * and every load of leads links the rest.
 */
import { type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { refreshVisitRollupMonths } from "./visit-rollup.js";

/**
 * Links the visits in which visitors identified themselves to the lead with the same contact
 * email hash (the earliest created, when several), where not linked yet; `which` narrows the
 * identities looked at (aliased i). Returns the months (UTC month starts, ms) of the visits
 * it linked, whose rollups count conversions.
 */
export async function linkIdentifiedVisits(store: Store, w: string, which: Sql = sql`TRUE`): Promise<Set<number>> {
  const matches = sql`(
      SELECT visit_id, lead_id FROM (
        SELECT i.visit_id, l.id AS lead_id,
          row_number() OVER (PARTITION BY i.visit_id ORDER BY l.created_at, l.id) AS rn
        FROM visitor_identities i
        JOIN leads l ON l.workspace_id = i.workspace_id AND l.contact_hash = i.email_hash
        WHERE i.workspace_id = ${w} AND ${which}
      ) r WHERE rn = 1)`;
  const months = await store.query<{ month: string }>(
    sql`SELECT DISTINCT CAST(date_trunc('month', v.started_at) AS TIMESTAMP) AS month
        FROM visits v JOIN ${matches} AS m ON v.visit_id = m.visit_id
        WHERE v.workspace_id = ${w} AND v.converted_lead_id IS NULL`,
  );
  if (months.length === 0) return new Set();
  await store.execute(
    sql`UPDATE visits AS v SET converted_lead_id = m.lead_id FROM ${matches} AS m
        WHERE v.workspace_id = ${w} AND v.visit_id = m.visit_id AND v.converted_lead_id IS NULL`,
  );
  return new Set(months.map((m) => Date.parse(m.month)));
}

/** Links what can be linked in the workspace and rebuilds the rollups of those months (inside the caller's transaction). */
export async function refreshVisitLeads(store: Store, workspace: string): Promise<void> {
  const months = [...(await linkIdentifiedVisits(store, workspace))].sort((a, b) => a - b);
  const first = months[0];
  const last = months.at(-1);
  if (first === undefined || last === undefined) return;
  const end = new Date(last);
  await refreshVisitRollupMonths(store, workspace, {
    from: new Date(first),
    to: new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 1)),
  });
}
