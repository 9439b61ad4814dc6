/**
 * Property-based fuzzing of POST /api/data (issue 13, "Tests"): generated rows of every
 * canonical table (src/model/canonical.ts), built from each column's declaration. Most rows
 * are ones the schema takes, with hostile text in their text (quotes, line breaks, unicode,
 * lone surrogates, SQL-ish, huge), odd but valid dates and numbers at their limits; some
 * carry one wrong value (a bad date, a number out of range, another JSON type, NUL, an
 * unknown column, a missing key). For every case:
 *
 * - no 5xx, no stack trace or file-system path in the answer;
 * - a refusal names its field (`body.<table>[i].<column>`);
 * - after a refusal the workspace's canonical tables are exactly as before (a checksum of
 *   every row).
 *
 * Cases per engine: 260. Seeded: test/support/fuzz.ts says how to replay a failure.
 */
import { resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { type Column, TABLE_ORDER, TABLES, type TableName } from "../src/model/canonical.js";
import { raw, sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import {
  bounded,
  EXTREME_NUMBERS,
  expectFieldNamed,
  expectNoLeak,
  expectNoServerError,
  FuzzStats,
  fieldText,
  fuzzParameters,
  hostileText,
  ODD_DATES,
  outcomeOf,
  WorkspaceChecksums,
} from "./support/fuzz.js";
import { addPrincipals, type Principals, startTestServer, type TestServer } from "./support/server-harness.js";

const WORKSPACE = "fuzz";
const FIXTURE = resolve(import.meta.dirname, "fixtures/canonical-small");
const CASE_MS = 20_000;

type Row = Record<string, unknown>;

/** Text a column takes: hostile in content, now and then with NUL (refused by name) or a lone surrogate. */
const usualText = fieldText;

const usualTimestamp = fc.oneof(
  fc
    .date({ min: new Date("1990-01-01"), max: new Date("2035-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc
    .date({ min: new Date("1990-01-01"), max: new Date("2035-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom("9999-12-31", "0001-01-01", "1970-01-01T00:00:00Z", "2024-02-29", "2025-03-30T02:30:00+02:00"),
);

function usualValue(column: Column, keys: Map<TableName, string[]>): fc.Arbitrary<unknown> {
  if (column.references) {
    const known = keys.get(column.references) ?? [];
    return known.length > 0 ? fc.constantFrom(...known) : usualText(40);
  }
  if (column.oneOf) return fc.constantFrom(...column.oneOf);
  if (column.name === "currency") return fc.constantFrom("EUR", "USD", "SEK");
  switch (column.type) {
    case "text":
      return column.name === "id" || column.name.endsWith("_id") ? usualText(60) : usualText(5_000);
    case "timestamp":
      return usualTimestamp;
    case "integer":
      return fc.oneof(
        fc.integer({ min: column.min ?? -1_000, max: Math.min(column.max ?? 1_000_000, 1_000_000) }),
        fc.constantFrom(column.min ?? 0, column.max ?? Number.MAX_SAFE_INTEGER),
      );
    case "decimal":
      return fc.oneof(
        fc.integer({ min: 0, max: 10_000_000 }).map((cents) => cents / 100),
        fc.constantFrom(column.min ?? 0, 0.01, 9_999_999_999_999.99, 1e15),
      );
    case "boolean":
      return fc.boolean();
  }
}

/** A value the column should refuse, or one at the edge of what it takes. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText({ huge: 120_000 }),
  fc.constantFrom(...ODD_DATES),
  fc.constantFrom(...EXTREME_NUMBERS).map(Number),
  fc.constantFrom(...EXTREME_NUMBERS),
  fc.constantFrom(null, true, false, "", "\u0000", "a\u0000b", 1e308, -1, 2 ** 53, -(2 ** 31) - 1, 2 ** 31),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A row of `table`: every column's usual value (optional ones now and then left out). */
function usualRow(table: TableName, keys: Map<TableName, string[]>): fc.Arbitrary<Row> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const column of TABLES[table].columns as readonly Column[]) {
    shape[column.name] = usualValue(column, keys);
    if (column.required) required.push(column.name);
  }
  return fc.record(shape, { requiredKeys: required }).map((row) => consistent(table, row));
}

/** The rules across columns a usual row keeps (a lead closed when it is not open, and after it began). */
function consistent(table: TableName, row: Row): Row {
  const out = { ...row };
  if (table === "leads") {
    delete out.qualified_at;
    if (out.status === "open") delete out.closed_at;
    else out.closed_at = out.created_at;
    if (out.value !== undefined) out.currency ??= "EUR";
    else delete out.currency;
  }
  if (table === "newsletter_subscribers") delete out.unsubscribed_at;
  return out;
}

/** A usual row with one thing wrong: a column's value, a missing column, an unknown one. */
function oddRow(table: TableName, keys: Map<TableName, string[]>): fc.Arbitrary<Row> {
  const names = TABLES[table].columns.map((c) => c.name as string);
  return fc
    .tuple(usualRow(table, keys), fc.constantFrom(...names, "colour"), oddValue, fc.boolean())
    .map(([row, name, value, drop]) => {
      const out = { ...row };
      if (drop && name !== "colour") delete out[name];
      else out[name] = value;
      return out;
    });
}

describe.each(engines())("fuzzing POST /api/data (%s)", (engine) => {
  let server: TestServer;
  let principals: Principals;
  const keys = new Map<TableName, string[]>();
  const stats = new FuzzStats();
  const checksums = new WorkspaceChecksums(() => server.store, WORKSPACE);

  beforeAll(async () => {
    server = await startTestServer(engine, async (store) => {
      await runImport(store, verityImporter, FIXTURE, { workspace: WORKSPACE });
      principals = await addPrincipals(store, WORKSPACE);
    });
    for (const table of TABLE_ORDER) {
      if (TABLES[table].key.length !== 1) continue;
      const rows = await server.store.query<{ id: string }>(
        sql`SELECT ${raw(TABLES[table].key[0] as string)} AS id FROM ${raw(table)} WHERE workspace_id = ${WORKSPACE}`,
      );
      keys.set(
        table,
        rows.map((r) => String(r.id)),
      );
    }
  });
  afterAll(async () => {
    stats.print(`POST /api/data (${engine})`);
    await server?.close();
  });

  /** One push: the answer is safe, a refusal names its field and leaves the tables as they were. */
  async function check(body: Record<string, Row[]>): Promise<void> {
    const before = await checksums.before();
    const text = JSON.stringify(body);
    const answer = await server.request("/api/data", {
      key: principals.keys.data.secret,
      body: text,
      headers: { "content-type": "application/json" },
    });
    stats.note(outcomeOf(answer.status, answer.body));
    expectNoServerError(answer.status, answer.text, "POST /api/data");
    expectNoLeak(answer.text, [
      text,
      ...Object.values(body).flatMap((rows) => rows.flatMap((r) => Object.values(r).map(String))),
    ]);
    if (answer.status === 200) return;
    expectFieldNamed(answer.status, answer.body, answer.text);
    expect(answer.body.error.field).toMatch(/^body/);
    await checksums.expectUnchanged(before, "a refused push changes nothing");
  }

  it("answers every generated push safely, and a refused one changes nothing", async () => {
    const push = fc.array(fc.constantFrom(...TABLE_ORDER), { minLength: 1, maxLength: 3 }).chain((tables) =>
      fc.record(
        Object.fromEntries(
          [...new Set(tables)].map((table) => [
            table,
            fc.array(fc.oneof({ weight: 3, arbitrary: usualRow(table, keys) }, oddRow(table, keys)), {
              minLength: 1,
              maxLength: 3,
            }),
          ]),
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(push, (body) => bounded(check(body), CASE_MS, "one push")),
      fuzzParameters(260),
    );
  }, 150_000);
});
