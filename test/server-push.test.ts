/**
 * Data pushed through POST /api/data, one change at a time as a CRM webhook sends it, must
 * leave the derived facts (lead progress, activity counts, days in stage, monthly activity
 * rollups, contact hashes) exactly as a rebuild of the whole workspace would: pushes redo
 * only what they touched (src/derive/derived-facts.ts DerivedScope). Both engines.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../src/accounts/keys.js";
import { refreshDerivedFacts } from "../src/derive/derived-facts.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { TABLE_ORDER } from "../src/model/canonical.js";
import { createServer, type VerityServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";

/** Every derived fact of workspace w, in a stable order. */
async function derivedState(store: Store, w: string) {
  return {
    leads: await store.query(sql`SELECT * FROM leads WHERE workspace_id = ${w} ORDER BY id`),
    wonStageDays: await store.query(
      sql`SELECT lead_id, stage_id, closed_at, round(CAST(days AS NUMERIC), 6) AS days FROM won_stage_days
          WHERE workspace_id = ${w} ORDER BY lead_id, stage_id`,
    ),
    activityMonths: await store.query(
      sql`SELECT month, rep_id, type, activities, real_notes FROM activity_months WHERE workspace_id = ${w}
          ORDER BY month, rep_id, type`,
    ),
    noteMonths: await store.query(
      sql`SELECT month, rep_id, note_length, notes FROM activity_note_months WHERE workspace_id = ${w}
          ORDER BY month, rep_id, note_length`,
    ),
    leadMonths: await store.query(
      sql`SELECT month, rep_id, lead_id, activities FROM lead_activity_months WHERE workspace_id = ${w}
          ORDER BY month, rep_id, lead_id`,
    ),
  };
}

const NOTE = "Discussed the rollout plan with their CFO in detail.";

describe.each(engines())("pushes through the API on %s", (engine) => {
  let db: TestStore;
  let dir: string;
  let server: VerityServer;
  let key: string;
  const push = async (body: object) => {
    const response = await server.app.request("/api/data", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status !== 200) throw new Error(`push failed ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };

  beforeAll(async () => {
    db = await openTestStore(engine);
    dir = await mkdtemp(join(tmpdir(), "verity-push-"));
    await ensureWorkspace(db.store, "w");
    key = (await createKey(db.store, { workspace: "w", name: "hook", scopes: ["data:write"] })).secret;
    server = await createServer({ store: db.store, dataDir: dir, logLevel: "silent" });
    // The CRM's set-up, as one push (stages and pipelines redo the workspace).
    await push({
      reps: [
        { id: "r1", name: "Rita" },
        { id: "r2", name: "Sam" },
      ],
      pipelines: [{ id: "p", name: "Sales" }],
      stages: [
        { id: "s1", pipeline_id: "p", name: "New", position: 1, kind: "open" },
        { id: "s2", pipeline_id: "p", name: "Qualified", position: 2, kind: "open", is_qualifying: true },
        { id: "s3", pipeline_id: "p", name: "Proposal", position: 3, kind: "open" },
        { id: "won", pipeline_id: "p", name: "Won", position: 4, kind: "won" },
        { id: "lost", pipeline_id: "p", name: "Lost", position: 5, kind: "lost" },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("one change at a time leaves every derived fact as a full rebuild would", async () => {
    const { store } = db;
    const lead = (id: string, extra: object = {}) => ({
      id,
      pipeline_id: "p",
      stage_id: "s1",
      status: "open",
      owner_id: "r1",
      created_at: "2026-01-05T09:00:00Z",
      contact: `${id}@example.com`,
      ...extra,
    });
    await push({ leads: [lead("L1"), lead("L2", { owner_id: "r2" })] });
    await push({ stage_events: [{ lead_id: "L1", to_stage_id: "s1", changed_at: "2026-01-05T09:00:00Z" }] });
    await push({
      stage_events: [{ lead_id: "L1", from_stage_id: "s1", to_stage_id: "s2", changed_at: "2026-01-20T10:00:00Z" }],
      activities: [
        { id: "a1", lead_id: "L1", rep_id: "r1", type: "call", occurred_at: "2026-01-21T10:00:00Z", note: NOTE },
        { id: "a2", lead_id: "L2", rep_id: "r2", type: "email", occurred_at: "2026-02-02T10:00:00Z" },
      ],
    });
    // L1 is won in March; its history must stay whole (pushes add to it).
    await push({
      leads: [
        lead("L1", { stage_id: "won", status: "won", closed_at: "2026-03-10T12:00:00Z", value: 1200, currency: "EUR" }),
      ],
      stage_events: [{ lead_id: "L1", from_stage_id: "s2", to_stage_id: "won", changed_at: "2026-03-10T12:00:00Z" }],
    });
    // An activity corrected into another month: both months' rollups change.
    await push({
      activities: [{ id: "a2", lead_id: "L2", rep_id: "r2", type: "meeting", occurred_at: "2026-03-03T10:00:00Z" }],
    });
    // A new contact for L2.
    await push({ leads: [lead("L2", { owner_id: "r2", contact: "new@example.com" })] });
    // An activity logged on the wrong lead, moved: the lead it leaves counts one fewer.
    await push({
      activities: [{ id: "a3", lead_id: "L2", rep_id: "r2", type: "call", occurred_at: "2026-03-04T10:00:00Z" }],
    });
    await push({
      activities: [{ id: "a3", lead_id: "L1", rep_id: "r2", type: "call", occurred_at: "2026-03-04T10:00:00Z" }],
    });

    const pushed = await derivedState(store, "w");
    // The pushes did derive: L1's history is whole and its facts are there.
    const l1 = pushed.leads.find((l) => l.id === "L1");
    expect(l1?.reached_qualifying_at).toBe("2026-01-20T10:00:00.000Z");
    expect(l1?.last_event_stage_id).toBe("won");
    expect(l1?.activity_calls).toBe(2);
    expect(pushed.leads.find((l) => l.id === "L2")?.activity_calls).toBe(0);
    expect(pushed.wonStageDays.map((r) => r.stage_id)).toEqual(["s1", "s2", "won"]);
    expect(pushed.activityMonths.map((r) => [String(r.month).slice(0, 7), r.type, r.activities])).toEqual([
      ["2026-01", "call", 1],
      ["2026-03", "call", 1],
      ["2026-03", "meeting", 1],
    ]);
    // Per lead too: the moved call counts on L1, in March.
    expect(pushed.leadMonths.map((r) => [String(r.month).slice(0, 7), r.lead_id, r.activities])).toEqual([
      ["2026-01", "L1", 1],
      ["2026-03", "L1", 1],
      ["2026-03", "L2", 1],
    ]);
    expect([l1?.last_activity_at, l1?.last_activity_type]).toEqual(["2026-03-04T10:00:00.000Z", "call"]);
    const [events] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM stage_events WHERE workspace_id = 'w' AND lead_id = 'L1'`,
    );
    expect(events?.n).toBe(3);

    // A full rebuild of the workspace changes nothing.
    await store.transaction(() => refreshDerivedFacts(store, "w", TABLE_ORDER));
    expect(await derivedState(store, "w")).toEqual(pushed);
  });
});
