/**
 * Which format a user's files are, from their names and header lines, for `verity import`
 * without `--format`. Only signatures no other format shares count (docs/import-formats.md);
 * anything less certain asks for `--format` instead of guessing. Nutshell is never chosen
 * here: its export layout is an assumption (docs/import-formats.md), so it must be named.
 */
import { open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import Papa from "papaparse";
import { TABLES } from "../../model/canonical.js";
import { VerityError } from "../../model/errors.js";
import { decode, detectDelimiter } from "./source-file.js";

export type Detected = { format: string; reason: string };

/** Files whose format cannot be told: the sentence says why, and `--format` (query.format) is the fix. */
export class UnknownFormat extends VerityError {
  override name = "UnknownFormat";

  constructor(message: string) {
    super("unknown_format", message, "format");
  }
}

/**
 * The header cells of a file. A file that cannot be decoded (UTF-16 without a BOM, ...)
 * throws its ImportError: that sentence helps more than "unknown format".
 */
async function headerOf(file: string): Promise<string[]> {
  const handle = await open(file, "r");
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  // Up to the end of the first line, so a character cut in two at the buffer's end is not
  // taken for a wrong encoding (UTF-16 ends its newline with a zero byte).
  const utf16 = bytes[0] === 0xff || bytes[0] === 0xfe;
  const newline = bytes.indexOf(0x0a);
  if (newline >= 0) bytes = bytes.subarray(0, newline + (utf16 ? 2 : 1));
  const { text } = decode(file, bytes);
  const end = text.search(/\r?\n/);
  const first = end < 0 ? text : text.slice(0, end);
  const parsed = Papa.parse<string[]>(first, { delimiter: detectDelimiter(first), header: false });
  return (parsed.data[0] ?? []).map((c) => c.trim());
}

function fromHeader(name: string, header: readonly string[]): Detected | null {
  const has = (column: string) => header.includes(column);
  if (has("FromOpportunityStageName") || (has("StageName") && has("IsWon") && has("IsClosed"))) {
    return { format: "salesforce", reason: `${name} has Salesforce's Opportunity columns` };
  }
  if (header.some((c) => /^Date entered ["'].*\(.*\)["']$/.test(c)) || (has("Record ID") && has("Deal Stage"))) {
    return {
      format: "hubspot",
      reason: `${name} has HubSpot's deal columns (Record ID, Deal Stage, Date entered ...)`,
    };
  }
  if (header.length > 0 && header.some((c) => c.startsWith("Deal - ")) && header.includes("Deal - Status")) {
    return { format: "pipedrive", reason: `${name} has Pipedrive's "Deal - ..." columns` };
  }
  if (has("opportunity_id") && has("deal_stage") && has("engage_date")) {
    return { format: "maven", reason: `${name} is the Maven dataset's sales_pipeline.csv` };
  }
  return null;
}

/** The format of `paths`, or UnknownFormat with a sentence saying why it cannot tell. */
export async function detectFormat(paths: readonly string[]): Promise<Detected> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new UnknownFormat(`${path}: no such file or directory`);
    if (info.isDirectory()) {
      const names = await readdir(path);
      if (names.some((n) => n.toLowerCase() === "opportunity.csv")) {
        return { format: "salesforce", reason: `${path} holds a Salesforce Data Export (Opportunity.csv)` };
      }
      if (names.includes("sales_pipeline.csv")) {
        return { format: "maven", reason: `${path} holds the Maven dataset (sales_pipeline.csv)` };
      }
      const canonicalFiles: string[] = Object.values(TABLES).map((t) => t.file);
      if (names.some((n) => canonicalFiles.includes(n))) {
        const first = canonicalFiles.find((c) => names.includes(c));
        return { format: "verity", reason: `${path} holds Verity's canonical files (${first}, ...)` };
      }
      for (const n of names) if (/\.(csv|tsv|txt)$/i.test(n)) files.push(join(path, n));
    } else if (/\.zip$/i.test(path)) {
      // Salesforce delivers its weekly Data Export as zips; no other format here is zipped.
      return { format: "salesforce", reason: `${basename(path)} is a zip (a Salesforce Data Export)` };
    } else {
      files.push(path);
    }
  }
  const found = new Map<string, Detected>();
  const canonical: string[] = Object.values(TABLES).map((t) => t.file);
  for (const file of files) {
    if (canonical.includes(basename(file))) {
      found.set("verity", { format: "verity", reason: `${basename(file)} is a Verity canonical file` });
      continue;
    }
    const detected = fromHeader(basename(file), await headerOf(file));
    if (detected) found.set(detected.format, detected);
  }
  if (found.size === 1) return [...found.values()][0] as Detected;
  if (found.size > 1) {
    throw new UnknownFormat(
      `the files look like several formats (${[...found.keys()].join(", ")}); import each export on its own, with --format`,
    );
  }
  throw new UnknownFormat(
    `cannot tell the format of ${paths.join(", ")} from the header; give --format salesforce|hubspot|pipedrive|nutshell|maven|verity, or --format csv --mapping FILE for any other CSV`,
  );
}
