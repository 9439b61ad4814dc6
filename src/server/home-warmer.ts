/**
 * The dashboard home prepared after a write (issue 17, target 1). An upload or a push through
 * the server that changes any period leaves nothing of the home's answers in memory: the next
 * view measures every pair of 13-14 periods and the data health again (3-5 s at a million
 * leads on DuckDB, by the machine's load; 16 s at four million before reads had a second
 * connection). Right after such a write the server starts that work itself, in the
 * background, so a person who uploads and then opens the home meets answers already computed
 * or half way there: the view's reads share the running statements (read-cache.ts keeps the
 * promise), they never wait for a second run.
 *
 * What is prepared is the check as it was last asked for the workspace (its period and
 * filters: the home as its people look at it), and the data health. Only workspaces whose
 * check someone asked for in the last day are prepared: a workspace fed by a CRM's webhook all
 * night with nobody looking costs nothing extra. One preparation runs at a time for the whole
 * server, a period at a time (vanity-check.ts prepareCheck); a write during a preparation
 * queues one more for its workspace, never more, and the running one gives up at its next
 * period. A failed preparation is logged and left: the view computes as it would have.
 */
import type { MetricRequest } from "../metrics/context.js";
import type { Logger } from "./logger.js";

/** A workspace's home is prepared after a write when its check was asked within this window. */
export const VIEWED_WITHIN_MS = 24 * 60 * 60 * 1000;

type Asked = { at: number; request: MetricRequest };

export class HomeWarmer {
  /** When each workspace's check was last asked (ms since the epoch), and how. */
  private readonly viewed = new Map<string, Asked>();
  /** Writes seen per workspace, so a write during a check's answer is not missed (asked()). */
  private readonly writes = new Map<string, number>();
  /** Workspaces waiting for a preparation, in the order their writes came (a Set keeps it). */
  private readonly queue = new Set<string>();
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Preparations finished, not given up (for tests and the benchmarks). */
  prepared = 0;

  constructor(
    /** Prepares the home for `request`; false when it gave up because `stopped()` said so. */
    private readonly prepare: (request: MetricRequest, stopped: () => boolean) => Promise<boolean>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many writes of `workspace` this server has seen: read before answering a check. */
  writesOf(workspace: string): number {
    return this.writes.get(workspace) ?? 0;
  }

  /**
   * Someone was answered `workspace`'s check (as `request`): its writes are worth preparing
   * for. Called after the answer, so a request the check refused is never what is prepared;
   * a write that committed while the answer was computed (`writesBefore` is what writesOf
   * said before) found no one to prepare for, so it is prepared now.
   */
  asked(request: MetricRequest, writesBefore = this.writesOf(request.workspace)): void {
    this.viewed.set(request.workspace, { at: this.now(), request });
    if (this.writesOf(request.workspace) !== writesBefore) this.written(request.workspace);
  }

  /** A write of `workspace`'s data committed: prepare its home if someone looks at it. */
  written(workspace: string): void {
    this.writes.set(workspace, this.writesOf(workspace) + 1);
    // With the kept results off (VERITY_READ_CACHE=off) nothing prepared would be kept.
    if (this.stopped || process.env.VERITY_READ_CACHE === "off") return;
    const seen = this.viewed.get(workspace);
    if (seen === undefined) return;
    if (this.now() - seen.at > VIEWED_WITHIN_MS) {
      this.viewed.delete(workspace);
      return;
    }
    this.queue.add(workspace);
    this.running ??= this.drain();
  }

  /** Resolves when nothing is being prepared or waiting (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No new preparations; waits for the running one to reach a stopping point. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    await this.idle();
  }

  private async drain(): Promise<void> {
    try {
      for (let next = first(this.queue); next !== undefined && !this.stopped; next = first(this.queue)) {
        this.queue.delete(next);
        const asked = this.viewed.get(next);
        if (!asked) continue;
        try {
          // A write while this runs queued the workspace again: what this computes is already
          // old, so it gives up at the next period and the queued one starts from the new data.
          // Once overtaken, always: the queued run takes its place.
          let overtaken = false;
          const stopped = () => {
            overtaken ||= this.stopped || this.queue.has(next);
            return overtaken;
          };
          if (await this.prepare(asked.request, stopped)) this.prepared++;
        } catch (error) {
          this.logger.warn({ err: error, workspace: next }, "preparing the dashboard home after a write failed");
        }
      }
    } finally {
      this.running = null;
    }
  }
}

function first(set: Set<string>): string | undefined {
  for (const value of set) return value;
  return undefined;
}
