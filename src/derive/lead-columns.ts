/**
 * The columns several derivations keep on each lead (stage progress, activities, the
 * contact's hash), brought up to date for a whole workspace in ONE update instead of one
 * per derivation. Each UPDATE of a lead writes a new version of its row and of every index
 * entry on it (PostgreSQL keeps eight on leads, its key included): after a first load every lead
 * changes in each of the three, and the three updates cost 24 s of a size-m import on
 * PostgreSQL (bench:load), one of them about 8 s. The values are exactly those of
 * lead-progress.ts, lead-activity.ts and lead-contact.ts, including the reset of a lead
 * whose stage events or activities are gone (the LEFT JOINs find nothing for it). Scoped
 * refreshes (small pushes) still run the derivations one by one.
 */
import { join, raw, type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { LEAD_ACTIVITY_COLUMNS, leadActivitySelect } from "./lead-activity.js";
import { contactHash } from "./lead-contact.js";
import { leadProgressSelect } from "./lead-progress.js";

export type LeadColumnPart = "progress" | "activity" | "contact";

const PROGRESS_COLUMNS = ["reached_qualifying_at", "furthest_position", "last_event_at", "last_event_stage_id"];

/** Brings the workspace's leads' columns of `parts` up to date (inside the caller's transaction). */
export async function refreshLeadColumns(
  store: Store,
  workspace: string,
  parts: ReadonlySet<LeadColumnPart>,
): Promise<void> {
  // New value of each column, read from the joined row n (the lead x and its rollups p, a).
  const values: [string, Sql][] = [];
  const joins: Sql[] = [];
  if (parts.has("progress")) {
    for (const c of PROGRESS_COLUMNS) values.push([c, raw(`p.${c}`)]);
    joins.push(
      sql`LEFT JOIN (${leadProgressSelect(workspace)}) AS p ON p.workspace_id = x.workspace_id AND p.lead_id = x.id`,
    );
  }
  if (parts.has("activity")) {
    for (const [c, none] of LEAD_ACTIVITY_COLUMNS)
      values.push([c, raw(none === "NULL" ? `a.${c}` : `COALESCE(a.${c}, ${none})`)]);
    joins.push(
      sql`LEFT JOIN (${leadActivitySelect(store.dialect, workspace)}) AS a ON a.workspace_id = x.workspace_id AND a.lead_id = x.id`,
    );
  }
  if (parts.has("contact")) values.push(["contact_hash", contactHash(store.dialect, sql`x.contact`)]);
  if (values.length === 0) return;
  if (store.dialect.rewritesInsteadOfUpdating) {
    // The workspace's leads written again whole, with their new columns (dialect.ts: on DuckDB
    // the update of four million leads ran out of a 1 GB budget): a delete marks rows, an
    // insert appends.
    const rows = raw(REWRITTEN);
    await store.execute(
      sql`CREATE TEMP TABLE ${rows} AS
          SELECT x.* REPLACE (${join(values.map(([c, value]) => sql`${value} AS ${raw(c)}`))})
          FROM leads AS x ${join(joins, " ")}
          WHERE x.workspace_id = ${workspace}`,
    );
    await store.execute(sql`DELETE FROM leads WHERE workspace_id = ${workspace}`);
    await store.execute(sql`INSERT INTO leads BY NAME SELECT * FROM ${rows}`);
    await store.execute(sql`DROP TABLE ${rows}`);
    return;
  }
  const columns = values.map(([c]) => c);
  await store.execute(sql`
    UPDATE leads AS l SET ${join(columns.map((c) => raw(`${c} = n.${c}`)))}
    FROM (
      SELECT x.workspace_id, x.id, ${join(values.map(([c, value]) => sql`${value} AS ${raw(c)}`))}
      FROM leads AS x ${join(joins, " ")}
      WHERE x.workspace_id = ${workspace}
    ) AS n
    WHERE l.workspace_id = ${workspace} AND l.id = n.id
      AND (${join(
        columns.map((c) => raw(`l.${c} IS DISTINCT FROM n.${c}`)),
        " OR ",
      )})`);
}

/** The workspace's leads with their new columns, when rewritten (a temporary table of the transaction). */
const REWRITTEN = "verity_lead_rows";
