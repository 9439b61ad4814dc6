/**
 * Visit frequency and recency: the plain SQL over the period's visits (one GROUP BY per
 * visitor, one per visit), with the visit number and seconds since the previous visit that
 * ingest stores. No rollups: what an analyst writes against the visits table.
 */
import type { EngagementResult } from "../../src/metrics/definitions/engagement.js";
import type { Baseline } from "./types.js";

const VISITS = [1, 2, 3, 4, 5, 6, 7, 8, 14, 25, 50, 100, 200];
const DAYS = [0, 1, 2, 3, 4, 5, 6, 7, 14, 30, 60, 120, 364];
const bucket = (bounds: number[], column: string) =>
  `CASE ${bounds.map((b, i) => `WHEN ${column} <= ${b} THEN ${i}`).join(" ")} ELSE ${bounds.length} END`;

export const baseline: Baseline = {
  metric: "engagement",
  queries: (p) => {
    const period = "workspace_id = $1 AND started_at >= CAST($2 AS TIMESTAMP) AND started_at < CAST($3 AS TIMESTAMP)";
    const since =
      p.engine === "duckdb"
        ? "epoch(CAST($3 AS TIMESTAMP)) - epoch(max(started_at))"
        : "EXTRACT(EPOCH FROM CAST($3 AS TIMESTAMP) - max(started_at))";
    const values = [p.workspace, p.start, p.end];
    return [
      {
        text: `SELECT ${bucket(VISITS, "n")} AS fb, ${bucket(DAYS, "days")} AS rb, count(*) AS visitors,
                 sum(ret) AS returning_visitors, sum(conv) AS converted_visitors, sum(n) AS visits
               FROM (
                 SELECT visitor_id, count(*) AS n, CASE WHEN max(visit_number) > 1 THEN 1 ELSE 0 END AS ret,
                   max(CASE WHEN converted_lead_id IS NOT NULL THEN 1 ELSE 0 END) AS conv,
                   floor((${since}) / 86400.0) AS days
                 FROM visits WHERE ${period} GROUP BY visitor_id) x
               GROUP BY 1, 2`,
        values,
      },
      {
        text: `SELECT ${bucket(VISITS, "visit_number")} AS nb,
                 CASE WHEN visit_number > 1 AND seconds_since_previous IS NOT NULL
                   THEN ${bucket(DAYS, "floor(seconds_since_previous / 86400.0)")} END AS db,
                 count(*) AS visits, sum(pageviews) AS pageviews
               FROM visits WHERE ${period} GROUP BY 1, 2`,
        values,
      },
    ];
  },
  check: (result, rows) => {
    const r = result as EngagementResult;
    const [cells = [], perVisit = []] = rows;
    const n = (v: unknown) => Number(v ?? 0);
    const grid = VISITS.concat([0]).map(() => DAYS.concat([0]).map(() => 0));
    let visitors = 0;
    let returning = 0;
    let converted = 0;
    let visits = 0;
    for (const c of cells) {
      (grid[n(c.fb)] as number[])[n(c.rb)] = n(c.visitors);
      visitors += n(c.visitors);
      returning += n(c.returning_visitors);
      converted += n(c.converted_visitors);
      visits += n(c.visits);
    }
    const byNumber = VISITS.concat([0]).map(() => 0);
    const bySince = DAYS.concat([0]).map(() => 0);
    let pageviews = 0;
    for (const v of perVisit) {
      byNumber[n(v.nb)] = (byNumber[n(v.nb)] ?? 0) + n(v.visits);
      if (v.db !== null && v.db !== undefined) bySince[n(v.db)] = (bySince[n(v.db)] ?? 0) + n(v.visits);
      pageviews += n(v.pageviews);
    }
    const mine = JSON.stringify({ visitors, returning, converted, visits, pageviews, grid, byNumber, bySince });
    const theirs = JSON.stringify({
      visitors: r.visitors,
      returning: r.returningVisitors,
      converted: r.convertedVisitors,
      visits: r.visits,
      pageviews: r.pageviews,
      grid: r.grid.map((g) => g.visitors),
      byNumber: r.byVisitNumber.map((b) => b.visits),
      bySince: r.byDaysSincePrevious.map((b) => b.visits),
    });
    if (mine !== theirs) throw new Error(`engagement baseline disagrees:\n${mine}\n${theirs}`);
  },
};
