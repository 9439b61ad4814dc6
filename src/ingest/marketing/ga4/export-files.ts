/**
 * Which files of a GA4 BigQuery export an import reads. Users extract the `events_YYYYMMDD`
 * tables with `bq extract` (or the console's export) as newline-delimited JSON, optionally
 * gzipped, or as Parquet; a large table is split over several files by a wildcard URI
 * (`events_20240101-000000000000.json`). A directory is read whole: every JSON-lines and
 * Parquet file in it, in name order.
 */
import { open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { ImportError } from "../../import-error.js";

export type ExportFiles = { json: string[]; parquet: string[] };

const JSON_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;
const PARQUET_FILE = /\.parquet$/i;

/** The JSON-lines and Parquet files the user's paths name (files, or directories of them). */
export async function exportFiles(paths: readonly string[]): Promise<ExportFiles> {
  if (paths.length === 0) throw new ImportError("(no path)", null, null, "name the GA4 export's files or directory");
  const out: ExportFiles = { json: [], parquet: [] };
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => JSON_FILE.test(n) || PARQUET_FILE.test(n)).sort();
      if (names.length === 0) {
        throw new ImportError(
          path,
          null,
          null,
          "holds no GA4 export files (events_*.json, .jsonl, .ndjson, their .gz, or .parquet)",
        );
      }
      for (const name of names) add(out, join(path, name));
    } else {
      if (!JSON_FILE.test(basename(path)) && !PARQUET_FILE.test(basename(path))) {
        throw new ImportError(
          path,
          null,
          null,
          "is not a GA4 export file: the ga4 format reads newline-delimited JSON (.json, .jsonl, .ndjson, optionally .gz) or .parquet",
        );
      }
      add(out, path);
    }
  }
  for (const file of out.json) await checkEncoding(file);
  return out;
}

/**
 * BigQuery writes UTF-8 without a byte-order mark, and DuckDB's JSON reader refuses anything
 * else at its first byte with a message about JSON: a file re-saved by an editor (a mark, or
 * UTF-16) is named for what it is instead.
 */
async function checkEncoding(file: string): Promise<void> {
  if (/\.gz$/i.test(file)) return;
  const handle = await open(file, "r");
  const head = Buffer.alloc(3);
  try {
    await handle.read(head, 0, 3, 0);
  } finally {
    await handle.close();
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    throw new ImportError(
      file,
      1,
      null,
      "starts with a byte-order mark (the file was re-saved by an editor; BigQuery writes none, and the JSON reader refuses it): save it as UTF-8 without the mark",
    );
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new ImportError(file, 1, null, "is UTF-16 text; BigQuery's export is UTF-8: save it as UTF-8");
  }
}

function add(out: ExportFiles, file: string): void {
  (PARQUET_FILE.test(file) ? out.parquet : out.json).push(file);
}
