/**
 * The durability promise of `verity serve`: send tracking events, kill -9 the server while
 * requests are in flight, start it again, and exactly the acknowledged events are stored,
 * none twice; events the browser sends again after the crash (because it never got an
 * answer, or got one and resent anyway) are stored once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { createKey } from "../src/server/auth/keys.js";
import { createSite } from "../src/server/auth/sites.js";
import { openStore } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import { createTestDatabase, engines, type TestDatabase } from "./support/databases.js";

const BIN = join(import.meta.dirname, "..", "bin", "verity.js");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function startServe(db: string, dataDir: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...[BIN, "--db", db, "serve", "--port", String(port), "--data-dir", dataDir],
      ...["--tracking-rate", "100000", "--log-level", "warn"],
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
}

async function waitHealthy(
  url: string,
  child: ChildProcess,
  adminKey: string,
): Promise<{ ingest: { pendingEvents: number } }> {
  const deadline = Date.now() + 30_000;
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verity serve exited ${child.exitCode}: ${stderr}`);
    try {
      // The ingest's state is shown to admins only.
      const response = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${adminKey}` } });
      if (response.ok) return (await response.json()) as { ingest: { pendingEvents: number } };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`verity serve did not come up: ${stderr}`);
}

const id = (n: number) => `evt${String(n).padStart(13, "0")}`;

describe.each(engines())("kill -9 during tracking on %s", (engine) => {
  let dir: string;
  let db: string;
  let pg: TestDatabase | null = null;
  let siteKey: string;
  let adminKey: string;
  const open = () => openStore(engine === "duckdb" ? { engine, path: db } : { engine, url: db });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-durability-"));
    if (engine === "postgres") {
      pg = await createTestDatabase();
      db = pg.url;
    } else db = join(dir, "verity.duckdb");
    const store = await open();
    await ensureWorkspace(store, "default");
    siteKey = (await createSite(store, "default", { name: "web", domains: ["shop.example"] })).publicKey;
    adminKey = (await createKey(store, { workspace: "default", name: "ops", scopes: ["admin"] })).secret;
    await store.close();
  });
  afterAll(async () => {
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("stores exactly the acknowledged events, once each, and resent ones once", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const send = (n: number) =>
      fetch(`${url}/api/event`, {
        method: "POST",
        headers: { "content-type": "text/plain", origin: "https://shop.example" },
        body: JSON.stringify({
          site: siteKey,
          events: [
            {
              id: id(n),
              type: "pageview",
              visitor: `visitor${String(n % 40).padStart(10, "0")}`,
              visit: `visit${String(Math.floor(n / 120)).padStart(12, "0")}`,
              url: `https://shop.example/p/${n}`,
            },
          ],
        }),
      });

    const logDir = join(dir, "ingest");
    let child = startServe(db, logDir, port);
    await waitHealthy(url, child, adminKey);
    const acknowledged = new Set<number>();
    const sent = new Set<number>();
    let next = 0;
    let killed = false;
    // Eight senders, as many browsers; the server is killed once 400 events are acknowledged,
    // with requests still in flight.
    const sender = async () => {
      while (!killed) {
        const n = next++;
        sent.add(n);
        try {
          const response = await send(n);
          if (response.status === 202) acknowledged.add(n);
          else throw new Error(`status ${response.status}: ${await response.text()}`);
        } catch (error) {
          if (!killed) throw error;
        }
        if (acknowledged.size >= 400 && !killed) {
          killed = true;
          child.kill("SIGKILL");
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode ? resolve(null) : child.once("exit", resolve),
    );
    expect(child.signalCode).toBe("SIGKILL");

    // Restart: the log is replayed. Then every browser resends what it sent before the crash
    // (those that never got an answer, and some that did), as a retry would.
    child = startServe(db, logDir, port);
    await waitHealthy(url, child, adminKey);
    for (const n of sent) {
      if (!acknowledged.has(n) || n % 5 === 0) {
        const response = await send(n);
        expect(response.status).toBe(202);
      }
    }
    // Drained: every acknowledged event applied.
    for (let i = 0; i < 300; i++) {
      const health = await waitHealthy(url, child, adminKey);
      if (health.ingest.pendingEvents === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
    expect(child.exitCode).toBe(0);

    const store = await open();
    try {
      const rows = await store.query<{ event_id: string }>(
        sql`SELECT event_id FROM tracked_events WHERE workspace_id = 'default'`,
      );
      const stored = rows.map((r) => r.event_id);
      // None twice.
      expect(new Set(stored).size).toBe(stored.length);
      // Every acknowledged event is there, and every event sent (all were resent or acknowledged).
      for (const n of acknowledged) expect(stored).toContain(id(n));
      expect(new Set(stored)).toEqual(new Set([...sent].map(id)));
      // Visits count each pageview once.
      const [pageviews] = await store.query<{ n: number }>(
        sql`SELECT CAST(sum(pageviews) AS BIGINT) AS n FROM visits WHERE workspace_id = 'default'`,
      );
      expect(pageviews?.n).toBe(sent.size);
    } finally {
      await store.close();
    }
  });
});
