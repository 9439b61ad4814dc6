/**
 * Campaigns from the command line (issue 18): `verity contact` (the opted-in contacts a
 * campaign may mail, and forgetting one) and `verity segment` (who a campaign goes to:
 * saved definitions, previewed with their count and a sample). docs/campaigns.md has the
 * definition language.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { applyMaildir, applyReports, MaildirError, type Report, readReport } from "../../campaigns/bounces.js";
import { campaignNamed, createCampaign, listCampaigns, outboxCounts } from "../../campaigns/campaigns.js";
import { contactCounts, forgetContact, readContactFiles, writeContacts } from "../../campaigns/contacts.js";
import { campaignResults } from "../../campaigns/results.js";
import { type Condition, parseDefinition } from "../../campaigns/segment-definition.js";
import {
  listSegments,
  previewSegment,
  removeSegment,
  type SegmentPreview,
  SUPPRESSION_REASONS,
  saveSegment,
  segmentNamed,
} from "../../campaigns/segments.js";
import { type SendResult, sendCampaign, sendTest } from "../../campaigns/sender.js";
import {
  checkSettings,
  findSmtpSettings,
  SECURITY,
  saveSmtpSettings,
  verifySmtp,
} from "../../campaigns/smtp-settings.js";
import { sql } from "../../store/sql.js";
import { type GlobalOptions, targetOf, withStore, workspaceOf } from "../context.js";
import { formatCount, UserError } from "../output.js";

/** A moment from a flag: ISO 8601 (a date alone is its midnight, UTC). */
function momentOf(value: string, flag: string): Date {
  // A time without a zone is UTC, as in every file Verity reads (not this machine's zone).
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? `${value}T00:00:00Z`
    : /(Z|[+-]\d{2}:?\d{2})$/i.test(value)
      ? value
      : `${value.replace(" ", "T")}Z`;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UserError(
      `${flag} ${JSON.stringify(value)} is not a date or time (such as 2026-03-31 or 2026-03-31T12:00:00Z)`,
    );
  }
  return date;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as timestamps are stored. */
const stored = (date: Date) => date.toISOString().slice(0, 19).replace("T", " ");

async function stdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A definition from --where: JSON itself, @file, or - for standard input. */
async function definitionFrom(where: string): Promise<Condition> {
  let text = where;
  let field = "--where";
  if (where === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString("utf8");
    field = "--where (standard input)";
  } else if (where.startsWith("@")) {
    const file = where.slice(1);
    text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`--where ${where}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    field = file;
  }
  return parseDefinition(text, field);
}

function formatPreview(title: string, p: SegmentPreview): string {
  const lines = [`${title} (as of ${p.asOf.slice(0, 16).replace("T", " ")} UTC)`];
  lines.push(`  ${formatCount(p.matched)} ${p.matched === 1 ? "person matches" : "people match"}`);
  lines.push(`  ${formatCount(p.mailable)} can be mailed`);
  if (p.withoutOptIn > 0) {
    lines.push(
      `  ${formatCount(p.withoutOptIn)} without a recorded opt-in: never mailed (import their opt-in with \`verity contact import\`)`,
    );
  }
  const suppressed = SUPPRESSION_REASONS.filter((r) => p.suppressed[r] > 0);
  if (suppressed.length > 0) {
    lines.push(`  suppressed: ${suppressed.map((r) => `${formatCount(p.suppressed[r])} ${r}`).join(", ")}`);
  }
  if (p.sample.length > 0) {
    lines.push("", `A sample of ${p.sample.length} who can be mailed:`);
    for (const s of p.sample) {
      const name = [s.firstName, s.lastName].filter(Boolean).join(" ");
      lines.push(`  ${[s.address, name, s.company].filter(Boolean).join("  ")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function registerCampaignCommands(program: Command): void {
  const contact = program
    .command("contact")
    .description("the contacts a campaign may mail (only those with a recorded opt-in), and forgetting one");

  contact
    .command("import")
    .description(
      "import contacts with their opt-in: a CSV (email, consent_at, consent_source, first_name, last_name, company) or a Mailchimp audience export (its unsubscribed and cleaned members become suppressions); all or nothing",
    )
    .argument("<files...>", "CSV files, or a Mailchimp audience export (.zip, folder or CSV)")
    .option("--consent-source <text>", "where the file's contacts opted in, when it has no column for it")
    .option("--consented-at <time>", "when the file's contacts opted in, when it has no column for it (ISO 8601)")
    .option("--dry-run", "check every row and say what would be imported; write nothing")
    .option("--json", "print JSON")
    .action(
      async (
        files: string[],
        flags: { consentSource?: string; consentedAt?: string; dryRun?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const workspace = workspaceOf(globals);
        const consentAt = flags.consentedAt ? stored(momentOf(flags.consentedAt, "--consented-at")) : undefined;
        const read = await readContactFiles(files, { consentSource: flags.consentSource, consentAt });
        if (flags.dryRun) {
          const out = {
            dryRun: true,
            contacts: read.contacts.length,
            suppressions: read.suppressions.length,
            notes: read.notes,
          };
          process.stdout.write(
            flags.json
              ? `${JSON.stringify(out, null, 2)}\n`
              : `${[`would import ${formatCount(out.contacts)} contact rows and ${formatCount(out.suppressions)} suppressions (nothing written)`, ...read.notes].join("\n")}\n`,
          );
          return;
        }
        const summary = await withStore(globals, (store) => writeContacts(store, workspace, read));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        const lines = [
          `imported ${formatCount(summary.contacts)} contacts (${formatCount(summary.added)} new) and ${formatCount(summary.suppressions)} suppressions into workspace ${workspace}`,
        ];
        if (summary.skippedErased > 0) {
          lines.push(`${formatCount(summary.skippedErased)} asked to be forgotten: not stored, never mailed`);
        }
        lines.push(...summary.notes);
        process.stdout.write(`${lines.join("\n")}\n`);
      },
    );

  contact
    .command("forget")
    .description("erase a contact's address (their request): it is deleted, and never stored or mailed again")
    .argument("<address>", "the email address")
    .action(async (address: string, _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const had = await withStore(globals, (store) => forgetContact(store, workspace, address));
      process.stdout.write(
        had
          ? `forgot ${address.trim()}: the address is deleted and will not be stored or mailed again\n`
          : `${address.trim()} was not a contact; it will not be stored or mailed from now on\n`,
      );
    });

  contact
    .command("status")
    .description("how many contacts the workspace may mail, and its suppressions by reason")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const counts = await withStore(globals, (store) => contactCounts(store, workspace));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
        return;
      }
      const reasons = Object.entries(counts.suppressions).map(([r, n]) => `${formatCount(n)} ${r}`);
      process.stdout.write(
        `workspace ${workspace}: ${formatCount(counts.contacts)} contacts with a recorded opt-in; suppressed: ${reasons.length === 0 ? "none" : reasons.join(", ")}\n`,
      );
    });

  const segment = program.command("segment").description("who a campaign goes to: saved segments, previewed");

  segment
    .command("add")
    .description("save a segment (a JSON definition: see docs/campaigns.md), checked against the workspace")
    .argument("<name>", "lower-case letters, digits, - and _")
    .requiredOption("--where <definition>", "the definition: JSON, @file, or - for standard input")
    .option("--description <text>", "what the segment is for")
    .option("--replace", "replace a segment of that name")
    .action(async (name: string, flags: { where: string; description?: string; replace?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const definition = await definitionFrom(flags.where);
      const preview = await withStore(globals, async (store) => {
        await saveSegment(
          store,
          workspace,
          { name, definition, description: flags.description ?? null },
          { by: "cli", replace: flags.replace ?? false },
        );
        return previewSegment(store, workspace, definition, { showAddresses: true, sample: 0 });
      });
      process.stdout.write(formatPreview(`saved segment ${name}`, preview));
    });

  segment
    .command("list")
    .description("the workspace's saved segments")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const segments = await withStore(globals, (store) => listSegments(store, workspace));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(segments, null, 2)}\n`);
        return;
      }
      if (segments.length === 0) {
        process.stdout.write(`workspace ${workspace} has no segments yet (\`verity segment add NAME --where JSON\`)\n`);
        return;
      }
      for (const s of segments) {
        process.stdout.write(`${s.name}\t${s.description ?? ""}\t${JSON.stringify(s.definition)}\n`);
      }
    });

  segment
    .command("preview")
    .description("who a segment matches now: how many, how many can be mailed, why not the others, a sample")
    .argument("[name]", "a saved segment")
    .option("--where <definition>", "an unsaved definition instead: JSON, @file, or - for standard input")
    .option("--as-of <time>", "measure relative windows back from this moment instead of now (ISO 8601)")
    .option("--sample <n>", "how many contacts to show (0-100)", "10")
    .option("--json", "print JSON")
    .action(
      async (
        name: string | undefined,
        flags: { where?: string; asOf?: string; sample: string; json?: boolean },
        cmd: Command,
      ) => {
        if ((name === undefined) === (flags.where === undefined)) {
          throw new UserError("give a saved segment's name, or --where with a definition (not both)");
        }
        const sample = Number(flags.sample);
        if (!Number.isInteger(sample) || sample < 0 || sample > 100) {
          throw new UserError(`--sample ${JSON.stringify(flags.sample)} is not a whole number from 0 to 100`);
        }
        const asOf = flags.asOf ? momentOf(flags.asOf, "--as-of") : undefined;
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const workspace = workspaceOf(globals);
        const unsaved = flags.where === undefined ? null : await definitionFrom(flags.where);
        const preview = await withStore(globals, async (store) => {
          const definition = unsaved ?? (await segmentNamed(store, workspace, name as string)).definition;
          return previewSegment(store, workspace, definition, { asOf, sample, showAddresses: true });
        });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(preview, null, 2)}\n`);
          return;
        }
        process.stdout.write(formatPreview(name ? `segment ${name}` : "the definition", preview));
      },
    );

  segment
    .command("remove")
    .description("remove a saved segment")
    .argument("<name>", "the segment")
    .action(async (name: string, _flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const removed = await withStore(globals, async (store) => {
        if (await removeSegment(store, workspace, name)) return true;
        await segmentNamed(store, workspace, name); // throws, naming the segments there are
        return false;
      });
      if (removed) process.stdout.write(`removed segment ${name}\n`);
    });

  registerSmtp(program);
  registerCampaign(program);
}

const integer = (flag: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError(`${flag} ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  return n;
};

/**
 * Where campaign journals live: the folder `verity serve` keeps for the same database by
 * default (its --data-dir's outbox/: beside the DuckDB file, or ./verity-ingest for
 * PostgreSQL), so a send begun by one and continued by the other finds its journal.
 */
function journalDirOf(globals: GlobalOptions, flag: string | undefined): string {
  if (flag) return resolve(flag);
  const target = targetOf(globals);
  return resolve(target.engine === "duckdb" ? `${target.path}.ingest` : "verity-ingest", "outbox");
}

function registerSmtp(program: Command): void {
  const smtp = program
    .command("smtp")
    .description("how the workspace sends campaigns: its own SMTP server or provider");
  smtp
    .command("set")
    .description(
      "set the SMTP server, sender and public address (checked; the password stays in an environment variable)",
    )
    .requiredOption("--host <host>", "the SMTP server")
    .requiredOption("--port <port>", "its port (465 tls, 587 starttls, 25)", integer("--port", 1, 65_535))
    .option("--security <mode>", `${SECURITY.join(", ")} (none: a server on this machine only)`, "starttls")
    .option("--user <name>", "the user to sign in as")
    .option("--password-env <NAME>", "the environment variable holding the password", "VERITY_SMTP_PASSWORD")
    .requiredOption("--from <address>", "the sender's address")
    .option("--from-name <name>", "the sender's name")
    .option("--reply-to <address>", "where replies go")
    .requiredOption(
      "--public-url <url>",
      "where recipients reach this Verity server (links, unsubscribes): https://...",
    )
    .option("--connections <n>", "SMTP connections at once", integer("--connections", 1, 20), 5)
    .option("--per-minute <n>", "at most this many messages a minute", integer("--per-minute", 1, 1_000_000))
    .option("--no-verify", "save without signing in to the server first")
    .action(
      async (
        flags: {
          host: string;
          port: number;
          security: string;
          user?: string;
          passwordEnv: string;
          from: string;
          fromName?: string;
          replyTo?: string;
          publicUrl: string;
          connections: number;
          perMinute?: number;
          verify: boolean;
        },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const workspace = workspaceOf(globals);
        const settings = checkSettings({
          host: flags.host,
          port: flags.port,
          security: flags.security,
          username: flags.user ?? null,
          passwordEnv: flags.user ? flags.passwordEnv : null,
          fromAddress: flags.from,
          fromName: flags.fromName ?? null,
          replyTo: flags.replyTo ?? null,
          publicUrl: flags.publicUrl,
          maxConnections: flags.connections,
          perMinute: flags.perMinute ?? null,
        });
        if (flags.verify) await verifySmtp(settings);
        await withStore(globals, (store) => saveSmtpSettings(store, workspace, settings));
        process.stdout.write(
          `saved: ${settings.security} to ${settings.host}:${settings.port}${settings.username ? ` as ${settings.username} (password from $${settings.passwordEnv})` : ""}, from ${settings.fromAddress}, links to ${settings.publicUrl}${flags.verify ? "; signed in fine" : ""}\n`,
        );
      },
    );
  smtp
    .command("test")
    .description("connect and sign in to the workspace's SMTP server (sends nothing)")
    .action(async (_flags: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const settings = await withStore(globals, (store) => findSmtpSettings(store, workspace));
      if (!settings) throw new UserError(`workspace ${workspace} has no SMTP settings yet: \`verity smtp set ...\``);
      await verifySmtp(settings);
      process.stdout.write(`${settings.host}:${settings.port} answers and accepts the sign-in\n`);
    });
}

function formatSend(r: SendResult): string {
  const c = r.counts;
  const lines = [
    `campaign ${r.campaign}: ${r.status}${r.snapshot !== null ? ` (${formatCount(r.snapshot)} recipients taken from the segment)` : ""}`,
    `  sent ${formatCount(c.sent)}, bounced ${formatCount(c.bounced)}, failed ${formatCount(c.failed)}, suppressed since ${formatCount(c.suppressed)}, uncertain ${formatCount(c.uncertain)}, waiting ${formatCount(c.queued + c.retry)}`,
  ];
  if (r.pausedReason)
    lines.push(`  paused: ${r.pausedReason}; mend it and run \`verity campaign send ${r.campaign}\` again`);
  if (r.nextRetryAt) {
    lines.push(
      `  ${formatCount(c.retry)} deferred after temporary failures; the next is due ${r.nextRetryAt} (run send again, or --wait)`,
    );
  }
  if (c.uncertain > 0) {
    lines.push(
      `  ${formatCount(c.uncertain)} uncertain: handed to the server when the sender stopped, answer unknown; not sent again (see \`verity campaign status ${r.campaign}\`; --resend-uncertain sends them again, with the same Message-ID)`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function registerCampaign(program: Command): void {
  const campaign = program
    .command("campaign")
    .description("email campaigns to a segment, measured by the leads they bring");
  campaign
    .command("create")
    .description("create a campaign (a draft): subject, HTML and/or text body with merge fields, a segment")
    .argument("<name>", "lower-case letters, digits, - and _")
    .requiredOption("--segment <name>", "the saved segment it goes to (evaluated when sending starts)")
    .requiredOption("--subject <text>", "the subject ({{first_name}} and other merge fields allowed)")
    .option("--html <file>", "the HTML body")
    .option("--text <file>", "the text body")
    .option("--utm-campaign <name>", "the utm_campaign of its links (default: the campaign's name)")
    .option("--per-minute <n>", "at most this many messages a minute", integer("--per-minute", 1, 1_000_000))
    .option("--at <time>", "schedule it: verity serve sends it at this moment (ISO 8601, UTC without a zone)")
    .option("--track-opens", "add an open pixel to the HTML (opens are unreliable: shown only beside leads and clicks)")
    .action(
      async (
        name: string,
        flags: {
          at?: string;
          trackOpens?: boolean;
          segment: string;
          subject: string;
          html?: string;
          text?: string;
          utmCampaign?: string;
          perMinute?: number;
        },
        cmd: Command,
      ) => {
        if (!flags.html && !flags.text) throw new UserError("give --html FILE, --text FILE or both");
        const read = async (file: string | undefined) =>
          file === undefined
            ? ""
            : readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
                throw new UserError(`${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
              });
        const [html, text] = [await read(flags.html), await read(flags.text)];
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const workspace = workspaceOf(globals);
        const { campaign: made, warnings } = await withStore(globals, (store) =>
          createCampaign(
            store,
            workspace,
            {
              name,
              sendAt: flags.at ? momentOf(flags.at, "--at") : null,
              segment: flags.segment,
              subject: flags.subject,
              html,
              text,
              utmCampaign: flags.utmCampaign,
              perMinute: flags.perMinute ?? null,
              trackOpens: flags.trackOpens === true,
            },
            "cli",
          ),
        );
        process.stdout.write(
          `created campaign ${made.name} (${made.sendAt ? `scheduled for ${made.sendAt}: verity serve sends it then` : "a draft"}) to segment ${made.segment}, ${made.links.length} tracked link${made.links.length === 1 ? "" : "s"}\n`,
        );
        for (const w of warnings) process.stderr.write(`verity: warning: ${w}\n`);
      },
    );
  campaign
    .command("list")
    .description("the workspace's campaigns")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const campaigns = await withStore(globals, (store) => listCampaigns(store, workspace));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(campaigns, null, 2)}\n`);
        return;
      }
      if (campaigns.length === 0) process.stdout.write(`workspace ${workspace} has no campaigns yet\n`);
      for (const c of campaigns) process.stdout.write(`${c.name}\t${c.status}\t${c.segment}\t${c.subject}\n`);
    });
  campaign
    .command("test")
    .description("send the campaign's message to one address, marked [test] (the outbox is not touched)")
    .argument("<name>", "the campaign")
    .requiredOption("--to <address>", "where the test goes")
    .action(async (name: string, flags: { to: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const sent = await withStore(globals, (store) => sendTest(store, workspace, name, flags.to));
      process.stdout.write(`sent a test of ${name} to ${flags.to}: ${sent.response}\n`);
    });
  campaign
    .command("send")
    .description(
      "send the campaign to its segment now (or go on sending it): an outbox row per recipient first, so a crash sends no address twice and skips none",
    )
    .argument("<name>", "the campaign")
    .option("--without-cta", "send even though the campaign has no call to action")
    .option("--wait", "wait for retries of temporary failures (up to hours) instead of leaving them for a later run")
    .option("--resend-uncertain", "send the uncertain messages again (a recipient may get one twice)")
    .option(
      "--journal-dir <dir>",
      "where the send journal lives (default: verity serve's: DB.ingest/outbox beside the DuckDB file, ./verity-ingest/outbox for PostgreSQL)",
    )
    .option(
      "--journal-lost",
      "go on although the last unfinished run's journal is elsewhere and lost (some may get two)",
    )
    .option("--json", "print JSON")
    .action(
      async (
        name: string,
        flags: {
          withoutCta?: boolean;
          wait?: boolean;
          resendUncertain?: boolean;
          journalDir?: string;
          journalLost?: boolean;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const workspace = workspaceOf(globals);
        const result = await withStore(globals, async (store) => {
          const c = await campaignNamed(store, workspace, name);
          if (c.links.length === 0 && !flags.withoutCta) {
            throw new UserError(
              `campaign ${name} has no call to action (no link asks the reader to do anything): add one, or send with --without-cta`,
            );
          }
          return sendCampaign(store, workspace, name, {
            journalDir: journalDirOf(globals, flags.journalDir),
            waitForRetries: flags.wait ?? false,
            resendUncertain: flags.resendUncertain ?? false,
            journalLost: flags.journalLost ?? false,
          });
        });
        process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatSend(result));
        if (result.pausedReason) process.exitCode = 1;
      },
    );
  campaign
    .command("bounces")
    .description(
      "read bounce reports (DSN) and complaints (ARF) that came back to your bounce mailbox, as .eml files: hard bounces and complaints are suppressed",
    )
    .argument("[files...]", "one message per file (.eml), or - for one on standard input")
    .option(
      "--maildir <dir>",
      "read the messages that arrived in this Maildir (new/), moving them to cur/ (this workspace's reports marked read): run it from cron",
    )
    .option("--json", "print JSON")
    .action(async (files: string[], flags: { json?: boolean; maildir?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      if (flags.maildir !== undefined && files.length > 0) throw new UserError("give files or --maildir, not both");
      if (flags.maildir === undefined && files.length === 0) {
        throw new UserError("give the report files (.eml, or - for standard input), or --maildir DIR");
      }
      if (flags.maildir !== undefined) {
        const dir = flags.maildir;
        const read = await withStore(globals, (store) =>
          applyMaildir(store, workspace, dir).catch((error) => {
            throw error instanceof MaildirError ? new UserError(error.message) : error;
          }),
        );
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(read, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${formatCount(read.messages)} new messages in ${dir}: ${formatCount(read.hard)} hard bounces (suppressed), ${formatCount(read.soft)} other bounces, ${formatCount(read.complaints)} complaints (suppressed), ${formatCount(read.ignored)} delays or temporary failures, ${formatCount(read.unmatched)} not of this workspace's campaigns, ${formatCount(read.notReports)} no bounce report (this workspace's reports marked read, the rest left unread in cur/)\n`,
        );
        return;
      }
      const reports: Report[] = [];
      let notReports = 0;
      for (const file of files) {
        const raw =
          file === "-"
            ? await stdinBytes()
            : await readFile(file).catch((error: NodeJS.ErrnoException) => {
                throw new UserError(`${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
              });
        const report = await readReport(raw);
        if (report) reports.push(report);
        else notReports += 1;
      }
      const summary = await withStore(globals, (store) => applyReports(store, workspace, reports));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...summary, notReports }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${formatCount(summary.reports)} reports: ${formatCount(summary.hard)} hard bounces (suppressed), ${formatCount(summary.soft)} other bounces, ${formatCount(summary.complaints)} complaints (suppressed), ${formatCount(summary.ignored)} delays or temporary failures, ${formatCount(summary.unmatched)} not of this workspace's campaigns${notReports > 0 ? `; ${formatCount(notReports)} files were no bounce report` : ""}\n`,
      );
    });

  campaign
    .command("status")
    .description(
      "where a campaign stands: its outbox by state, and the uncertain messages to look up in the server's log",
    )
    .argument("<name>", "the campaign")
    .option("--json", "print JSON")
    .action(async (name: string, flags: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const out = await withStore(globals, async (store) => {
        const c = await campaignNamed(store, workspace, name);
        const counts = await outboxCounts(store, workspace, c.id);
        const uncertain = await store.query<{ recipient_id: number; address: string | null }>(
          sql`SELECT o.recipient_id, m.address FROM campaign_outbox o
              LEFT JOIN mail_contacts m ON m.workspace_id = o.workspace_id AND m.email_hash = o.email_hash
              WHERE o.workspace_id = ${workspace} AND o.campaign_id = ${c.id} AND o.status = 'uncertain'
              ORDER BY o.recipient_id LIMIT 100`,
        );
        const domain = (await findSmtpSettings(store, workspace))?.fromAddress.split("@")[1] ?? "";
        const results = await campaignResults(store, workspace, c);
        return {
          name: c.name,
          status: c.status,
          results,
          segment: c.segment,
          recipients: c.recipients,
          pausedReason: c.pausedReason,
          startedAt: c.startedAt,
          finishedAt: c.finishedAt,
          counts,
          uncertain: uncertain.map((u) => ({
            address: u.address,
            messageId: `<verity.${c.id}.${Number(u.recipient_id)}@${domain}>`,
          })),
        };
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const c = out.counts;
      const lines = [
        `campaign ${out.name}: ${out.status}, segment ${out.segment}${out.recipients === null ? "" : `, ${formatCount(out.recipients)} recipients`}`,
        `  sent ${formatCount(c.sent)}, bounced ${formatCount(c.bounced)}, failed ${formatCount(c.failed)}, suppressed since ${formatCount(c.suppressed)}, uncertain ${formatCount(c.uncertain)}, waiting ${formatCount(c.queued + c.retry)}`,
      ];
      if (out.pausedReason) lines.push(`  paused: ${out.pausedReason}`);
      const r = out.results;
      lines.push(
        "",
        "What it brought:",
        `  delivered ${formatCount(r.delivered)}, bounced ${formatCount(r.bounced)}, complaints ${formatCount(r.complaints)}, unsubscribed ${formatCount(r.unsubscribed)}`,
        `  clicks ${formatCount(r.clicks)} by ${formatCount(r.uniqueClickers)} ${r.uniqueClickers === 1 ? "person" : "people"} of ${formatCount(r.sent)}; visits ${formatCount(r.visits)}`,
        `  leads ${formatCount(r.leads)} (a clicker's within ${r.attributionDays} days, or first touched by it): ${formatCount(r.qualifiedLeads)} qualified, ${formatCount(r.wonLeads)} won, value ${formatCount(r.wonValue)}`,
        r.opens === null
          ? "  opens: not measured (mail clients that fetch images open every message: opens say little)"
          : `  opens (unreliable: image prefetching opens every message, blocking none): ${formatCount(r.opens)} by ${formatCount(r.uniqueOpeners ?? 0)} of ${formatCount(r.sent)}`,
      );
      if (out.uncertain.length > 0) {
        lines.push("  uncertain (look these Message-IDs up in your SMTP server's log):");
        for (const u of out.uncertain) lines.push(`    ${u.address ?? "(forgotten)"}  ${u.messageId}`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
