/**
 * Sending a campaign through the workspace's SMTP server, so that a crash (a kill -9, a power
 * cut after the journal's last sync) sends no address twice and skips none.
 *
 * 1. Nothing is written before the SMTP settings work: the password's variable is read and
 *    the server is asked to sign in (verify) first.
 * 2. The outbox is written in one transaction (outbox.ts): every recipient is a row before
 *    anything is sent. The campaign is leased to this process (another process, or a second
 *    `campaign send`, is refused while the lease lives; a lease whose process on this machine
 *    is gone is taken over at once).
 * 3. Each hand-off is journaled, in a file of the campaign's own (0600), before and as it
 *    happens: `h` (handed to the SMTP pool), `d` (its last byte handed to the connection: the
 *    server may have the message from then on) and the outcome. The journal is written with
 *    write(2), which a killed process cannot lose (the kernel has it); outcomes reach the
 *    database in batches (every 250 ms or 1,000), since a commit per message would cost more
 *    than the sending itself.
 * 4. On the next start the journal is applied first. A message handed but not finished (`h`
 *    without `d`) never reached the server whole: its row is still queued and is sent. A
 *    message finished but without the server's answer (`d` without an outcome) is the one case
 *    SMTP cannot settle (RFC 1047: between the final dot and the reply the server has the
 *    message and the client does not know it): it becomes **uncertain**, is not sent again
 *    unless asked (`--resend-uncertain`, with the same Message-ID), and `campaign status`
 *    lists them. At most the pool's connections (5 by default) can be uncertain per crash,
 *    and only those whose reply was on its way.
 *
 * Failures: a 4xx reply or a dropped connection before the end of the message is retried
 * after 1 min, 5 min, 30 min, 2 h and 6 h (±20%), then failed (a soft bounce, not
 * suppressed). A 5xx refusal of the address (5.1.x, 5.2.1, or a plain 550/551/553 to RCPT) is
 * a bounce: the address is suppressed for every later campaign. A 5.7.x refusal (policy,
 * content) or a 5xx to the message is a failure of the campaign, not of the address. Sign-in
 * or TLS failures, or three dropped connections in a row, pause the campaign with the reason;
 * the recipient is not charged.
 */
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import type { Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { type Campaign, campaignNamed, type OutboxCounts, outboxCounts } from "./campaigns.js";
import { linkKey, signLink } from "./links.js";
import { applyOutcomes, type DueRow, dueRows, nextRetryAt, type Outcome, snapshotRecipients } from "./outbox.js";
import {
  describeSmtpError,
  type SmtpSettings,
  SmtpSettingsError,
  smtpSettingsOf,
  transportOptions,
} from "./smtp-settings.js";
import { fill, type Recipient, rewriteHtml, rewriteText } from "./template.js";

/** Retry delays after the 1st, 2nd, ... temporary failure; then the row fails. */
export const RETRY_DELAYS_MS = [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];
const LEASE_MS = 30_000;
const FLUSH_MS = 250;
const FLUSH_ROWS = 1_000;
const PAGE = 500;
const CONNECTION_FAILURES_TO_PAUSE = 3;

export type SendOptions = {
  /** Where the campaign's journal lives (a folder of this machine, kept between runs). */
  journalDir: string;
  /** Delays between attempts (tests shorten them). */
  retryDelaysMs?: readonly number[];
  /** Send the uncertain messages again (same Message-ID): a recipient may get one twice. */
  resendUncertain?: boolean;
  /** Wait for retries that fall due (else return with them deferred). */
  waitForRetries?: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (done: number, total: number) => void;
  /** Aborted: no more hand-offs; the messages in flight finish and the campaign stays sending. */
  signal?: AbortSignal;
};

export type SendResult = {
  campaign: string;
  status: Campaign["status"];
  counts: OutboxCounts;
  /** Newly written recipients (the snapshot), or null when sending had begun before. */
  snapshot: number | null;
  /** When the earliest deferred retry is due, when some wait. */
  nextRetryAt: string | null;
  pausedReason: string | null;
};

export class CampaignStateError extends SmtpSettingsError {
  override name = "CampaignStateError";
}

// ---------------------------------------------------------------------------------------------
// The journal
// ---------------------------------------------------------------------------------------------

type JournalLine = { t: "h" | "d"; r: number } | ({ t: "o" } & Outcome);

/** Per recipient, what the journal last says: handed, done writing, or an outcome. */
type Replayed = { phase: "h" | "d" | "o"; outcome: Outcome | null };

export function journalPath(dir: string, workspace: string, campaignId: string): string {
  return join(dir, `${Buffer.from(workspace).toString("hex")}-${campaignId}.journal`);
}

/** Reads a journal: each recipient's last state. A torn last line (a crash mid-write) is left out. */
export function readJournal(path: string): Map<number, Replayed> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw error;
  }
  const lines = text.split("\n");
  const state = new Map<number, Replayed>();
  lines.forEach((line, i) => {
    if (line === "") return;
    let entry: JournalLine;
    try {
      entry = JSON.parse(line) as JournalLine;
    } catch (error) {
      if (i >= lines.length - 2) return; // the torn last line
      throw new Error(`${path}, line ${i + 1}: not a journal line (${(error as Error).message})`);
    }
    if (entry.t === "o") {
      const { t: _, ...outcome } = entry;
      state.set(outcome.recipient, { phase: "o", outcome });
    } else {
      const before = state.get(entry.r);
      state.set(entry.r, { phase: entry.t, outcome: before?.outcome ?? null });
    }
  });
  return state;
}

class Journal {
  private fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
  }

  private write(entry: JournalLine): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  handed(recipient: number): void {
    this.write({ t: "h", r: recipient });
  }

  done(recipient: number): void {
    this.write({ t: "d", r: recipient });
  }

  outcome(o: Outcome): void {
    this.write({ t: "o", ...o });
  }

  /** Makes what was written durable (before the database is told: a power cut loses neither). */
  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Applies a journal left by an earlier run (ours or a crashed one) and starts it afresh:
 * outcomes to the outbox, `d` without an outcome as uncertain. Returns how many became
 * uncertain.
 */
async function recover(store: Store, workspace: string, campaignId: string, path: string): Promise<number> {
  const replayed = readJournal(path);
  const outcomes: Outcome[] = [];
  const at = new Date().toISOString();
  let uncertain = 0;
  for (const [recipient, r] of replayed) {
    if (r.phase === "d") {
      uncertain += 1;
      outcomes.push({
        recipient,
        status: "uncertain",
        attempts: (r.outcome?.attempts ?? 0) + 1,
        nextAttemptAt: null,
        response: null,
        error: "the process ended after the message was handed to the SMTP server and before its answer",
        suppress: false,
        at,
      });
    } else if (r.outcome) outcomes.push(r.outcome);
  }
  await applyOutcomes(store, workspace, campaignId, outcomes);
  // Applied: the old journal goes (a fresh one starts).
  if (replayed.size > 0) unlinkSync(path);
  return uncertain;
}

// ---------------------------------------------------------------------------------------------
// The lease
// ---------------------------------------------------------------------------------------------

const runnerId = () => `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

/** Whether a runner id names a process of this machine that is gone. */
function deadHere(id: string | null): boolean {
  if (!id) return true;
  const [host, pid] = id.split(":");
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return Number(pid) === process.pid && !activeRunners.has(id);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Runners of this process, so one process does not take over its own live lease. */
const activeRunners = new Set<string>();

async function takeLease(store: Store, workspace: string, campaignId: string, me: string): Promise<void> {
  const now = new Date();
  const until = new Date(now.getTime() + LEASE_MS).toISOString();
  const [row] = await store.query<{ runner_id: string | null; lease_until: string | null }>(
    sql`SELECT runner_id, lease_until FROM campaigns WHERE workspace_id = ${workspace} AND id = ${campaignId}`,
  );
  const expired = !row?.lease_until || new Date(row.lease_until) < now;
  if (row?.runner_id && row.runner_id !== me && !expired && !deadHere(row.runner_id)) {
    throw new CampaignStateError(
      "campaign",
      `the campaign is being sent by another process (${row.runner_id}); it goes on there (or wait ${Math.ceil(LEASE_MS / 1000)} s if that process is gone)`,
    );
  }
  await store.execute(
    sql`UPDATE campaigns SET runner_id = ${me}, lease_until = CAST(${until} AS TIMESTAMP)
        WHERE workspace_id = ${workspace} AND id = ${campaignId}
          AND (runner_id IS NULL OR runner_id = ${me} OR runner_id = ${row?.runner_id ?? null})`,
  );
  const [mine] = await store.query<{ runner_id: string | null }>(
    sql`SELECT runner_id FROM campaigns WHERE workspace_id = ${workspace} AND id = ${campaignId}`,
  );
  if (mine?.runner_id !== me) throw new CampaignStateError("campaign", "another process took the campaign just now");
}

async function releaseLease(store: Store, workspace: string, campaignId: string, me: string): Promise<void> {
  await store.execute(
    sql`UPDATE campaigns SET runner_id = NULL, lease_until = NULL
        WHERE workspace_id = ${workspace} AND id = ${campaignId} AND runner_id = ${me}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

export type PreparedCampaign = {
  campaign: Campaign;
  settings: SmtpSettings;
  workspace: string;
  key: string;
  domain: string;
};

export function clickUrl(p: PreparedCampaign, recipient: number, link: number): string {
  const token = signLink(p.key, { kind: "c", workspace: p.workspace, campaign: p.campaign.id, recipient, link });
  return `${p.settings.publicUrl}/c/${token}`;
}

export function unsubscribeUrl(p: PreparedCampaign, recipient: number): string {
  const token = signLink(p.key, { kind: "u", workspace: p.workspace, campaign: p.campaign.id, recipient, link: 0 });
  return `${p.settings.publicUrl}/u/${token}`;
}

/** The same id every time a recipient's message is built: a resend is recognisably the same message. */
export function messageIdOf(p: PreparedCampaign, recipient: number): string {
  return `<verity.${p.campaign.id}.${recipient}@${p.domain}>`;
}

/** One recipient's message, as nodemailer takes it (headers for RFC 8058 included). */
export function messageFor(p: PreparedCampaign, recipient: number, to: Recipient) {
  const unsubscribe = unsubscribeUrl(p, recipient);
  const tracked = (i: number) => clickUrl(p, recipient, i);
  const { campaign, settings } = p;
  const html =
    campaign.html === "" ? undefined : rewriteHtml(fill(campaign.html, to, unsubscribe, true), campaign.links, tracked);
  const text =
    campaign.text === ""
      ? undefined
      : rewriteText(fill(campaign.text, to, unsubscribe, false), campaign.links, tracked);
  return {
    from: settings.fromName ? { name: settings.fromName, address: settings.fromAddress } : settings.fromAddress,
    to: to.email,
    ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
    subject: fill(campaign.subject, to, unsubscribe, false),
    ...(html ? { html } : {}),
    ...(text ? { text } : {}),
    messageId: messageIdOf(p, recipient),
    // nodemailer's `list` option cannot write List-Unsubscribe-Post (a `list` key becomes
    // List-<key>): both RFC 8058 fields are plain headers.
    headers: {
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "X-Verity-Campaign": campaign.id,
    },
  };
}

export async function prepareCampaign(store: Store, workspace: string, campaign: Campaign, settings: SmtpSettings) {
  const key = await linkKey(store, workspace);
  const domain = settings.fromAddress.slice(settings.fromAddress.lastIndexOf("@") + 1);
  return { campaign, settings, workspace, key, domain } satisfies PreparedCampaign;
}

// ---------------------------------------------------------------------------------------------
// Classifying failures
// ---------------------------------------------------------------------------------------------

type Verdict =
  | { kind: "retry"; connection: boolean }
  | { kind: "bounced"; suppress: boolean }
  | { kind: "failed" }
  | { kind: "uncertain" }
  | { kind: "pause"; reason: string };

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

export function classify(error: unknown, finished: boolean, settings: SmtpSettings): Verdict {
  const e = error as { code?: string; responseCode?: number; response?: string; command?: string };
  if (e.code && ["EAUTH", "ENOAUTH", "ETLS", "ECONFIG"].includes(e.code)) {
    return { kind: "pause", reason: describeSmtpError(error, settings) };
  }
  if (typeof e.responseCode !== "number") {
    // No answer from the server: after the message's last byte it may have it.
    return finished ? { kind: "uncertain" } : { kind: "retry", connection: true };
  }
  const code = e.responseCode;
  const enhanced = ENHANCED.exec(e.response ?? "");
  if (code >= 400 && code < 500) return { kind: "retry", connection: code === 421 };
  if (enhanced?.[1] === "5" && enhanced[2] === "2" && enhanced[3] === "2") return { kind: "retry", connection: false };
  if (enhanced?.[2] === "7") return { kind: "failed" };
  const atRecipient = (e.command ?? "").toUpperCase().startsWith("RCPT");
  const addressCode = enhanced ? enhanced[2] === "1" || (enhanced[2] === "2" && enhanced[3] === "1") : false;
  if (addressCode || (atRecipient && [550, 551, 553].includes(code))) return { kind: "bounced", suppress: true };
  return { kind: "failed" };
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** Waits `ms`, or until `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Sends (or goes on sending) a campaign; see the module comment. */
export async function sendCampaign(
  store: Store,
  workspace: string,
  name: string,
  options: SendOptions,
): Promise<SendResult> {
  const settings = await smtpSettingsOf(store, workspace);
  const poolOptions = transportOptions(settings, options.env);
  let campaign = await campaignNamed(store, workspace, name);
  if (campaign.status === "sent") {
    const uncertain = options.resendUncertain ? (await outboxCounts(store, workspace, campaign.id)).uncertain : 0;
    if (uncertain === 0) {
      throw new CampaignStateError(
        "campaign",
        `${name} was sent already${options.resendUncertain ? " and has no uncertain messages" : ""}`,
      );
    }
  }
  if (campaign.status === "cancelled") throw new CampaignStateError("campaign", `${name} was cancelled`);

  const { createTransport } = await import("nodemailer");
  const transport: Transporter = createTransport(poolOptions);
  const me = runnerId();
  activeRunners.add(me);
  let journal: Journal | null = null;
  let snapshot: number | null = null;
  let pausedReason: string | null = null;
  try {
    try {
      await transport.verify();
    } catch (error) {
      throw new SmtpSettingsError("smtp", `${describeSmtpError(error, settings)}; nothing was sent`);
    }
    snapshot = await snapshotRecipients(store, workspace, campaign, new Date());
    await takeLease(store, workspace, campaign.id, me);
    if (campaign.status === "paused") {
      await store.execute(
        sql`UPDATE campaigns SET status = 'sending', paused_reason = NULL WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
      );
    }
    campaign = await campaignNamed(store, workspace, name);
    mkdirSync(options.journalDir, { recursive: true, mode: 0o700 });
    const path = journalPath(options.journalDir, workspace, campaign.id);
    await recover(store, workspace, campaign.id, path);
    if (options.resendUncertain) {
      await store.execute(
        sql`UPDATE campaign_outbox SET status = 'queued', error = NULL
            WHERE workspace_id = ${workspace} AND campaign_id = ${campaign.id} AND status = 'uncertain'`,
      );
      await store.execute(
        sql`UPDATE campaigns SET status = 'sending', finished_at = NULL WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
      );
    }
    journal = new Journal(path);
    const prepared = await prepareCampaign(store, workspace, campaign, settings);
    pausedReason = await run(
      store,
      prepared,
      transport as Transporter<unknown, SMTPPool.Options>,
      journal,
      me,
      options,
    );
    // Every outcome of the run is in the database (run() ends with a flush): the journal has
    // nothing left to tell. Kept, a later run would apply its outcomes again over what changed
    // since (a retry moved, an uncertain message queued again).
    journal.close();
    journal = null;
    unlinkSync(path);
  } finally {
    transport.close();
    journal?.close();
    activeRunners.delete(me);
    await releaseLease(store, workspace, campaign.id, me).catch(() => {});
  }
  const counts = await outboxCounts(store, workspace, campaign.id);
  const finished = counts.queued === 0 && counts.retry === 0;
  const status: Campaign["status"] = pausedReason ? "paused" : finished ? "sent" : "sending";
  await store.execute(
    sql`UPDATE campaigns SET status = ${status}, paused_reason = ${pausedReason},
          finished_at = ${finished && !pausedReason ? sql`CAST(${new Date().toISOString()} AS TIMESTAMP)` : null}
        WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
  );
  const next = finished ? null : await nextRetryAt(store, workspace, campaign.id);
  return { campaign: name, status, counts, snapshot, nextRetryAt: next?.toISOString() ?? null, pausedReason };
}

/** Hands the due rows to the pool, pass after pass; returns why it paused, or null. */
async function run(
  store: Store,
  p: PreparedCampaign,
  transport: Transporter<unknown, SMTPPool.Options>,
  journal: Journal,
  me: string,
  options: SendOptions,
): Promise<string | null> {
  const { workspace, settings, campaign } = p;
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  const perMinute = campaign.perMinute ?? settings.perMinute;
  const spacing = perMinute ? 60_000 / perMinute : 0;
  const total = campaign.recipients ?? 0;
  let pending: Outcome[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let lastFlush = Date.now();
  let lastLease = Date.now();
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let paused: string | null = null;
  let connectionFailures = 0;
  let done = 0;
  let lastHandOff = 0;
  // The rows whose message went through to its last byte (journaled `d`), until their answer.
  const finishedRows = new Set<number>();
  // A pass-through at the end of each message's stream: its flush is the moment the message's
  // last byte leaves nodemailer's pipeline for the connection (journaled `d`, see the module
  // comment). Written a moment early rather than late: early can only make a message uncertain
  // that the server never got whole; late could resend one it had.
  transport.use("stream", (mail, next) => {
    const recipient = (mail.data as { verityRecipient?: number }).verityRecipient;
    if (recipient !== undefined) {
      mail.message.transform(
        () =>
          new Transform({
            transform(chunk, _encoding, callback) {
              callback(null, chunk);
            },
            flush(callback) {
              finishedRows.add(recipient);
              journal.done(recipient);
              callback();
            },
          }),
      );
    }
    next();
  });

  const flush = () => {
    const batch = pending;
    pending = [];
    lastFlush = Date.now();
    flushing = flushing.then(async () => {
      if (batch.length === 0) return;
      journal.sync();
      await applyOutcomes(store, workspace, campaign.id, batch);
      done += batch.filter((o) => o.status !== "retry" && o.status !== "queued").length;
      options.onProgress?.(done, total);
    });
    return flushing;
  };
  const record = (o: Outcome) => {
    journal.outcome(o);
    pending.push(o);
    if (pending.length >= FLUSH_ROWS) void flush();
  };

  const sendOne = async (row: DueRow) => {
    const attempts = row.attempts + 1;
    const at = () => new Date().toISOString();
    const to: Recipient = {
      email: row.address as string,
      firstName: row.first_name,
      lastName: row.last_name,
      company: row.company,
    };
    const finished = () => finishedRows.has(row.recipient_id);
    journal.handed(row.recipient_id);
    try {
      const info = await transport.sendMail({
        ...messageFor(p, row.recipient_id, to),
        envelope: { from: settings.fromAddress, to: [to.email] },
        verityRecipient: row.recipient_id,
      } as SMTPPool.MailOptions);
      connectionFailures = 0;
      finishedRows.delete(row.recipient_id);
      record({
        recipient: row.recipient_id,
        status: "sent",
        attempts,
        nextAttemptAt: null,
        response: String((info as { response?: string }).response ?? "").slice(0, 500),
        error: null,
        suppress: false,
        at: at(),
      });
    } catch (error) {
      const verdict = classify(error, finished(), settings);
      finishedRows.delete(row.recipient_id);
      const said = String((error as { response?: string }).response ?? (error as Error).message).slice(0, 500);
      if (verdict.kind === "pause") {
        paused ??= verdict.reason;
        return; // not charged to the recipient: the row stays as it was
      }
      if (verdict.kind === "retry" && verdict.connection) {
        connectionFailures += 1;
        if (connectionFailures >= CONNECTION_FAILURES_TO_PAUSE) {
          paused ??= `${describeSmtpError(error, settings)} (${connectionFailures} connections failed in a row)`;
        }
      }
      if (verdict.kind === "retry") {
        const delay = delays[attempts - 1];
        if (delay === undefined) {
          record({
            recipient: row.recipient_id,
            status: "failed",
            attempts,
            nextAttemptAt: null,
            response: null,
            error: `temporary failures until the retries ran out: ${said}`,
            suppress: false,
            at: at(),
          });
        } else {
          const jittered = delay * (0.8 + Math.random() * 0.4);
          record({
            recipient: row.recipient_id,
            status: "retry",
            attempts,
            nextAttemptAt: new Date(Date.now() + jittered).toISOString(),
            response: null,
            error: said,
            suppress: false,
            at: at(),
          });
        }
        return;
      }
      const status = verdict.kind === "bounced" ? "bounced" : verdict.kind === "uncertain" ? "uncertain" : "failed";
      record({
        recipient: row.recipient_id,
        status,
        attempts,
        nextAttemptAt: null,
        response: null,
        error: said,
        suppress: verdict.kind === "bounced" && verdict.suppress,
        at: at(),
      });
    }
  };

  const slot = async () => {
    while (inFlight >= settings.maxConnections) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };

  for (;;) {
    let after = 0;
    let handed = 0;
    for (;;) {
      if (paused || options.signal?.aborted) break;
      const page = await dueRows(store, workspace, campaign.id, after, new Date(), PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        after = row.recipient_id;
        if (paused || options.signal?.aborted) break;
        if (row.address === null || row.suppressed !== null) {
          record({
            recipient: row.recipient_id,
            status: "suppressed",
            attempts: row.attempts,
            nextAttemptAt: null,
            response: null,
            error:
              row.address === null
                ? "the contact was forgotten or lost its opt-in"
                : `${row.suppressed} since the snapshot`,
            suppress: false,
            at: new Date().toISOString(),
          });
          continue;
        }
        await slot();
        if (spacing > 0) {
          const wait = lastHandOff + spacing - Date.now();
          if (wait > 0) await sleep(wait);
          lastHandOff = Date.now();
        }
        inFlight += 1;
        handed += 1;
        void sendOne(row).finally(() => {
          inFlight -= 1;
          const w = wake;
          wake = null;
          w?.();
        });
        if (Date.now() - lastFlush >= FLUSH_MS) void flush();
        if (Date.now() - lastLease >= LEASE_MS / 3) {
          lastLease = Date.now();
          await takeLease(store, workspace, campaign.id, me);
        }
      }
    }
    while (inFlight > 0)
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    await flush();
    if (paused) return paused;
    if (options.signal?.aborted) return null;
    if (handed > 0) continue; // rows may have fallen due meanwhile
    if (!options.waitForRetries) return null;
    const next = await nextRetryAt(store, workspace, campaign.id);
    if (!next) return null;
    await sleep(Math.max(0, next.getTime() - Date.now()) + 10, options.signal);
    if (options.signal?.aborted) return null;
    lastLease = Date.now();
    await takeLease(store, workspace, campaign.id, me);
  }
}

/**
 * A test send: the campaign's message as `to` would get it (their contact's fields when they
 * are one), subject marked [test], through the workspace's SMTP server; nothing in the
 * outbox changes. Its links are the real signed links of recipient 0, which no outbox row has.
 */
export async function sendTest(
  store: Store,
  workspace: string,
  name: string,
  to: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ messageId: string; response: string }> {
  const settings = await smtpSettingsOf(store, workspace);
  const options = transportOptions(settings, env);
  const campaign = await campaignNamed(store, workspace, name);
  const [contact] = await store.query<{ first_name: string | null; last_name: string | null; company: string | null }>(
    sql`SELECT first_name, last_name, company FROM mail_contacts WHERE workspace_id = ${workspace} AND address = ${to.trim().toLowerCase()}`,
  );
  const prepared = await prepareCampaign(store, workspace, campaign, settings);
  const message = messageFor(prepared, 0, {
    email: to.trim(),
    firstName: contact?.first_name ?? null,
    lastName: contact?.last_name ?? null,
    company: contact?.company ?? null,
  });
  const { createTransport } = await import("nodemailer");
  const transport = createTransport({ ...options, pool: false } as SMTPPool.Options);
  try {
    const info = await transport.sendMail({ ...message, subject: `[test] ${message.subject}`, messageId: undefined });
    return { messageId: String(info.messageId), response: String(info.response ?? "") };
  } catch (error) {
    throw new SmtpSettingsError("smtp", describeSmtpError(error, settings));
  } finally {
    transport.close();
  }
}
