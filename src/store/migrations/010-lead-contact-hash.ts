/**
 * The contact hash stored on each lead (src/ingest/lead-contact.ts), filled in for leads
 * imported before the column existed, and subscribers' hashes in lower case; and, on PostgreSQL, the won leads by close time
 * (total sales, days in stage: about 15,000 of a million leads a quarter, which the planner
 * otherwise read with a sequential scan of the whole table). Frozen like every migration.
 */
import { leadContactUpdate, subscriberHashUpdate } from "../../ingest/lead-contact.js";
import type { Dialect } from "../dialect.js";

export function leadContactHashSchema(d: Dialect): string[] {
  const backfill = [leadContactUpdate(d, null), subscriberHashUpdate(null)].map((update) => {
    const compiled = update.compile();
    if (compiled.values.length > 0) throw new Error("the backfill must not take parameters");
    return compiled.text;
  });
  return [
    "ALTER TABLE leads ADD COLUMN contact_hash TEXT",
    ...backfill,
    ...(d.wantsIndexes
      ? ["CREATE INDEX leads_won_closed ON leads (workspace_id, closed_at) WHERE status = 'won'"]
      : []),
  ];
}
