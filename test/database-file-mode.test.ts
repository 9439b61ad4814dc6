/**
 * Issue 13, item 7: the DuckDB database file and its WAL were readable by every local user
 * (0644). A new database, its WAL (made by DuckDB on the first write, and again after a
 * checkpoint) and an older file made before the fix are the owner's alone (0600). Only the
 * embedded engine has files of its own; PostgreSQL keeps its data in its server's folder.
 */
// vitest: own process. The umask is the process's, narrowed while any DuckDB file is open: a
// store another test file left open would change what these tests see (vitest.config.ts).
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDuckDbStore } from "../src/store/duckdb-store.js";
import { raw } from "../src/store/sql.js";
import { withEnv } from "./support/env.js";

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe("the DuckDB database file's mode", () => {
  let dir: string;
  let saved: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-db-mode-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  // A usual login's umask, as a shell would start `verity` with (restored after each test).
  beforeEach(() => {
    saved = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(saved);
  });

  it("makes a new database and its WAL readable by their owner only", async () => {
    const path = join(dir, "new.duckdb");
    const store = await openDuckDbStore(path);
    try {
      expect((await modeOf(path)).toString(8)).toBe("600");
      await store.execute(raw("CREATE TABLE t (a INTEGER)"));
      await store.execute(raw("INSERT INTO t VALUES (1), (2)"));
      expect(existsSync(`${path}.wal`)).toBe(true);
      expect((await modeOf(`${path}.wal`)).toString(8)).toBe("600");
      // DuckDB removes the WAL at a checkpoint and makes a new one on the next write.
      await store.execute(raw("CHECKPOINT"));
      await store.execute(raw("INSERT INTO t VALUES (3)"));
      expect(existsSync(`${path}.wal`)).toBe(true);
      expect((await modeOf(`${path}.wal`)).toString(8)).toBe("600");
      // While it is open, what the process writes is private too (the umask is narrowed).
      const during = join(dir, "during.txt");
      await writeFile(during, "x");
      expect((await modeOf(during)).toString(8)).toBe("600");
    } finally {
      await store.close();
    }
    // Closed, the process has its own umask back: a bench output or an export written after
    // is as the user's umask makes it (it stayed 0600 for the rest of the process).
    const later = join(dir, "later.txt");
    await writeFile(later, "x");
    expect((await modeOf(later)).toString(8)).toBe("644");
  });

  it("gives the umask back only when the last open DuckDB file closes", async () => {
    const one = await openDuckDbStore(join(dir, "one.duckdb"));
    let oneOpen = true;
    try {
      const two = await openDuckDbStore(join(dir, "two.duckdb"));
      try {
        await one.close();
        oneOpen = false;
        const between = join(dir, "between.txt");
        await writeFile(between, "x");
        expect((await modeOf(between)).toString(8)).toBe("600");
      } finally {
        await two.close();
      }
    } finally {
      if (oneOpen) await one.close();
    }
    const after = join(dir, "after.txt");
    await writeFile(after, "x");
    expect((await modeOf(after)).toString(8)).toBe("644");
  });

  // A process that goes on after a failed open (a server retrying, the next command of a
  // script) must not keep the narrowed umask, nor the DuckDB file open.
  it("gives the umask back when opening fails after the file was made", async () => {
    const path = join(dir, "failed.duckdb");
    await withEnv("VERITY_DUCKDB_MEMORY", "lots", () =>
      expect(openDuckDbStore(path)).rejects.toThrow(/VERITY_DUCKDB_MEMORY must be a size/),
    );
    const after = join(dir, "after-failed.txt");
    await writeFile(after, "x");
    expect((await modeOf(after)).toString(8)).toBe("644");
    // The file is not held: the next open of it succeeds (DuckDB locks a file it has open).
    const store = await openDuckDbStore(path);
    await store.close();
  });

  it("narrows a database and WAL made before the fix with 0644", async () => {
    const path = join(dir, "old.duckdb");
    const first = await openDuckDbStore(path);
    await first.execute(raw("CREATE TABLE t (a INTEGER)"));
    await first.close();
    await chmod(path, 0o644);
    const store = await openDuckDbStore(path);
    try {
      expect((await modeOf(path)).toString(8)).toBe("600");
      await store.execute(raw("INSERT INTO t VALUES (1)"));
      expect((await modeOf(`${path}.wal`)).toString(8)).toBe("600");
    } finally {
      await store.close();
    }
  });
});
