/**
 * The funnel's shape (METRICS.md 2) from rows written by hand: no database. The statements'
 * SQL is pinned in src/metrics/sql/funnel.*.sql; funnel.test.ts runs both on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../../test/support/pure-metric-inputs.js";
import { NO_LOSSES } from "../figure-support.js";
import type { MetricDefinition, Statements } from "../metric.js";
import { wilsonInterval } from "../statistics.js";
import { funnel } from "./funnel.js";

function split<R, S extends Statements>(definition: MetricDefinition<R, S>): MetricDefinition<R, S> {
  return definition;
}
const { shape } = split(funnel);

const plain = fixtureInput("duckdb");
const noLosses = { ...plain, support: { ...plain.support, losses: NO_LOSSES } } as typeof plain;

// Pipeline p1 "Sales": new (1), demo (2); pipeline p2 "Upsell": x1 (1), with no counts at all.
const STAGES = [
  { pipeline_id: "p1", pipeline_name: "Sales", stage_id: "new", stage_name: "New", position: 1 },
  { pipeline_id: "p1", pipeline_name: "Sales", stage_id: "demo", stage_name: "Demo", position: 2 },
  { pipeline_id: "p2", pipeline_name: "Upsell", stage_id: "x1", stage_name: "X1", position: 1 },
];
const counts = (owner_id: string | null, stage_id: string, c: [number, number, number, number, number]) => ({
  owner_id,
  pipeline_id: "p1",
  stage_id,
  reached: c[0],
  advanced: c[1],
  lost_at: c[2],
  open_at: c[3],
  cancelled_at: c[4],
});
// Ann (a): new 20 reached, 15 on, 5 lost; demo 15 reached, 12 won, 2 lost, 1 open.
// Bob (b, no name in reps): new 20 reached, 4 on, 16 lost; demo 4 reached, 2 won, 2 lost.
// Unowned: new 3 reached, 1 on, 1 lost, 1 open; demo 1 reached, 1 won.
const COUNTS = [
  counts("a", "new", [20, 15, 5, 0, 0]),
  counts("a", "demo", [15, 12, 2, 1, 0]),
  counts("b", "new", [20, 4, 16, 0, 0]),
  counts("b", "demo", [4, 2, 2, 0, 0]),
  counts(null, "new", [3, 1, 1, 1, 0]),
  counts(null, "demo", [1, 1, 0, 0, 0]),
];
const REPS = [
  { id: "a", name: "Ann" },
  { id: "b", name: null },
  { id: "c", name: "Cid" },
];

describe("the funnel's shape", () => {
  test("sums owners per stage, compares each rep with the other reps only, and flags credible differences", () => {
    const r = shape({ stages: STAGES, counts: COUNTS, reps: REPS }, plain);
    // Everyone, unowned leads included: new 43 reached, 20 on, 22 lost, 1 open -> 20/42;
    // demo 20 reached, 15 won, 4 lost, 1 open -> 15/19. Cohort 43, won 15, lost 5+2+16+2+1 = 26.
    const sales = r.pipelines[0];
    expect(sales?.stages.map((s) => [s.stageId, s.reached, s.advanced, s.lostAt, s.openAt, s.conversion])).toEqual([
      ["new", 43, 20, 22, 1, 20 / 42],
      ["demo", 20, 15, 4, 1, 15 / 19],
    ]);
    expect(sales?.stages[0]?.interval).toEqual(wilsonInterval(20, 42));
    expect(sales).toMatchObject({ cohort: 43, won: 15, lost: 26, open: 2, cancelled: 0, winRate: 15 / 41 });
    // A pipeline without counts keeps its stage, with zeros and no rate.
    expect(r.pipelines[1]).toMatchObject({ pipelineId: "p2", cohort: 0, winRate: null });
    expect(r.pipelines[1]?.stages[0]).toMatchObject({ stageId: "x1", reached: 0, conversion: null, interval: null });
    expect(r).toMatchObject({ cohort: 43, won: 15, lost: 26, open: 2, winRate: 15 / 41, winRateUnsupported: null });
    expect(r.conversionIncludingOpen).toBe(15 / 43);

    // Reps by name, a missing name read as the id: Ann, then b. Cid owns nothing: not listed.
    expect(r.reps.map((rep) => [rep.repId, rep.repName, rep.cohort, rep.won, rep.lost, rep.winRate])).toEqual([
      ["a", "Ann", 20, 12, 7, 12 / 19],
      ["b", "b", 20, 2, 18, 2 / 20],
    ]);
    // Ann's team at "new" is Bob alone (4 on, 16 lost): the unowned leads are in no team.
    const annNew = r.reps[0]?.stages[0];
    expect(annNew?.team).toEqual({ advanced: 4, lostAt: 16, conversion: 0.2, interval: wilsonInterval(4, 20) });
    // 15/20 against 4/20, 20 decided each: apart. At "demo" Bob's 4 decided are too few to flag.
    expect(r.flags.map((f) => [f.repId, f.stageId, f.flag, f.decided, f.teamDecided])).toEqual([
      ["a", "new", "above", 20, 20],
      ["b", "new", "below", 20, 20],
    ]);
    expect(r.reps[0]?.stages[1]?.flag).toBeNull();
  });

  test("without recorded losses every win rate is null, and won of all leads stands beside it", () => {
    const r = shape({ stages: STAGES, counts: COUNTS, reps: REPS }, noLosses);
    expect(r.winRateUnsupported).toEqual(NO_LOSSES);
    expect([r.winRate, ...r.pipelines.map((p) => p.winRate), ...r.reps.map((rep) => rep.winRate)]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(r.conversionIncludingOpen).toBe(15 / 43);
  });

  test("no rows: no pipelines and no rates, not zeros", () => {
    const r = shape(null, plain);
    expect(r).toEqual({
      cohort: 0,
      won: 0,
      lost: 0,
      open: 0,
      cancelled: 0,
      winRate: null,
      conversionIncludingOpen: null,
      winRateUnsupported: null,
      pipelines: [],
      reps: [],
      flags: [],
    });
  });
});
