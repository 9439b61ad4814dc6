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
        text: `SELECT date_trunc('${p.ctx.grain}', t) AS week, sum(n) AS new_leads, sum(qq) AS qualified FROM (
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
    const problems: string[] = [];
    const sum = (key: string) => (rows[0] ?? []).reduce((a, row) => a + Number(row[key]), 0);
    if (sum("new_leads") !== r.newLeads || sum("qualified_leads") !== r.qualifiedLeads) {
      problems.push(`totals ${sum("new_leads")}/${sum("qualified_leads")} vs ${r.newLeads}/${r.qualifiedLeads}`);
    }
    const sources = new Map((rows[0] ?? []).map((row) => [String(row.source), row]));
    if (sources.size !== r.bySource.length) problems.push(`sources ${sources.size} vs ${r.bySource.length}`);
    for (const s of r.bySource) {
      const row = sources.get(s.source);
      const got = [row?.new_leads, row?.qualified_leads, row?.new_qualified].map(Number).join("/");
      const want = [s.newLeads, s.qualifiedLeads, s.newLeadsQualified].join("/");
      if (got !== want) problems.push(`source ${s.source}: ${got} vs ${want}`);
    }
    const buckets = new Map(
      (rows[1] ?? []).map((row) => [
        new Date(
          String(row.week)
            .replace(" ", "T")
            .replace(/(T[\d:.]+)$/, "$1Z"),
        ).toISOString(),
        row,
      ]),
    );
    for (const t of r.trend) {
      const row = buckets.get(t.bucket);
      const got = `${Number(row?.new_leads ?? 0)}/${Number(row?.qualified ?? 0)}`;
      if (got !== `${t.newLeads}/${t.qualifiedLeads}`) problems.push(`bucket ${t.bucket}: ${got}`);
    }
    if (problems.length > 0) throw new Error(`qualified-leads baseline disagrees: ${problems.slice(0, 5).join("; ")}`);
  },
};
