/**
 * Funnel: the leads created in the period, per owner and open stage: reached, advanced, lost,
 * open and cancelled at (progress = the furthest open stage reached, held within the
 * pipeline's stages; a won lead passed them all), with the names the report shows (pipeline,
 * stage, rep). The rates, intervals and flags are arithmetic on these counts.
 */
import type { FunnelResult, StageCounts } from "../../src/metrics/definitions/funnel.js";
import type { Row } from "../../src/store/store.js";
import type { Baseline } from "./types.js";

export const baseline: Baseline = {
  metric: "funnel",
  queries: (p) => [
    {
      text: `WITH bounds AS (
               SELECT pipeline_id, min(position) AS lo, max(position) AS hi FROM stages
               WHERE workspace_id = $1 AND kind = 'open' GROUP BY pipeline_id
             ), cohort AS (
               SELECT l.owner_id, l.pipeline_id, l.status,
                 LEAST(GREATEST(COALESCE(GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END),
                   b.lo), b.lo), b.hi) AS progress,
                 count(*) AS n
               FROM leads l JOIN bounds b ON b.pipeline_id = l.pipeline_id
               LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
               WHERE l.workspace_id = $1 AND l.created_at >= CAST($2 AS TIMESTAMP) AND l.created_at < CAST($3 AS TIMESTAMP)
               GROUP BY 1, 2, 3, 4
             )
             SELECT c.owner_id, r.name AS owner_name, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name,
               s.position,
               sum(CASE WHEN c.status = 'won' OR c.progress >= s.position THEN c.n ELSE 0 END) AS reached,
               sum(CASE WHEN c.status = 'won' OR c.progress > s.position THEN c.n ELSE 0 END) AS advanced,
               sum(CASE WHEN c.status = 'lost' AND c.progress = s.position THEN c.n ELSE 0 END) AS lost_at,
               sum(CASE WHEN c.status = 'open' AND c.progress = s.position THEN c.n ELSE 0 END) AS open_at,
               sum(CASE WHEN c.status = 'cancelled' AND c.progress = s.position THEN c.n ELSE 0 END) AS cancelled_at
             FROM cohort c JOIN stages s ON s.workspace_id = $1 AND s.pipeline_id = c.pipeline_id AND s.kind = 'open'
             JOIN pipelines p ON p.workspace_id = $1 AND p.id = s.pipeline_id
             LEFT JOIN reps r ON r.workspace_id = $1 AND r.id = c.owner_id
             GROUP BY c.owner_id, r.name, p.name, s.id, s.name, s.position`,
      values: [p.workspace, p.start, p.end],
    },
  ],
  check: (result, rows) => {
    const r = result as FunnelResult;
    const problems: string[] = [];
    const fields = ["reached", "advanced", "lost_at", "open_at", "cancelled_at"] as const;
    const text = (c: StageCounts) => [c.reached, c.advanced, c.lostAt, c.openAt, c.cancelledAt].join("/");
    const sum = (of: Row[]) => fields.map((f) => of.reduce((n, row) => n + Number(row[f]), 0)).join("/");
    const all = rows[0] ?? [];
    for (const pipeline of r.pipelines) {
      for (const stage of pipeline.stages) {
        const named = all.find((row) => row.stage_id === stage.stageId);
        if (named && (named.stage_name !== stage.stageName || named.pipeline_name !== pipeline.pipelineName)) {
          problems.push(`stage ${stage.stageId} is named ${String(named.stage_name)} vs ${stage.stageName}`);
        }
        const got = sum(all.filter((row) => row.stage_id === stage.stageId));
        if (got !== text(stage)) problems.push(`stage ${stage.stageId}: ${got} vs ${text(stage)}`);
      }
    }
    for (const rep of r.reps) {
      const named = all.find((row) => row.owner_id === rep.repId);
      if (named && (named.owner_name ?? rep.repId) !== rep.repName) {
        problems.push(`rep ${rep.repId} is named ${String(named.owner_name)} vs ${rep.repName}`);
      }
      for (const stage of rep.stages) {
        const got = sum(all.filter((row) => row.stage_id === stage.stageId && row.owner_id === rep.repId));
        if (got !== text(stage)) problems.push(`rep ${rep.repId} stage ${stage.stageId}: ${got} vs ${text(stage)}`);
      }
    }
    if (problems.length > 0) throw new Error(`funnel baseline disagrees: ${problems.slice(0, 5).join("; ")}`);
  },
};
