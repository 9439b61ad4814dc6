/**
 * The JSON export of Matomo's visits log (`Live.getLastVisitsDetails&format=JSON`): one
 * array of visit objects, each with its `actionDetails` array, written by PHP's json_encode
 * on one line (core/DataTable/Renderer/Json.php; HTML entities decoded, `/` escaped as `\/`).
 *
 * The array is read one visit at a time (src/ingest/json-records.ts), so an export of any
 * size is converted without holding it whole; each visit is named by its index and the line
 * it starts on (Matomo writes the whole array on one line; a file pretty-printed by jq or an
 * editor has one visit over many).
 */
import { stat } from "node:fs/promises";
import { ImportError } from "../../import-error.js";
import { jsonArrayRecords } from "../../json-records.js";
import type { FieldReader, Place, VisitRecord } from "./record.js";

/** Calls `each` with every visit of the file, in file order. */
export async function readJsonVisits(file: string, each: (visit: () => VisitRecord) => void): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (!info) throw new ImportError(file, null, null, "no such file");
  for await (const record of jsonArrayRecords(file, "visits (the JSON export of Live.getLastVisitsDetails)")) {
    if (record.kind === "object") {
      const answer = record.value as { result?: unknown; message?: unknown } | null;
      if (answer && typeof answer === "object" && answer.result === "error") {
        throw new ImportError(file, null, null, `the file is Matomo's error answer: ${String(answer.message)}`);
      }
      throw new ImportError(
        file,
        null,
        null,
        "not a Matomo visits log: the JSON export of Live.getLastVisitsDetails is an array of visits",
      );
    }
    const { value, index, line } = record;
    each(() => {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new ImportError(file, line, `[${index}]`, "a visit must be an object");
      }
      return jsonVisit(file, value as Record<string, unknown>, `[${index}]`, () => line);
    });
  }
}

function jsonVisit(file: string, visit: Record<string, unknown>, path: string, line: () => number | null): VisitRecord {
  const reader = fields(file, visit, path, line);
  const details = visit.actionDetails;
  let actions: FieldReader[] | null = null;
  if (Array.isArray(details) || (details !== null && typeof details === "object")) {
    // PHP writes an array with gaps in its keys as an object: its values in order are the actions.
    const list = Array.isArray(details) ? details : Object.values(details as object);
    actions = list.map((action, k) => {
      const at = `${path}.actionDetails[${k}]`;
      if (action === null || typeof action !== "object" || Array.isArray(action)) {
        throw new ImportError(file, line(), at, "an action must be an object");
      }
      return fields(file, action as Record<string, unknown>, at, line);
    });
  } else if (details !== undefined && details !== false && details !== null) {
    throw new ImportError(file, line(), `${path}.actionDetails`, "actionDetails must be an array of actions");
  }
  return { ...reader, actions };
}

function fields(file: string, record: Record<string, unknown>, path: string, line: () => number | null): FieldReader {
  const place = (name: string): Place => ({ line: line(), column: `${path}.${name}` });
  return {
    place,
    field(name) {
      const value = record[name];
      if (value === undefined || value === null || value === false) return "";
      if (typeof value === "string") return value.trim();
      if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
      if (value === true) return "1";
      const where = place(name);
      throw new ImportError(file, where.line, where.column, "expected a single value, not a list or an object");
    },
  };
}
