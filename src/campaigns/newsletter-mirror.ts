/**
 * Campaigns feed the newsletter-leads metric and the vanity check (issue 18) through the
 * tables those already read, so one definition serves a newsletter tool's data and Verity's
 * own sends alike (METRICS.md 9, docs/metrics.md):
 *
 * - Verity's list is a newsletter: each contact with an opt-in is a subscriber
 *   (`contact:HASH`, source `verity-campaigns`) from its opt-in, until it is suppressed after
 *   it (unsubscribed, bounced, complained, erased or suppressed by hand). An address a
 *   newsletter tool's import already has as a subscriber stays that subscriber: it is not
 *   counted twice (the tool's row wins; Verity's row goes, its events are written again under
 *   the tool's).
 * - Each campaign that started sending is an issue (`campaign:ID`): its sent time, subject and
 *   utm_campaign (the metric's first-touch rule matches leads by it).
 * - What recipients did are email events of the issue, of the types a newsletter tool's
 *   export has: sent, bounce (at sending, or a report later), click, unsubscribe. Opens are
 *   not copied (unreliable, and a pixel load each; results.ts counts them), nor complaints
 *   (no such type there: a complaint ends the subscription, which the subscriber row says).
 *
 * `mirrorCampaigns` brings these rows in line with the campaign tables in one transaction and
 * gives the data a new version from the earliest month it changed (data-versions.ts), so kept
 * answers are never stale, and none when nothing changed. Where it is called: after contacts
 * are written or forgotten and after a newsletter tool's subscribers are imported (all of
 * it); when a send starts and ends, after bounce reports, and by `verity serve` every 30 s
 * when clicks or unsubscribes arrived (issues and the events since a moment, `since`: the
 * cost is what is new, not the campaign's whole outbox).
 */
import { touchData } from "../store/data-versions.js";
import { raw, type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { analyzeTemp } from "../store/temp-tables.js";

/** Not "verity": Verity's own import format writes that. */
export const SOURCE = "verity-campaigns";
/** Subscriber ids: the contact's hash; issue ids: the campaign's. */
const CONTACT = "contact:";
const CAMPAIGN = "campaign:";
/** The campaign events that are email events there (see the module comment). */
const EVENT_TYPES = sql`('click', 'unsubscribe', 'bounce')`;

export type MirrorChanges = { subscribers: number; issues: number; events: number };

export type MirrorScope = {
  /** Subscribers too (contacts, suppressions or a tool's subscribers changed); else issues and events only. */
  subscribers: boolean;
  /** Only events at or after this moment (ISO); absent: all of them. */
  since?: string;
};

const ALL: MirrorScope = { subscribers: true };

/** The earliest month ('YYYY-MM') of a timestamp column of a temporary table's rows, or null. */
async function earliestMonth(store: Store, table: string, column: string): Promise<string | null> {
  const [row] = await store.query<{ month: string | null }>(
    sql`SELECT substr(CAST(min(${raw(column)}) AS TEXT), 1, 7) AS month FROM ${raw(table)}`,
  );
  return row?.month ?? null;
}

async function countOf(store: Store, table: string): Promise<number> {
  const [row] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM ${raw(table)}`);
  return Number(row?.n ?? 0);
}

async function temp(store: Store, name: string, select: Sql): Promise<void> {
  await store.execute(raw(`DROP TABLE IF EXISTS ${name}`));
  await store.execute(sql`CREATE TEMP TABLE ${raw(name)} AS ${select}`);
  await analyzeTemp(store, name);
}

/** Brings the workspace's newsletter rows of source `verity-campaigns` in line with its campaign data. */
export function mirrorCampaigns(store: Store, w: string, scope: MirrorScope = ALL): Promise<MirrorChanges> {
  return store.transaction(() => mirrorInTransaction(store, w, scope));
}

/** mirrorCampaigns inside the caller's transaction (with the write that changed campaign data). */
export async function mirrorInTransaction(store: Store, w: string, scope: MirrorScope = ALL): Promise<MirrorChanges> {
  // Most workspaces (and every import of a newsletter tool's data without campaigns) have nothing to mirror.
  const [any] = await store.query(
    sql`SELECT 1 AS x FROM mail_contacts WHERE workspace_id = ${w}
        UNION ALL SELECT 1 FROM campaigns WHERE workspace_id = ${w}
        UNION ALL SELECT 1 FROM newsletter_subscribers WHERE workspace_id = ${w} AND source_system = ${SOURCE}
        LIMIT 1`,
  );
  if (!any) return { subscribers: 0, issues: 0, events: 0 };
  // Two processes (a CLI command and a server, on PostgreSQL) would compute the same missing
  // rows and the second insert would break a key: one mirror of a workspace at a time.
  const lock = store.dialect.transactionLock(`verity-mirror:${w}`);
  if (lock) await store.query(lock);

  const months: string[] = [];
  const note = (month: string | null) => {
    if (month) months.push(month);
  };
  let subscribers = 0;
  let fullEvents = scope.since === undefined;
  if (scope.subscribers) {
    const changed = await mirrorSubscribers(store, w, note);
    subscribers = changed.changed;
    // Rows gone (a tool's subscriber has the address now): their events are written again under it.
    if (changed.removed > 0) fullEvents = true;
  }
  const issues = await mirrorIssues(store, w, note);
  const events = await mirrorEvents(store, w, fullEvents ? undefined : scope.since, note);
  if (months.length > 0) {
    months.sort();
    await touchData(store, w, ["data"], { data: months[0] as string });
  }
  return { subscribers, issues, events };
}

/** The subscriber rows: how many were written, changed or removed, and how many removed for good. */
async function mirrorSubscribers(
  store: Store,
  w: string,
  note: (month: string | null) => void,
): Promise<{ changed: number; removed: number }> {
  // What they should be: every contact, unless a tool's subscriber has the address; and
  // Verity's rows whose contact is gone (erased), ended by the suppression that followed.
  await temp(
    store,
    "verity_mirror_want",
    sql`SELECT ${CONTACT} || c.email_hash AS id, c.email_hash, c.consent_at AS subscribed_at,
          (SELECT min(s.since) FROM mail_suppressions s
            WHERE s.workspace_id = c.workspace_id AND s.email_hash = c.email_hash AND s.since >= c.consent_at) AS unsubscribed_at
        FROM mail_contacts c
        WHERE c.workspace_id = ${w}
          AND NOT EXISTS (SELECT 1 FROM newsletter_subscribers o
            WHERE o.workspace_id = ${w} AND o.email_hash = c.email_hash AND o.source_system <> ${SOURCE})
        UNION ALL
        SELECT n.id, n.email_hash, n.subscribed_at, COALESCE(n.unsubscribed_at, (
            SELECT min(s.since) FROM mail_suppressions s
            WHERE s.workspace_id = n.workspace_id AND s.email_hash = n.email_hash AND s.since >= n.subscribed_at))
        FROM newsletter_subscribers n
        WHERE n.workspace_id = ${w} AND n.source_system = ${SOURCE}
          AND NOT EXISTS (SELECT 1 FROM mail_contacts c WHERE c.workspace_id = n.workspace_id AND c.email_hash = n.email_hash)
          AND NOT EXISTS (SELECT 1 FROM newsletter_subscribers o
            WHERE o.workspace_id = ${w} AND o.email_hash = n.email_hash AND o.source_system <> ${SOURCE})`,
  );
  // Verity's rows to delete: changed (written again below), or no longer wanted (a tool's
  // subscriber has the address). Each with the earliest moment it counted from, old or new.
  await temp(
    store,
    "verity_mirror_gone",
    sql`SELECT n.id, LEAST(n.subscribed_at, COALESCE(x.subscribed_at, n.subscribed_at)) AS since
        FROM newsletter_subscribers n
        LEFT JOIN verity_mirror_want x ON x.id = n.id
        WHERE n.workspace_id = ${w} AND n.source_system = ${SOURCE}
          AND (x.id IS NULL OR n.subscribed_at <> x.subscribed_at
            OR (n.unsubscribed_at IS NULL) <> (x.unsubscribed_at IS NULL) OR n.unsubscribed_at <> x.unsubscribed_at)`,
  );
  await temp(
    store,
    "verity_mirror_new",
    sql`SELECT x.* FROM verity_mirror_want x
        WHERE NOT EXISTS (SELECT 1 FROM newsletter_subscribers n WHERE n.workspace_id = ${w} AND n.id = x.id)
           OR x.id IN (SELECT id FROM verity_mirror_gone)`,
  );
  const changed = (await countOf(store, "verity_mirror_gone")) + (await countOf(store, "verity_mirror_new"));
  const [gone] = await store.query<{ n: number }>(
    sql`SELECT count(*) AS n FROM verity_mirror_gone WHERE id NOT IN (SELECT id FROM verity_mirror_want)`,
  );
  if (changed > 0) {
    note(await earliestMonth(store, "verity_mirror_gone", "since"));
    note(await earliestMonth(store, "verity_mirror_new", "subscribed_at"));
    await store.execute(
      sql`DELETE FROM newsletter_subscribers WHERE workspace_id = ${w} AND id IN (SELECT id FROM verity_mirror_gone)`,
    );
    await store.execute(
      sql`INSERT INTO newsletter_subscribers (workspace_id, id, source_system, email_hash, subscribed_at, unsubscribed_at)
          SELECT ${w}, id, ${SOURCE}, email_hash, subscribed_at, unsubscribed_at FROM verity_mirror_new`,
    );
  }
  for (const table of ["verity_mirror_want", "verity_mirror_gone", "verity_mirror_new"]) {
    await store.execute(raw(`DROP TABLE ${table}`));
  }
  return { changed, removed: Number(gone?.n ?? 0) };
}

/** The issue rows: every campaign that started sending. Returns how many were written. */
async function mirrorIssues(store: Store, w: string, note: (month: string | null) => void): Promise<number> {
  await temp(
    store,
    "verity_mirror_issues",
    sql`SELECT ${CAMPAIGN} || c.id AS id, c.started_at AS sent_at, c.subject, c.utm_campaign FROM campaigns c
        LEFT JOIN newsletter_issues i ON i.workspace_id = c.workspace_id AND i.id = ${CAMPAIGN} || c.id
        WHERE c.workspace_id = ${w} AND c.started_at IS NOT NULL
          AND (i.id IS NULL OR i.sent_at <> c.started_at OR i.subject <> c.subject OR i.utm_campaign <> c.utm_campaign)`,
  );
  const issues = await countOf(store, "verity_mirror_issues");
  if (issues > 0) {
    note(await earliestMonth(store, "verity_mirror_issues", "sent_at"));
    await store.execute(
      sql`DELETE FROM newsletter_issues WHERE workspace_id = ${w} AND id IN (SELECT id FROM verity_mirror_issues)`,
    );
    await store.execute(
      sql`INSERT INTO newsletter_issues (workspace_id, id, source_system, sent_at, subject, utm_campaign)
          SELECT ${w}, id, ${SOURCE}, sent_at, subject, utm_campaign FROM verity_mirror_issues`,
    );
  }
  await store.execute(raw("DROP TABLE verity_mirror_issues"));
  return issues;
}

/**
 * The email events: what the campaign tables say, each under the subscriber its address is
 * now (the lowest id of the address's rows: Verity's or the tool's), and those written
 * earlier that no longer are (a subscriber replaced) removed. `since`: only events at or after
 * it are looked at, and nothing is removed (the subscribers did not change).
 */
async function mirrorEvents(
  store: Store,
  w: string,
  since: string | undefined,
  note: (month: string | null) => void,
): Promise<number> {
  const from = (column: string) =>
    since === undefined ? sql`` : sql` AND ${raw(column)} >= CAST(${since} AS TIMESTAMP)`;
  // What the campaign tables say happened (since `since`).
  await temp(
    store,
    "verity_mirror_x",
    sql`SELECT o.campaign_id, o.email_hash, CASE WHEN o.status = 'sent' THEN 'sent' ELSE 'bounce' END AS type,
          o.finished_at AS occurred_at, CAST(NULL AS TEXT) AS url
        FROM campaign_outbox o
        WHERE o.workspace_id = ${w} AND o.status IN ('sent', 'bounced') AND o.finished_at IS NOT NULL${from("o.finished_at")}
        UNION ALL
        SELECT e.campaign_id, o.email_hash, e.type, e.occurred_at, l.url
        FROM campaign_events e
        JOIN campaign_outbox o ON o.workspace_id = e.workspace_id AND o.campaign_id = e.campaign_id
          AND o.recipient_id = e.recipient_id
        LEFT JOIN campaign_links l ON l.workspace_id = e.workspace_id AND l.campaign_id = e.campaign_id
          AND l.link_index = e.link_index AND e.type = 'click'
        WHERE e.workspace_id = ${w} AND e.type IN ${EVENT_TYPES}${from("e.occurred_at")}`,
  );
  // The subscriber each address is now: of every recipient's (to find rows written under
  // another), or, since a moment, of those the new events name.
  const addresses =
    since === undefined
      ? sql`SELECT email_hash FROM campaign_outbox WHERE workspace_id = ${w}`
      : sql`SELECT email_hash FROM verity_mirror_x`;
  await temp(
    store,
    "verity_mirror_owner",
    sql`SELECT email_hash, min(id) AS id FROM newsletter_subscribers
        WHERE workspace_id = ${w} AND email_hash IS NOT NULL AND email_hash IN (${addresses})
        GROUP BY email_hash`,
  );
  let removed = 0;
  if (since === undefined) {
    // Written under a row that is not the address's now (or is gone): removed, and written
    // again below under the right one.
    await temp(
      store,
      "verity_mirror_stale",
      sql`SELECT e.subscriber_id, e.issue_id, e.type, e.occurred_at FROM email_events e
          LEFT JOIN newsletter_subscribers s ON s.workspace_id = e.workspace_id AND s.id = e.subscriber_id
          LEFT JOIN verity_mirror_owner o ON o.email_hash = s.email_hash
          WHERE e.workspace_id = ${w} AND e.source_system = ${SOURCE} AND (o.id IS NULL OR o.id <> e.subscriber_id)`,
    );
    removed = await countOf(store, "verity_mirror_stale");
    if (removed > 0) {
      note(await earliestMonth(store, "verity_mirror_stale", "occurred_at"));
      await store.execute(
        sql`DELETE FROM email_events AS e WHERE e.workspace_id = ${w} AND e.source_system = ${SOURCE}
            AND EXISTS (SELECT 1 FROM verity_mirror_stale x WHERE x.subscriber_id = e.subscriber_id
              AND x.issue_id = e.issue_id AND x.type = e.type AND x.occurred_at = e.occurred_at)`,
      );
    }
    await store.execute(raw("DROP TABLE verity_mirror_stale"));
  }
  // Those not written yet, one row per key (two links clicked in the same second are one
  // click event there).
  await temp(
    store,
    "verity_mirror_events",
    sql`SELECT sub.id AS subscriber_id, ${CAMPAIGN} || x.campaign_id AS issue_id, x.type, x.occurred_at, min(x.url) AS url
        FROM verity_mirror_x x
        JOIN verity_mirror_owner sub ON sub.email_hash = x.email_hash
        LEFT JOIN email_events ev ON ev.workspace_id = ${w} AND ev.subscriber_id = sub.id
          AND ev.issue_id = ${CAMPAIGN} || x.campaign_id AND ev.type = x.type AND ev.occurred_at = x.occurred_at
        WHERE ev.workspace_id IS NULL
        GROUP BY sub.id, x.campaign_id, x.type, x.occurred_at`,
  );
  const events = await countOf(store, "verity_mirror_events");
  if (events > 0) {
    note(await earliestMonth(store, "verity_mirror_events", "occurred_at"));
    await store.execute(
      sql`INSERT INTO email_events (workspace_id, source_system, subscriber_id, issue_id, type, occurred_at, url)
          SELECT ${w}, ${SOURCE}, subscriber_id, issue_id, type, occurred_at, url FROM verity_mirror_events`,
    );
  }
  for (const table of ["verity_mirror_events", "verity_mirror_owner", "verity_mirror_x"]) {
    await store.execute(raw(`DROP TABLE ${table}`));
  }
  return events + removed;
}
