/**
 * DuckDB out of its memory budget: Verity's sentence naming the budget and the setting that
 * raises it (VERITY_DUCKDB_MEMORY), not DuckDB's advice to type SQL settings. A size-xl import
 * (4M leads, 80M visits) under the CLI's default 1 GB stopped with DuckDB's own message.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { describeError } from "../src/cli/output.js";
import { EngineOutOfMemory, openDuckDbStore } from "../src/store/duckdb-store.js";
import { isEngineUnavailable } from "../src/store/errors.js";
import { raw, sql } from "../src/store/sql.js";
import { BASE, lead } from "./support/metric-fixtures.js";
import { importFixture } from "./support/server-harness.js";
import { openTestStore } from "./support/stores.js";

test("a statement over the memory budget says the budget and VERITY_DUCKDB_MEMORY; the store still works", async () => {
  const dir = await mkdtemp(join(tmpdir(), "verity-memory-"));
  const store = await openDuckDbStore(join(dir, "small.duckdb"));
  try {
    await store.setMemoryLimit?.("32MB");
    // One string of about 150 MB: an aggregate's state cannot be spilled to disk.
    const error = await store
      .query(sql`SELECT length(string_agg(CAST(i AS VARCHAR), ',')) AS n FROM range(20000000) AS t(i)`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineOutOfMemory);
    const message = (error as Error).message;
    expect(message).toContain("memory budget of 32MB");
    expect(message).toContain("VERITY_DUCKDB_MEMORY");
    expect(message).not.toContain("SET memory_limit");
    expect(message.split("\n")).toHaveLength(1);
    // Still engine trouble to the tracking writer, which keeps the batch and retries.
    expect(isEngineUnavailable(error)).toBe(true);
    // The CLI says it as it is, without a stack.
    expect(describeError(error)).toEqual({ message, showStack: false, exitCode: 1 });
    // Within the budget the same store answers.
    const [row] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM range(1000)`);
    expect(Number(row?.n)).toBe(1000);
    // Inside a transaction too, and the transaction is rolled back.
    await store.execute(sql`CREATE TABLE kept (n INTEGER)`);
    const failed = await store
      .transaction(async () => {
        await store.execute(sql`INSERT INTO kept VALUES (1)`);
        await store.execute(
          sql`CREATE TABLE big AS SELECT string_agg(CAST(i AS VARCHAR), ',') AS s FROM range(20000000) AS t(i)`,
        );
      })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(EngineOutOfMemory);
    const [kept] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM kept`);
    expect(Number(kept?.n)).toBe(0);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("an import that runs out of the budget while loading a file says so too, and keeps nothing", async () => {
  const t = await openTestStore("duckdb");
  const count = async (table: string) =>
    Number((await t.store.query<{ n: number }>(sql`SELECT count(*) AS n FROM ${raw(table)}`))[0]?.n);
  try {
    await importFixture(t.store, "w", { ...BASE, leads: [lead({ id: "l-1", created_at: "2026-01-05T10:00:00Z" })] });
    // DuckDB's CSV reader asks for a block of about 30 MB whatever the file's size: under a
    // 16 MB budget the load of a whole import's file fails in its INSERT, and the small import
    // below (a leads file into a workspace with leads) in the engine's staging of the file,
    // which gave DuckDB's own text.
    await t.store.setMemoryLimit?.("16MB");
    for (const fixture of [
      { ...BASE, leads: [lead({ id: "l-2", created_at: "2026-01-06T10:00:00Z" })] },
      { leads: [lead({ id: "l-3", created_at: "2026-01-07T10:00:00Z" })] },
    ]) {
      const error = await importFixture(t.store, "w", fixture).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EngineOutOfMemory);
      expect((error as Error).message).toContain("memory budget of 16MB");
      expect((error as Error).message).toContain("VERITY_DUCKDB_MEMORY");
    }
    await t.store.setMemoryLimit?.("1GB");
    expect(await count("leads")).toBe(1);
    expect(await count("reps")).toBe(BASE.reps?.length);
  } finally {
    await t.dispose();
  }
});
