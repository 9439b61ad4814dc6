/**
 * Velocity: days from qualification (else creation) to a win or a qualified loss in the period,
 * overall, per rep and per source (median, p75, p90), the velocity figure (open qualified leads
 * at the end, win rate, average won value, unqualified losses) and the median days won leads
 * spent in each open stage.
 */
import type { VelocityResult } from "../../src/metrics/definitions/velocity.js";
import type { Row } from "../../src/store/store.js";
import type { Baseline, BaselineParams } from "./types.js";

function engineSql(p: BaselineParams) {
  const pg = p.engine === "postgres";
  const epoch = (x: string) => (pg ? `EXTRACT(EPOCH FROM ${x})` : `epoch_us(${x}) / 1000000.0`);
  const days = (from: string, to: string) => `((${epoch(to)} - ${epoch(from)}) / 86400.0)`;
  const q = (x: string, f: number) =>
    pg ? `percentile_cont(${f}) WITHIN GROUP (ORDER BY ${x})` : `quantile_cont(${x}, ${f})`;
  return { days, q };
}

export const baseline: Baseline = {
  metric: "velocity",
  queries: (p) => {
    const { days, q } = engineSql(p);
    const qual = `COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)`;
    const start = "CAST($2 AS TIMESTAMP)";
    const end = "CAST($3 AS TIMESTAMP)";
    const closedIn = `l.closed_at >= ${start} AND l.closed_at < ${end}`;
    const from =
      p.ctx.options.velocityFrom === "creation"
        ? "created_at"
        : "CASE WHEN q IS NOT NULL AND q < closed_at THEN q ELSE created_at END";
    return [
      {
        // Days to close, per outcome, overall / per rep / per source.
        text: `WITH c AS (
                 SELECT l.owner_id, COALESCE(l.source_channel, 'unknown') AS source, l.status, l.created_at,
                   l.closed_at, ${qual} AS q
                 FROM leads l WHERE l.workspace_id = $1 AND ${closedIn} AND l.status IN ('won', 'lost')
               ), d AS (
                 SELECT owner_id, source, status, ${days(from, "closed_at")} AS days FROM c
                 WHERE status = 'won' OR (q IS NOT NULL AND q <= closed_at)
               )
               SELECT GROUPING(owner_id) AS g_owner, GROUPING(source) AS g_source, owner_id, source, status,
                 count(*) AS n, ${q("days", 0.5)} AS median, ${q("days", 0.75)} AS p75, ${q("days", 0.9)} AS p90
               FROM d GROUP BY GROUPING SETS ((status), (status, owner_id), (status, source))`,
        values: [p.workspace, p.start, p.end],
      },
      {
        // The velocity figure's parts.
        text: `SELECT
                 count(CASE WHEN l.created_at < ${end} AND ${qual} < ${end}
                   AND (l.closed_at IS NULL OR l.closed_at >= ${end}) THEN 1 END) AS open_qualified,
                 count(CASE WHEN l.status = 'lost' AND ${closedIn}
                   AND NOT COALESCE(${qual} <= l.closed_at, FALSE) THEN 1 END) AS unqualified_lost,
                 CAST(avg(CASE WHEN l.status = 'won' AND ${closedIn} AND l.currency = CAST($4 AS TEXT)
                   THEN l.value END) AS DOUBLE PRECISION) AS average_won
               FROM leads l WHERE l.workspace_id = $1 AND (l.closed_at >= ${start} OR l.closed_at IS NULL)`,
        values: [p.workspace, p.start, p.end, p.currency],
      },
      {
        // Median days won leads spent in each open stage (stays summed per lead and stage). The won
        // leads' events are materialized before the stages are joined: in one join DuckDB builds its
        // hash table on every stage event (a misestimate), three to four times slower.
        text: `WITH won_events AS MATERIALIZED (
                 SELECT e.workspace_id, e.lead_id, e.to_stage_id, e.changed_at, l.closed_at
                 FROM leads l JOIN stage_events e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
                 WHERE l.workspace_id = $1 AND l.status = 'won' AND ${closedIn}
               ), stays AS (
                 SELECT e.lead_id, e.to_stage_id, e.changed_at, e.closed_at,
                   LEAD(e.changed_at) OVER (PARTITION BY e.lead_id ORDER BY e.changed_at, s.position, e.to_stage_id)
                     AS next_at
                 FROM won_events e JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
               ), per_lead AS (
                 SELECT to_stage_id, sum(GREATEST(${days("changed_at", "COALESCE(next_at, closed_at)")}, 0)) AS days
                 FROM stays GROUP BY lead_id, to_stage_id
               )
               SELECT to_stage_id AS stage_id, count(*) AS n, ${q("days", 0.5)} AS median
               FROM per_lead GROUP BY to_stage_id`,
        values: [p.workspace, p.start, p.end],
      },
    ];
  },
  check: (result, rows) => {
    const r = result as VelocityResult;
    const problems: string[] = [];
    const near = (a: unknown, b: number | null) =>
      (a === null || a === undefined) && b === null
        ? true
        : a !== null && b !== null && Math.abs(Number(a) - b) <= 1e-6 * Math.max(1, Math.abs(b));
    const same = (what: string, a: unknown, b: number | null) => {
      if (!near(a, b)) problems.push(`${what}: baseline ${a} vs verity ${b}`);
    };
    const durations = rows[0] ?? [];
    const stats = (pick: (row: Row) => boolean, status: string, label: string, s: VelocityResult["won"]) => {
      const row = durations.find((x) => pick(x) && x.status === status);
      same(`${label} ${status} leads`, row ? Number(row.n) : 0, s.leads);
      same(`${label} ${status} median`, row?.median ?? null, s.median);
      same(`${label} ${status} p75`, row?.p75 ?? null, s.p75);
      same(`${label} ${status} p90`, row?.p90 ?? null, s.p90);
    };
    const overall = (x: Row) => Number(x.g_owner) === 1 && Number(x.g_source) === 1;
    stats(overall, "won", "all", r.won);
    stats(overall, "lost", "all", r.lost);
    for (const rep of r.byRep) {
      const pick = (x: Row) => Number(x.g_owner) === 0 && x.owner_id === rep.repId;
      stats(pick, "won", `rep ${rep.repId}`, rep.won);
      stats(pick, "lost", `rep ${rep.repId}`, rep.lost);
    }
    for (const src of r.bySource) {
      const pick = (x: Row) => Number(x.g_source) === 0 && x.source === src.source;
      stats(pick, "won", `source ${src.source}`, src.won);
      stats(pick, "lost", `source ${src.source}`, src.lost);
    }
    const groups = new Set(durations.filter((x) => !overall(x)).map((x) => `${x.g_owner}:${x.owner_id}:${x.source}`));
    if (groups.size !== r.byRep.length + r.bySource.length) {
      problems.push(`groups: baseline ${groups.size} vs verity ${r.byRep.length + r.bySource.length}`);
    }
    const figure = rows[1]?.[0] ?? {};
    same("open qualified", Number(figure.open_qualified), r.velocity.openQualifiedLeads);
    same("unqualified lost", Number(figure.unqualified_lost), r.unqualifiedLost);
    same("average won", figure.average_won ?? null, r.velocity.averageWonValue);
    const stages = rows[2] ?? [];
    for (const s of r.daysInStage ?? []) {
      const row = stages.find((x) => x.stage_id === s.stageId);
      same(`stage ${s.stageId} leads`, row ? Number(row.n) : 0, s.leads);
      same(`stage ${s.stageId} median`, row?.median ?? null, s.medianDays);
    }
    if (problems.length > 0) throw new Error(`velocity baseline disagrees: ${problems.slice(0, 5).join("; ")}`);
  },
};
