/**
 * METRICS.md 4: results of lost leads (the loss report), in place of total sales (vanity 3).
 * Lost leads and their value by loss reason, by the stage they were lost at, by competitor,
 * by rep and over time, and the total value left on the table.
 */
import { sql } from "../../store/sql.js";
import { bucketsOf } from "../buckets.js";
import { countEvidence, moneyHeadline, rateCells, rateColumns, squaresValue, sumOfSquares } from "../evidence.js";
import {
  type Headline,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  statement,
  type View,
} from "../metric.js";
import type { LossCount, LossesResult } from "../results/losses.js";
import { bucket, inPeriod, leadFacts } from "../sql-parts.js";

// What the loss report answers is declared in results/losses.ts (type-only, shared with the dashboard).
export type { LossCount, LossesResult } from "../results/losses.js";

type Row = {
  dim: string;
  key: string | null;
  label: string | null;
  sort: number | null;
  leads: number;
  value: number | null;
  valued: number;
  /** Exact decimal text (evidence.ts sumOfSquares). */
  value_squares: string | number | null;
};

type GroupedRow = {
  g_reason: number;
  g_stage: number;
  g_competitor: number;
  g_rep: number;
  g_bucket: number;
  reason: string | null;
  pipeline_id: string | null;
  stage: string | null;
  position: number | null;
  competitor: string | null;
  owner_id: string | null;
  owner_name: string | null;
  pipeline_name: string | null;
  bucket: string | null;
  leads: number;
  value: number | null;
  valued: number;
  value_squares: string | number | null;
};

/** Which grouping a GROUPING SETS row belongs to (GROUPING() is 0 for the grouped columns). */
function rowOf(g: GroupedRow): Row {
  const counts = { leads: g.leads, value: g.value, valued: g.valued, value_squares: g.value_squares };
  if (g.g_reason === 0) return { dim: "reason", key: g.reason, label: null, sort: null, ...counts };
  if (g.g_stage === 0) return { dim: "stage", key: g.pipeline_id, label: g.stage, sort: g.position, ...counts };
  if (g.g_competitor === 0) return { dim: "competitor", key: g.competitor, label: null, sort: null, ...counts };
  if (g.g_rep === 0) return { dim: "rep", key: g.owner_id, label: g.owner_name, sort: null, ...counts };
  if (g.g_bucket === 0) return { dim: "bucket", key: g.bucket, label: null, sort: null, ...counts };
  return { dim: "all", key: null, label: null, sort: null, ...counts };
}

/**
 * One pass over the lost leads, grouped six ways at once (GROUPING SETS); the names are
 * joined to the few groups afterwards.
 */
function build({ ctx }: MetricInput) {
  const w = ctx.workspace;
  return {
    grouped: statement<GroupedRow>(sql`
    WITH ${leadFacts(ctx)},
    lost AS (
      SELECT COALESCE(NULLIF(loss_reason, ''), 'unknown') AS reason, pipeline_id, furthest_position AS position,
        COALESCE(NULLIF(competitor, ''), 'none') AS competitor, owner_id,
        ${bucket(ctx.grain, sql`closed_at`)} AS bucket, amount
      FROM lead_facts WHERE status = 'lost' AND ${inPeriod(ctx, sql`closed_at`)}
    ),
    grouped AS (
      SELECT GROUPING(reason) AS g_reason, GROUPING(pipeline_id) AS g_stage, GROUPING(competitor) AS g_competitor,
        GROUPING(owner_id) AS g_rep, GROUPING(bucket) AS g_bucket,
        reason, pipeline_id, position, competitor, owner_id, bucket,
        count(*) AS leads, CAST(sum(amount) AS FLOAT8) AS value, count(amount) AS valued,
        ${sumOfSquares(sql`amount`)} AS value_squares
      FROM lost
      GROUP BY GROUPING SETS ((), (reason), (pipeline_id, position), (competitor), (owner_id), (bucket))
    ),
    stage_names AS (
      SELECT pipeline_id, position, min(name) AS name FROM stages
      WHERE workspace_id = ${w} AND kind = 'open' GROUP BY pipeline_id, position
    )
    SELECT g.*, COALESCE(sn.name, 'unknown') AS stage, p.name AS pipeline_name, r.name AS owner_name
    FROM grouped g
    LEFT JOIN stage_names sn ON sn.pipeline_id = g.pipeline_id AND sn.position = g.position
    LEFT JOIN pipelines p ON p.workspace_id = ${w} AND p.id = g.pipeline_id
    LEFT JOIN reps r ON r.workspace_id = ${w} AND r.id = g.owner_id`),
  };
}

/** Pure: the totals, the tables (each sorted) and the trend from the grouping sets' rows. */
function shape(result: RowsOf<ReturnType<typeof build>> | null, { ctx }: MetricInput): LossesResult {
  const grouped = result?.grouped ?? [];
  const rows = grouped.map(rowOf);
  const of = (dim: string) => rows.filter((r) => r.dim === dim);
  // Without amounts a value of 0 would claim nothing of worth was lost: unknown instead.
  const hasAmounts = ctx.capabilities.has("amounts");
  const count = (r: Row | undefined): LossCount => ({
    leads: r?.leads ?? 0,
    value: hasAmounts ? (r?.value ?? 0) : null,
  });
  const all = of("all")[0];
  const total = count(all);
  const pipelineName = new Map(
    grouped.filter((g) => g.g_stage === 0).map((g) => [g.pipeline_id, g.pipeline_name ?? g.pipeline_id]),
  );
  // Bucket keys come back as text in each engine's own format; read them as instants.
  const byBucket = new Map(of("bucket").map((r) => [bucketInstant(r.key), r]));
  return {
    ...total,
    valuedLeads: hasAmounts ? (all?.valued ?? 0) : null,
    valueSumOfSquares: hasAmounts ? squaresValue(all?.value_squares) : null,
    byReason: ctx.capabilities.has("loss_reasons")
      ? of("reason")
          .map((r) => ({ reason: r.key ?? "unknown", ...count(r), share: r.leads / total.leads }))
          .sort((a, b) => b.leads - a.leads || a.reason.localeCompare(b.reason))
      : null,
    byStage: of("stage")
      .map((r) => ({
        pipelineId: r.key ?? "",
        pipelineName: pipelineName.get(r.key ?? "") ?? r.key ?? "",
        stage: r.label ?? "unknown",
        sort: r.sort,
        ...count(r),
      }))
      .sort(
        (a, b) =>
          a.pipelineName.localeCompare(b.pipelineName) ||
          a.pipelineId.localeCompare(b.pipelineId) ||
          // "unknown" (no stage reached) last in its pipeline.
          (a.sort ?? Number.MAX_SAFE_INTEGER) - (b.sort ?? Number.MAX_SAFE_INTEGER),
      )
      .map(({ sort: _sort, ...rest }) => rest),
    byCompetitor: of("competitor")
      .map((r) => ({ competitor: r.key ?? "none", ...count(r) }))
      .sort((a, b) => b.leads - a.leads || a.competitor.localeCompare(b.competitor)),
    byRep: of("rep")
      .map((r) => ({ repId: r.key, repName: r.label ?? (r.key === null ? "(no owner)" : r.key), ...count(r) }))
      .sort((a, b) => b.leads - a.leads || a.repName.localeCompare(b.repName)),
    trend: bucketsOf(ctx).map((start) => ({ bucket: start, ...count(byBucket.get(start)) })),
  };
}

/** A bucket start as text from either engine ("2025-07-01 00:00:00") as an ISO instant. */
function bucketInstant(text: string | null): string {
  if (text === null) return "";
  const iso = text.replace(" ", "T");
  return new Date(/Z|[+-]\d\d(:?\d\d)?$/.test(iso) ? iso : `${iso}Z`).toISOString();
}

function countRows<T extends LossCount>(rows: readonly T[], key: (row: T) => string) {
  return rows.map((r) => ({ key: key(r), leads: r.leads, value: r.value }));
}

/** The value left on the table: a sum of amounts, or unsupported when the loaded leads carry none. */
function lostValueHeadline(r: LossesResult): Headline {
  return moneyHeadline(
    { key: "lostValue", label: "Value left on the table" },
    r.value,
    r.valuedLeads,
    r.valueSumOfSquares,
  );
}

export const losses: MetricDefinition<LossesResult, ReturnType<typeof build>> = {
  id: "losses",
  title: "Results of lost leads",
  why:
    "Total sales hides what was lost on the way. Lost leads, and the value left on the table, by why they were " +
    "lost, how far they got, who they went to and whose they were, show what to fix: the offer, the " +
    "qualification, or the follow-up.",
  definition:
    "Leads with status lost and a close in the period (cancelled leads are not losses). Value is the lead's value " +
    "in the reporting currency (values in other currencies are left out of the sums). The stage a lead was lost " +
    "at is the furthest open stage it ever reached (a backward move does not undo progress), from its stage " +
    "history and its current stage; unknown when neither names one. An empty loss reason is unknown, an empty " +
    "competitor none. A reason's share is its lost leads over all lost leads. The by-reason table needs loss " +
    "reasons in the data; everything else does not.",
  replaces: ["total-sales"],
  needs: ["loss_reasons"],
  area: "sales",
  leadFilters: true,
  readsSupport: false,
  build,
  shape,
  headlines: (r) => [
    { key: "lostLeads", label: "Lost leads", value: r.leads, format: "count", evidence: countEvidence(r.leads) },
    lostValueHeadline(r),
  ],
  views: (r) => {
    const counted = (
      title: string,
      label: string,
      rows: { key: string; leads: number; value: number | null }[],
    ): View => ({
      title,
      columns: [
        { key: "key", label, format: "text" },
        { key: "leads", label: "Lost leads", format: "count" },
        { key: "value", label: "Lost value", format: "money" },
      ],
      rows,
    });
    return [
      {
        title: r.byReason === null ? "Lost leads by reason: not available (no loss reasons)" : "Lost leads by reason",
        columns: [
          { key: "reason", label: "Reason", format: "text" },
          { key: "leads", label: "Lost leads", format: "count" },
          { key: "share", label: "Share", format: "percent" },
          ...rateColumns("share"),
          { key: "value", label: "Lost value", format: "money" },
        ],
        rows: [
          // A reason's share is its lost leads of all lost leads: n is every lost lead.
          ...(r.byReason ?? []).map((x) => ({ ...x, ...rateCells("share", x.leads, r.leads) })),
          // The whole is 1 by definition, no estimate: its n, no interval.
          ...(r.byReason
            ? [{ reason: "all", leads: r.leads, share: 1, ...rateCells("share", null, r.leads), value: r.value }]
            : []),
        ],
      },
      {
        title: "Lost leads by the stage they were lost at",
        columns: [
          { key: "pipeline", label: "Pipeline", format: "text" },
          { key: "stage", label: "Stage", format: "text" },
          { key: "leads", label: "Lost leads", format: "count" },
          { key: "value", label: "Lost value", format: "money" },
        ],
        rows: r.byStage.map((s) => ({ pipeline: s.pipelineName, stage: s.stage, leads: s.leads, value: s.value })),
      },
      counted(
        "Lost leads by competitor",
        "Competitor",
        countRows(r.byCompetitor, (c) => c.competitor),
      ),
      counted(
        "Lost leads by rep",
        "Rep",
        countRows(r.byRep, (c) => c.repName),
      ),
      {
        title: "Lost leads over time",
        columns: [
          { key: "bucket", label: "From", format: "date" },
          { key: "leads", label: "Lost leads", format: "count" },
          { key: "value", label: "Lost value", format: "money" },
        ],
        rows: r.trend,
      },
    ];
  },
};
