/**
 * Campaigns from the command line (issue 18): `verity contact` (the opted-in contacts a
 * campaign may mail, and forgetting one) and `verity segment` (who a campaign goes to:
 * saved definitions, previewed with their count and a sample). docs/campaigns.md has the
 * definition language.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { contactCounts, forgetContact, readContactFiles, writeContacts } from "../../campaigns/contacts.js";
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
import { type GlobalOptions, withStore, workspaceOf } from "../context.js";
import { formatCount, UserError } from "../output.js";

/** A moment from a flag: ISO 8601 (a date alone is its midnight, UTC). */
function momentOf(value: string, flag: string): Date {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
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
}
