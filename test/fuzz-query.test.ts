/**
 * Property-based fuzzing of every parameter of every GET route (issue 13, "Tests"), driven by
 * the OpenAPI document (GET /api/openapi.json): a route added to the API is fuzzed without a
 * change here. Each case starts from a request the route takes (a valid period, target, ...)
 * and replaces one to three of its parameters, query or path, with generated text: empty,
 * huge, unicode, NUL, lone surrogates (as WTF-8 bytes, which no UTF-8 decoder takes), broken
 * percent escapes, SQL-ish text, numbers at their extremes, dates like 9999-12-31 and
 * 0001-01-01, values at the schema's own bounds, and the same parameter given twice. For
 * every case:
 *
 * - no 5xx, and an answer within a bounded time;
 * - no stack trace or file-system path in the answer;
 * - a refusal (400) names the parameter at fault (`query.period`, `path.id`).
 *
 * Cases per engine: for each parameter of each GET route, a sweep of 13 fixed values (one of
 * each class above, and the parameter given twice) and 8 generated cases; 8 per GET route
 * without parameters (about 1,500 on today's document). Seeded: test/support/fuzz.ts says how to replay.
 */
import { resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { engines } from "./support/databases.js";
import {
  bounded,
  EXTREME_NUMBERS,
  expectFieldNamed,
  expectNoLeak,
  expectNoServerError,
  FuzzStats,
  fuzzParameters,
  hostileText,
  ODD_DATES,
  outcomeOf,
} from "./support/fuzz.js";
import { addPrincipals, type Principals, startTestServer, type TestServer } from "./support/server-harness.js";

const WORKSPACE = "fuzz";
const FIXTURE = resolve(import.meta.dirname, "fixtures/canonical-small");
const CASE_MS = 30_000;
const RUNS_PER_PARAMETER = 8;

/**
 * Asked of every parameter of every route before the generated cases (fast-check's examples):
 * each class the issue names at least once, whatever the seed.
 */
const SWEEP = [
  "",
  "x".repeat(100_000),
  "\u0000",
  "\uD800",
  "Zoë 😀",
  "' OR '1'='1",
  "1e309",
  "-1",
  "9999-12-31",
  "0001-01-01",
  "9999-Q4",
];
const RUNS_PER_BARE_ROUTE = 8;

/** A parameter of the OpenAPI document, with its JSON schema. */
type Parameter = {
  name: string;
  in: "query" | "path";
  required: boolean;
  schema: { type?: string; enum?: string[]; minimum?: number; maximum?: number; maxLength?: number };
};
type Route = { path: string; parameters: Parameter[] };

/**
 * Values a route takes, so a case fails on the parameter it fuzzes and no other. Routes that
 * need none are asked with nothing; a new route's required parameter is filled from its
 * schema (see baseValue).
 */
const BASE: Record<string, Record<string, string>> = {
  "/api/metrics/{id}": { id: "funnel", period: "2025-Q1" },
  "/api/report": { period: "2025-Q1" },
  "/api/check": { period: "2025-Q1" },
  "/api/check/trend": { period: "2025-Q1" },
  "/api/stalled": { period: "2025-Q1" },
  "/api/stalled.csv": { period: "2025-Q1" },
  "/api/plan": { period: "2025-Q2", targetWon: "5" },
  "/api/leads": { search: "acme" },
  "/api/leads/{id}/timeline": { id: "L1" },
};

function baseValue(parameter: Parameter): string {
  if (parameter.schema.enum?.[0]) return parameter.schema.enum[0];
  if (parameter.schema.type === "integer" || parameter.schema.type === "number") {
    return String(parameter.schema.minimum ?? 1);
  }
  return "x";
}

/** A value as it goes into the URL: `text` to percent-encode, or `raw` bytes of the query as they are. */
type Value = { text: string } | { raw: string };

/** Values at and past the schema's own bounds, and the choices it lists. */
function schemaValues(parameter: Parameter): string[] {
  const { enum: choices, minimum, maximum, maxLength } = parameter.schema;
  const out: string[] = [...(choices ?? [])];
  if (choices) out.push(...choices.map((c) => c.toUpperCase()), ...choices.map((c) => ` ${c}`));
  for (const bound of [minimum, maximum]) {
    if (bound === undefined) continue;
    out.push(String(bound), String(bound - 1), String(bound + 1), String(bound - 0.5), String(bound + 0.5));
  }
  if (maxLength !== undefined) out.push("y".repeat(maxLength), "y".repeat(maxLength + 1), "é".repeat(maxLength));
  return out;
}

function valueFor(parameter: Parameter): fc.Arbitrary<Value> {
  const own = schemaValues(parameter);
  return fc.oneof(
    { weight: 5, arbitrary: hostileText({ huge: 200_000 }).map((text) => ({ text })) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_DATES).map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constantFrom(...EXTREME_NUMBERS).map((text) => ({ text })) },
    ...(own.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...own).map((text) => ({ text })) }] : []),
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("%", "%zz", "%00", "%C0%80", "%ED%A0%80", "%FF", "%E2%82", "a%2", "+", "%2B", "&", "=", "%26")
        .map((raw) => ({ raw })),
    },
  );
}

/**
 * Percent-encoding that keeps what encodeURIComponent refuses: a lone surrogate becomes its
 * WTF-8 bytes (%ED%A0%80), which a UTF-8 decoder cannot read.
 */
function encode(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

const encoded = (value: Value) => ("raw" in value ? value.raw : encode(value.text));

/** One case: which parameters are replaced, by what, and whether one is given twice. */
type Case = { changes: [Parameter, Value][]; repeat: boolean };

describe.each(engines())("fuzzing the parameters of every GET route (%s)", (engine) => {
  let server: TestServer;
  let principals: Principals;
  const routes: Route[] = [];
  const stats = new FuzzStats();

  beforeAll(async () => {
    server = await startTestServer(
      engine,
      async (store) => {
        await runImport(store, verityImporter, FIXTURE, { workspace: WORKSPACE });
        principals = await addPrincipals(store, WORKSPACE);
      },
      // Thousands of reads with one key: the rate limit is not what is tested here.
      { apiRate: 1_000_000 },
    );
    const document = await server.request("/api/openapi.json");
    expect(document.status).toBe(200);
    for (const [path, operations] of Object.entries(
      document.body.paths as Record<string, Record<string, { parameters?: Parameter[] }>>,
    )) {
      const get = operations.get;
      if (get) routes.push({ path, parameters: get.parameters ?? [] });
    }
  });
  afterAll(async () => {
    stats.print(`GET parameters (${engine})`);
    await server?.close();
  });

  function target(route: Route, c: Case): { url: string; sent: string[] } {
    const base = BASE[route.path] ?? {};
    const values = new Map<Parameter, string[]>();
    for (const p of route.parameters) {
      const given = base[p.name] ?? (p.required ? baseValue(p) : undefined);
      if (given !== undefined) values.set(p, [encode(given)]);
    }
    const sent: string[] = [];
    for (const [p, value] of c.changes) {
      const e = encoded(value);
      sent.push("raw" in value ? value.raw : value.text);
      const before = values.get(p) ?? [];
      // Given twice: the route's own value first, then the generated one (or the reverse).
      values.set(p, c.repeat && before.length > 0 ? [...before, e] : [e]);
    }
    let path = route.path;
    const query: string[] = [];
    for (const [p, list] of values) {
      if (p.in === "path") path = path.replace(`{${p.name}}`, list[0] || "%20");
      else for (const v of list) query.push(`${p.name}=${v}`);
    }
    for (const p of route.parameters) if (p.in === "path") path = path.replace(`{${p.name}}`, "x");
    return { url: query.length > 0 ? `${path}?${query.join("&")}` : path, sent };
  }

  async function check(route: Route, c: Case): Promise<void> {
    const { url, sent } = target(route, c);
    const answer = await server.request(url, { key: principals.keys.all.secret });
    stats.note(`${route.path} ${outcomeOf(answer.status, answer.body)}`);
    expectNoServerError(answer.status, answer.text, `GET ${url.slice(0, 300)}`);
    expectNoLeak(answer.text, sent);
    if (answer.status >= 200 && answer.status < 300) return;
    const pathFuzzed = c.changes.some(([p]) => p.in === "path");
    if (answer.status === 404 && pathFuzzed) return;
    expect(answer.status, `GET ${url.slice(0, 300)}: ${answer.text.slice(0, 500)}`).toBe(400);
    expectFieldNamed(answer.status, answer.body, answer.text);
    // A parameter of the route: not always the one changed (a source that matches no lead
    // leaves the plan's period with nothing to measure, and the plan names the period).
    const named = route.parameters.map((p) => `${p.in}.${p.name}`);
    expect(named, `GET ${url.slice(0, 300)}: ${answer.text.slice(0, 300)}`).toContain(answer.body.error.field);
  }

  it("the document lists GET routes with parameters to fuzz", () => {
    expect(routes.filter((r) => r.parameters.length > 0).length).toBeGreaterThanOrEqual(8);
  });

  it("answers every GET route safely whatever its parameters hold, naming a refused one", async () => {
    for (const route of routes) {
      if (route.parameters.length === 0) {
        // Routes without parameters ignore what they are given, and still must not fail.
        const junk = fc.tuple(
          fc.string({ maxLength: 10 }),
          valueFor({ name: "x", in: "query", required: false, schema: {} }),
        );
        await fc.assert(
          fc.asyncProperty(junk, async ([name, value]) => {
            const url = `${route.path}?${encode(name || "x")}=${encoded(value)}`;
            const answer = await bounded(
              server.request(url, { key: principals.keys.all.secret }),
              CASE_MS,
              `GET ${url}`,
            );
            stats.note(`${route.path} ${outcomeOf(answer.status, answer.body)}`);
            expectNoServerError(answer.status, answer.text, `GET ${url.slice(0, 300)}`);
            expectNoLeak(answer.text, ["raw" in value ? value.raw : value.text, name]);
          }),
          fuzzParameters(RUNS_PER_BARE_ROUTE),
        );
        continue;
      }
      const change = fc
        .constantFrom(...route.parameters)
        .chain((p) => valueFor(p).map((v): [Parameter, Value] => [p, v]));
      const cases = fc.record({
        changes: fc.uniqueArray(change, { minLength: 1, maxLength: 3, selector: ([p]) => p.name }),
        repeat: fc.boolean(),
      });
      const sweep = route.parameters.flatMap((p) =>
        [...SWEEP.map((text) => ({ text })), { raw: "%ED%A0%80" }].flatMap((value): [Case][] => [
          [{ changes: [[p, value]], repeat: false }],
          ...(p.in === "query" && "text" in value && value.text === ""
            ? [[{ changes: [[p, { text: "9999" }]], repeat: true }] as [Case]]
            : []),
        ]),
      );
      await fc.assert(
        fc.asyncProperty(cases, (c) => bounded(check(route, c), CASE_MS, `a case of GET ${route.path}`)),
        fuzzParameters(RUNS_PER_PARAMETER * route.parameters.length, { examples: sweep }),
      );
    }
  }, 240_000);
});
