/**
 * The files of a Salesforce weekly Data Export, found and opened.
 *
 * Input: one directory holding the export's CSVs, or the CSV files themselves, recognised by
 * file name ignoring case (`Opportunity.csv`, `OpportunityHistory.csv`, `Task.csv`,
 * `Event.csv`, `Lead.csv`, `Campaign.csv`, `User.csv`, `Account.csv`). Only Opportunity.csv
 * is required. Other files of a directory (the export has dozens) are ignored; a file named
 * on the command line that is none of these is an error, and so is the same object twice.
 * The export .zip as downloaded is read too (several zips of one large export together):
 * its known CSVs, in any folder of the zip, are unpacked one by one to a temporary folder
 * (removed when the import is prepared) within the limits of export-zip.ts (entries, sizes,
 * compression ratio), and messages name them as `<zip path>/Opportunity.csv`.
 */
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { ImportError } from "../../import-error.js";
import type { FormatOptions } from "../../importer.js";
import { unpackZip } from "../export-zip.js";
import { decode, parseSourceText, readSourceFile, type SourceFile } from "../source-file.js";
import { type DateOrder, dateOrderOf } from "../values.js";

export const OBJECTS = {
  opportunity: "Opportunity.csv",
  history: "OpportunityHistory.csv",
  task: "Task.csv",
  event: "Event.csv",
  lead: "Lead.csv",
  campaign: "Campaign.csv",
  user: "User.csv",
  account: "Account.csv",
} as const;
export type ObjectName = keyof typeof OBJECTS;

/**
 * A file of the export: `name` is what messages show (the path given, or `<zip>/<entry>`);
 * `unpacked` where a zip's entry was unpacked to.
 */
export type ExportFile = { name: string; unpacked?: string };
export type Located = Partial<Record<ObjectName, ExportFile>>;

const objectOf = (file: string): ObjectName | null => {
  const name = basename(file).toLowerCase();
  for (const [object, fileName] of Object.entries(OBJECTS) as [ObjectName, string][]) {
    if (fileName.toLowerCase() === name) return object;
  }
  return null;
};

export async function locate(paths: readonly string[], scratch: () => Promise<string>): Promise<Located> {
  if (paths.length === 0) {
    throw new ImportError("(no path)", null, null, "name the Data Export's directory, its .zip or its CSV files");
  }
  const found: Located = {};
  const add = (object: ObjectName, file: ExportFile) => {
    const earlier = found[object];
    if (earlier !== undefined) {
      throw new ImportError(
        file.name,
        null,
        null,
        `${OBJECTS[object]} is given twice (also ${earlier.name}); import one export at a time`,
      );
    }
    found[object] = file;
  };
  const known = Object.values(OBJECTS).join(", ");
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (info.isDirectory()) {
      for (const name of (await readdir(path)).sort()) {
        const object = objectOf(name);
        if (object) add(object, { name: join(path, name) });
      }
    } else if (/\.zip$/i.test(path)) {
      // Only the CSVs this importer reads are unpacked (the export holds dozens more).
      const into = await mkdtemp(join(await scratch(), "zip-"));
      for (const { entry, file } of await unpackZip(path, (entry) => objectOf(entry) !== null, into)) {
        add(objectOf(entry) as ObjectName, { name: join(path, entry), unpacked: file });
      }
    } else {
      const object = objectOf(path);
      if (!object) {
        throw new ImportError(
          path,
          null,
          null,
          `not a file of a Salesforce Data Export this importer reads (${known})`,
        );
      }
      add(object, { name: path });
    }
  }
  if (found.opportunity === undefined) {
    throw new ImportError(
      paths.join(", "),
      null,
      null,
      `no ${OBJECTS.opportunity} found; the Salesforce Data Export's Opportunity.csv is required (optional: ${known})`,
    );
  }
  return found;
}

/** A source file with its slashed-date order settled (Salesforce writes ISO; Excel may not). */
export type Source = { file: SourceFile; order: DateOrder | null; name: string };

export async function open(
  file: ExportFile,
  object: ObjectName,
  required: readonly string[],
  dateColumns: readonly string[],
  options: FormatOptions,
): Promise<Source> {
  let source: SourceFile;
  if (file.unpacked) {
    const { text, encoding } = decode(file.name, await readFile(file.unpacked));
    source = parseSourceText(file.name, text, encoding, required);
  } else {
    source = await readSourceFile(file.name, required);
  }
  const present = dateColumns.filter((c) => source.has(c));
  return { file: source, order: dateOrderOf(source, present, options.dateFormat), name: OBJECTS[object] };
}
