/**
 * The loss report's shape (METRICS.md 4) from rows written by hand: no database. The
 * statement's SQL is pinned in src/metrics/sql/losses.*.sql; losses.test.ts runs both on
 * every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../../test/support/pure-metric-inputs.js";
import type { MetricDefinition, MetricInput, Statements } from "../metric.js";
import { losses } from "./losses.js";

function split<R, S extends Statements>(definition: MetricDefinition<R, S>): MetricDefinition<R, S> {
  return definition;
}
const { shape } = split(losses);

// 2026-Q2 in months, every kind of data loaded.
const plain = fixtureInput("duckdb");
function without(capability: string): MetricInput {
  const capabilities = new Set([...plain.ctx.capabilities].filter((c) => c !== capability));
  return { ...plain, ctx: { ...plain.ctx, capabilities } };
}

type Grouping = "all" | "reason" | "stage" | "competitor" | "rep" | "bucket";
/** A GROUPING SETS row: GROUPING() is 0 for the columns of its own set, 1 for the others. */
function row(set: Grouping, columns: Record<string, unknown>, leads: number, value: number | null, valued: number) {
  return {
    g_reason: set === "reason" ? 0 : 1,
    g_stage: set === "stage" ? 0 : 1,
    g_competitor: set === "competitor" ? 0 : 1,
    g_rep: set === "rep" ? 0 : 1,
    g_bucket: set === "bucket" ? 0 : 1,
    reason: null,
    pipeline_id: null,
    stage: null,
    position: null,
    competitor: null,
    owner_id: null,
    owner_name: null,
    pipeline_name: null,
    bucket: null,
    ...columns,
    leads,
    value,
    valued,
    value_squares: null,
  };
}

// Five lost leads, three with a value (100, 100, 100: the squares 30,000).
const ROWS = [
  { ...row("all", {}, 5, 300, 3), value_squares: "30000" },
  row("reason", { reason: "unknown" }, 2, 100, 1),
  row("reason", { reason: "price" }, 3, 200, 2),
  // Sales: lost at New (1) and Demo (2), and one that reached no stage; Alpha sorts first.
  row("stage", { pipeline_id: "p1", pipeline_name: "Sales", position: null, stage: "unknown" }, 1, null, 0),
  row("stage", { pipeline_id: "p1", pipeline_name: "Sales", position: 2, stage: "Demo" }, 2, 200, 2),
  row("stage", { pipeline_id: "p1", pipeline_name: "Sales", position: 1, stage: "New" }, 1, 100, 1),
  row("stage", { pipeline_id: "p0", pipeline_name: "Alpha", position: 1, stage: "Start" }, 1, null, 0),
  row("competitor", { competitor: "Acme" }, 2, 100, 1),
  row("competitor", { competitor: "none" }, 3, 200, 2),
  row("rep", { owner_id: "a", owner_name: "Ann" }, 2, 200, 2),
  row("rep", { owner_id: null }, 3, 100, 1),
  // DuckDB's text for a bucket start: read as the instant.
  row("bucket", { bucket: "2026-05-01 00:00:00" }, 4, 300, 3),
  row("bucket", { bucket: "2026-06-01 00:00:00" }, 1, null, 0),
];

describe("the loss report's shape", () => {
  test("each grouping set to its table, sorted, with shares of all lost leads and every bucket", () => {
    const r = shape({ grouped: ROWS }, plain);
    expect(r).toMatchObject({ leads: 5, value: 300, valuedLeads: 3, valueSumOfSquares: 30000 });
    expect(r.byReason).toEqual([
      { reason: "price", leads: 3, value: 200, share: 0.6 },
      { reason: "unknown", leads: 2, value: 100, share: 0.4 },
    ]);
    // Pipelines by name, stages by position, the stage no lead reached ("unknown") last; a
    // value none of its leads carries is 0 (amounts are loaded), not null.
    expect(r.byStage).toEqual([
      { pipelineId: "p0", pipelineName: "Alpha", stage: "Start", leads: 1, value: 0 },
      { pipelineId: "p1", pipelineName: "Sales", stage: "New", leads: 1, value: 100 },
      { pipelineId: "p1", pipelineName: "Sales", stage: "Demo", leads: 2, value: 200 },
      { pipelineId: "p1", pipelineName: "Sales", stage: "unknown", leads: 1, value: 0 },
    ]);
    expect(r.byCompetitor.map((c) => c.competitor)).toEqual(["none", "Acme"]);
    expect(r.byRep).toEqual([
      { repId: null, repName: "(no owner)", leads: 3, value: 100 },
      { repId: "a", repName: "Ann", leads: 2, value: 200 },
    ]);
    expect(r.trend).toEqual([
      { bucket: "2026-04-01T00:00:00.000Z", leads: 0, value: 0 },
      { bucket: "2026-05-01T00:00:00.000Z", leads: 4, value: 300 },
      { bucket: "2026-06-01T00:00:00.000Z", leads: 1, value: 0 },
    ]);
  });

  test("without amounts every value is unknown (null), never 0; the counts stand", () => {
    const r = shape({ grouped: ROWS }, without("amounts"));
    expect(r).toMatchObject({ leads: 5, value: null, valuedLeads: null, valueSumOfSquares: null });
    expect(r.byStage.map((s) => s.value)).toEqual([null, null, null, null]);
    expect(r.trend.map((t) => [t.leads, t.value])).toEqual([
      [0, null],
      [4, null],
      [1, null],
    ]);
  });

  test("without loss reasons there is no by-reason table", () => {
    expect(shape({ grouped: ROWS }, without("loss_reasons")).byReason).toBeNull();
  });

  test("no rows: zero lost leads, an empty trend bucket per month", () => {
    const r = shape(null, plain);
    expect(r).toMatchObject({ leads: 0, value: 0, valuedLeads: 0, byStage: [], byCompetitor: [], byRep: [] });
    expect(r.byReason).toEqual([]);
    expect(r.trend.map((t) => t.leads)).toEqual([0, 0, 0]);
  });
});
