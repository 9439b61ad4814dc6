/**
 * The mapping file of a generic CSV import (`verity import --format csv --mapping FILE`):
 * which source column (or constant) fills which canonical field, through which value
 * transforms. The user reference is docs/csv-mapping.md; keep the two in step.
 *
 * The file is YAML or JSON (`.json` is read as strict JSON, anything else as YAML, which also
 * reads JSON). It is validated with zod; every problem is an ImportError naming the mapping
 * file, the line where the YAML/JSON parser found the node, and the field path
 * (`leads.columns.created_at.transform[0].date`) as the column, so a user can find it.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { columnNames } from "../../../model/canonical.js";
import { ImportError } from "../../import-error.js";

/** A transform, as the mapping writes it, normalised to one shape per kind. */
export type Transform =
  | { kind: "trim" }
  | { kind: "lower" }
  | { kind: "upper" }
  | { kind: "map"; map: ReadonlyMap<string, string>; default: string | null }
  | { kind: "prefix"; prefix: string }
  | { kind: "split"; separator: string; index: number }
  | { kind: "date"; format: "iso" | "dmy" | "mdy" | DatePattern }
  | { kind: "number"; decimal: "," | "." | null }
  | { kind: "multiply"; factor: number };

/** A canonical field's source: a column of the file or a constant, then transforms in order. */
export type FieldSpec = {
  /** The source header (matched exactly, then ignoring case and spaces); the first of `columns`. */
  column: string | null;
  /** Every header the field reads: the first non-empty cell wins (`column: [Won time, Lost time]`). */
  columns: string[];
  /** A constant written for every row (null: empty). Only when `column` is null. */
  constant: string | null;
  transforms: Transform[];
  /** Where the field is in the mapping, for messages (`leads.columns.status`). */
  path: string;
};

/**
 * The fields a section may map, and which of them it must: the canonical columns of its table
 * (src/model/canonical.ts), less external_id (the mapping's id is the source's) and a stage
 * event's from_stage_id (the history chains each lead's events).
 */
export const SECTION_FIELDS = {
  leads: {
    fields: [
      ...columnNames("leads", ["external_id"]),
      // Not a canonical column: when the lead entered its current stage, for the one stage
      // event derived per lead when there is no stage history (else created_at).
      "stage_entered_at",
    ] as const,
    required: ["id", "status", "created_at"],
  },
  stage_events: {
    fields: columnNames("stage_events", ["from_stage_id"]),
    required: ["lead_id", "to_stage_id", "changed_at"],
  },
  activities: {
    fields: columnNames("activities", ["external_id"]),
    required: ["id", "type", "occurred_at"],
  },
  newsletter_subscribers: {
    fields: [
      ...columnNames("newsletter_subscribers"),
      // Not canonical columns: the address, hashed on import and never stored (subscribers.ts),
      // and a status whose `unsubscribed` says the subscriber left (at unsubscribed_at).
      "email",
      "status",
    ] as const,
    // And one of id, email, email_hash (crossChecks).
    required: ["subscribed_at"],
  },
} as const;

export type SectionName = keyof typeof SECTION_FIELDS;
export type LeadField = (typeof SECTION_FIELDS.leads.fields)[number];
export type StageEventField = (typeof SECTION_FIELDS.stage_events.fields)[number];
export type ActivityField = (typeof SECTION_FIELDS.activities.fields)[number];
export type SubscriberField = (typeof SECTION_FIELDS.newsletter_subscribers.fields)[number];

/**
 * Another file joined to a section's file (join.ts): its rows are matched to the section's
 * rows on key columns, and its columns are read as `<alias>.<header>` (`deals.Amount`).
 */
export type JoinSpec = {
  /** The name its columns are addressed with (`deals` in `deals.Amount`). */
  alias: string;
  /** Which given file it reads, as a section's `file`. */
  file: string;
  /**
   * Key columns: `primary` a header of the section's file (or `<alias>.<header>` of an
   * earlier join), `joined` the same key's header in this file.
   */
  on: { primary: string; joined: string }[];
  /** left: every row of the section's file is kept; inner: rows without a partner are skipped (and counted). */
  type: "left" | "inner";
  /** `leads.join[0]`, for messages. */
  path: string;
};

export type Section<F extends string> = {
  /** The file this section reads: a name (with `*` wildcards) among the paths given; null: the only one. */
  file: string | null;
  /** Files joined to it, in order. */
  join: JoinSpec[];
  columns: Partial<Record<F, FieldSpec>>;
  path: string;
};

export type PipelineSpec = {
  name: string;
  /** Stage names in pipeline order; null when the mapping leaves the order to --stages. */
  stages: string[] | null;
  qualifying: string | null;
  won: string[] | null;
  lost: string[] | null;
  path: string;
};

export type CsvMapping = {
  file: string;
  sourceSystem: string;
  /** Empty when the mapping has no leads (a subscribers file alone). */
  pipelines: PipelineSpec[];
  /** Null only when another section is given (newsletter_subscribers); stage_events and activities need it. */
  leads: Section<LeadField> | null;
  stageEvents: Section<StageEventField> | null;
  activities: Section<ActivityField> | null;
  newsletterSubscribers: Section<SubscriberField> | null;
};

// ---------------------------------------------------------------------------------------
// Date patterns ("DD.MM.YYYY HH:mm")

export type DatePattern = { pattern: string; regex: RegExp; tokens: string[] };

const TOKENS = ["YYYY", "YY", "MMMM", "MMM", "MM", "M", "DD", "D", "HH", "H", "hh", "h", "mm", "ss", "A", "a"];
const TOKEN_REGEX: Record<string, string> = {
  YYYY: "(\\d{4})",
  YY: "(\\d{2})",
  MMMM: "([A-Za-z]+)",
  MMM: "([A-Za-z]{3})",
  MM: "(\\d{2})",
  M: "(\\d{1,2})",
  DD: "(\\d{2})",
  D: "(\\d{1,2})",
  HH: "(\\d{2})",
  H: "(\\d{1,2})",
  hh: "(\\d{2})",
  h: "(\\d{1,2})",
  mm: "(\\d{2})",
  ss: "(\\d{2})",
  A: "([AaPp][Mm])",
  a: "([AaPp][Mm])",
};
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * Compiles a pattern such as `DD.MM.YYYY HH:mm` or `MM/DD/YYYY hh:mm A`; a string explaining
 * what is wrong otherwise. When the pattern has a time after a space, values with the date
 * alone are accepted too (midnight): exports drop the time of some cells.
 */
export function compileDatePattern(pattern: string): DatePattern | string {
  const parts: string[] = [];
  const tokens: string[] = [];
  let timeStart: number | null = null;
  for (let i = 0; i < pattern.length; ) {
    const token = TOKENS.find((t) => pattern.startsWith(t, i));
    if (token) {
      if (timeStart === null && /^[Hh]/.test(token) && parts.at(-1) === "\\s+") timeStart = parts.length - 1;
      parts.push(TOKEN_REGEX[token] as string);
      tokens.push(token);
      i += token.length;
      continue;
    }
    const char = pattern[i] as string;
    if (/[A-Za-z]/.test(char)) {
      return `"${char}" in the date pattern ${JSON.stringify(pattern)} is not a token (YYYY, YY, MM, M, MMM, MMMM, DD, D, HH, H, hh, h, mm, ss, A)`;
    }
    parts.push(/\s/.test(char) ? "\\s+" : char.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"));
    i += 1;
  }
  const has = (...names: string[]) => tokens.some((t) => names.includes(t));
  const months = tokens.filter((t) => t.startsWith("M")).length;
  if (months > 1) {
    return `the date pattern ${JSON.stringify(pattern)} names the month twice: MM is the month, mm the minutes`;
  }
  for (const group of [["YYYY", "YY"], ["DD", "D"], ["HH", "H", "hh", "h"], ["mm"], ["ss"], ["A", "a"]]) {
    if (tokens.filter((t) => group.includes(t)).length > 1) {
      return `the date pattern ${JSON.stringify(pattern)} has ${group[0]} twice`;
    }
  }
  if (!has("YYYY", "YY") || !has("MMMM", "MMM", "MM", "M") || !has("DD", "D")) {
    return `the date pattern ${JSON.stringify(pattern)} needs a year (YYYY), a month (MM) and a day (DD)`;
  }
  if (has("hh", "h") !== has("A", "a")) {
    return `the date pattern ${JSON.stringify(pattern)} mixes a 12-hour clock and AM/PM: use hh with A, or HH without`;
  }
  const body =
    timeStart === null
      ? parts.join("")
      : `${parts.slice(0, timeStart).join("")}(?:${parts.slice(timeStart).join("")})?`;
  return { pattern, regex: new RegExp(`^${body}$`), tokens };
}

/** A value read with a pattern as `YYYY-MM-DD HH:MM:SS`, or a reason it does not fit. */
export function readDatePattern(value: string, pattern: DatePattern): { ok: string } | { error: string } {
  const m = pattern.regex.exec(value);
  if (!m) return { error: `${JSON.stringify(value)} does not fit the date pattern ${pattern.pattern}` };
  let [year, month, day, hour, minute, second] = [0, 0, 0, 0, 0, 0];
  let meridiem: string | null = null;
  for (const [i, token] of pattern.tokens.entries()) {
    const text = m[i + 1];
    if (text === undefined) continue; // the optional time part is absent
    const n = Number(text);
    if (token === "YYYY") year = n;
    else if (token === "YY") year = 2000 + n;
    else if (token === "MMMM" || token === "MMM") {
      const index = MONTHS.indexOf(text.slice(0, 3).toLowerCase());
      if (index < 0) return { error: `${JSON.stringify(text)} in ${JSON.stringify(value)} is not a month name` };
      month = index + 1;
    } else if (token === "MM" || token === "M") month = n;
    else if (token === "DD" || token === "D") day = n;
    else if (token === "HH" || token === "H" || token === "hh" || token === "h") hour = n;
    else if (token === "mm") minute = n;
    else if (token === "ss") second = n;
    else meridiem = text.toUpperCase();
  }
  if (meridiem !== null) {
    if (hour < 1 || hour > 12) return { error: `${JSON.stringify(value)} has the hour ${hour} with ${meridiem}` };
    if (meridiem === "PM" && hour < 12) hour += 12;
    if (meridiem === "AM" && hour === 12) hour = 0;
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { error: `${JSON.stringify(value)} is not a date in the calendar` };
  }
  if (year < 1900 || year > 2199) return { error: `${JSON.stringify(value)} is outside the years 1900-2199` };
  return { ok: date.toISOString().slice(0, 19).replace("T", " ") };
}

// ---------------------------------------------------------------------------------------
// The schema

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const scalarText = (v: string | number | boolean | null): string | null => (v === null ? null : String(v));

const TRANSFORM_SCHEMAS = {
  trim: z.literal(true),
  lower: z.literal(true),
  upper: z.literal(true),
  map: z.strictObject({
    map: z.record(z.string(), scalar),
    default: scalar.optional(),
  }),
  prefix: z.string(),
  split: z.strictObject({ split: z.string().min(1), index: z.number().int().min(0).optional() }),
  date: z.union([z.string().min(1), z.strictObject({ format: z.string().min(1) })]),
  // The bare word `number` (or `number:` with nothing) is handled before this schema.
  number: z.strictObject({ decimal: z.enum([",", "."], { error: 'decimal is "," (1.234,50) or "." (1,234.50)' }) }),
  multiply: z.number().refine((n) => Number.isFinite(n) && n !== 0, "multiply needs a number other than 0"),
} as const;
type TransformName = keyof typeof TRANSFORM_SCHEMAS;
const TRANSFORM_NAMES = Object.keys(TRANSFORM_SCHEMAS) as TransformName[];

/**
 * One transform: `trim`, `lower`, `upper`, `number` (a bare word), or an object with one of
 * the transform names as key (`map` and `split` may carry `default` / `index` beside it).
 * Checked by hand first so the message names the transforms instead of zod's "invalid union".
 */
const transformSchema = z.unknown().transform((input, ctx): Transform => {
  const fail = (message: string, path: PropertyKey[] = []) => {
    ctx.addIssue({ code: "custom", message, path });
    return z.NEVER;
  };
  const known = TRANSFORM_NAMES.join(", ");
  let name: string;
  let body: unknown;
  if (typeof input === "string") {
    if (!["trim", "lower", "upper", "number"].includes(input)) {
      return fail(
        `${JSON.stringify(input)} is not a transform (bare words: trim, lower, upper, number; with a value: ${known})`,
      );
    }
    name = input;
    body = input === "number" ? null : true;
  } else if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const keys = Object.keys(input).filter((k) => TRANSFORM_NAMES.includes(k as TransformName));
    if (keys.length !== 1) {
      return fail(
        keys.length === 0
          ? `a transform is one of ${known} (got ${Object.keys(input).join(", ") || "an empty object"})`
          : `one transform per list item (got ${keys.join(" and ")}): write them as separate items, applied in order`,
      );
    }
    name = keys[0] as string;
    const record = input as Record<string, unknown>;
    const extra = Object.keys(record).filter(
      (k) => k !== name && !(name === "map" && k === "default") && !(name === "split" && k === "index"),
    );
    if (extra.length > 0) return fail(`${name} takes no ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
    body = name === "map" || name === "split" ? record : record[name];
  } else {
    return fail(`a transform is a word (trim, lower, upper, number) or an object such as { map: {...} }`);
  }
  if (name === "number" && (body === null || body === true)) return { kind: "number", decimal: null };
  const schema = TRANSFORM_SCHEMAS[name as TransformName];
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = name === "map" || name === "split" ? issue.path : [name, ...issue.path];
      ctx.addIssue({ code: "custom", message: issue.message, path });
    }
    return z.NEVER;
  }
  switch (name) {
    case "trim":
    case "lower":
    case "upper":
      return { kind: name };
    case "prefix":
      return { kind: "prefix", prefix: parsed.data as string };
    case "multiply":
      return { kind: "multiply", factor: parsed.data as number };
    case "map": {
      const data = parsed.data as {
        map: Record<string, string | number | boolean | null>;
        default?: string | number | boolean | null;
      };
      return {
        kind: "map",
        map: new Map(Object.entries(data.map).map(([k, v]) => [k, scalarText(v) ?? ""])),
        default: data.default === undefined ? null : (scalarText(data.default) ?? ""),
      };
    }
    case "split": {
      const data = parsed.data as { split: string; index?: number };
      return { kind: "split", separator: data.split, index: data.index ?? 0 };
    }
    case "number": {
      const data = parsed.data as { decimal: "," | "." };
      return { kind: "number", decimal: data.decimal };
    }
    default: {
      const data = parsed.data as string | { format: string };
      const format = typeof data === "string" ? data : data.format;
      if (format === "iso" || format === "dmy" || format === "mdy") return { kind: "date", format };
      const compiled = compileDatePattern(format);
      if (typeof compiled === "string") return fail(compiled, ["date"]);
      return { kind: "date", format: compiled };
    }
  }
});

type RawField = {
  column?: string | string[] | undefined;
  value?: string | number | boolean | null | undefined;
  transform?: Transform[] | undefined;
};

/**
 * A field: a column name, or `{ column | value, transform }`; `column` may list several
 * headers, read in order until one is not empty (a close time split into won and lost time).
 */
const fieldSchema = z.preprocess(
  (v) => (typeof v === "string" ? { column: v } : v),
  z
    .strictObject({
      column: z.union([z.string().min(1, "the column name is empty"), z.array(z.string().min(1)).min(1)]).optional(),
      value: scalar.optional(),
      transform: z.array(transformSchema).optional(),
    })
    .refine((f) => (f.column === undefined) !== (f.value === undefined), {
      message: "give either column (a header of the file) or value (a constant), not both and not neither",
    }),
);

const keyColumn = z.string().min(1, "the key column's name is empty");

/**
 * A join: `on` is a header both files share (`on: Lead Id`), a list of them (a key of
 * several columns), or `{ <header of the section's file>: <header of this file> }`.
 */
const joinSchema = z.strictObject({
  file: z.string({ error: "a join needs file: which of the given files it reads" }).min(1),
  as: z
    .string({ error: "a join needs as: the name its columns are read with (as: deals, then deals.Amount)" })
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "as is a name of letters, digits and _ (deals, then deals.Amount)"),
  on: z.union([keyColumn, z.array(keyColumn).min(1), z.record(z.string().min(1), keyColumn)], {
    error:
      "on names the key: a header both files have (on: Lead Id), a list of them, or { <this section's header>: <the joined file's header> }",
  }),
  type: z.enum(["left", "inner"], { error: "type is left (keep every row; the default) or inner" }).optional(),
});

function sectionSchema(name: SectionName) {
  const { fields } = SECTION_FIELDS[name];
  const shape = Object.fromEntries(fields.map((f) => [f, fieldSchema.optional()]));
  return z.strictObject({
    file: z.string().min(1).optional(),
    join: z.array(joinSchema).min(1, "join lists the files to join (or leave it out)").optional(),
    columns: z.strictObject(shape, {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `${issue.keys.map((k) => JSON.stringify(k)).join(", ")} ${issue.keys.length === 1 ? "is not a field" : "are not fields"} of ${name} (fields: ${fields.join(", ")})`
          : undefined,
    }),
  });
}

const nameList = z.array(z.string().min(1)).min(1);

const pipelineSchema = z.strictObject({
  name: z.string().min(1),
  stages: nameList.optional(),
  qualifying: z.string().min(1).optional(),
  won: nameList.optional(),
  lost: nameList.optional(),
});

const MAPPING_KEYS = ["source_system", "pipelines", "leads", "stage_events", "activities", "newsletter_subscribers"];

const mappingSchema = z.strictObject(
  {
    source_system: z
      .string({ error: "source_system is required: a short name of the CRM, such as zoho (ids become zoho:<id>)" })
      .regex(
        /^[a-z][a-z0-9_-]*$/,
        "source_system is a lower-case name such as zoho or close (letters, digits, _ and -)",
      ),
    // Required with leads; crossChecks says so (a subscribers file alone has none).
    pipelines: z.array(pipelineSchema, { error: "pipelines is a list of { name, stages }" }).min(1).optional(),
    leads: sectionSchema("leads").optional(),
    stage_events: sectionSchema("stage_events").optional(),
    activities: sectionSchema("activities").optional(),
    newsletter_subscribers: sectionSchema("newsletter_subscribers").optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: not a key of the mapping (keys: ${MAPPING_KEYS.join(", ")})`
        : undefined,
  },
);

type Issue = { path: (string | number)[]; message: string };

const objectOf = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const stringsOf = (v: unknown): string[] | null =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : null;

/**
 * Checks across fields (stage names, required fields). Run on the raw data beside the
 * schema, not as a zod refinement, because zod skips refinements when any field fails and
 * a dry run should list every mistake at once.
 */
function crossChecks(data: unknown): Issue[] {
  const issues: Issue[] = [];
  const m = objectOf(data);
  if (!m) return issues;
  issues.push(...sectionPresence(m));
  const pipelines = Array.isArray(m.pipelines) ? m.pipelines : [];
  const names = new Set<string>();
  for (const [i, raw] of pipelines.entries()) {
    const p = objectOf(raw);
    if (!p) continue;
    if (typeof p.name === "string") {
      if (names.has(p.name.toLowerCase())) {
        issues.push({ path: ["pipelines", i, "name"], message: `pipeline ${p.name} is listed twice` });
      }
      names.add(p.name.toLowerCase());
    }
    const stages = stringsOf(p.stages) ?? [];
    const seen = new Set<string>();
    for (const [k, s] of stages.entries()) {
      if (seen.has(s.toLowerCase())) {
        issues.push({ path: ["pipelines", i, "stages", k], message: `stage ${s} is listed twice` });
      }
      seen.add(s.toLowerCase());
    }
    const check = (key: "qualifying" | "won" | "lost", list: readonly string[], single: boolean) => {
      for (const [k, s] of list.entries()) {
        if (seen.has(s.toLowerCase())) continue;
        issues.push({
          path: single ? ["pipelines", i, key] : ["pipelines", i, key, k],
          message:
            stages.length === 0
              ? `${key} names stage ${s}, but the pipeline lists no stages`
              : `${key} names stage ${s}, which is not in the pipeline's stages (${stages.join(", ")})`,
        });
      }
    };
    if (typeof p.qualifying === "string") check("qualifying", [p.qualifying], true);
    check("won", stringsOf(p.won) ?? [], false);
    check("lost", stringsOf(p.lost) ?? [], false);
  }
  for (const name of ["leads", "stage_events", "activities", "newsletter_subscribers"] as const) {
    const section = objectOf(m[name]);
    if (!section) continue;
    const columns = objectOf(section.columns) ?? {};
    for (const field of SECTION_FIELDS[name].required) {
      if (columns[field] === undefined) {
        issues.push({
          path: [name, "columns", field],
          message: `${name} needs ${field}: map it to a column (${field}: <header>) or a constant ({ value: ... })`,
        });
      }
    }
    issues.push(...joinChecks(name, section));
    if (name === "newsletter_subscribers") issues.push(...subscriberChecks(columns));
    if (name === "leads" && pipelines.length > 1 && columns.pipeline_id === undefined) {
      issues.push({
        path: ["leads", "columns", "pipeline_id"],
        message: "with several pipelines, leads needs pipeline_id (the column naming each lead's pipeline)",
      });
    }
  }
  return issues;
}

/**
 * Which sections a mapping needs: leads (with pipelines) or newsletter_subscribers, or both;
 * stage_events and activities belong to leads, and pipelines are only read for them.
 */
function sectionPresence(m: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const has = (key: string) => m[key] !== undefined && m[key] !== null;
  if (!has("leads") && !has("newsletter_subscribers")) {
    issues.push({
      path: ["leads"],
      message:
        "the mapping needs leads (with pipelines: the deals, opportunities) or newsletter_subscribers (a subscribers file), or both",
    });
  }
  if (has("leads") && !has("pipelines")) {
    issues.push({ path: ["pipelines"], message: "pipelines is required with leads: a list of { name, stages }" });
  }
  if (!has("leads")) {
    for (const key of ["pipelines", "stage_events", "activities"]) {
      if (has(key)) {
        issues.push({
          path: [key],
          message: `${key} belongs to leads, which the mapping does not map: add a leads section or leave ${key} out`,
        });
      }
    }
  }
  return issues;
}

/**
 * A subscribers section names its subscriber by an id, an address or an address's hash, and
 * by one of the last two only (which would win were both mapped is not guessed).
 */
function subscriberChecks(columns: Record<string, unknown>): Issue[] {
  const path = (field: string) => ["newsletter_subscribers", "columns", field];
  if (columns.email !== undefined && columns.email_hash !== undefined) {
    return [
      {
        path: path("email_hash"),
        message:
          "map email (an address, hashed on import) or email_hash (a SHA-256 hash the file already holds), not both",
      },
    ];
  }
  if (columns.id === undefined && columns.email === undefined && columns.email_hash === undefined) {
    return [
      {
        path: path("email"),
        message:
          "newsletter_subscribers needs email (the address, hashed on import), email_hash or id: map one of them",
      },
    ];
  }
  return [];
}

/** The key columns of a join as pairs (`on` in any of its three forms). */
function joinKeys(on: unknown): { primary: string; joined: string }[] {
  if (typeof on === "string") return [{ primary: on, joined: on }];
  if (Array.isArray(on)) return on.filter((k) => typeof k === "string").map((k) => ({ primary: k, joined: k }));
  const record = objectOf(on);
  if (!record) return [];
  return Object.entries(record)
    .filter((e): e is [string, string] => typeof e[1] === "string")
    .map(([primary, joined]) => ({ primary, joined }));
}

/**
 * A section's joins: names used once (and not `<alias>.` of a header), a key on the section's
 * side naming an earlier join's column only when that join is declared before it.
 */
function joinChecks(name: SectionName, section: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const joins = (Array.isArray(section.join) ? section.join : []).map((raw) => objectOf(raw) ?? {});
  const aliases = joins.map((j) => (typeof j.as === "string" ? j.as : null));
  for (const [i, join] of joins.entries()) {
    const alias = aliases[i];
    if (alias && aliases.slice(0, i).includes(alias)) {
      issues.push({ path: [name, "join", i, "as"], message: `${alias} names two joins: give each its own name` });
    }
    for (const key of joinKeys(join.on)) {
      const dot = key.primary.indexOf(".");
      const later = dot > 0 ? aliases.indexOf(key.primary.slice(0, dot), i) : -1;
      if (later < 0) continue;
      issues.push({
        path: [name, "join", i, "on"],
        message:
          later === i
            ? `${key.primary} is this join's own column: on the left of the key write ${name}'s header ({ <${name}'s header>: ${key.primary.slice(dot + 1)} })`
            : `${key.primary} is a column of ${aliases[later]}, which is joined after this one: list ${aliases[later]} first`,
      });
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------
// Reading

/**
 * Reads and validates a mapping file. Returns the mapping, or null with every problem found
 * (an ImportError each, naming the mapping file, the line and the field path).
 */
export async function readMapping(file: string): Promise<{ mapping: CsvMapping | null; problems: ImportError[] }> {
  let text: string;
  try {
    text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such mapping file" : `the mapping file cannot be read (${String(error)})`;
    return { mapping: null, problems: [new ImportError(file, null, null, reason)] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  let data: unknown;
  if (extname(file).toLowerCase() === ".json") {
    try {
      data = JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Node's message gives a position in some versions only; the YAML parser (which reads
      // JSON too) usually finds the same mistake with its place.
      const position = /position (\d+)/.exec(message);
      const offset = position ? Number(position[1]) : doc.errors[0]?.pos[0];
      const line = offset === undefined ? null : lineCounter.linePos(offset).line;
      return { mapping: null, problems: [new ImportError(file, line, null, `not valid JSON: ${message}`)] };
    }
  } else {
    const [error] = doc.errors;
    if (error) {
      const line = lineCounter.linePos(error.pos[0]).line;
      return { mapping: null, problems: [new ImportError(file, line, null, `not valid YAML: ${error.message}`)] };
    }
    data = doc.toJS();
  }
  const parsed = mappingSchema.safeParse(data);
  const issues: Issue[] = [
    ...(parsed.success ? [] : parsed.error.issues).map((issue) => ({
      path: (issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0] ?? ""] : issue.path).map((p) =>
        typeof p === "number" ? p : String(p),
      ),
      message: issue.message,
    })),
    ...crossChecks(data),
  ];
  if (!parsed.success || issues.length > 0) {
    const problems = issues
      .map(
        (issue) =>
          new ImportError(file, lineOf(doc, lineCounter, issue.path), pathText(issue.path) || null, issue.message),
      )
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { mapping: null, problems };
  }
  const m = parsed.data;
  const field = (spec: RawField, path: string): FieldSpec => ({
    column: spec.column === undefined ? null : typeof spec.column === "string" ? spec.column : (spec.column[0] ?? null),
    columns: spec.column === undefined ? [] : typeof spec.column === "string" ? [spec.column] : spec.column,
    constant: spec.value === undefined ? null : scalarText(spec.value),
    transforms: spec.transform ?? [],
    path,
  });
  const section = <F extends string>(
    name: SectionName,
    raw: {
      file?: string | undefined;
      join?: { file: string; as: string; on: unknown; type?: "left" | "inner" | undefined }[] | undefined;
      columns: Partial<Record<string, RawField | undefined>>;
    },
  ): Section<F> => {
    const columns: Partial<Record<F, FieldSpec>> = {};
    for (const [key, spec] of Object.entries(raw.columns)) {
      if (spec) columns[key as F] = field(spec, `${name}.columns.${key}`);
    }
    const join = (raw.join ?? []).map(
      (j, i): JoinSpec => ({
        alias: j.as,
        file: j.file,
        on: joinKeys(j.on),
        type: j.type ?? "left",
        path: `${name}.join[${i}]`,
      }),
    );
    return { file: raw.file ?? null, join, columns, path: name };
  };
  return {
    mapping: {
      file,
      sourceSystem: m.source_system,
      pipelines: (m.pipelines ?? []).map((p, i) => ({
        name: p.name,
        stages: p.stages ?? null,
        qualifying: p.qualifying ?? null,
        won: p.won ?? null,
        lost: p.lost ?? null,
        path: `pipelines[${i}]`,
      })),
      leads: m.leads ? section<LeadField>("leads", m.leads) : null,
      stageEvents: m.stage_events ? section<StageEventField>("stage_events", m.stage_events) : null,
      activities: m.activities ? section<ActivityField>("activities", m.activities) : null,
      newsletterSubscribers: m.newsletter_subscribers
        ? section<SubscriberField>("newsletter_subscribers", m.newsletter_subscribers)
        : null,
    },
    problems: [],
  };
}

/** `leads.columns.status.transform[0].map` */
export function pathText(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}

/** The line of the deepest node of `path` the document has (a missing key: its parent's line). */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: readonly PropertyKey[],
): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}
