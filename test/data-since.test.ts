/**
 * Pairs of the vanity check kept across pushes of CRM rows whose leads lie after their period
 * (src/ingest/write-scope.ts; migration 021; read-cache.ts KeepOptions.before). A figure for a
 * period counts a lead only through some moment of its history before the period's end, so a
 * push through POST /api/data records the earliest moment of the histories it touched, and a
 * pair of an earlier period is served from memory. Held here on both engines against the
 * simulated company: leads, stage events, activities and a lead whose visit is linked, all
 * from after the period: served without a statement of the pairs and equal to a fresh
 * computation; a push that reaches into the period (a later stage event of a lead of the
 * period, an activity of the period moved to a later lead): measured again and seen. And the
 * one all-time read the pairs make, what the data supports, is part of their key.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createKey } from "../src/accounts/keys.js";
import { refreshDerivedFacts } from "../src/derive/derived-facts.js";
import { ImportError } from "../src/ingest/import-error.js";
import { ensureWorkspace, runImport } from "../src/ingest/importer.js";
import { verityImporter } from "../src/ingest/verity-importer.js";
import { PAIRS } from "../src/insights/vanity-check.js";
import { TABLE_ORDER } from "../src/model/canonical.js";
import { applyTrackingRecords } from "../src/server/collect/tracking.js";
import type { TrackingRecord } from "../src/server/collect/tracking-schema.js";
import { createServer, type VerityServer } from "../src/server/server.js";
import { MAX_MONTHS, monthOf, readVersions, touchData } from "../src/store/data-versions.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { freshPairs, type Measures, servedPairs } from "./support/pairs.js";
import {
  loadSimulated,
  type SimulatedCompany,
  simulatedCompany,
  SIMULATED_WORKSPACE as W,
} from "./support/simulated-company.js";
import { openTestStore, type TestStore } from "./support/stores.js";

/** The simulated company's data runs to 2026-09-30; the period ends on 2026-07-01. */
const PERIOD = "2026-Q2";
const AFTER = "2026-08-15T10:00:00.000Z";
const INSIDE = "2026-05-20T10:00:00.000Z";

/** What the data supports (figure-support.ts) is read again after every write: it is in the pairs' key. */
const SUPPORT = /\bAS unwon\b/;

/** The pairs of a period as a request of the server gets them, and the statements they ran. */
const served = (store: Store, workspace: string, period: string, pipeline?: string) =>
  servedPairs(store, { workspace, period, ...(pipeline ? { pipeline } : {}) }, SUPPORT);

/** The same computed from the store itself, nothing kept. */
const fresh = (store: Store, workspace: string, period: string, pipeline?: string) =>
  freshPairs(store, { workspace, period, ...(pipeline ? { pipeline } : {}) });

function pusher(server: () => VerityServer, key: () => string) {
  return async (body: object) => {
    const response = await server().app.request("/api/data", {
      method: "POST",
      headers: { authorization: `Bearer ${key()}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`push failed ${response.status}: ${await response.text()}`);
  };
}

const pairOf = (pairs: Measures, vanity: string) => pairs[PAIRS.findIndex((p) => p.vanity === vanity)];

let company: SimulatedCompany;
beforeAll(async () => {
  company = await simulatedCompany();
});
afterAll(async () => {
  await company?.cleanup();
});

describe.each(engines())("pairs kept across later pushes on %s", (engine) => {
  let db: TestStore;
  let store: Store;
  let dir: string;
  let server: VerityServer;
  let key: string;
  const push = pusher(
    () => server,
    () => key,
  );
  let pipeline: string;
  let stage: string;
  let rep: string;
  beforeAll(async () => {
    db = await loadSimulated(engine, company);
    store = db.store;
    dir = await mkdtemp(join(tmpdir(), "verity-data-since-"));
    key = (await createKey(store, { workspace: W, name: "hook", scopes: ["data:write"] })).secret;
    server = await createServer({ store, dataDir: dir, logLevel: "silent" });
    const [lead] = await store.query<{ pipeline_id: string; stage_id: string; owner_id: string }>(
      sql`SELECT pipeline_id, stage_id, owner_id FROM leads WHERE workspace_id = ${W} AND status = 'open'
            AND owner_id IS NOT NULL ORDER BY id LIMIT 1`,
    );
    pipeline = lead?.pipeline_id ?? "";
    stage = lead?.stage_id ?? "";
    rep = lead?.owner_id ?? "";
  });
  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a push of leads, stage events and activities from after the period leaves its pairs in memory", async () => {
    const first = await served(store, W, PERIOD);
    expect(first.ran.length).toBeGreaterThan(0);
    expect(first.pairs).toEqual(await fresh(store, W, PERIOD));

    // A visitor identifies on the website after the period; the lead with that contact comes
    // from the CRM later: the load links the visit to it.
    const contact = "later.buyer@example.com";
    const emailHash = createHash("sha256").update(contact).digest("hex");
    const record: TrackingRecord = {
      q: 1,
      w: W,
      s: "site",
      at: AFTER,
      e: [
        {
          id: "event-later-identify-000",
          type: "identify",
          visitor: "visitor-later-00000000",
          visit: "visit-later-0000000000",
          url: "https://example.com/pricing",
          referrer: "",
          utm: {},
          emailHash,
        },
      ],
    };
    await store.transaction(() => applyTrackingRecords(store, [record]));
    const tracked = await served(store, W, PERIOD);
    expect(tracked.ran).toEqual([]);

    await push({
      leads: [
        { id: "later-1", pipeline_id: pipeline, stage_id: stage, status: "open", owner_id: rep, created_at: AFTER },
        {
          id: "later-2",
          pipeline_id: pipeline,
          stage_id: stage,
          status: "open",
          owner_id: rep,
          contact,
          created_at: "2026-08-16T09:00:00Z",
        },
      ],
      stage_events: [{ lead_id: "later-1", to_stage_id: stage, changed_at: "2026-08-20T09:00:00Z" }],
      activities: [
        { id: "later-call", lead_id: "later-1", rep_id: rep, type: "call", occurred_at: "2026-08-21T09:00:00Z" },
        { id: "later-loose", rep_id: rep, type: "email", occurred_at: "2026-09-01T09:00:00Z" },
      ],
    });
    const [linked] = await store.query<{ lead: string | null }>(
      sql`SELECT converted_lead_id AS lead FROM visits WHERE workspace_id = ${W} AND visitor_id = ${"visitor-later-00000000"}`,
    );
    expect(linked?.lead).toBe("later-2");

    const after = await served(store, W, PERIOD);
    expect(after.ran).toEqual([]);
    expect(after.pairs).toEqual(first.pairs);
    expect(after.pairs).toEqual(await fresh(store, W, PERIOD));
    // The period after is measured again: the push is in it.
    const q3 = await served(store, W, "2026-Q3");
    expect(q3.ran.length).toBeGreaterThan(0);
    expect(q3.pairs).toEqual(await fresh(store, W, "2026-Q3"));
  });

  test("a push that reaches into the period is measured again and seen", async () => {
    const before = await served(store, W, PERIOD);
    // A lead of the period wins today: the period's cohort is judged by its status now.
    const [open] = await store.query<{ id: string; pipeline_id: string; stage_id: string }>(
      sql`SELECT id, pipeline_id, stage_id FROM leads WHERE workspace_id = ${W} AND status = 'open'
            AND created_at >= CAST(${"2026-04-01 00:00:00"} AS TIMESTAMP) AND created_at < CAST(${"2026-07-01 00:00:00"} AS TIMESTAMP)
          ORDER BY id LIMIT 1`,
    );
    expect(open?.id).toBeTruthy();
    // The simulated company's stages are all open ones; a win is the lead's status.
    const now = new Date().toISOString();
    await push({
      stage_events: [{ lead_id: open?.id, to_stage_id: open?.stage_id, changed_at: now }],
      leads: [
        {
          id: open?.id,
          pipeline_id: open?.pipeline_id,
          stage_id: open?.stage_id,
          status: "won",
          owner_id: rep,
          created_at: INSIDE,
          closed_at: now,
        },
      ],
    });
    const wins = await served(store, W, PERIOD);
    expect(wins.ran.length).toBeGreaterThan(0);
    expect(wins.pairs).toEqual(await fresh(store, W, PERIOD));
    expect(pairOf(wins.pairs, "activity-conversion")?.real).not.toEqual(
      pairOf(before.pairs, "activity-conversion")?.real,
    );

    // An activity of the period moved to a lead from after it, at a later time: the period loses it.
    const [activity] = await store.query<{ id: string; lead_id: string; rep_id: string; type: string }>(
      sql`SELECT id, lead_id, rep_id, type FROM activities WHERE workspace_id = ${W} AND type = 'call' AND rep_id IS NOT NULL
            AND lead_id IS NOT NULL AND occurred_at >= CAST(${"2026-05-01 00:00:00"} AS TIMESTAMP)
            AND occurred_at < CAST(${"2026-06-01 00:00:00"} AS TIMESTAMP)
          ORDER BY id LIMIT 1`,
    );
    expect(activity?.id).toBeTruthy();
    const moved = await served(store, W, PERIOD);
    await push({
      activities: [
        { id: activity?.id, lead_id: "later-1", rep_id: activity?.rep_id, type: "call", occurred_at: AFTER },
      ],
    });
    const left = await served(store, W, PERIOD);
    expect(left.ran.length).toBeGreaterThan(0);
    expect(left.pairs).toEqual(await fresh(store, W, PERIOD));
    expect(pairOf(left.pairs, "activities")?.vanity.value).toBe(
      (pairOf(moved.pairs, "activities")?.vanity.value ?? 0) - 1,
    );
  });

  test("activities without a lead pushed into the period are counted there, whatever the server's time zone", async () => {
    const before = await served(store, W, PERIOD);
    const zone = process.env.TZ;
    // Times without an offset are UTC; a "+02" offset is read as such (the push once parsed both
    // itself: the first in the server's zone, the second not at all).
    process.env.TZ = "America/New_York";
    try {
      await push({
        leads: [
          { id: "later-3", pipeline_id: pipeline, stage_id: stage, status: "open", owner_id: rep, created_at: AFTER },
        ],
        activities: [
          { id: "loose-edge", rep_id: rep, type: "call", occurred_at: "2026-06-30 23:30:00" },
          { id: "loose-offset", rep_id: rep, type: "call", occurred_at: "2026-05-15T10:00:00+02" },
        ],
      });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    const after = await served(store, W, PERIOD);
    expect(after.ran.length).toBeGreaterThan(0);
    expect(after.pairs).toEqual(await fresh(store, W, PERIOD));
    expect(pairOf(after.pairs, "activities")?.vanity.value).toBe(
      (pairOf(before.pairs, "activities")?.vanity.value ?? 0) + 2,
    );
  });

  test("a push that links a visit of the period to a later lead changes the website data's tokens from its month", async () => {
    const contact = "early.visitor@example.com";
    const emailHash = createHash("sha256").update(contact).digest("hex");
    const record: TrackingRecord = {
      q: 2,
      w: W,
      s: "site",
      at: INSIDE,
      e: [
        {
          id: "event-early-identify-000",
          type: "identify",
          visitor: "visitor-early-00000000",
          visit: "visit-early-0000000000",
          url: "https://example.com/pricing",
          referrer: "",
          utm: {},
          emailHash,
        },
      ],
    };
    await store.transaction(() => applyTrackingRecords(store, [record]));
    await served(store, W, PERIOD);
    const read = async () => {
      const versions = await readVersions(store, W);
      if (!versions) throw new Error("no versions");
      return versions;
    };
    const tokens = await read();
    await push({
      leads: [
        {
          id: "later-4",
          pipeline_id: pipeline,
          stage_id: stage,
          status: "open",
          owner_id: rep,
          contact,
          created_at: AFTER,
        },
      ],
    });
    const [linked] = await store.query<{ lead: string | null }>(
      sql`SELECT converted_lead_id AS lead FROM visits WHERE workspace_id = ${W} AND visitor_id = ${"visitor-early-00000000"}`,
    );
    expect(linked?.lead).toBe("later-4");
    const now = await read();
    expect(now.versions.tracking).not.toBe(tokens.versions.tracking);
    const changed = (since: readonly { month: string; version: string }[], was: typeof since) =>
      since.filter((s) => !was.some((w) => w.month === s.month && w.version === s.version)).map((s) => s.month);
    // The linked visit started in May: both groups' writes begin there.
    expect(changed(now.since.tracking, tokens.since.tracking)).toEqual(["2026-05"]);
    expect(changed(now.since.data, tokens.since.data)).toEqual(["2026-05"]);
    const after = await served(store, W, PERIOD);
    expect(after.ran.length).toBeGreaterThan(0);
    expect(after.pairs).toEqual(await fresh(store, W, PERIOD));
  });

  test("a small file import into the workspace is scoped like a push, and derives what a rebuild would", async () => {
    const first = await served(store, W, PERIOD);
    const files = await mkdtemp(join(tmpdir(), "verity-data-since-files-"));
    try {
      const write = async (name: string, rows: string[]) => {
        await mkdir(join(files, name.split("/")[0] ?? ""), { recursive: true });
        await writeFile(join(files, name), `${rows.join("\n")}\n`);
      };
      // Leads and activities from after the period, as `verity import leads.csv activities.csv` loads them.
      await write("later/leads.csv", [
        "id,pipeline_id,stage_id,owner_id,status,created_at",
        `file-later-1,${pipeline},${stage},${rep},open,2026-08-20T09:00:00Z`,
      ]);
      await write("later/activities.csv", [
        "id,lead_id,rep_id,type,occurred_at",
        `file-later-call,file-later-1,${rep},call,2026-08-21 09:00:00`,
      ]);
      await runImport(store, verityImporter, join(files, "later"), { workspace: W });
      const after = await served(store, W, PERIOD);
      expect(after.ran).toEqual([]);
      expect(after.pairs).toEqual(first.pairs);
      expect(after.pairs).toEqual(await fresh(store, W, PERIOD));
      const [lead] = await store.query<{ calls: number }>(
        sql`SELECT activity_calls AS calls FROM leads WHERE workspace_id = ${W} AND id = ${"file-later-1"}`,
      );
      expect(Number(lead?.calls)).toBe(1);

      // A lead of the period lost today, from a file: measured again and seen.
      const [open] = await store.query<{ id: string; pipeline_id: string; stage_id: string; owner_id: string }>(
        sql`SELECT id, pipeline_id, stage_id, owner_id FROM leads WHERE workspace_id = ${W} AND status = 'open'
              AND created_at >= CAST(${"2026-04-01 00:00:00"} AS TIMESTAMP) AND created_at < CAST(${"2026-07-01 00:00:00"} AS TIMESTAMP)
            ORDER BY id LIMIT 1`,
      );
      expect(open?.id).toBeTruthy();
      await write("lost/leads.csv", [
        "id,pipeline_id,stage_id,owner_id,status,created_at,closed_at,loss_reason",
        `${open?.id},${open?.pipeline_id},${open?.stage_id},${open?.owner_id},lost,${INSIDE},${new Date().toISOString()},price`,
      ]);
      await runImport(store, verityImporter, join(files, "lost"), { workspace: W });
      const lost = await served(store, W, PERIOD);
      expect(lost.ran.length).toBeGreaterThan(0);
      expect(lost.pairs).toEqual(await fresh(store, W, PERIOD));
      expect(pairOf(lost.pairs, "activity-conversion")?.real).not.toEqual(
        pairOf(first.pairs, "activity-conversion")?.real,
      );

      // The scoped derivations left what a rebuild of the whole workspace leaves.
      const derived = async () => ({
        leads: await store.query(sql`SELECT * FROM leads WHERE workspace_id = ${W} ORDER BY id`),
        months: await store.query(
          sql`SELECT month, rep_id, type, activities FROM activity_months WHERE workspace_id = ${W} ORDER BY month, rep_id, type`,
        ),
      });
      const scoped = await derived();
      await store.transaction(() => refreshDerivedFacts(store, W, TABLE_ORDER));
      expect(await derived()).toEqual(scoped);
    } finally {
      await rm(files, { recursive: true, force: true });
    }
  });

  test("a small import with a bad value is refused naming file, line and column, and writes nothing", async () => {
    const files = await mkdtemp(join(tmpdir(), "verity-data-since-files-"));
    try {
      await writeFile(
        join(files, "leads.csv"),
        `id,pipeline_id,stage_id,status,created_at\nbad-1,${pipeline},${stage},open,2026-08-20T09:00:00Z\nbad-2,${pipeline},${stage},open,not a date\n`,
      );
      const [before] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM leads WHERE workspace_id = ${W}`);
      const error = await runImport(store, verityImporter, files, { workspace: W }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportError);
      expect(error).toMatchObject({ line: 3, column: "created_at" });
      expect(String((error as Error).message)).toContain("leads.csv");
      const [after] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM leads WHERE workspace_id = ${W}`);
      expect(Number(after?.n)).toBe(Number(before?.n));
      // A NUL is named as the load names it, on PostgreSQL too (its COPY would refuse it first).
      await writeFile(
        join(files, "leads.csv"),
        `id,pipeline_id,stage_id,status,created_at\nbad-1,${pipeline},${stage},open,2026-08-20T09:00:00Z\nbad-2,${pipeline},${stage},op\u0000en,2026-08-20T09:00:00Z\n`,
      );
      const nul = await runImport(store, verityImporter, files, { workspace: W }).catch((e: unknown) => e);
      expect(nul).toBeInstanceOf(ImportError);
      expect(nul).toMatchObject({ line: 3, column: "status" });
      expect(String((nul as Error).message)).toContain("NUL");
    } finally {
      await rm(files, { recursive: true, force: true });
    }
  });

  test("an import that carries stages may change any period: its pairs are measured again", async () => {
    await served(store, W, PERIOD);
    const [row] = await store.query<{ id: string; pipeline_id: string; name: string; position: number }>(
      sql`SELECT id, pipeline_id, name, position FROM stages WHERE workspace_id = ${W} ORDER BY id LIMIT 1`,
    );
    const files = await mkdtemp(join(tmpdir(), "verity-data-since-files-"));
    try {
      await writeFile(
        join(files, "stages.csv"),
        `id,pipeline_id,name,position,kind\n${row?.id},${row?.pipeline_id},${row?.name},${row?.position},open\n`,
      );
      await runImport(store, verityImporter, files, { workspace: W });
    } finally {
      await rm(files, { recursive: true, force: true });
    }
    const after = await served(store, W, PERIOD);
    expect(after.ran.length).toBeGreaterThan(0);
    expect(after.pairs).toEqual(await fresh(store, W, PERIOD));
  });

  test("a push of reps may change any period: its pairs are measured again", async () => {
    await served(store, W, PERIOD);
    await push({ reps: [{ id: rep, name: "Renamed Rep" }] });
    const after = await served(store, W, PERIOD);
    expect(after.ran.length).toBeGreaterThan(0);
    expect(after.pairs).toEqual(await fresh(store, W, PERIOD));
  });
});

describe.each(engines())("what the data supports is in the pairs' key on %s", (engine) => {
  // The case a review found: a lead lying wholly after the period changes whether the data
  // can tell days to win and qualified leads (qualification marks are read over all time).
  let db: TestStore;
  let dir: string;
  let server: VerityServer;
  let key: string;
  const push = pusher(
    () => server,
    () => key,
  );
  beforeAll(async () => {
    db = await openTestStore(engine);
    dir = await mkdtemp(join(tmpdir(), "verity-data-since-"));
    await ensureWorkspace(db.store, "w");
    key = (await createKey(db.store, { workspace: "w", name: "hook", scopes: ["data:write"] })).secret;
    server = await createServer({ store: db.store, dataDir: dir, logLevel: "silent" });
    await push({
      reps: [{ id: "r1", name: "Rita" }],
      pipelines: [{ id: "p", name: "Sales" }],
      stages: [
        { id: "s1", pipeline_id: "p", name: "New", position: 1, kind: "open" },
        { id: "won", pipeline_id: "p", name: "Won", position: 2, kind: "won" },
        { id: "lost", pipeline_id: "p", name: "Lost", position: 3, kind: "lost" },
      ],
    });
    const lead = (id: string, status: string, created: string, closed: string | null, qualified: string | null) => ({
      id,
      pipeline_id: "p",
      stage_id: status === "open" ? "s1" : status,
      status,
      owner_id: "r1",
      value: 1000,
      currency: "EUR",
      created_at: created,
      closed_at: closed,
      qualified_at: qualified,
      loss_reason: status === "lost" ? "price" : null,
    });
    await push({
      leads: [
        lead("won-1", "won", "2026-04-02T09:00:00Z", "2026-05-05T09:00:00Z", "2026-04-10T09:00:00Z"),
        lead("lost-1", "lost", "2026-04-03T09:00:00Z", "2026-05-06T09:00:00Z", null),
        lead("open-later", "open", "2026-08-01T09:00:00Z", null, null),
      ],
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("month tokens stay bounded: past the bound they fold into one for any time", async () => {
    // Writes beginning in as many months as the bound allows, then one more.
    const month = (i: number) => monthOf(new Date(Date.UTC(1990 + Math.floor(i / 12), i % 12, 1)));
    for (let i = 0; i <= MAX_MONTHS; i++) {
      await db.store.transaction(() => touchData(db.store, "w", ["data"], { data: month(i) }));
      if (i === 10) {
        const since = (await readVersions(db.store, "w"))?.since.data ?? [];
        expect(since.some((s) => s.month === month(0))).toBe(true);
      }
    }
    // Folded once on the way (the workspace held a few months before): '' and the months since.
    const since = (await readVersions(db.store, "w"))?.since.data ?? [];
    expect(since.length).toBeLessThanOrEqual(MAX_MONTHS);
    expect(since.some((s) => s.month === "")).toBe(true);
    expect(since.some((s) => s.month === month(0))).toBe(false);
    const after = await served(db.store, "w", PERIOD);
    expect(after.pairs).toEqual(await fresh(db.store, "w", PERIOD));
  });

  test("a later lead that brings the first qualification mark is seen", async () => {
    const before = await served(db.store, "w", PERIOD);
    expect(before.pairs).toEqual(await fresh(db.store, "w", PERIOD));
    expect(pairOf(before.pairs, "total-sales")?.real.value).toBeNull();
    await push({
      leads: [
        {
          id: "lost-later",
          pipeline_id: "p",
          stage_id: "lost",
          status: "lost",
          owner_id: "r1",
          created_at: "2026-08-02T09:00:00Z",
          qualified_at: "2026-08-03T09:00:00Z",
          closed_at: "2026-08-20T09:00:00Z",
          loss_reason: "price",
        },
      ],
    });
    const after = await served(db.store, "w", PERIOD);
    expect(after.pairs).toEqual(await fresh(db.store, "w", PERIOD));
    expect(pairOf(after.pairs, "total-sales")?.real.value).not.toBeNull();
  });
});
