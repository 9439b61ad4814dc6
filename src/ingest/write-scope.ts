/**
 * What a small write touched, so that it redoes only that and invalidates only what it can
 * have changed: the leads it names and the months of its activities for the derived facts
 * (src/derive/derived-facts.ts, DerivedScope), and the month its changes begin in for the
 * kept answers (historyStart below, src/store/data-versions.ts WriteScope). Built from a push's
 * JSON rows (POST /api/data) or from an import's files when they are small and add to a
 * workspace that already holds leads (`verity import`, POST /api/import): one lead imported
 * into a million must not rebuild a million leads' columns, nor make every period's figures
 * be measured again.
 */
import type { DerivedScope } from "../derive/derived-facts.js";
import { TABLE_ORDER, type TableName, table } from "../model/canonical.js";
import { type DataGroup, monthOf, type WriteScope } from "../store/data-versions.js";

import { join as joinSql, raw, type Sql, sql } from "../store/sql.js";
import { StagingError, type Store } from "../store/store.js";
import { refuseNul, stagingImportError } from "./table-loader.js";

/** A small write's scope, and its hooks inside the load's transaction (importer.ts). */
export type ScopedWrite = {
  derived: DerivedScope;

  /** Before the rows are written: what they replace (an activity moved to another month or lead changes the month and lead it leaves too). */
  before(): Promise<void>;
  /** After the rows are written, before the derived facts: where the activities are now. */
  afterLoad(): Promise<void>;
  /** Last: which groups the write changed, and from which month. */
  changed(): Promise<{ groups: readonly DataGroup[]; scope: WriteScope }>;
};

/**
 * The tables a small write may carry and still have its derived facts redone for what it
 * touched only (its leads, its activities' months). Stages, pipelines or visits change facts
 * of leads and visitors it does not name: those redo the workspace.
 */
const SCOPED_TABLES: ReadonlySet<TableName> = new Set([
  "reps",
  "leads",
  "stage_events",
  "activities",
  "social_posts",
  "social_post_snapshots",
  "social_follower_snapshots",
  "newsletter_subscribers",
  "newsletter_issues",
  "email_events",
]);

/**
 * The tables whose rows carry the moments a write's changes begin at (historyStart): a write
 * of anything else (reps, social or newsletter rows) may change any period.
 */
const TIMED_TABLES: ReadonlySet<TableName> = new Set(["leads", "stage_events", "activities"]);

/** An import's files are scoped up to this size together (about 10,000 leads, a push's most). */
export const SCOPED_FILE_BYTES = 4 * 1024 * 1024;

const LEADS = "verity_scope_leads";
const ACTIVITIES = "verity_scope_activities";

/** The rows of a push (POST /api/data) by table; null when the push must redo the workspace. */
export function scopeOfRows(
  store: Store,
  workspace: string,
  body: Record<string, Record<string, unknown>[] | undefined>,
): ScopedWrite | null {
  const tables = TABLE_ORDER.filter((t) => (body[t]?.length ?? 0) > 0);
  const leadIds = new Set<string>();
  for (const row of body.leads ?? []) leadIds.add(String(row.id));
  for (const row of body.stage_events ?? []) leadIds.add(String(row.lead_id));
  for (const row of body.activities ?? []) if (row.lead_id) leadIds.add(String(row.lead_id));
  const activities = (body.activities ?? []).map((a) => String(a.id));
  return scoped(store, workspace, tables, activities.length > 0, async () => {
    await tempIds(store, LEADS, [...leadIds]);
    if (activities.length > 0) await tempIds(store, ACTIVITIES, activities);
  });
}

/** A file of an import: its table, its path and its header's columns (importer.ts TableFile). */
export type ScopedFile = { table: TableName; file: string; columns: readonly string[]; displayName: string };

/**
 * The files of an import, when they are small and every table is one a scope can name;
 * null otherwise (the import redoes the workspace). The files are read by the engine's own
 * CSV loader, as the load reads them, so the ids are the ones it stores.
 */
export function scopeOfFiles(store: Store, workspace: string, files: readonly ScopedFile[]): ScopedWrite | null {
  const tables = [...new Set(files.map((f) => f.table))];
  const hasActivities = tables.includes("activities");
  return scoped(store, workspace, tables, hasActivities, async () => {
    await tempIds(store, LEADS, []);
    if (hasActivities) await tempIds(store, ACTIVITIES, []);
    for (const file of files) {
      const ids =
        file.table === "leads"
          ? ["id"]
          : file.table === "stage_events" || file.table === "activities"
            ? ["lead_id"]
            : [];
      if (ids.length === 0) continue;
      // What the load says first of a file, said here first too (COPY would word it worse).
      await refuseNul(file.displayName, file.file);
      try {
        await store.stageCsv("verity_scope_stage", file.file, table(file.table).columns, file.columns);
      } catch (error) {
        // Read as the load reads it: what the load would say of the file (a failed statement
        // ends a PostgreSQL transaction, so the load could not say it after this).
        if (error instanceof StagingError) throw await stagingImportError(file.displayName, file.file, error);
        throw error;
      }
      for (const column of ids) {
        await store.execute(
          sql`INSERT INTO ${raw(LEADS)} SELECT DISTINCT ${raw(column)} FROM verity_scope_stage WHERE ${raw(column)} IS NOT NULL`,
        );
      }
      if (file.table === "activities") {
        await store.execute(sql`INSERT INTO ${raw(ACTIVITIES)} SELECT id FROM verity_scope_stage`);
      }
      await store.execute(raw("DROP TABLE verity_scope_stage"));
    }
  });
}

/*
 * Where a write's changes begin. A figure for a period counts a lead only through some moment
 * of the lead's history before the period's end: its creation, qualification or close, a
 * stage event, an activity, or a visit converted to it (test/data-since.test.ts holds every
 * pair of the vanity check to that on both engines). So a write changes nothing before the
 * earliest moment of the histories of the leads it touched, read both before its rows are
 * written (the moments it replaces) and after (the moments it adds), together with the times
 * of the activities it moved and the visits the load linked to a lead.
 */

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

/** Fills a one-column temporary table (inside the transaction) with ids. */
async function tempIds(store: Store, table: string, ids: readonly string[]): Promise<void> {
  await store.execute(raw(`DROP TABLE IF EXISTS ${table}`));
  await store.execute(raw(`CREATE TEMP TABLE ${table} (id TEXT)`));
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000).map((id) => sql`(${id})`);
    await store.execute(sql`INSERT INTO ${raw(table)} VALUES ${joinSql(chunk)}`);
  }
}

type ActivitySpan = { first: number; last: number };

/** The first and last stored time of the activities in verity_scope_activities; null for none. */
async function activitySpan(store: Store, workspace: string): Promise<ActivitySpan | null> {
  const [row] = await store.query<{ first: string | null; last: string | null }>(
    sql`SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM activities
        WHERE workspace_id = ${workspace} AND id IN (SELECT id FROM ${raw(ACTIVITIES)})`,
  );
  if (!row?.first || !row.last) return null;
  return { first: instant(row.first), last: instant(row.last) };
}

/**
 * A scope of `tables` whose leads and activities `fill` puts in verity_scope_leads and
 * verity_scope_activities; null when a table is one a scope cannot name.
 */
function scoped(
  store: Store,
  workspace: string,
  tables: readonly TableName[],
  hasActivities: boolean,
  fill: () => Promise<void>,
): ScopedWrite | null {
  if (!tables.every((t) => SCOPED_TABLES.has(t))) return null;
  const derived: DerivedScope = { leads: sql`SELECT id FROM ${raw(LEADS)}`, activityMonths: null };
  const timed = tables.every((t) => TIMED_TABLES.has(t));
  // The earliest moment the write touches, in milliseconds (historyStart).
  let earliest = Number.POSITIVE_INFINITY;
  // The stored times of the write's activities before the load (null: none stored).
  let stored: ActivitySpan | null = null;
  const write: ScopedWrite = {
    derived,
    async before() {
      // A second attempt (the exact load after the fast one) starts over: the first rolled back.
      derived.linkedFrom = undefined;
      derived.activityMonths = null;
      stored = null;
      earliest = Number.POSITIVE_INFINITY;
      await fill();
      if (hasActivities) {
        // The leads the activities belong to now: moved to another lead, they leave it.
        await store.execute(
          sql`INSERT INTO ${raw(LEADS)} SELECT DISTINCT lead_id FROM activities
              WHERE workspace_id = ${workspace} AND id IN (SELECT id FROM ${raw(ACTIVITIES)}) AND lead_id IS NOT NULL`,
        );
        // Where the activities were: the months they leave change too.
        stored = await activitySpan(store, workspace);
      }
      // The moments the write replaces.
      if (timed) earliest = Math.min(earliest, await historyStart(store, workspace, derived.leads));
    },
    async afterLoad() {
      if (!hasActivities) return;
      // The months the activities leave and the months they arrive in, as the engine stored
      // them (a time without an offset is UTC; parsing the pushed text read it in the server's
      // zone, and a "+02" offset not at all).
      const loaded = await activitySpan(store, workspace);
      const first = Math.min(stored?.first ?? Number.POSITIVE_INFINITY, loaded?.first ?? Number.POSITIVE_INFINITY);
      const last = Math.max(stored?.last ?? Number.NEGATIVE_INFINITY, loaded?.last ?? Number.NEGATIVE_INFINITY);
      if (!Number.isFinite(first) || !Number.isFinite(last)) return;
      const from = new Date(first);
      const to = new Date(last);
      derived.activityMonths = {
        from: new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1)),
        to: new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() + 1, 1)),
      };
    },
    async changed() {
      const linked = derived.linkedFrom ? instant(derived.linkedFrom) : null;
      // Visits are written only when the load linked some to a lead.
      const groups: DataGroup[] = linked === null ? ["data"] : ["data", "tracking"];
      if (!timed) return { groups, scope: {} };
      // The moments it adds, the activities' months (an activity without a lead counts in its rep's months).
      earliest = Math.min(
        earliest,
        await historyStart(store, workspace, derived.leads),
        derived.activityMonths?.from.getTime() ?? Number.POSITIVE_INFINITY,
        linked ?? Number.POSITIVE_INFINITY,
      );
      const month = (ms: number) => (Number.isFinite(ms) ? monthOf(new Date(ms)) : "");
      return {
        groups,
        scope: { data: month(earliest), ...(linked === null ? {} : { tracking: month(linked) }) },
      };
    },
  };
  return write;
}
