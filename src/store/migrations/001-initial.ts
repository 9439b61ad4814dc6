/**
 * The initial schema. Frozen: a later change to the model is a new migration, never an
 * edit here. Every row carries its workspace, so one installation holds several companies;
 * rows written by importers carry the system they came from.
 */
import type { Dialect } from "../dialect.js";

export function initialSchema(d: Dialect): string[] {
  const pk = d.primaryKey;
  const statements = [
    `CREATE TABLE workspaces (
      id TEXT NOT NULL, name TEXT NOT NULL, created_at TIMESTAMP NOT NULL${pk(["id"])})`,
    `CREATE TABLE imports (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, format TEXT NOT NULL, source_system TEXT NOT NULL,
      path TEXT, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, summary TEXT NOT NULL${pk(["workspace_id", "id"])})`,
    `CREATE TABLE reps (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL, external_id TEXT NOT NULL,
      name TEXT NOT NULL, email TEXT, team TEXT, region TEXT, active BOOLEAN NOT NULL${pk(["workspace_id", "id"])})`,
    `CREATE TABLE pipelines (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL,
      name TEXT NOT NULL${pk(["workspace_id", "id"])})`,
    `CREATE TABLE stages (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL, pipeline_id TEXT NOT NULL,
      name TEXT NOT NULL, position INTEGER NOT NULL, is_qualifying BOOLEAN NOT NULL, kind TEXT NOT NULL${pk(["workspace_id", "id"])})`,
    `CREATE TABLE leads (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL, external_id TEXT NOT NULL,
      name TEXT, account TEXT, contact TEXT, owner_id TEXT, pipeline_id TEXT NOT NULL, stage_id TEXT,
      status TEXT NOT NULL, created_at TIMESTAMP NOT NULL, qualified_at TIMESTAMP, closed_at TIMESTAMP,
      value NUMERIC(18,2), currency TEXT, loss_reason TEXT, competitor TEXT, source_channel TEXT,
      utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, utm_term TEXT${pk(["workspace_id", "id"])})`,
    `CREATE TABLE stage_events (
      workspace_id TEXT NOT NULL, source_system TEXT NOT NULL, lead_id TEXT NOT NULL, from_stage_id TEXT,
      to_stage_id TEXT NOT NULL, changed_at TIMESTAMP NOT NULL, rep_id TEXT${pk(["workspace_id", "lead_id", "changed_at", "to_stage_id"])})`,
    `CREATE TABLE activities (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL, external_id TEXT NOT NULL,
      lead_id TEXT, contact TEXT, rep_id TEXT, type TEXT NOT NULL, occurred_at TIMESTAMP NOT NULL,
      duration_seconds BIGINT, outcome TEXT, note TEXT${pk(["workspace_id", "id"])})`,
    `CREATE TABLE visits (
      workspace_id TEXT NOT NULL, visit_id TEXT NOT NULL, source_system TEXT NOT NULL, visitor_id TEXT NOT NULL,
      started_at TIMESTAMP NOT NULL, landing_url TEXT, referrer TEXT,
      utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, utm_term TEXT,
      pageviews BIGINT, converted_lead_id TEXT,
      visit_number BIGINT NOT NULL, seconds_since_previous BIGINT${pk(["workspace_id", "visit_id"])})`,
    `CREATE TABLE social_posts (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL, network TEXT NOT NULL,
      published_at TIMESTAMP NOT NULL, url TEXT, utm_campaign TEXT${pk(["workspace_id", "id"])})`,
    `CREATE TABLE social_post_snapshots (
      workspace_id TEXT NOT NULL, source_system TEXT NOT NULL, post_id TEXT NOT NULL, captured_at TIMESTAMP NOT NULL,
      shares BIGINT, impressions BIGINT${pk(["workspace_id", "post_id", "captured_at"])})`,
    `CREATE TABLE social_follower_snapshots (
      workspace_id TEXT NOT NULL, source_system TEXT NOT NULL, network TEXT NOT NULL, captured_at TIMESTAMP NOT NULL,
      followers BIGINT NOT NULL${pk(["workspace_id", "network", "captured_at"])})`,
    `CREATE TABLE newsletter_subscribers (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL, email_hash TEXT,
      subscribed_at TIMESTAMP NOT NULL, unsubscribed_at TIMESTAMP${pk(["workspace_id", "id"])})`,
    `CREATE TABLE newsletter_issues (
      workspace_id TEXT NOT NULL, id TEXT NOT NULL, source_system TEXT NOT NULL, sent_at TIMESTAMP NOT NULL,
      subject TEXT, utm_campaign TEXT${pk(["workspace_id", "id"])})`,
    `CREATE TABLE email_events (
      workspace_id TEXT NOT NULL, source_system TEXT NOT NULL, subscriber_id TEXT NOT NULL, issue_id TEXT NOT NULL,
      type TEXT NOT NULL, occurred_at TIMESTAMP NOT NULL, url TEXT${pk(["workspace_id", "subscriber_id", "issue_id", "type", "occurred_at"])})`,
  ];
  if (d.wantsIndexes) {
    statements.push(
      "CREATE INDEX leads_source_key ON leads (workspace_id, source_system, external_id)",
      "CREATE INDEX leads_owner ON leads (workspace_id, owner_id)",
      "CREATE INDEX leads_created ON leads (workspace_id, created_at)",
      "CREATE INDEX activities_lead ON activities (workspace_id, lead_id)",
      "CREATE INDEX activities_rep_at ON activities (workspace_id, rep_id, occurred_at)",
      "CREATE INDEX visits_visitor ON visits (workspace_id, visitor_id, started_at)",
      "CREATE INDEX visits_started ON visits (workspace_id, started_at)",
      "CREATE INDEX email_events_issue ON email_events (workspace_id, issue_id)",
    );
  }
  return statements;
}
