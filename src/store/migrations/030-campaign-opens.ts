/**
 * Whether a campaign's HTML carries an open pixel (off unless asked: opens are an unreliable
 * figure, issue 18): its GET /o/TOKEN is recorded as an `open` event. Frozen like every
 * migration.
 */
import type { Dialect } from "../dialect.js";

export function campaignOpensSchema(_d: Dialect): string[] {
  return ["ALTER TABLE campaigns ADD COLUMN track_opens BOOLEAN"];
}
