/**
 * Daily website totals (issue 16): aggregate-only analytics exports such as Plausible's give
 * visitors, visits and pageviews per day, not visits. They are kept apart from visits, so no
 * per-visitor metric can mistake a day's total for one visitor. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function visitDaysSchema(d: Dialect): string[] {
  return [
    `CREATE TABLE visit_days (
      workspace_id TEXT NOT NULL, source_system TEXT NOT NULL, day TIMESTAMP NOT NULL,
      visitors BIGINT, visits BIGINT NOT NULL, pageviews BIGINT${d.primaryKey(["workspace_id", "day"])})`,
  ];
}
