/**
 * Streams one canonical CSV file (RFC 4180, UTF-8, LF). Rows are gathered into large chunks
 * before they reach the file stream, and callers await `drain()` between batches, so memory
 * stays bounded however many rows a table has.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { TABLES, type TableName } from "../model/canonical.js";

const NEEDS_QUOTES = /[",\r\n]/;
const CHUNK_CHARS = 1 << 18;

/** A field as RFC 4180 wants it: quoted (quotes doubled) only when it has a comma, quote or newline. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export type CsvValue = string | number | boolean | null | undefined;

/** The header of a table's file: its declared columns, in order (never the derived ones). */
export function fileColumns(table: TableName): string[] {
  return TABLES[table].columns.map((column) => column.name);
}

export class CsvTableWriter {
  rows = 0;
  private chunk = "";
  private readonly stream: WriteStream;
  private failure: unknown;

  constructor(
    readonly table: TableName,
    outDir: string,
  ) {
    this.stream = createWriteStream(join(outDir, TABLES[table].file), { encoding: "utf8", highWaterMark: 1 << 20 });
    this.stream.on("error", (error) => {
      this.failure = error;
    });
    this.chunk = `${fileColumns(table).join(",")}\n`;
  }

  /** One row whose fields are already CSV-safe (free text passed through csvField). */
  line(row: string): void {
    this.chunk += `${row}\n`;
    this.rows++;
    if (this.chunk.length >= CHUNK_CHARS) this.flush();
  }

  /** One row from values, each escaped; for small tables where convenience beats speed. */
  values(values: readonly CsvValue[]): void {
    this.line(values.map((v) => (v === null || v === undefined ? "" : csvField(String(v)))).join(","));
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

  private flush(): void {
    if (this.chunk.length === 0) return;
    this.stream.write(this.chunk);
    this.chunk = "";
  }
}
