/**
 * Losses: leads lost in the period and their value (reporting currency), overall and by loss
 * reason, by the furthest open stage reached, by competitor, by rep and by grain bucket.
 */
import type { LossesResult } from "../../src/metrics/definitions/losses.js";
import type { Row } from "../../src/store/store.js";
import type { Baseline } from "./types.js";

export const baseline: Baseline = {
  metric: "losses",
  queries: (p) => [
    {
      text: `WITH lost AS (
               SELECT COALESCE(NULLIF(l.loss_reason, ''), 'unknown') AS reason,
                 COALESCE(NULLIF(l.competitor, ''), 'none') AS competitor, l.owner_id, l.pipeline_id,
                 GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END) AS position,
                 date_trunc('${p.ctx.grain}', l.closed_at) AS bucket,
                 CASE WHEN l.currency = CAST($4 AS TEXT) THEN l.value END AS amount
               FROM leads l LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
               WHERE l.workspace_id = $1 AND l.status = 'lost'
                 AND l.closed_at >= CAST($2 AS TIMESTAMP) AND l.closed_at < CAST($3 AS TIMESTAMP)
             )
             SELECT GROUPING(reason) AS g_reason, GROUPING(position) AS g_stage, GROUPING(competitor) AS g_competitor,
               GROUPING(owner_id) AS g_rep, GROUPING(bucket) AS g_bucket,
               reason, pipeline_id, position, competitor, owner_id, bucket,
               count(*) AS leads, CAST(sum(amount) AS DOUBLE PRECISION) AS value
             FROM lost
             GROUP BY GROUPING SETS ((), (reason), (pipeline_id, position), (competitor), (owner_id), (bucket))`,
      values: [p.workspace, p.start, p.end, p.currency],
    },
  ],
  check: (result, rows) => {
    const r = result as LossesResult;
    const problems: string[] = [];
    const all = rows[0] ?? [];
    const pick = (dim: string) => all.filter((x) => Number(x[dim]) === 0);
    // A value is null only without amounts (none here: the bench data carries them).
    const compare = (what: string, got: Row | undefined, want: { leads: number; value: number | null }) => {
      const value = Number(got?.value ?? 0);
      const wanted = want.value ?? 0;
      if (Number(got?.leads ?? 0) !== want.leads || Math.abs(value - wanted) > 1e-6 * Math.max(1, wanted)) {
        problems.push(`${what}: ${got?.leads}/${got?.value} vs ${want.leads}/${want.value}`);
      }
    };
    compare(
      "all",
      all.find((x) => [x.g_reason, x.g_stage, x.g_competitor, x.g_rep, x.g_bucket].every((g) => Number(g) === 1)),
      r,
    );
    const groups = (dim: string, size: number | undefined) => {
      if (size !== undefined && pick(dim).length !== size) problems.push(`${dim}: ${pick(dim).length} vs ${size}`);
    };
    groups("g_reason", r.byReason?.length);
    groups("g_stage", r.byStage.length);
    groups("g_competitor", r.byCompetitor.length);
    groups("g_rep", r.byRep.length);
    for (const x of r.byReason ?? [])
      compare(
        `reason ${x.reason}`,
        pick("g_reason").find((g) => g.reason === x.reason),
        x,
      );
    for (const x of r.byCompetitor) {
      compare(
        `competitor ${x.competitor}`,
        pick("g_competitor").find((g) => g.competitor === x.competitor),
        x,
      );
    }
    for (const x of r.byRep)
      compare(
        `rep ${x.repId}`,
        pick("g_rep").find((g) => g.owner_id === x.repId),
        x,
      );
    const leadsByStage = pick("g_stage").reduce((n, g) => n + Number(g.leads), 0);
    if (leadsByStage !== r.byStage.reduce((n, s) => n + s.leads, 0)) problems.push("stage totals");
    const trendLeads = pick("g_bucket").reduce((n, g) => n + Number(g.leads), 0);
    if (trendLeads !== r.trend.reduce((n, t) => n + t.leads, 0)) problems.push("trend totals");
    if (problems.length > 0) throw new Error(`losses baseline disagrees: ${problems.slice(0, 5).join("; ")}`);
  },
};
