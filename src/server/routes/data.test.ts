/**
 * Writing data through the app (`app.request()`, no socket), on every engine: rows pushed to
 * POST /api/data (created, unchanged on a resend, stage events appended to a lead's history,
 * a bad row named by its field with nothing of the push written, the metrics reflecting the
 * push) and CRM exports uploaded to POST /api/import (a summary; a bad file named by the
 * user's file name, never a temporary path, with nothing written). Both engines answer the
 * same.
 */
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type Engine, engines } from "../../../test/support/databases.js";
import { BASE, lead } from "../../../test/support/metric-fixtures.js";
import {
  type Answer,
  addPrincipals,
  countsOf,
  EngineAnswers,
  expectError,
  importFixture,
  libraryMetric,
  type Principals,
  startTestServer,
  type TestServer,
} from "../../../test/support/server-harness.js";
import { TABLE_ORDER } from "../../model/canonical.js";
import { sql } from "../../store/sql.js";

// Passwords hash at a test cost: what is tested here does not depend on it (test/support/test-scrypt.ts).
vi.mock("node:crypto", async (importOriginal) =>
  (await import("../../../test/support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

const ENGINES = engines();
const CRM = join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "crm");
const TABLES = [...TABLE_ORDER];

const answers = new EngineAnswers();
const keep = (engine: Engine, name: string, value: unknown) => answers.keep(engine, name, value);
/** A summary without its timing, to compare across engines. */
const timeless = (body: Record<string, unknown>) => ({ ...body, durationMs: 0 });

/** The first push: a pipeline of its own, two leads of 2025-10, their stage history and an activity. */
const FIRST_PUSH = {
  reps: [{ id: "api-rep", name: "Api Rep", team: "API" }],
  pipelines: [{ id: "api", name: "API pipeline" }],
  stages: [
    { id: "api-new", pipeline_id: "api", name: "New", position: 0 },
    { id: "api-qual", pipeline_id: "api", name: "Qualified", position: 1, is_qualifying: true },
    { id: "api-demo", pipeline_id: "api", name: "Demo", position: 2 },
  ],
  leads: [
    {
      id: "api-1",
      name: "First pushed",
      contact: "carl@a.example",
      owner_id: "api-rep",
      pipeline_id: "api",
      stage_id: "api-new",
      status: "open",
      created_at: "2025-10-01T09:00:00Z",
      source_channel: "website",
    },
    {
      id: "api-2",
      owner_id: "api-rep",
      pipeline_id: "api",
      stage_id: "api-demo",
      status: "won",
      created_at: "2025-10-02T09:00:00+02:00",
      qualified_at: "2025-10-05T09:00:00Z",
      closed_at: "2025-10-20",
      value: 500.5,
      currency: "EUR",
    },
  ],
  stage_events: [
    { lead_id: "api-1", to_stage_id: "api-new", changed_at: "2025-10-01T09:00:00Z", rep_id: "api-rep" },
    { lead_id: "api-2", to_stage_id: "api-new", changed_at: "2025-10-02T07:00:00Z" },
    { lead_id: "api-2", from_stage_id: "api-new", to_stage_id: "api-qual", changed_at: "2025-10-05T09:00:00Z" },
    { lead_id: "api-2", from_stage_id: "api-qual", to_stage_id: "api-demo", changed_at: "2025-10-08T09:00:00Z" },
  ],
  activities: [
    { id: "act-api-1", lead_id: "api-1", rep_id: "api-rep", type: "call", occurred_at: "2025-10-03T10:00:00Z" },
  ],
};

/** A lead row that passes every check, for the bad pushes to hide a bad row among. */
const goodLead = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  pipeline_id: "api",
  status: "open",
  created_at: "2025-10-10T09:00:00Z",
  ...extra,
});

describe.each(ENGINES)("writing data through the API on %s", (engine) => {
  let t: TestServer;
  let A: Principals;
  let C: Principals;

  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      await importFixture(store, "a", {
        ...BASE,
        leads: [lead({ id: "a-1", created_at: "2025-07-01T09:00:00Z", stage_id: "new" })],
        stage_events: [{ lead_id: "a-1", to_stage_id: "new", changed_at: "2025-07-01T09:00:00Z" }],
      });
    });
    A = await addPrincipals(t.store, "a");
    // An empty workspace for the uploads.
    C = await addPrincipals(t.store, "c");
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const push = (body: unknown, key = A.keys.data.secret) => t.request("/api/data", { key, body });
  const counts = (workspace = "a") => countsOf(t.store, workspace, TABLES);
  const stageEventsOf = (leadId: string) =>
    t.store.query<{ to_stage_id: string; changed_at: string }>(
      sql`SELECT to_stage_id, changed_at FROM stage_events WHERE workspace_id = 'a' AND lead_id = ${leadId}
          ORDER BY changed_at`,
    );

  /** Expects a 400 naming `field`, and nothing of the push written. */
  async function refused(body: unknown, field: string, name: string): Promise<Answer> {
    const before = await counts();
    const res = await push(body);
    expectError(res, 400, "invalid_request", field);
    expect(res.body.error.message.startsWith(`${field}: `), res.body.error.message).toBe(true);
    expect(await counts()).toEqual(before);
    keep(engine, `refused ${name}`, res.body);
    return res;
  }

  describe("POST /api/data", () => {
    test("creates the rows and says so per table", async () => {
      const before = await counts();
      const res = await push(FIRST_PUSH);
      expect(res.status, res.text).toBe(200);
      expect(res.body.format).toBe("api");
      const created = (table: string, n: number) =>
        expect(res.body.tables[table], table).toEqual({ rows: n, created: n, updated: 0, unchanged: 0, removed: 0 });
      created("reps", 1);
      created("pipelines", 1);
      created("stages", 3);
      created("leads", 2);
      created("stage_events", 4);
      created("activities", 1);
      expect(Object.keys(res.body.tables).sort()).toEqual(
        ["activities", "leads", "pipelines", "reps", "stage_events", "stages"].sort(),
      );
      const after = await counts();
      expect(after.leads).toBe(before.leads + 2);
      expect(after.stage_events).toBe(before.stage_events + 4);
      expect(after.activities).toBe(before.activities + 1);
      // Stored as pushed: the offset converted to UTC, the date-only close at midnight, the amount exact.
      const [api2] = await t.store.query<{ created_at: string; closed_at: string; value: number }>(
        sql`SELECT created_at, closed_at, value FROM leads WHERE workspace_id = 'a' AND id = 'api-2'`,
      );
      expect(new Date(String(api2?.created_at)).toISOString()).toBe("2025-10-02T07:00:00.000Z");
      expect(new Date(String(api2?.closed_at)).toISOString()).toBe("2025-10-20T00:00:00.000Z");
      expect(Number(api2?.value)).toBe(500.5);
      keep(engine, "first push", timeless(res.body));
    });

    test("the metrics reflect the pushed rows", async () => {
      const q = { period: "2025-10", pipeline: "api" };
      const res = await t.request("/api/metrics/funnel", { key: A.keys.metrics.secret, query: q });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual(await libraryMetric(t.store, "a", "funnel", q));
      const headline = (key: string) => res.body.headlines.find((h: { key: string }) => h.key === key)?.value;
      expect(headline("cohort")).toBe(2);
      expect(headline("won")).toBe(1);
      const timeline = await t.request("/api/leads/api-2/timeline", { key: A.keys.metrics.secret });
      expect(timeline.status).toBe(200);
      expect(timeline.body.lead).toMatchObject({ id: "api-2", status: "won", pipeline: "API pipeline", value: 500.5 });
      keep(engine, "funnel after push", res.body);
    });

    test("the same push again changes nothing", async () => {
      const before = await counts();
      const res = await push(FIRST_PUSH);
      expect(res.status, res.text).toBe(200);
      for (const [table, c] of Object.entries(res.body.tables as Record<string, { rows: number }>)) {
        expect(c, table).toEqual({ rows: c.rows, created: 0, updated: 0, unchanged: c.rows, removed: 0 });
      }
      expect(await counts()).toEqual(before);
    });

    test("one more stage event is added to the lead's history, not instead of it", async () => {
      expect(await stageEventsOf("api-1")).toHaveLength(1);
      const res = await push({
        stage_events: [
          { lead_id: "api-1", from_stage_id: "api-new", to_stage_id: "api-qual", changed_at: "2025-10-10T09:00:00Z" },
        ],
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.tables.stage_events).toEqual({ rows: 1, created: 1, updated: 0, unchanged: 0, removed: 0 });
      expect((await stageEventsOf("api-1")).map((e) => e.to_stage_id)).toEqual(["api-new", "api-qual"]);
      // api-2's history is untouched.
      expect(await stageEventsOf("api-2")).toHaveLength(3);
      // The lead's derived progress follows its history: it is now qualified.
      const timeline = await t.request("/api/leads/api-1/timeline", { key: A.keys.metrics.secret });
      expect(timeline.body.lead.qualifiedAt).not.toBeNull();
      const q = { period: "2025-10", pipeline: "api" };
      const qualified = await t.request("/api/metrics/qualified-leads", { key: A.keys.metrics.secret, query: q });
      expect(qualified.body).toEqual(await libraryMetric(t.store, "a", "qualified-leads", q));
      expect(qualified.body.headlines.find((h: { key: string }) => h.key === "qualifiedLeads").value).toBe(2);
    });

    test("a changed row is updated by its key", async () => {
      const res = await push({
        leads: [
          {
            ...FIRST_PUSH.leads[0],
            stage_id: "api-qual",
            status: "won",
            closed_at: "2025-10-25T12:00:00Z",
            value: 100,
            currency: "EUR",
          },
        ],
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.tables.leads).toEqual({ rows: 1, created: 0, updated: 1, unchanged: 0, removed: 0 });
      const funnel = await t.request("/api/metrics/funnel", {
        key: A.keys.metrics.secret,
        query: { period: "2025-10", pipeline: "api" },
      });
      expect(funnel.body.headlines.find((h: { key: string }) => h.key === "won").value).toBe(2);
    });

    test("a bad value is a 400 naming body.<table>[i].<column>, and nothing of the push is written", async () => {
      await refused(
        { leads: [goodLead("api-3"), goodLead("api-4", { created_at: "yesterday" })] },
        "body.leads[1].created_at",
        "date",
      );
      await refused({ leads: [goodLead("api-3", { status: "maybe" })] }, "body.leads[0].status", "status");
      await refused({ leads: [goodLead("api-3", { value: "500" })] }, "body.leads[0].value", "value type");
      await refused({ leads: [goodLead("api-3", { value: -1, currency: "EUR" })] }, "body.leads[0].value", "negative");
      await refused(
        { activities: [{ id: "x", type: "call", occurred_at: "2025-10-01", duration_seconds: 1.5 }] },
        "body.activities[0].duration_seconds",
        "integer",
      );
      await refused({ reps: [{ id: "r", name: "R", active: "yes" }] }, "body.reps[0].active", "boolean");
    });

    test("a missing required field is a 400 naming it", async () => {
      const { pipeline_id: _, ...noPipeline } = goodLead("api-3");
      await refused({ leads: [goodLead("api-5"), noPipeline] }, "body.leads[1].pipeline_id", "missing pipeline");
      await refused(
        { stage_events: [{ lead_id: "api-1", to_stage_id: "api-demo" }] },
        "body.stage_events[0].changed_at",
        "missing changed_at",
      );
      // An empty string is no value either (the loader sees an empty cell).
      await refused({ reps: [{ id: "api-rep-9", name: "" }] }, "body.reps[0].name", "empty name");
    });

    test("a reference to nothing is a 400 naming the row, and the rows of other tables are not written", async () => {
      const res = await refused(
        {
          reps: [{ id: "api-rep-2", name: "Not Written" }],
          leads: [goodLead("api-6", { owner_id: "api-rep-2" }), goodLead("api-7", { stage_id: "nope" })],
          activities: [{ id: "act-api-9", lead_id: "api-6", type: "call", occurred_at: "2025-10-11T10:00:00Z" }],
        },
        "body.leads[1].stage_id",
        "unknown stage",
      );
      expect(res.body.error.message).toContain("nope");
      await refused(
        { stage_events: [{ lead_id: "no-such-lead", to_stage_id: "api-new", changed_at: "2025-10-01T09:00:00Z" }] },
        "body.stage_events[0].lead_id",
        "unknown lead",
      );
      // Another workspace's stage is no stage of this one.
      await refused(
        { leads: [goodLead("api-8", { pipeline_id: "p", stage_id: "ghost-stage" })] },
        "body.leads[0].stage_id",
        "stage of b",
      );
    });

    test("a rule across columns names the row even after a note that spans lines", async () => {
      await refused(
        {
          leads: [
            goodLead("api-10", { name: 'A "quoted"\nname\non three lines' }),
            goodLead("api-11", { name: "plain, with a comma" }),
            goodLead("api-12", {
              status: "won",
              created_at: "2025-10-10T09:00:00Z",
              closed_at: "2025-10-01T09:00:00Z",
            }),
          ],
        },
        "body.leads[2].closed_at",
        "closed before created",
      );
      // A carriage return alone, and CRLF, inside values.
      await refused(
        {
          leads: [
            goodLead("api-18", { name: "carriage\rreturn" }),
            goodLead("api-19", { name: "windows\r\nline" }),
            goodLead("api-20", { qualified_at: "2025-10-01T09:00:00Z" }),
          ],
        },
        "body.leads[2].qualified_at",
        "qualified before created after CR",
      );
      await refused(
        { leads: [goodLead("api-13", { status: "won" })] },
        "body.leads[0].closed_at",
        "won without closed_at",
      );
      await refused(
        { leads: [goodLead("api-14"), goodLead("api-15", { value: 10 })] },
        "body.leads[1].currency",
        "value without currency",
      );
    });

    test("a date that does not exist, or text or a number the engine cannot store, is a 400 naming it, not a 500", async () => {
      await refused(
        { leads: [goodLead("api-21", { created_at: "2025-02-30" })] },
        "body.leads[0].created_at",
        "feb 30",
      );
      await refused(
        { leads: [goodLead("api-22"), goodLead("api-23", { created_at: "2025-02-30T10:00:00Z" })] },
        "body.leads[1].created_at",
        "feb 30 time",
      );
      await refused({ reps: [{ id: "nul", name: "a\u0000b" }] }, "body.reps[0].name", "nul");
      // Numbers past what the columns hold.
      await refused(
        { leads: [goodLead("api-24", { value: 1e16, currency: "EUR" })] },
        "body.leads[0].value",
        "huge value",
      );
      await refused(
        { stages: [{ id: "api-far", pipeline_id: "api", name: "Far", position: 2 ** 31 }] },
        "body.stages[0].position",
        "huge position",
      );
      await refused(
        { activities: [{ id: "act-long", type: "call", occurred_at: "2025-10-01", duration_seconds: 2 ** 53 }] },
        "body.activities[0].duration_seconds",
        "huge duration",
      );
      const largest = await push({
        leads: [goodLead("api-25", { value: 9_999_999_999_999.99, currency: "EUR" })],
        stages: [{ id: "api-last", pipeline_id: "api", name: "Last", position: 2 ** 31 - 1 }],
      });
      expect(largest.status, largest.text).toBe(200);
    });

    test("history is backfilled with its own times, in every form canonical files take", async () => {
      // Issue 16 item 4: the API refused "2024-03-25 10:00:00" that a CSV takes.
      const forms: [string, string][] = [
        ["2024-03-25 10:00:00", "2024-03-25T10:00:00.000Z"],
        ["2024-03-25T10:00:00", "2024-03-25T10:00:00.000Z"],
        ["2024-03-25 10:00", "2024-03-25T10:00:00.000Z"],
        ["2024-03-25T12:00:00+02:00", "2024-03-25T10:00:00.000Z"],
        ["2024-03-25 12:00:00+0200", "2024-03-25T10:00:00.000Z"],
        ["2024-03-25T07:00:00-03", "2024-03-25T10:00:00.000Z"],
        ["2024-03-25T10:00:00.25Z", "2024-03-25T10:00:00.250Z"],
        ["2024-03-25", "2024-03-25T00:00:00.000Z"],
      ];
      const res = await push({
        visits: forms.map(([at], i) => ({ visit_id: `backfill-${i}`, visitor_id: "backfill-visitor", started_at: at })),
        newsletter_subscribers: [{ id: "backfill-sub", subscribed_at: "2024-01-02 08:30:00" }],
        newsletter_issues: [{ id: "backfill-issue", sent_at: "2024-03-01 07:00:00+01:00" }],
        email_events: [
          { subscriber_id: "backfill-sub", issue_id: "backfill-issue", type: "open", occurred_at: "2024-03-01 09:15" },
        ],
      });
      expect(res.status, res.text).toBe(200);
      const visits = await t.store.query<{ visit_id: string; started_at: string }>(
        sql`SELECT visit_id, started_at FROM visits WHERE workspace_id = 'a' AND visit_id LIKE 'backfill-%'`,
      );
      const stored = new Map(visits.map((v) => [v.visit_id, new Date(v.started_at).toISOString()]));
      forms.forEach(([given, utc], i) => {
        expect(stored.get(`backfill-${i}`), given).toBe(utc);
      });
      const [event] = await t.store.query<{ occurred_at: string; sent_at: string; subscribed_at: string }>(
        sql`SELECT e.occurred_at, i.sent_at, s.subscribed_at FROM email_events e
            JOIN newsletter_issues i ON i.workspace_id = e.workspace_id AND i.id = e.issue_id
            JOIN newsletter_subscribers s ON s.workspace_id = e.workspace_id AND s.id = e.subscriber_id
            WHERE e.workspace_id = 'a' AND e.subscriber_id = 'backfill-sub'`,
      );
      expect(new Date(String(event?.occurred_at)).toISOString()).toBe("2024-03-01T09:15:00.000Z");
      expect(new Date(String(event?.sent_at)).toISOString()).toBe("2024-03-01T06:00:00.000Z");
      expect(new Date(String(event?.subscribed_at)).toISOString()).toBe("2024-01-02T08:30:00.000Z");
      // Forms no file takes are still refused by name, before anything is written.
      for (const [i, bad] of ["25/03/2024", "2024-03-25T10", "March 25, 2024", "2024-03-25T10:00:00 UTC"].entries()) {
        await refused(
          { visits: [{ visit_id: `bad-${i}`, visitor_id: "v", started_at: bad }] },
          "body.visits[0].started_at",
          `time form ${i}`,
        );
      }
    });

    test("values round-trip exactly: quotes, commas, line breaks, spaces, unicode", async () => {
      const names = [
        'He said "no", twice',
        "line\nbreak",
        "carriage\rreturn",
        "  padded  ",
        "Åsa Öberg – 東京 🚀",
        "=1+1",
      ];
      const reps = names.map((name, i) => ({ id: `exact-${i}`, name }));
      const res = await push({ reps });
      expect(res.status, res.text).toBe(200);
      const stored = await t.store.query<{ id: string; name: string }>(
        sql`SELECT id, name FROM reps WHERE workspace_id = 'a' AND id LIKE 'exact-%' ORDER BY id`,
      );
      expect(stored.map((r) => r.name)).toEqual(names);
    });

    test("the same key twice in one push is refused", async () => {
      await refused(
        {
          reps: [
            { id: "twice", name: "One" },
            { id: "twice", name: "Two" },
          ],
        },
        "body.reps[1].id",
        "duplicate",
      );
    });

    test("an unknown table or column is a 400 naming it", async () => {
      await refused({ deals: [{ id: "x" }] }, "body.deals", "unknown table");
      await refused({ leads: [goodLead("api-16", { colour: "red" })] }, "body.leads[0].colour", "unknown column");
      // The workspace is the key's: a row cannot name another one.
      await refused(
        { leads: [goodLead("api-17", { workspace_id: "b" })] },
        "body.leads[0].workspace_id",
        "workspace column",
      );
    });

    test("an empty push, a push that is not an object, and one that is not JSON are 400s naming the body", async () => {
      await refused({}, "body", "empty");
      await refused({ leads: [] }, "body", "empty table");
      await refused([], "body", "array");
      const before = await counts();
      for (const text of ["{not json", "", "null"]) {
        const res = await t.request("/api/data", {
          key: A.keys.data.secret,
          method: "POST",
          body: text,
          headers: { "content-type": "application/json" },
        });
        expectError(res, 400, "invalid_request", "body");
      }
      expect(await counts()).toEqual(before);
    });

    test("more than 10,000 rows of a table is a 400; more than 10 MB is a 413", async () => {
      const reps = Array.from({ length: 10_001 }, (_, i) => ({ id: `bulk-${i}`, name: `Bulk ${i}` }));
      await refused({ reps }, "body.reps", "too many rows");
      const before = await counts();
      const huge = JSON.stringify({ reps: [{ id: "huge", name: "x".repeat(10 * 1024 * 1024) }] });
      const streamed = await t.request("/api/data", {
        key: A.keys.data.secret,
        body: huge,
        headers: { "content-type": "application/json" },
      });
      expectError(streamed, 413, "payload_too_large", "body");
      const declared = await t.request("/api/data", {
        key: A.keys.data.secret,
        body: huge,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(huge)) },
      });
      expectError(declared, 413, "payload_too_large", "body");
      expect(await counts()).toEqual(before);
      // Just under the limit is taken (a text value holds at most 100,000 characters).
      const names = Array.from({ length: 100 }, (_, i) => ({ id: `big-${i}`, name: "x".repeat(95_000) }));
      const fits = JSON.stringify({ reps: names });
      expect(fits.length).toBeGreaterThan(9 * 1024 * 1024);
      const taken = await t.request("/api/data", {
        key: A.keys.data.secret,
        body: fits,
        headers: { "content-type": "application/json" },
      });
      expect(taken.status, taken.text.slice(0, 300)).toBe(200);
      expect(taken.body.tables.reps.created).toBe(100);
    });
  });

  describe("POST /api/import", () => {
    const upload = (file: Uint8Array, query: Record<string, string>, key = C.keys.data.secret) =>
      t.request("/api/import", { key, query, body: file, headers: { "content-type": "application/octet-stream" } });
    const fixture = (path: string) => readFile(join(CRM, path)).then((b) => new Uint8Array(b));

    test("imports a HubSpot export and answers its summary; the same file again changes nothing", async () => {
      const file = await fixture("hubspot/hubspot-crm-exports-all-deals-2024-03-20.csv");
      const res = await upload(file, { format: "hubspot", filename: "all-deals.csv", currency: "EUR" });
      expect(res.status, res.text).toBe(200);
      expect(res.body.format).toBe("hubspot");
      expect(res.body.tables.leads).toEqual({ rows: 8, created: 8, updated: 0, unchanged: 0, removed: 0 });
      expect(res.body.tables.stage_events).toMatchObject({ rows: 24, created: 24 });
      expect(Array.isArray(res.body.lacks)).toBe(true);
      expect((await counts("c")).leads).toBe(8);
      keep(engine, "hubspot upload", timeless(res.body));

      const again = await upload(file, { format: "hubspot", filename: "all-deals.csv", currency: "eur" });
      expect(again.status, again.text).toBe(200);
      expect(again.body.tables.leads).toEqual({ rows: 8, created: 0, updated: 0, unchanged: 8, removed: 0 });
      const timeline = await t.request("/api/leads/hubspot:15832748101/timeline", { key: C.keys.metrics.secret });
      expect(timeline.status).toBe(200);
    });

    test("detects the format when it is not given", async () => {
      const file = await fixture("pipedrive/deals-export-comma.csv");
      const res = await upload(file, {
        filename: "deals-export-comma.csv",
        stages: "Qualified,Contact Made,Demo Scheduled,Proposal Made,Negotiations Started",
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.format).toBe("pipedrive");
      expect(res.body.tables.leads).toMatchObject({ rows: 7, created: 7 });
    });

    const BAD: [string, Record<string, string>][] = [
      ["hubspot-unknown-stage.csv", { format: "hubspot", currency: "EUR" }],
      ["hubspot-truncated.csv", { format: "hubspot", currency: "EUR" }],
      ["hubspot-bom-but-cp1252.csv", { format: "hubspot", currency: "EUR" }],
      ["pipedrive-impossible-date.csv", { format: "pipedrive" }],
      ["pipedrive-utf16le-no-bom.csv", { format: "pipedrive" }],
      ["nutshell-ambiguous-dates.csv", { format: "nutshell", stages: "Qualify,Demo,Proposal,Negotiate" }],
    ];
    test.each(BAD)(
      "a bad file (%s) is a 400 naming the user's file name, and nothing is written",
      async (name, query) => {
        const before = await counts("c");
        const res = await upload(await fixture(`bad/${name}`), { ...query, filename: "my export (2).csv" });
        expectError(res, 400, "invalid_request", "body");
        const message: string = res.body.error.message;
        expect(message).toMatch(/^my export \(2\)\.csv\b/);
        expect(message).not.toContain(tmpdir());
        expect(message).not.toContain("verity-upload");
        expect(JSON.stringify(res.body)).not.toContain(tmpdir());
        expect(await counts("c")).toEqual(before);
        keep(engine, `bad upload ${name}`, res.body);
      },
    );

    test("a bad Salesforce zip names the zip and the file inside it, never a temporary path", async () => {
      const dir = join(CRM, "bad", "salesforce-duplicate-ids");
      const entries: Record<string, Uint8Array> = {};
      for (const file of await readdir(dir)) if (file !== "rates.csv") entries[file] = await readFile(join(dir, file));
      const before = await counts("c");
      const res = await upload(zipSync(entries), { format: "salesforce", filename: "WE_export.zip" });
      expectError(res, 400, "invalid_request", "body");
      expect(res.body.error.message).toMatch(/^WE_export\.zip[/\\]Opportunity\.csv\b/);
      expect(res.text).not.toContain(tmpdir());
      expect(await counts("c")).toEqual(before);
      // Detected as Salesforce from the .zip name alone.
      const detected = await upload(zipSync(entries), { filename: "WE_export.zip" });
      expect(detected.body).toEqual(res.body);
    });

    test("bad parameters are 400s naming them", async () => {
      const file = await fixture("hubspot/hubspot-crm-exports-all-deals-2024-03-20.csv");
      const before = await counts("c");
      expectError(await upload(file, { format: "csv" }), 400, "invalid_request", "query.format");
      expectError(await upload(file, { format: "excel" }), 400, "invalid_request", "query.format");
      expectError(
        await upload(file, { format: "hubspot", currency: "euro" }),
        400,
        "invalid_request",
        "query.currency",
      );
      expectError(
        await upload(file, { format: "hubspot", dateFormat: "ymd" }),
        400,
        "invalid_request",
        "query.dateFormat",
      );
      expectError(await upload(file, { format: "hubspot", colour: "red" }), 400, "invalid_request", "query.colour");
      for (const filename of ["../../etc/passwd", "a/b.csv", "..", ".", ""]) {
        expectError(await upload(file, { format: "hubspot", filename }), 400, "invalid_request", "query.filename");
      }
      // A file no importer recognizes, without a format.
      const notes = new TextEncoder().encode("just some notes\nnothing like an export\n");
      expectError(await upload(notes, { filename: "notes.txt" }), 400, "invalid_request", "query.format");
      // An empty file, and a zip that is not one.
      expectError(
        await upload(new Uint8Array(0), { format: "hubspot", filename: "empty.csv" }),
        400,
        "invalid_request",
      );
      const broken = await upload(new TextEncoder().encode("PK not really a zip"), { filename: "WE_1.zip" });
      expectError(broken, 400, "invalid_request", "body");
      expect(broken.body.error.message).toContain("WE_1.zip");
      const none = await t.request("/api/import", {
        key: C.keys.data.secret,
        method: "POST",
        query: { format: "hubspot" },
      });
      expectError(none, 400, "invalid_request", "body");
      expect(await counts("c")).toEqual(before);
    });
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("answer every push and upload the same", () => {
      answers.expectAgreement(25);
    });
  });
}
