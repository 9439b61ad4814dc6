/**
 * Whether a campaign's HTML carries an open pixel (off unless asked: opens are an unreliable
 * figure, issue 18): its GET /o/TOKEN is recorded as an `open` event. And, on PostgreSQL, the
 * campaign events by time: `verity serve` looks for the ones since its last look every 30 s
 * (campaign-runner.ts). Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function campaignOpensSchema(d: Dialect): string[] {
  return [
    "ALTER TABLE campaigns ADD COLUMN track_opens BOOLEAN",
    ...(d.wantsIndexes ? ["CREATE INDEX campaign_events_at ON campaign_events (occurred_at)"] : []),
  ];
}
