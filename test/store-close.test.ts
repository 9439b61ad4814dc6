/**
 * A store's close() on both engines (src/store/store.ts): asked twice (a server's shutdown and
 * a script's cleanup may both ask), it is one close; a statement asked for afterwards is
 * refused rather than left hanging. What DuckDB does with statements under way at close() is
 * in test/duckdb-readers.test.ts.
 */
import { describe, expect, test } from "vitest";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { openTestStore } from "./support/stores.js";

describe.each(engines())("closing a store (%s)", (engine) => {
  test("close() twice is one close, and a statement after it is refused", async () => {
    const t = await openTestStore(engine);
    try {
      const [row] = await t.store.query<{ one: number }>(sql`SELECT 1 AS one`);
      expect(Number(row?.one)).toBe(1);
      const first = t.store.close();
      const second = t.store.close();
      await expect(Promise.all([first, second])).resolves.toBeDefined();
      await expect(t.store.query(sql`SELECT 1 AS one`)).rejects.toThrow();
    } finally {
      await t.dispose();
    }
  });
});
