/**
 * The files of a Mailchimp export, found, opened and told apart by their header (names vary
 * between exports: `subscribed_members_export_<id>.csv` in older ones,
 * `subscribed_email_audience_export_<id>.csv` in newer ones).
 *
 * Input: the audience export's .zip as downloaded, the account export's .zip, a directory
 * holding either unzipped (searched to any depth), or the CSV files themselves. In a zip or a
 * directory, CSVs of no known kind (the account export holds many) are left alone and counted
 * in a note; a CSV named on the command line that is of no known kind is an error.
 *
 * Kinds, by header:
 * - audience members: `Email Address` with `MEMBER_RATING`, `OPTIN_TIME` or `LEID`; unsubscribed
 *   when it has `UNSUB_TIME`, cleaned when it has `CLEAN_TIME`, non-subscribed (transactional)
 *   by its file name, subscribed otherwise;
 * - campaigns: the campaigns report (`Title`, `Send Date`, `Unique Id`, ...);
 * - activity: the account export's per-contact `granular_activity` files (`Email`,
 *   `Timestamp`, and `Url` for clicks); clicks when the file has a `Url` column or lies under
 *   a folder or name saying clicks, opens otherwise.
 */
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { unpackZip } from "../../crm/export-zip.js";
import { decode, parseSourceText, type SourceFile } from "../../crm/source-file.js";
import { ImportError } from "../../import-error.js";

export type MemberKind = "subscribed" | "unsubscribed" | "cleaned" | "nonsubscribed";
export type Kind = MemberKind | "campaigns" | "opens" | "clicks";

export type MailchimpFile = { kind: Kind; source: SourceFile };

export type Found = { files: MailchimpFile[]; ignored: number };

const CSV = /\.(csv|txt|tsv)$/i;

/** The kind of a file from its path and header, or null. */
export function kindOf(path: string, header: readonly string[]): Kind | null {
  const names = new Set(header.map((h) => h.trim().toLowerCase()));
  const has = (column: string) => names.has(column.toLowerCase());
  const lower = path.toLowerCase();
  if (has("Email Address") && (has("MEMBER_RATING") || has("OPTIN_TIME") || has("LEID"))) {
    if (has("UNSUB_TIME")) return "unsubscribed";
    if (has("CLEAN_TIME")) return "cleaned";
    if (/(^|[^a-z])(non_?subscribed|transactional)/.test(basename(lower))) return "nonsubscribed";
    return "subscribed";
  }
  if (has("Title") && has("Send Date") && has("Unique Id")) return "campaigns";
  if ((has("Email") || has("Email Address")) && has("Timestamp")) {
    return has("Url") || /click/.test(lower) ? "clicks" : "opens";
  }
  return null;
}

/** Every file of the export the paths name (see the module comment). */
export async function locate(paths: readonly string[], scratch: () => Promise<string>): Promise<Found> {
  if (paths.length === 0) {
    throw new ImportError("(no path)", null, null, "name the Mailchimp export's .zip, its directory or its CSV files");
  }
  const found: Found = { files: [], ignored: 0 };
  const open = (name: string, text: string, encoding: Parameters<typeof parseSourceText>[2]) =>
    parseSourceText(name, text, encoding);
  const consider = async (name: string, bytesFrom: string, strict: boolean) => {
    const { text, encoding } = decode(name, await readFile(bytesFrom));
    const source = open(name, text, encoding);
    const kind = kindOf(name, source.header);
    if (kind) found.files.push({ kind, source });
    else if (strict) {
      throw new ImportError(
        name,
        1,
        null,
        "not a file of a Mailchimp export this importer reads (audience members with Email Address and MEMBER_RATING/OPTIN_TIME, the campaigns report with Title, Send Date and Unique Id, or per-contact activity with Email and Timestamp)",
      );
    } else found.ignored += 1;
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (info.isDirectory()) {
      for (const file of await csvFilesUnder(path)) await consider(file, file, false);
    } else if (/\.zip$/i.test(path)) {
      const into = await mkdtemp(join(await scratch(), "zip-"));
      for (const { entry, file } of await unpackZip(path, (entry) => CSV.test(entry), into)) {
        await consider(join(path, entry), file, false);
      }
    } else {
      await consider(path, path, true);
    }
  }
  if (found.files.length === 0) {
    throw new ImportError(
      paths.join(", "),
      null,
      null,
      "no Mailchimp export file found (the audience export's subscribed/unsubscribed/cleaned CSVs, the campaigns report, or per-contact activity)",
    );
  }
  return found;
}

/** The CSV files under a directory, to any depth, in a stable order. */
async function csvFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await csvFilesUnder(path)));
    else if (entry.isFile() && CSV.test(entry.name)) out.push(path);
  }
  return out;
}
