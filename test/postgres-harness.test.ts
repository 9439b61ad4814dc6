import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createTestDatabase, engines } from "./support/databases.js";

describe("PostgreSQL test harness", () => {
  it("provides the server URL to tests and to child processes", () => {
    const url = inject("postgresUrl");
    expect(url).toMatch(/^postgres(ql)?:\/\//);
    expect(process.env.VERITY_TEST_DATABASE_URL).toBe(url);
  });

  it.runIf(engines().includes("postgres"))("creates, uses and drops an isolated database", async () => {
    const db = await createTestDatabase();
    let dropped = false;
    try {
      expect(db.name).toMatch(/^verity_test_[0-9a-f]+$/);
      const client = new pg.Client({ connectionString: db.url });
      // drop() below terminates this connection; that must not be an unhandled 'error'.
      client.on("error", () => {});
      await client.connect();
      try {
        const { rows } = await client.query<{ version: string; db: string }>(
          "SELECT version() AS version, current_database() AS db",
        );
        expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
        expect(rows[0]?.db).toBe(db.name);
        // Leave this connection open on purpose: drop() must still succeed (FORCE).
        await db.drop();
        dropped = true;
      } finally {
        await client.end().catch(() => {});
      }

      const admin = new pg.Client({
        connectionString: inject("postgresUrl"),
      });
      await admin.connect();
      try {
        const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
        expect(rowCount).toBe(0);
      } finally {
        await admin.end();
      }
    } finally {
      if (!dropped) await db.drop();
    }
  });
});
