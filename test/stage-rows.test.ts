/**
 * Store.stageRows, the tracking writer's bulk path (DuckDB's appender, PostgreSQL's COPY):
 * the rows arrive as given (NULLs, empty strings, quotes, commas, newlines, large integers,
 * more rows than one slice), are seen by the transaction's statements, and a transaction
 * that fails leaves no staging table behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { raw, sql } from "../src/store/sql.js";
import { STAGE_SLICE, type StagedColumn, type StagedRow } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const COLUMNS: StagedColumn[] = [
  { name: "id", type: "integer" },
  { name: "label", type: "text" },
  { name: "note", type: "text" },
];

describe.each(engines())("stageRows on %s", (engine) => {
  let db: TestStore;
  beforeAll(async () => {
    db = await openTestStore(engine);
  });
  afterAll(async () => {
    await db.dispose();
  });

  it("stages every row as given, in one transaction with the statements that read it", async () => {
    const odd: StagedRow[] = [
      [1, "plain", null],
      [2, "", "an empty label is not NULL"],
      [3, 'say "hi", then\nleave', "quotes, a comma and a newline"],
      [2 ** 40, "åäö ✓", "a large id and other scripts"],
    ];
    const many: StagedRow[] = Array.from({ length: STAGE_SLICE * 2 + 7 }, (_, i) => [1000 + i, `row ${i}`, null]);
    const rows = await db.store.transaction(async () => {
      await db.store.stageRows("verity_test_stage", COLUMNS, [...odd, ...many]);
      return db.store.query<{ id: number; label: string | null; note: string | null }>(
        sql`SELECT id, label, note FROM verity_test_stage ORDER BY id`,
      );
    });
    expect(rows).toHaveLength(odd.length + many.length);
    expect(rows.slice(0, 3)).toEqual([
      { id: 1, label: "plain", note: null },
      { id: 2, label: "", note: "an empty label is not NULL" },
      { id: 3, label: 'say "hi", then\nleave', note: "quotes, a comma and a newline" },
    ]);
    expect(rows.at(-1)).toEqual({ id: 2 ** 40, label: "åäö ✓", note: "a large id and other scripts" });
    expect(rows.filter((r) => r.label?.startsWith("row ")).length).toBe(many.length);
  });

  it("leaves nothing staged when the transaction fails", async () => {
    await expect(
      db.store.transaction(async () => {
        await db.store.stageRows("verity_test_gone", COLUMNS, [[1, "x", null]]);
        throw new Error("the batch failed");
      }),
    ).rejects.toThrow("the batch failed");
    // Temporary tables live on the transaction's connection, which the next transaction reuses.
    await expect(
      db.store.transaction(() => db.store.query(raw("SELECT count(*) AS n FROM verity_test_gone"))),
    ).rejects.toThrow();
    // After a committed batch the next starts from an empty table (DuckDB replaces it,
    // PostgreSQL dropped it at commit).
    await db.store.transaction(() => db.store.stageRows("verity_test_gone", COLUMNS, [[2, "y", null]]));
    const again = await db.store.transaction(async () => {
      await db.store.stageRows("verity_test_gone", COLUMNS, [[3, "z", null]]);
      return db.store.query<{ id: number }>(raw("SELECT id FROM verity_test_gone"));
    });
    expect(again).toEqual([{ id: 3 }]);
  });

  it("runs only inside a transaction", async () => {
    await expect(db.store.stageRows("verity_test_outside", COLUMNS, [])).rejects.toThrow(/inside a transaction/);
  });
});
