/**
 * /api/health showed the writer's last error, raw and server-wide, to the admin of any
 * workspace: a PostgreSQL key violation names another workspace ("Key (workspace_id,
 * event_id)=(acme, ...)"), a connection error the database's host and user, a disk error the
 * ingest log's path. One workspace must never learn another exists: workspace B's admin sees
 * B's own counts and the failure as a category; the raw text stays in the server's log.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DatabaseConnectionError } from "../src/store/errors.js";
import { engines } from "./support/databases.js";
import { addPrincipals, type Principals, startTestServer, type TestServer } from "./support/server-harness.js";

// Passwords hash at a test cost: what is tested here does not depend on it (test/support/test-scrypt.ts).
vi.mock("node:crypto", async (importOriginal) =>
  (await import("./support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

const pad = (s: string) => s.padEnd(16, "x");
const SECRET = 'Key (workspace_id, event_id)=(acme, evt) at db.internal.example user "verity_owner"';

const record = (id: string, extra: object = {}) => ({
  w: "acme",
  s: "site",
  at: "2026-02-01T10:00:00.000Z",
  e: [
    {
      id: pad(id),
      type: "pageview",
      visitor: pad("v"),
      visit: pad("v1"),
      url: "https://a/",
      referrer: "",
      utm: {},
      ...extra,
    },
  ],
});

describe.each(engines())("/api/health tells an admin nothing of another workspace on %s", (engine) => {
  let t: TestServer;
  let acme: Principals;
  let b: Principals;
  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      acme = await addPrincipals(store, "acme");
      b = await addPrincipals(store, "b");
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("workspace B's admin sees neither workspace acme's engine error, pending events nor dead letters", async () => {
    const { log, writer } = t.server.ctx;
    // A record of acme the engine refuses (a NOT NULL column left null): dead-lettered.
    await log.append(record("bad1", { type: null }));
    await t.server.drain();
    expect(writer.deadLetterCount("acme")).toBe(1);

    // The engine then fails with a text naming acme, its host and user, while acme has events waiting.
    const store = t.store;
    const transaction = store.transaction.bind(store);
    let failing = true;
    store.transaction = (async (work: () => Promise<unknown>) => {
      if (failing) throw new DatabaseConnectionError(SECRET, Object.assign(new Error(SECRET), { code: "57P01" }));
      return transaction(work as never);
    }) as typeof store.transaction;
    try {
      await log.append(record("good1"));
      await expect.poll(() => writer.status().lastError, { timeout: 10_000 }).toContain("acme");

      const health = await t.request("/api/health", { key: b.keys.admin.secret });
      expect(health.status).toBe(503);
      expect(health.text).not.toMatch(/acme|db\.internal|verity_owner|workspace_id/);
      expect(health.body.ingest).toMatchObject({ pendingEvents: 0, deadLetters: 0 });
      expect(health.body.ingest.lastError).toMatch(/^applying tracking events has failed since \d{4}-/);
      expect(health.body.ingest).not.toHaveProperty("appliedSeq");
      expect(health.body.ingest).not.toHaveProperty("durableSeq");

      // acme's own admin sees acme's counts, and still not the raw text.
      const own = await t.request("/api/health", { key: acme.keys.admin.secret });
      expect(own.body.ingest).toMatchObject({ pendingEvents: 1, deadLetters: 1 });
      expect(own.text).not.toMatch(/db\.internal|verity_owner/);
    } finally {
      failing = false;
      store.transaction = transaction;
    }
    await t.server.drain();
    const after = await t.request("/api/health", { key: b.keys.admin.secret });
    expect(after.body).toMatchObject({ status: "ok", ingest: { pendingEvents: 0, deadLetters: 0, lastError: null } });
  });
});
