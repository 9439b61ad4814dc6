/**
 * Streams one canonical CSV file (RFC 4180, UTF-8, LF). Rows are encoded straight into a
 * large buffer that goes to the file stream when full, and callers await `drain()` between
 * batches, so memory stays bounded however many rows a table has.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { type Column, TABLES, type TableName } from "../model/canonical.js";

const NEEDS_QUOTES = /[",\r\n]/;
// Encoding each row into a buffer beats building a long string and encoding it at once: a
// string grown row by row is a rope that V8 must flatten first (a third of the run time of
// size m, measured).
const CHUNK_BYTES = 1 << 20;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_CHAR = 3;

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
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
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
    if (missing.length > 0)
      throw new Error(`the simulator does not fill required ${table} columns ${missing.join(", ")}`);
    const identical = columns.length === fields.length && columns.every((c, i) => c.name === fields[i]);
    this.layout = identical ? null : Int32Array.from(columns, (c) => fields.indexOf(c.name));
    this.stream = createWriteStream(join(outDir, TABLES[table].file), { highWaterMark: 4 * CHUNK_BYTES });
    this.stream.on("error", (error) => {
      this.failure = error;
    });
    this.appendLine(columns.map((c) => c.name).join(","));
  }

  /** One row of CSV-safe cells (free text already passed through csvField), in field order. */
  row(cells: readonly string[]): void {
    const layout = this.layout;
    if (layout === null) this.appendLine(cells.join(","));
    else {
      let line = "";
      for (let i = 0; i < layout.length; i++) {
        if (i > 0) line += ",";
        const at = layout[i] ?? -1;
        if (at >= 0) line += cells[at] ?? "";
      }
      this.appendLine(line);
    }
    this.rows++;
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
    this.used = 0;
    this.stream.destroy();
  }

  /** The text and a line feed (written as a byte: appending "\n" to the text would copy it). */
  private appendLine(text: string): void {
    if (this.used + text.length * MAX_BYTES_PER_CHAR + 1 > this.chunk.length) {
      this.flush();
      if (text.length * MAX_BYTES_PER_CHAR + 1 > this.chunk.length) {
        this.stream.write(`${text}\n`);
        return;
      }
    }
    this.used += this.chunk.write(text, this.used);
    this.chunk[this.used++] = 0x0a;
  }

  private flush(): void {
    if (this.used === 0) return;
    // The stream keeps the buffer until it is written, so the next rows need a fresh one.
    this.stream.write(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }
}
