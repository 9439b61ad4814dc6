/**
 * Where a campaign's send journal is while a run of it has not ended cleanly (host and
 * absolute path, sender.ts): a run elsewhere, which cannot read that journal, refuses to start
 * rather than send again what it may already have sent. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function campaignJournalSchema(_d: Dialect): string[] {
  return ["ALTER TABLE campaigns ADD COLUMN journal TEXT"];
}
