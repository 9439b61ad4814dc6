/**
 * Bounces that come back after the SMTP server accepted a message: delivery status
 * notifications (DSN, RFC 3464: `multipart/report; report-type=delivery-status`) and
 * complaints (ARF, RFC 5965: `report-type=feedback-report`), handed to Verity by a script that
 * reads the bounce mailbox (`verity campaign bounces FILE...`) or posts each to
 * `POST /api/bounces`.
 *
 * A report is matched to its recipient by the Message-ID Verity gave the message
 * (`<verity.CAMPAIGN.RECIPIENT@domain>`), found in the returned headers, and only when the
 * report's Final-Recipient, if it names one, is that recipient's address. Then:
 * - failed with 5.1.x or 5.2.1 (no such address, mailbox disabled): a hard bounce, the address
 *   suppressed for every later campaign;
 * - failed with another 5.x.x: a bounce of this message only;
 * - failed with 4.x.x, delayed, delivered, relayed: nothing (the server retries, or it arrived);
 * - a complaint (the recipient marked it as spam): suppressed as complained.
 * mailparser reads the MIME; the status fields are read here (no maintained npm parser of
 * them exists).
 */

import { hashIdentity } from "../ingest/identity.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { mirrorInTransaction } from "./newsletter-mirror.js";

export type StatusGroup = Record<string, string>;
export type DsnRecipient = {
  finalRecipient: string | null;
  action: string;
  status: string;
  diagnostic: string | null;
};
export type Report =
  | { kind: "dsn"; messageId: string | null; recipients: DsnRecipient[] }
  | { kind: "complaint"; messageId: string | null; recipients: DsnRecipient[] };

/**
 * The header-style groups of a message/delivery-status part (RFC 3464 2.1): the per-message
 * group first, then one per recipient; blank lines between them, folded lines unfolded, names
 * lower-cased.
 */
export function statusGroups(text: string): StatusGroup[] {
  const groups: StatusGroup[] = [];
  for (const block of text.replace(/\r\n/g, "\n").split(/\n[ \t]*\n/)) {
    const group: StatusGroup = {};
    let last: string | null = null;
    for (const line of block.split("\n")) {
      if (/^[ \t]/.test(line) && last) {
        group[last] = `${group[last]} ${line.trim()}`;
        continue;
      }
      const m = /^([A-Za-z0-9-]+)\s*:\s*(.*)$/.exec(line);
      if (!m) continue;
      last = (m[1] as string).toLowerCase();
      group[last] = (m[2] as string).trim();
    }
    if (Object.keys(group).length > 0) groups.push(group);
  }
  return groups;
}

/** "rfc822; Ann@X.test" → "ann@x.test". */
function addressOf(field: string | undefined): string | null {
  if (!field) return null;
  const value = field.includes(";") ? field.slice(field.indexOf(";") + 1) : field;
  return value.trim().replace(/^<|>$/g, "").toLowerCase() || null;
}

const OUR_ID = /<verity\.(c[0-9a-f]{12})\.(\d{1,12})@[^>\s]+>/i;

/** Reads one report (the raw message); null when it is neither a DSN nor a complaint. */
export async function readReport(raw: Buffer | string): Promise<Report | null> {
  const { simpleParser } = await import("mailparser");
  const mail = await simpleParser(raw, { keepDeliveryStatus: true });
  const type = String(
    (mail.headers.get("content-type") &&
      (mail.headers.get("content-type") as { params?: Record<string, string> }).params?.["report-type"]) ||
      "",
  ).toLowerCase();
  const parts = mail.attachments ?? [];
  const text = (contentType: string) =>
    parts.filter((a) => a.contentType.toLowerCase() === contentType).map((a) => a.content.toString("utf8"));
  // The returned message or its headers: where our Message-ID is.
  const returned = [...text("message/rfc822"), ...text("text/rfc822-headers"), mail.text ?? ""].join("\n");
  const messageId = OUR_ID.exec(returned)?.[0] ?? null;
  if (type === "feedback-report" || text("message/feedback-report").length > 0) {
    const feedback = statusGroups(text("message/feedback-report").join("\n\n"))[0] ?? {};
    const to = /^To:\s*(.+)$/im.exec(returned)?.[1];
    return {
      kind: "complaint",
      messageId,
      recipients: [
        {
          finalRecipient: addressOf(feedback["original-rcpt-to"] ?? to?.replace(/.*<([^>]+)>.*/, "$1")),
          action: "complaint",
          status: "",
          diagnostic: feedback["feedback-type"] ?? null,
        },
      ],
    };
  }
  const status = text("message/delivery-status");
  if (type !== "delivery-status" && status.length === 0) return null;
  const groups = statusGroups(status.join("\n\n"));
  const recipients = groups
    .filter((g) => g["final-recipient"] !== undefined || g.action !== undefined)
    .map((g) => ({
      finalRecipient: addressOf(g["final-recipient"] ?? g["original-recipient"]),
      action: (g.action ?? "").toLowerCase(),
      status: (/\d\.\d{1,3}\.\d{1,3}/.exec(g.status ?? "")?.[0] ?? "").trim(),
      diagnostic: g["diagnostic-code"] ?? null,
    }));
  return { kind: "dsn", messageId, recipients };
}

export type BounceSummary = {
  reports: number;
  hard: number;
  soft: number;
  complaints: number;
  /** Reports that named no message of this workspace's campaigns, or another address. */
  unmatched: number;
  /** Delays, deliveries and temporary failures: nothing to do. */
  ignored: number;
};

/** Applies reports to the workspace's campaigns (see the module comment), in one transaction. */
export async function applyReports(
  store: Store,
  workspace: string,
  reports: readonly Report[],
): Promise<BounceSummary> {
  return (await applyReportsOf(store, workspace, reports)).summary;
}

/** applyReports, also saying of each report whether it was this workspace's (matched). */
async function applyReportsOf(
  store: Store,
  workspace: string,
  reports: readonly Report[],
): Promise<{ summary: BounceSummary; matched: boolean[] }> {
  const summary: BounceSummary = { reports: reports.length, hard: 0, soft: 0, complaints: 0, unmatched: 0, ignored: 0 };
  const matched = reports.map(() => false);
  const now = new Date().toISOString();
  await store.transaction(async () => {
    for (const [index, report] of reports.entries()) {
      const id = report.messageId ? OUR_ID.exec(report.messageId) : null;
      if (!id) {
        summary.unmatched += 1;
        continue;
      }
      const [campaign, recipient] = [id[1] as string, Number(id[2])];
      const [row] = await store.query<{ email_hash: string }>(
        sql`SELECT email_hash FROM campaign_outbox WHERE workspace_id = ${workspace} AND campaign_id = ${campaign}
            AND recipient_id = ${recipient}`,
      );
      if (!row) {
        summary.unmatched += 1;
        continue;
      }
      for (const r of report.recipients) {
        // The report must name the message's recipient: anyone can mail the bounce address a
        // report with a Message-ID of Verity's form (a recipient of one campaign knows its id),
        // and without the address one could suppress a list by its numbers. Providers that
        // redact the recipient in complaints are not applied (docs/campaigns.md).
        if (r.finalRecipient === null || hashIdentity(r.finalRecipient) !== row.email_hash) {
          summary.unmatched += 1;
          continue;
        }
        matched[index] = true;
        const [cls, subject, detail] = r.status.split(".");
        let reason: "bounced" | "complained" | null = null;
        let type: "bounce" | "complaint";
        if (report.kind === "complaint") {
          reason = "complained";
          type = "complaint";
          summary.complaints += 1;
        } else if (r.action === "failed" && cls === "5") {
          type = "bounce";
          if (subject === "1" || (subject === "2" && detail === "1")) {
            reason = "bounced";
            summary.hard += 1;
          } else summary.soft += 1;
        } else {
          summary.ignored += 1;
          continue;
        }
        await store.execute(
          sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
              VALUES (${workspace}, ${campaign}, ${recipient}, ${type}, -1, CAST(${now} AS TIMESTAMP))
              ON CONFLICT DO NOTHING`,
        );
        if (reason) {
          await store.execute(
            sql`INSERT INTO mail_suppressions (workspace_id, email_hash, reason, since, source, detail)
                VALUES (${workspace}, ${row.email_hash}, ${reason}, CAST(${now} AS TIMESTAMP), ${report.kind}, ${r.status || null})
                ON CONFLICT DO NOTHING`,
          );
        }
      }
    }
    // Bounces as the email events; bounced and complaining subscriptions end.
    await mirrorInTransaction(store, workspace, { subscribers: true, since: now });
  });
  return { summary, matched };
}

/** Messages read from a Maildir at most per run (a run after a flood takes the rest next time). */
export const MAILDIR_BATCH = 5_000;

/**
 * The bounce mailbox as a Maildir (Postfix's `home_mailbox = Maildir/`, Dovecot, or
 * fetchmail/getmail copying an IMAP mailbox into one), one per workspace. Each message in
 * `new/` is first claimed by moving it to `cur/` (so a second run at the same time does not
 * read it too), then all are applied in one transaction; the reports of this workspace's
 * messages are then marked seen (`:2,S`). A message that is no report, or about a message or
 * address that is not this workspace's, stays unseen in `cur/` for a person to look at. When
 * applying fails, every claimed message goes back to `new/`.
 */
export async function applyMaildir(
  store: Store,
  workspace: string,
  dir: string,
): Promise<BounceSummary & { messages: number; notReports: number }> {
  const { readdir, readFile, rename, mkdir } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const incoming = join(dir, "new");
  let names: string[];
  try {
    names = (await readdir(incoming, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort()
      .slice(0, MAILDIR_BATCH);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MaildirError(
      code === "ENOENT"
        ? `${dir} is not a Maildir (it has no new/ folder)`
        : `${incoming}: ${(error as Error).message}`,
    );
  }
  await mkdir(join(dir, "cur"), { recursive: true });
  // Maildir's info suffix: version 2, then the flags (S: seen).
  const base = (name: string) => name.replace(/:2,.*$/, "");
  const claimed: string[] = [];
  for (const name of names) {
    try {
      await rename(join(incoming, name), join(dir, "cur", `${base(name)}:2,`));
      claimed.push(base(name));
    } catch (error) {
      // Another run took it first.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const reports: Report[] = [];
  const reportOf: (number | null)[] = [];
  let notReports = 0;
  let outcome: Awaited<ReturnType<typeof applyReportsOf>>;
  try {
    for (const name of claimed) {
      const report = await readReport(await readFile(join(dir, "cur", `${name}:2,`)));
      reportOf.push(report ? reports.length : null);
      if (report) reports.push(report);
      else notReports += 1;
    }
    outcome = await applyReportsOf(store, workspace, reports);
  } catch (error) {
    for (const name of claimed) await rename(join(dir, "cur", `${name}:2,`), join(incoming, name)).catch(() => {});
    throw error;
  }
  for (const [i, name] of claimed.entries()) {
    const r = reportOf[i];
    if (r !== null && r !== undefined && outcome.matched[r]) {
      await rename(join(dir, "cur", `${name}:2,`), join(dir, "cur", `${name}:2,S`));
    }
  }
  return { ...outcome.summary, messages: claimed.length, notReports };
}

export class MaildirError extends Error {
  override name = "MaildirError";
}
