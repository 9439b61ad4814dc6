/**
 * Where a broken event is. DuckDB reads the export, but its messages are not enough to name
 * the line: a malformed line is reported one line late (DuckDB 1.5: "line 4" for the third),
 * and an event without a name or timestamp is only a count in the sessions' GROUP BY. So
 * when something is wrong, this reads the file again line by line, in JavaScript, and says
 * which lines and why. Only on the error path: a good import never comes here.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { TIMESTAMP_RANGE } from "./sessions-sql.js";

export type Problem = { line: number; column: string | null; reason: string };

/** The broken lines of one JSON-lines file, up to `limit` of them, in file order. */
export async function brokenLines(file: string, limit: number): Promise<Problem[]> {
  const raw = createReadStream(file);
  const input = /\.gz$/i.test(file) ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const found: Problem[] = [];
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      const problem = checkLine(text);
      if (problem) {
        found.push({ line, ...problem });
        if (found.length >= limit) break;
      }
    }
  } finally {
    lines.close();
    raw.destroy();
  }
  return found;
}

/** What is wrong with one line of the export, or null. The same rules as the SQL's `ok`. */
export function checkLine(text: string): { column: string | null; reason: string } | null {
  if (text.trim() === "") return null;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return { column: null, reason: `malformed JSON (${(error as Error).message})` };
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    return { column: null, reason: "a line must be one JSON object (one event)" };
  }
  const event = record as Record<string, unknown>;
  for (const [field, kind] of [
    ["event_params", "array"],
    ["traffic_source", "object"],
    ["collected_traffic_source", "object"],
  ] as const) {
    const value = event[field];
    if (value === undefined || value === null) continue;
    if (kind === "array" ? !Array.isArray(value) : typeof value !== "object" || Array.isArray(value)) {
      return { column: field, reason: `${field} must be ${kind === "array" ? "an array" : "an object"}` };
    }
  }
  const name = event.event_name;
  if (typeof name !== "string" || name.trim() === "") {
    return { column: "event_name", reason: "event_name is missing" };
  }
  const ts = event.event_timestamp;
  if (ts === undefined || ts === null || ts === "") {
    return { column: "event_timestamp", reason: "event_timestamp is missing" };
  }
  const micros = /^\s*-?\d+\s*$/.test(String(ts)) ? BigInt(String(ts).trim()) : null;
  if (micros === null || micros < TIMESTAMP_RANGE.min || micros > TIMESTAMP_RANGE.max) {
    return {
      column: "event_timestamp",
      reason: `${JSON.stringify(ts)} is not a time in microseconds since 1970 (between the years 2000 and 2199)`,
    };
  }
  return null;
}
