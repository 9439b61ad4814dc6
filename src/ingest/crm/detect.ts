/**
 * Which format a user's files are, from their names and header lines, for `verity import`
 * without `--format`. Only signatures no other format shares count (docs/import-formats.md);
 * anything less certain asks for `--format` instead of guessing. Nutshell is never chosen
 * here: its export layout is an assumption (docs/import-formats.md), so it must be named.
 */
import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { createGunzip } from "node:zlib";
import Papa from "papaparse";
import yauzl from "yauzl";
import { TABLES } from "../../model/canonical.js";
import { VerityError } from "../../model/errors.js";
import { ImportError } from "../import-error.js";
import type { FileSample } from "../importer.js";
import { IMPORTERS } from "../importers.js";
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
async function firstBytes(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const SAMPLE_BYTES = 256 * 1024;

async function headerOf(file: string, sample?: Buffer): Promise<string[]> {
  let bytes = sample ?? (await firstBytes(file));
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

/** Every format, for the sentence that asks for --format (the mapped CSV has its own clause). */
const formatNames = () =>
  Object.keys(IMPORTERS)
    .filter((f) => f !== "csv")
    .join("|");

/** Names of files that are not delimited text: their header is not read. */
const BINARY = /\.(xlsx|xls|parquet|zip|gz)$/i;
const JSON_NAME = /\.(json|jsonl|ndjson)$/i;

/**
 * The first record of a JSON file: the first line of JSON lines, or the first element of an
 * array (found by matching its braces, so a large export is not read whole); null if neither.
 */
export function firstJsonRecord(text: string): Record<string, unknown> | null {
  const start = text.search(/\S/);
  if (start < 0) return null;
  let from = start;
  if (text[start] === "[") {
    from = text.indexOf("{", start);
    if (from < 0) return null;
  } else if (text[start] !== "{") return null;
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) {
        try {
          const value: unknown = JSON.parse(text.slice(from, i + 1));
          return value !== null && typeof value === "object" && !Array.isArray(value)
            ? (value as Record<string, unknown>)
            : null;
        } catch {
          return null;
        }
      }
    }
  }
  return null;
}

/**
 * The first bytes of a gzipped file (event exports are often `.jsonl.gz`), unpacked as far
 * as the sample needs and no further; null when it is no gzip.
 */
async function firstGunzippedBytes(file: string): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SAMPLE_BYTES) break;
    }
  } catch {
    if (size === 0) return null;
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, SAMPLE_BYTES);
}

/** The entry names of a zip, without unpacking it. */
function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const names: string[] = [];
      zip.on("entry", (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on("end", () => resolve(names));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

/** What detection reads of a file for the importers' `recognise`. */
export async function sampleOf(file: string): Promise<FileSample> {
  const name = basename(file);
  if (/\.zip$/i.test(name)) {
    const entries = await zipEntries(file).catch(() => null);
    return { name, path: file, header: null, json: null, entries };
  }
  const gzipped = /\.gz$/i.test(name);
  if (BINARY.test(name) && !gzipped) return { name, path: file, header: null, json: null, entries: null };
  const bytes = gzipped ? await firstGunzippedBytes(file) : await firstBytes(file);
  if (bytes === null) return { name, path: file, header: null, json: null, entries: null };
  const text = bytes.toString("utf8");
  const looksJson = JSON_NAME.test(name) || /^\s*[[{]/.test(text);
  if (looksJson) return { name, path: file, header: null, json: firstJsonRecord(text), entries: null };
  return { name, path: file, header: await headerOf(file, bytes), json: null, entries: null };
}

const EXPORT_NAME = /\.(csv|tsv|txt|json|jsonl|ndjson|parquet|xlsx|xls|zip|gz)$/i;
/** How deep detection looks into a folder whose top level holds no export file. */
const FOLDER_DEPTH = 3;

/**
 * A folder's export files: those at its top level, or, when it has none, those of its
 * sub-folders (an unzipped account export: Mailchimp's `audience/` and
 * `reports/granular_activity/opens/`), up to FOLDER_DEPTH levels, in name order.
 */
async function exportFilesIn(dir: string, depth = 0): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files = entries.filter((e) => e.isFile() && EXPORT_NAME.test(e.name)).map((e) => join(dir, e.name));
  if (files.length > 0 || depth >= FOLDER_DEPTH) return files;
  const nested: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && !entry.name.startsWith("."))
      nested.push(...(await exportFilesIn(join(dir, entry.name), depth + 1)));
  }
  return nested;
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
      files.push(...(await exportFilesIn(path)));
    } else {
      // Told apart before any format is guessed: an empty download or a broken zip is what
      // the user must hear about, not "cannot tell the format" nor a Salesforce export.
      if (info.size === 0) throw new ImportError(path, null, null, "the file is empty (0 bytes); download it again");
      if (/\.zip$/i.test(path)) {
        const error = await zipEntries(path).then(
          () => null,
          (e: unknown) => e,
        );
        if (error !== null) {
          const why = error instanceof Error ? error.message : String(error);
          throw new ImportError(path, null, null, `not a readable zip file (${why}); download the export again`);
        }
      }
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
    const sample = await sampleOf(file);
    const detected = sample.header ? fromHeader(sample.name, sample.header) : null;
    if (detected) {
      found.set(detected.format, detected);
      continue;
    }
    const recognised = Object.values(IMPORTERS).flatMap((importer) => {
      const reason = importer.recognise?.(sample);
      return reason ? [{ format: importer.format, reason }] : [];
    });
    for (const r of recognised) found.set(r.format, r);
    if (recognised.length === 0 && /\.zip$/i.test(sample.name)) {
      // Salesforce delivers its weekly Data Export as zips; a zip no other format claims is one.
      found.set("salesforce", { format: "salesforce", reason: `${sample.name} is a zip (a Salesforce Data Export)` });
    }
  }
  if (found.size === 1) return [...found.values()][0] as Detected;
  if (found.size > 1) {
    throw new UnknownFormat(
      `the files look like several formats (${[...found.keys()].join(", ")}); import each export on its own, with --format`,
    );
  }
  throw new UnknownFormat(
    `cannot tell the format of ${paths.join(", ")} from its name and header; give --format ${formatNames()}, or --format csv --mapping FILE for any other CSV`,
  );
}
