/**
 * The server's one writer. Everything that writes to the engine goes through it, one thing
 * at a time: batches of tracking events from the durable log, data pushed through the API,
 * uploaded files, admin changes. (DuckDB lets only one of two transactions that touch the
 * same rows commit; one writer also keeps PostgreSQL's rollup rebuilds from racing.)
 *
 * Tracking batches: each transaction applies the records, the visit rollups they change and
 * the last sequence number it applied (ingest_state), so a restart applies exactly the
 * records after it.
 *
 * No one request may stop it (issue 13): a batch the engine refuses is bisected down to the
 * records it refuses, which go to the dead-letter store (dead-letters.ts) while the rest is
 * applied; an engine that is unavailable (a connection lost, PostgreSQL restarting) is waited
 * for with backoff instead. Only a bounded window of the records waiting is held in memory;
 * the rest is read back from the log when the window drains.
 */

import { isEngineUnavailable } from "../../store/errors.js";
import { sql, timestamp } from "../../store/sql.js";
import type { Store } from "../../store/store.js";
import type { Logger } from "../logger.js";
import { countDeadLetters, deadLetter, errorText } from "./dead-letters.js";
import type { IngestLog, LoggedRecord, LogRecord } from "./log.js";
import { applyTrackingRecords } from "./tracking.js";
import type { TrackingRecord } from "./tracking-schema.js";

/**
 * Events per transaction at most. A batch costs ~40 statements whatever its size (about
 * 150 ms on DuckDB) plus ~0.03 ms an event, so larger batches apply more events a second.
 */
const MAX_BATCH_EVENTS = 50_000;
/**
 * A batch waits for this many events, or for BATCH_WAIT_MS, before it is applied, so a steady
 * stream of single events is applied in batches large enough to keep up (acknowledgement does
 * not wait for this: events are durable once in the log). Nobody waits when a reader or a
 * shutdown is waiting for the events.
 */
const BATCH_MIN_EVENTS = 20_000;
/**
 * With one event a request at 10,000 a second on two cores, 2 s batches (20,000 events) left
 * the engine's threads ~60 µs of CPU an event against ~90 µs for 1 s batches (bench/ingest.ts),
 * and that CPU is what the HTTP side runs short of. Metric reads do not wait for it: they have
 * the writer apply at once whatever is logged.
 */
const BATCH_WAIT_MS = 2000;
/**
 * Past this many events, or this many bytes of log, waiting to be applied, tracking answers
 * 503 (the engine cannot keep up). Bytes too: a 32 KB request makes events of up to ~10 KB,
 * so a million of them would be GBs of log to read back before the newest is in the numbers.
 */
export const MAX_PENDING_EVENTS = 1_000_000;
export const MAX_PENDING_BYTES = 1024 * 1024 * 1024;
/**
 * Events held in memory waiting for the engine, at most; records past it stay in the log only
 * and are read back as the window drains. (Without a bound a backlog at ten events a request
 * held 772 MB, issue 13.) Two full batches, so the writer never waits for the disk between them.
 */
export const MEMORY_WINDOW_EVENTS = 2 * MAX_BATCH_EVENTS;
/**
 * And this many bytes (as the records take in the log) at most: 100,000 events of ~10 KB
 * (32 KB requests allow that) would be a GB held. The size in the log is what the parsed
 * record costs, give or take a small factor.
 */
export const MEMORY_WINDOW_BYTES = 64 * 1024 * 1024;
/**
 * How long a metric read waits for its workspace's logged events to be applied before it
 * answers from what is committed (and says how current that is). Long enough for a batch of
 * a few thousand events; short enough that an engine in trouble never makes a read hang.
 */
export const READ_WAIT_MS = 2000;
/**
 * How long a shutdown goes on applying what is logged. Past it the rest stays in the durable
 * log for the next start (nothing is lost), so SIGTERM always ends the process in time.
 */
export const STOP_WAIT_MS = 10_000;
/** Backoff while the engine is unavailable: doubling from the first to the last. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/** A record in the memory window, with the bytes its line takes in the log. */
type Queued = { record: TrackingRecord; bytes: number };

/** The writer's bounds (tests lower them to leave records in the log). */
export type WriterLimits = {
  /** Events held in memory at most (MEMORY_WINDOW_EVENTS). */
  windowEvents?: number;
  /** Bytes of log held in memory at most (MEMORY_WINDOW_BYTES). */
  windowBytes?: number;
  /** Events waiting past which tracking answers 503 (MAX_PENDING_EVENTS). */
  maxPendingEvents?: number;
  /** Bytes of log waiting past which tracking answers 503 (MAX_PENDING_BYTES). */
  maxPendingBytes?: number;
};

type Job = { run: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export type WriterStatus = {
  logId: string;
  appliedSeq: number;
  durableSeq: number;
  pendingEvents: number;
  /**
   * Why the engine (or the ingest log) was unavailable at the last attempt, the raw text (null
   * once a batch commits again). It may name any workspace, the database's host or the log's
   * path: the operator's to read (the server's log, an open server), never a workspace admin's.
   */
  lastError: string | null;
  /** Since when applying has been failing (null when it is not). */
  lastErrorSince: string | null;
};

/** How current a read's numbers are (see caughtUp). */
export type Currency = {
  /** Every event acknowledged before this time is in the numbers. */
  currentTo: string;
  /** Events of the workspace acknowledged but not yet applied. */
  pendingEvents: number;
};

/** What a stop left in the log for the next start. */
export type LeftInLog = { records: number; events: number };

const eventsOf = (record: LogRecord): number => (Array.isArray(record.e) ? record.e.length : 0);
const workspaceOf = (record: LogRecord): string => (typeof record.w === "string" ? record.w : "");

export class Writer {
  /** Records in memory, in sequence order: those after appliedSeq up to queuedSeq. */
  private queue: Queued[] = [];
  private queuedEvents = 0;
  private queuedBytes = 0;
  private queuedSeq: number;
  /** Records after queuedSeq up to durableSeq are in the log only (past the memory window). */
  private spilledEvents = 0;
  private spilledBytes = 0;
  /** Per workspace: events waiting, and the sequence number of its last record logged. */
  private readonly byWorkspace = new Map<string, { events: number; lastSeq: number }>();
  private jobs: Job[] = [];
  private durableSeq: number;
  private appliedSeq: number;
  private wake: (() => void) | null = null;
  private running = false;
  /** Set by stop() once its time is up: no further batch is started. */
  private halted = false;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private rawLastError: string | null = null;
  private lastErrorSince: string | null = null;
  private failures = 0;
  /** When the oldest queued record arrived (for BATCH_WAIT_MS). */
  private oldestAt: number | null = null;
  /** When the last record applied was logged (how current reads are when the queue is empty). */
  private appliedAt: string | null = null;
  /** Dead letters per workspace (read at start, counted on since). */
  private readonly deadLetters = new Map<string, number>();
  /** The most records and events the window has held at once (tests check the bound holds). */
  private peak = { records: 0, events: 0, bytes: 0 };
  /** The next record in the log does not fit the window beside what it holds: apply first. */
  private windowFull = false;
  /** A batch or a job is running. */
  private inFlight = false;
  private readonly windowEvents: number;
  private readonly windowBytes: number;
  private readonly maxPendingEvents: number;
  private readonly maxPendingBytes: number;

  constructor(
    private readonly store: Store,
    private readonly log: IngestLog,
    appliedSeq: number,
    private readonly logger: Logger,
    /** The defaults but in tests, which use a small window to leave records in the log. */
    limits: WriterLimits,
  ) {
    this.windowEvents = limits.windowEvents ?? MEMORY_WINDOW_EVENTS;
    this.windowBytes = limits.windowBytes ?? MEMORY_WINDOW_BYTES;
    this.maxPendingEvents = limits.maxPendingEvents ?? MAX_PENDING_EVENTS;
    this.maxPendingBytes = limits.maxPendingBytes ?? MAX_PENDING_BYTES;
    this.appliedSeq = appliedSeq;
    this.durableSeq = appliedSeq;
    this.queuedSeq = appliedSeq;
  }

  /**
   * Opens the writer for `log`: reads how far it was applied and counts the records after that
   * (one at a time, none kept); the run loop then reads them back a window at a time, as it
   * does at run time for records past the window.
   */
  static async start(store: Store, log: IngestLog, logger: Logger, options: WriterLimits = {}): Promise<Writer> {
    const [state] = await store.query<{ applied_seq: number }>(
      sql`SELECT applied_seq FROM ingest_state WHERE log_id = ${log.id}`,
    );
    const applied = Number(state?.applied_seq ?? 0);
    // The log's row exists from the start, so each batch only updates it.
    if (!state) {
      await store.execute(
        sql`INSERT INTO ingest_state (log_id, applied_seq, updated_at) VALUES (${log.id}, 0, ${now()})`,
      );
    }
    log.advanceTo(applied);
    const writer = new Writer(store, log, applied, logger, options);
    for (const [workspace, n] of await countDeadLetters(store)) writer.deadLetters.set(workspace, n);
    const total = writer.deadLetterCount();
    if (total > 0) {
      logger.warn(
        { deadLetters: total },
        "tracking records the engine refused are in the dead-letter store (verity deadletter list)",
      );
    }
    let replay = 0;
    await log.each(applied, (logged) => {
      writer.count(logged.record);
      writer.spilledEvents += eventsOf(logged.record);
      writer.spilledBytes += logged.bytes;
      writer.durableSeq = logged.record.q;
      replay += 1;
    });
    if (replay > 0) logger.info({ records: replay, from: applied + 1 }, "replaying the ingest log");
    log.onDurable = (batch) => writer.accept(batch);
    writer.running = true;
    writer.loop = writer.run();
    return writer;
  }

  /** A record logged and not applied: its workspace waits for it. */
  private count(record: LogRecord): void {
    const workspace = workspaceOf(record);
    const entry = this.byWorkspace.get(workspace) ?? { events: 0, lastSeq: 0 };
    entry.events += eventsOf(record);
    entry.lastSeq = record.q;
    this.byWorkspace.set(workspace, entry);
  }

  /** Records now on disk, in sequence order: queued while the window has room, else left in the log. */
  private accept(records: readonly LoggedRecord[]): void {
    for (const { record, bytes } of records) {
      const events = eventsOf(record);
      this.count(record);
      // Once one record is left in the log, every later one is too, so the queue stays in order.
      const inWindow =
        this.queuedSeq === this.durableSeq &&
        (this.queue.length === 0 ||
          (this.queuedEvents + events <= this.windowEvents && this.queuedBytes + bytes <= this.windowBytes));
      this.durableSeq = record.q;
      if (inWindow) {
        this.enqueue({ record: record as TrackingRecord, bytes });
      } else {
        this.spilledEvents += events;
        this.spilledBytes += bytes;
      }
    }
    this.wake?.();
  }

  /** Into the window (in sequence order). */
  private enqueue(queued: Queued): void {
    if (this.queue.length === 0) this.oldestAt = Date.now();
    this.queue.push(queued);
    this.queuedEvents += eventsOf(queued.record);
    this.queuedBytes += queued.bytes;
    this.queuedSeq = queued.record.q;
    this.peak.records = Math.max(this.peak.records, this.queue.length);
    this.peak.events = Math.max(this.peak.events, this.queuedEvents);
    this.peak.bytes = Math.max(this.peak.bytes, this.queuedBytes);
  }

  /** Events logged and not yet applied (in memory or in the log only). */
  private get pendingEvents(): number {
    return this.queuedEvents + this.spilledEvents;
  }

  /** Bytes of log not yet applied (in memory or in the log only). */
  get pendingBytes(): number {
    return this.queuedBytes + this.spilledBytes;
  }

  /** Whether tracking should refuse new events for now. */
  get overloaded(): boolean {
    return this.pendingEvents >= this.maxPendingEvents || this.pendingBytes >= this.maxPendingBytes;
  }

  /** The last failure's text; setting it after a success also notes since when it fails. */
  private get lastError(): string | null {
    return this.rawLastError;
  }
  private set lastError(error: string | null) {
    if (error === null) this.lastErrorSince = null;
    else if (this.rawLastError === null) this.lastErrorSince = new Date().toISOString();
    this.rawLastError = error;
  }

  /** The ingest's state; pendingEvents of `workspace` only when one is named, else of all. */
  status(workspace?: string): WriterStatus {
    return {
      logId: this.log.id,
      appliedSeq: this.appliedSeq,
      durableSeq: this.durableSeq,
      pendingEvents: workspace === undefined ? this.pendingEvents : (this.byWorkspace.get(workspace)?.events ?? 0),
      lastError: this.lastError,
      lastErrorSince: this.lastErrorSince,
    };
  }

  /** Events held in memory now (tests check the window holds). */
  get eventsInMemory(): number {
    return this.queuedEvents;
  }

  /** The most records, events and bytes held in memory at once since the start (tests check the window holds). */
  get memoryPeak(): { records: number; events: number; bytes: number } {
    return { ...this.peak };
  }

  /** Dead-lettered records of `workspace`, or of every workspace. */
  deadLetterCount(workspace?: string): number {
    if (workspace !== undefined) return this.deadLetters.get(workspace) ?? 0;
    let total = 0;
    for (const n of this.deadLetters.values()) total += n;
    return total;
  }

  /** Runs `work` (which writes) when nothing else writes. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (!this.running) return Promise.reject(new Error("the server is shutting down"));
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run: work, resolve: resolve as (value: unknown) => void, reject });
      this.wake?.();
    });
  }

  /**
   * Waits, for `waitMs` at most, until every record of `workspace` on disk now is in the
   * engine (a page view the browser was told about is then in the numbers), and says how
   * current the numbers are. A workspace with nothing logged does not wait at all, whatever
   * another workspace has pending or the writer is busy with; past the bound the read goes on
   * with what is committed.
   */
  async caughtUp(workspace: string, waitMs = READ_WAIT_MS): Promise<Currency> {
    const seq = this.byWorkspace.get(workspace)?.lastSeq ?? 0;
    if (this.appliedSeq < seq && this.running) await this.waitFor(seq, waitMs);
    return this.currency(workspace);
  }

  private currency(workspace: string): Currency {
    const pendingEvents = this.byWorkspace.get(workspace)?.events ?? 0;
    if (pendingEvents === 0) return { currentTo: new Date().toISOString(), pendingEvents };
    // Records are logged in time order: what was logged before the oldest waiting one is applied.
    const oldest = this.queue[0]?.record.at ?? this.appliedAt;
    return { currentTo: typeof oldest === "string" ? oldest : new Date(0).toISOString(), pendingEvents };
  }

  /** Resolves once `seq` is applied, or after `waitMs` (never: Infinity), whichever is first. */
  private waitFor(seq: number, waitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      if (Number.isFinite(waitMs)) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve();
        }, waitMs);
      }
      this.waiters.push(waiter);
      this.wake?.();
    });
  }

  /** Everything acknowledged applied (tests, shutdown); resolves too if the writer stops first. */
  async drain(): Promise<void> {
    if (this.appliedSeq >= this.durableSeq || !this.running) return;
    await this.waitFor(this.durableSeq, Number.POSITIVE_INFINITY);
  }

  /** Whether a batch or a job is being applied now (tests stop the writer in the middle of one). */
  get busy(): boolean {
    return this.inFlight;
  }

  /**
   * Applies what is logged for `waitMs` at most, then starts nothing more and waits for the
   * batch or job in flight, for `batchWaitMs` more at most; says what it left in the log
   * for the next start. It returned with a batch still running, and the caller closed the
   * store under its transaction. Should the batch outlast the wait too, that is logged; the
   * store's close() waits for its transaction (or the process exits without closing): its
   * records and applied_seq commit together or not at all.
   */
  async stop(waitMs = STOP_WAIT_MS, batchWaitMs = waitMs / 2): Promise<LeftInLog> {
    if (!this.loop) return { records: 0, events: 0 };
    this.stopping = true;
    await Promise.race([this.drain(), delay(waitMs)]);
    this.halted = true;
    this.running = false;
    this.wake?.();
    const finished = await Promise.race([this.loop.then(() => true), delay(batchWaitMs).then(() => false)]);
    if (!finished) {
      this.logger.error(
        { waitedMs: Math.round(waitMs + batchWaitMs), fromSeq: this.appliedSeq + 1 },
        "stopping: a batch of tracking events is still being applied past the stop's time; it commits or rolls back on its own (the store is closed after it), and what it does not commit is applied at the next start",
      );
    }
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    for (const job of this.jobs.splice(0)) job.reject(new Error("the server is shutting down"));
    const left = { records: this.durableSeq - this.appliedSeq, events: this.pendingEvents };
    if (left.records > 0) {
      this.logger.warn(
        { ...left, fromSeq: this.appliedSeq + 1 },
        "stopped with tracking events not yet applied; they stay in the ingest log and are applied at the next start",
      );
    }
    return left;
  }

  private async run(): Promise<void> {
    while (
      !this.halted &&
      (this.running || this.queue.length > 0 || this.queuedSeq < this.durableSeq || this.jobs.length > 0)
    ) {
      const job = this.jobs.shift();
      if (job) {
        this.inFlight = true;
        try {
          job.resolve(await job.run());
        } catch (error) {
          job.reject(error);
        } finally {
          this.inFlight = false;
        }
        continue;
      }
      if (
        this.queuedSeq < this.durableSeq &&
        !this.windowFull &&
        this.queuedEvents <= this.windowEvents / 2 &&
        this.queuedBytes <= this.windowBytes / 2
      ) {
        try {
          await this.refill();
        } catch (error) {
          // The disk: the records stay in the log, and are read again after a pause.
          this.lastError = error instanceof Error ? error.message : String(error);
          this.logger.error({ err: this.lastError }, "reading the ingest log back failed; retrying");
          await this.sleep(RETRY_MAX_MS);
        }
        continue;
      }
      if (this.queue.length > 0) {
        const oldest = this.oldestAt ?? Date.now();
        const due =
          this.pendingEvents >= BATCH_MIN_EVENTS ||
          Date.now() - oldest >= BATCH_WAIT_MS ||
          this.waiters.length > 0 ||
          this.stopping ||
          !this.running;
        if (due) {
          this.inFlight = true;
          try {
            await this.applyBatch();
          } finally {
            this.inFlight = false;
          }
          continue;
        }
      }
      if (!this.running) break;
      await this.sleep(this.queue.length > 0 ? BATCH_WAIT_MS : 1000);
    }
  }

  /** Sleeps for `ms`, or until something is queued or asked for. */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      setTimeout(resolve, ms).unref();
    });
    this.wake = null;
  }

  /** Reads records left in the log back into the window. */
  private async refill(): Promise<void> {
    const room = {
      events: Math.max(1, this.windowEvents - this.queuedEvents),
      bytes: Math.max(1, this.windowBytes - this.queuedBytes),
      // Beside records held, the next one must fit; alone, it comes however large it is.
      mayBeEmpty: this.queue.length > 0,
    };
    const records = await this.log.read(this.queuedSeq, this.durableSeq, room);
    if (records.length === 0 && this.queue.length > 0) {
      this.windowFull = true;
      return;
    }
    if (records.length === 0) throw new Error(`the ingest log has no records after ${this.queuedSeq}`);
    for (const logged of records) {
      this.spilledEvents -= eventsOf(logged.record);
      this.spilledBytes -= logged.bytes;
      this.enqueue(logged as Queued);
    }
  }

  private async applyBatch(): Promise<void> {
    let events = 0;
    let take = 0;
    while (
      take < this.queue.length &&
      (take === 0 || events + eventsOf((this.queue[take] as Queued).record) <= MAX_BATCH_EVENTS)
    ) {
      events += eventsOf((this.queue[take] as Queued).record);
      take += 1;
    }
    const batch = this.queue.slice(0, take).map((q) => q.record);
    const started = performance.now();
    try {
      await this.applyIsolating(batch);
    } catch (error) {
      // The engine is unavailable: what was not committed stays queued and is tried again
      // once it is back. Nothing is dead-lettered for it.
      this.failures += 1;
      this.lastError = error instanceof Error ? error.message : String(error);
      const wait = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
      this.logger.error(
        { err: this.lastError, records: batch.length, retryInMs: wait },
        "the engine is unavailable for tracking events; retrying",
      );
      if (!this.stopping) await this.sleep(wait);
      return;
    }
    this.failures = 0;
    this.lastError = null;
    this.logger.debug({ events, records: take, ms: Math.round(performance.now() - started) }, "applied tracking batch");
  }

  /**
   * Applies `records` in one transaction; if the engine refuses them (the data, not the
   * connection), applies each half on its own, down to the single records it refuses, which
   * are dead-lettered. Throws only when the engine is unavailable. Halves are committed left
   * to right, so the applied sequence number only ever moves forward.
   */
  private async applyIsolating(records: readonly TrackingRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.store.transaction(async () => {
        await applyTrackingRecords(this.store, records);
        await this.recordApplied(records.at(-1)?.q ?? this.appliedSeq);
      });
      this.applied(records);
      return;
    } catch (error) {
      if (isEngineUnavailable(error)) throw error;
      if (records.length === 1) {
        await this.deadLetter(records[0] as TrackingRecord, error);
        return;
      }
      this.logger.warn(
        { err: errorText(error), records: records.length, from: records[0]?.q },
        "the engine refused a batch of tracking events; looking for the records it refuses",
      );
    }
    const half = Math.ceil(records.length / 2);
    await this.applyIsolating(records.slice(0, half));
    await this.applyIsolating(records.slice(half));
  }

  /** Moves a record the engine refuses to the dead-letter store, past it in the same transaction. */
  private async deadLetter(record: TrackingRecord, error: unknown): Promise<void> {
    const reason = errorText(error);
    const workspace = workspaceOf(record);
    await this.store.transaction(async () => {
      await deadLetter(this.store, { logId: this.log.id, record, error: reason });
      await this.recordApplied(record.q);
    });
    this.deadLetters.set(workspace, (this.deadLetters.get(workspace) ?? 0) + 1);
    this.applied([record]);
    this.logger.error(
      { seq: record.q, workspace, events: eventsOf(record), err: reason, deadLetters: this.deadLetterCount() },
      "the engine refused a tracking record; it is in the dead-letter store (verity deadletter list)",
    );
  }

  /** The first `records` of the queue are committed (applied or dead-lettered). */
  private applied(records: readonly TrackingRecord[]): void {
    let events = 0;
    for (const record of records) {
      const n = eventsOf(record);
      events += n;
      const entry = this.byWorkspace.get(workspaceOf(record));
      if (entry) {
        entry.events -= n;
        // The workspace's last record logged: nothing of it waits any more.
        if (entry.lastSeq <= record.q) this.byWorkspace.delete(workspaceOf(record));
      }
    }
    for (const queued of this.queue.splice(0, records.length)) this.queuedBytes -= queued.bytes;
    this.windowFull = false;
    this.queuedEvents -= events;
    this.oldestAt = this.queue.length > 0 ? Date.now() : null;
    this.appliedSeq = records.at(-1)?.q ?? this.appliedSeq;
    const at = records.at(-1)?.at;
    if (typeof at === "string") this.appliedAt = at;
    void this.log
      .release(this.appliedSeq)
      .catch((error) => this.logger.warn({ err: String(error) }, "log cleanup failed"));
    this.waiters = this.waiters.filter((w) => {
      if (w.seq > this.appliedSeq) return true;
      w.resolve();
      return false;
    });
  }

  private async recordApplied(seq: number): Promise<void> {
    await this.store.execute(
      sql`UPDATE ingest_state SET applied_seq = ${seq}, updated_at = ${now()} WHERE log_id = ${this.log.id}`,
    );
  }
}

const now = () => timestamp(new Date());

/** Resolves after `ms` (without keeping the process alive). */
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
