/**
 * One request schema (issue 15 item 2): the CLI's flags and the API's query parameters are
 * both derived from the fields of `metrics/request.ts`. Every field appears as a flag of the
 * reading commands and as an OpenAPI parameter of the reading routes, with the same name and
 * the same description, and nothing appears on one side only (beyond each side's own: the
 * CLI's --format and --why, the report's `metrics` list), so a field added once is in both.
 * No database: the routes are declared, never called.
 */
import type { Command, Option } from "commander";
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import { DEFAULT_OPTIONS } from "../src/metrics/metric.js";
import {
  COMPARE_FIELD,
  FILTER_FIELDS,
  PLAN_FIELDS,
  type RequestField,
  requestOf,
  splitMetricIds,
  TUNING_FIELDS,
} from "../src/metrics/request.js";
import { Api } from "../src/server/api.js";
import type { ServerContext } from "../src/server/context.js";
import { registerMetricRoutes } from "../src/server/routes/metrics.js";

type Parameter = { name: string; in: string; description?: string; schema: { enum?: string[] } };

const FIELDS: [string, RequestField][] = [
  ...Object.entries(FILTER_FIELDS),
  ["compare", COMPARE_FIELD],
  ...Object.entries(TUNING_FIELDS),
];

const program = await buildProgram();
const command = (name: string): Command => {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
};
const optionsOf = (name: string): Map<string, Option> =>
  new Map(command(name).options.map((o) => [o.attributeName(), o]));

// The metric routes' OpenAPI parameters, from their declarations alone.
const api = new Api(new Hono(), async () => null);
registerMetricRoutes(api, {} as ServerContext);
const document = api.openapi({ title: "t", version: "0", description: "d" }) as {
  paths: Record<string, { get: { parameters?: Parameter[] } }>;
};
const queryOf = (path: string): Map<string, Parameter> =>
  new Map(
    (document.paths[path]?.get.parameters ?? []).filter((p) => p.in === "query").map((p) => [p.name, p] as const),
  );

describe("one request schema for the CLI and the API", () => {
  test("every field is a flag of report and check, with its flags, description and choices", () => {
    for (const name of ["report", "check"]) {
      const options = optionsOf(name);
      for (const [field, declared] of FIELDS) {
        const option = options.get(field);
        expect(option, `${name} --${field}`).toBeDefined();
        expect(option?.flags).toBe(declared.flag);
        expect(option?.description).toBe(declared.description);
        expect(option?.argChoices).toEqual(declared.choices ? [...declared.choices] : undefined);
      }
      // Nothing but the fields and the CLI's own output flags.
      const own = name === "report" ? ["format", "why"] : ["format"];
      expect([...options.keys()].sort()).toEqual([...FIELDS.map(([f]) => f), ...own].sort());
    }
  });

  test("stalled and plan take the filters (their own period, k and targets beside them)", () => {
    for (const name of ["stalled", "plan"]) {
      const options = optionsOf(name);
      for (const [field, declared] of Object.entries(FILTER_FIELDS)) {
        expect(options.get(field)?.description, `${name} --${field}`).toBe(declared.description);
      }
      expect(options.has("compare"), `${name} --compare`).toBe(false);
    }
    // The plan's own fields: the same names and help text as /api/plan's parameters.
    const plan = optionsOf("plan");
    const query = queryOf("/api/plan");
    for (const [field, declared] of Object.entries(PLAN_FIELDS)) {
      expect(plan.get(field)?.flags, `plan --${field}`).toBe(declared.flag);
      expect(plan.get(field)?.description).toBe(declared.description);
      expect(query.get(field)?.description, `/api/plan ${field}`).toBe(declared.description);
    }
  });

  test("every field is a query parameter of the metric routes, described as the CLI's flag is", () => {
    const own: Record<string, string[]> = {
      "/api/report": ["metrics"],
      "/api/stalled": ["limit", "offset", "sort"],
      "/api/stalled.csv": ["sort", "lang"],
    };
    for (const path of ["/api/metrics/{id}", "/api/report", "/api/check", "/api/stalled", "/api/stalled.csv"]) {
      const query = queryOf(path);
      for (const [field, declared] of FIELDS) {
        const parameter = query.get(field);
        expect(parameter, `${path} ${field}`).toBeDefined();
        expect(parameter?.description).toBe(declared.description);
        expect(parameter?.description).toBe(optionsOf("report").get(field)?.description);
        if (declared.choices) expect(parameter?.schema.enum).toEqual([...declared.choices]);
      }
      expect([...query.keys()].sort()).toEqual([...FIELDS.map(([f]) => f), ...(own[path] ?? [])].sort());
    }
    // The trend has no comparison; the plan asks for its own period.
    const trend = queryOf("/api/check/trend");
    expect(trend.has("compare")).toBe(false);
    for (const [field] of Object.entries(TUNING_FIELDS)) expect(trend.has(field), field).toBe(true);
    const plan = queryOf("/api/plan");
    for (const field of ["pipeline", "team", "rep", "source", "grain"]) expect(plan.has(field), field).toBe(true);
  });

  test("a number flag is read by the field's schema: its range, in the CLI's words", () => {
    const report = optionsOf("report");
    const parse = (field: string, value: string) => report.get(field)?.parseArg?.(value, undefined);
    expect(parse("k", "2.5")).toBe(2.5);
    expect(parse("windowDays", "14")).toBe(14);
    expect(parse("topShare", "0.5")).toBe(0.5);
    expect(() => parse("k", "abc")).toThrow(/^--k takes a number above 0, not abc$/);
    expect(() => parse("k", "0")).toThrow(/^--k takes a number above 0, not 0$/);
    // The API's bound (query.k over 100 is a 400) holds on the command line too.
    expect(() => parse("k", "101")).toThrow(/^--k takes a number of at most 100, not 101$/);
    expect(() => parse("windowDays", "1.5")).toThrow(/^--window-days takes a whole number, not "1.5"$/);
    expect(() => parse("windowDays", "0")).toThrow(/^--window-days takes a whole number above 0, not "0"$/);
    expect(() => parse("topShare", "0.9")).toThrow(/^--top-share takes a number of at most 0.5, not 0.9$/);
  });

  test("flags and query build the same request", async () => {
    const report = command("report");
    await report
      .exitOverride()
      .action(() => {})
      .parseAsync(
        ["-p", "2026-Q1", "--rep", "Ana", "-c", "year", "-k", "3", "--window-days", "7", "--from", "creation"],
        {
          from: "user",
        },
      );
    const fromFlags = requestOf("w", report.opts());
    const fromQuery = requestOf("w", {
      period: "2026-Q1",
      rep: "Ana",
      compare: "year",
      k: 3,
      windowDays: 7,
      from: "creation",
    });
    expect(fromFlags).toEqual(fromQuery);
    expect(fromQuery).toEqual({
      workspace: "w",
      period: "2026-Q1",
      compare: "year",
      pipeline: undefined,
      team: undefined,
      rep: "Ana",
      source: undefined,
      grain: undefined,
      options: { stalledFactor: 3, attributionDays: 7, velocityFrom: "creation" },
    });
    // Every metric option has a field, and its help text states the default the metric uses.
    expect(
      Object.values(TUNING_FIELDS)
        .map((f) => f.option)
        .sort(),
    ).toEqual(Object.keys(DEFAULT_OPTIONS).sort());
    expect(TUNING_FIELDS.k.description).toContain(`(default ${DEFAULT_OPTIONS.stalledFactor})`);
    expect(requestOf("w", {}).compare).toBeNull();
  });

  test("the report's metric list: commas and blanks", () => {
    expect(splitMetricIds("funnel, losses,")).toEqual(["funnel", "losses"]);
    expect(splitMetricIds(undefined)).toEqual([]);
  });
});
