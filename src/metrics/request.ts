/**
 * The metric request, declared once: every filter and option a reading command or route takes
 * (period, comparison, pipeline, team, rep, source, grain, the metric options), each with its
 * help text, its default and how its text is read. The API uses these zod schemas as its query
 * schemas (and so its OpenAPI parameters); the CLI derives its commander options from the same
 * fields (`cli/commands/metric-options.ts`), so a field added here appears in both, described
 * alike. Both sides then build the same `MetricRequest` with `requestOf`.
 */
import { z } from "zod";
import type { Comparison } from "../model/period.js";
import { MetricInputError, type MetricRequest } from "./context.js";
import { DEFAULT_OPTIONS, GRAINS, type Grain, type MetricDefinition, type MetricOptions } from "./metric.js";
import { METRICS, metricById } from "./registry.js";

/**
 * A number given as text (a query value, a flag), above 0 and at most `max`, `whole` or not.
 * Declared as data so the CLI can word its refusal the way it always has (the API names the
 * parameter and quotes zod's issue instead).
 */
export type NumberRange = { whole: boolean; max: number };

export type RequestField<S extends z.ZodType = z.ZodType> = {
  /** The CLI's flags, in commander's syntax; the long flag's camelCase is the query name. */
  flag: string;
  /** The help text: the CLI's option description and the OpenAPI parameter's. */
  description: string;
  /** How the API reads the query value (optional, described). */
  schema: S;
  /** The values it takes, when it is a choice (the CLI lists them on a bad one). */
  choices?: readonly string[];
  /** Its range, when it is a number (the CLI parses the flag with `schema`). */
  range?: NumberRange;
};

/**
 * Text a reading route is asked for: PostgreSQL cannot take NUL in a bound text value (the
 * read failed with a 500), so it is refused here, by name, on both engines.
 */
export const searchableText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes("\u0000"), "contains a NUL character");

/**
 * Free text (a period, a name). The CLI passes it on as typed: its bounds are the wire's (NUL,
 * which argv cannot carry; a parameter's length), and the resolver names a value it cannot find.
 */
function text(flag: string, max: number, description: string) {
  return { flag, description, schema: searchableText(max).optional().describe(description) };
}

function choice<const C extends readonly [string, ...string[]]>(flag: string, choices: C, description: string) {
  return {
    flag,
    description,
    choices,
    schema: z.enum(choices).optional().describe(description),
  };
}

function positive(flag: string, range: NumberRange, description: string) {
  const number = range.whole ? z.coerce.number().int() : z.coerce.number();
  return { flag, description, range, schema: number.positive().max(range.max).optional().describe(description) };
}

/** A target: a number above 0, unbounded (the plan scales with it). */
function amount(flag: string, description: string) {
  return { flag, description, schema: z.coerce.number().positive().optional().describe(description) };
}

/** The filters every reading route and command shares (`plan` replaces the period's). */
export const FILTER_FIELDS = {
  period: text(
    "-p, --period <period>",
    40,
    "2025-Q3, 2025-H1, 2025-07, 2025, 2025-07-14 or 2025-07-01..2025-09-30 (default: the quarter of the latest data)",
  ),
  pipeline: text("--pipeline <pipeline>", 200, "only this pipeline (id or name)"),
  team: text("--team <team>", 200, "only leads owned by this team's reps"),
  rep: text("--rep <rep>", 200, "only leads owned by this rep (id or name)"),
  source: text(
    "--source <source>",
    200,
    "only leads from this source channel (website, social, social:linkedin, paid, ..., unknown)",
  ),
  grain: choice("--grain <grain>", GRAINS as readonly [Grain, ...Grain[]], "trend buckets (default: by period length)"),
} satisfies Record<string, RequestField>;

export const COMPARE_FIELD = choice(
  "-c, --compare <comparison>",
  ["previous", "year"] as const satisfies readonly Comparison[],
  "also compute the previous period or the same one a year earlier",
);

/**
 * The vanity check always compares: without a comparison asked for, with the previous period
 * (`checkFor`, which the CLI and the API both call).
 */
export const CHECK_COMPARISON: Comparison = "previous";

/** The metric options, each with the MetricOptions key it sets; defaults are DEFAULT_OPTIONS'. */
export const TUNING_FIELDS = {
  k: {
    option: "stalledFactor",
    ...positive(
      "-k, --k <factor>",
      { whole: false, max: 100 },
      `stalled: flag open leads past k x the won-lead median of their stage (default ${DEFAULT_OPTIONS.stalledFactor})`,
    ),
  },
  windowDays: {
    option: "attributionDays",
    ...positive(
      "--window-days <days>",
      { whole: true, max: 3650 },
      `newsletter: attribution window in days (default ${DEFAULT_OPTIONS.attributionDays})`,
    ),
  },
  from: {
    option: "velocityFrom",
    ...choice(
      "--from <start>",
      ["qualification", "creation"] as const satisfies readonly MetricOptions["velocityFrom"][],
      "velocity: count days from qualification (default) or creation",
    ),
  },
  topShare: {
    option: "performerShare",
    ...positive(
      "--top-share <share>",
      { whole: false, max: 0.5 },
      `activity quality: share of reps in the top and bottom groups (default ${DEFAULT_OPTIONS.performerShare})`,
    ),
  },
} satisfies Record<string, RequestField & { option: keyof MetricOptions }>;

/**
 * What the lead plan asks for beside the filters. The CLI reads the targets its own way (a
 * terminal user types "1,000,000"); the names and help text are these.
 */
export const PLAN_FIELDS = {
  targetWon: amount("--target-won <n>", "won leads wanted in the period"),
  targetRevenue: amount("--target-revenue <amount>", "won value wanted in the period (reporting currency)"),
  history: text(
    "--history <period>",
    40,
    "measure conversion on leads created in this period (default: the 12 months before)",
  ),
} satisfies Record<string, RequestField>;

const schemas = <F extends Record<string, RequestField>>(fields: F) =>
  Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.schema])) as {
    [K in keyof F]: F[K]["schema"];
  };

/** The filters as a query: every reading route's parameters (the CLI's flags, by the same names). */
export const FilterQuery = z.object(schemas(FILTER_FIELDS)).strict();

/** A metric's query: the filters, the comparison and the metric options. */
export const MetricQuery = FilterQuery.extend({ compare: COMPARE_FIELD.schema, ...schemas(TUNING_FIELDS) }).strict();

/** `/api/report`'s: a metric's query and which metrics, as a comma list (the CLI takes arguments). */
export const ReportQuery = MetricQuery.extend({
  metrics: z
    .string()
    .max(400)
    .optional()
    .describe(`comma-separated metric ids (default: all): ${METRICS.map((m) => m.id).join(", ")}`),
}).strict();

/** What the filters, comparison and options read to, from a query or from parsed flags. */
export type MetricQueryValue = Partial<z.output<typeof MetricQuery>>;

/**
 * A request as a program gives it (the library's `report` and `check`, src/index.ts): the
 * MetricRequest's own names, checked by the same fields' schemas as the CLI's flags and the
 * API's query (the options by the MetricOptions key each tuning field sets).
 */
const ProgramRequest = FilterQuery.extend({
  compare: COMPARE_FIELD.schema.nullable(),
  options: z
    .object(
      Object.fromEntries(
        Object.values(TUNING_FIELDS).map((field) => [field.option, field.schema]),
      ) as unknown as Record<keyof MetricOptions, z.ZodType>,
    )
    .strict()
    .optional(),
  metrics: z.array(z.string()).optional(),
}).strict();

/** Checks a program's request; a wrong field is a MetricInputError naming it, as a flag's would be. */
export function checkedProgramRequest<R>(request: R): R {
  const parsed = ProgramRequest.safeParse(request);
  if (parsed.success) return request;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join(".") || (issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : "request");
  const name = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : path;
  throw new MetricInputError(`${name}: ${issue?.message ?? "not a request"}`, name);
}

/**
 * The request a query or the CLI's flags ask for. The values are already checked against their
 * fields (the query by zod, the flags by commander with the same choices and ranges).
 */
export function requestOf(workspace: string, q: MetricQueryValue): MetricRequest {
  const options: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(TUNING_FIELDS)) {
    const value = q[name as keyof typeof TUNING_FIELDS];
    if (value !== undefined) options[field.option] = value;
  }
  return {
    workspace,
    period: q.period,
    compare: q.compare ?? null,
    pipeline: q.pipeline,
    team: q.team,
    rep: q.rep,
    source: q.source,
    grain: q.grain,
    options: options as MetricRequest["options"],
  };
}

/**
 * The metrics a report asks for, by id (none: all of them). "funnel," and "funnel, losses" are
 * what people type: blanks between commas are not metrics.
 */
export function splitMetricIds(list: string | undefined): string[] {
  return (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The definitions of the metrics asked for (none: all); an unknown id names the choices. */
export function metricsOf(ids: readonly string[]): readonly MetricDefinition[] {
  if (ids.length === 0) return METRICS;
  return ids.map((id) => {
    const found = metricById(id);
    if (!found) {
      throw new MetricInputError(
        `there is no metric "${id}"; metrics: ${METRICS.map((m) => m.id).join(", ")}`,
        "metrics",
      );
    }
    return found;
  });
}
