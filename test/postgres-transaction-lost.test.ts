/**
 * A PostgreSQL transaction whose connection dies must fail as a lost connection, whatever
 * error the work saw: during stageRows' COPY the stream fails first, with an error that is
 * not a connection error, and the writer took it for the batch's fault (it bisected and could
 * dead-letter good records).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DatabaseConnectionError, isConnectionError } from "../src/store/errors.js";
import { openPostgresStore } from "../src/store/postgres-store.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { createTestDatabase, engines, postgresServerUrl, type TestDatabase } from "./support/databases.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` on a superuser connection of the test's own. */
async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresServerUrl(), connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

if (engines().includes("postgres")) {
  describe("a PostgreSQL transaction whose connection dies", () => {
    let db: TestDatabase;
    let store: Store;
    beforeAll(async () => {
      db = await createTestDatabase();
      store = await openPostgresStore(db.url, { warn: () => {} });
      await store.execute(sql`CREATE TABLE copied (n BIGINT, label TEXT)`);
    });
    afterAll(async () => {
      try {
        await store?.close();
      } finally {
        await db?.drop();
      }
    });

    // Enough rows that the COPY is still streaming when the backend is terminated.
    const rows = Array.from({ length: 2_000_000 }, (_, i) => [i, `row ${i} of the staged batch`] as const);
    const columns = [
      { name: "n", type: "integer" },
      { name: "label", type: "text" },
    ] as const;

    test.each([
      ["the COPY's own error", false],
      ["an error that is not a connection error (a stream error)", true],
    ])(
      "fails with DatabaseConnectionError when its backend is terminated during stageRows' COPY: %s",
      async (_, disguise) => {
        const attempt = store
          .transaction(async () => {
            try {
              await store.stageRows("staged_copy", columns, rows);
            } catch (error) {
              // What a stream in between may raise instead: an error that names no connection.
              if (disguise) throw new Error(`the rows could not be staged (${(error as Error).name})`);
              throw error;
            }
            await store.execute(sql`INSERT INTO copied SELECT n, label FROM staged_copy`);
          })
          .then(
            () => null,
            (error: unknown) => error,
          );
        // Terminate the backend as soon as it runs the COPY.
        let terminated = 0;
        const deadline = Date.now() + 20_000;
        while (terminated === 0 && Date.now() < deadline) {
          terminated = await withAdmin(async (client) => {
            const { rows: found } = await client.query<{ n: string }>(
              `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE 'COPY%staged_copy%'`,
              [db.name],
            );
            return Number(found[0]?.n ?? 0);
          });
          if (terminated === 0) await sleep(20);
        }
        expect(terminated).toBe(1);
        const error = await attempt;
        expect(error).toBeInstanceOf(DatabaseConnectionError);
        expect(isConnectionError(error)).toBe(true);
        expect((error as Error).message).toMatch(/transaction was not committed/);
        expect((error as Error).cause).toBeInstanceOf(Error);
        const [count] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM copied`);
        expect(Number(count?.n)).toBe(0);
        // The store goes on working.
        const [row] = await store.query<{ answer: number }>(sql`SELECT 42 AS answer`);
        expect(row?.answer).toBe(42);
      },
      60_000,
    );
  });
}
