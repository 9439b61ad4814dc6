/**
 * PostgreSQL: activities by time, carrying the columns the period's activity figures read
 * (the vanity activity count and calls-to-meetings, activity quality's per-rep counts, the
 * latest data moment), so they are index range scans instead of sequential scans of the
 * whole activities table (2 GB at size l). DuckDB scans columns and wants none. Frozen like
 * every migration.
 */
import type { Dialect } from "../dialect.js";

export function activityTimeIndexSchema(d: Dialect): string[] {
  if (!d.wantsIndexes) return [];
  return ["CREATE INDEX activities_at ON activities (workspace_id, occurred_at) INCLUDE (rep_id, type, lead_id)"];
}
