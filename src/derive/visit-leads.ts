/**
 * Website visitors who gave an email (the tracking script's identify, a captured form) are
 * linked to the lead whose contact has that email: the visit in which they gave it becomes
 * the visit that created the lead (visits.converted_lead_id), which conversion by visit
 * bucket and by social source count (METRICS.md 5 and 8). The lead may come first (a CRM
 * webhook) or later (the next import): tracking links what it can when the event arrives,
 * and every load of leads links the rest.
 */

import { raw, type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { analyzeTemp } from "../store/temp-tables.js";
import { addConversionsToRollups } from "./visit-rollup-delta.js";

/**
 * Links the visits in which visitors identified themselves to the lead with the same contact
 * email hash, where not linked yet; `which` narrows the identities looked at (aliased i). The
 * visit rollups count the new conversions (inside the caller's transaction). Returns how many
 * visits it linked.
 *
 * Only a lead created at most a day before the visit started can be the one the visit
 * created (the earliest such lead, when several): a CRM enters a form's lead minutes or hours
 * later, but a customer who logs in a year after their deal closed did not create it on that
 * visit (imported history holds such identify calls; docs/metrics.md, metric 5).
 *
 * `first` is the start of the earliest visit it linked (null: none), where the write's changes
 * to visits begin (src/store/data-versions.ts, WriteScope).
 */
export async function linkIdentifiedVisits(
  store: Store,
  w: string,
  which: Sql = sql`TRUE`,
): Promise<{ linked: number; first: string | null }> {
  const matches = sql`(
      SELECT workspace_id, visit_id, lead_id FROM (
        SELECT i.workspace_id, i.visit_id, l.id AS lead_id,
          row_number() OVER (PARTITION BY i.visit_id ORDER BY l.created_at, l.id) AS rn
        FROM visitor_identities i
        JOIN visits iv ON iv.workspace_id = i.workspace_id AND iv.visit_id = i.visit_id
        JOIN leads l ON l.workspace_id = i.workspace_id AND l.contact_hash = i.email_hash
          AND l.created_at >= iv.started_at - INTERVAL '1 day'
        WHERE i.workspace_id = ${w} AND ${which}
      ) r WHERE rn = 1)`;
  await store.execute(raw("DROP TABLE IF EXISTS verity_links"));
  await store.execute(
    sql`CREATE TEMP TABLE verity_links AS
        SELECT m.workspace_id, m.visit_id, m.lead_id, v.visitor_id, v.started_at, v.utm_source, v.utm_medium, v.referrer
        FROM ${matches} AS m JOIN visits v ON v.workspace_id = m.workspace_id AND v.visit_id = m.visit_id
        WHERE v.converted_lead_id IS NULL`,
  );
  await analyzeTemp(store, "verity_links");
  const [count] = await store.query<{ n: number; first: string | null }>(
    sql`SELECT count(*) AS n, min(started_at) AS first FROM verity_links`,
  );
  const linked = Number(count?.n ?? 0);
  if (linked > 0) {
    await addConversionsToRollups(store, w, raw("SELECT * FROM verity_links"));
    await store.execute(
      sql`UPDATE visits AS v SET converted_lead_id = l.lead_id FROM verity_links l
          WHERE v.workspace_id = l.workspace_id AND v.visit_id = l.visit_id`,
    );
  }
  await store.execute(raw("DROP TABLE verity_links"));
  return { linked, first: linked > 0 ? (count?.first ?? null) : null };
}

/**
 * Links what can be linked in the workspace (inside the caller's transaction) and says how
 * many; `linked` hears the start of the earliest visit linked (a push's WriteScope).
 */
export async function refreshVisitLeads(
  store: Store,
  workspace: string,
  linked?: (first: string | null) => void,
): Promise<string | undefined> {
  // Nothing to link without identities (most imports: CRM data and visits without
  // identify calls); the linking statement would still join every visit (about 3 s of a
  // size-m import on DuckDB, bench:load).
  const [identity] = await store.query(
    sql`SELECT 1 AS x FROM visitor_identities WHERE workspace_id = ${workspace} LIMIT 1`,
  );
  if (!identity) return undefined;
  const { linked: n, first } = await linkIdentifiedVisits(store, workspace);
  linked?.(first);
  if (n === 0) return undefined;
  return `${n} ${n === 1 ? "visit was" : "visits were"} linked to the lead with the same contact (by email or CRM id)`;
}
