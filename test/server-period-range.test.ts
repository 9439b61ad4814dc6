/**
 * Issue 13, item 7: periods in year 9999 (`9999`, `9999-Q4`, `9999-12-31`) answered 500 on
 * /api/check, /api/check/trend and /api/report, and `0001-Q1` was echoed as "1-Q1" (and read
 * as 1901, Date.UTC's two-digit years). Periods are now years 1900 to 2999 (README, FILTERS):
 * outside that a 400 naming query.period and the range; at its edges a 200 whose labels have
 * four-digit years. Never a 500, on either engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { engines } from "./support/databases.js";
import {
  addPrincipals,
  expectError,
  type Principals,
  startTestServer,
  type TestServer,
} from "./support/server-harness.js";
import { type SimulatedCompany, simulatedCompany } from "./support/simulated-company.js";

const ROUTES = ["/api/check", "/api/check/trend", "/api/report"] as const;
const OUTSIDE = [
  "9999",
  "9999-Q4",
  "9999-H2",
  "9999-12",
  "9999-12-31",
  "0001-Q1",
  "0000",
  "1899-12-31",
  "3000-01",
  "2999-12-31..3000-01-01",
];
// Each at the edge of the range, and each of the kinds whose end or comparison crosses it.
const EDGES = ["1900-Q1", "2999", "2999-12-31", "1900-01-01..2999-12-31"];

let company: SimulatedCompany;
beforeAll(async () => {
  company = await simulatedCompany(5);
});
afterAll(async () => {
  await company?.cleanup();
});

describe.each(engines())("periods at and past the ends of the years Verity reads (%s)", (engine) => {
  let t: TestServer;
  let A: Principals;
  const get = (path: string, period: string) => t.request(path, { key: A.keys.metrics.secret, query: { period } });

  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      await runImport(store, verityImporter, company.dir, { workspace: "a" });
    });
    A = await addPrincipals(t.store, "a");
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  test.each(OUTSIDE)("%s is a 400 naming query.period and the years it may take", async (period) => {
    for (const route of [...ROUTES, "/api/metrics/funnel", "/api/stalled", "/api/stalled.csv"]) {
      const res = await get(route, period);
      expectError(res, 400, "invalid_request", "query.period");
      expect(res.body.error.message, route).toContain("1900");
      expect(res.body.error.message, route).toContain("2999");
    }
  });

  test.each(EDGES)("%s answers 200 on every route", async (period) => {
    for (const route of ROUTES) {
      const res = await get(route, period);
      expect(res.status, `${route} ${res.text.slice(0, 300)}`).toBe(200);
      expect(res.text).not.toMatch(/"\d{1,3}-(Q|H)\d"/);
    }
  });

  test("the edge periods are echoed with four-digit years, their previous periods too", async () => {
    const res = await get("/api/check", "1900-Q1");
    expect(res.status, res.text).toBe(200);
    expect(JSON.stringify(res.body)).toContain('"1900-Q1"');
    expect(JSON.stringify(res.body)).toContain('"1899-Q4"');
  });
});
