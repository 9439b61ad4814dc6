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
