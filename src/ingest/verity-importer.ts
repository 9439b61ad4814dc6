/**
 * Verity's own canonical format: a directory with one CSV per table (see canonical.ts and
 * the README), or a single such file. Also what `verity simulate` writes.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { CANONICAL_SOURCE, TABLE_ORDER, TABLES, type TableName } from "../model/canonical.js";
import { readHeader } from "./csv-lines.js";
import { ImportError } from "./import-error.js";
import { type Importer, onePath, type PreparedImport, type TableFile } from "./importer.js";

const TABLE_BY_FILE = new Map<string, TableName>(TABLE_ORDER.map((name) => [TABLES[name].file, name]));

export const verityImporter: Importer = {
  format: "verity",
  description: "Verity's canonical CSV files (one per table), as `verity simulate` writes them",
  async prepare(paths: readonly string[]): Promise<PreparedImport> {
    const path = onePath("verity", paths);
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    const candidates = info.isDirectory()
      ? (await readdir(path)).filter((name) => name.toLowerCase().endsWith(".csv")).sort()
      : [basename(path)];
    const directory = info.isDirectory() ? path : join(path, "..");
    if (candidates.length === 0) {
      throw new ImportError(
        path,
        null,
        null,
        `no CSV files here; expected some of ${[...TABLE_BY_FILE.keys()].join(", ")}`,
      );
    }
    const files: TableFile[] = [];
    for (const name of candidates) {
      const tableName = TABLE_BY_FILE.get(name);
      const file = join(directory, name);
      if (!tableName) {
        throw new ImportError(
          file,
          null,
          null,
          `not a Verity table file; the file names are ${[...TABLE_BY_FILE.keys()].join(", ")}`,
        );
      }
      files.push({ table: tableName, file, columns: await checkHeader(file, tableName), displayName: file });
    }
    return { sourceSystem: CANONICAL_SOURCE, files, skipped: [], notes: [], lacks: [], cleanup: async () => {} };
  },
};

/** The header's names, each a known column of the table and none twice. */
async function checkHeader(file: string, tableName: TableName): Promise<string[]> {
  const header = await readHeader(file);
  const known: readonly string[] = TABLES[tableName].columns.map((c) => c.name);
  const seen = new Set<string>();
  if (header.length === 0 || (header.length === 1 && header[0] === "")) {
    throw new ImportError(file, 1, null, "the file is empty; the first line must be the header");
  }
  for (const name of header) {
    if (!known.includes(name)) {
      throw new ImportError(
        file,
        1,
        name,
        `unknown column; the columns of ${TABLES[tableName].file} are ${known.join(", ")}`,
      );
    }
    if (seen.has(name)) throw new ImportError(file, 1, name, "the column appears twice in the header");
    seen.add(name);
  }
  return header;
}
