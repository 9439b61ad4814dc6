/**
 * Campaigns feed the newsletter-leads metric and the vanity check (issue 18) through the
 * tables those already read, so one definition serves a newsletter tool's data and Verity's
 * own sends alike (METRICS.md 9, docs/metrics.md):
 *
 * - Verity's list is a newsletter: each contact with an opt-in is a subscriber
 *   (`contact:HASH`, source `verity-campaigns`) from its opt-in, until it is suppressed after it
 *   (unsubscribed, bounced, complained, erased or suppressed by hand). An address a newsletter
 *   tool's import already has as a subscriber stays that subscriber: it is not counted twice
 *   (the tool's row wins; Verity's row goes, its events move to the tool's).
 * - Each campaign that started sending is an issue (`campaign:ID`): its sent time, subject
 *   and utm_campaign (the metric's first-touch rule matches leads by it).
 * - What recipients did are email events of the issue: sent, click, unsubscribe, bounce,
 *   complaint, at their time (the metric's click rule reads the clicks).
 *
 * `mirrorCampaigns` brings these rows in line with the campaign tables, in one transaction,
 * and gives the data a new version for the months it changed (data-versions.ts), so kept
 * answers are never stale. It is called where campaign data changes: after contacts are
 * written or forgotten, when a send starts and ends, after bounce reports, and by
 * `verity serve` every 30 s when clicks or unsubscribes arrived (campaign-runner.ts).
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

export type MirrorChanges = { subscribers: number; issues: number; events: number };

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
export function mirrorCampaigns(store: Store, w: string): Promise<MirrorChanges> {
  return store.transaction(() => mirrorInTransaction(store, w));
}

/** mirrorCampaigns inside the caller's transaction (with the write that changed campaign data). */
export async function mirrorInTransaction(store: Store, w: string): Promise<MirrorChanges> {
  // Most workspaces (and every import of a newsletter tool's data without campaigns) have nothing to mirror.
  const [any] = await store.query(
    sql`SELECT 1 AS x FROM mail_contacts WHERE workspace_id = ${w}
        UNION ALL SELECT 1 FROM campaigns WHERE workspace_id = ${w}
        UNION ALL SELECT 1 FROM newsletter_subscribers WHERE workspace_id = ${w} AND source_system = ${SOURCE}
        LIMIT 1`,
  );
  if (!any) return { subscribers: 0, issues: 0, events: 0 };
  {
    const months: string[] = [];
    const note = (month: string | null) => {
      if (month) months.push(month);
    };

    // Subscribers: what they should be, against what they are.
    await temp(
      store,
      "verity_mirror_want",
      sql`SELECT ${CONTACT} || c.email_hash AS id, c.email_hash, c.consent_at AS subscribed_at,
            (SELECT min(s.since) FROM mail_suppressions s
              WHERE s.workspace_id = c.workspace_id AND s.email_hash = c.email_hash AND s.since >= c.consent_at) AS unsubscribed_at
          FROM mail_contacts c
          WHERE c.workspace_id = ${w}
            AND NOT EXISTS (SELECT 1 FROM newsletter_subscribers o
              WHERE o.workspace_id = ${w} AND o.email_hash = c.email_hash AND o.source_system <> ${SOURCE})`,
    );
    // Verity's rows with no contact behind them any more: an erased address (its hash stays as
    // a suppression) ends its subscription then; one a tool's import now has goes (below).
    await store.execute(
      sql`UPDATE newsletter_subscribers AS n SET unsubscribed_at = (
            SELECT min(s.since) FROM mail_suppressions s
            WHERE s.workspace_id = n.workspace_id AND s.email_hash = n.email_hash AND s.since >= n.subscribed_at)
          WHERE n.workspace_id = ${w} AND n.source_system = ${SOURCE} AND n.unsubscribed_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM mail_contacts c WHERE c.workspace_id = n.workspace_id AND c.email_hash = n.email_hash)
            AND EXISTS (SELECT 1 FROM mail_suppressions s
              WHERE s.workspace_id = n.workspace_id AND s.email_hash = n.email_hash AND s.since >= n.subscribed_at)`,
    );
    // Rows to write: new or changed.
    await temp(
      store,
      "verity_mirror_subs",
      sql`SELECT x.* FROM verity_mirror_want x
          LEFT JOIN newsletter_subscribers n ON n.workspace_id = ${w} AND n.id = x.id
          WHERE n.id IS NULL OR n.subscribed_at <> x.subscribed_at
            OR (n.unsubscribed_at IS NULL) <> (x.unsubscribed_at IS NULL) OR n.unsubscribed_at <> x.unsubscribed_at`,
    );
    // Verity's rows an import of the newsletter tool now has under its own id.
    await temp(
      store,
      "verity_mirror_shadowed",
      sql`SELECT n.id, n.subscribed_at, min(o.id) AS tool_id FROM newsletter_subscribers n
          JOIN newsletter_subscribers o ON o.workspace_id = n.workspace_id AND o.email_hash = n.email_hash
            AND o.source_system <> ${SOURCE}
          WHERE n.workspace_id = ${w} AND n.source_system = ${SOURCE}
          GROUP BY n.id, n.subscribed_at`,
    );
    const subscribers = (await countOf(store, "verity_mirror_subs")) + (await countOf(store, "verity_mirror_shadowed"));
    if (subscribers > 0) {
      note(await earliestMonth(store, "verity_mirror_subs", "subscribed_at"));
      note(await earliestMonth(store, "verity_mirror_shadowed", "subscribed_at"));
      await store.execute(
        sql`UPDATE email_events AS e SET subscriber_id = s.tool_id FROM verity_mirror_shadowed s
            WHERE e.workspace_id = ${w} AND e.subscriber_id = s.id`,
      );
      await store.execute(
        sql`DELETE FROM newsletter_subscribers
            WHERE workspace_id = ${w} AND (id IN (SELECT id FROM verity_mirror_subs) OR id IN (SELECT id FROM verity_mirror_shadowed))`,
      );
      await store.execute(
        sql`INSERT INTO newsletter_subscribers (workspace_id, id, source_system, email_hash, subscribed_at, unsubscribed_at)
            SELECT ${w}, id, ${SOURCE}, email_hash, subscribed_at, unsubscribed_at FROM verity_mirror_subs`,
      );
    }

    // Issues: every campaign that started sending.
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

    // Events: sent and bounced from the outbox, the rest as recipients did them; each under the
    // subscriber its address is (Verity's row or the tool's), those not yet written.
    await temp(
      store,
      "verity_mirror_events",
      // One row per key (two links clicked in the same second are one click event there).
      sql`SELECT sub.id AS subscriber_id, ${CAMPAIGN} || x.campaign_id AS issue_id, x.type, x.occurred_at, min(x.url) AS url
          FROM (
            SELECT o.campaign_id, o.email_hash, CASE WHEN o.status = 'sent' THEN 'sent' ELSE 'bounce' END AS type,
              o.finished_at AS occurred_at, CAST(NULL AS TEXT) AS url
            FROM campaign_outbox o
            WHERE o.workspace_id = ${w} AND o.status IN ('sent', 'bounced') AND o.finished_at IS NOT NULL
            UNION ALL
            SELECT e.campaign_id, o.email_hash, e.type, e.occurred_at, l.url
            FROM campaign_events e
            JOIN campaign_outbox o ON o.workspace_id = e.workspace_id AND o.campaign_id = e.campaign_id
              AND o.recipient_id = e.recipient_id
            LEFT JOIN campaign_links l ON l.workspace_id = e.workspace_id AND l.campaign_id = e.campaign_id
              AND l.link_index = e.link_index AND e.type = 'click'
            WHERE e.workspace_id = ${w}
          ) x
          JOIN (SELECT email_hash, min(id) AS id FROM newsletter_subscribers
                WHERE workspace_id = ${w} AND email_hash IS NOT NULL GROUP BY email_hash) sub ON sub.email_hash = x.email_hash
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
    for (const table of [
      "verity_mirror_want",
      "verity_mirror_subs",
      "verity_mirror_shadowed",
      "verity_mirror_issues",
      "verity_mirror_events",
    ]) {
      await store.execute(raw(`DROP TABLE ${table}`));
    }
    if (months.length > 0) {
      months.sort();
      await touchData(store, w, ["data"], { data: months[0] as string });
    }
    return { subscribers, issues, events };
  }
}
