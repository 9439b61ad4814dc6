/**
 * Per-test-file PostgreSQL databases and the engine matrix.
 *
 *   import { afterAll, beforeAll } from 'vitest';
 *   import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
 *
 *   let db: TestDatabase;
 *   beforeAll(async () => { db = await createTestDatabase(); });
 *   afterAll(async () => { await db?.drop(); });
 *
 * Close every store on the database before drop() (stores.ts does): a store's close() returns
 * once the server has let go of its connections, so the drop terminates none. (One it does
 * terminate is only a warning: the store's pool listens for errors.)
 *
 * The server comes from test/support/postgres-global-setup.ts (vitest
 * globalSetup) via `inject('postgresUrl')`, falling back to
 * VERITY_TEST_DATABASE_URL.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export type Engine = "duckdb" | "postgres";

export const ALL_ENGINES: readonly Engine[] = ["duckdb", "postgres"];

export interface TestDatabase {
  /** Connection URL of the fresh database (same server/credentials as the admin URL). */
  url: string;
  /** Name of the database (verity_test_<random>). */
  name: string;
  /** Drops the database, terminating any connections still open to it. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Engines to run the matrix on: `VERITY_TEST_ENGINES` (comma-separated,
 * `duckdb`, `postgres`), default both. Unknown names throw, so typos do not
 * silently skip tests.
 */
export function engines(): Engine[] {
  const raw = process.env.VERITY_TEST_ENGINES?.trim();
  if (!raw) return [...ALL_ENGINES];
  const requested = raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const unknown = requested.filter((s) => !(ALL_ENGINES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new Error(
      `VERITY_TEST_ENGINES: unknown engine(s) ${unknown.join(", ")} (expected a subset of ${ALL_ENGINES.join(",")})`,
    );
  }
  // Keep canonical order, drop duplicates.
  return ALL_ENGINES.filter((e) => requested.includes(e));
}

/** URL of the test PostgreSQL server's admin database (provided by the globalSetup). */
export function postgresServerUrl(): string {
  let url: string | undefined;
  try {
    url = inject("postgresUrl");
  } catch {
    // not inside a vitest worker
  }
  url ||= process.env.VERITY_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      "No PostgreSQL server for tests: run through vitest (globalSetup test/support/postgres-global-setup.ts) or set VERITY_TEST_DATABASE_URL",
    );
  }
  return url;
}

/**
 * How a test database compares text: the server's default (the test server is initialised with
 * the C locale: bytes), or ICU's English collation, where case and punctuation count last
 * ("o10" < "Oz"), as in a database made with a user's locale. What Verity orders by bytes
 * (dialect.binaryOrder) must come out the same in both.
 */
export type Collation = "server" | "icu-en";

/** Creates `verity_test_<random>` on the test server and returns its URL. */
export async function createTestDatabase(collation: Collation = "server"): Promise<TestDatabase> {
  const serverUrl = postgresServerUrl();
  const name = `verity_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(serverUrl, async (client) => {
    const locale =
      collation === "icu-en"
        ? " TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en' LC_COLLATE 'C' LC_CTYPE 'C'"
        : "";
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${locale}`);
  });
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();

  let dropped: Promise<void> | undefined;
  return {
    url,
    name,
    drop() {
      dropped ??= withAdmin(serverUrl, async (client) => {
        // WITH (FORCE) (PostgreSQL >= 13) terminates remaining connections,
        // e.g. a pool the code under test forgot to end.
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      });
      return dropped;
    },
  };
}

async function withAdmin(url: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 15_000,
  });
  // A server-side termination must not crash the worker with an unhandled 'error'.
  client.on("error", () => {});
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
