/**
 * Versioned migrations. Each runs once, in order, inside a transaction together with the
 * row that records it, so a failed migration leaves the schema as it was.
 */

import type { Dialect } from "./dialect.js";
import { initialSchema } from "./migrations/001-initial.js";
import { leadProgressSchema } from "./migrations/002-lead-progress.js";
import { salesIndexesSchema } from "./migrations/003-sales-indexes.js";
import { marketingRollupsSchema } from "./migrations/004-marketing-rollups.js";
import { leadActivitySchema } from "./migrations/005-lead-activity.js";
import { activityTimeIndexSchema } from "./migrations/006-activity-time-index.js";
import { requestIndexesSchema } from "./migrations/007-request-indexes.js";
import { emailClickIndexSchema } from "./migrations/008-email-click-index.js";
import { activityRollupsSchema } from "./migrations/009-activity-rollups.js";
import { leadContactHashSchema } from "./migrations/010-lead-contact-hash.js";
import { wonStageDaysSchema } from "./migrations/011-won-stage-days.js";
import { leadLastEventSchema } from "./migrations/012-lead-last-event.js";
import { serverSchema } from "./migrations/013-server.js";
import { deadLettersSchema } from "./migrations/014-dead-letters.js";
import { usersEmailPerWorkspaceSchema } from "./migrations/015-users-email-per-workspace.js";
import { sessionsIdleSchema } from "./migrations/016-sessions-idle.js";
import { importedIdentitiesSchema } from "./migrations/017-imported-identities.js";
import { visitDaysSchema } from "./migrations/018-visit-days.js";
import { dataVersionsSchema } from "./migrations/019-data-versions.js";
import { trackingSinceSchema } from "./migrations/020-tracking-since.js";
import { dataSinceSchema } from "./migrations/021-data-since.js";
import { keptAnswersSchema } from "./migrations/022-kept-answers.js";
import { visitsConvertedIndexSchema } from "./migrations/023-visits-converted-index.js";
import { leadLastActivitySchema } from "./migrations/024-lead-last-activity.js";
import { leadActivityMonthsSchema } from "./migrations/025-lead-activity-months.js";
import { mailContactsSchema } from "./migrations/026-mail-contacts.js";
import { campaignsSchema } from "./migrations/027-campaigns.js";
import { campaignScopeSchema } from "./migrations/028-campaign-scope.js";
import { campaignJournalSchema } from "./migrations/029-campaign-journal.js";
import { campaignOpensSchema } from "./migrations/030-campaign-opens.js";
import { raw, sql } from "./sql.js";
import type { Store } from "./store.js";

export type Migration = { version: number; name: string; statements: (dialect: Dialect) => string[] };

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", statements: initialSchema },
  { version: 2, name: "lead-progress", statements: leadProgressSchema },
  { version: 3, name: "sales-indexes", statements: salesIndexesSchema },
  { version: 4, name: "marketing-rollups", statements: marketingRollupsSchema },
  { version: 5, name: "lead-activity", statements: leadActivitySchema },
  { version: 6, name: "activity-time-index", statements: activityTimeIndexSchema },
  { version: 7, name: "request-indexes", statements: requestIndexesSchema },
  { version: 8, name: "email-click-index", statements: emailClickIndexSchema },
  { version: 9, name: "activity-rollups", statements: activityRollupsSchema },
  { version: 10, name: "lead-contact-hash", statements: leadContactHashSchema },
  { version: 11, name: "won-stage-days", statements: wonStageDaysSchema },
  { version: 12, name: "lead-last-event", statements: leadLastEventSchema },
  { version: 13, name: "server", statements: serverSchema },
  { version: 14, name: "dead-letters", statements: deadLettersSchema },
  { version: 15, name: "users-email-per-workspace", statements: usersEmailPerWorkspaceSchema },
  { version: 16, name: "sessions-idle", statements: sessionsIdleSchema },
  { version: 17, name: "imported-identities", statements: importedIdentitiesSchema },
  { version: 18, name: "visit-days", statements: visitDaysSchema },
  { version: 19, name: "data-versions", statements: dataVersionsSchema },
  { version: 20, name: "tracking-since", statements: trackingSinceSchema },
  { version: 21, name: "data-since", statements: dataSinceSchema },
  { version: 22, name: "kept-answers", statements: keptAnswersSchema },
  { version: 23, name: "visits-converted-index", statements: visitsConvertedIndexSchema },
  { version: 24, name: "lead-last-activity", statements: leadLastActivitySchema },
  { version: 25, name: "lead-activity-months", statements: leadActivityMonthsSchema },
  { version: 26, name: "mail-contacts", statements: mailContactsSchema },
  { version: 27, name: "campaigns", statements: campaignsSchema },
  { version: 28, name: "campaign-scope", statements: campaignScopeSchema },
  { version: 29, name: "campaign-journal", statements: campaignJournalSchema },
  { version: 30, name: "campaign-opens", statements: campaignOpensSchema },
];

/** Brings the schema up to date; returns the versions it applied. */
export async function migrate(store: Store): Promise<number[]> {
  await store.execute(
    sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`,
  );
  const done = new Set(
    (await store.query<{ version: number }>(sql`SELECT version FROM schema_migrations`)).map((r) => r.version),
  );
  const latest = Math.max(...MIGRATIONS.map((m) => m.version));
  const newest = Math.max(0, ...done);
  if (newest > latest) {
    throw new Error(
      `The database has schema version ${newest}, newer than this Verity knows (${latest}): upgrade Verity.`,
    );
  }
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue;
    await store.transaction(async () => {
      for (const statement of migration.statements(store.dialect)) await store.execute(raw(statement));
      await store.execute(
        sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, CAST(${new Date().toISOString()} AS TIMESTAMP))`,
      );
    });
    applied.push(migration.version);
  }
  return applied;
}
