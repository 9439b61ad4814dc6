/**
 * The JSON export of Matomo's visits log (`Live.getLastVisitsDetails&format=JSON`): one
 * array of visit objects, each with its `actionDetails` array, written by PHP's json_encode
 * on one line (core/DataTable/Renderer/Json.php; HTML entities decoded, `/` escaped as `\/`).
 *
 * No streaming JSON parser is among Verity's dependencies, so the file is read whole and
 * parsed with JSON.parse; visits are converted one at a time and let go of as they are.
 * JSON_LIMIT_BYTES caps what is read (V8 cannot hold a longer string, and the parsed visits
 * take a few times the file's size): a larger export is refused with what to do instead
 * (shorter date ranges, several files in one import, or the CSV export).
 */
import { readFile, stat } from "node:fs/promises";
import { decode } from "../../crm/source-file.js";
import { ImportError } from "../../import-error.js";
import type { FieldReader, Place, VisitRecord } from "./record.js";

export const JSON_LIMIT_BYTES = 512 * 1024 * 1024;

/** Calls `each` with every visit of the file, in file order. */
export async function readJsonVisits(file: string, each: (visit: () => VisitRecord) => void): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (!info) throw new ImportError(file, null, null, "no such file");
  if (info.size > JSON_LIMIT_BYTES) {
    throw new ImportError(
      file,
      null,
      null,
      `the JSON export is ${Math.round(info.size / 1024 / 1024)} MB; Verity reads a JSON export whole and takes up to ${JSON_LIMIT_BYTES / 1024 / 1024} MB: export shorter date ranges (several files import together) or use format=CSV`,
    );
  }
  const { text } = decode(file, await readFile(file));
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw syntaxError(file, text, error as Error);
  }
  if (!Array.isArray(root)) {
    const answer = root as { result?: unknown; message?: unknown } | null;
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
  const lines = new RecordLines(text);
  for (let i = 0; i < root.length; i++) {
    const value: unknown = root[i];
    // Let go of the parsed visit once converted: a large export is not held twice.
    root[i] = undefined;
    each(() => {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new ImportError(file, lines.of(i), `[${i}]`, "a visit must be an object");
      }
      return jsonVisit(file, value as Record<string, unknown>, `[${i}]`, () => lines.of(i));
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

/**
 * The line each top-level visit starts on, found by one pass over the text when a message
 * first needs one (Matomo writes the whole array on one line; a file pretty-printed by jq or
 * an editor has one visit over many).
 */
class RecordLines {
  private starts: number[] | null = null;

  constructor(private readonly text: string) {}

  of(index: number): number | null {
    this.starts ??= this.scan();
    return this.starts[index] ?? null;
  }

  private scan(): number[] {
    const starts: number[] = [];
    const text = this.text;
    let line = 1;
    let depth = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "\n") line += 1;
      if (inString) {
        if (c === "\\") i += 1;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") {
        if (depth === 1) starts.push(line);
        depth += 1;
      } else if (c === "}" || c === "]") depth -= 1;
    }
    return starts;
  }
}

/** JSON.parse's complaint as an ImportError at the line it names. */
function syntaxError(file: string, text: string, error: Error): ImportError {
  const position = /position (\d+)/.exec(error.message);
  if (!position) {
    const ends = /end of JSON input|Unterminated string/i.test(error.message);
    const lastLine = text.split("\n").length;
    return new ImportError(
      file,
      lastLine,
      null,
      ends
        ? "the JSON ends before the array of visits does (a truncated download?); export it again"
        : `not valid JSON: ${error.message}`,
    );
  }
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const character = offset - before.lastIndexOf("\n");
  return new ImportError(
    file,
    line,
    null,
    `not valid JSON at character ${character} of the line: ${error.message.replace(/\s*in JSON at position \d+.*$/, "")}`,
  );
}
