/**
 * What campaigns need before anything is sent (issue 18): the addresses of contacts with a
 * recorded opt-in (the only addresses Verity keeps in clear text: everything else holds the
 * SHA-256 of an address), the addresses that must never be mailed (unsubscribed, bounced,
 * complained, erased, suppressed by hand; by hash, so an erased contact's address is gone),
 * and saved segments (their definition as JSON, evaluated when used). Small tables: real
 * primary keys on both engines. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function mailContactsSchema(_d: Dialect): string[] {
  return [
    `CREATE TABLE mail_contacts (
      workspace_id TEXT NOT NULL, email_hash TEXT NOT NULL, address TEXT NOT NULL,
      first_name TEXT, last_name TEXT, company TEXT,
      consent_at TIMESTAMP NOT NULL, consent_source TEXT NOT NULL, imported_at TIMESTAMP NOT NULL,
      PRIMARY KEY (workspace_id, email_hash))`,
    `CREATE TABLE mail_suppressions (
      workspace_id TEXT NOT NULL, email_hash TEXT NOT NULL, reason TEXT NOT NULL, since TIMESTAMP NOT NULL,
      source TEXT NOT NULL, detail TEXT,
      PRIMARY KEY (workspace_id, email_hash, reason))`,
    `CREATE TABLE segments (
      workspace_id TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL, description TEXT,
      created_by TEXT, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
      PRIMARY KEY (workspace_id, name))`,
  ];
}
