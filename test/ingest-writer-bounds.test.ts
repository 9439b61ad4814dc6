/**
 * The tracking writer's memory bound holds at a restart too (issue 13 review): the log's
 * records were all read into memory when the server started, so a backlog of up to a million
 * events could take GBs and crash the restart again and again. Now the log finds its segments
 * only and the writer reads back what it has not applied, a window at a time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { IngestLog } from "../src/server/collect/log.js";
import type { LoggedEvent } from "../src/server/collect/tracking-schema.js";
import { Writer } from "../src/server/collect/writer.js";
import { createLogger } from "../src/server/logger.js";
import { openDuckDbStore } from "../src/store/duckdb-store.js";
import { migrate } from "../src/store/migrate.js";
import { openPostgresStore } from "../src/store/postgres-store.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { createTestDatabase, type Engine, engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const quiet = createLogger("silent");
const pad = (s: string) => s.padEnd(16, "x");

function event(id: string, visitor: string, visit: string, path = id): LoggedEvent {
  return {
    id: pad(id),
    type: "pageview",
    visitor: pad(visitor),
    visit: pad(visit),
    url: `https://a.example/${path}`,
    referrer: "",
    utm: {},
  };
}

/**
 * Record i of workspace `w`: 1-3 events (1 + i % 3), a new visit of one visitor an hour after
 * the last, so the visit numbers show the order the records were applied in.
 */
function record(w: string, i: number) {
  const at = new Date(Date.UTC(2026, 4, 1, i)).toISOString();
  return { w, s: "site", at, e: Array.from({ length: 1 + (i % 3) }, (_, k) => event(`${w}${i}e${k}`, "eve", `v${i}`)) };
}

/** Writes records `from` to `to` (exclusive) of `w` straight into the log, no writer running. */
async function logRecords(dir: string, w: string, from: number, to: number): Promise<void> {
  const opened = await IngestLog.open(dir);
  // The log keeps no records when it opens: the writer reads them back.
  expect(Object.keys(opened)).toEqual(["log"]);
  for (let i = from; i < to; i++) await opened.log.append(record(w, i));
  await opened.log.close();
}

async function visitsOf(store: Store, w: string) {
  return store.query<{ visit_id: string; visit_number: number; pageviews: number }>(
    sql`SELECT visit_id, visit_number, pageviews FROM visits WHERE workspace_id = ${w} ORDER BY visit_number`,
  );
}

async function storedEvents(store: Store, w: string): Promise<number> {
  const [row] = await store.query<{ n: number }>(
    sql`SELECT count(*) AS n FROM tracked_events WHERE workspace_id = ${w}`,
  );
  return Number(row?.n);
}

const eventsIn = (n: number) => Array.from({ length: n }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);

describe.each(engines())("the writer's memory window at a restart on %s", (engine) => {
  let db: TestStore;
  let dir: string;
  beforeAll(async () => {
    db = await openTestStore(engine);
    dir = await mkdtemp(join(tmpdir(), "verity-window-"));
  });
  afterAll(async () => {
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("a backlog larger than the window is applied completely, in order, exactly once, never more than the window in memory", async () => {
    await ensureWorkspace(db.store, "r");
    const logDir = join(dir, "restart");
    // 30 records applied by a first run, then 90 more logged while no writer ran (the server
    // was down): the restart must apply exactly the 90 after applied_seq.
    await logRecords(logDir, "r", 0, 30);
    {
      const { log } = await IngestLog.open(logDir);
      const writer = await Writer.start(db.store, log, quiet, { windowEvents: 10 });
      await writer.drain();
      expect(writer.status()).toMatchObject({ appliedSeq: 30, pendingEvents: 0 });
      await writer.stop();
      await log.close();
    }
    await logRecords(logDir, "r", 30, 120);
    {
      const { log } = await IngestLog.open(logDir);
      const writer = await Writer.start(db.store, log, quiet, { windowEvents: 10 });
      // Counted at start without being held: the reads know what the workspace waits for.
      expect(writer.status()).toMatchObject({
        appliedSeq: 30,
        durableSeq: 120,
        pendingEvents: eventsIn(120) - eventsIn(30),
      });
      await writer.drain();
      expect(writer.status()).toMatchObject({ appliedSeq: 120, durableSeq: 120, pendingEvents: 0 });
      // Records of 1-3 events: no more than 10 events, so no more than 10 records, at once.
      expect(writer.memoryPeak.events).toBeLessThanOrEqual(10);
      expect(writer.memoryPeak.records).toBeLessThanOrEqual(10);
      expect(writer.memoryPeak.records).toBeGreaterThan(0);
      // The next record gets the next number.
      expect(await log.append(record("r", 120))).toBe(121);
      await writer.drain();
      await writer.stop();
      await log.close();
    }
    // A third start finds nothing to apply again.
    {
      const { log } = await IngestLog.open(logDir);
      const writer = await Writer.start(db.store, log, quiet, { windowEvents: 10 });
      expect(writer.status()).toMatchObject({ appliedSeq: 121, pendingEvents: 0 });
      await writer.stop();
      await log.close();
    }
    expect(await storedEvents(db.store, "r")).toBe(eventsIn(121));
    const visits = await visitsOf(db.store, "r");
    expect(visits.map((v) => v.visit_id)).toEqual(
      Array.from({ length: 121 }, (_, i) => `${pad("eve")}.${pad(`v${i}`)}`),
    );
    expect(visits.map((v) => v.pageviews)).toEqual(Array.from({ length: 121 }, (_, i) => 1 + (i % 3)));
  });
});

/** A record of one event of ~2 KB (a long url): 32 KB requests make events of up to ~10 KB. */
function largeRecord(w: string, i: number) {
  const at = new Date(Date.UTC(2026, 5, 1, i)).toISOString();
  return { w, s: "site", at, e: [event(`${w}${i}`, "lee", `v${i}`, `${i}/${"p".repeat(2000)}`)] };
}

describe.each(engines())("the writer's bounds in bytes on %s", (engine) => {
  let db: TestStore;
  let dir: string;
  beforeAll(async () => {
    db = await openTestStore(engine);
    dir = await mkdtemp(join(tmpdir(), "verity-window-bytes-"));
  });
  afterAll(async () => {
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("holds no more than the window's bytes of large events, running and at a restart, and applies them all in order", async () => {
    await ensureWorkspace(db.store, "b");
    const logDir = join(dir, "bytes");
    // 20 records before the start (a restart's backlog), 20 more while the writer is held.
    {
      const { log } = await IngestLog.open(logDir);
      for (let i = 0; i < 20; i++) await log.append(largeRecord("b", i));
      await log.close();
    }
    const { log } = await IngestLog.open(logDir);
    // Plenty of events, 10 KB: about four records of ~2.1 KB.
    const writer = await Writer.start(db.store, log, quiet, { windowEvents: 1000, windowBytes: 10_000 });
    let release = () => {};
    const held = writer.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    for (let i = 20; i < 40; i++) await log.append(largeRecord("b", i));
    expect(writer.pendingBytes).toBeGreaterThan(40 * 2000);
    release();
    await held;
    await writer.drain();
    expect(writer.status()).toMatchObject({ appliedSeq: 40, pendingEvents: 0 });
    expect(writer.pendingBytes).toBe(0);
    expect(writer.memoryPeak.bytes).toBeLessThanOrEqual(10_000);
    expect(writer.memoryPeak.records).toBeLessThanOrEqual(4);
    expect(writer.memoryPeak.records).toBeGreaterThan(0);
    await writer.stop();
    await log.close();
    const visits = await visitsOf(db.store, "b");
    expect(visits.map((v) => v.visit_id)).toEqual(
      Array.from({ length: 40 }, (_, i) => `${pad("lee")}.${pad(`v${i}`)}`),
    );
  });

  it("refuses tracking (overloaded, a 503) when the log not applied passes its bytes, however few the events", async () => {
    await ensureWorkspace(db.store, "o");
    const { log } = await IngestLog.open(join(dir, "overload"));
    const writer = await Writer.start(db.store, log, quiet, { maxPendingBytes: 20_000 });
    let release = () => {};
    const held = writer.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    // Nine records of ~2.1 KB: under 20,000 bytes; the tenth passes it, with ten events only.
    for (let i = 0; i < 9; i++) await log.append(largeRecord("o", i));
    expect(writer.overloaded).toBe(false);
    await log.append(largeRecord("o", 9));
    expect(writer.status().pendingEvents).toBe(10);
    expect(writer.overloaded).toBe(true);
    release();
    await held;
    await writer.drain();
    expect(writer.overloaded).toBe(false);
    await writer.stop();
    await log.close();
  });
});

/** A store that can be closed and opened again on the same data (a server's restart). */
async function reopenableStore(engine: Engine, dir: string) {
  if (engine === "duckdb") {
    const file = join(dir, "stop.duckdb");
    return { open: () => openDuckDbStore(file), drop: async () => {} };
  }
  const database = await createTestDatabase();
  return { open: () => openPostgresStore(database.url), drop: () => database.drop() };
}

/** Events stored per record, and applied_seq, as the engine has them. */
async function committed(store: Store, logId: string) {
  const [state] = await store.query<{ applied_seq: number }>(
    sql`SELECT applied_seq FROM ingest_state WHERE log_id = ${logId}`,
  );
  return { appliedSeq: Number(state?.applied_seq ?? 0), events: await storedEvents(store, "s") };
}

describe.each(engines())("stopping the writer in the middle of a long batch on %s", (engine) => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-stop-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // 120 records of 500 events: a first batch of 50,000 events (MAX_BATCH_EVENTS), long enough
  // to stop the writer in the middle of it, then one of 10,000.
  const RECORDS = 120;
  const PER_RECORD = 500;
  const big = (i: number) => ({
    w: "s",
    s: "site",
    at: new Date(Date.UTC(2026, 6, 1, 0, i)).toISOString(),
    e: Array.from({ length: PER_RECORD }, (_, k) => event(`s${i}e${k}`, `v${i}`, `v${i}`)),
  });

  it.each([
    ["the stop waits for the batch in flight", 60_000],
    ["the stop gives up on the batch in flight; the store's close waits for it", 1],
  ])(
    "%s: the database stays consistent and the next start applies the rest exactly once",
    async (_, batchWaitMs) => {
      const where = join(dir, String(batchWaitMs));
      const { mkdir } = await import("node:fs/promises");
      await mkdir(where, { recursive: true });
      const stores = await reopenableStore(engine, where);
      const logDir = join(where, "log");
      let store = await stores.open();
      try {
        await migrate(store);
        await ensureWorkspace(store, "s");
        const { log } = await IngestLog.open(logDir);
        for (let i = 0; i < RECORDS; i++) await log.append(big(i));
        await log.close();

        const { log: running } = await IngestLog.open(logDir);
        const writer = await Writer.start(store, running, quiet, { windowEvents: 200_000 });
        // SIGTERM as the batch runs: `verity serve` stops the writer, then closes the store.
        for (let i = 0; i < 2000 && !writer.busy; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(writer.busy).toBe(true);
        // No time to drain: what matters is the batch in flight.
        const left = await writer.stop(1, batchWaitMs);
        await running.close();
        if (batchWaitMs > 1) expect(writer.busy).toBe(false);
        await store.close();

        // applied_seq and what is stored agree: whole records up to it, nothing past it.
        store = await stores.open();
        const after = await committed(store, running.id);
        expect(after.events).toBe(after.appliedSeq * PER_RECORD);
        // The batch in flight committed (the first 100 records), and nothing was started after it.
        expect(after.appliedSeq).toBe(100);
        // What the stop says it left: exact when it waited, all past the last commit it saw if not.
        if (batchWaitMs > 1) expect(left).toEqual({ records: 20, events: 20 * PER_RECORD });
        else expect(left.records).toBeGreaterThanOrEqual(20);

        // The next start applies the rest, exactly once.
        const { log: next } = await IngestLog.open(logDir);
        const restarted = await Writer.start(store, next, quiet);
        await restarted.drain();
        expect(restarted.status()).toMatchObject({ appliedSeq: RECORDS, pendingEvents: 0 });
        await restarted.stop();
        await next.close();
        expect(await committed(store, running.id)).toEqual({ appliedSeq: RECORDS, events: RECORDS * PER_RECORD });
        const visits = await visitsOf(store, "s");
        expect(visits.length).toBe(RECORDS);
        for (const v of visits) expect(v.pageviews).toBe(PER_RECORD);
      } finally {
        await store.close();
        await stores.drop();
      }
    },
    120_000,
  );
});
