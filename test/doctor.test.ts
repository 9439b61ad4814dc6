/**
 * Data health (`verity doctor`, GET /api/doctor; issue 14, item 5) with hand-worked
 * expectations on three workspaces, on both engines: the demo company (everything supported),
 * a workspace of website visits alone, and a CRM export of won and open deals without losses,
 * amounts, a qualifying stage, stage history or activities. Then the command on a DuckDB file
 * and the route, which answers the caller's workspace only.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { formatDoctor } from "../src/cli/commands/doctor-command.js";
import { type DoctorEntry, type DoctorReport, doctor } from "../src/insights/doctor.js";
import { verityInProcess } from "./support/cli-in-process.js";
import { engines } from "./support/databases.js";
import {
  BASE,
  type Fixture,
  type FixtureRow,
  type LoadedFixture,
  lead,
  loadFixture,
  WORKSPACE,
  writeFixture,
} from "./support/metric-fixtures.js";
import { addPrincipals, importFixture, startTestServer, type TestServer, wire } from "./support/server-harness.js";
import {
  loadSimulated,
  SIMULATED_WORKSPACE,
  type SimulatedCompany,
  simulatedCompany,
} from "./support/simulated-company.js";
import type { TestStore } from "./support/stores.js";

// Passwords hash at a test cost: what is tested here does not depend on it (test/support/test-scrypt.ts).
vi.mock("node:crypto", async (importOriginal) =>
  (await import("./support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

// Visits from 2025-07-01 08:00 to 2025-11-20 09:00: default period 2025-Q4. Before it, the
// data covers 2025-Q3 whole (it starts on its first day): 1 quarter, 3 months.
const WEB: Fixture = {
  visits: [
    { visit_id: "a-1", visitor_id: "a", started_at: "2025-10-05T10:00:00Z", pageviews: 3 },
    { visit_id: "a-2", visitor_id: "a", started_at: "2025-11-20T09:00:00Z", pageviews: 1 },
    { visit_id: "b-1", visitor_id: "b", started_at: "2025-11-02T12:00:00Z", pageviews: 2 },
    { visit_id: "c-1", visitor_id: "c", started_at: "2025-07-01T08:00:00Z", pageviews: 1 },
    { visit_id: "c-2", visitor_id: "c", started_at: "2025-10-10T00:00:00Z", pageviews: 1 },
  ],
};

// A CRM export of won and open deals only: no lost deal, no amount, no loss reason, no source,
// no qualifying stage, no stage history, no activities. Leads from 2024-01-01 09:00 to
// 2025-08-20: default period 2025-Q3, and 2024-Q1 to 2025-Q2 before it (6 quarters, 18 months):
// enough for normal variation.
const STAGES: FixtureRow[] = (BASE.stages ?? []).map((s) => ({ ...s, is_qualifying: false }));
const CRM: Fixture = {
  ...BASE,
  stages: STAGES,
  leads: [
    lead({
      id: "L1",
      created_at: "2024-01-01T09:00:00Z",
      status: "won",
      closed_at: "2024-02-10T00:00:00Z",
      stage_id: "prop",
    }),
    lead({
      id: "L2",
      created_at: "2024-05-01T00:00:00Z",
      status: "won",
      closed_at: "2024-07-01T00:00:00Z",
      stage_id: "prop",
    }),
    lead({ id: "L3", created_at: "2025-03-01T00:00:00Z", stage_id: "demo" }),
    lead({ id: "L4", created_at: "2025-08-20T00:00:00Z", stage_id: "new" }),
  ],
};

/** An entry's missing needs as "need:effect", in order. */
const needs = (e: DoctorEntry | undefined) => e?.missing.map((m) => `${m.need}:${m.effect}`);
const find = (r: DoctorReport, id: string) => [...r.metrics, ...r.vanity].find((e) => e.id === id);

let company: SimulatedCompany;
beforeAll(async () => {
  company = await simulatedCompany(1);
}, 120_000);
afterAll(async () => {
  await company?.cleanup();
});

describe.each(engines())("data health on %s", (engine) => {
  let demo: TestStore;
  let web: LoadedFixture;
  let crm: LoadedFixture;
  beforeAll(async () => {
    demo = await loadSimulated(engine, company);
    web = await loadFixture(engine, WEB);
    crm = await loadFixture(engine, CRM);
  }, 120_000);
  afterAll(async () => {
    await demo?.dispose();
    await web?.dispose();
    await crm?.dispose();
  });

  test("the demo company: every metric and vanity metric supported, from its own tables", async () => {
    const r = await doctor(demo.store, SIMULATED_WORKSPACE);
    expect(r.summary).toEqual({ supported: 17, partly: 0, unsupported: 0 });
    expect(r.metrics).toHaveLength(9);
    expect(r.vanity).toHaveLength(8);
    for (const e of [...r.metrics, ...r.vanity]) expect([e.id, e.status, e.missing]).toEqual([e.id, "supported", []]);
    // Row counts are the files' rows; ranges start at the files' first moments.
    expect(r.tables.leads).toBe(company.tables.leads.length);
    expect(r.tables.visits).toBe(company.tables.visits.length);
    expect(r.tables.activities).toBe(company.tables.activities.length);
    const first = (rows: (string | null | undefined)[]) => new Date(rows.filter((v) => v).sort()[0] ?? "");
    const starts = {
      sales: first(company.tables.leads.map((l) => l.created_at)),
      web: first(company.tables.visits.map((v) => v.started_at)),
      social: first(company.tables.social_posts.map((p) => p.published_at)),
      newsletter: first(company.tables.newsletter_subscribers.map((n) => n.subscribed_at)),
    };
    const latestVisit =
      company.tables.visits
        .map((v) => v.started_at ?? "")
        .sort()
        .at(-1) ?? "";
    // The default period is the quarter of the latest data (the simulation runs to a quarter's
    // end, the same for every kind of data); before it, count the quarters each kind of data
    // covers from their first day on, one by one.
    const period = r.period as NonNullable<DoctorReport["period"]>;
    expect(Date.parse(period.start)).toBeLessThanOrEqual(Date.parse(latestVisit));
    expect(Date.parse(period.end)).toBeGreaterThan(Date.parse(latestVisit));
    const quartersBefore = (start: Date) => {
      const firstDay = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
      let n = 0;
      for (let y = 1990; y <= 2100; y++) {
        for (const m of [0, 3, 6, 9]) {
          if (Date.UTC(y, m, 1) >= firstDay && Date.UTC(y, m + 3, 1) <= Date.parse(period.start)) n += 1;
        }
      }
      return n;
    };
    for (const [area, start] of Object.entries(starts)) {
      const range = r.areas[area as keyof typeof starts];
      expect(Date.parse(range?.start ?? ""), area).toBe(start.getTime());
      expect(range?.earlierQuarters, area).toBe(quartersBefore(start));
      expect(range?.earlierQuarters, area).toBeGreaterThanOrEqual(6);
    }
    expect(find(r, "engagement")).toMatchObject({
      area: "web",
      tables: [{ name: "visits", rows: company.tables.visits.length }],
      history: { earlierQuarters: quartersBefore(starts.web), needed: 6 },
    });
  });

  test("website visits alone: engagement and visits partly (one earlier quarter), the rest unsupported", async () => {
    const r = await doctor(web.store, WORKSPACE);
    expect(r.period?.label).toBe("2025-Q4");
    expect(r.areas).toEqual({
      sales: null,
      web: { start: "2025-07-01T08:00:00.000Z", end: "2025-11-20T09:00:00.000Z", earlierQuarters: 1 },
      social: null,
      newsletter: null,
    });
    expect(r.summary).toEqual({ supported: 0, partly: 2, unsupported: 15 });
    const engagement = find(r, "engagement");
    expect(engagement).toMatchObject({
      status: "partly",
      data: { start: "2025-07-01T08:00:00.000Z", end: "2025-11-20T09:00:00.000Z" },
      asOf: "2025-11-20T09:00:00.000Z",
      tables: [{ name: "visits", rows: 5 }],
      history: { earlierQuarters: 1, earlierMonths: 3, needed: 6 },
    });
    expect(engagement?.missing).toEqual([
      {
        need: "history",
        effect: "partly",
        message: "only 1 whole quarters of web data before 2025-Q4; normal variation needs 6",
        affects: "the normal variation test: a change is judged by its sampling noise alone",
        fix: "import older data",
        sv: {
          message: "bara 1 hela kvartal med webbdata före 2025-Q4; normal variation kräver 6",
          fix: "importera äldre data",
        },
        option: null,
        choices: [],
      },
    ]);
    expect(needs(find(r, "visits"))).toEqual(["history:partly"]);
    // Without leads, only the leads are asked for (not their losses, amounts or stages).
    expect(needs(find(r, "funnel"))).toEqual(["leads:unsupported"]);
    expect(needs(find(r, "activity-quality"))).toEqual(["activities:unsupported", "leads:partly"]);
    expect(find(r, "funnel")).toMatchObject({ data: null, asOf: null, history: { earlierQuarters: 0 } });
    expect(needs(find(r, "social-conversions"))).toEqual(["leads:unsupported"]);
    expect(needs(find(r, "content-shares"))).toEqual(["social:unsupported", "followers:partly"]);
    expect(find(r, "content-shares")?.missing[0]?.fix).toContain("social_posts.csv");
    expect(needs(find(r, "followers"))).toEqual(["followers:unsupported"]);
  });

  test("won and open deals only: what is missing, and the stages --qualifying-stage takes", async () => {
    const r = await doctor(crm.store, WORKSPACE);
    expect(r.period?.label).toBe("2025-Q3");
    expect(r.areas.sales).toEqual({
      start: "2024-01-01T09:00:00.000Z",
      end: "2025-08-20T00:00:00.000Z",
      earlierQuarters: 6,
    });
    expect(r.summary).toEqual({ supported: 1, partly: 2, unsupported: 14 });
    expect(find(r, "new-leads")).toMatchObject({
      status: "supported",
      missing: [],
      history: { earlierQuarters: 6, earlierMonths: 18, needed: 6 },
    });
    expect(needs(find(r, "funnel"))).toEqual(["stage_history:partly", "losses:partly"]);
    expect(find(r, "funnel")?.status).toBe("partly");
    expect(needs(find(r, "velocity"))).toEqual([
      "qualification:partly",
      "losses:partly",
      "amounts:partly",
      "stage_history:partly",
    ]);
    expect(needs(find(r, "losses"))).toEqual([
      "losses:unsupported",
      "loss_reasons:partly",
      "amounts:partly",
      "stage_history:partly",
    ]);
    expect(needs(find(r, "activity-quality"))).toEqual(["activities:unsupported", "losses:partly", "amounts:partly"]);
    expect(needs(find(r, "total-sales"))).toEqual(["amounts:unsupported"]);
    const qualified = find(r, "qualified-leads");
    expect(needs(qualified)).toEqual(["qualification:unsupported", "lead_sources:partly"]);
    expect(qualified?.missing[0]).toMatchObject({
      option: "qualifyingStage",
      choices: ["New", "Qualified", "Demo", "Proposal"],
      fix: 'name the stage that makes a lead qualified: `verity import PATH --qualifying-stage "STAGE"`, STAGE one of "New", "Qualified", "Demo", "Proposal"',
      sv: {
        message: "inget lead har en kvalificeringstid och inget steg är det kvalificerande",
        fix: 'ange steget som gör ett lead kvalificerat: `verity import PATH --qualifying-stage "STAGE"`, där STAGE är ett av "New", "Qualified", "Demo", "Proposal"',
      },
    });
    // Every missing thing says what and how to fix it in Swedish too, never the English again.
    for (const entry of [...r.metrics, ...r.vanity]) {
      for (const m of entry.missing) {
        expect(m.sv.message, `${entry.id} ${m.need}`).not.toBe(m.message);
        expect(m.sv.fix, `${entry.id} ${m.need}`).not.toBe(m.fix);
      }
    }
    expect(find(r, "losses")?.missing[0]?.fix).toMatch(/^import the lost deals as well/);
    expect(find(r, "velocity")?.missing.find((m) => m.need === "stage_history")?.fix).toContain(
      "OpportunityHistory.csv",
    );

    const text = formatDoctor(r);
    expect(text).toContain('Data health of workspace "fixture" · default period 2025-Q3');
    expect(text).toContain("  ✓ New leads · supported");
    expect(text).toContain("  ◐ Conversion rate per stage · partly");
    expect(text).toContain("  ✗ Qualified leads · unsupported");
    expect(text).toContain("  web         none loaded");
    expect(text.replace(/\s+/g, " ")).toContain(
      '→ name the stage that makes a lead qualified: `verity import PATH --qualifying-stage "STAGE"`, STAGE one of "New", "Qualified", "Demo", "Proposal"',
    );
    for (const line of text.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(100);
  });

  test("an empty workspace: no period, nothing supported, leads and visits to import", async () => {
    const r = await doctor(crm.store, "nobody");
    expect(r.period).toBeNull();
    expect(r.summary).toEqual({ supported: 0, partly: 0, unsupported: 17 });
    expect(needs(find(r, "engagement"))).toEqual(["web_visits:unsupported"]);
    expect(formatDoctor(r)).toContain("Nothing is loaded yet");
  });

  test("GET /api/doctor answers the caller's workspace, as the library does", async () => {
    let t: TestServer | undefined;
    try {
      t = await startTestServer(engine, async (store) => {
        await importFixture(store, "a", CRM);
        await importFixture(store, "b", WEB);
      });
      const a = await addPrincipals(t.store, "a");
      const b = await addPrincipals(t.store, "b");
      const ofA = await t.request("/api/doctor", { key: a.keys.metrics.secret });
      expect(ofA.status, ofA.text).toBe(200);
      expect(ofA.body).toEqual(wire(await doctor(t.store, "a")));
      expect(ofA.body.summary).toEqual({ supported: 1, partly: 2, unsupported: 14 });
      const ofB = await t.request("/api/doctor", { key: b.keys.metrics.secret });
      expect(ofB.body.workspace).toBe("b");
      expect(ofB.body.summary).toEqual({ supported: 0, partly: 2, unsupported: 15 });
      const refused = await t.request("/api/doctor", { key: a.keys.data.secret });
      expect(refused.status).toBe(403);
    } finally {
      await t?.close();
    }
  });
});

describe.runIf(engines().includes("duckdb"))("verity doctor", () => {
  let dir: string;
  let data: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-doctor-"));
    data = await writeFixture(WEB);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
  });

  test("prints the data health of a web-only workspace, as text and as JSON", async () => {
    const env = { VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" };
    const db = join(dir, "web.duckdb");
    expect((await verityInProcess(["--db", db, "import", data, "--format", "verity"], env)).code).toBe(0);
    const text = await verityInProcess(["--db", db, "doctor"], env);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Metrics (1 partly, 8 unsupported)");
    expect(text.stdout).toContain("  ◐ Visit frequency and recency · partly");
    expect(text.stdout).toContain(
      "      web data 2025-07-01 to 2025-11-20, 1 whole quarters before the default period",
    );
    expect(text.stdout).toContain("  ✗ Conversion rate per stage · unsupported");
    expect(text.stdout).toContain("→ import a CRM export (`verity import PATH`) or leads.csv in Verity's format");
    const json = await verityInProcess(["--db", db, "doctor", "--format", "json"], env);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as DoctorReport;
    expect(parsed.summary).toEqual({ supported: 0, partly: 2, unsupported: 15 });
    expect(parsed.workspace).toBe("default");
  });
});
