/**
 * Campaigns and their sending (issue 18): each workspace's SMTP settings (the password is
 * never stored: the settings name the environment variable that holds it), the key its links
 * are signed with, campaigns (with the segment's definition frozen when sending starts),
 * their links, the outbox (one row per recipient, written before anything is sent, so a
 * crash neither sends an address twice nor skips one), and what recipients did (clicks,
 * unsubscribes). Real primary keys on both engines: the outbox's key is what makes a second
 * row for a recipient impossible. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function campaignsSchema(d: Dialect): string[] {
  return [
    `CREATE TABLE smtp_settings (
      workspace_id TEXT NOT NULL, host TEXT NOT NULL, port INTEGER NOT NULL, security TEXT NOT NULL,
      username TEXT, password_env TEXT, from_address TEXT NOT NULL, from_name TEXT, reply_to TEXT,
      public_url TEXT NOT NULL, max_connections INTEGER NOT NULL, per_minute INTEGER, updated_at TIMESTAMP NOT NULL,
      PRIMARY KEY (workspace_id))`,
    `CREATE TABLE campaign_keys (
      workspace_id TEXT NOT NULL, key_id TEXT NOT NULL, secret TEXT NOT NULL, created_at TIMESTAMP NOT NULL,
      PRIMARY KEY (workspace_id, key_id))`,
    `CREATE TABLE campaigns (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, segment TEXT NOT NULL, definition TEXT,
      subject TEXT NOT NULL, html TEXT NOT NULL, text TEXT NOT NULL, utm_campaign TEXT NOT NULL,
      status TEXT NOT NULL, send_at TIMESTAMP, per_minute INTEGER, recipients BIGINT,
      runner_id TEXT, lease_until TIMESTAMP, paused_reason TEXT,
      created_by TEXT, created_at TIMESTAMP NOT NULL, started_at TIMESTAMP, finished_at TIMESTAMP,
      PRIMARY KEY (workspace_id, id), UNIQUE (workspace_id, name))`,
    `CREATE TABLE campaign_links (
      workspace_id TEXT NOT NULL, campaign_id TEXT NOT NULL, link_index INTEGER NOT NULL, url TEXT NOT NULL,
      PRIMARY KEY (workspace_id, campaign_id, link_index))`,
    `CREATE TABLE campaign_outbox (
      workspace_id TEXT NOT NULL, campaign_id TEXT NOT NULL, recipient_id BIGINT NOT NULL, email_hash TEXT NOT NULL,
      status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TIMESTAMP, finished_at TIMESTAMP,
      smtp_response TEXT, error TEXT,
      PRIMARY KEY (workspace_id, campaign_id, recipient_id))`,
    `CREATE TABLE campaign_events (
      workspace_id TEXT NOT NULL, campaign_id TEXT NOT NULL, recipient_id BIGINT NOT NULL, type TEXT NOT NULL,
      link_index INTEGER NOT NULL, occurred_at TIMESTAMP NOT NULL,
      PRIMARY KEY (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at))`,
    ...(d.wantsIndexes
      ? ["CREATE INDEX campaign_outbox_due ON campaign_outbox (workspace_id, campaign_id, status, next_attempt_at)"]
      : []),
  ];
}
