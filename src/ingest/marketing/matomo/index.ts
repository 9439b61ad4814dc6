/**
 * Matomo's visits log, as its API exports it (`Live.getLastVisitsDetails`, format=JSON or
 * format=CSV), into canonical visits and visitor identities. The files' layouts are in
 * json-visits.ts and csv-visits.ts, the mapping in visits.ts, the times in site-time.ts;
 * notes/doc16-matomo.md documents them with their sources.
 *
 * Several files (pages of one export, or months) import together: a visit in two of them is
 * imported once. A directory imports its .json and .csv files.
 */
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { CanonicalTables } from "../../crm/canonical-tables.js";
import { Problems } from "../../crm/problems.js";
import { ImportError } from "../../import-error.js";
import type { FileSample, Importer, PreparedImport } from "../../importer.js";
import { readCsvVisits } from "./csv-visits.js";
import { readJsonVisits } from "./json-visits.js";
import type { VisitRecord } from "./record.js";
import { knownZone } from "./site-time.js";
import { MATOMO_SOURCE, MatomoVisits } from "./visits.js";

export { MATOMO_SOURCE };

export const matomoImporter: Importer = {
  format: "matomo",
  description: "Matomo visits log (Live.getLastVisitsDetails, JSON or CSV)",
  recognise: recogniseMatomo,
  async prepare(paths, options): Promise<PreparedImport> {
    if (paths.length === 0) throw new ImportError("", null, null, "give the Matomo visits log export (JSON or CSV)");
    const zone = options.timezone ?? null;
    if (zone !== null && !knownZone(zone)) {
      throw new ImportError(
        "--timezone",
        null,
        null,
        `${JSON.stringify(zone)} is not an IANA time zone (such as Europe/Stockholm)`,
      );
    }
    const tables = new CanonicalTables();
    const problems = new Problems(options.collectProblems ?? false);
    try {
      const files = await filesOf(paths);
      const visits = new MatomoVisits(tables, problems, zone);
      // Records read, skipped ones included: none at all is an empty answer (`[]`) or a file
      // cut inside its header, never an import of nothing that looks like a success.
      let records = 0;
      for (const file of files) {
        const each = (visit: () => VisitRecord) => {
          records += 1;
          visits.add(file, visit);
        };
        const read = (await looksJson(file)) ? readJsonVisits(file, each) : readCsvVisits(file, each);
        // A whole-file problem (not JSON, a missing column) is a problem of its own in a dry run.
        await read.catch((error: unknown) => {
          if (error instanceof ImportError) problems.add(error);
          else throw error;
        });
      }
      if (records === 0 && problems.count === 0) {
        problems.add(
          new ImportError(
            files.join(", "),
            null,
            null,
            "holds no visits (an empty export: check idSite, period, date and filter_limit=-1; or a file cut short)",
          ),
        );
      }
      visits.finish(files[0] ?? paths.join(", "));
      const prepared = await tables.prepare(MATOMO_SOURCE, []);
      problems.attach(prepared);
      return prepared;
    } catch (error) {
      tables.discard();
      throw error;
    }
  },
};

/** The JSON export's visits and the CSV's header both carry idVisit and visitorId. */
export function recogniseMatomo(sample: FileSample): string | null {
  const json = sample.json;
  if (json && "idVisit" in json && "visitorId" in json && "actionDetails" in json) {
    return `${sample.name} is Matomo's visits log (Live.getLastVisitsDetails: idVisit, visitorId, actionDetails)`;
  }
  const header = sample.header;
  if (header?.includes("idVisit") && header.includes("visitorId")) {
    return `${sample.name} is Matomo's visits log as CSV (Live.getLastVisitsDetails: idVisit, visitorId)`;
  }
  return null;
}

/** The files named, a directory's .json and .csv files in name order. */
async function filesOf(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => /\.(json|csv|tsv)$/i.test(n)).sort();
    if (names.length === 0) throw new ImportError(path, null, null, "no .json or .csv files here");
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

/** JSON by its name, or by its first character (a `.txt` download of format=JSON). */
async function looksJson(file: string): Promise<boolean> {
  if (/\.json$/i.test(file)) return true;
  if (/\.(csv|tsv)$/i.test(file)) return false;
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    return /^(\uFEFF)?\s*[[{]/.test(buffer.subarray(0, bytesRead).toString("utf8"));
  } finally {
    await handle.close();
  }
}
