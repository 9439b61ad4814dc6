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
 * 3. Each hand-off is journaled, in a file of the campaign's own (0600), as it happens: `d`
 *    (its last byte left for the connection: the server may have the message from then on)
 *    and the outcome. The journal is written with
 *    write(2), which a killed process cannot lose (the kernel has it); outcomes reach the
 *    database in batches (every second or 5,000), since a commit per message would cost more
 *    than the sending itself.
 * 4. On the next start the journal is applied first. A message handed over but not finished
 *    (no `d`) never reached the server whole: its row is still queued and is sent. A
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

import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Transform } from "node:stream";
import type { Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { type Campaign, campaignNamed, type OutboxCounts, outboxCounts } from "./campaigns.js";
import { linkKey, signLink } from "./links.js";
import { mirrorCampaigns } from "./newsletter-mirror.js";
import { applyOutcomes, type DueRow, dueRows, nextRetryAt, type Outcome, snapshotRecipients } from "./outbox.js";
import {
  describeSmtpError,
  type SmtpSettings,
  SmtpSettingsError,
  smtpSettingsOf,
  transportOptions,
} from "./smtp-settings.js";
import { escapeHtml, fill, type Recipient, rewriteHtml, rewriteText } from "./template.js";

/** Retry delays after the 1st, 2nd, ... temporary failure; then the row fails. */
export const RETRY_DELAYS_MS = [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];
const LEASE_MS = 30_000;
const FLUSH_MS = 1_000;
const FLUSH_ROWS = 5_000;
const PAGE = 1_000;
const CONNECTION_FAILURES_TO_PAUSE = 3;
const POLICY_REFUSALS_TO_PAUSE = 5;

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
  /**
   * Go on although the journal of a run that did not end cleanly is elsewhere (another
   * machine, another folder) and cannot be read: what that run handed over in its last moments
   * may be sent again.
   */
  journalLost?: boolean;
  /**
   * Runs a write that gives the workspace's data a new version (the newsletter mirror) alone:
   * `verity serve` passes its writer's, so it never meets a tracking batch's (data-versions.ts).
   */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
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

type JournalLine = { t: "d"; r: number } | ({ t: "o" } & Outcome);

/** Per recipient, what the journal last says: done writing, or an outcome. */
type Replayed = { phase: "d" | "o"; outcome: Outcome | null };

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

/**
 * This process's PID namespace: two containers of one host may share a host name and both run
 * as PID 1, and must not take each other for gone.
 */
function pidNamespace(): string {
  try {
    return readlinkSync("/proc/self/ns/pid").replace(/\D/g, "");
  } catch {
    return "";
  }
}

const runnerId = () => `${hostname()}:${process.pid}:${pidNamespace()}:${Math.random().toString(36).slice(2, 8)}`;

/** Whether a runner id names a process of this machine (and PID namespace) that is gone. */
function deadHere(id: string | null): boolean {
  if (!id) return true;
  const [host, pid, namespace] = id.split(":");
  if (host !== hostname() || !pid || namespace !== pidNamespace()) return false;
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

export function openPixelUrl(p: PreparedCampaign, recipient: number): string {
  const token = signLink(p.key, { kind: "o", workspace: p.workspace, campaign: p.campaign.id, recipient, link: 0 });
  return `${p.settings.publicUrl}/o/${token}`;
}

/** The open pixel at the end of the HTML body (before </body> when it has one). */
function withPixel(html: string, url: string): string {
  const img = `<img src="${escapeHtml(url)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
  const end = html.search(/<\/body\s*>/i);
  return end < 0 ? `${html}${img}` : `${html.slice(0, end)}${img}${html.slice(end)}`;
}

/** The same id every time a recipient's message is built: a resend is recognisably the same message. */
export function messageIdOf(p: PreparedCampaign, recipient: number): string {
  return `<verity.${p.campaign.id}.${recipient}@${p.domain}>`;
}

/** One recipient's message, as nodemailer takes it (headers for RFC 8058 included). */
export function messageFor(p: PreparedCampaign, recipient: number, to: Recipient) {
  const unsubscribe = unsubscribeUrl(p, recipient);
  // A link used twice (in the HTML and in the text) is signed once.
  const signed = new Map<number, string>();
  const tracked = (i: number) => {
    let url = signed.get(i);
    if (url === undefined) {
      url = clickUrl(p, recipient, i);
      signed.set(i, url);
    }
    return url;
  };
  const { campaign, settings } = p;
  const body =
    campaign.html === "" ? undefined : rewriteHtml(fill(campaign.html, to, unsubscribe, true), campaign.links, tracked);
  const html = body !== undefined && campaign.trackOpens ? withPixel(body, openPixelUrl(p, recipient)) : body;
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

/**
 * The enhanced status code (RFC 3463) at the start of a reply's text, of the reply's own class:
 * "550 5.1.1 <a@b>: user unknown". Not anywhere in the text: "554 client host 5.1.1.20
 * blocked" names an address, not a status.
 */
export function enhancedStatus(code: number, response: string | undefined): [string, string, string] | null {
  const m = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(response ?? "");
  if (!m || m[1] !== String(code)[0]) return null;
  return [m[1] as string, m[2] as string, m[3] as string];
}

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
  const enhanced = enhancedStatus(code, e.response);
  const command = (e.command ?? "").toUpperCase();
  // The sender refused (MAIL FROM, or X.1.7/X.1.8: the sender's address or domain): the
  // campaign's problem, for every recipient alike, never the recipient's.
  if (
    code >= 500 &&
    (command.startsWith("MAIL") || (enhanced?.[1] === "1" && (enhanced[2] === "7" || enhanced[2] === "8")))
  ) {
    return {
      kind: "pause",
      reason: `the SMTP server refuses the sender ${settings.fromAddress}: ${e.response ?? code}`,
    };
  }
  if (code >= 400 && code < 500) return { kind: "retry", connection: code === 421 };
  if (enhanced?.[1] === "2" && enhanced[2] === "2") return { kind: "retry", connection: false };
  if (enhanced?.[1] === "7") return { kind: "failed" };
  const atRecipient = command.startsWith("RCPT");
  const addressCode = enhanced ? enhanced[1] === "1" || (enhanced[1] === "2" && enhanced[2] === "1") : false;
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
function mirror(store: Store, workspace: string, options: SendOptions, since: string): Promise<unknown> {
  const work = () => mirrorCampaigns(store, workspace, { subscribers: false, since });
  return options.exclusive ? options.exclusive(work) : work();
}

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
    // The campaign is a newsletter issue from now on (newsletter-mirror.ts).
    if (snapshot !== null) await mirror(store, workspace, options, new Date().toISOString());
    await takeLease(store, workspace, campaign.id, me);
    if (campaign.status === "paused") {
      await store.execute(
        sql`UPDATE campaigns SET status = 'sending', paused_reason = NULL WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
      );
    }
    campaign = await campaignNamed(store, workspace, name);
    mkdirSync(options.journalDir, { recursive: true, mode: 0o700 });
    const path = journalPath(resolve(options.journalDir), workspace, campaign.id);
    const here = `${hostname()}:${path}`;
    const [left] = await store.query<{ journal: string | null }>(
      sql`SELECT journal FROM campaigns WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
    );
    if (left?.journal && left.journal !== here && !options.journalLost) {
      const [host, ...rest] = left.journal.split(":");
      throw new CampaignStateError(
        "campaign",
        `the last run of ${name} did not end cleanly, and its journal (what it handed over) is on ${host} at ${rest.join(":")}: run the send there with --journal-dir ${dirname(rest.join(":"))}; if that journal is gone, --journal-lost goes on without it (messages handed over in that run's last moments may be sent twice)`,
      );
    }
    await store.execute(
      sql`UPDATE campaigns SET journal = ${here} WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
    );
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
    await store.execute(
      sql`UPDATE campaigns SET journal = NULL WHERE workspace_id = ${workspace} AND id = ${campaign.id}`,
    );
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
  // What was sent and bounced, as the issue's email events (and the clicks so far).
  await mirror(store, workspace, options, campaign.startedAt ?? new Date(0).toISOString());
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

  // What ends the run with an error once the messages in flight are answered: outcomes the
  // database refused (they stay in the journal for the next run), or a lease lost.
  let stopped: unknown = null;
  const flush = () => {
    const batch = pending;
    pending = [];
    lastFlush = Date.now();
    flushing = flushing
      .then(async () => {
        if (batch.length === 0 || stopped) return;
        journal.sync();
        await applyOutcomes(store, workspace, campaign.id, batch);
        done += batch.filter((o) => o.status !== "retry" && o.status !== "queued").length;
        options.onProgress?.(done, total);
      })
      .catch((error) => {
        stopped ??= error;
      });
    return flushing;
  };
  // The lease is renewed on a clock, not with each hand-off: a wait for a free connection, a
  // slow rate or a retry's sleep can outlast it. Lost (another process took the campaign), the
  // run stops handing over at once.
  const leaseTimer = setInterval(() => {
    takeLease(store, workspace, campaign.id, me).catch((error) => {
      stopped ??= error;
    });
  }, LEASE_MS / 3);
  let policyRefusals = 0;
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
    // No line before the hand-off: until its last byte is out (`d`) a message cannot have
    // reached the server whole, and its row is simply still queued. One write(2) fewer a message.
    try {
      const info = await transport.sendMail({
        ...messageFor(p, row.recipient_id, to),
        envelope: { from: settings.fromAddress, to: [to.email] },
        verityRecipient: row.recipient_id,
      } as SMTPPool.MailOptions);
      connectionFailures = 0;
      policyRefusals = 0;
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
      // Connections lost, before or after a message's end, pause the campaign when they
      // repeat: a server that drops every message would otherwise turn the list uncertain.
      if ((verdict.kind === "retry" && verdict.connection) || verdict.kind === "uncertain") {
        connectionFailures += 1;
        if (connectionFailures >= CONNECTION_FAILURES_TO_PAUSE) {
          paused ??= `${describeSmtpError(error, settings)} (${connectionFailures} connections failed in a row)`;
        }
      }
      // Policy refusals (5.7.x) of message after message are the campaign's, not the
      // recipients': relaying denied, content refused.
      if (
        verdict.kind === "failed" &&
        enhancedStatus(Number((error as { responseCode?: number }).responseCode), said)?.[1] === "7"
      ) {
        policyRefusals += 1;
        if (policyRefusals >= POLICY_REFUSALS_TO_PAUSE) {
          paused ??= `the SMTP server refused ${policyRefusals} messages in a row for policy: ${said}`;
        }
      } else policyRefusals = 0;
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

  try {
    return await passes();
  } finally {
    clearInterval(leaseTimer);
    // Whatever ended the run, the messages in flight are answered and journaled first.
    while (inFlight > 0)
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    await flush();
  }

  async function passes(): Promise<string | null> {
    for (;;) {
      let after = 0;
      let handed = 0;
      // The next page is read while this one is sent: waiting for it with the pool idle cost
      // a sixth of a 100,000-recipient send. Pages are by recipient number, after the last one
      // read, so a page never holds a row of the one before it.
      let ahead = dueRows(store, workspace, campaign.id, after, new Date(), PAGE);
      for (;;) {
        if (paused || stopped || options.signal?.aborted) break;
        const page = await ahead;
        if (page.length === 0) break;
        const last = (page.at(-1) as DueRow).recipient_id;
        ahead = dueRows(store, workspace, campaign.id, last, new Date(), PAGE);
        // A page read ahead and never used (the run stopped) must not be an unhandled rejection.
        ahead.catch(() => {});
        for (const row of page) {
          after = row.recipient_id;
          if (paused || stopped || options.signal?.aborted) break;
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
        }
      }
      while (inFlight > 0)
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      await flush();
      if (stopped) throw stopped;
      if (paused) return paused;
      if (options.signal?.aborted) return null;
      if (handed > 0) continue; // rows may have fallen due meanwhile
      if (!options.waitForRetries) return null;
      const next = await nextRetryAt(store, workspace, campaign.id);
      if (!next) return null;
      await sleep(Math.max(0, next.getTime() - Date.now()) + 10, options.signal);
      if (options.signal?.aborted) return null;
    }
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
