/**
 * PostgreSQL closing connections under Verity: an idle pooled connection terminated by the
 * server, a statement or transaction in flight when its backend dies, a database dropped
 * under an open store, and `verity serve` through a restart and pg_terminate_backend under
 * tracking load. None of it may crash the process; reads come back by themselves, and every
 * acknowledged event is stored once.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createKey } from "../src/accounts/keys.js";
import { createSite } from "../src/accounts/sites.js";
import { createServer } from "../src/server/server.js";
import { DatabaseConnectionError, isConnectionError } from "../src/store/errors.js";
import { migrate } from "../src/store/migrate.js";
import { openStore } from "../src/store/open-store.js";
import { isRead, openPostgresStore } from "../src/store/postgres-store.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { createTestDatabase, engines, postgresServerUrl, type TestDatabase } from "./support/databases.js";
import { BASE, lead } from "./support/metric-fixtures.js";
import { type RunningServer, startEmbeddedPostgres } from "./support/postgres-global-setup.js";
import { importFixture } from "./support/server-harness.js";

const BIN = join(import.meta.dirname, "..", "bin", "verity.js");

/** What `promise` was rejected with (null if it was not), handled from the start. */
const outcome = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it returns true; fails after `ms`. */
async function waitUntil(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** A superuser connection of the test's own (its termination must not crash the test either). */
async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The client backends connected to `database` (other than the admin's own). */
async function backendsOf(adminUrl: string, database: string, running?: string): Promise<number[]> {
  return withAdmin(adminUrl, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
         AND ($2::text IS NULL OR (state = 'active' AND query LIKE '%' || $2 || '%'))`,
      [database, running ?? null],
    );
    return rows.map((r) => r.pid);
  });
}

/** pg_terminate_backend of `pids`; how many were terminated. */
async function terminate(adminUrl: string, pids: readonly number[]): Promise<number> {
  return withAdmin(adminUrl, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM unnest($1::int[]) AS pid",
      [pids],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/** Terminates the one backend running a statement that contains `marker`, once it runs. */
async function terminateRunning(adminUrl: string, database: string, marker: string): Promise<number> {
  let pids: number[] = [];
  await waitUntil(`a backend runs ${marker}`, async () => {
    pids = await backendsOf(adminUrl, database, marker);
    return pids.length > 0;
  });
  expect(await terminate(adminUrl, pids)).toBe(1);
  return pids[0] as number;
}

if (engines().includes("postgres")) {
  describe("connections PostgreSQL closes under a store", () => {
    let db: TestDatabase;
    let store: Store;
    const warnings: string[] = [];
    const admin = () => postgresServerUrl();
    beforeAll(async () => {
      db = await createTestDatabase();
      store = await openPostgresStore(db.url, {
        warn: (message, error) => warnings.push(`${message}: ${error.message}`),
      });
      await store.execute(sql`CREATE TABLE probe (n INTEGER)`);
    });
    afterAll(async () => {
      try {
        await store?.close();
      } finally {
        await db?.drop();
      }
    });

    test("an idle pooled connection terminated by the server does not crash the process", async () => {
      // Three connections at once, so the pool holds three idle ones after.
      await Promise.all([1, 2, 3].map(() => store.query(sql`SELECT 1 AS one FROM pg_sleep(0.1)`)));
      const idle = await backendsOf(admin(), db.name);
      expect(idle.length).toBeGreaterThanOrEqual(1);
      warnings.length = 0;
      const terminated = await terminate(admin(), idle);
      expect(terminated).toBe(idle.length);
      // Each termination is logged (through the store's warn) once the pool hears of it.
      await waitUntil("the pool has heard of every terminated connection", () => warnings.length >= terminated);
      expect(warnings[0]).toMatch(/closed an idle connection/);
      expect(warnings[0]).toMatch(/terminating connection due to administrator command/);
      const [row] = await store.query<{ answer: number }>(sql`SELECT 42 AS answer`);
      expect(row?.answer).toBe(42);
      // The old backends are gone; the pool opened a new one.
      const now = await backendsOf(admin(), db.name);
      expect(now.length).toBeGreaterThanOrEqual(1);
      for (const pid of now) expect(idle).not.toContain(pid);
    });

    test("a read in flight when its backend is terminated is retried", async () => {
      const read = store.query<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid FROM pg_sleep(1) AS read_probe`);
      const killed = await terminateRunning(admin(), db.name, "read_probe");
      const [row] = await read;
      expect(row?.pid).toEqual(expect.any(Number));
      expect(row?.pid).not.toBe(killed);
    });

    test("a write in flight when its backend is terminated fails clearly and is not run twice", async () => {
      const write = outcome(store.execute(sql`INSERT INTO probe SELECT 1 FROM pg_sleep(1) AS write_probe`));
      await terminateRunning(admin(), db.name, "write_probe");
      const error = await write;
      expect(error).toBeInstanceOf(DatabaseConnectionError);
      expect((error as Error).message).toMatch(/closed the connection.*statement was not completed/);
      expect((error as Error).cause).toBeInstanceOf(Error);
      const [count] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM probe WHERE n = 1`);
      expect(count?.n).toBe(0);
    });

    test("a transaction in flight fails with a clear error", async () => {
      const attempt = outcome(
        store.transaction(async () => {
          await store.execute(sql`INSERT INTO probe VALUES (2)`);
          await store.query(sql`SELECT 1 AS one FROM pg_sleep(2) AS transaction_probe`);
        }),
      );
      await terminateRunning(admin(), db.name, "transaction_probe");
      const error = await attempt;
      expect(error).toBeInstanceOf(DatabaseConnectionError);
      expect(isConnectionError(error)).toBe(true);
      expect((error as Error).message).toMatch(/closed the connection.*transaction was not committed/);
      const [count] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM probe WHERE n = 2`);
      expect(count?.n).toBe(0);
    });

    test("a transaction whose connection is terminated between statements fails instead of crashing", async () => {
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let resume!: () => void;
      const gate = new Promise<void>((resolve) => {
        resume = resolve;
      });
      const attempt = outcome(
        store.transaction(async () => {
          await store.execute(sql`INSERT INTO probe VALUES (3)`);
          entered();
          // Idle in transaction, checked out of the pool, while the server ends the session.
          await gate;
          await store.execute(sql`INSERT INTO probe VALUES (4)`);
        }),
      );
      await inside;
      const held = await backendsOf(admin(), db.name);
      expect(await terminate(admin(), held)).toBe(held.length);
      await waitUntil(
        "the terminated backends are gone",
        async () => (await backendsOf(admin(), db.name)).length === 0,
      );
      // Time for the 'error' event to reach the checked-out client, which is what crashed.
      await sleep(300);
      resume();
      const error = await attempt;
      expect(error).toBeInstanceOf(DatabaseConnectionError);
      expect((error as Error).message).toMatch(/transaction was not committed/);
      const [count] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM probe WHERE n IN (3, 4)`);
      expect(count?.n).toBe(0);
    });

    test("a statement the server refuses is not taken for a lost connection", async () => {
      const error = await outcome(store.query(sql`SELECT * FROM no_such_table`));
      expect(error).not.toBeInstanceOf(DatabaseConnectionError);
      expect(isConnectionError(error)).toBe(false);
      expect((error as { code?: string }).code).toBe("42P01");
    });
  });

  describe("the test harness and dropped databases", () => {
    test("a closed store has no connection left for drop() to terminate", async () => {
      const db = await createTestDatabase();
      try {
        const store = await openPostgresStore(db.url);
        await Promise.all([1, 2, 3].map(() => store.query(sql`SELECT 1 AS one FROM pg_sleep(0.1)`)));
        expect((await backendsOf(postgresServerUrl(), db.name)).length).toBeGreaterThanOrEqual(1);
        await store.close();
        expect(await backendsOf(postgresServerUrl(), db.name)).toEqual([]);
      } finally {
        await db.drop();
      }
    });

    test("dropping a database under a store with idle connections does not crash the process", async () => {
      const db = await createTestDatabase();
      const warnings: string[] = [];
      const store = await openPostgresStore(db.url, { warn: (message) => warnings.push(message) });
      try {
        await Promise.all([1, 2].map(() => store.query(sql`SELECT 1 AS one FROM pg_sleep(0.1)`)));
        await db.drop();
        await waitUntil("the pool has heard of the terminated connections", () => warnings.length >= 1);
        expect(warnings[0]).toMatch(/closed an idle connection/);
      } finally {
        await store.close();
      }
    });
  });

  describe("connection errors", () => {
    test("are told from statement errors", () => {
      const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });
      for (const code of ["57P01", "57P02", "57P03", "08006", "08001", "ECONNREFUSED", "ECONNRESET"]) {
        expect(isConnectionError(coded(code)), code).toBe(true);
      }
      expect(isConnectionError(new Error("Connection terminated unexpectedly"))).toBe(true);
      expect(isConnectionError(new AggregateError([coded("ECONNREFUSED")]))).toBe(true);
      expect(isConnectionError(new Error("wrapped", { cause: coded("57P01") }))).toBe(true);
      for (const code of ["23505", "42P01", "22021", "57014", "57P04", "ENOTFOUND", "28P01"]) {
        expect(isConnectionError(coded(code)), code).toBe(false);
      }
      expect(isConnectionError(null)).toBe(false);
      expect(isConnectionError("Connection terminated")).toBe(false);
    });

    test("only reads are retried", () => {
      expect(isRead("SELECT 1")).toBe(true);
      expect(isRead("  with x AS (SELECT 1) SELECT * FROM x")).toBe(true);
      expect(isRead("SELECT updated_at FROM ingest_state")).toBe(true);
      expect(isRead("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x")).toBe(false);
      expect(isRead("INSERT INTO t SELECT 1")).toBe(false);
      expect(isRead("SELECT nextval('s')")).toBe(false);
      expect(isRead("SELECT * INTO copy FROM t")).toBe(false);
      expect(isRead("UPDATE t SET n = 1")).toBe(false);
    });
  });

  describe("a private PostgreSQL server that restarts", () => {
    let server: RunningServer;
    let dir: string;
    let siteKey: string;
    let readKey: string;
    const database = () => new URL(server.url).pathname.slice(1);
    const adminUrl = () => {
      const url = new URL(server.url);
      url.pathname = "/postgres";
      return url.toString();
    };

    beforeAll(async () => {
      // Its own server, whatever VERITY_TEST_DATABASE_URL names: the tests stop and start it.
      server = await startEmbeddedPostgres();
      dir = await mkdtemp(join(tmpdir(), "verity-pg-restart-"));
      const store = await openStore({ engine: "postgres", url: server.url });
      try {
        // A lead, so that metric reads have something to read.
        await importFixture(store, "default", {
          ...BASE,
          leads: [lead({ id: "l-1", contact: "ada@shop.example", created_at: "2025-07-01T09:00:00Z" })],
        });
        siteKey = (await createSite(store, "default", { name: "web", domains: ["shop.example"] })).publicKey;
        // An admin's key: /api/health shows the ingest's state to admins only.
        readKey = (await createKey(store, { workspace: "default", name: "ops", scopes: ["metrics:read", "admin"] }))
          .secret;
      } finally {
        await store.close();
      }
    });
    afterAll(async () => {
      await server?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("a read while PostgreSQL is down answers 503 with a message, and reads resume by themselves", async () => {
      const store = await openPostgresStore(server.url, { retryForMs: 1000, warn: () => {} });
      await migrate(store);
      const verity = await createServer({ store, dataDir: join(dir, "in-process"), logLevel: "silent" });
      const read = () =>
        verity.app.request("http://127.0.0.1/api/filters", { headers: { authorization: `Bearer ${readKey}` } });
      try {
        expect((await read()).status).toBe(200);
        await server.halt();
        try {
          const down = await read();
          expect(down.status).toBe(503);
          expect(down.headers.get("retry-after")).toBe("5");
          const body = (await down.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe("unavailable");
          expect(body.error.message).toMatch(/database is not reachable/);
          const error = await outcome(store.query(sql`SELECT 1 AS one`));
          expect(error).toBeInstanceOf(DatabaseConnectionError);
          expect((error as Error).message).toMatch(/not reachable/);
        } finally {
          await server.resume();
        }
        const up = await read();
        expect(up.status, await up.clone().text()).toBe(200);
      } finally {
        await verity.close();
        await store.close();
      }
    });

    test("verity serve survives a PostgreSQL restart under load", { timeout: 180_000 }, async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(
        process.execPath,
        [
          ...[BIN, "--db", server.url, "serve", "--port", String(port), "--data-dir", join(dir, "serve")],
          ...["--tracking-rate", "100000", "--log-level", "warn"],
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      child.stdout?.on("data", (chunk) => {
        output += String(chunk);
      });
      child.stderr?.on("data", (chunk) => {
        output += String(chunk);
      });
      const alive = () => child.exitCode === null && child.signalCode === null;
      try {
        await waitUntil(
          "verity serve answers",
          async () => {
            if (!alive()) throw new Error(`verity serve exited ${child.exitCode}: ${output}`);
            return (await fetch(`${url}/api/health`).catch(() => null))?.ok === true;
          },
          30_000,
        );

        // Four senders, one event a request, until told to stop (or 20,000 requests at most).
        const acknowledged: string[] = [];
        const refused: string[] = [];
        let next = 0;
        let sending = true;
        const sender = async () => {
          while (sending && next < 20_000) {
            const n = next++;
            const id = `evt${String(n).padStart(13, "0")}`;
            try {
              const response = await fetch(`${url}/api/event`, {
                method: "POST",
                headers: { "content-type": "text/plain", origin: "https://shop.example" },
                body: JSON.stringify({
                  site: siteKey,
                  events: [
                    {
                      id,
                      type: "pageview",
                      visitor: `visitor${String(n % 40).padStart(10, "0")}`,
                      visit: `visit${String(Math.floor(n / 120)).padStart(12, "0")}`,
                      url: "https://shop.example/",
                    },
                  ],
                }),
                signal: AbortSignal.timeout(15_000),
              });
              if (response.status === 202) acknowledged.push(id);
              else refused.push(`${id}: ${response.status} ${await response.text()}`);
            } catch (error) {
              refused.push(`${id}: ${String(error)}`);
            }
            await sleep(10);
          }
        };
        const senders = Promise.all([sender(), sender(), sender(), sender()]);
        const reader = (path: string) =>
          fetch(`${url}${path}`, {
            headers: { authorization: `Bearer ${readKey}` },
            signal: AbortSignal.timeout(45_000),
          });
        try {
          await waitUntil("100 events are acknowledged", () => {
            if (refused.length > 0) throw new Error(`a tracking request was refused: ${refused[0]}`);
            return acknowledged.length >= 100;
          });

          // PostgreSQL stops for a few seconds (fast shutdown, as a restart does) and comes back.
          await server.halt();
          const ackedBeforeRestart = acknowledged.length;
          // A read meanwhile answers (200 once the server is back, or 503): it neither hangs nor fails.
          const readWhileDown = reader("/api/filters");
          const health = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(15_000) });
          expect([200, 503]).toContain(health.status);
          await sleep(4000);
          expect(alive()).toBe(true);
          await server.resume();
          const answered = await readWhileDown;
          expect([200, 503], await answered.clone().text()).toContain(answered.status);
          if (answered.status === 503)
            expect(((await answered.json()) as { error: { code: string } }).error.code).toBe("unavailable");
          // Tracking went on while it was down.
          expect(acknowledged.length).toBeGreaterThan(ackedBeforeRestart);

          // Then every backend of the server is terminated, under the same load.
          await waitUntil(
            "verity serve is connected again",
            async () => (await backendsOf(adminUrl(), database())).length > 0,
          );
          const held = await backendsOf(adminUrl(), database());
          expect(await terminate(adminUrl(), held)).toBeGreaterThan(0);
          await sleep(2000);
        } finally {
          sending = false;
          await senders;
        }
        expect(refused).toEqual([]);
        expect(alive()).toBe(true);
        // The connections the server closed while idle were logged (pino, JSON on stdout).
        expect(output).toMatch(/"level":40,.*"msg":"the PostgreSQL server closed an idle connection/);

        // It catches up by itself: healthy again with nothing pending.
        await waitUntil(
          "verity serve is healthy with nothing pending",
          async () => {
            const response = await reader("/api/health").catch(() => null);
            if (!response?.ok) return false;
            const body = (await response.json()) as { status: string; ingest: { pendingEvents: number } };
            return body.status === "ok" && body.ingest.pendingEvents === 0;
          },
          60_000,
        );
        const metric = await reader("/api/metrics/engagement?period=2025-Q3");
        expect(metric.status, await metric.clone().text()).toBe(200);
        expect((await reader("/api/filters")).status).toBe(200);
        expect(alive()).toBe(true);

        child.kill("SIGTERM");
        await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
        expect(child.exitCode, output).toBe(0);

        // Every acknowledged event once.
        const store = await openPostgresStore(server.url);
        try {
          const rows = await store.query<{ event_id: string; n: number }>(
            sql`SELECT event_id, count(*) AS n FROM tracked_events WHERE workspace_id = 'default' GROUP BY event_id`,
          );
          expect(rows.filter((r) => r.n !== 1)).toEqual([]);
          const stored = new Set(rows.map((r) => r.event_id));
          expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
          expect(stored.size).toBe(acknowledged.length);
        } finally {
          await store.close();
        }
      } finally {
        if (alive()) child.kill("SIGKILL");
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
