/**
 * The contact hash stored on each lead (src/derive/lead-contact.ts), filled in for leads
 * imported before the column existed, and subscribers' hashes in lower case; and, on PostgreSQL, the won leads by close time
 * (total sales, days in stage: about 15,000 of a million leads a quarter, which the planner
 * otherwise read with a sequential scan of the whole table). Frozen like every migration.
 */
import type { Dialect, EngineName } from "../dialect.js";

const BACKFILL: Record<EngineName, string[]> = {
  duckdb: [
    `UPDATE leads SET contact_hash = CASE WHEN contact IS NOT NULL THEN sha256(lower(trim(contact))) END WHERE TRUE AND contact_hash IS DISTINCT FROM CASE WHEN contact IS NOT NULL THEN sha256(lower(trim(contact))) END`,
    `UPDATE newsletter_subscribers SET email_hash = lower(trim(email_hash))
    WHERE TRUE AND email_hash <> lower(trim(email_hash))`,
  ],
  postgres: [
    `UPDATE leads SET contact_hash = CASE WHEN contact IS NOT NULL THEN encode(sha256(convert_to(lower(trim(contact)), 'UTF8')), 'hex') END WHERE TRUE AND contact_hash IS DISTINCT FROM CASE WHEN contact IS NOT NULL THEN encode(sha256(convert_to(lower(trim(contact)), 'UTF8')), 'hex') END`,
    `UPDATE newsletter_subscribers SET email_hash = lower(trim(email_hash))
    WHERE TRUE AND email_hash <> lower(trim(email_hash))`,
  ],
};

export function leadContactHashSchema(d: Dialect): string[] {
  return [
    "ALTER TABLE leads ADD COLUMN contact_hash TEXT",
    ...BACKFILL[d.engine],
    ...(d.wantsIndexes
      ? ["CREATE INDEX leads_won_closed ON leads (workspace_id, closed_at) WHERE status = 'won'"]
      : []),
  ];
}
