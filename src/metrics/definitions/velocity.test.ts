/**
 * How fast qualified leads close (METRICS.md 3) on a hand-made company, on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  BASE,
  type Fixture,
  type LoadedFixture,
  lead,
  loadFixture,
  report,
} from "../../../test/support/metric-fixtures.js";
import { velocity } from "./velocity.js";

// Stages: new(0) qual(1, qualifying) demo(2) prop(3) neg(4), and "lostst", a closing stage of
// kind lost (a CRM that models the close as a stage). Period 2025-Q3 (07-01 .. 10-01). All
// times are midnights, so days are whole.
//
// Won in Q3 (days from qualification; from creation in brackets):
// w1 ann website 1000  created 06-01, qualified_at 06-11, won 07-11: 30 (40)
//    stages new 06-01, qual 06-11, demo 06-21, prop 07-01: 10 days in each
// w2 ann paid 2000     created 07-01, no qualified_at; new 07-01, demo 07-06 (skips qual: qualified 07-06),
//    back to new 07-09, demo 07-16, prop 07-21, won 07-31: 25 (30)
//    new 5 + 7 = 12 (two visits summed), demo 3 + 5 = 8, prop 10, qual none (skipped)
// w3 bob website 3000  created 08-01, won 08-21, no qualification, no history: counts from creation: 20 (20)
// w4 ann website 4000  reopened: created 05-01, qualified_at 05-11; new 05-01, qual 05-11, lostst 05-21
//    (closed lost), reopened into qual 08-01, prop 08-11, won 08-31: 112 (122)
//    new 10, qual 10 + 10 = 20, prop 20 (the closing stage is not an open stage: not listed)
// Lost in Q3:
// l1 ann website  created 06-01, qualified_at 06-21, lost 08-20: 60 (80)
// l2 bob paid     created 07-10, lost 07-20, never qualified: not a qualified lead, counted apart
// l3 cid referral created 07-01, qualified_at 07-11, lost 09-09: 60 (70)   (cid has no won lead)
// c1 ann cancelled 08-01: neither won nor lost, left out.
// Open at the end of Q3 (10-01):
// o1 ann qualified_at 06-15, open                      -> open qualified
// o2 bob created 09-01 in new, never qualified        -> not qualified
// o3 ann qualified_at 09-05, won 10-15 (after Q3)      -> open qualified at the end of Q3
// o5 cid created 07-01; new 07-01, prop 07-05         -> qualified by reaching prop
// o6 ann created 09-01; new 09-01, neg 09-10           -> qualified by reaching neg
const STAGES = [
  ...(BASE.stages ?? []),
  { id: "neg", pipeline_id: "p", name: "Negotiation", position: 4 },
  { id: "lostst", pipeline_id: "p", name: "Closed lost", position: 9, kind: "lost" },
];

const ev = (lead_id: string, to_stage_id: string, changed_at: string) => ({
  lead_id,
  to_stage_id,
  changed_at: `2025-${changed_at}`,
});

const FIXTURE: Fixture = {
  ...BASE,
  stages: STAGES,
  leads: [
    lead({
      id: "w1",
      created_at: "2025-06-01",
      qualified_at: "2025-06-11",
      status: "won",
      closed_at: "2025-07-11",
      stage_id: "prop",
      value: 1000,
      currency: "EUR",
      source_channel: "website",
    }),
    lead({
      id: "w2",
      created_at: "2025-07-01",
      status: "won",
      closed_at: "2025-07-31",
      stage_id: "prop",
      value: 2000,
      currency: "EUR",
      source_channel: "paid",
    }),
    lead({
      id: "w3",
      owner_id: "bob",
      created_at: "2025-08-01",
      status: "won",
      closed_at: "2025-08-21",
      value: 3000,
      currency: "EUR",
      source_channel: "website",
    }),
    lead({
      id: "w4",
      created_at: "2025-05-01",
      qualified_at: "2025-05-11",
      status: "won",
      closed_at: "2025-08-31",
      stage_id: "prop",
      value: 4000,
      currency: "EUR",
      source_channel: "website",
    }),
    lead({
      id: "l1",
      created_at: "2025-06-01",
      qualified_at: "2025-06-21",
      status: "lost",
      closed_at: "2025-08-20",
      value: 700,
      currency: "EUR",
      source_channel: "website",
    }),
    lead({
      id: "l2",
      owner_id: "bob",
      created_at: "2025-07-10",
      status: "lost",
      closed_at: "2025-07-20",
      source_channel: "paid",
    }),
    lead({
      id: "l3",
      owner_id: "cid",
      created_at: "2025-07-01",
      qualified_at: "2025-07-11",
      status: "lost",
      closed_at: "2025-09-09",
      source_channel: "referral",
    }),
    lead({ id: "c1", created_at: "2025-07-01", status: "cancelled", closed_at: "2025-08-01" }),
    lead({ id: "o1", created_at: "2025-06-01", qualified_at: "2025-06-15", stage_id: "qual" }),
    lead({ id: "o2", owner_id: "bob", created_at: "2025-09-01", stage_id: "new" }),
    lead({
      id: "o3",
      created_at: "2025-09-01",
      qualified_at: "2025-09-05",
      status: "won",
      closed_at: "2025-10-15",
      value: 9000,
      currency: "EUR",
    }),
    lead({ id: "o5", owner_id: "cid", created_at: "2025-07-01", stage_id: "prop" }),
    lead({ id: "o6", created_at: "2025-09-01", stage_id: "neg" }),
  ],
  stage_events: [
    ev("w1", "new", "06-01"),
    ev("w1", "qual", "06-11"),
    ev("w1", "demo", "06-21"),
    ev("w1", "prop", "07-01"),
    ev("w2", "new", "07-01"),
    ev("w2", "demo", "07-06"),
    ev("w2", "new", "07-09"),
    ev("w2", "demo", "07-16"),
    ev("w2", "prop", "07-21"),
    ev("w4", "new", "05-01"),
    ev("w4", "qual", "05-11"),
    ev("w4", "lostst", "05-21"),
    ev("w4", "qual", "08-01"),
    ev("w4", "prop", "08-11"),
    ev("o5", "new", "07-01"),
    ev("o5", "prop", "07-05"),
    ev("o6", "new", "09-01"),
    ev("o6", "neg", "09-10"),
  ],
};

/** The same company without stage history: the import has no stage events at all. */
const WITHOUT_HISTORY: Fixture = { ...FIXTURE, stage_events: [] };

const stats = (leads: number, median: number | null, p75: number | null, p90: number | null) => ({
  leads,
  median,
  p75,
  p90,
});
const none = stats(0, null, null, null);

describe.each(engines())("velocity on %s", (engine) => {
  let f: LoadedFixture;
  let bare: LoadedFixture;
  beforeAll(async () => {
    [f, bare] = await Promise.all([loadFixture(engine, FIXTURE), loadFixture(engine, WITHOUT_HISTORY)]);
  });
  afterAll(async () => {
    await f?.dispose();
    await bare?.dispose();
  });

  test("days to win and to lose, per rep and per source", async () => {
    const r = await report(f.store, velocity, { period: "2025-Q3" });
    // Won days [20, 25, 30, 112]: median (25 + 30) / 2 = 27.5; p75 at 2.25: 30 + 0.25 x 82 = 50.5;
    // p90 at 2.7: 30 + 0.7 x 82 = 87.4. Lost [60, 60] (l2 never qualified): 60 each. Ratio 60 / 27.5.
    expect(r.result.from).toBe("qualification");
    expect(r.result.unqualifiedLost).toBe(1);
    expect(r.result.won).toEqual(stats(4, 27.5, 50.5, 87.4));
    expect(r.result.lost).toEqual(stats(2, 60, 60, 60));
    expect(r.result.loseToWinRatio).toBeCloseTo(60 / 27.5, 6);
    // ann: won [25, 30, 112] -> median 30, p75 at 1.5: 71, p90 at 1.8: 95.6; lost [60]; ratio 2.
    // bob: won [20], no qualified loss: no ratio. cid: nothing won, so no win median and no ratio.
    expect(r.result.byRep).toEqual([
      { repId: "ann", repName: "Ann", won: stats(3, 30, 71, 95.6), lost: stats(1, 60, 60, 60), loseToWinRatio: 2 },
      { repId: "bob", repName: "Bob", won: stats(1, 20, 20, 20), lost: none, loseToWinRatio: null },
      { repId: "cid", repName: "Cid", won: none, lost: stats(1, 60, 60, 60), loseToWinRatio: null },
    ]);
    // paid: w2 25 (l2 not counted); referral: l3 60; website: won [20, 30, 112], lost [60].
    expect(r.result.bySource).toEqual([
      { source: "paid", won: stats(1, 25, 25, 25), lost: none, loseToWinRatio: null },
      { source: "referral", won: none, lost: stats(1, 60, 60, 60), loseToWinRatio: null },
      { source: "website", won: stats(3, 30, 71, 95.6), lost: stats(1, 60, 60, 60), loseToWinRatio: 2 },
    ]);
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["medianDaysToWin", 27.5],
      ["medianDaysToLose", 60],
      ["loseToWinRatio", 2.181818],
      ["velocityPerDay", 242.424242],
    ]);
    // Vanity 3 beside it: total sales, won value closed in Q3 = 1000 + 2000 + 3000 + 4000.
    expect(r.vanity).toEqual([
      // Its evidence: 4 amounts, squares 1,000,000 + 4,000,000 + 9,000,000 + 16,000,000.
      {
        id: "total-sales",
        label: "Total sales",
        value: 10000,
        format: "money",
        evidence: { kind: "sum", n: 4, sumOfSquares: 30_000_000 },
        previous: null,
        previousEvidence: null,
        change: null,
      },
    ]);
    expect(r.unsupported).toEqual([]);
  });

  test("median days in each stage by won leads, visits summed, skipped stages left out", async () => {
    const r = await report(f.store, velocity, { period: "2025-Q3" });
    // new: w1 10, w2 12, w4 10 -> 10; qual: w1 10, w4 20 -> 15 (w2 skipped it);
    // demo: w1 10, w2 8 -> 9; prop: w1 10, w2 10, w4 20 -> 10; neg: no won lead.
    const row = (stageId: string, stageName: string, position: number, leads: number, medianDays: number | null) => ({
      pipelineId: "p",
      pipelineName: "Sales",
      stageId,
      stageName,
      position,
      leads,
      medianDays,
    });
    expect(r.result.daysInStage).toEqual([
      row("new", "New", 0, 3, 10),
      row("qual", "Qualified", 1, 2, 15),
      row("demo", "Demo", 2, 2, 9),
      row("prop", "Proposal", 3, 3, 10),
      row("neg", "Negotiation", 4, 0, null),
    ]);
  });

  test("the velocity figure", async () => {
    const r = await report(f.store, velocity, { period: "2025-Q3" });
    // Open qualified at 10-01: o1, o3 (closed after the end), o5, o6 = 4. Win rate 4 / (4 + 2) (l2
    // never qualified). Average won value (1000 + 2000 + 3000 + 4000) / 4 = 2500.
    // 4 x 2/3 x 2500 / 27.5 = 242.424242.
    expect(r.result.velocity).toEqual({
      openQualifiedLeads: 4,
      winRate: 0.666667,
      averageWonValue: 2500,
      medianDaysToWin: 27.5,
      perDay: 242.424242,
    });
    expect(velocity.views(r.result)[0]?.rows.at(-1)).toEqual({
      outcome: "lost, never qualified (not counted)",
      leads: 1,
      median: null,
      p75: null,
      p90: null,
    });
  });

  test("counting from creation", async () => {
    const r = await report(f.store, velocity, { period: "2025-Q3", options: { velocityFrom: "creation" } });
    // Same leads, counted from creation. Won [20, 30, 40, 122] -> median 35; lost [70, 80] -> 75; ratio 75 / 35.
    expect(r.result.from).toBe("creation");
    expect(r.result.won.median).toBe(35);
    expect(r.result.lost).toEqual(stats(2, 75, 77.5, 79));
    expect(r.result.loseToWinRatio).toBe(2.142857);
    expect(r.result.unqualifiedLost).toBe(1);
  });

  test("a rep filter, and a velocity of 0 when nothing qualified is open", async () => {
    const r = await report(f.store, velocity, { period: "2025-Q3", rep: "bob" });
    // Bob: won w3 (20 days, 3000); l2 lost unqualified (not counted); open o2 is not qualified.
    expect(r.result.won).toEqual(stats(1, 20, 20, 20));
    expect(r.result.lost).toEqual(none);
    expect(r.result.unqualifiedLost).toBe(1);
    expect(r.result.byRep.map((g) => g.repId)).toEqual(["bob"]);
    expect(r.result.velocity).toEqual({
      openQualifiedLeads: 0,
      winRate: 1,
      averageWonValue: 3000,
      medianDaysToWin: 20,
      perDay: 0,
    });
  });

  test("an empty period has no medians and no velocity", async () => {
    const r = await report(f.store, velocity, { period: "2024-01" });
    expect(r.result).toMatchObject({ won: none, lost: none, loseToWinRatio: null, byRep: [], bySource: [] });
    expect(r.result.velocity).toEqual({
      openQualifiedLeads: 0,
      winRate: null,
      averageWonValue: null,
      medianDaysToWin: null,
      perDay: null,
    });
    expect(r.result.daysInStage?.map((s) => [s.stageId, s.leads, s.medianDays])).toEqual([
      ["new", 0, null],
      ["qual", 0, null],
      ["demo", 0, null],
      ["prop", 0, null],
      ["neg", 0, null],
    ]);
    expect(r.headlines.map((h) => h.value)).toEqual([null, null, null, null]);
  });

  test("without stage history: no days in stage, said so, the rest still measured", async () => {
    const r = await report(bare.store, velocity, { period: "2025-Q3" });
    expect(r.result.daysInStage).toBeNull();
    expect(r.result.unsupported).toEqual([
      {
        capability: "stage_history",
        message:
          "How fast qualified leads close: the loaded data has no stage history (when each lead entered each stage)",
      },
    ]);
    // w2 lost its qualification (it came from the history): from creation, 30. Won [20, 30, 30, 112] -> 30.
    // Open qualified: only o1 and o3 carry qualified_at -> 2; 2 x 4/6 x 2500 / 30.
    expect(r.result.won).toEqual(stats(4, 30, 50.5, 87.4));
    expect(r.result.velocity.openQualifiedLeads).toBe(2);
    expect(r.result.velocity.perDay).toBeCloseTo((2 * (4 / 6) * 2500) / 30, 5);
    expect(velocity.views(r.result).at(-1)?.title).toBe("Days in stage by won leads: not available (no stage history)");
  });
});
