/**
 * The canonical rows a CRM importer builds, written as canonical table files into a
 * temporary directory for the shared loader (src/ingest/importer.ts), which checks them
 * again and loads them in one transaction. Column names are checked against canonical.ts
 * as rows are added, so an importer cannot drift from the model.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { TABLE_ORDER, TABLES, type TableName } from "../../model/canonical.js";
import type { DataCapability, PreparedImport, TableFile } from "../importer.js";

export type CanonicalRow = Record<string, string | number | boolean | null | undefined>;

export class CanonicalTables {
  private readonly rows = new Map<TableName, CanonicalRow[]>();
  private readonly from = new Map<TableName, string>();
  private readonly skippedCounts = new Map<string, number>();
  readonly notes: string[] = [];

  /** Adds a row of `table`, converted from `source` (named in messages about the converted file). */
  add(table: TableName, source: string, row: CanonicalRow): void {
    const known = TABLES[table].columns;
    for (const column of Object.keys(row)) {
      if (!known.some((c) => c.name === column)) throw new Error(`${column} is not a column of ${table}`);
    }
    let list = this.rows.get(table);
    if (!list) {
      list = [];
      this.rows.set(table, list);
      this.from.set(table, source);
    }
    list.push(row);
  }

  /** Counts an input row left out on purpose, by reason (reported in the summary). */
  skip(reason: string, count = 1): void {
    this.skippedCounts.set(reason, (this.skippedCounts.get(reason) ?? 0) + count);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  count(table: TableName): number {
    return this.rows.get(table)?.length ?? 0;
  }

  /** The rows of a table (for previews and tests). */
  rowsOf(table: TableName): readonly CanonicalRow[] {
    return this.rows.get(table) ?? [];
  }

  get skipped(): { reason: string; count: number }[] {
    return [...this.skippedCounts].map(([reason, count]) => ({ reason, count }));
  }

  /** Writes one canonical file per table and returns the import the loader runs. */
  async prepare(sourceSystem: string, lacks: readonly DataCapability[]): Promise<PreparedImport> {
    const dir = await mkdtemp(join(tmpdir(), `verity-${sourceSystem}-`));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const files: TableFile[] = [];
      for (const table of TABLE_ORDER) {
        const rows = this.rows.get(table);
        if (!rows || rows.length === 0) continue;
        // Columns in canonical order, those any row sets.
        const used = new Set(rows.flatMap((r) => Object.keys(r)));
        const columns = TABLES[table].columns.map((c) => c.name as string).filter((c) => used.has(c));
        const data = rows.map((r) => columns.map((c) => cellText(r[c])));
        const file = join(dir, TABLES[table].file);
        await writeFile(file, `${Papa.unparse({ fields: columns, data }, { newline: "\n" })}\n`, "utf8");
        files.push({ table, file, columns, displayName: `${this.from.get(table) ?? table} (converted)` });
      }
      return { sourceSystem, files, skipped: this.skipped, notes: [...this.notes], lacks: [...lacks], cleanup };
    } catch (error) {
      await cleanup();
      throw error;
    }
  }
}

function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  return String(value);
}
