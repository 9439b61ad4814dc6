/**
 * The canonical rows a CRM importer builds, written as canonical table files into a
 * temporary directory for the shared loader (src/ingest/importer.ts), which checks them
 * again and loads them in one transaction. Column names are checked against canonical.ts
 * as rows are added, so an importer cannot drift from the model.
 */
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { TABLE_ORDER, TABLES, type TableName } from "../../model/canonical.js";
import type { DataCapability } from "../../model/capabilities.js";
import type { PreparedImport, TableFile } from "../importer.js";

export type CanonicalRow = Record<string, string | number | boolean | null | undefined>;

/** A table holding more rows than this is written out as it grows (large exports: activities). */
const SPILL_ROWS = 20_000;

/**
 * Spill directories not yet handed to an import (whose cleanup removes them): removed at
 * exit when a conversion stopped with an error before it could (importers call discard()
 * where they catch).
 */
const pending = new Set<string>();
process.on("exit", () => {
  for (const dir of pending) rmSync(dir, { recursive: true, force: true });
});

export class CanonicalTables {
  private readonly rows = new Map<TableName, CanonicalRow[]>();
  /** Tables already written out in part: their file, with every canonical column. */
  private readonly spilled = new Map<TableName, { file: string; count: number }>();
  private spillDir: string | null = null;
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
    if (list.length >= SPILL_ROWS) this.spill(table, list);
  }

  /**
   * Appends a table's rows to its file and forgets them, so a converted export is never
   * held whole in memory. Spilled files carry every canonical column (later rows may set
   * columns earlier ones did not); an empty cell is what a missing column means.
   */
  private spill(table: TableName, list: CanonicalRow[]): void {
    if (this.spillDir === null) {
      this.spillDir = mkdtempSync(join(tmpdir(), "verity-rows-"));
      pending.add(this.spillDir);
    }
    const columns = canonicalColumns(table);
    let spilled = this.spilled.get(table);
    if (!spilled) {
      spilled = { file: join(this.spillDir, TABLES[table].file), count: 0 };
      this.spilled.set(table, spilled);
      appendFileSync(spilled.file, `${Papa.unparse([columns], { newline: "\n" })}\n`, "utf8");
    }
    const data = list.map((r) => columns.map((c) => cellText(r[c])));
    appendFileSync(spilled.file, `${Papa.unparse(data, { newline: "\n" })}\n`, "utf8");
    spilled.count += list.length;
    list.length = 0;
  }

  /** Counts an input row left out on purpose, by reason (reported in the summary). */
  skip(reason: string, count = 1): void {
    this.skippedCounts.set(reason, (this.skippedCounts.get(reason) ?? 0) + count);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  count(table: TableName): number {
    return (this.rows.get(table)?.length ?? 0) + (this.spilled.get(table)?.count ?? 0);
  }

  /** The rows of a small table (never written out yet: stages, pipelines). */
  rowsOf(table: TableName): readonly CanonicalRow[] {
    if (this.spilled.has(table)) throw new Error(`${table} is too large to hold in memory`);
    return this.rows.get(table) ?? [];
  }

  get skipped(): { reason: string; count: number }[] {
    return [...this.skippedCounts].map(([reason, count]) => ({ reason, count }));
  }

  /** Writes one canonical file per table and returns the import the loader runs. */
  async prepare(sourceSystem: string, lacks: readonly DataCapability[]): Promise<PreparedImport> {
    const dir = await mkdtemp(join(tmpdir(), `verity-${sourceSystem}-`));
    const spillDir = this.spillDir;
    if (spillDir) pending.delete(spillDir);
    const cleanup = async () => {
      await rm(dir, { recursive: true, force: true });
      if (spillDir) await rm(spillDir, { recursive: true, force: true });
    };
    try {
      const files: TableFile[] = [];
      for (const table of TABLE_ORDER) {
        const rows = this.rows.get(table) ?? [];
        const spilled = this.spilled.get(table);
        if (spilled) {
          if (rows.length > 0) this.spill(table, rows);
          const columns = canonicalColumns(table);
          files.push({
            table,
            file: spilled.file,
            columns,
            displayName: `${this.from.get(table) ?? table} (converted)`,
          });
          continue;
        }
        if (rows.length === 0) continue;
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

  /** Removes what was written out when the import stops before prepare (an error). */
  discard(): void {
    if (this.spillDir) {
      rmSync(this.spillDir, { recursive: true, force: true });
      pending.delete(this.spillDir);
    }
    this.spillDir = null;
  }
}

function canonicalColumns(table: TableName): string[] {
  return TABLES[table].columns.map((c) => c.name as string);
}

function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  return String(value);
}
