/**
 * The server's one writer. Everything that writes to the engine goes through it, one thing
 * at a time: batches of tracking events from the durable log, data pushed through the API,
 * uploaded files, admin changes. (DuckDB lets only one of two transactions that touch the
 * same rows commit; one writer also keeps PostgreSQL's rollup rebuilds from racing.)
 *
 * Tracking batches: each transaction applies the records, the visit rollups they change and
 * the last sequence number it applied (ingest_state), so a restart applies exactly the
 * records after it.
 */

import { sql, timestamp } from "../../store/sql.js";
import type { Store } from "../../store/store.js";
import type { Logger } from "../logger.js";
import type { IngestLog, LogRecord } from "./log.js";
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
/** Past this many events waiting to be applied, tracking answers 503 (the engine cannot keep up). */
export const MAX_PENDING_EVENTS = 1_000_000;

type Job = { run: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export type WriterStatus = {
  logId: string;
  appliedSeq: number;
  durableSeq: number;
  pendingEvents: number;
  lastError: string | null;
};

export class Writer {
  private queue: TrackingRecord[] = [];
  private pendingEvents = 0;
  private jobs: Job[] = [];
  private durableSeq: number;
  private appliedSeq: number;
  private wake: (() => void) | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private lastError: string | null = null;
  /** When the oldest queued record arrived (for BATCH_WAIT_MS). */
  private oldestAt: number | null = null;

  constructor(
    private readonly store: Store,
    private readonly log: IngestLog,
    appliedSeq: number,
    private readonly logger: Logger,
  ) {
    this.appliedSeq = appliedSeq;
    this.durableSeq = appliedSeq;
  }

  /** Opens the writer for `log`: reads how far it was applied and queues the records after that. */
  static async start(store: Store, log: IngestLog, records: readonly LogRecord[], logger: Logger): Promise<Writer> {
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
    const writer = new Writer(store, log, applied, logger);
    const replay = records.filter((r) => r.q > applied) as TrackingRecord[];
    if (replay.length > 0) logger.info({ records: replay.length, from: applied + 1 }, "replaying the ingest log");
    writer.accept(replay);
    log.onDurable = (batch) => writer.accept(batch as TrackingRecord[]);
    writer.running = true;
    writer.loop = writer.run();
    return writer;
  }

  /** Records now on disk, in sequence order. */
  private accept(records: readonly TrackingRecord[]): void {
    if (this.queue.length === 0 && records.length > 0) this.oldestAt = Date.now();
    for (const record of records) {
      this.queue.push(record);
      this.pendingEvents += record.e.length;
      this.durableSeq = record.q;
    }
    this.wake?.();
  }

  /** Whether tracking should refuse new events for now. */
  get overloaded(): boolean {
    return this.pendingEvents >= MAX_PENDING_EVENTS;
  }

  status(): WriterStatus {
    return {
      logId: this.log.id,
      appliedSeq: this.appliedSeq,
      durableSeq: this.durableSeq,
      pendingEvents: this.pendingEvents,
      lastError: this.lastError,
    };
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
   * Resolves once every record on disk now is in the engine: a metric read waits for it, so
   * a page view the browser was told about is in the numbers.
   */
  async caughtUp(): Promise<void> {
    const seq = this.durableSeq;
    if (this.appliedSeq >= seq) return;
    await new Promise<void>((resolve) => {
      this.waiters.push({ seq, resolve });
      this.wake?.();
    });
  }

  /** Everything acknowledged applied (tests, shutdown). */
  async drain(): Promise<void> {
    await this.caughtUp();
  }

  /** Applies what is left, rebuilds the rollups and stops. */
  async stop(): Promise<void> {
    await this.drain();
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running || this.queue.length > 0 || this.jobs.length > 0) {
      const job = this.jobs.shift();
      if (job) {
        try {
          job.resolve(await job.run());
        } catch (error) {
          job.reject(error);
        }
        continue;
      }
      if (this.queue.length > 0) {
        const oldest = this.oldestAt ?? Date.now();
        const due =
          this.pendingEvents >= BATCH_MIN_EVENTS ||
          Date.now() - oldest >= BATCH_WAIT_MS ||
          this.waiters.length > 0 ||
          !this.running;
        if (due) {
          await this.applyBatch();
          continue;
        }
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.queue.length > 0 ? BATCH_WAIT_MS : 1000).unref();
      });
      this.wake = null;
    }
  }

  private async applyBatch(): Promise<void> {
    let events = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || events + (this.queue[take]?.e.length ?? 0) <= MAX_BATCH_EVENTS)) {
      events += this.queue[take]?.e.length ?? 0;
      take += 1;
    }
    const batch = this.queue.slice(0, take);
    const last = batch.at(-1)?.q ?? this.appliedSeq;
    const started = performance.now();
    try {
      await this.store.transaction(async () => {
        await applyTrackingRecords(this.store, batch);
        await this.recordApplied(last);
      });
    } catch (error) {
      // Nothing of the batch was written; it stays queued and is tried again.
      this.lastError = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: this.lastError, records: batch.length }, "applying tracking events failed; retrying");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return;
    }
    this.lastError = null;
    this.queue.splice(0, take);
    this.oldestAt = this.queue.length > 0 ? Date.now() : null;
    this.pendingEvents -= events;
    this.appliedSeq = last;
    this.logger.debug({ events, records: take, ms: Math.round(performance.now() - started) }, "applied tracking batch");
    await this.log.release(last).catch((error) => this.logger.warn({ err: String(error) }, "log cleanup failed"));
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
