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
import { raw, sql } from "../store/sql.js";
import { activityCountColumn } from "./lead-activity.js";

const FIXTURE = join(import.meta.dirname, "..", "..", "test", "fixtures", "canonical-small");
const options = { workspace: "acme" };

type Facts = { first: string | null } & Record<string, number | string | null>;

async function facts(t: TestStore): Promise<Record<string, Facts>> {
  const columns = ACTIVITY_TYPES.map((type) => activityCountColumn(type)).join(", ");
  const rows = await t.store.query(
    sql`SELECT id, first_activity_at, ${raw(columns)} FROM leads WHERE workspace_id = ${options.workspace} ORDER BY id`,
  );
  const out: Record<string, Facts> = {};
  for (const row of rows) {
    const f: Facts = { first: row.first_activity_at ? new Date(String(row.first_activity_at)).toISOString() : null };
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

  test("the import stores each lead's first activity and its activities by type", async () => {
    expect(await facts(t)).toEqual({
      L1: { first: "2025-01-03T10:00:00.000Z", call: 1, meeting: 1 },
      L2: { first: "2025-01-11T09:00:00.000Z", email: 1 },
      L3: { first: null },
    });
  });

  test("a re-import that adds activities updates the first activity and the counts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-lead-activity-"));
    try {
      await cp(join(FIXTURE, "reps.csv"), join(dir, "reps.csv"));
      // An earlier email on L1 (its new first activity) and L3's first activity, a demo.
      await writeFile(
        join(dir, "activities.csv"),
        "id,lead_id,rep_id,type,occurred_at\n" +
          "a5,L1,r1,email,2025-01-02T12:00:00Z\n" +
          "a6,L3,r1,demo,2025-02-03T08:00:00Z\n",
      );
      await runImport(t.store, verityImporter, dir, options);
      expect(await facts(t)).toEqual({
        L1: { first: "2025-01-02T12:00:00.000Z", call: 1, meeting: 1, email: 1 },
        L2: { first: "2025-01-11T09:00:00.000Z", email: 1 },
        L3: { first: "2025-02-03T08:00:00.000Z", demo: 1 },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
