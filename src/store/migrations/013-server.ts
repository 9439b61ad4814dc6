/**
 * What `verity serve` keeps: users and their sessions, API keys, the websites that send
 * tracking events (each with a public key), the raw tracking events, the visitors the
 * tracker has seen and the emails they identified with, and how far the durable ingest log
 * has been applied. Frozen like every migration.
 *
 * The small tables get real primary keys on both engines (the server relies on them); the
 * tracking tables follow the dialect's rule (DuckDB keeps no keys on large tables).
 */
import type { Dialect } from "../dialect.js";

export function serverSchema(d: Dialect): string[] {
  const pk = d.primaryKey;
  const statements = [
    `CREATE TABLE users (
      id TEXT NOT NULL PRIMARY KEY, workspace_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, name TEXT,
      role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at TIMESTAMP NOT NULL, disabled_at TIMESTAMP)`,
    `CREATE TABLE sessions (
      token_hash TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, workspace_id TEXT NOT NULL,
      created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL)`,
    `CREATE TABLE api_keys (
      id TEXT NOT NULL PRIMARY KEY, workspace_id TEXT NOT NULL, name TEXT NOT NULL, secret_hash TEXT NOT NULL,
      scopes TEXT NOT NULL, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
    `CREATE TABLE sites (
      id TEXT NOT NULL PRIMARY KEY, workspace_id TEXT NOT NULL, name TEXT NOT NULL, domains TEXT NOT NULL,
      respect_privacy_signals BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
    `CREATE TABLE ingest_state (log_id TEXT NOT NULL PRIMARY KEY, applied_seq BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL)`,
    `CREATE TABLE tracked_events (
      workspace_id TEXT NOT NULL, event_id TEXT NOT NULL, site_id TEXT NOT NULL, type TEXT NOT NULL,
      visitor_id TEXT NOT NULL, visit_id TEXT NOT NULL, occurred_at TIMESTAMP NOT NULL, url TEXT, referrer TEXT,
      utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, utm_term TEXT,
      email_hash TEXT, form TEXT${pk(["workspace_id", "event_id"])})`,
    `CREATE TABLE tracked_visitors (
      workspace_id TEXT NOT NULL, visitor_id TEXT NOT NULL, visits BIGINT NOT NULL, last_visit_id TEXT NOT NULL,
      last_started_at TIMESTAMP NOT NULL, last_seconds_since_previous BIGINT${pk(["workspace_id", "visitor_id"])})`,
    `CREATE TABLE visitor_identities (
      workspace_id TEXT NOT NULL, visitor_id TEXT NOT NULL, email_hash TEXT NOT NULL, visit_id TEXT NOT NULL,
      identified_at TIMESTAMP NOT NULL, first_touch TEXT${pk(["workspace_id", "visitor_id", "email_hash"])})`,
  ];
  if (d.wantsIndexes) {
    statements.push(
      "CREATE INDEX tracked_events_visit ON tracked_events (workspace_id, visit_id)",
      "CREATE INDEX visitor_identities_email ON visitor_identities (workspace_id, email_hash)",
      "CREATE INDEX users_workspace ON users (workspace_id)",
      "CREATE INDEX api_keys_workspace ON api_keys (workspace_id)",
    );
  }
  return statements;
}
