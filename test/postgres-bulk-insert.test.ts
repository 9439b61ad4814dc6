/**
 * PostgreSQL's bulk path drops a table's indexes for a first large load and builds them
 * again after; nothing may be lost on the way, and a failed load keeps them too.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";

async function indexesOf(store: Store, table: string): Promise<string[]> {
  const rows = await store.query<{ name: string }>(
    sql`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ${table} ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

const insertVisit = (store: Store, id: string) =>
  store.execute(
    sql`INSERT INTO visits (workspace_id, visit_id, source_system, visitor_id, started_at, visit_number)
        VALUES ('w', ${id}, 'test', 'v', CAST('2025-01-01' AS TIMESTAMP), 1)`,
  );

if (engines().includes("postgres")) {
  describe("PostgreSQL bulk insert", () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore("postgres");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    test("a first large load rebuilds every index and the primary key", async () => {
      const before = await indexesOf(t.store, "visits");
      expect(before).toEqual(["visits_converted", "visits_pkey", "visits_started", "visits_visitor"]);
      let during: string[] = [];
      await t.store.transaction(() =>
        t.store.bulkInsert("visits", 60_000, async () => {
          during = await indexesOf(t.store, "visits");
          await insertVisit(t.store, "a");
        }),
      );
      expect(during).toEqual([]);
      expect(await indexesOf(t.store, "visits")).toEqual(before);
      const [pk] = await t.store.query<{ n: number }>(
        sql`SELECT count(*) AS n FROM pg_constraint WHERE contype = 'p' AND conrelid = 'visits'::regclass`,
      );
      expect(pk?.n).toBe(1);
      // The rebuilt key still refuses a duplicate.
      await expect(insertVisit(t.store, "a")).rejects.toThrow(/duplicate key/);
    });

    test("a table that already holds rows keeps its indexes during the load", async () => {
      let during: string[] = [];
      await t.store.transaction(() =>
        t.store.bulkInsert("visits", 60_000, async () => {
          during = await indexesOf(t.store, "visits");
          await insertVisit(t.store, "b");
        }),
      );
      expect(during).toHaveLength(4);
    });

    test("a load that fails leaves the indexes as they were", async () => {
      await t.store.execute(sql`DELETE FROM visits`);
      const failed = t.store.transaction(() =>
        t.store.bulkInsert("visits", 60_000, async () => {
          throw new Error("boom");
        }),
      );
      await expect(failed).rejects.toThrow("boom");
      expect(await indexesOf(t.store, "visits")).toEqual([
        "visits_converted",
        "visits_pkey",
        "visits_started",
        "visits_visitor",
      ]);
    });
  });
}
