/**
 * The outbox: one row per recipient, written in one transaction when sending starts (the
 * segment's mailable contacts at that moment, numbered 1..n by their address's hash), before
 * anything is sent. Its key (workspace, campaign, recipient) makes a second row for anyone
 * impossible, and the campaign's status moves from draft or scheduled to sending in the same
 * transaction, so two senders cannot both take the snapshot.
 *
 * A row's state: queued, retry (a temporary failure; due again at next_attempt_at), then one
 * of sent, bounced (the server refused the address for good), failed (refused for another
 * reason, or temporary failures until the retries ran out), suppressed (unsubscribed, bounced
 * or forgotten between the snapshot and its turn) or uncertain (see sender.ts).
 */
import { sql, timestamp } from "../store/sql.js";
import type { StagedColumn, Store } from "../store/store.js";
import type { Campaign } from "./campaigns.js";
import { parseDefinition } from "./segment-definition.js";
import { segmentPeople, suppressedSql, suppressionJoins } from "./segment-sql.js";
import { checkAgainstWorkspace, segmentNamed } from "./segments.js";

export type OutboxStatus = "queued" | "retry" | "sent" | "bounced" | "failed" | "suppressed" | "uncertain";

/**
 * Takes the snapshot if the campaign has none yet (draft or scheduled): returns the number of
 * recipients written, or null when sending had started before (the outbox is there).
 */
export async function snapshotRecipients(
  store: Store,
  workspace: string,
  campaign: Campaign,
  asOf: Date,
): Promise<number | null> {
  if (campaign.status !== "draft" && campaign.status !== "scheduled") return null;
  const segment = await segmentNamed(store, workspace, campaign.segment);
  await checkAgainstWorkspace(store, workspace, segment.definition);
  const definition = parseDefinition(segment.definition);
  const people = segmentPeople({ workspace, asOf }, definition, "contacts");
  const now = asOf.toISOString();
  return store.transaction(async () => {
    const [current] = await store.query<{ status: string }>(
      sql`SELECT status FROM campaigns WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
    );
    if (current?.status !== "draft" && current?.status !== "scheduled") return null;
    await store.execute(
      sql`INSERT INTO campaign_outbox (workspace_id, campaign_id, recipient_id, email_hash, status, attempts)
          SELECT ${workspace}, ${campaign.id}, row_number() OVER (ORDER BY m.email_hash), m.email_hash, 'queued', 0
          FROM (${people}) m WHERE m.address IS NOT NULL AND m.suppressed IS NULL`,
    );
    const [count] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM campaign_outbox WHERE workspace_id = ${workspace} AND campaign_id = ${campaign.id}`,
    );
    const n = Number(count?.n ?? 0);
    await store.execute(
      sql`UPDATE campaigns SET status = 'sending', definition = ${JSON.stringify(definition)}, recipients = ${n},
            started_at = CAST(${now} AS TIMESTAMP)
          WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
    );
    return n;
  });
}

export type DueRow = {
  recipient_id: number;
  email_hash: string;
  attempts: number;
  address: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  suppressed: string | null;
};

/**
 * The next rows to send after `after` (by recipient number): queued, or in retry and due.
 * Each with its contact as it is now, and what suppresses it now: an unsubscribe or a
 * forgetting after the snapshot wins.
 */
export async function dueRows(
  store: Store,
  workspace: string,
  campaignId: string,
  after: number,
  now: Date,
  limit: number,
): Promise<DueRow[]> {
  // The page first, then its contacts and suppressions: only its hashes are looked up.
  const page = sql`SELECT o.recipient_id, o.email_hash, o.attempts FROM campaign_outbox o
    WHERE o.workspace_id = ${workspace} AND o.campaign_id = ${campaignId} AND o.recipient_id > ${after}
      AND (o.status = 'queued' OR (o.status = 'retry' AND o.next_attempt_at <= ${timestamp(now)}))
    ORDER BY o.recipient_id LIMIT ${limit}`;
  const rows = await store.query<DueRow>(
    sql`WITH o AS MATERIALIZED (${page})
        SELECT o.recipient_id, o.email_hash, o.attempts, c.address, c.first_name, c.last_name, c.company,
          ${suppressedSql(sql`c.consent_at`)} AS suppressed
        FROM o
        LEFT JOIN mail_contacts c ON c.workspace_id = ${workspace} AND c.email_hash = o.email_hash
        ${suppressionJoins(workspace, sql`o.email_hash`, sql`SELECT email_hash FROM o`)}
        ORDER BY o.recipient_id`,
  );
  return rows.map((r) => ({ ...r, recipient_id: Number(r.recipient_id), attempts: Number(r.attempts) }));
}

/** When the earliest retry is due, or null when none waits. */
export async function nextRetryAt(store: Store, workspace: string, campaignId: string): Promise<Date | null> {
  const [row] = await store.query<{ at: string | null }>(
    sql`SELECT min(next_attempt_at) AS at FROM campaign_outbox
        WHERE workspace_id = ${workspace} AND campaign_id = ${campaignId} AND status = 'retry'`,
  );
  return row?.at ? new Date(row.at) : null;
}

/** A row's new state, as the sender learned it. */
export type Outcome = {
  recipient: number;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string | null;
  response: string | null;
  error: string | null;
  /** A bounce that suppresses the address for every later campaign. */
  suppress: boolean;
  at: string;
};

const OUTCOME_COLUMNS: StagedColumn[] = [
  { name: "recipient_id", type: "integer" },
  { name: "status", type: "text" },
  { name: "attempts", type: "integer" },
  { name: "next_attempt_at", type: "text" },
  { name: "smtp_response", type: "text" },
  { name: "error", type: "text" },
  { name: "suppress", type: "integer" },
  { name: "at", type: "text" },
];

/** Writes outcomes in one transaction (each row's last one wins), and the suppressions of hard bounces. */
export async function applyOutcomes(
  store: Store,
  workspace: string,
  campaignId: string,
  outcomes: readonly Outcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  const last = new Map<number, Outcome>();
  for (const o of outcomes) last.set(o.recipient, o);
  const rows = [...last.values()].map((o) => [
    o.recipient,
    o.status,
    o.attempts,
    o.nextAttemptAt,
    o.response,
    o.error,
    o.suppress ? 1 : 0,
    o.at,
  ]);
  await store.transaction(async () => {
    await store.stageRows("verity_outcomes", OUTCOME_COLUMNS, rows);
    await store.execute(
      sql`UPDATE campaign_outbox SET status = x.status, attempts = x.attempts,
            next_attempt_at = CAST(x.next_attempt_at AS TIMESTAMP), smtp_response = x.smtp_response, error = x.error,
            finished_at = CASE WHEN x.status IN ('queued', 'retry') THEN NULL ELSE CAST(x.at AS TIMESTAMP) END
          FROM verity_outcomes x
          WHERE campaign_outbox.workspace_id = ${workspace} AND campaign_outbox.campaign_id = ${campaignId}
            AND campaign_outbox.recipient_id = x.recipient_id`,
    );
    await store.execute(
      sql`INSERT INTO mail_suppressions (workspace_id, email_hash, reason, since, source, detail)
          SELECT ${workspace}, o.email_hash, 'bounced', CAST(x.at AS TIMESTAMP), 'smtp', x.error
          FROM verity_outcomes x
          JOIN campaign_outbox o ON o.workspace_id = ${workspace} AND o.campaign_id = ${campaignId}
            AND o.recipient_id = x.recipient_id
          WHERE x.suppress = 1
          ON CONFLICT DO NOTHING`,
    );
    await store.execute(sql`DROP TABLE verity_outcomes`);
  });
}
