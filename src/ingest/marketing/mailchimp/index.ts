/**
 * Mailchimp: the audience export (subscribed, unsubscribed and cleaned members), the
 * campaigns report and the account export's per-contact open and click files, into
 * newsletter_subscribers, newsletter_issues and email_events. The layout and every choice
 * below are documented with their sources in docs/import-formats.md (Mailchimp).
 *
 * - A subscriber is `mailchimp:<email hash>`: the activity files name contacts only by
 *   address, and the hash is the same in every export of every audience (LEID and EUID are
 *   not in them). The address is hashed (hashIdentity) and never kept or echoed.
 * - subscribed_at = CONFIRM_TIME (when mail started: the confirmation of a double opt-in, or
 *   the time an imported contact was added), else OPTIN_TIME, else LAST_CHANGED.
 * - Unsubscribed: unsubscribed_at = UNSUB_TIME, and an `unsubscribe` event on the campaign
 *   it names (UNSUB_CAMPAIGN_ID) when that campaign is in the import.
 * - Cleaned (hard-bounced) addresses no longer receive mail: unsubscribed_at = CLEAN_TIME,
 *   and a `bounce` event on CLEAN_CAMPAIGN_ID's campaign when it is in the import.
 * - Non-subscribed (transactional) contacts never subscribed: skipped and counted.
 * - The same address in several files (several audiences) is one subscriber: subscribed from
 *   its earliest time, and unsubscribed only when no file has it subscribed.
 * - Campaigns (the campaigns report): `mailchimp:<Unique Id>`, sent at Send Date (in the
 *   account's zone: --timezone), subject; no utm_campaign (the report does not carry it).
 * - Activity (granular_activity opens/clicks): `open`/`click` events of the campaign whose
 *   Unique Id the file's name or folder carries; the campaigns report must be in the import.
 *   Activity of an address the import's audience files lack (an archived or deleted contact)
 *   is skipped and counted. No `sent` events: no Mailchimp export lists recipients with times.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { CanonicalTables } from "../../crm/canonical-tables.js";
import { Problems } from "../../crm/problems.js";
import type { SourceFile, SourceRow } from "../../crm/source-file.js";
import { hashIdentity } from "../../identity.js";
import { ImportError } from "../../import-error.js";
import type { FileSample, FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { type Kind, kindOf, locate, type MailchimpFile, type MemberKind } from "./files.js";
import { mailchimpTime } from "./times.js";

export const MAILCHIMP_SOURCE = "mailchimp";

type Subscriber = { id: string; hash: string; subscribedAt: string; unsubscribedAt: string | null; stillIn: boolean };

export const mailchimpImporter: Importer = {
  format: "mailchimp",
  description:
    "Mailchimp audience export (.zip or its subscribed/unsubscribed/cleaned CSVs), campaigns report and per-contact activity",
  async prepare(paths, options): Promise<PreparedImport> {
    let scratch: string | null = null;
    const scratchDir = async () => {
      scratch ??= await mkdtemp(join(tmpdir(), "verity-mailchimp-"));
      return scratch;
    };
    const tables = new CanonicalTables();
    try {
      const found = await locate(paths, scratchDir);
      const prepared = await convert(found.files, found.ignored, tables, options);
      return prepared;
    } catch (error) {
      tables.discard();
      throw error;
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  },
  recognise(sample: FileSample): string | null {
    if (sample.entries) {
      const members = sample.entries.filter((e) => /(^|\/)[a-z]*_(members|email_audience)_export_[^/]*\.csv$/i.test(e));
      return members.length > 0
        ? `${sample.name} holds a Mailchimp audience export (${basename(members[0] as string)})`
        : null;
    }
    if (!sample.header) return null;
    const kind = kindOf(sample.name, sample.header);
    if (kind === "subscribed" || kind === "unsubscribed" || kind === "cleaned" || kind === "nonsubscribed") {
      return `${sample.name} has Mailchimp's audience columns (Email Address, MEMBER_RATING, OPTIN_TIME)`;
    }
    const has = (c: string) => sample.header?.includes(c) ?? false;
    if (kind === "campaigns" && has("Send Weekday") && has("Total Recipients")) {
      return `${sample.name} is Mailchimp's campaigns report (Title, Send Date, Send Weekday, Unique Id)`;
    }
    return null;
  },
};

async function convert(
  files: readonly MailchimpFile[],
  ignored: number,
  tables: CanonicalTables,
  options: FormatOptions,
): Promise<PreparedImport> {
  const problems = new Problems(options.collectProblems === true);
  const of = (kind: Kind) => files.filter((f) => f.kind === kind).map((f) => f.source);

  // Campaigns first: the members' unsubscribe and clean campaigns and the activity files refer to them.
  const campaigns = new Set<string>();
  let unsent = 0;
  for (const source of of("campaigns")) {
    source.forEachRow((row) =>
      problems.row(() => {
        const id = required(source, row, "Unique Id");
        const sent = mailchimpTime(source, row.line, "Send Date", row.get("Send Date"), options.timezone);
        if (sent === "") {
          unsent += 1;
          return;
        }
        if (campaigns.has(id)) return; // the same campaign in two reports
        campaigns.add(id);
        tables.add("newsletter_issues", source.file, {
          id: `${MAILCHIMP_SOURCE}:${id}`,
          sent_at: sent,
          subject: row.get("Subject") || null,
        });
      }),
    );
  }

  const subscribers = new Map<string, Subscriber>();
  const events = new Events(tables);
  let nonsubscribed = 0;
  const memberKinds: MemberKind[] = ["subscribed", "unsubscribed", "cleaned"];
  for (const kind of memberKinds) {
    for (const source of of(kind)) {
      source.forEachRow((row) =>
        problems.row(() => {
          const hash = addressHash(source, row, "Email Address");
          const subscribedAt =
            time(source, row, "CONFIRM_TIME", options) ||
            time(source, row, "OPTIN_TIME", options) ||
            time(source, row, "LAST_CHANGED", options);
          if (subscribedAt === "") {
            throw new ImportError(
              source.file,
              row.line,
              source.column("CONFIRM_TIME") ?? "CONFIRM_TIME",
              "no CONFIRM_TIME, OPTIN_TIME nor LAST_CHANGED: cannot tell when the contact subscribed",
            );
          }
          let left: string | null = null;
          let leftColumn = "";
          if (kind !== "subscribed") {
            leftColumn = kind === "unsubscribed" ? "UNSUB_TIME" : "CLEAN_TIME";
            left = time(source, row, leftColumn, options) || time(source, row, "LAST_CHANGED", options);
            if (left === "") {
              throw new ImportError(
                source.file,
                row.line,
                source.column(leftColumn) ?? leftColumn,
                "a value is required",
              );
            }
            if (left < subscribedAt) {
              throw new ImportError(
                source.file,
                row.line,
                source.column(leftColumn) ?? leftColumn,
                `${left} is before the contact subscribed (${subscribedAt})`,
              );
            }
          }
          const id = `${MAILCHIMP_SOURCE}:${hash}`;
          const earlier = subscribers.get(hash);
          if (!earlier) {
            subscribers.set(hash, { id, hash, subscribedAt, unsubscribedAt: left, stillIn: left === null });
          } else {
            if (subscribedAt < earlier.subscribedAt) earlier.subscribedAt = subscribedAt;
            if (left === null) earlier.stillIn = true;
            else if (earlier.unsubscribedAt === null || left > earlier.unsubscribedAt) earlier.unsubscribedAt = left;
          }
          if (left !== null) {
            const campaign = row.get(kind === "unsubscribed" ? "UNSUB_CAMPAIGN_ID" : "CLEAN_CAMPAIGN_ID");
            if (campaign !== "" && campaigns.has(campaign)) {
              events.add(source.file, id, campaign, kind === "unsubscribed" ? "unsubscribe" : "bounce", left, null);
            } else if (campaign !== "") {
              events.campaignMissing += 1;
            }
          }
        }),
      );
    }
  }
  for (const source of of("nonsubscribed")) source.forEachRow(() => (nonsubscribed += 1));
  for (const s of subscribers.values()) {
    tables.add("newsletter_subscribers", "Mailchimp audience export", {
      id: s.id,
      email_hash: s.hash,
      subscribed_at: s.subscribedAt,
      unsubscribed_at: s.stillIn ? null : s.unsubscribedAt,
    });
  }

  const haveAudience = memberKinds.some((k) => of(k).length > 0);
  let strangers = 0;
  for (const kind of ["opens", "clicks"] as const) {
    for (const source of of(kind)) {
      const campaign = problems.row(() => campaignOfFile(source, campaigns));
      if (campaign === undefined) continue;
      const emailColumn = source.has("Email") ? "Email" : "Email Address";
      source.forEachRow((row) =>
        problems.row(() => {
          const hash = addressHash(source, row, emailColumn);
          const at = time(source, row, "Timestamp", options);
          if (at === "")
            throw new ImportError(source.file, row.line, source.column("Timestamp"), "a value is required");
          if (haveAudience && !subscribers.has(hash)) {
            strangers += 1;
            return;
          }
          const url = kind === "clicks" ? row.get("Url") || row.get("URL") || null : null;
          events.add(
            source.file,
            `${MAILCHIMP_SOURCE}:${hash}`,
            campaign,
            kind === "opens" ? "open" : "click",
            at,
            url,
          );
        }),
      );
    }
  }

  if (unsent > 0) tables.skip("campaigns without a Send Date (not sent)", unsent);
  if (nonsubscribed > 0) tables.skip("non-subscribed (transactional) contacts: never on the newsletter", nonsubscribed);
  if (strangers > 0) {
    tables.skip("opens and clicks of addresses not in the audience files (archived or deleted contacts)", strangers);
  }
  if (events.duplicates > 0) tables.skip("activity rows repeating one already read", events.duplicates);
  if (events.campaignMissing > 0) {
    tables.note(
      `${events.campaignMissing.toLocaleString("en-US")} unsubscribes or bounces name a campaign that is not in this import: their subscribers' end dates are kept, but no unsubscribe or bounce event (import the campaigns report with the audience to have them)`,
    );
  }
  if (ignored > 0) {
    tables.note(
      `${ignored.toLocaleString("en-US")} CSV files of the export are not ones this importer reads and were left alone`,
    );
  }
  if (of("campaigns").length > 0) {
    if (of("opens").length + of("clicks").length === 0) {
      tables.note(
        "The campaigns report gives each campaign's totals only: no per-subscriber opens or clicks (the account export's granular_activity files have them)",
      );
    }
    if (!options.timezone) {
      tables.note(
        "Campaign send dates are read as UTC: the report writes them in the account's time zone, which --timezone gives",
      );
    }
  }
  if (haveAudience) {
    tables.note(
      "Cleaned (bounced) contacts are counted as having left the newsletter at their CLEAN_TIME; subscription starts are CONFIRM_TIME (else OPTIN_TIME)",
    );
  }
  const prepared = await tables.prepare(MAILCHIMP_SOURCE, []);
  problems.attach(prepared);
  return prepared;
}

/** email_events rows, each key once (an activity file may repeat a row). */
class Events {
  private readonly seen = new Set<string>();
  duplicates = 0;
  campaignMissing = 0;

  constructor(private readonly tables: CanonicalTables) {}

  add(file: string, subscriber: string, campaign: string, type: string, at: string, url: string | null): void {
    const issue = `${MAILCHIMP_SOURCE}:${campaign}`;
    const key = [subscriber, issue, type, at].join("\u0000");
    if (this.seen.has(key)) {
      this.duplicates += 1;
      return;
    }
    this.seen.add(key);
    this.tables.add("email_events", file, { subscriber_id: subscriber, issue_id: issue, type, occurred_at: at, url });
  }
}

function required(source: SourceFile, row: SourceRow, column: string): string {
  const value = row.get(column);
  if (value === "")
    throw new ImportError(source.file, row.line, source.column(column) ?? column, "a value is required");
  return value;
}

function time(source: SourceFile, row: SourceRow, column: string, options: FormatOptions): string {
  return source.has(column) ? mailchimpTime(source, row.line, column, row.get(column), options.timezone) : "";
}

/** The hash of a row's address; the address itself never appears in a message. */
export function addressHash(source: SourceFile, row: SourceRow, column: string): string {
  const value = row.get(column);
  const where = source.column(column) ?? column;
  if (value === "") throw new ImportError(source.file, row.line, where, "a value is required (the contact's address)");
  if (!/^[^@\s]+@[^@\s]+$/.test(value)) {
    throw new ImportError(
      source.file,
      row.line,
      where,
      "not an email address (the value is not shown: addresses are never repeated)",
    );
  }
  return hashIdentity(value) as string;
}

/** The campaign an activity file belongs to: a campaign Unique Id its path carries (exactly one). */
function campaignOfFile(source: SourceFile, campaigns: ReadonlySet<string>): string {
  if (campaigns.size === 0) {
    throw new ImportError(
      source.file,
      null,
      null,
      "per-contact activity needs the campaigns report in the same import (its Unique Id tells which campaign the file is of)",
    );
  }
  const path = source.file.toLowerCase();
  const named = [...campaigns].filter((id) => path.includes(id.toLowerCase()));
  if (named.length !== 1) {
    throw new ImportError(
      source.file,
      null,
      null,
      named.length === 0
        ? "cannot tell which campaign this activity is of: its name or folder carries no Unique Id of the campaigns report (name it like opens/<Unique Id>.csv)"
        : `its name carries the Unique Ids of several campaigns (${named.join(", ")})`,
    );
  }
  return named[0] as string;
}
