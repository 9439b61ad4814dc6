/**
 * Streams one canonical CSV file (RFC 4180, UTF-8, LF). Rows are gathered into large chunks
 * before they reach the file stream, and callers await `drain()` between batches, so memory
 * stays bounded however many rows a table has.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { type Column, TABLES, type TableName } from "../model/canonical.js";

const NEEDS_QUOTES = /[",\r\n]/;
const CHUNK_CHARS = 1 << 18;

/** A field as RFC 4180 wants it: quoted (quotes doubled) only when it has a comma, quote or newline. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export type CsvValue = string | number | boolean | null | undefined;

/**
 * Writes rows given in the simulator's own field order (`fields`) in the canonical column
 * order, leaving canonical columns the simulator does not fill (such as external_id) empty.
 * Naming a field the table does not have, or leaving out a required column, fails at once:
 * the canonical model changed and the simulator must follow.
 */
export class CsvTableWriter {
  rows = 0;
  private chunk = "";
  private readonly stream: WriteStream;
  private failure: unknown;
  /** For each canonical column, the index of its value in a row (-1: always empty); null when identical. */
  private readonly layout: Int32Array | null;

  constructor(
    readonly table: TableName,
    outDir: string,
    fields: readonly string[],
  ) {
    const columns = TABLES[table].columns as readonly Column[];
    const unknown = fields.filter((f) => !columns.some((c) => c.name === f));
    if (unknown.length > 0) throw new Error(`${table} has no column ${unknown.join(", ")}`);
    const missing = columns.filter((c) => c.required && !fields.includes(c.name)).map((c) => c.name);
    if (missing.length > 0) throw new Error(`the simulator does not fill required ${table} columns ${missing.join(", ")}`);
    const identical = columns.length === fields.length && columns.every((c, i) => c.name === fields[i]);
    this.layout = identical ? null : Int32Array.from(columns, (c) => fields.indexOf(c.name));
    this.stream = createWriteStream(join(outDir, TABLES[table].file), { encoding: "utf8", highWaterMark: 1 << 20 });
    this.stream.on("error", (error) => {
      this.failure = error;
    });
    this.chunk = `${columns.map((c) => c.name).join(",")}\n`;
  }

  /** One row of CSV-safe cells (free text already passed through csvField), in field order. */
  row(cells: readonly string[]): void {
    const layout = this.layout;
    if (layout === null) this.chunk += `${cells.join(",")}\n`;
    else {
      let line = "";
      for (let i = 0; i < layout.length; i++) {
        if (i > 0) line += ",";
        const at = layout[i] ?? -1;
        if (at >= 0) line += cells[at] ?? "";
      }
      this.chunk += `${line}\n`;
    }
    this.rows++;
    if (this.chunk.length >= CHUNK_CHARS) this.flush();
  }

  /** One row from plain values, each escaped; for small tables where convenience beats speed. */
  values(values: readonly CsvValue[]): void {
    this.row(values.map((v) => (v === null || v === undefined ? "" : csvField(String(v)))));
  }

  /** Waits while the file stream is over its buffer limit. */
  async drain(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    // writableNeedDrain rather than a remembered flag: the 'drain' may already have happened
    // while another writer was being awaited.
    if (this.stream.writableNeedDrain) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Stops writing after a failure elsewhere; the partial file is left behind. */
  discard(): void {
    this.chunk = "";
    this.stream.destroy();
  }

  private flush(): void {
    if (this.chunk.length === 0) return;
    this.stream.write(this.chunk);
    this.chunk = "";
  }
}
