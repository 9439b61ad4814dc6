/**
 * The options of an import, each once: as `verity import` spells it (a flag) and as
 * POST /api/import does (a query parameter, named as the FormatOptions key). The CLI and the
 * API build FormatOptions from this table, and the API rewrites the importers' advice
 * ("give --date-format dmy") into its own terms ("give dateFormat=dmy") with it (issue 13,
 * item 7: upload errors named command-line flags).
 */
import type { FormatOptions } from "./importer.js";
import { IMPORTERS } from "./importers.js";

// collectProblems is the dry run's; skipInvalid (--skip-invalid, --rejects, --max-rejected)
// writes a file of the user's, so only `verity import` and the library take it.
type OptionKey = Exclude<keyof FormatOptions, "collectProblems" | "skipInvalid">;

export type ImportOption = {
  flag: string;
  /** The query parameter; null when only the command line takes the option (a file of the user's). */
  parameter: OptionKey | "format" | null;
  /** The values advice may write after the flag (`--currency EUR`); others are not read as values. */
  value?: RegExp;
  /** Over the API, for an option it lacks: what to say instead of the flag. */
  apiWording?: string;
  /** The value as FormatOptions holds it. */
  normalize?: (value: string) => string;
};

const formatNames = Object.keys(IMPORTERS).join("|");

export const IMPORT_OPTIONS: Readonly<Record<OptionKey | "format", ImportOption>> = {
  format: { flag: "--format", parameter: "format", value: new RegExp(`(?:${formatNames})(?:\\|(?:${formatNames}))*`) },
  dateFormat: { flag: "--date-format", parameter: "dateFormat", value: /iso|dmy|mdy/ },
  currency: { flag: "--currency", parameter: "currency", value: /[A-Z]{3}/, normalize: (v) => v.toUpperCase() },
  lossReasonField: { flag: "--loss-reason-field", parameter: "lossReasonField" },
  stages: { flag: "--stages", parameter: "stages" },
  qualifyingStage: { flag: "--qualifying-stage", parameter: "qualifyingStage" },
  sessionGap: { flag: "--session-gap", parameter: "sessionGap", value: /\d+/ },
  // An IANA name (Europe/Berlin, Etc/GMT+2) or UTC: a bare word after the flag is prose
  // ("which --timezone gives"), not a value.
  timezone: {
    flag: "--timezone",
    parameter: "timezone",
    value: /UTC|GMT|[A-Z][A-Za-z_]*(?:\/[A-Za-z0-9_+-]+)+/,
  },
  rates: { flag: "--rates", parameter: null, apiWording: "a rates file (`verity import` only)" },
  mapping: { flag: "--mapping", parameter: null, apiWording: "`verity import` and a mapping file" },
};

const FORMAT_KEYS = Object.keys(IMPORT_OPTIONS).filter((key) => key !== "format") as OptionKey[];

/**
 * FormatOptions from the values given by flag or query parameter (both keyed as
 * FormatOptions is: commander camel-cases `--date-format` to dateFormat). Options left out
 * or empty are not set.
 */
export function formatOptionsOf(given: Partial<Record<OptionKey, unknown>>): FormatOptions {
  const options: Record<string, string> = {};
  for (const key of FORMAT_KEYS) {
    const value = given[key];
    if (typeof value !== "string" || value === "") continue;
    options[key] = IMPORT_OPTIONS[key].normalize?.(value) ?? value;
  }
  return options as FormatOptions;
}

/** The option whose flag this is (an ImportError's `file` may name a flag: `--stages`). */
export function optionOfFlag(flag: string): ImportOption | null {
  return Object.values(IMPORT_OPTIONS).find((option) => option.flag === flag) ?? null;
}

/** `text` matched literally inside a RegExp. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");

/** Each flag's advice and its API wording, longest phrases first: `--format csv --mapping FILE` before `--format`. */
const REWRITES: readonly [RegExp, (value: string | undefined) => string][] = [
  // The csv format is the mapping's: over the API both are `verity import` only.
  [/--format csv(?: --mapping(?: FILE)?)?/g, () => IMPORT_OPTIONS.mapping.apiWording as string],
  ...Object.values(IMPORT_OPTIONS).map((option): [RegExp, (value: string | undefined) => string] => {
    const value = option.value ? `(?: (${option.value.source})(?![\\w-]))?` : option.parameter ? "" : "(?: FILE)?";
    const pattern = new RegExp(`${escapeRegExp(option.flag)}(?![\\w-])${value}`, "g");
    return [
      pattern,
      (given) =>
        option.parameter === null
          ? (option.apiWording ?? "")
          : given
            ? `${option.parameter}=${given}`
            : `the ${option.parameter} parameter`,
    ];
  }),
];

/**
 * An importer's message in the API's terms: every flag of the table becomes its query
 * parameter (`--date-format dmy` -> `dateFormat=dmy`, a lone `--stages` -> `the stages
 * parameter`), and an option the API lacks says where to find it.
 */
export function inApiTerms(message: string): string {
  let out = message;
  for (const [pattern, wording] of REWRITES) {
    // The first argument after the match is the value's group, or the offset when there is none.
    out = out.replace(pattern, (_match, value: unknown) => wording(typeof value === "string" ? value : undefined));
  }
  return out;
}
