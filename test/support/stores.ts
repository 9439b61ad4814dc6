/**
 * A fresh, migrated store per engine for tests: DuckDB in a temporary file, PostgreSQL in
 * a database of its own on the test server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDuckDbStore } from "../../src/store/duckdb-store.js";
import { migrate } from "../../src/store/migrate.js";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import type { Store } from "../../src/store/store.js";
import { type Collation, createTestDatabase, type Engine } from "./databases.js";

export type TestStore = { store: Store /** Closes the store and removes its data. */; dispose(): Promise<void> };

/** `collation` is PostgreSQL's (DuckDB compares text by bytes unless told otherwise). */
export async function openTestStore(engine: Engine, collation: Collation = "server"): Promise<TestStore> {
  if (engine === "duckdb") {
    const dir = await mkdtemp(join(tmpdir(), "verity-test-"));
    const store = await openDuckDbStore(join(dir, "test.duckdb"));
    await migrate(store);
    return {
      store,
      async dispose() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await createTestDatabase(collation);
  let store: Store;
  try {
    store = await openPostgresStore(database.url);
    await migrate(store);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    store,
    // The store first: close() returns once its connections are gone, so the drop finds
    // none to terminate (and a terminated one would only be a warning, not a crash).
    async dispose() {
      try {
        await store.close();
      } finally {
        await database.drop();
      }
    },
  };
}
