/**
 * `verity serve` on DuckDB leaves a core to HTTP: the engine's threads are the cores less one
 * (at least 1) unless --engine-threads says otherwise; and its memory budget is 512 MB unless
 * VERITY_DUCKDB_MEMORY says otherwise (src/server/server.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createServer, type VerityServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import { openTestStore, type TestStore } from "./support/stores.js";

describe("DuckDB threads under verity serve", () => {
  const opened: { db: TestStore; dir: string; server: VerityServer }[] = [];
  afterEach(async () => {
    for (const { db, dir, server } of opened.splice(0)) {
      await server.close();
      await db.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  async function settingsWith(engineThreads?: number): Promise<{ threads: number; memory: string }> {
    const db = await openTestStore("duckdb");
    const dir = await mkdtemp(join(tmpdir(), "verity-threads-"));
    const server = await createServer({ store: db.store, dataDir: dir, logLevel: "silent", engineThreads });
    opened.push({ db, dir, server });
    const [row] = await db.store.query<{ threads: number; memory: string }>(
      sql`SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory`,
    );
    return { threads: Number(row?.threads), memory: String(row?.memory) };
  }
  const threadsWith = async (engineThreads?: number) => (await settingsWith(engineThreads)).threads;

  it("uses the cores less one by default, and what it is told", async () => {
    expect(await threadsWith()).toBe(Math.max(1, availableParallelism() - 1));
    expect(await threadsWith(3)).toBe(3);
  });

  it("keeps DuckDB's buffers to 512 MB, or to what VERITY_DUCKDB_MEMORY says", async () => {
    // DuckDB shows the limit in MiB: 512 MB is 488.2 MiB, 1 GB 953.6 MiB.
    const saved = process.env.VERITY_DUCKDB_MEMORY;
    try {
      delete process.env.VERITY_DUCKDB_MEMORY;
      expect((await settingsWith()).memory).toBe("488.2 MiB");
      process.env.VERITY_DUCKDB_MEMORY = "1GB";
      expect((await settingsWith()).memory).toBe("953.6 MiB");
    } finally {
      if (saved === undefined) delete process.env.VERITY_DUCKDB_MEMORY;
      else process.env.VERITY_DUCKDB_MEMORY = saved;
    }
  });
});
