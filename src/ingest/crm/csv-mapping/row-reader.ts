/**
 * Reading one row of a section: each mapped field's value after its transforms, every problem
 * of the row collected (once per cell) so the row can be reported or refused as a whole.
 */
import { ImportError } from "../../import-error.js";
import type { SourceRow } from "../source-file.js";
import { type DateOrder, parseTimestamp } from "../values.js";
import type { SectionSource } from "./join.js";
import type { FieldSpec, Section } from "./mapping-file.js";
import { applyTransforms, type Where } from "./transforms.js";

/** What a message says instead of a value that may be an address (which is never repeated). */
export const CONCEALED = "the value is not shown: it looks like an email address, and addresses are never repeated";

/** Whether a value may hold an address (so a message must not repeat it). */
export const mayBeAddress = (value: string): boolean => value.includes("@");

export type RowReader<F extends string> = ReturnType<typeof rowReader<F>>;

/**
 * A row reader: field values after transforms, each problem recorded once per row.
 * `conceal`: a problem with a value that may be an address does not repeat the value (the
 * subscribers section, whose addresses are never stored and never echoed).
 */
export function rowReader<F extends string>(
  source: SectionSource,
  section: Section<F>,
  row: SourceRow,
  order: DateOrder | null,
  conceal = false,
) {
  const rowProblems: ImportError[] = [];
  const attempt = <T>(fn: () => T, fallback: T, value = ""): T => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      rowProblems.push(
        conceal && mayBeAddress(value)
          ? new ImportError(error.file, error.line, error.column, `the mapping cannot read this value (${CONCEALED})`)
          : error,
      );
      return fallback;
    }
  };
  // The header each field's value came from in this row (a field may list several).
  const readFrom = new Map<F, string>();
  const columnOf = (field: F) => {
    const spec = section.columns[field];
    const read = readFrom.get(field);
    if (read !== undefined) return read;
    return spec?.column
      ? (source.column(spec.column) ?? spec.column)
      : (spec?.path ?? `${section.path}.columns.${field}`);
  };
  const problem = (field: F, reason: string) => new ImportError(source.file, row.line, columnOf(field), reason);
  const text = (field: F): string => {
    const spec: FieldSpec | undefined = section.columns[field];
    if (!spec) return "";
    // The first listed column with a value (or the first column, empty), else the constant.
    const read = spec.columns.find((c) => row.get(c) !== "") ?? spec.column;
    const raw = read !== null ? row.get(read) : (spec.constant ?? "");
    const column = read !== null ? (source.column(read) ?? read) : columnOf(field);
    if (read !== null) readFrom.set(field, column);
    const where: Where = { source, line: row.line, column, order };
    return attempt(() => applyTransforms(raw, spec.transforms, where), "", raw);
  };
  const required = (field: F, what: string): string => {
    const value = text(field);
    if (value === "" && !rowProblems.some((p) => p.column === columnOf(field))) {
      rowProblems.push(problem(field, `${what} is empty (the mapping's ${section.path}.columns.${field})`));
    }
    return value;
  };
  const timestamp = (field: F, value: string): string =>
    value === "" ? "" : attempt(() => parseTimestamp(source, row.line, columnOf(field), value, order), "", value);
  const oneOf = (field: F, value: string, allowed: readonly string[], what: string): string => {
    if (value === "" || allowed.includes(value)) return value;
    const shown = conceal && mayBeAddress(value) ? `the value (${CONCEALED})` : JSON.stringify(value);
    rowProblems.push(
      problem(field, `${shown} is not ${what} (${allowed.join(", ")}); map the export's values with a map transform`),
    );
    return "";
  };
  /** A required id that no earlier row of the file has (`firstLine`: where each id was first met). */
  const uniqueId = (field: F, firstLine: Map<string, number>): string => {
    const id = required(field, "the id");
    const seen = firstLine.get(id);
    if (id !== "" && seen !== undefined) {
      rowProblems.push(problem(field, `duplicate id ${id}: first on line ${seen}`));
    } else if (id !== "") {
      firstLine.set(id, row.line);
    }
    return id;
  };
  return { rowProblems, attempt, problem, text, required, uniqueId, timestamp, oneOf, columnOf };
}
