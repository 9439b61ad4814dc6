/**
 * Sales velocity's shape (METRICS.md 3) from rows written by hand: no database. The
 * statements' SQL is pinned in src/metrics/sql/velocity.*.sql; velocity.test.ts and
 * test/reference/velocity-losses.test.ts run both on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput, UNSUPPORTED } from "../../../test/support/pure-metric-inputs.js";
import type { MetricDefinition, MetricInput, Statements } from "../metric.js";
import { rankSumTest } from "../statistics.js";
import { DAY_RANGES, velocity } from "./velocity.js";

function split<R, S extends Statements>(definition: MetricDefinition<R, S>): MetricDefinition<R, S> {
  return definition;
}
const { shape } = split(velocity);

const plain = fixtureInput("duckdb");
const noQualification: MetricInput = { ...plain, support: { ...UNSUPPORTED, losses: null, amounts: null } };
const fromCreation: MetricInput = {
  ...noQualification,
  ctx: { ...plain.ctx, options: { ...plain.ctx.options, velocityFrom: "creation" } },
};
const noStageHistory: MetricInput = {
  ...plain,
  ctx: { ...plain.ctx, capabilities: new Set([...plain.ctx.capabilities].filter((c) => c !== "stage_history")) },
};

const NO_STATS = {
  won: 0,
  won_median: null as number | null,
  won_p75: null as number | null,
  won_p90: null as number | null,
  lost: 0,
  lost_median: null as number | null,
  lost_p75: null as number | null,
  lost_p90: null as number | null,
  won_low: null as number | null,
  won_high: null as number | null,
  lost_low: null as number | null,
  lost_high: null as number | null,
  lost_rank_sum: null as number | null,
  tie_sum: null as number | null,
  open_qualified: null as number | null,
  unqualified_lost: null as number | null,
  average_won: null as number | null,
};
type Stats = Partial<typeof NO_STATS>;
const row = (grouping: string, key: string | null, label: string | null, stats: Stats) => ({
  ...NO_STATS,
  grouping,
  key,
  label,
  ...stats,
});

// Overall: 4 won (median 20 days), 4 lost (median 50); 10 open qualified leads, won values
// averaging 1,000. Velocity = 10 x 4/8 x 1,000 / 20 = 250 a day.
const ALL = row("all", null, null, {
  won: 4,
  won_median: 20,
  won_p75: 30,
  won_p90: 40,
  lost: 4,
  lost_median: 50,
  open_qualified: 10,
  unqualified_lost: 3,
  average_won: 1000,
});
const DURATIONS = [
  ALL,
  // Reps by name; a rep without a name in reps reads as its id, no owner as "(no owner)".
  row("rep", "z", "Zoe", { won: 1, won_median: 10 }),
  row("rep", null, null, { lost: 1, lost_median: 5 }),
  row("rep", "b", null, { won: 3, won_median: 25, lost: 3, lost_median: 50 }),
  // 6 won and 6 lost, every lost one slower (ranks 7..12: sum 57, no ties): held longer.
  row("source", "website", "website", {
    won: 6,
    won_median: 10,
    lost: 6,
    lost_median: 40,
    lost_rank_sum: 57,
    tie_sum: 0,
  }),
  row("source", null, null, { won: 1 }),
  // Ranges by index into DAY_RANGES; the ones without a row are zeros.
  row("days", "0", null, { won: 1 }),
  row("days", "3", null, { won: 3, lost: 1 }),
  row("days", "7", null, { lost: 3 }),
];
const STAGE_DAYS = [
  {
    pipeline_id: "p1",
    pipeline_name: "Sales",
    stage_id: "new",
    stage_name: "New",
    position: 1,
    leads: 4,
    median_days: 3.5,
  },
];

describe("sales velocity's shape", () => {
  test("overall, per rep, per source and per range of days, and the velocity figure", () => {
    const r = shape({ durations: DURATIONS, daysInStage: STAGE_DAYS }, plain);
    expect(r.won).toEqual({ leads: 4, median: 20, p75: 30, p90: 40, low: null, high: null });
    expect(r.lost.median).toBe(50);
    expect(r.loseToWinRatio).toBe(2.5);
    // Fewer than 6 on either side: too few to tell.
    expect([r.heldLonger, r.heldLongerTest]).toEqual([null, null]);
    expect(r.unqualifiedLost).toBe(3);
    expect(r.velocity).toEqual({
      openQualifiedLeads: 10,
      winRate: 0.5,
      averageWonValue: 1000,
      medianDaysToWin: 20,
      perDay: 250,
    });
    expect(r.byRep.map((g) => [g.repId, g.repName, g.won.leads, g.lost.leads])).toEqual([
      [null, "(no owner)", 0, 1],
      ["b", "b", 3, 3],
      ["z", "Zoe", 1, 0],
    ]);
    expect(r.bySource.map((g) => [g.source, g.heldLonger])).toEqual([
      ["unknown", null],
      ["website", true],
    ]);
    expect(r.bySource[1]?.heldLongerTest).toEqual(rankSumTest(57, 6, 6, 0));
    expect(r.distribution).toHaveLength(DAY_RANGES.length);
    expect(r.distribution.map((d) => [d.range, d.won, d.lost])).toEqual([
      ["0-6", 1, 0],
      ["7-13", 0, 0],
      ["14-29", 0, 0],
      ["30-59", 3, 1],
      ["60-89", 0, 0],
      ["90-179", 0, 0],
      ["180-364", 0, 0],
      ["365+", 0, 3],
    ]);
    expect(r.daysInStage).toEqual([
      {
        pipelineId: "p1",
        pipelineName: "Sales",
        stageId: "new",
        stageName: "New",
        position: 1,
        leads: 4,
        medianDays: 3.5,
      },
    ]);
    expect(r).toMatchObject({ from: "qualification", everyLeadCounts: false, unsupported: [] });
  });

  test("without qualification marks: the figures that need them are null and say so, with both fixes", () => {
    const r = shape({ durations: DURATIONS, daysInStage: STAGE_DAYS }, noQualification);
    expect(r.velocity).toMatchObject({ openQualifiedLeads: null, winRate: null, perDay: null, averageWonValue: 1000 });
    expect(r.unsupportedFigures.qualification?.fix).toBe(
      `${UNSUPPORTED.qualification?.fix}; or count every closed lead from its creation: --from creation`,
    );
    expect(r.unsupported.map((u) => u.capability)).toEqual(["qualification"]);
    // Counted from creation, every closed lead counts: nothing is left unsupported.
    const created = shape({ durations: DURATIONS, daysInStage: STAGE_DAYS }, fromCreation);
    expect(created).toMatchObject({ from: "creation", everyLeadCounts: true, unsupported: [] });
    expect(created.velocity.perDay).toBe(250);
  });

  test("without stage history there are no days in stage, and the report says why", () => {
    const r = shape({ durations: DURATIONS }, noStageHistory);
    expect(r.daysInStage).toBeNull();
    expect(r.unsupported.map((u) => u.capability)).toEqual(["stage_history"]);
  });

  test("no rows: no leads, no medians and no velocity, not zeros", () => {
    const r = shape(null, plain);
    expect(r.won).toEqual({ leads: 0, median: null, p75: null, p90: null, low: null, high: null });
    expect(r.loseToWinRatio).toBeNull();
    expect(r.velocity).toEqual({
      openQualifiedLeads: 0,
      winRate: null,
      averageWonValue: null,
      medianDaysToWin: null,
      perDay: null,
    });
    expect(r.distribution.every((d) => d.won === 0 && d.lost === 0)).toBe(true);
    expect([r.byRep, r.bySource, r.daysInStage]).toEqual([[], [], []]);
  });
});
