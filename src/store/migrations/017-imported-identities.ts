/**
 * visitor_identities becomes a canonical table (issue 16): imports of web analytics and event
 * exports bring the identities their sources hold (an identify call, a Matomo user id), so
 * their rows carry the system they came from as every canonical row does. Rows the tracker
 * wrote before are marked as the tracker's ('tracker', as its visits are). Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function importedIdentitiesSchema(_d: Dialect): string[] {
  return [
    "ALTER TABLE visitor_identities ADD COLUMN source_system TEXT",
    "UPDATE visitor_identities SET source_system = 'tracker' WHERE source_system IS NULL",
  ];
}
