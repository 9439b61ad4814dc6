/**
 * A visit's place in its visitor's history, computed at ingest as Matomo does
 * (visitor_count_visits, visitor_seconds_since_last): the visit number (1 = first visit)
 * and the seconds since the visitor's previous visit. Frequency and recency reports then
 * group by stored columns instead of scanning every visitor's history (METRICS.md 5).
 */
import type { Dialect } from "../store/dialect.js";
import { ident, raw, type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

// Ties on started_at are broken by visit id so the numbering is the same on every engine.
const WINDOW = "OVER (PARTITION BY visitor_id ORDER BY started_at, visit_id)";

export const deriveVisitAttributes = {
  /** Values for an insert from the staging table `s`, numbering within the staged rows. */
  insertColumns(dialect: Dialect): { names: Sql[]; values: Sql[] } {
    return {
      names: [sql`visit_number`, sql`seconds_since_previous`],
      values: [
        raw(`row_number() ${WINDOW}`),
        raw(dialect.secondsBetween(`lag(s.started_at) ${WINDOW}`, "s.started_at")),
      ],
    };
  },

  /**
   * Renumbers the stored visits of every visitor the staged rows touch (and of the visitors
   * that moved visits left), for imports that add to visitors Verity already knows.
   */
  async refresh(store: Store, workspace: string, staging: string, movedVisitors: string | null): Promise<void> {
    const moved = movedVisitors ? sql` OR visitor_id IN (SELECT visitor_id FROM ${ident(movedVisitors)})` : raw("");
    const seconds = raw(store.dialect.secondsBetween(`lag(started_at) ${WINDOW}`, "started_at"));
    await store.execute(
      sql`UPDATE visits AS v SET visit_number = w.n, seconds_since_previous = w.s
          FROM (
            SELECT visit_id, row_number() ${raw(WINDOW)} AS n, ${seconds} AS s
            FROM visits
            WHERE workspace_id = ${workspace} AND (visitor_id IN (SELECT visitor_id FROM ${ident(staging)})${moved})
          ) AS w
          WHERE v.workspace_id = ${workspace} AND v.visit_id = w.visit_id
            AND (v.visit_number <> w.n OR v.seconds_since_previous IS DISTINCT FROM w.s)`,
    );
  },
};
