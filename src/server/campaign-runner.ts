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

  /**
   * Per workspace, the time of the earliest campaign event recorded by this server since its
   * newsletter rows were last brought up to date (mail-links.ts notes each click and
   * unsubscribe). The first tick also looks in the database.
   */
  private readonly noted = new Map<string, number>();
  private looked = false;

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

  /** A click or unsubscribe of the workspace's campaigns was recorded, at `at`. */
  noteEvent(workspace: string, at: Date): void {
    const earlier = this.noted.get(workspace);
    if (earlier === undefined || at.getTime() < earlier) this.noted.set(workspace, at.getTime());
  }

  /**
   * Clicks and unsubscribes since the last tick, into the newsletter rows the metrics read
   * (campaigns/newsletter-mirror.ts): at most once every 30 s a workspace, and only when
   * something arrived, since each mirror gives the workspace's data a new version. The first
   * tick after a start asks the database for the last day's (events recorded while no server
   * ran, or just before a stop); after it, the workspaces this server noted.
   */
  private async mirrorEvents(): Promise<void> {
    if (!this.looked) {
      const from = Date.now() - 86_400_000;
      try {
        const recent = await this.store.query<{ workspace_id: string }>(
          sql`SELECT DISTINCT workspace_id FROM campaign_events
              WHERE occurred_at >= CAST(${new Date(from).toISOString()} AS TIMESTAMP) AND type <> 'open'`,
        );
        for (const r of recent) this.noteEvent(r.workspace_id, new Date(from));
        this.looked = true;
      } catch (error) {
        this.logger.error({ err: error }, "looking for recent campaign events failed");
      }
    }
    const due = [...this.noted].map(([workspace, at]) => [workspace, new Date(at - 1000).toISOString()] as const);
    this.noted.clear();
    for (const [workspace, since] of due) {
      if (this.abort.signal.aborted) return;
      // Each workspace on its own: one that fails is tried again next time, the others go on.
      try {
        await this.exclusive(() => mirrorCampaigns(this.store, workspace, { subscribers: false, since }));
      } catch (error) {
        this.noteEvent(workspace, new Date(since));
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
