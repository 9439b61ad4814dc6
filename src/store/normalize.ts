/**
 * Both drivers return some types as strings or driver objects (BIGINT and NUMERIC as
 * strings from pg, bigint and DECIMAL/TIMESTAMP wrappers from DuckDB). Verity's rows are
 * plain JSON values on every engine, so results compare equal across engines.
 */
import type { Row } from "./store.js";

/** A timestamp as ISO 8601 in UTC with milliseconds: `2025-03-01T09:30:00.000Z`. */
export function isoTimestamp(date: Date): string {
  return date.toISOString();
}

export function normalizeValue(value: unknown): Row[string] {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) return isoTimestamp(value);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

export function normalizeRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
  return out;
}
