/**
 * The outbox's promise under kill -9, on every engine: `verity campaign send` (the real bin,
 * a child process) is killed at random points while it sends to a real SMTP server on
 * loopback, then started again until the campaign is sent. The server records each message
 * before it answers, as a real one commits before replying; its record is the truth:
 * - no address gets two messages;
 * - every recipient is sent (received exactly once) or uncertain (handed over whole when the
 *   sender died, its answer unknown: received at most once), and at most as many are
 *   uncertain per kill as the pool has connections;
 * - --resend-uncertain then leaves nobody without a message;
 * and, deterministically: a sender killed while the server holds its reply to one message
 * leaves that message uncertain, not sent again.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCampaign } from "../src/campaigns/campaigns.js";
import { writeContacts } from "../src/campaigns/contacts.js";
import { saveSegment } from "../src/campaigns/segments.js";
import { checkSettings, saveSmtpSettings } from "../src/campaigns/smtp-settings.js";
import { hashIdentity } from "../src/ingest/identity.js";
import { migrate } from "../src/store/migrate.js";
import { openStore } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { createTestDatabase, engines, type TestDatabase } from "./support/databases.js";
import { type Sink, startSink } from "./support/smtp-sink.js";

const BIN = resolve(import.meta.dirname, "../bin/verity.js");
const RECIPIENTS = 1_500;
const KILLS = 3;
const CONNECTIONS = 5;
const ENV = { ...process.env, VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" };

describe.each(engines())("a campaign send killed with SIGKILL on %s", (engine) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  let db: string;
  let sink: Sink;
  const journal = () => join(dir, "journal");

  const withDb = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore(
      engine === "duckdb" ? { engine: "duckdb", path: db } : { engine: "postgres", url: db },
    );
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };

  /** Contacts r0..r(n-1)@crash.test, a segment of them, settings to the sink, a campaign. */
  const setUp = async (name: string, prefix: string, n: number) =>
    withDb(async (store) => {
      await migrate(store);
      const addresses = Array.from({ length: n }, (_, i) => `${prefix}${i}@crash.test`);
      await writeContacts(store, "default", {
        contacts: addresses.map((address) => ({
          address,
          firstName: null,
          lastName: null,
          company: null,
          consentAt: "2025-01-01 00:00:00",
          consentSource: "test",
        })),
        suppressions: [],
        notes: [],
      });
      // A segment of exactly these: people who are contacts and no lead, by hash (the fixture has no leads).
      await store.execute(
        sql`INSERT INTO newsletter_subscribers (workspace_id, id, source_system, email_hash, subscribed_at)
            SELECT 'default', email_hash, ${prefix}, email_hash, CAST('2025-01-01' AS TIMESTAMP) FROM mail_contacts
            WHERE workspace_id = 'default' AND address LIKE ${`${prefix}%`}`,
      );
      await saveSegment(
        store,
        "default",
        { name: `${name}-segment`, definition: { subscriber: {} } },
        { by: null, replace: true },
      );
      await saveSmtpSettings(
        store,
        "default",
        checkSettings({
          host: "127.0.0.1",
          port: sink.port,
          security: "none",
          fromAddress: "news@crash.test",
          publicUrl: "http://127.0.0.1:8787",
          maxConnections: CONNECTIONS,
        }),
      );
      await createCampaign(
        store,
        "default",
        { name, segment: `${name}-segment`, subject: "Hi", text: "Book a demo: https://crash.test/demo\n" },
        null,
      );
      return addresses;
    });

  const send = (name: string, extra: string[] = []): ChildProcess =>
    spawn(process.execPath, [BIN, "--db", db, "campaign", "send", name, "--journal-dir", journal(), ...extra], {
      env: ENV,
      stdio: ["ignore", "pipe", "pipe"],
    });

  const exited = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("exit", (code, signal) => resolve({ code, signal, stderr }));
    });

  const until = async (check: () => boolean, what: string, ms = 60_000) => {
    const start = Date.now();
    while (!check()) {
      if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  const outbox = (name: string) =>
    withDb((store) =>
      store.query<{ email_hash: string; status: string }>(
        sql`SELECT o.email_hash, o.status FROM campaign_outbox o JOIN campaigns c ON c.workspace_id = o.workspace_id
            AND c.id = o.campaign_id WHERE c.name = ${name}`,
      ),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-crash-"));
    if (engine === "postgres") {
      pg = await createTestDatabase();
      db = pg.url;
    } else db = join(dir, "crash.duckdb");
    sink = await startSink();
  }, 60_000);
  afterAll(async () => {
    await sink?.close();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test("killed three times at random, then finished: nobody twice, nobody skipped, few uncertain", async () => {
    const addresses = await setUp("crash", "r", RECIPIENTS);
    const byHash = new Map(addresses.map((a) => [hashIdentity(a) as string, a]));
    const copies = (address: string) => sink.received.filter((r) => r.to[0] === address).length;
    for (let kill = 0; kill < KILLS; kill++) {
      const before = sink.received.length;
      const child = send("crash");
      const done = exited(child);
      // Somewhere in the next stretch of the list (the sender needs a moment to start).
      const k = Math.min(before + 20 + Math.floor(Math.random() * (RECIPIENTS / (KILLS + 2))), RECIPIENTS - 200);
      await until(() => sink.received.length >= k || child.exitCode !== null, `message ${k}`);
      child.kill("SIGKILL");
      const end = await done;
      expect(end.signal, `killed at message ${k} of ${RECIPIENTS}: ${end.stderr}`).toBe("SIGKILL");
    }
    const last = await exited(send("crash"));
    expect(last.code, last.stderr).toBe(0);

    const rows = await outbox("crash");
    expect(rows).toHaveLength(RECIPIENTS);
    const uncertain = rows.filter((r) => r.status === "uncertain");
    for (const row of rows) {
      const address = byHash.get(row.email_hash) as string;
      const n = copies(address);
      expect(n, `${address} (${row.status}) received ${n} times`).toBeLessThanOrEqual(1);
      if (row.status === "sent") expect(n, address).toBe(1);
      else expect(row.status, address).toBe("uncertain");
    }
    expect(uncertain.length).toBeLessThanOrEqual(KILLS * CONNECTIONS);
    // Nothing the server got is unaccounted for.
    expect(new Set(sink.received.map((r) => r.to[0])).size).toBe(sink.received.length);

    // Resending the uncertain leaves nobody without a message (some may now have two).
    const resent = await exited(send("crash", ["--resend-uncertain"]));
    expect(resent.code, resent.stderr).toBe(0);
    for (const address of addresses) expect(copies(address), address).toBeGreaterThanOrEqual(1);
    const after = await outbox("crash");
    expect(after.every((r) => r.status === "sent")).toBe(true);
  }, 240_000);

  test("killed while the server holds its answer to a message: that message is uncertain and not sent again", async () => {
    const addresses = await setUp("held", "h", 40);
    const target = addresses[17] as string;
    sink.script.set(target, { hold: true });
    const child = send("held");
    const done = exited(child);
    await sink.held;
    child.kill("SIGKILL");
    await done;
    sink.release();
    const again = await exited(send("held"));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe("");
    const rows = await outbox("held");
    const status = new Map(rows.map((r) => [r.email_hash, r.status]));
    expect(status.get(hashIdentity(target) as string)).toBe("uncertain");
    expect(sink.received.filter((r) => r.to[0] === target)).toHaveLength(1);
    for (const address of addresses) {
      expect(sink.received.filter((r) => r.to[0] === address).length, address).toBeLessThanOrEqual(1);
    }
    const status2 = await withDb(async (store) => {
      const c = await store.query<{ status: string }>(sql`SELECT status FROM campaigns WHERE name = 'held'`);
      return c[0]?.status;
    });
    expect(status2).toBe("sent");
  }, 120_000);
});
