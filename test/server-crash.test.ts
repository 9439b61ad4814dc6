/**
 * Crash test: `verity serve` under tracking load is killed with SIGKILL at random points
 * (seeded: VERITY_CRASH_SEED, printed on failure), several times, and started again each
 * time on the same database and ingest log. Browsers resend what never got an answer, as the
 * tracker's retry does, and some of what did. At the end every acknowledged event is stored exactly once, every
 * event sent is stored (all were acknowledged or resent), and every pageview is counted once
 * in its visit.
 *
 * Kill points fall anywhere: while requests are being acknowledged, while the writer applies
 * a batch (reads make it apply at once), while the log is being replayed after a restart.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../src/accounts/keys.js";
import { createSite } from "../src/accounts/sites.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { Random } from "../src/simulate/random.js";
import { openStore } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import { createTestDatabase, engines, type TestDatabase } from "./support/databases.js";

const BIN = join(import.meta.dirname, "..", "bin", "verity.js");
const SEED = Number(process.env.VERITY_CRASH_SEED ?? 20261206);
const KILLS = 4;

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

const exited = (child: ChildProcess) =>
  new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once("exit", resolve),
  );

const id = (n: number) => `crash${String(n).padStart(13, "0")}`;

describe.each(engines())("SIGKILL at random points under tracking load on %s", (engine) => {
  let dir: string;
  let db: string;
  let pg: TestDatabase | null = null;
  let siteKey: string;
  let adminKey: string;
  const open = () => openStore(engine === "duckdb" ? { engine, path: db } : { engine, url: db });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-crash-"));
    if (engine === "postgres") {
      pg = await createTestDatabase();
      db = pg.url;
    } else db = join(dir, "verity.duckdb");
    const store = await open();
    try {
      await ensureWorkspace(store, "default");
      siteKey = (await createSite(store, "default", { name: "web", domains: ["shop.example"] })).publicKey;
      adminKey = (await createKey(store, { workspace: "default", name: "test", scopes: ["metrics:read", "admin"] }))
        .secret;
    } finally {
      await store.close();
    }
  });
  /** Every server started, so one an assertion left running is killed before its database goes. */
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited(child);
      }
    }
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`stores every acknowledged event exactly once after ${KILLS} kills (seed ${SEED})`, async () => {
    const random = new Random(SEED + (engine === "postgres" ? 1 : 0), "server-crash");
    const rand = () => random.next();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logDir = join(dir, "ingest");
    const headers = { authorization: `Bearer ${adminKey}` };
    let stderr = "";
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(
        process.execPath,
        [BIN, "--db", db, "serve", "--port", String(port), "--data-dir", logDir].concat([
          "--tracking-rate",
          "100000",
          "--log-level",
          "warn",
        ]),
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      children.push(child);
      child.stderr?.on("data", (chunk) => {
        stderr += String(chunk);
      });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`verity serve exited ${child.exitCode} (seed ${SEED}): ${stderr}`);
        try {
          const response = await fetch(`${url}/api/health`, { headers });
          if (response.status === 200 || response.status === 503) return child;
        } catch {}
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`verity serve did not come up (seed ${SEED}): ${stderr}`);
    };
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
              visitor: `visitor${String(n % 50).padStart(10, "0")}`,
              visit: `visit${String(Math.floor(n / 150)).padStart(12, "0")}`,
              url: `https://shop.example/p/${n}`,
            },
          ],
        }),
      });

    const acknowledged = new Set<number>();
    const unanswered = new Set<number>();
    let next = 0;
    for (let round = 0; round <= KILLS; round++) {
      const child = await start();
      // What never got an answer is resent first, as the browsers' retries would, and some
      // that did get one (a retry that raced its answer): each must still be stored once.
      const resend = [...unanswered, ...[...acknowledged].filter((n) => n % 7 === round)];
      for (const n of resend) {
        const response = await send(n);
        expect(response.status, `resend after restart ${round} (seed ${SEED})`).toBe(202);
        acknowledged.add(n);
        unanswered.delete(n);
      }
      if (round === KILLS) {
        // The last start: let the writer apply everything, then stop cleanly.
        for (let i = 0; i < 300; i++) {
          const health = (await (await fetch(`${url}/api/health`, { headers })).json()) as {
            ingest?: { pendingEvents?: number };
          };
          if (health.ingest?.pendingEvents === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        child.kill("SIGTERM");
        await exited(child);
        expect(child.exitCode, stderr).toBe(0);
        break;
      }
      // Eight senders and a reader (a metric read makes the writer apply what is logged at
      // once, so kills also land inside its transactions) until a random moment.
      let killed = false;
      const killAfterMs = 150 + Math.floor(rand() * 1200);
      const sender = async () => {
        while (!killed) {
          const n = next++;
          unanswered.add(n);
          try {
            const response = await send(n);
            if (response.status !== 202) throw new Error(`status ${response.status}: ${await response.text()}`);
            acknowledged.add(n);
            unanswered.delete(n);
          } catch (error) {
            if (!killed) throw error;
          }
        }
      };
      const reader = async () => {
        while (!killed) {
          await fetch(`${url}/api/metrics/engagement?period=2026`, { headers }).catch(() => null);
        }
      };
      const killer = async () => {
        await new Promise((resolve) => setTimeout(resolve, killAfterMs));
        killed = true;
        child.kill("SIGKILL");
      };
      await Promise.all([...Array.from({ length: 8 }, sender), reader(), killer()]);
      await exited(child);
      expect(child.signalCode).toBe("SIGKILL");
    }
    expect(unanswered.size).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(0);

    const store = await open();
    try {
      const rows = await store.query<{ event_id: string }>(
        sql`SELECT event_id FROM tracked_events WHERE workspace_id = 'default'`,
      );
      const stored = rows.map((r) => r.event_id);
      expect(new Set(stored).size, `an event stored twice (seed ${SEED})`).toBe(stored.length);
      expect(new Set(stored), `acknowledged and stored differ (seed ${SEED})`).toEqual(
        new Set([...acknowledged].map(id)),
      );
      const [pageviews] = await store.query<{ n: number }>(
        sql`SELECT CAST(sum(pageviews) AS BIGINT) AS n FROM visits WHERE workspace_id = 'default'`,
      );
      expect(pageviews?.n).toBe(acknowledged.size);
    } finally {
      await store.close();
    }
  });
});
