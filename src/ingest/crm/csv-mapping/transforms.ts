/**
 * A mapping's value transforms (trim, lower, upper, map, prefix, split, number, multiply,
 * date), applied to a cell in the order the mapping lists them; a value a transform rejects
 * is an ImportError naming the file, line and column.
 */
import { ImportError } from "../../import-error.js";
import type { SourceFile } from "../source-file.js";
import { amountDigits, type DateOrder, parseAmount, parseTimestamp } from "../values.js";
import { readDatePattern, type Transform } from "./mapping-file.js";

export type Where = { source: SourceFile; line: number; column: string; order: DateOrder | null };

/**
 * Applies a field's transforms to a cell. An empty value passes through every transform
 * but `map` (which may map "" itself; its default is only for values it does not list).
 * `where` is null when no file is involved (stage kinds), where a date cannot be read.
 */
export function applyTransforms(value: string, transforms: readonly Transform[], where: Where | null): string {
  const fail = (reason: string): ImportError =>
    where
      ? new ImportError(where.source.file, where.line, where.source.column(where.column) ?? where.column, reason)
      : new ImportError("", null, null, reason);
  let v = value;
  for (const t of transforms) {
    if (t.kind === "map") {
      const hit = t.map.get(v);
      if (hit !== undefined) v = hit;
      else if (v === "") continue;
      else if (t.default !== null) v = t.default;
      else {
        throw fail(
          `${JSON.stringify(v)} is not a value the mapping's map lists (${[...t.map.keys()].map((k) => JSON.stringify(k)).join(", ")}); add it or a default`,
        );
      }
      continue;
    }
    if (v === "") continue;
    switch (t.kind) {
      case "trim":
        v = v.trim();
        break;
      case "lower":
        v = v.toLowerCase();
        break;
      case "upper":
        v = v.toUpperCase();
        break;
      case "prefix":
        v = `${t.prefix}${v}`;
        break;
      case "split":
        v = (v.split(t.separator)[t.index] ?? "").trim();
        break;
      case "number":
        v = String(readNumber(v, t.decimal, where, fail));
        break;
      case "multiply": {
        const n = Number(v);
        if (!Number.isFinite(n))
          throw fail(`${JSON.stringify(v)} is not a number to multiply (add number before multiply)`);
        v = String(Math.round(n * t.factor * 1e6) / 1e6);
        break;
      }
      case "date":
        v = readDate(v, t.format, where, fail);
        break;
    }
  }
  return v;
}

function readDate(
  value: string,
  format: Extract<Transform, { kind: "date" }>["format"],
  where: Where | null,
  fail: (reason: string) => ImportError,
): string {
  if (typeof format === "object") {
    const read = readDatePattern(value, format);
    if ("error" in read) throw fail(read.error);
    return read.ok;
  }
  if (!where) throw fail("a date cannot be read here");
  if (format === "iso" && !/^\d{4}-\d{1,2}-\d{1,2}/.test(value)) {
    throw fail(`${JSON.stringify(value)} is not an ISO date (such as 2025-03-31 or 2025-03-31T14:05:00+02:00)`);
  }
  return parseTimestamp(where.source, where.line, where.column, value, format === "iso" ? null : format);
}

/** A number with a known decimal separator; the other one may group thousands (in threes). */
function readNumber(
  value: string,
  decimal: "," | "." | null,
  where: Where | null,
  fail: (reason: string) => ImportError,
): number {
  const bad = () =>
    fail(
      `${JSON.stringify(value)} is not a number${decimal ? ` with the decimal ${decimal === "," ? "comma" : "point"} the mapping names` : ""}`,
    );
  if (decimal === null) {
    // The shared reading (decimal comma or point told apart by the digits after it).
    if (!where) throw bad();
    const n = parseAmount(where.source, where.line, where.column, value);
    if (n === null) throw bad();
    return n;
  }
  // The same reading of signs, currency codes and spaces as every amount (values.ts).
  const { text, negative } = amountDigits(value);
  const group = decimal === "," ? "." : ",";
  const d = decimal === "," ? "," : "\\.";
  const g = group === "." ? "\\." : ",";
  if (!new RegExp(`^(\\d{1,3}(${g}\\d{3})+|\\d+)(${d}\\d+)?$`).test(text)) throw bad();
  const n = Number(text.split(group).join("").replace(decimal, "."));
  if (!Number.isFinite(n)) throw bad();
  return negative ? -n : n;
}
