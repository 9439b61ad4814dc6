/**
 * Activities stored on each lead at ingest (lead-activity.ts), on every engine: filled in by
 * the import, and brought up to date by a re-import that adds activities.
 */
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../test/support/databases.js";
import { openTestStore, type TestStore } from "../../test/support/stores.js";
import { runImport } from "../ingest/importer.js";
import { verityImporter } from "../ingest/verity-importer.js";
import { ACTIVITY_TYPES } from "../model/canonical.js";
import { leadLastActivitySchema } from "../store/migrations/024-lead-last-activity.js";
import { leadActivityMonthsSchema } from "../store/migrations/025-lead-activity-months.js";
import { raw, sql } from "../store/sql.js";
import { refreshActivityRollup } from "./activity-rollup.js";
import { activityCountColumn, refreshLeadActivity } from "./lead-activity.js";

const FIXTURE = join(import.meta.dirname, "..", "..", "test", "fixtures", "canonical-small");
const options = { workspace: "acme" };

type Facts = { first: string | null; last: string | null } & Record<string, number | string | null>;

const iso = (value: unknown) => (value ? new Date(String(value)).toISOString() : null);

async function facts(t: TestStore): Promise<Record<string, Facts>> {
  const columns = ACTIVITY_TYPES.map((type) => activityCountColumn(type)).join(", ");
  const rows = await t.store.query(
    sql`SELECT id, first_activity_at, last_activity_at, last_activity_type, ${raw(columns)}
        FROM leads WHERE workspace_id = ${options.workspace} ORDER BY id`,
  );
  const out: Record<string, Facts> = {};
  for (const row of rows) {
    const last = row.last_activity_at ? `${iso(row.last_activity_at)} ${row.last_activity_type}` : null;
    const f: Facts = { first: iso(row.first_activity_at), last };
    for (const type of ACTIVITY_TYPES) {
      const n = Number(row[activityCountColumn(type)] ?? 0);
      if (n !== 0) f[type] = n;
    }
    out[String(row.id)] = f;
  }
  return out;
}

describe.each(engines())("lead activity facts on %s", (engine) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(engine);
    await runImport(t.store, verityImporter, FIXTURE, options);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  test("the import stores each lead's first and last activity and its activities by type", async () => {
    expect(await facts(t)).toEqual({
      L1: { first: "2025-01-03T10:00:00.000Z", last: "2025-01-10T13:00:00.000Z meeting", call: 1, meeting: 1 },
      L2: { first: "2025-01-11T09:00:00.000Z", last: "2025-01-11T09:00:00.000Z email", email: 1 },
      L3: { first: null, last: null },
    });
  });

  test("a re-import that adds activities updates the first and last activity and the counts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-lead-activity-"));
    try {
      await cp(join(FIXTURE, "reps.csv"), join(dir, "reps.csv"));
      // An earlier email on L1 (its new first activity, its last unchanged), L3's first
      // activity, a demo, and a call on L2 at the moment of its email: of the two, the first
      // type by name is the last activity (as the stalled list orders activities it reads).
      await writeFile(
        join(dir, "activities.csv"),
        "id,lead_id,rep_id,type,occurred_at\n" +
          "a5,L1,r1,email,2025-01-02T12:00:00Z\n" +
          "a6,L3,r1,demo,2025-02-03T08:00:00Z\n" +
          "a7,L2,r2,call,2025-01-11T09:00:00Z\n",
      );
      await runImport(t.store, verityImporter, dir, options);
      const expected = {
        L1: {
          first: "2025-01-02T12:00:00.000Z",
          last: "2025-01-10T13:00:00.000Z meeting",
          call: 1,
          meeting: 1,
          email: 1,
        },
        L2: { first: "2025-01-11T09:00:00.000Z", last: "2025-01-11T09:00:00.000Z call", email: 1, call: 1 },
        L3: { first: "2025-02-03T08:00:00.000Z", last: "2025-02-03T08:00:00.000Z demo", demo: 1 },
      };
      expect(await facts(t)).toEqual(expected);

      // Migration 24 fills in the last activity of data imported before it, the same way.
      await t.store.execute(sql`UPDATE leads SET last_activity_at = NULL, last_activity_type = NULL`);
      const backfill = leadLastActivitySchema(t.store.dialect).at(-1) as string;
      await t.store.execute(raw(backfill));
      expect(await facts(t)).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a refresh of some leads (a push) brings only theirs up to date, and clears a lead left without activities", async () => {
    const before = await facts(t);
    await t.store.execute(
      sql`INSERT INTO activities (workspace_id, id, source_system, external_id, lead_id, rep_id, type, occurred_at)
          VALUES ('acme', 'verity:a8', 'verity', 'a8', 'L3', 'r1', 'note', CAST('2025-03-01 10:00:00' AS TIMESTAMP)),
                 ('acme', 'verity:a9', 'verity', 'a9', 'L1', 'r1', 'note', CAST('2025-03-01 10:00:00' AS TIMESTAMP))`,
    );
    await refreshLeadActivity(t.store, "acme", sql`SELECT 'L3'`);
    const after = await facts(t);
    expect(after.L3).toMatchObject({ last: "2025-03-01T10:00:00.000Z note", note: 1 });
    // L1 was not in the refresh: its new note is not counted yet.
    expect(after.L1).toEqual(before.L1);

    // Its only activities before 1970 (negative times): the latest still found, with its type.
    await t.store.execute(sql`DELETE FROM activities WHERE workspace_id = 'acme' AND lead_id = 'L3'`);
    await t.store.execute(
      sql`INSERT INTO activities (workspace_id, id, source_system, external_id, lead_id, rep_id, type, occurred_at)
          VALUES ('acme', 'verity:a10', 'verity', 'a10', 'L3', 'r1', 'task', CAST('1969-07-20 20:17:00' AS TIMESTAMP)),
                 ('acme', 'verity:a11', 'verity', 'a11', 'L3', 'r1', 'demo', CAST('1969-07-20 20:17:00' AS TIMESTAMP)),
                 ('acme', 'verity:a12', 'verity', 'a12', 'L3', 'r1', 'call', CAST('1969-07-19 10:00:00' AS TIMESTAMP))`,
    );
    await refreshLeadActivity(t.store, "acme", sql`SELECT 'L3'`);
    expect((await facts(t)).L3).toMatchObject({
      first: "1969-07-19T10:00:00.000Z",
      last: "1969-07-20T20:17:00.000Z demo",
    });

    await t.store.execute(sql`DELETE FROM activities WHERE workspace_id = 'acme' AND lead_id = 'L3'`);
    await refreshLeadActivity(t.store, "acme", sql`SELECT 'L3'`);
    expect((await facts(t)).L3).toEqual({ first: null, last: null });
  });

  test("migration 25 fills in the activities per lead and month as the import keeps them", async () => {
    const rows = () =>
      t.store.query(
        sql`SELECT workspace_id, month, rep_id, lead_id, activities FROM lead_activity_months
            ORDER BY workspace_id, month, rep_id, lead_id`,
      );
    // What the derivation writes for the activities as they are now (a test above wrote some by hand).
    await refreshActivityRollup(t.store, options.workspace);
    const kept = await rows();
    // Activities on leads and one without a lead (a4), in two months.
    expect(kept.length).toBeGreaterThan(2);
    expect(kept.some((row) => row.lead_id === null)).toBe(true);
    await t.store.execute(sql`DELETE FROM lead_activity_months`);
    for (const statement of leadActivityMonthsSchema(t.store.dialect).filter((s) => s.startsWith("INSERT"))) {
      await t.store.execute(raw(statement));
    }
    expect(await rows()).toEqual(kept);
  });
});
