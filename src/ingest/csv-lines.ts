/**
 * Physical positions in a CSV file. The bulk loaders report records (the header is record
 * 0); a record whose quoted cell holds line breaks spans several lines, so the line a person
 * sees in an editor is found by walking the file. Only error paths call this.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import Papa from "papaparse";

/** The physical line (1-based) on which record `record` starts (record 0 is the header). */
export async function lineOfRecord(file: string, record: number): Promise<number> {
  let line = 1;
  let current = 0;
  let inQuotes = false;
  for await (const chunk of createReadStream(file, { encoding: "utf8" })) {
    for (const char of chunk as string) {
      if (current === record) return line;
      if (char === '"') {
        inQuotes = !inQuotes; // an escaped "" toggles twice
      } else if (char === "\n") {
        line += 1;
        if (!inQuotes) current += 1;
      }
    }
  }
  return line;
}

/** The header row's cell names, without a byte order mark. */
export async function readHeader(file: string): Promise<string[]> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let text = buffer.subarray(0, bytesRead).toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const end = text.search(/\r?\n/);
    const first = end < 0 ? text : text.slice(0, end);
    const parsed = Papa.parse<string[]>(first, { delimiter: ",", header: false });
    return (parsed.data[0] ?? []).map((cell) => cell.trim());
  } finally {
    await handle.close();
  }
}

/**
 * The first NUL byte of a CSV file, as the line it is on and the column (by the header) of
 * the cell holding it; null when the file has none. PostgreSQL cannot store NUL in text and
 * DuckDB kept it silently, so the loader refuses it on both before staging. The scan is a
 * byte search (cheap beside the load); only a file holding one is parsed, up to that line.
 */
export async function findNul(file: string): Promise<{ line: number; column: string | null } | null> {
  let offset = 0;
  let at = -1;
  // 1 MB reads: with the default 64 KB the scan of a size-m company took about a second.
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const i = (chunk as Buffer).indexOf(0);
    if (i >= 0) {
      at = offset + i;
      break;
    }
    offset += (chunk as Buffer).length;
  }
  if (at < 0) return null;
  // The text up to the end of the NUL's line: its last record holds the NUL.
  const handle = await open(file, "r");
  let text: string;
  try {
    const size = (await handle.stat()).size;
    const window = Buffer.alloc(Math.min(size, at + 64 * 1024));
    await handle.read(window, 0, window.length, 0);
    const end = window.indexOf(0x0a, at);
    text = window.subarray(0, end < 0 ? window.length : end).toString("utf8");
  } finally {
    await handle.close();
  }
  const nul = text.indexOf("\u0000");
  const line = text.slice(0, nul).split("\n").length;
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { header: false }).data;
  const header = rows[0] ?? [];
  const last = rows.at(-1) ?? [];
  const index = last.findIndex((cell) => cell.includes("\u0000"));
  return { line, column: index >= 0 ? (header[index]?.trim() ?? null) : null };
}
