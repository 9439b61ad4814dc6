/**
 * The flags every metric command shares (period, comparison, filters, the metric options),
 * derived from the request's fields (`metrics/request.ts`: the same names, help text, choices
 * and ranges as the API's query), the output format, and how they become a MetricRequest.
 */
import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { MetricRequest } from "../../metrics/context.js";
import {
  COMPARE_FIELD,
  FILTER_FIELDS,
  type MetricQueryValue,
  type NumberRange,
  type RequestField,
  requestOf,
  TUNING_FIELDS,
} from "../../metrics/request.js";
import { type GlobalOptions, targetOf, workspaceOf } from "../context.js";
import { UserError } from "../output.js";

export type OutputFormat = "table" | "json" | "csv";

export type MetricFlags = MetricQueryValue & { format: OutputFormat };

/** The CLI's own `--format` (the API always answers JSON). */
export function formatOption(): Option {
  return new Option("--format <format>", "output").choices(["table", "json", "csv"]).default("table");
}

/**
 * The commander option of a request field. Its attribute name must be the field's name, so the
 * parsed flags are the query `requestOf` reads.
 */
export function optionOf(name: string, field: RequestField): Option {
  const option = new Option(field.flag, field.description);
  if (option.attributeName() !== name) throw new Error(`flag ${field.flag} does not read as "${name}"`);
  if (field.choices) option.choices(field.choices);
  const range = field.range;
  if (range) option.argParser((value) => parseNumber(field, range, option.long ?? name, value));
  return option;
}

/** A number flag, read by the field's own schema; refused in the words the CLI has always used. */
function parseNumber(field: RequestField, range: NumberRange, flag: string, value: string): number {
  const parsed = field.schema.safeParse(value);
  if (parsed.success && typeof parsed.data === "number") return parsed.data;
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  const shown = range.whole ? JSON.stringify(value) : value;
  const kind = range.whole ? "a whole number" : "a number";
  if (issue?.code === "too_big")
    throw new InvalidArgumentError(`${flag} takes ${kind} of at most ${range.max}, not ${shown}`);
  if (range.whole && issue?.code !== "too_small")
    throw new InvalidArgumentError(`${flag} takes a whole number, not ${shown}`);
  throw new InvalidArgumentError(`${flag} takes ${kind} above 0, not ${shown}`);
}

/** Adds the shared flags; `compare` only where a comparison means something. */
export function addMetricOptions(command: Command, { compare = true } = {}): Command {
  for (const [name, field] of Object.entries(FILTER_FIELDS)) command.addOption(optionOf(name, field));
  command.addOption(formatOption());
  if (compare) command.addOption(optionOf("compare", COMPARE_FIELD));
  return command;
}

export function addTuningOptions(command: Command): Command {
  for (const [name, field] of Object.entries(TUNING_FIELDS)) command.addOption(optionOf(name, field));
  return command;
}

export function requestFrom(flags: MetricFlags, globals: GlobalOptions): MetricRequest {
  return requestOf(workspaceOf(globals), flags);
}

/** Reading commands never create a database: a missing DuckDB file is named. */
export function requireDatabase(globals: GlobalOptions): void {
  const target = targetOf(globals);
  if (target.engine === "duckdb" && !existsSync(target.path)) {
    throw new UserError(
      `There is no database at ${target.path} yet: run \`verity demo\` or \`verity import DIR\` first.`,
    );
  }
}
