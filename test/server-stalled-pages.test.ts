/**
 * The stalled list a page at a time (GET /api/stalled with limit, offset and sort) and whole as
 * CSV (GET /api/stalled.csv), on every engine, on the simulated small company with some lead
 * names that a spreadsheet would take for formulas:
 *
 * - in every sort, the pages together hold every lead of the library's list exactly once, in
 *   the order asked (leads without a value last, ties by id), and each says the list's total;
 * - paging and sorting read the list kept per data version: the list's statement runs once
 *   for all the pages and sorts;
 * - a bad limit, offset or sort is a 400 naming it;
 * - the CSV holds every lead, in the sort asked, with the formula-looking names escaped and a
 *   file name.
 *
 * Workspaces and access (another workspace's key): src/server/routes/metrics.test.ts and
 * test/permissions.test.ts.
 */
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { resolveRequest } from "../src/metrics/context.js";
import type { StalledLead, StalledLeadsResult, StalledSort } from "../src/metrics/results/stalled-leads.js";
import { stalledLeads } from "../src/metrics/stalled-leads.js";
import { STALLED_SORTS } from "../src/metrics/stalled-page.js";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import {
  addPrincipals,
  EngineAnswers,
  expectError,
  libraryRequest,
  type Principals,
  type Query,
  startTestServer,
  type TestServer,
} from "./support/server-harness.js";
import { type SimulatedCompany, simulatedCompany } from "./support/simulated-company.js";

const ENGINES = engines();
const answers = new EngineAnswers();

/** Enough leads for many pages of PAGE: k = 1.5 flags more than the default 2. */
const QUERY: Query = { period: "2026-Q3", k: "1.5" };
const PAGE = 23;

/** Lead names a spreadsheet would run, given to leads whose id ends in these digits. */
const FORMULAS: [string, string][] = [
  ["1", '=HYPERLINK("https://evil.example","click")'],
  ["2", "+1+1"],
  ["3", "-2+3"],
  ["4", "@SUM(A1:A2)"],
];

let company: SimulatedCompany;
beforeAll(async () => {
  company = await simulatedCompany(5);
});
afterAll(async () => {
  await company?.cleanup();
});

/** What a column sorts by, as the dashboard shows it (written here, not taken from the route). */
function shownValue(lead: StalledLead, column: string): string | number | null {
  switch (column) {
    case "name":
      return lead.name;
    case "owner":
      return lead.owner?.name ?? null;
    case "stage":
      return lead.stage?.name ?? null;
    case "lastActivity":
      return lead.lastActivity ? Date.parse(lead.lastActivity.date) : null;
    default:
      return lead[column as "value" | "days" | "daysOver"];
  }
}

const collator = new Intl.Collator("en");

/** Whether `b` may follow `a` in `sort`: by the column, leads without a value last, ties by id. */
function follows(a: StalledLead, b: StalledLead, sort: StalledSort): boolean {
  const [column, direction] = sort.split(":") as [string, "asc" | "desc"];
  const x = shownValue(a, column);
  const y = shownValue(b, column);
  if (x === null && y !== null) return false;
  if (x !== null && y === null) return true;
  if (x !== null && y !== null) {
    const order = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    if (order !== 0) return direction === "asc" ? order < 0 : order > 0;
  }
  return a.id < b.id;
}

describe.each(ENGINES)("the stalled list in pages on %s", (engine) => {
  let t: TestServer;
  let A: Principals;
  let list: StalledLeadsResult;
  const get = (path: string, query: Query = {}) => t.request(path, { key: A.keys.metrics.secret, query });

  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      await runImport(store, verityImporter, company.dir, { workspace: "a" });
      for (const [digit, name] of FORMULAS) {
        await store.execute(sql`UPDATE leads SET name = ${name} WHERE workspace_id = 'a' AND id LIKE ${`%${digit}`}`);
      }
    });
    A = await addPrincipals(t.store, "a");
    const { current } = await resolveRequest(t.store, libraryRequest("a", QUERY));
    list = await stalledLeads(current);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  test("the list is long enough to page, and holds formula-looking names", () => {
    expect(list.leads.length).toBeGreaterThan(PAGE * 4);
    const names = new Set(list.leads.map((l) => l.name));
    for (const [, name] of FORMULAS) expect(names.has(name), name).toBe(true);
    // Some leads have no last activity: the nulls-last rule is exercised.
    expect(list.leads.some((l) => l.lastActivity === null)).toBe(true);
  });

  test("in every sort, the pages hold every lead exactly once, in order, each with the list's total", async () => {
    const { leads, ...fields } = list;
    const ids = leads.map((l) => l.id).sort();
    for (const sort of STALLED_SORTS) {
      const seen: StalledLead[] = [];
      for (let offset = 0; offset < leads.length; offset += PAGE) {
        const res = await get("/api/stalled", { ...QUERY, sort, offset: String(offset), limit: String(PAGE) });
        expect(res.status, res.text).toBe(200);
        const { leads: page, total, offset: at, limit, sort: echoed, ...rest } = res.body;
        expect(rest, sort).toEqual(JSON.parse(JSON.stringify(fields)));
        expect({ total, at, limit, echoed }).toEqual({ total: leads.length, at: offset, limit: PAGE, echoed: sort });
        expect(page.length).toBe(Math.min(PAGE, leads.length - offset));
        seen.push(...page);
      }
      expect(seen.map((l) => l.id).sort(), sort).toEqual(ids);
      for (let i = 1; i < seen.length; i += 1) {
        expect(follows(seen[i - 1] as StalledLead, seen[i] as StalledLead, sort), `${sort} at ${i}`).toBe(true);
      }
      answers.keep(engine, `pages ${sort}`, seen);
    }
    // Past the end: no leads, the same total.
    const past = await get("/api/stalled", { ...QUERY, offset: String(leads.length) });
    expect(past.status, past.text).toBe(200);
    expect(past.body.leads).toEqual([]);
    expect(past.body.total).toBe(leads.length);
    // The defaults: the first 100, most days over first.
    const first = await get("/api/stalled", QUERY);
    expect(first.body.leads.map((l: StalledLead) => l.id)).toEqual(
      (await get("/api/stalled", { ...QUERY, sort: "daysOver:desc", limit: "100", offset: "0" })).body.leads.map(
        (l: StalledLead) => l.id,
      ),
    );
    expect({ offset: first.body.offset, limit: first.body.limit, sort: first.body.sort }).toEqual({
      offset: 0,
      limit: 100,
      sort: "daysOver:desc",
    });
  });

  test("pages in orders of numbers are read alone; others are cut from the kept list, computed once", async () => {
    const query = t.store.query.bind(t.store);
    let runs = 0;
    let pages = 0;
    t.store.query = ((statement) => {
      const { text } = statement.compile();
      if (text.includes("without_benchmark")) {
        if (text.includes("position <=")) pages += 1;
        else runs += 1;
      }
      return query(statement);
    }) as typeof t.store.query;
    try {
      // Another k: a list not kept yet. Its first page in the list's own order is a statement
      // of its own (a page, not the whole list); asked again, it is kept.
      const asked = { ...QUERY, k: "1.7" };
      const first = await get("/api/stalled", asked);
      expect(first.status).toBe(200);
      expect((await get("/api/stalled", asked)).body).toEqual(first.body);
      expect([pages, runs]).toEqual([1, 0]);
      // Another page of it is another statement (and not the first page kept).
      const second = await get("/api/stalled", { ...asked, offset: "40", limit: "40" });
      expect(second.body.leads).toEqual(first.body.leads.slice(40, 80));
      expect([pages, runs]).toEqual([2, 0]);
      // An order of numbers is read by SQL too; one of text needs the whole list.
      expect((await get("/api/stalled", { ...asked, sort: "value:desc", limit: "40" })).status).toBe(200);
      expect([pages, runs]).toEqual([3, 0]);
      for (const sort of ["name:asc", "lastActivity:desc", "value:asc", "daysOver:desc"]) {
        for (const offset of ["0", "40", "80"]) {
          expect((await get("/api/stalled", { ...asked, sort, offset, limit: "40" })).status).toBe(200);
        }
      }
      expect((await get("/api/stalled.csv", { ...asked, sort: "owner:desc" })).status).toBe(200);
      // The whole list once (for the first sort by text); every page after it is a slice of it.
      expect([pages, runs]).toEqual([3, 1]);
    } finally {
      t.store.query = query;
    }
  });

  test("a bad limit, offset or sort is a 400 naming it", async () => {
    const bad: [string, string][] = [
      ["limit", "0"],
      ["limit", "1001"],
      ["limit", "-5"],
      ["limit", "2.5"],
      ["limit", "ten"],
      ["limit", ""],
      ["offset", "-1"],
      ["offset", "1.5"],
      ["offset", "first"],
      ["offset", "1e400"],
      ["sort", "daysOver"],
      ["sort", "daysOver:up"],
      ["sort", "DAYSOVER:DESC"],
      ["sort", "id:asc"],
      ["sort", ""],
    ];
    for (const [field, value] of bad) {
      const res = await get("/api/stalled", { ...QUERY, [field]: value });
      expectError(res, 400, "invalid_request", `query.${field}`);
      expect(res.body.error.message, `${field}=${value}`).toContain(field);
    }
    for (const [field, value] of [
      ["sort", "nope:asc"],
      ["lang", "de"],
      ["limit", "10"],
    ] as [string, string][]) {
      expectError(
        await get("/api/stalled.csv", { ...QUERY, [field]: value }),
        400,
        "invalid_request",
        `query.${field}`,
      );
    }
    // At the bounds: accepted.
    expect((await get("/api/stalled", { ...QUERY, limit: "1000" })).body.leads).toHaveLength(list.leads.length);
    expect((await get("/api/stalled", { ...QUERY, limit: "1", offset: "0" })).body.leads).toHaveLength(1);
  });

  test("the CSV holds every lead in the sort asked, escapes formula-looking names, and names its file", async () => {
    for (const [sort, lang] of [
      [undefined, undefined],
      ["name:asc", "sv"],
    ] as const) {
      const res = await get("/api/stalled.csv", { ...QUERY, ...(sort ? { sort } : {}), ...(lang ? { lang } : {}) });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe(
        `attachment; filename="stalled-leads-${list.asOf.slice(0, 10)}.csv"`,
      );
      expect(res.text.endsWith("\r\n")).toBe(true);
      const rows = Papa.parse<string[]>(res.text.slice(0, -2), { newline: "\r\n" }).data;
      const [header, ...body] = rows;
      expect(header?.slice(0, 3)).toEqual(
        lang === "sv" ? ["Lead-id", "Lead", "Konto"] : ["Lead id", "Lead", "Account"],
      );
      expect(header?.[6]).toBe(lang === "sv" ? "Dagar i steget" : "Days in stage");
      // Every lead once, in the order of the pages of the same sort.
      const pages = await get("/api/stalled", { ...QUERY, sort: sort ?? "daysOver:desc", limit: "1000" });
      expect(body.map((r) => r[0])).toEqual(pages.body.leads.map((l: StalledLead) => l.id));
      expect(body).toHaveLength(list.leads.length);
      const byId = new Map(list.leads.map((l) => [l.id, l]));
      for (const row of body) {
        const lead = byId.get(row[0] ?? "") as StalledLead;
        // Names like formulas are written with an apostrophe in front; the others as they are.
        const name = lead.name ?? "";
        expect(row[1], lead.id).toBe(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);
        expect(row[3]).toBe(lead.owner?.name ?? "");
        expect(Number(row[8])).toBeCloseTo(lead.daysOver, 6);
        expect(row[9]).toBe(lead.lastActivity?.date ?? "");
      }
      const escaped = body.filter((r) => r[1]?.startsWith("'"));
      expect(escaped.length).toBeGreaterThanOrEqual(FORMULAS.length);
      // No cell of the file starts like a formula (a raw negative number would be a number).
      for (const row of body) {
        for (const cell of row) if (/^[=+@]/.test(cell)) expect.fail(`a formula cell: ${cell}`);
      }
    }
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("give the same pages", () => {
      answers.expectAgreement(STALLED_SORTS.length);
    });
  });
}
