/**
 * The elements of a JSON array read one at a time from a file, so an export of millions of
 * records (Matomo's visits log, PostHog's events) is never held whole: a large JSON.parse
 * holds the text and every parsed record at once, several times the file's size, and a
 * server receiving the upload would run out of memory. The scanner only finds where each
 * top-level element ends (braces and brackets outside strings); JSON.parse reads the element.
 *
 * A file whose top level is an object (a tool's error answer: `{"result":"error",...}`) is
 * given as one `object` record when it is small, so its reader can say what it is.
 */
import { createReadStream } from "node:fs";
import { ImportError } from "./import-error.js";

export type JsonRecord =
  | { kind: "element"; index: number; line: number; value: unknown }
  | { kind: "object"; line: number; value: unknown };

/** A top-level object larger than this is not an answer worth reading whole. */
const OBJECT_LIMIT = 1024 * 1024;

/** Where the scanner is (finish() moves it on, which TypeScript's narrowing does not see: hence `as State` below). */
type State = "start" | "between" | "element" | "object" | "end";

type Decoder = { decode(bytes: Uint8Array, options?: { stream: boolean }): string };

/** The decoder for the file's first bytes: UTF-16 by its byte-order mark, else UTF-8 (a BOM skipped). */
function decoderFor(first: Uint8Array): { decoder: Decoder; skip: number } {
  if (first[0] === 0xff && first[1] === 0xfe) return { decoder: new TextDecoder("utf-16le"), skip: 2 };
  if (first[0] === 0xfe && first[1] === 0xff) return { decoder: new TextDecoder("utf-16be"), skip: 2 };
  const bom = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf;
  return { decoder: new TextDecoder("utf-8", { fatal: true }), skip: bom ? 3 : 0 };
}

/**
 * Yields each element of the file's top-level JSON array with its index and the line it
 * starts on. `what` names the records in messages ("visits"). A malformed element, text
 * outside the array, or an array cut short is an ImportError naming the file and the line.
 */
export async function* jsonArrayRecords(file: string, what: string): AsyncGenerator<JsonRecord> {
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  let decoder: Decoder | null = null;
  // Where the scanner is: before the top-level value, inside the array between elements,
  // inside an element (or the top-level object), or after the array.
  let state = "start" as State;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let startLine = 1;
  let index = 0;
  let pieces: string[] = [];
  let pieceStart = 0;
  let held = 0;
  const fail = (at: number, reason: string) => new ImportError(file, at, null, reason);
  const parse = (text: string, at: number, path: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message.replace(/\s*in JSON at position \d+.*$/, "");
      throw new ImportError(file, at, path, `not valid JSON: ${message}`);
    }
  };
  /** The element (or top-level object) just scanned, parsed; the scanner moves past it. */
  const finish = (): JsonRecord => {
    const whole = pieces.join("");
    pieces = [];
    held = 0;
    if (state === "object") {
      state = "end";
      return { kind: "object", line: startLine, value: parse(whole, startLine, "$") };
    }
    state = "between";
    const record: JsonRecord = {
      kind: "element",
      index,
      line: startLine,
      value: parse(whole.trim(), startLine, `[${index}]`),
    };
    index++;
    return record;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let bytes: Uint8Array = chunk;
      if (!decoder) {
        const found = decoderFor(chunk);
        decoder = found.decoder;
        bytes = chunk.subarray(found.skip);
      }
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        throw fail(line, "not UTF-8 text (save the export as UTF-8)");
      }
      pieceStart = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "\n") line++;
        if (state === "element" || state === "object") {
          if (inString) {
            if (escaped) escaped = false;
            else if (c === "\\") escaped = true;
            else if (c === '"') inString = false;
            continue;
          }
          if (c === '"') inString = true;
          else if (c === "{" || c === "[") depth++;
          else if ((c === "}" || c === "]") && depth > 0) {
            depth--;
            if (depth === 0) {
              pieces.push(text.slice(pieceStart, i + 1));
              yield finish();
            }
          } else if (depth === 0 && state === "element" && (c === "," || c === "]")) {
            // The end of a scalar element (the reader says it is no record).
            pieces.push(text.slice(pieceStart, i));
            yield finish();
            if (c === "]") state = "end";
          }
          continue;
        }
        if (c === " " || c === "\t" || c === "\r" || c === "\n") continue;
        if (state === "start") {
          if (c === "[") state = "between";
          else if (c === "{") {
            state = "object";
            depth = 1;
            startLine = line;
            pieceStart = i;
          } else throw fail(line, `not a JSON array of ${what}`);
        } else if (state === "between") {
          if (c === ",") continue;
          if (c === "]") state = "end";
          else {
            // An element: an object or array is scanned to its closing bracket, a scalar (which
            // the reader says is no record) to the next comma or bracket.
            startLine = line;
            pieceStart = i;
            state = "element";
            depth = c === "{" || c === "[" ? 1 : 0;
            inString = c === '"';
          }
        } else if (state === "end") {
          throw fail(line, `text after the array of ${what}`);
        }
      }
      if (state === "element" || state === "object") {
        pieces.push(text.slice(pieceStart));
        held += text.length - pieceStart;
        if (state === "object" && held > OBJECT_LIMIT) throw fail(startLine, `not a JSON array of ${what}`);
      }
    }
  } finally {
    stream.destroy();
  }
  const last = state as State;
  if (last === "start") throw fail(line, `the file is empty: no JSON array of ${what}`);
  if (last !== "end") {
    throw fail(line, `the JSON ends before the array of ${what} does (a truncated download?); export it again`);
  }
}
