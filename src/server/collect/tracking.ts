/**
 * Moves tracking events from the ingest log into the engine, a batch at a time, inside the
 * writer's transaction:
 *
 * - tracked_events: every event once (a resent event id is recognised at any age and left
 *   out, so a browser retry does not count twice, nor a page that resends a day later);
 * Joins with the large tables match on the batch's own workspace_id column, not a constant:
 * PostgreSQL plans a constant by the workspace's statistics, which are stale while a new
 * workspace's tracking fills them (a batch joined to 20 million visits took 33 s that way,
 * 0.2 s this way).
 *
 * - visits: one row per visit (`<visitor>.<visit>`, source_system 'tracker'): started at its
 *   first event (the server's clock), landing page, referrer and utm of its first event,
 *   pageviews counted; its visit number and the seconds since the visitor's previous visit
 *   computed here, as Matomo does, from tracked_visitors (each visitor's visit count and last
 *   visit), so nothing scans a visitor's history;
 * - visitor_identities: the first time a visitor gives an email (identify or a captured form),
 *   and the visit it happened in. That visit is linked to the lead whose contact has the same
 *   email hash, now or when the CRM sends the lead later (linkIdentifiedVisits).
 *
 * The visit rollups the metrics read are brought up to date in the same transaction, by
 * adding what the batch changed (src/derive/visit-rollup-delta.ts).
 */

import { identifyByClicks, type SeenClick } from "../../campaigns/visit-clicks.js";
import { linkIdentifiedVisits } from "../../derive/visit-leads.js";
import { addPageviewsToRollups, addVisitsToRollups } from "../../derive/visit-rollup-delta.js";
import { touchData } from "../../store/data-versions.js";
import { raw, sql } from "../../store/sql.js";
import type { StagedColumn, Store } from "../../store/store.js";
import { analyzeTemp } from "../../store/temp-tables.js";
import type { TrackingRecord } from "./tracking-schema.js";

const BATCH_COLUMNS = [
  "workspace_id",
  "event_id",
  "site_id",
  "type",
  "visitor_id",
  "visit_id",
  "occurred_at",
  "ord",
  "url",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_content",
  "utm_term",
  "email_hash",
  "form",
  "first_touch",
] as const;

/** How the batch's columns are staged: text, but for the order (times are cast after). */
const STAGED_COLUMNS: StagedColumn[] = BATCH_COLUMNS.map((name) => ({
  name,
  type: name === "ord" ? "integer" : "text",
}));

type BatchRow = (string | number | null)[];

const empty = (text: string | undefined) => (text === undefined || text === "" ? null : text);

/** Applies the records (all of one workspace or several), inside the caller's transaction. */
export async function applyTrackingRecords(store: Store, records: readonly TrackingRecord[]): Promise<void> {
  const byWorkspace = new Map<string, BatchRow[]>();
  const clicks = new Map<string, SeenClick[]>();
  for (const record of records) {
    let rows = byWorkspace.get(record.w);
    if (!rows) {
      rows = [];
      byWorkspace.set(record.w, rows);
    }
    const at = record.at.replace("T", " ").replace("Z", "");
    record.e.forEach((e, i) => {
      if (e.click) {
        const seen = clicks.get(record.w) ?? [];
        clicks.set(record.w, seen);
        seen.push({
          click: e.click,
          visitorId: e.visitor,
          visitId: `${e.visitor}.${e.visit}`,
          at,
          firstTouch: e.firstTouch ? JSON.stringify(e.firstTouch) : null,
        });
      }
      rows.push([
        record.w,
        e.id,
        record.s,
        e.type,
        e.visitor,
        `${e.visitor}.${e.visit}`,
        // As the engines read a UTC timestamp without a zone.
        at,
        record.q * 100 + i,
        empty(e.url),
        empty(e.referrer),
        empty(e.utm.source),
        empty(e.utm.medium),
        empty(e.utm.campaign),
        empty(e.utm.content),
        empty(e.utm.term),
        e.emailHash ?? null,
        empty(e.form),
        e.firstTouch ? JSON.stringify(e.firstTouch) : null,
      ]);
    });
  }
  const since = new Map<string, string | null>();
  for (const [workspace, rows] of byWorkspace) {
    since.set(workspace, await applyWorkspaceBatch(store, workspace, rows));
    // Pageviews from a campaign link: their visitor is the recipient who clicked (the visits
    // are stored above, so their links to leads can be made).
    await identifyByClicks(store, workspace, clicks.get(workspace) ?? []);
  }
  // Results kept for these workspaces' visits are out of date from the commit on, those for
  // periods that ended before the batch's earliest change excepted (data-versions.ts).
  for (const [workspace, month] of since) await touchData(store, workspace, ["tracking"], { tracking: month });
}

/**
 * Applies one workspace's rows; returns the month ('YYYY-MM') of the earliest visit start the
 * batch changed anything for, or null when every event was a resend.
 */
async function applyWorkspaceBatch(store: Store, w: string, rows: BatchRow[]): Promise<string | null> {
  const d = store.dialect;
  // The batch reaches the engine through its bulk path (DuckDB's appender, COPY): binding
  // 10,000 rows of parameters cost DuckDB 2.2 s a batch; a CSV file through read_csv 0.1 s
  // plus as much again to write it; the appender 0.03 s.
  await store.stageRows("verity_batch", STAGED_COLUMNS, rows);
  await analyzeTemp(store, "verity_batch");
  // The batch's events not stored before, at any age (and each once within the batch): only
  // these count in the visits and rollups below. Checking within an hour of the batch, as
  // before, let a resend a day later be stored twice on DuckDB and break PostgreSQL's key,
  // which stopped the writer (issue 13). On PostgreSQL the key's index answers it; DuckDB
  // scans the two columns (152 ms a 20,000-event batch against 5 million events stored, 11 ms
  // within the hour; a unique ART index took 66 s to build and made the batch 594 ms). A left
  // join, not NOT EXISTS: DuckDB hashes the batch then, not the stored events (as the rollups,
  // src/derive/visit-rollup-delta.ts).
  await store.execute(
    sql`CREATE TEMP TABLE verity_new AS
        SELECT ${raw(BATCH_COLUMNS.map((c) => (c === "occurred_at" ? "CAST(x.occurred_at AS TIMESTAMP) AS occurred_at" : `x.${c}`)).join(", "))} FROM (
          SELECT b.*, row_number() OVER (PARTITION BY b.event_id ORDER BY b.ord) AS rn FROM verity_batch b
        ) x
        LEFT JOIN tracked_events t ON t.workspace_id = x.workspace_id AND t.event_id = x.event_id
        WHERE rn = 1 AND t.workspace_id IS NULL`,
  );
  await analyzeTemp(store, "verity_new");
  await store.execute(
    sql`INSERT INTO tracked_events (workspace_id, event_id, site_id, type, visitor_id, visit_id, occurred_at, url,
          referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, email_hash, form)
        SELECT ${w}, event_id, site_id, type, visitor_id, visit_id, occurred_at, url,
          referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, email_hash, form
        FROM verity_new ORDER BY ord`,
  );

  // The visits the new events belong to, with their first event's attributes, and what the
  // visitor's record says: the visitor's last visit ('last'), a visitor never seen ('new'),
  // or another visit of a known visitor ('check': an earlier visit, or a new one).
  await store.execute(
    sql`CREATE TEMP TABLE verity_visit_batch AS
        SELECT f.workspace_id, f.visitor_id, f.visit_id, f.occurred_at AS first_at, f.url, f.referrer, f.utm_source, f.utm_medium,
          f.utm_campaign, f.utm_content, f.utm_term, c.pageviews,
          tv.visits AS prior_visits, tv.last_started_at, tv.last_seconds_since_previous AS last_seconds,
          CASE WHEN tv.last_visit_id = f.visit_id THEN 'last' WHEN tv.visitor_id IS NULL THEN 'new' ELSE 'check' END AS kind
        FROM (
          SELECT n.*, row_number() OVER (PARTITION BY n.visit_id ORDER BY n.occurred_at, n.ord) AS rn FROM verity_new n
        ) f
        JOIN (
          SELECT visit_id, count(*) FILTER (WHERE type = 'pageview') AS pageviews FROM verity_new GROUP BY visit_id
        ) c ON c.visit_id = f.visit_id
        LEFT JOIN tracked_visitors tv ON tv.workspace_id = f.workspace_id AND tv.visitor_id = f.visitor_id
        WHERE f.rn = 1`,
  );
  await analyzeTemp(store, "verity_visit_batch");
  const [checks] = await store.query<{ n: number }>(
    sql`SELECT count(*) AS n FROM verity_visit_batch WHERE kind = 'check'`,
  );
  const someChecked = Number(checks?.n ?? 0) > 0;
  if (someChecked) {
    await store.execute(
      sql`UPDATE verity_visit_batch AS b SET kind = 'old'
          WHERE kind = 'check'
            AND EXISTS (SELECT 1 FROM visits v WHERE v.workspace_id = b.workspace_id AND v.visit_id = b.visit_id)`,
    );
  }

  // Visits already stored: count the new pageviews, in the visits and in the rollups.
  const lastIncrements = sql`SELECT last_started_at AS started_at, prior_visits AS visit_number,
      last_seconds AS seconds_since_previous, pageviews
    FROM verity_visit_batch WHERE kind = 'last' AND pageviews > 0`;
  // An earlier visit of the visitor (rare: a tab left open across visits) is looked up.
  const oldIncrements = sql`SELECT v.started_at, v.visit_number, v.seconds_since_previous, b.pageviews
    FROM verity_visit_batch b JOIN visits v ON v.workspace_id = b.workspace_id AND v.visit_id = b.visit_id
    WHERE b.kind = 'old' AND b.pageviews > 0`;
  await addPageviewsToRollups(
    store,
    w,
    someChecked ? sql`${lastIncrements} UNION ALL ${oldIncrements}` : lastIncrements,
  );
  await store.execute(
    sql`UPDATE visits AS v SET pageviews = v.pageviews + b.pageviews
        FROM verity_visit_batch b
        WHERE v.workspace_id = b.workspace_id AND v.visit_id = b.visit_id AND b.kind IN ('last', 'old') AND b.pageviews > 0`,
  );

  // New visits, numbered after the visitor's earlier ones.
  const order = "OVER (PARTITION BY visitor_id ORDER BY first_at, visit_id)";
  const previous = `COALESCE(lag(first_at) ${order}, last_started_at)`;
  await store.execute(
    sql`CREATE TEMP TABLE verity_new_visits AS
        SELECT workspace_id, visitor_id, visit_id, first_at, url, referrer, utm_source, utm_medium, utm_campaign, utm_content,
          utm_term, pageviews,
          COALESCE(prior_visits, 0) + row_number() ${raw(order)} AS visit_number,
          CASE WHEN ${raw(previous)} IS NOT NULL
            THEN GREATEST(0, ${raw(d.secondsBetween(previous, "first_at"))}) END AS seconds_since_previous
        FROM verity_visit_batch WHERE kind IN ('new', 'check')`,
  );
  await analyzeTemp(store, "verity_new_visits");
  await store.execute(
    sql`INSERT INTO visits (workspace_id, visit_id, source_system, visitor_id, started_at, landing_url, referrer,
          utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, converted_lead_id,
          visit_number, seconds_since_previous)
        SELECT ${w}, visit_id, 'tracker', visitor_id, first_at, url, referrer, utm_source, utm_medium, utm_campaign,
          utm_content, utm_term, pageviews, NULL, visit_number, seconds_since_previous
        FROM verity_new_visits ORDER BY first_at`,
  );
  await addVisitsToRollups(
    store,
    w,
    sql`SELECT visitor_id, first_at AS started_at, visit_number, seconds_since_previous, pageviews, utm_source,
          utm_medium, referrer FROM verity_new_visits`,
  );

  // Each visitor's count and last visit.
  const latest = sql`(SELECT workspace_id, visitor_id, visit_id, first_at, visit_number, seconds_since_previous FROM (
      SELECT nv.*, row_number() OVER (PARTITION BY visitor_id ORDER BY visit_number DESC) AS rn FROM verity_new_visits nv
    ) r WHERE rn = 1)`;
  await store.execute(
    sql`UPDATE tracked_visitors AS tv SET visits = l.visit_number, last_visit_id = l.visit_id, last_started_at = l.first_at,
          last_seconds_since_previous = l.seconds_since_previous
        FROM ${latest} AS l
        WHERE tv.workspace_id = l.workspace_id AND tv.visitor_id = l.visitor_id`,
  );
  await store.execute(
    sql`INSERT INTO tracked_visitors (workspace_id, visitor_id, visits, last_visit_id, last_started_at,
          last_seconds_since_previous)
        SELECT ${w}, l.visitor_id, l.visit_number, l.visit_id, l.first_at, l.seconds_since_previous FROM ${latest} AS l
        LEFT JOIN tracked_visitors tv ON tv.workspace_id = l.workspace_id AND tv.visitor_id = l.visitor_id
        WHERE tv.workspace_id IS NULL`,
  );

  // Identities: the first time each visitor gave each email (most batches carry none).
  const emailColumn = BATCH_COLUMNS.indexOf("email_hash");
  if (rows.some((row) => row[emailColumn] !== null)) {
    await identify(store, w);
  }
  // Where the changes begin. Every row the batch wrote or changed belongs to a visit of the
  // batch: new events and visits, identities (at their event), and the pageviews and lead
  // links of visits stored before, the visitor's last one ('last': its start is on the
  // visitor's record) or an earlier one ('old', looked up). The rollups are by visit start.
  const oldStarts = someChecked
    ? sql`UNION ALL SELECT min(v.started_at) FROM verity_visit_batch b
        JOIN visits v ON v.workspace_id = b.workspace_id AND v.visit_id = b.visit_id WHERE b.kind = 'old'`
    : sql``;
  const [earliest] = await store.query<{ month: string | null }>(
    sql`SELECT substr(CAST(min(t) AS TEXT), 1, 7) AS month FROM (
          SELECT min(occurred_at) AS t FROM verity_new
          UNION ALL SELECT min(last_started_at) FROM verity_visit_batch WHERE kind = 'last'
          ${oldStarts}
        ) x`,
  );
  for (const table of ["verity_new_visits", "verity_visit_batch", "verity_new"]) {
    await store.execute(raw(`DROP TABLE ${table}`));
  }
  await store.execute(raw("DROP TABLE IF EXISTS verity_batch"));
  return earliest?.month ?? null;
}

/** Records the batch's new identities and links their visits to leads. */
async function identify(store: Store, w: string): Promise<void> {
  await store.execute(
    sql`INSERT INTO visitor_identities (workspace_id, visitor_id, email_hash, visit_id, identified_at, first_touch, source_system)
        SELECT ${w}, x.visitor_id, x.email_hash, x.visit_id, x.occurred_at, x.first_touch, 'tracker' FROM (
          SELECT n.*, row_number() OVER (PARTITION BY visitor_id, email_hash ORDER BY ord) AS rn
          FROM verity_new n WHERE email_hash IS NOT NULL
        ) x
        LEFT JOIN visitor_identities i
          ON i.workspace_id = x.workspace_id AND i.visitor_id = x.visitor_id AND i.email_hash = x.email_hash
        WHERE rn = 1 AND i.workspace_id IS NULL`,
  );
  await linkIdentifiedVisits(store, w, sql`i.visit_id IN (SELECT visit_id FROM verity_new)`);
}
