/**
 * The records of a Segment-style export, one at a time, so a large export is never held
 * whole: JSON lines (one event per line, as Segment's and RudderStack's S3 and warehouse
 * dumps write them, gzipped or not) are streamed line by line; a JSON array (PostHog's
 * "Export events" in JSON, hand-made files) one element at a time (a gzipped array whole).
 *
 * Encoding: UTF-8 (JSON's own, RFC 8259), with or without a byte order mark; UTF-16 with a
 * byte order mark (a file re-saved on Windows) is read too. Bytes that are not UTF-8 are an
 * error naming the line. A directory stands for its .json, .jsonl, .ndjson files (and their
 * .gz), in name order.
 */
import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import iconv from "iconv-lite";
import { ImportError } from "../../import-error.js";
import { jsonArrayRecords } from "../../json-records.js";
import type { Place } from "./events.js";

const EXPORT_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;

/** The files `paths` name: files as given, directories by their export files. */
export async function exportFiles(paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) throw new ImportError("", null, null, "give the event export (JSON lines) file or directory");
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => EXPORT_FILE.test(n)).sort();
    if (names.length === 0) {
      throw new ImportError(path, null, null, "holds no event export (.json, .jsonl or .ndjson files, or their .gz)");
    }
    for (const name of names) files.push(join(path, name));
  }
  return files;
}

export type OnRecord = (record: unknown, place: Place) => void;
/** A problem with the file's text; with collectProblems it is recorded and reading goes on. */
export type OnProblem = (problem: ImportError) => void;

/** Calls `onRecord` for every record of the file, in file order. */
export async function readRecords(file: string, onRecord: OnRecord, onProblem: OnProblem): Promise<void> {
  const head = await firstBytes(file, 4);
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const raw = createReadStream(file);
  const bytes = gzipped ? raw.pipe(createGunzip()) : raw;
  let line = 1;
  let pending = "";
  let mode: "unknown" | "lines" | "array" = "unknown";
  const lineOf = (text: string) => text.match(/\n/g)?.length ?? 0;

  const takeLine = (text: string, at: number) => {
    const trimmed = text.trim();
    if (trimmed === "") return;
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch (error) {
      onProblem(new ImportError(file, at, null, `not a JSON record: ${jsonReason(error)}`));
      return;
    }
    onRecord(record, { file, line: at, path: "" });
  };

  try {
    for await (const text of decodeChunks(file, bytes, () => line + lineOf(pending))) {
      pending += text;
      if (mode === "unknown") {
        const start = pending.search(/\S/);
        if (start < 0) continue;
        mode = pending[start] === "[" ? "array" : "lines";
      }
      // A plain array file is read again from the start one element at a time (below); a
      // gzipped one (rare: PostHog writes plain JSON) is read whole.
      if (mode === "array" && !gzipped) break;
      if (mode === "array") continue;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const text of lines) {
        takeLine(text, line);
        line += 1;
      }
    }
  } catch (error) {
    if (error instanceof ImportError) throw error;
    // A broken gzip stream: the file is cut short or not gzip after all.
    throw new ImportError(
      file,
      null,
      null,
      `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (mode === "lines") takeLine(pending, line);
  else if (mode === "array" && !gzipped) await streamArray(file, onRecord, onProblem);
  else if (mode === "array") readArray(file, pending, onRecord, onProblem);
}

/** A plain JSON array of records, one element at a time (src/ingest/json-records.ts). */
async function streamArray(file: string, onRecord: OnRecord, onProblem: OnProblem): Promise<void> {
  try {
    for await (const record of jsonArrayRecords(file, "events")) {
      if (record.kind === "object") {
        onProblem(new ImportError(file, record.line, null, "not a JSON array of events"));
        return;
      }
      onRecord(record.value, { file, line: record.line, path: `[${record.index}].` });
    }
  } catch (error) {
    // A broken element or a cut-off array ends the reading: the rest cannot be trusted.
    if (error instanceof ImportError) onProblem(error);
    else throw error;
  }
}

/** A JSON array of records, each named by its index. */
function readArray(file: string, text: string, onRecord: OnRecord, onProblem: OnProblem): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String(error instanceof Error ? error.message : error));
    const at = position ? (text.slice(0, Number(position[1])).match(/\n/g)?.length ?? 0) + 1 : null;
    onProblem(new ImportError(file, at, null, `not a JSON array of events: ${jsonReason(error)}`));
    return;
  }
  if (!Array.isArray(value)) {
    onProblem(new ImportError(file, null, null, "not a JSON array of events"));
    return;
  }
  for (const [i, record] of value.entries()) onRecord(record, { file, line: null, path: `[${i}].` });
}

function jsonReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The file's text in chunks. `lineNow` says which line a decoding error is on (the lines
 * read so far, plus one).
 */
async function* decodeChunks(
  file: string,
  bytes: AsyncIterable<Buffer>,
  lineNow: () => number,
): AsyncGenerator<string> {
  let first = true;
  let utf16: ReturnType<typeof iconv.getDecoder> | null = null;
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  for await (const chunk of bytes) {
    let data = chunk;
    if (first) {
      first = false;
      if (data[0] === 0xff && data[1] === 0xfe) utf16 = iconv.getDecoder("utf-16le");
      else if (data[0] === 0xfe && data[1] === 0xff) utf16 = iconv.getDecoder("utf-16be");
      if (utf16) data = data.subarray(2);
      // JSON starts with an ASCII character (a brace, a bracket, a space), so a zero byte
      // beside it is UTF-16 without a byte order mark: say so rather than "not JSON".
      else if (data.length >= 2 && (data[0] === 0) !== (data[1] === 0)) {
        throw new ImportError(
          file,
          1,
          null,
          "looks like UTF-16 without a byte order mark (every other byte is zero); re-save the file as UTF-8",
        );
      }
    }
    if (utf16) {
      yield utf16.write(data);
      continue;
    }
    try {
      yield utf8.decode(data, { stream: true });
    } catch {
      // The line of the first byte that is not UTF-8, within this chunk.
      const loose = new TextDecoder("utf-8").decode(data);
      const before = loose.slice(0, Math.max(0, loose.indexOf("\uFFFD")));
      const line = lineNow() + (before.match(/\n/g)?.length ?? 0);
      throw new ImportError(file, line, null, "is not UTF-8 text (JSON exports are UTF-8); re-save the file as UTF-8");
    }
  }
  if (utf16) {
    const rest = utf16.end();
    if (rest) yield rest;
  }
}

async function firstBytes(file: string, count: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(count);
    const { bytesRead } = await handle.read(buffer, 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
