/**
 * Contacts a campaign may mail: the only addresses Verity keeps in clear text, and only with
 * a recorded opt-in (when, and where it was given). Everything else Verity holds about a
 * person is the SHA-256 of the address (identity.ts), which is also how contacts join the
 * leads, subscribers and visitors of a segment.
 *
 * Imported from a file (`verity contact import`, POST /api/contacts): a CSV with an email
 * column and the opt-in's time (and optionally its source, first and last name, company), or
 * a Mailchimp audience export, whose subscribed members become contacts (opted in at
 * CONFIRM_TIME, else OPTIN_TIME), whose unsubscribed members become unsubscribes and whose
 * cleaned members bounces. An import is atomic: one bad row and nothing is written.
 *
 * Forgetting a contact (a person's request to be erased) deletes the address and keeps its
 * hash as an `erased` suppression, so a later import of an old list neither mails nor stores
 * that person again.
 */

import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, parseSourceText, type SourceFile, type SourceRow } from "../ingest/crm/source-file.js";
import { parseTimestamp } from "../ingest/crm/values.js";
import { hashIdentity } from "../ingest/identity.js";
import { ImportError } from "../ingest/import-error.js";
import { ensureWorkspace } from "../ingest/importer.js";
import { kindOf, locate } from "../ingest/marketing/mailchimp/files.js";
import { mailchimpTime } from "../ingest/marketing/mailchimp/times.js";
import { sql } from "../store/sql.js";
import type { StagedColumn, Store } from "../store/store.js";
import { mirrorInTransaction } from "./newsletter-mirror.js";
import type { SuppressionReason } from "./segments.js";

export type ContactInput = {
  address: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  /** UTC, `YYYY-MM-DD HH:MM:SS`. */
  consentAt: string;
  consentSource: string;
};

export type SuppressionInput = { address: string; reason: SuppressionReason; since: string; source: string };

export type ContactImport = { contacts: ContactInput[]; suppressions: SuppressionInput[]; notes: string[] };

export type ContactImportSummary = {
  contacts: number;
  /** Of those, contacts the workspace did not have before. */
  added: number;
  suppressions: number;
  /** Addresses of people who asked to be forgotten: neither stored nor mailed. */
  skippedErased: number;
  notes: string[];
};

/** An address Verity will try to mail: one @, something on both sides, a dot in the domain, no spaces. */
const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\.]+$/;
const MAX_ADDRESS = 254;

/** The address trimmed and lower-cased (as hashed), or why it is not one. */
export function normalizeAddress(value: string): { address: string } | { problem: string } {
  const address = value.trim().toLowerCase();
  if (address === "") return { problem: "a value is required" };
  if (address.length > MAX_ADDRESS) return { problem: `is longer than ${MAX_ADDRESS} characters` };
  // Control and invisible format characters (a zero-width space) would make an address that
  // looks like a lead's contact and hashes differently, so it never joins its lead.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]|\p{Cf}/u.test(address) || !ADDRESS.test(address)) {
    return { problem: `${JSON.stringify(value.slice(0, 80))} is not an email address` };
  }
  return { address };
}

/**
 * An opt-in must have happened: a time in the future (a typo, or a list stamped with a date
 * to come) would outrank every later unsubscribe (segment-sql.ts), so it is refused. A day of
 * slack for clocks and zones.
 */
export function futureConsent(at: string, now = Date.now()): string | null {
  const time = Date.parse(`${at.replace(" ", "T")}Z`);
  return time > now + 86_400_000 ? `${at} is in the future: an opt-in is recorded when it was given` : null;
}

/** Header names a contacts CSV may use for each field (compared ignoring case, spaces and _). */
const COLUMNS = {
  email: ["email", "email address", "e-mail", "address"],
  consentAt: ["consent_at", "consented_at", "opted_in_at", "opt_in_at", "optin_time", "confirm_time", "subscribed_at"],
  consentSource: ["consent_source", "opt_in_source", "source"],
  firstName: ["first_name", "firstname", "first name", "given_name"],
  lastName: ["last_name", "lastname", "last name", "family_name"],
  company: ["company", "organization", "organisation", "account"],
} as const;

function columnFor(source: SourceFile, field: keyof typeof COLUMNS): string | null {
  for (const name of COLUMNS[field]) {
    const found = source.column(name);
    if (found) return found;
  }
  return null;
}

/** The opt-in source a file's rows get when it has no column for it. */
export type ImportOptions = { consentSource?: string; consentAt?: string };

function cell(row: SourceRow, column: string | null): string | null {
  if (column === null) return null;
  const value = row.get(column);
  return value === "" ? null : value;
}

/** A contacts CSV of Verity's own shape (see COLUMNS). */
function readContactsCsv(source: SourceFile, options: ImportOptions, into: ContactImport): void {
  const email = columnFor(source, "email");
  if (!email) {
    throw new ImportError(
      source.file,
      1,
      null,
      `no email column (one of: ${COLUMNS.email.join(", ")}); a Mailchimp audience export is read too`,
    );
  }
  const consentAt = columnFor(source, "consentAt");
  if (!consentAt && !options.consentAt) {
    throw new ImportError(
      source.file,
      1,
      null,
      `no column with the time each contact opted in (one of: ${COLUMNS.consentAt.join(", ")}); only contacts with a recorded opt-in are mailed (give --consented-at for a list whose opt-in is documented elsewhere)`,
    );
  }
  const consentSource = columnFor(source, "consentSource");
  if (!consentSource && !options.consentSource) {
    throw new ImportError(
      source.file,
      1,
      null,
      `no column saying where each contact opted in (one of: ${COLUMNS.consentSource.join(", ")}); give --consent-source "..." for the whole file`,
    );
  }
  const [first, last, company] = [
    columnFor(source, "firstName"),
    columnFor(source, "lastName"),
    columnFor(source, "company"),
  ];
  source.forEachRow((row) => {
    const checked = normalizeAddress(row.get(email));
    if ("problem" in checked) throw new ImportError(source.file, row.line, email, checked.problem);
    let at = options.consentAt ?? "";
    if (consentAt) {
      at = parseTimestamp(source, row.line, consentAt, row.get(consentAt), null) || at;
      if (at === "")
        throw new ImportError(source.file, row.line, consentAt, "a value is required: when did this contact opt in?");
    }
    const future = futureConsent(at);
    if (future) throw new ImportError(source.file, row.line, consentAt ?? "--consented-at", future);
    const from = cell(row, consentSource) ?? options.consentSource;
    if (!from)
      throw new ImportError(
        source.file,
        row.line,
        consentSource,
        "a value is required: where did this contact opt in?",
      );
    into.contacts.push({
      address: checked.address,
      firstName: cell(row, first),
      lastName: cell(row, last),
      company: cell(row, company),
      consentAt: at,
      consentSource: from,
    });
  });
}

/** A Mailchimp audience export's members (files.ts tells the kinds apart by header). */
async function readMailchimp(paths: readonly string[], into: ContactImport): Promise<boolean> {
  const scratchDirs: string[] = [];
  try {
    const found = await locate(paths, async () => {
      const dir = await mkdtemp(join(tmpdir(), "verity-contacts-"));
      scratchDirs.push(dir);
      return dir;
    });
    const members = found.files.filter((f) =>
      ["subscribed", "unsubscribed", "cleaned", "nonsubscribed"].includes(f.kind),
    );
    if (members.length === 0) return false;
    for (const { kind, source } of members) {
      if (kind === "nonsubscribed") {
        into.notes.push(`${source.file}: non-subscribed (transactional) contacts gave no opt-in; not imported`);
        continue;
      }
      const timeOf = (row: SourceRow, column: string) =>
        source.has(column) ? mailchimpTime(source, row.line, column, row.get(column), undefined) : "";
      source.forEachRow((row) => {
        const checked = normalizeAddress(row.get("Email Address"));
        if ("problem" in checked) {
          throw new ImportError(
            source.file,
            row.line,
            source.column("Email Address") ?? "Email Address",
            checked.problem,
          );
        }
        if (kind === "subscribed") {
          const at = timeOf(row, "CONFIRM_TIME") || timeOf(row, "OPTIN_TIME");
          if (at === "") {
            throw new ImportError(
              source.file,
              row.line,
              source.column("CONFIRM_TIME") ?? "CONFIRM_TIME",
              "no CONFIRM_TIME nor OPTIN_TIME: Mailchimp recorded no opt-in for this contact, so it is not mailed",
            );
          }
          const future = futureConsent(at);
          if (future) {
            throw new ImportError(source.file, row.line, source.column("CONFIRM_TIME") ?? "CONFIRM_TIME", future);
          }
          into.contacts.push({
            address: checked.address,
            firstName: source.has("First Name") ? cell(row, source.column("First Name")) : null,
            lastName: source.has("Last Name") ? cell(row, source.column("Last Name")) : null,
            company: source.has("Company") ? cell(row, source.column("Company")) : null,
            consentAt: at,
            consentSource: "mailchimp",
          });
          return;
        }
        const column = kind === "unsubscribed" ? "UNSUB_TIME" : "CLEAN_TIME";
        const since = timeOf(row, column) || timeOf(row, "LAST_CHANGED");
        if (since === "")
          throw new ImportError(source.file, row.line, source.column(column) ?? column, "a value is required");
        into.suppressions.push({
          address: checked.address,
          reason: kind === "unsubscribed" ? "unsubscribed" : "bounced",
          since,
          source: "mailchimp",
        });
      });
    }
    if (found.ignored > 0) into.notes.push(`${found.ignored} other file(s) of the export are not contacts; left alone`);
    return true;
  } finally {
    for (const dir of scratchDirs) await rm(dir, { recursive: true, force: true });
  }
}

/** Reads contact files (see the module comment) into rows, checking every one; writes nothing. */
export async function readContactFiles(paths: readonly string[], options: ImportOptions = {}): Promise<ContactImport> {
  if (paths.length === 0)
    throw new ImportError("(no path)", null, null, "name a contacts CSV or a Mailchimp audience export");
  const into: ContactImport = { contacts: [], suppressions: [], notes: [] };
  const mailchimp: string[] = [];
  const plain: SourceFile[] = [];
  for (const path of paths) {
    // A zip or a folder is an export (Mailchimp's audience export is the one read so far).
    if (/\.zip$/i.test(path) || (await stat(path).catch(() => null))?.isDirectory()) {
      mailchimp.push(path);
      continue;
    }
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new ImportError(
        path,
        null,
        null,
        error.code === "ENOENT" ? "no such file" : `cannot be read (${error.code ?? error.message})`,
      );
    });
    const { text, encoding } = decode(path, bytes);
    const source = parseSourceText(path, text, encoding);
    if (kindOf(path, source.header) !== null) mailchimp.push(path);
    else plain.push(source);
  }
  for (const source of plain) readContactsCsv(source, options, into);
  if (mailchimp.length > 0 && !(await readMailchimp(mailchimp, into))) {
    throw new ImportError(
      mailchimp[0] as string,
      null,
      null,
      "holds no Mailchimp audience members (Email Address with OPTIN_TIME)",
    );
  }
  return into;
}

const CONTACT_COLUMNS: StagedColumn[] = [
  { name: "email_hash", type: "text" },
  { name: "address", type: "text" },
  { name: "first_name", type: "text" },
  { name: "last_name", type: "text" },
  { name: "company", type: "text" },
  { name: "consent_at", type: "text" },
  { name: "consent_source", type: "text" },
];
const SUPPRESSION_COLUMNS: StagedColumn[] = [
  { name: "email_hash", type: "text" },
  { name: "reason", type: "text" },
  { name: "since", type: "text" },
  { name: "source", type: "text" },
];

/**
 * Writes what readContactFiles read, in one transaction (with `replaceSource`, first removing
 * the workspace's contacts of that opt-in source): contacts replace the workspace's
 * contacts with the same address (one row per address: the latest opt-in of a file wins);
 * suppressions are added (the latest time kept per address and reason). Addresses with an
 * `erased` suppression are skipped.
 */
export async function writeContacts(
  store: Store,
  workspace: string,
  read: ContactImport,
  options: { replaceSource?: string } = {},
): Promise<ContactImportSummary> {
  const byHash = new Map<string, ContactInput & { hash: string }>();
  for (const c of read.contacts) {
    const hash = hashIdentity(c.address) as string;
    const earlier = byHash.get(hash);
    if (!earlier || earlier.consentAt <= c.consentAt) byHash.set(hash, { ...c, hash });
  }
  const suppressions = new Map<string, SuppressionInput & { hash: string }>();
  for (const s of read.suppressions) {
    const hash = hashIdentity(s.address) as string;
    const key = `${hash} ${s.reason}`;
    const earlier = suppressions.get(key);
    if (!earlier || earlier.since <= s.since) suppressions.set(key, { ...s, hash });
  }
  const now = new Date().toISOString();
  return store.transaction(async () => {
    await ensureWorkspace(store, workspace);
    // The demo's contacts replace the demo's earlier ones, in the same transaction.
    if (options.replaceSource !== undefined) {
      await store.execute(
        sql`DELETE FROM mail_contacts WHERE workspace_id = ${workspace} AND consent_source = ${options.replaceSource}`,
      );
    }
    await store.stageRows(
      "verity_contacts",
      CONTACT_COLUMNS,
      [...byHash.values()].map((c) => [
        c.hash,
        c.address,
        c.firstName,
        c.lastName,
        c.company,
        c.consentAt,
        c.consentSource,
      ]),
    );
    await store.stageRows(
      "verity_suppressions",
      SUPPRESSION_COLUMNS,
      [...suppressions.values()].map((s) => [s.hash, s.reason, s.since, s.source]),
    );
    const [erased] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM verity_contacts c
          WHERE c.email_hash IN (SELECT email_hash FROM mail_suppressions WHERE workspace_id = ${workspace} AND reason = 'erased')`,
    );
    await store.execute(
      sql`DELETE FROM verity_contacts WHERE email_hash IN (
            SELECT email_hash FROM mail_suppressions WHERE workspace_id = ${workspace} AND reason = 'erased')`,
    );
    const [existing] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM verity_contacts c
          WHERE c.email_hash IN (SELECT email_hash FROM mail_contacts WHERE workspace_id = ${workspace})`,
    );
    const [total] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM verity_contacts`);
    await store.execute(
      sql`DELETE FROM mail_contacts WHERE workspace_id = ${workspace}
          AND email_hash IN (SELECT email_hash FROM verity_contacts)`,
    );
    await store.execute(
      sql`INSERT INTO mail_contacts (workspace_id, email_hash, address, first_name, last_name, company, consent_at, consent_source, imported_at)
          SELECT ${workspace}, email_hash, address, first_name, last_name, company, CAST(consent_at AS TIMESTAMP), consent_source,
            CAST(${now} AS TIMESTAMP)
          FROM verity_contacts`,
    );
    // A suppression already recorded keeps the later of the two times.
    await store.execute(
      sql`DELETE FROM verity_suppressions WHERE EXISTS (
            SELECT 1 FROM mail_suppressions x WHERE x.workspace_id = ${workspace} AND x.email_hash = verity_suppressions.email_hash
              AND x.reason = verity_suppressions.reason AND x.since >= CAST(verity_suppressions.since AS TIMESTAMP))`,
    );
    await store.execute(
      sql`DELETE FROM mail_suppressions WHERE workspace_id = ${workspace} AND EXISTS (
            SELECT 1 FROM verity_suppressions s WHERE s.email_hash = mail_suppressions.email_hash AND s.reason = mail_suppressions.reason)`,
    );
    await store.execute(
      sql`INSERT INTO mail_suppressions (workspace_id, email_hash, reason, since, source, detail)
          SELECT ${workspace}, email_hash, reason, CAST(since AS TIMESTAMP), source, NULL FROM verity_suppressions`,
    );
    await store.execute(sql`DROP TABLE verity_contacts`);
    await store.execute(sql`DROP TABLE verity_suppressions`);
    // The list's subscribers as the newsletter metrics read them (newsletter-mirror.ts).
    await mirrorInTransaction(store, workspace);
    const contacts = Number(total?.n ?? 0);
    return {
      contacts,
      added: contacts - Number(existing?.n ?? 0),
      suppressions: suppressions.size,
      skippedErased: Number(erased?.n ?? 0),
      notes: read.notes,
    };
  });
}

/**
 * Forgets a person: deletes their contact and records their hash as erased (kept so that no
 * later import stores or mails the address again). True when the address was a contact.
 */
export async function forgetContact(store: Store, workspace: string, address: string): Promise<boolean> {
  const hash = hashIdentity(address);
  if (!hash) throw new ImportError("address", null, null, "give the address to forget");
  const now = new Date().toISOString();
  return store.transaction(async () => {
    const [had] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM mail_contacts WHERE workspace_id = ${workspace} AND email_hash = ${hash}`,
    );
    await store.execute(sql`DELETE FROM mail_contacts WHERE workspace_id = ${workspace} AND email_hash = ${hash}`);
    // An SMTP server's refusal often repeats the address ("550 5.1.1 <ann@...>: unknown"):
    // the texts kept for this person go too.
    await store.execute(
      sql`UPDATE campaign_outbox SET smtp_response = NULL, error = NULL WHERE workspace_id = ${workspace} AND email_hash = ${hash}`,
    );
    await store.execute(
      sql`UPDATE mail_suppressions SET detail = NULL WHERE workspace_id = ${workspace} AND email_hash = ${hash}`,
    );
    await store.execute(
      sql`DELETE FROM mail_suppressions WHERE workspace_id = ${workspace} AND email_hash = ${hash} AND reason = 'erased'`,
    );
    await store.execute(
      sql`INSERT INTO mail_suppressions (workspace_id, email_hash, reason, since, source, detail)
          VALUES (${workspace}, ${hash}, 'erased', CAST(${now} AS TIMESTAMP), 'request', NULL)`,
    );
    // The address is no longer on the list: its subscription ends now.
    await mirrorInTransaction(store, workspace);
    return Number(had?.n ?? 0) > 0;
  });
}

/** Counts for `verity contact list` and GET /api/contacts: contacts, and suppressions by reason. */
export async function contactCounts(store: Store, workspace: string) {
  const [contacts] = await store.query<{ n: number }>(
    sql`SELECT count(*) AS n FROM mail_contacts WHERE workspace_id = ${workspace}`,
  );
  const reasons = await store.query<{ reason: SuppressionReason; n: number }>(
    sql`SELECT reason, count(*) AS n FROM mail_suppressions WHERE workspace_id = ${workspace} GROUP BY reason ORDER BY reason`,
  );
  return {
    contacts: Number(contacts?.n ?? 0),
    suppressions: Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)])) as Partial<
      Record<SuppressionReason, number>
    >,
  };
}
