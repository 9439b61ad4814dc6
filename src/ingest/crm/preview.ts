/**
 * The first converted rows of each canonical table, for `verity import --dry-run`: what the
 * import would load, read back from the files any importer's prepare() wrote (so the preview
 * shows exactly what the loader would read, not a second rendering of the rows).
 */
import { readFile } from "node:fs/promises";
import Papa from "papaparse";
import { TABLE_ORDER } from "../../model/canonical.js";
import type { PreparedImport } from "../importer.js";

export type TablePreview = { table: string; columns: string[]; rows: string[][]; total: number };

/** Up to `perTable` rows of each converted table, in load order, with the table's row count. */
export async function previewRows(prepared: PreparedImport, perTable = 5): Promise<TablePreview[]> {
  const files = [...prepared.files].sort((a, b) => TABLE_ORDER.indexOf(a.table) - TABLE_ORDER.indexOf(b.table));
  const previews: TablePreview[] = [];
  for (const file of files) {
    const text = (await readFile(file.file, "utf8")).replace(/^\uFEFF/, "");
    const parsed = Papa.parse<string[]>(text, { header: false, skipEmptyLines: true });
    const [header = [], ...rows] = parsed.data;
    previews.push({
      table: file.table,
      columns: header.length > 0 ? header : [...file.columns],
      rows: rows.slice(0, Math.max(0, perTable)),
      total: rows.length,
    });
  }
  return previews;
}
