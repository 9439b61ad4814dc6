/**
 * Reading the fields of a Salesforce export's rows: ids (the empty lookup
 * `000000000000000AAA` is null), times, checkboxes, whole numbers, and errors that name the
 * user's file, physical line and column.
 */
import { ImportError } from "../../import-error.js";
import type { SourceRow } from "../source-file.js";
import { parseTimestamp } from "../values.js";
import type { Source } from "./export-files.js";

/** Salesforce writes this id for an empty lookup field. */
const NULL_ID = "000000000000000AAA";

export const idOf = (value: string): string | null => (value === "" || value === NULL_ID ? null : value);
export const orNull = (value: string): string | null => (value === "" ? null : value);

export function fail(source: Source, row: SourceRow, column: string, reason: string): ImportError {
  return new ImportError(source.file.file, row.line, source.file.column(column) ?? column, reason);
}

export function time(source: Source, row: SourceRow, column: string): string {
  return parseTimestamp(source.file, row.line, column, row.get(column), source.order);
}

/** A 0/1 field (also true/false, as Excel rewrites them); null when empty or absent. */
export function flag(source: Source, row: SourceRow, column: string): boolean | null {
  const value = row.get(column).toLowerCase();
  if (value === "") return null;
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw fail(source, row, column, `${JSON.stringify(row.get(column))} is not a checkbox value (0 or 1)`);
}

export function requireId(source: Source, row: SourceRow, column = "Id"): string {
  const id = row.get(column);
  if (id === "") throw fail(source, row, column, "the record has no Id");
  return id;
}

export function checkDuplicate(seen: Map<string, number>, source: Source, row: SourceRow, id: string): void {
  const first = seen.get(id);
  if (first !== undefined) {
    throw fail(source, row, "Id", `duplicate of line ${first}: Id ${id} appears twice in ${source.name}`);
  }
  seen.set(id, row.line);
}

export function integer(source: Source, row: SourceRow, column: string, scale = 1): number | null {
  const text = row.get(column);
  if (text === "") return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw fail(source, row, column, `${JSON.stringify(text)} is not a whole number`);
  return n * scale;
}

/** The most common key of a count map (ties: the first met). */
export function mostCommon<K>(counts: Map<K, number>): K | undefined {
  let best: K | undefined;
  let most = 0;
  for (const [key, n] of counts) {
    if (n > most) {
      best = key;
      most = n;
    }
  }
  return best;
}

export function bump<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
