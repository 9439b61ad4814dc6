/**
 * Campaigns sent by `verity serve`: a send asked through the API runs here, in the background
 * (the request answers 202 at once), one run per campaign. Every 30 s the runner also starts
 * what is due: campaigns scheduled for now or earlier, and campaigns left sending (a server
 * stopped or killed mid-send: the outbox and its journal take them up where they were, as
 * `verity campaign send` would). A campaign paused by its SMTP server's refusal (a wrong
 * password) waits for someone to send it again.
 *
 * Stopping the server stops handing messages over, waits for the ones in flight and writes
 * their outcomes; the campaign stays `sending` for the next start.
 */
import { resolve } from "node:path";
import { mirrorCampaigns } from "../campaigns/newsletter-mirror.js";
import { CampaignStateError, sendCampaign } from "../campaigns/sender.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import type { Logger } from "./logger.js";

const TICK_MS = 30_000;

export class CampaignRunner {
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;

  /** Per workspace, the latest campaign event the newsletter rows were brought up to. */
  private readonly mirrored = new Map<string, string>();
  /** When the last look for new campaign events began (events recorded since are looked for). */
  private lookedAt: Date | null = null;

  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
    private readonly logger: Logger,
    /** The writer's: writes that give data a new version run one at a time (data-versions.ts). */
    private readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  /** Starts the periodic look for due campaigns. */
  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  /** Whether a campaign of the workspace is being sent by this server now. */
  isRunning(workspace: string, campaignId: string): boolean {
    return this.running.has(`${workspace}\n${campaignId}`);
  }

  /** Sends (or goes on sending) a campaign in the background; false when it is running already. */
  send(
    workspace: string,
    campaign: { id: string; name: string },
    options: { resendUncertain?: boolean } = {},
  ): boolean {
    const key = `${workspace}\n${campaign.id}`;
    if (this.running.has(key) || this.abort.signal.aborted) return false;
    const run = sendCampaign(this.store, workspace, campaign.name, {
      journalDir: resolve(this.dataDir, "outbox"),
      waitForRetries: true,
      resendUncertain: options.resendUncertain ?? false,
      signal: this.abort.signal,
      exclusive: this.exclusive,
    })
      .then((result) => {
        this.logger.info(
          { workspace, campaign: campaign.name, status: result.status, counts: result.counts },
          "campaign run ended",
        );
      })
      .catch((error) => {
        // A campaign another process sends, or one finished meanwhile, is no failure of ours.
        const level = error instanceof CampaignStateError ? "info" : "error";
        this.logger[level]({ err: error, workspace, campaign: campaign.name }, "campaign run failed");
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
    return true;
  }

  /** Starts the campaigns that are due: scheduled for now or earlier, or left sending. */
  async tick(): Promise<void> {
    if (this.abort.signal.aborted) return;
    try {
      const due = await this.store.query<{ workspace_id: string; id: string; name: string }>(
        sql`SELECT workspace_id, id, name FROM campaigns
            WHERE (status = 'scheduled' AND send_at <= CAST(${new Date().toISOString()} AS TIMESTAMP))
               OR (status = 'sending' AND (lease_until IS NULL OR lease_until < CAST(${new Date().toISOString()} AS TIMESTAMP)))`,
      );
      for (const c of due) this.send(c.workspace_id, c);
    } catch (error) {
      this.logger.error({ err: error }, "looking for due campaigns failed");
    }
    await this.mirrorEvents();
  }

  /**
   * Clicks, unsubscribes and reports since the last tick, into the newsletter rows the metrics
   * read (campaigns/newsletter-mirror.ts): at most once every 30 s a workspace, and only when
   * something arrived, since each mirror gives the workspace's data a new version.
   */
  private async mirrorEvents(): Promise<void> {
    // An event's time is taken when its request arrives and it is written when the writer
    // gets to it: events are looked for from an hour before the last look (a writer an hour
    // behind is one the server refuses tracking for long before). The first look after a
    // start goes back a day. Opens are not mirrored and wake nothing.
    const now = new Date();
    const from = new Date((this.lookedAt ?? new Date(now.getTime() - 86_400_000)).getTime() - 3_600_000).toISOString();
    let latest: { workspace_id: string; at: string }[];
    try {
      latest = await this.store.query<{ workspace_id: string; at: string }>(
        sql`SELECT workspace_id, CAST(max(occurred_at) AS TEXT) AS at FROM campaign_events
            WHERE occurred_at >= CAST(${from} AS TIMESTAMP) AND type <> 'open' GROUP BY workspace_id`,
      );
    } catch (error) {
      this.logger.error({ err: error }, "looking for new campaign events failed");
      return;
    }
    this.lookedAt = now;
    for (const { workspace_id: workspace, at } of latest) {
      if (this.abort.signal.aborted || this.mirrored.get(workspace) === at) continue;
      // Each workspace on its own: one that fails is tried again next time, the others go on.
      try {
        await this.exclusive(() => mirrorCampaigns(this.store, workspace, { subscribers: false, since: from }));
        this.mirrored.set(workspace, at);
      } catch (error) {
        this.logger.error({ err: error, workspace }, "bringing campaign events into the newsletter figures failed");
      }
    }
  }

  /** Resolves when no run of this server is under way (tests wait for background sends). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Stops handing messages over and waits for the runs to write what they sent. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }
}
