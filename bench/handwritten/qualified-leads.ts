/** Qualified leads: new, qualified in the period, and qualified among the new, by source and by week. */
import type { QualifiedLeadsResult } from "../../src/metrics/definitions/qualified-leads.js";
import type { Baseline } from "./types.js";

export const baseline: Baseline = {
  metric: "qualified-leads",
  queries: (p) => {
    const q = `COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)`;
    const created = "l.created_at >= CAST($2 AS TIMESTAMP) AND l.created_at < CAST($3 AS TIMESTAMP)";
    const qualified = `${q} >= CAST($2 AS TIMESTAMP) AND ${q} < CAST($3 AS TIMESTAMP)`;
    const values = [p.workspace, p.start, p.end];
    return [
      {
        text: `SELECT COALESCE(l.source_channel, 'unknown') AS source,
                 count(CASE WHEN ${created} THEN 1 END) AS new_leads,
                 count(CASE WHEN ${qualified} THEN 1 END) AS qualified_leads,
                 count(CASE WHEN ${created} AND ${q} IS NOT NULL THEN 1 END) AS new_qualified
               FROM leads l WHERE l.workspace_id = $1 AND ((${created}) OR (${qualified}))
               GROUP BY 1 ORDER BY 1`,
        values,
      },
      {
        text: `SELECT date_trunc('week', t) AS week, sum(n) AS new_leads, sum(qq) AS qualified FROM (
                 SELECT l.created_at AS t, 1 AS n, 0 AS qq FROM leads l WHERE l.workspace_id = $1 AND ${created}
                 UNION ALL
                 SELECT ${q}, 0, 1 FROM leads l WHERE l.workspace_id = $1 AND ${qualified}) x
               GROUP BY 1 ORDER BY 1`,
        values,
      },
    ];
  },
  check: (result, rows) => {
    const r = result as QualifiedLeadsResult;
    const sum = (key: string) => (rows[0] ?? []).reduce((a, row) => a + Number(row[key]), 0);
    if (sum("new_leads") !== r.newLeads || sum("qualified_leads") !== r.qualifiedLeads) {
      throw new Error(
        `qualified-leads baseline disagrees: ${sum("new_leads")}/${sum("qualified_leads")} vs ${r.newLeads}/${r.qualifiedLeads}`,
      );
    }
  },
};
