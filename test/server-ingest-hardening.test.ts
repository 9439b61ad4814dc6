/**
 * Issue 13, defect 1: one anonymous tracking request stopped all ingestion on PostgreSQL for
 * good (a NUL in a url), a resend after an hour broke the key, reads hung behind the writer
 * and SIGTERM did not exit. Each test is named after what broke, on both engines.
 *
 * The records the engine refuses are written straight into the durable log, past intake, as
 * a log from an earlier version (which accepted them) still holds them.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { deadLetter, dropDeadLetter, listDeadLetters, replayDeadLetter } from "../src/server/collect/dead-letters.js";
import { IngestLog } from "../src/server/collect/log.js";
import type { LoggedEvent } from "../src/server/collect/tracking-schema.js";
import { Writer } from "../src/server/collect/writer.js";
import { createLogger } from "../src/server/logger.js";
import { createServer } from "../src/server/server.js";
import { isEngineUnavailable as isUnavailable } from "../src/store/errors.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { BASE, lead } from "./support/metric-fixtures.js";
import {
  addPrincipals,
  expectError,
  importFixture,
  type Principals,
  startTestServer,
  type TestServer,
} from "./support/server-harness.js";
import { openTestStore, type TestStore } from "./support/stores.js";

// Passwords hash at a test cost: what is tested here does not depend on it (test/support/test-scrypt.ts).
vi.mock("node:crypto", async (importOriginal) =>
  (await import("./support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

const quiet = createLogger("silent");
const pad = (s: string) => s.padEnd(16, "x");

function event(id: string, visitor: string, visit: string, extra: Partial<LoggedEvent> = {}): LoggedEvent {
  return {
    id: pad(id),
    type: "pageview",
    visitor: pad(visitor),
    visit: pad(visit),
    url: `https://a.example/${id}`,
    referrer: "",
    utm: {},
    ...extra,
  };
}

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger("info", stream), lines };
}

async function eventIds(store: Store, workspace: string): Promise<string[]> {
  const rows = await store.query<{ event_id: string }>(
    sql`SELECT event_id FROM tracked_events WHERE workspace_id = ${workspace} ORDER BY event_id`,
  );
  return rows.map((r) => r.event_id);
}

describe.each(engines())("tracking ingest hardening on %s", (engine) => {
  let t: TestServer;
  let a: Principals;
  let b: Principals;
  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      // A lead each, so that metric reads have something to read.
      for (const w of ["a", "b"]) {
        await importFixture(store, w, {
          ...BASE,
          leads: [lead({ id: "l-1", contact: "ada@shop.example", created_at: "2025-07-01T09:00:00Z" })],
        });
      }
      a = await addPrincipals(store, "a");
      b = await addPrincipals(store, "b");
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const track = (site: string, events: object[], origin = "https://www.a.example") =>
    t.request("/api/event", {
      body: JSON.stringify({ site, events }),
      headers: { origin, "content-type": "text/plain" },
    });
  const pageview = (id: string, extra: object = {}) => ({
    id: pad(id),
    type: "pageview",
    visitor: pad("vis"),
    visit: pad("v1"),
    url: "https://www.a.example/",
    ...extra,
  });

  it("a NUL in a tracking url is refused with 400 naming body.events[0].url", async () => {
    const res = await track(a.site.publicKey, [pageview("nul1", { url: "https://www.a.example/\u0000" })]);
    expectError(res, 400, "invalid_request", "body.events[0].url");
    expect(res.body.error.message).toMatch(/NUL/);
  });

  it("a NUL or a lone surrogate in any text field of a tracking event is refused, naming the field", async () => {
    const cases: [object, string][] = [
      [{ referrer: "https://x.example/\u0000" }, "body.events[0].referrer"],
      [{ utm: { source: "news\u0000letter" } }, "body.events[0].utm.source"],
      [{ utm: { term: "\uD800" } }, "body.events[0].utm.term"],
      [{ type: "form", email: "ann@example.com", form: "demo\u0000" }, "body.events[0].form"],
      [{ type: "identify", email: "ann@exa\u0000mple.com" }, "body.events[0].email"],
      [{ firstTouch: { landing: "https://www.a.example/\uDC00x" } }, "body.events[0].firstTouch.landing"],
      [{ firstTouch: { utm: { campaign: "\u0000" } } }, "body.events[0].firstTouch.utm.campaign"],
      [{ url: "https://www.a.example/\uDE00\uD83D" }, "body.events[0].url"],
      [{ url: `https://www.a.example/${"x".repeat(2001)}` }, "body.events[0].url"],
    ];
    for (const [extra, field] of cases) {
      expectError(await track(a.site.publicKey, [pageview("field1", extra)]), 400, "invalid_request", field);
    }
    // The second event of a request is named by its index; the site key too.
    const second = await track(a.site.publicKey, [pageview("ok1"), pageview("bad2", { url: "\uD83Dx" })]);
    expectError(second, 400, "invalid_request", "body.events[1].url");
    expectError(await track(`${a.site.publicKey}\u0000`, [pageview("site1")]), 400, "invalid_request", "body.site");
    // A pair of surrogates is one character (an emoji), and is stored as sent.
    expect(
      (await track(a.site.publicKey, [pageview("emoji1", { url: "https://www.a.example/\uD83D\uDE00" })])).status,
    ).toBe(202);
    await t.server.drain();
    expect(await eventIds(t.store, "a")).toEqual([pad("emoji1")]);
    const [row] = await t.store.query<{ url: string }>(
      sql`SELECT url FROM tracked_events WHERE event_id = ${pad("emoji1")}`,
    );
    expect(row?.url).toBe("https://www.a.example/\uD83D\uDE00");
  });

  it("/api/data refuses a NUL or a lone surrogate in a text cell with 400 naming body.<table>[i].<column>", async () => {
    const push = (body: object) => t.request("/api/data", { key: a.keys.data.secret, body });
    expectError(
      await push({
        reps: [
          { id: "r1", name: "Ann" },
          { id: "r2", name: "B\u0000b" },
        ],
      }),
      400,
      "invalid_request",
      "body.reps[1].name",
    );
    expectError(
      await push({ reps: [{ id: "r1", name: "Ann", team: "\uD800" }] }),
      400,
      "invalid_request",
      "body.reps[0].team",
    );
    expect(await t.store.query(sql`SELECT id FROM reps WHERE workspace_id = 'a' AND id IN ('r1', 'r2')`)).toEqual([]);
  });

  it("a batch the engine refuses is bisected; the bad record is dead-lettered and the rest applied", async () => {
    const { log, writer } = t.server.ctx;
    // Held back so the five records go to the engine as one batch.
    let release = () => {};
    const held = writer.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    const good = (n: number) => ({
      w: "b",
      s: "site",
      at: "2026-02-01T10:00:00.000Z",
      e: [event(`good${n}`, "bea", "b1")],
    });
    // A NOT NULL column left null: both engines refuse it (and PostgreSQL a NUL, which DuckDB stores).
    const bad = {
      w: "b",
      s: "site",
      at: "2026-02-01T10:00:00.000Z",
      e: [event("bad1", "bea", "b1", { type: null as never })],
    };
    const seqs = [];
    for (const record of [good(1), good(2), bad, good(3), good(4)]) seqs.push(await log.append(record));
    release();
    await held;
    await t.server.drain();

    expect(await eventIds(t.store, "b")).toEqual([1, 2, 3, 4].map((n) => pad(`good${n}`)));
    const [visit] = await t.store.query<{ pageviews: number }>(
      sql`SELECT pageviews FROM visits WHERE workspace_id = 'b'`,
    );
    expect(visit?.pageviews).toBe(4);
    const letters = await listDeadLetters(t.store, "b");
    expect(letters.map((l) => [l.seq, l.events, l.logId])).toEqual([[seqs[2], 1, log.id]]);
    expect(letters[0]?.error).toMatch(/null|NOT NULL/i);
    expect(JSON.parse(letters[0]?.record ?? "{}")).toMatchObject({ q: seqs[2], w: "b", e: [{ id: pad("bad1") }] });
    // The applied sequence moved past it, in the same transaction: a restart does not replay it.
    const [state] = await t.store.query<{ applied_seq: number }>(
      sql`SELECT applied_seq FROM ingest_state WHERE log_id = ${log.id}`,
    );
    expect(Number(state?.applied_seq)).toBe(seqs[4]);

    // The writer goes on: later events are applied, and health says ok with the count, to admins.
    await log.append(good(5));
    await t.server.drain();
    expect(await eventIds(t.store, "b")).toContain(pad("good5"));
    const admin = await t.request("/api/health", { key: b.keys.admin.secret });
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({
      status: "ok",
      engine,
      ingest: { deadLetters: 1, pendingEvents: 0, lastError: null },
    });
    // Anyone else: up or not, and the version; no engine, counts or errors.
    for (const key of [undefined, b.keys.metrics.secret, "vk_wrong"]) {
      const res = await t.request("/api/health", { key });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(["status", "version"]);
    }
    // Another workspace's admin sees its own count.
    expect((await t.request("/api/health", { key: a.keys.admin.secret })).body.ingest.deadLetters).toBe(0);

    // Replayed, it is refused again and stays with the new reason; dropped, it is gone.
    const again = await replayDeadLetter(t.store, letters[0] as (typeof letters)[0]);
    expect(again.replayed).toBe(false);
    expect(await listDeadLetters(t.store, "b")).toHaveLength(1);
    expect(await dropDeadLetter(t.store, "a", letters[0]?.id ?? "")).toBe(false);
    expect(await dropDeadLetter(t.store, "b", letters[0]?.id ?? "")).toBe(true);
    expect(await listDeadLetters(t.store, "b")).toEqual([]);
  });

  it("a dead letter replayed after its cause is mended is stored once, through the writer's code", async () => {
    const record = {
      q: 999_001,
      w: "b",
      s: "site",
      at: "2026-02-02T09:00:00.000Z",
      e: [event("late1", "bea", "b2"), event("good1", "bea", "b2")],
    };
    await t.store.transaction(() => deadLetter(t.store, { logId: "log_old", record, error: "refused then" }));
    const [letter] = await listDeadLetters(t.store, "b");
    expect(await replayDeadLetter(t.store, letter as NonNullable<typeof letter>)).toEqual({
      id: letter?.id,
      replayed: true,
    });
    expect(await listDeadLetters(t.store, "b")).toEqual([]);
    // good1 was stored before: it is not stored, nor counted, twice.
    const ids = await eventIds(t.store, "b");
    expect(ids.filter((id) => id === pad("good1"))).toHaveLength(1);
    expect(ids).toContain(pad("late1"));
    const [visit] = await t.store.query<{ pageviews: number }>(
      sql`SELECT pageviews FROM visits WHERE workspace_id = 'b' AND visit_id = ${`${pad("bea")}.${pad("b2")}`}`,
    );
    expect(visit?.pageviews).toBe(1);
  });

  it("a resend a day later is stored once", async () => {
    const { log } = t.server.ctx;
    const first = event("resend1", "cat", "c1");
    await log.append({ w: "a", s: "site", at: "2026-03-01T10:00:00.000Z", e: [first] });
    await t.server.drain();
    // The same event id a day (and a month) later: on PostgreSQL it broke the key and stopped
    // the writer; on DuckDB it was stored twice.
    await log.append({ w: "a", s: "site", at: "2026-03-02T10:00:00.000Z", e: [first, event("resend2", "cat", "c1")] });
    await log.append({ w: "a", s: "site", at: "2026-04-02T10:00:00.000Z", e: [first] });
    await t.server.drain();
    const ids = await eventIds(t.store, "a");
    expect(ids.filter((id) => id === pad("resend1"))).toHaveLength(1);
    expect(ids).toContain(pad("resend2"));
    const [visit] = await t.store.query<{ pageviews: number }>(
      sql`SELECT pageviews FROM visits WHERE workspace_id = 'a' AND visitor_id = ${pad("cat")}`,
    );
    // resend1 once and resend2: the resends counted nowhere.
    expect(visit?.pageviews).toBe(2);
    expect(await listDeadLetters(t.store, "a")).toEqual([]);
    expect(t.server.ctx.writer.status().lastError).toBeNull();
  });

  it("a metric read answers within the bound while the writer is stuck, and says how current it is", async () => {
    const { log, writer } = t.server.ctx;
    await t.server.drain();
    // An import (or an engine that does not answer) holds the writer.
    let release = () => {};
    const held = writer.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    const at = new Date().toISOString();
    await log.append({ w: "a", s: "site", at, e: [event("stuck1", "dan", "d1"), event("stuck2", "dan", "d1")] });
    try {
      const res = await t.request("/api/metrics/engagement", { key: a.keys.metrics.secret });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("verity-pending-events")).toBe("2");
      // Current to the oldest event waiting: everything logged before it is in the numbers.
      expect(res.headers.get("verity-data-current-to")).toBe(at);
      // Workspace b has nothing waiting: its read does not wait for a's events or the job at all.
      const other = await writer.caughtUp("b", Number.POSITIVE_INFINITY);
      expect(other.pendingEvents).toBe(0);
      const res2 = await t.request("/api/metrics/engagement", { key: b.keys.metrics.secret });
      expect(res2.status).toBe(200);
      expect(res2.headers.get("verity-pending-events")).toBe("0");
    } finally {
      release();
      await held;
    }
    const after = await t.request("/api/metrics/engagement", { key: a.keys.metrics.secret });
    expect(after.headers.get("verity-pending-events")).toBe("0");
    expect(await eventIds(t.store, "a")).toContain(pad("stuck2"));
  });
});

describe.each(engines())("the writer's bounds on %s", (engine) => {
  let db: TestStore;
  let dir: string;
  beforeAll(async () => {
    db = await openTestStore(engine);
    dir = await mkdtemp(join(tmpdir(), "verity-hardening-"));
    await ensureWorkspace(db.store, "w");
  });
  afterAll(async () => {
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("a backlog beyond the memory window is applied completely and in order", async () => {
    const { log } = await IngestLog.open(join(dir, "window"));
    const writer = await Writer.start(db.store, log, quiet, { windowEvents: 10 });
    let release = () => {};
    const held = writer.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    // 60 records of 1-3 events; each record is a new visit of one visitor, an hour after the
    // last, so the visit numbers show the order the records were applied in.
    let events = 0;
    for (let i = 0; i < 60; i++) {
      const at = new Date(Date.UTC(2026, 4, 1, i)).toISOString();
      const e = Array.from({ length: 1 + (i % 3) }, (_, k) => event(`w${i}e${k}`, "eve", `visit${i}`));
      events += e.length;
      await log.append({ w: "w", s: "site", at, e });
      // No more than the window is held in memory (one record may pass it alone).
      expect(writer.eventsInMemory).toBeLessThanOrEqual(10);
    }
    expect(writer.status().pendingEvents).toBe(events);
    release();
    await held;
    await writer.drain();
    expect(writer.status()).toMatchObject({ pendingEvents: 0, appliedSeq: 60, durableSeq: 60 });
    const [stored] = await db.store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM tracked_events WHERE workspace_id = 'w'`,
    );
    expect(Number(stored?.n)).toBe(events);
    const visits = await db.store.query<{ visit_id: string; visit_number: number; pageviews: number }>(
      sql`SELECT visit_id, visit_number, pageviews FROM visits WHERE workspace_id = 'w' ORDER BY visit_number`,
    );
    expect(visits.map((v) => v.visit_id)).toEqual(
      Array.from({ length: 60 }, (_, i) => `${pad("eve")}.${pad(`visit${i}`)}`),
    );
    expect(visits.map((v) => v.pageviews)).toEqual(Array.from({ length: 60 }, (_, i) => 1 + (i % 3)));
    await writer.stop();
    await log.close();
  });

  it("SIGTERM exits within the bound, and says what it left in the log for the next start", async () => {
    const dataDir = join(dir, "stop");
    const { logger, lines } = capturedLogger();
    const server = await createServer({ store: db.store, dataDir, logger });
    // The writer is stuck (an engine that does not answer): close() still returns, after the
    // writer's bound, and says what stays in the log.
    const held = server.ctx.writer.exclusive(() => new Promise<void>(() => {}));
    held.catch(() => {});
    await server.ctx.log.append({
      w: "w",
      s: "site",
      at: "2026-06-01T10:00:00.000Z",
      e: [event("left1", "fox", "f1"), event("left2", "fox", "f1")],
    });
    await server.close();
    const left = lines.find((l) => /stay in the ingest log/.test(String(l.msg)));
    expect(left).toMatchObject({ records: 1, events: 2 });

    // The next start applies them.
    const next = await createServer({ store: db.store, dataDir, logger: quiet });
    await next.drain();
    expect((await eventIds(db.store, "w")).filter((id) => id.startsWith("left"))).toEqual([pad("left1"), pad("left2")]);
    await next.close();
  }, 30_000);

  it("the ingest log is readable by the server's user only (files 0600, directory 0700)", async () => {
    const logDir = join(dir, "modes");
    const { log } = await IngestLog.open(logDir);
    await log.append({ w: "w", s: "site", at: "2026-06-01T10:00:00.000Z", e: [event("mode1", "gus", "g1")] });
    await log.close();
    expect((await stat(logDir)).mode & 0o777).toBe(0o700);
    const { readdir } = await import("node:fs/promises");
    const files = await readdir(logDir);
    expect(files.length).toBe(2);
    for (const file of files) expect((await stat(join(logDir, file))).mode & 0o777, file).toBe(0o600);
  });
});

describe("what the writer waits out rather than dead-letters", () => {
  it("a lost connection or an engine out of memory is the engine's trouble; a refused value is the data's", () => {
    expect(isUnavailable(new Error("lost", { cause: Object.assign(new Error("x"), { code: "57P01" }) }))).toBe(true);
    expect(
      isUnavailable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })),
    ).toBe(true);
    expect(isUnavailable(new Error("Out of Memory Error: failed to allocate"))).toBe(true);
    expect(
      isUnavailable(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" })),
    ).toBe(false);
    expect(isUnavailable(Object.assign(new Error("duplicate key value"), { code: "23505" }))).toBe(false);
    expect(isUnavailable(new Error("Constraint Error: NOT NULL constraint failed: tracked_events.type"))).toBe(false);
  });
});
