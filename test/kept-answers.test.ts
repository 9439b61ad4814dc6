/**
 * Answers kept between processes (src/metrics/kept-answers.ts, migration 022): a fresh
 * `verity check` or `verity report` answers from the row the last run wrote while the data's
 * tokens and Verity's code are unchanged, prints exactly what a computation prints, and
 * computes again after any write. The commands themselves: test/kept-answers-cli.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { keptAnswer, verityCodeVersion } from "../src/metrics/kept-answers.js";
import { touchData } from "../src/store/data-versions.js";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { withEnv } from "./support/env.js";
import { openTestStore, type TestStore } from "./support/stores.js";

describe.each(engines())("kept answers on %s", (engine) => {
  let db: TestStore;
  beforeAll(async () => {
    db = await openTestStore(engine);
    await ensureWorkspace(db.store, "w");
    await ensureWorkspace(db.store, "other");
    await db.store.transaction(() => touchData(db.store, "w", ["data", "tracking"]));
    await db.store.transaction(() => touchData(db.store, "other", ["data", "tracking"]));
  });
  afterAll(async () => {
    await db?.dispose();
  });

  test("the same question of unchanged data is answered from the row; any write asks again", async () => {
    let computed = 0;
    const ask = (question: unknown, workspace = "w") =>
      keptAnswer(db.store, workspace, question, async () => ({ n: ++computed, nested: [{ label: "x", value: null }] }));
    expect(await ask(["check", { period: "2026-Q2" }])).toEqual({ n: 1, nested: [{ label: "x", value: null }] });
    expect(await ask(["check", { period: "2026-Q2" }])).toEqual({ n: 1, nested: [{ label: "x", value: null }] });
    // Another question, another workspace: their own answers.
    expect((await ask(["check", { period: "2026-Q1" }])).n).toBe(2);
    expect((await ask(["check", { period: "2026-Q2" }], "other")).n).toBe(3);
    // A write of either group, in any month: computed again.
    await db.store.transaction(() => touchData(db.store, "w", ["tracking"], { tracking: "2026-11" }));
    expect((await ask(["check", { period: "2026-Q2" }])).n).toBe(4);
    expect((await ask(["check", { period: "2026-Q2" }])).n).toBe(4);
    await db.store.transaction(() => touchData(db.store, "w", ["data"], { data: "2026-11" }));
    expect((await ask(["check", { period: "2026-Q2" }])).n).toBe(5);
    // The other workspace's answer is untouched by w's writes.
    expect((await ask(["check", { period: "2026-Q2" }], "other")).n).toBe(3);
    // One row per workspace and question.
    const rows = await db.store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM kept_answers WHERE workspace_id = ${"w"}`,
    );
    expect(Number(rows[0]?.n)).toBe(2);
  });

  test("nothing is kept with VERITY_READ_CACHE=off, nor for a workspace without a row", async () => {
    let computed = 0;
    const ask = (workspace: string) => keptAnswer(db.store, workspace, ["q"], async () => ++computed);
    await withEnv("VERITY_READ_CACHE", "off", async () => {
      expect(await ask("w")).toBe(1);
      expect(await ask("w")).toBe(2);
    });
    expect(await ask("nobody")).toBe(3);
    expect(await ask("nobody")).toBe(4);
  });
});

test("the code version is a hash of the program's files, the same within a process", async () => {
  // Run from source here (a build reads its stamp, dist/build-stamp.txt).
  const version = await verityCodeVersion();
  expect(version).toMatch(/^source:[0-9a-f]{64}$/);
  expect(await verityCodeVersion()).toBe(version);
});
