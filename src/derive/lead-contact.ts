/**
 * Derived at ingest and stored on each lead: the SHA-256 of its contact, trimmed and
 * lower-cased, the form newsletter tools keep subscribers in (newsletter_subscribers.email_hash).
 * Newsletter leads (METRICS.md 9) match the period's new leads to subscribers by it; hashing
 * every new lead's contact in every query cost most of a second at a hundred thousand leads
 * a quarter. Every import that touches leads brings the workspace's leads up to date in the
 * same transaction; only leads whose hash changes are written.
 */
import type { Dialect } from "../store/dialect.js";
import { type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

/** The hash of a lead's contact (NULL without one). */
export function contactHash(d: Dialect, contact: Sql): Sql {
  return sql`CASE WHEN ${contact} IS NOT NULL THEN ${d.sha256(sql`lower(trim(${contact}))`)} END`;
}

/** The UPDATE that brings the leads' hashes up to date (all workspaces for `null`). */
export function leadContactUpdate(d: Dialect, workspace: string | null): Sql {
  const of = workspace === null ? sql`TRUE` : sql`workspace_id = ${workspace}`;
  const hash = contactHash(d, sql`contact`);
  return sql`UPDATE leads SET contact_hash = ${hash} WHERE ${of} AND contact_hash IS DISTINCT FROM ${hash}`;
}

/**
 * Subscribers' hashes as hex in lower case, as the leads' are: tools write hex in either
 * case, and a join on a lower() of the column hid its statistics from PostgreSQL's planner
 * (a merge join sorting both sides: 0.9 s a quarter).
 */
export function subscriberHashUpdate(workspace: string | null): Sql {
  const of = workspace === null ? sql`TRUE` : sql`workspace_id = ${workspace}`;
  return sql`UPDATE newsletter_subscribers SET email_hash = lower(trim(email_hash))
    WHERE ${of} AND email_hash <> lower(trim(email_hash))`;
}

/** Updates the workspace's leads, or only `leads` (a subquery of ids), inside the caller's transaction. */
export async function refreshLeadContact(store: Store, workspace: string, leads?: Sql): Promise<void> {
  const update = leadContactUpdate(store.dialect, workspace);
  await store.execute(leads ? sql`${update} AND id IN (${leads})` : update);
}

/** Normalises the workspace's subscriber hashes (inside the caller's transaction). */
export async function refreshSubscriberHashes(store: Store, workspace: string): Promise<void> {
  await store.execute(subscriberHashUpdate(workspace));
}
