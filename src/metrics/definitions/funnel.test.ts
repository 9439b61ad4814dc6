/**
 * Conversion rate per stage (METRICS.md 2) on a hand-made company, on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  BASE,
  type FixtureRow,
  type LoadedFixture,
  lead,
  loadFixture,
  report,
  WORKSPACE,
} from "../../../test/support/metric-fixtures.js";
import { type Period, trailingPeriods } from "../../model/period.js";
import type { Sql } from "../../store/sql.js";
import { contextForPeriod, resolveRequest } from "../context.js";
import { figureSupport, NO_LOSSES } from "../figure-support.js";
import type { MetricInput } from "../metric.js";
import { computeMetric, quickHeadline } from "../run-metric.js";
import { tidy } from "../sql-parts.js";
import { wilsonInterval } from "../statistics.js";
import { funnel } from "./funnel.js";

// Pipeline p "Sales": new(0) qual(1) demo(2) prop(3), plus a won stage and a lost stage
// (kinds won/lost: not part of the funnel). Pipeline x "Upsell": x1(0) x2(1).
// Period 2025-Q3. Leads (owner ann unless said):
// f1  won, events new, qual, demo, prop                   -> progress 3, won
// f2  lost, events new -> demo (skips qual)              -> progress 2 (qual passed), lost at demo
// f3  lost, events new, qual, demo, back to qual         -> progress 2 (backward move kept), lost at demo
// f4  reopened: new, qual, lost stage 07-10, back to demo 08-01, open now -> progress 2, open at demo
// f5  cancelled in qual                                  -> progress 1, cancelled at qual
// f6  open, created 09-25, event new                     -> progress 0, open at new (young cohort)
// f7  open, created 09-28, no stage and no events        -> counts at the first stage: open at new
// f8  won, no events, current stage the won stage        -> passes every stage
// f9  lost in new, no events                             -> progress 0, lost at new
// f10 pipeline x, lost in x1                             -> x1 lost at; nobody reaches x2
// f11 created 2025-06-20, won                            -> outside the cohort
// f12 bob, lost, events new, qual, demo                  -> progress 2, lost at demo
// f13 no owner, open in qual                             -> progress 1, open at qual
//
// Sales (11 leads: f1-f9, f12, f13):
// new : reached 11; advanced 8 (f1,f8 won; f2,f3,f4,f5,f12,f13 past it); lost f9 = 1; open f6,f7 = 2 -> 8/9
// qual: reached 8; advanced 6 (f1,f8,f2,f3,f4,f12); lost 0; open f13 = 1; cancelled f5 = 1          -> 6/6
// demo: reached 6; advanced 2 (won); lost f2,f3,f12 = 3; open f4 = 1                               -> 2/5
// prop: reached 2; advanced 2 (the won leads); nothing else                                        -> 2/2
// totals: won 2, lost 4 (f2,f3,f9,f12), open 4 (f4,f6,f7,f13), cancelled 1 -> win rate 2/6
// Upsell (f10): x1 reached 1, lost 1 -> 0/1; x2 reached 0 -> no rate (zero denominator).
// All: cohort 12, won 2, lost 5, open 4, cancelled 1 -> win rate 2/7.
const Q3_LEADS: FixtureRow[] = [
  lead({ id: "f1", created_at: "2025-07-01", status: "won", closed_at: "2025-08-01", stage_id: "prop" }),
  lead({ id: "f2", created_at: "2025-07-02", status: "lost", closed_at: "2025-08-10", stage_id: "demo" }),
  lead({ id: "f3", created_at: "2025-07-03", status: "lost", closed_at: "2025-08-20", stage_id: "qual" }),
  lead({ id: "f4", created_at: "2025-07-04", stage_id: "demo" }),
  lead({ id: "f5", created_at: "2025-07-05", status: "cancelled", closed_at: "2025-07-20", stage_id: "qual" }),
  lead({ id: "f6", created_at: "2025-09-25", stage_id: "new" }),
  lead({ id: "f7", created_at: "2025-09-28" }),
  lead({ id: "f8", created_at: "2025-07-08", status: "won", closed_at: "2025-09-01", stage_id: "pwon" }),
  lead({ id: "f9", created_at: "2025-07-09", status: "lost", closed_at: "2025-07-30", stage_id: "new" }),
  lead({
    id: "f10",
    pipeline_id: "x",
    created_at: "2025-07-10",
    status: "lost",
    closed_at: "2025-07-31",
    stage_id: "x1",
  }),
  lead({ id: "f11", created_at: "2025-06-20", status: "won", closed_at: "2025-07-15", stage_id: "prop" }),
  lead({
    id: "f12",
    owner_id: "bob",
    created_at: "2025-07-12",
    status: "lost",
    closed_at: "2025-09-10",
    stage_id: "demo",
  }),
  lead({ id: "f13", owner_id: null, created_at: "2025-07-13", stage_id: "qual" }),
];

const ev = (lead_id: string, to_stage_id: string, changed_at: string) => ({ lead_id, to_stage_id, changed_at });

const Q3_EVENTS: FixtureRow[] = [
  ev("f1", "new", "2025-07-01"),
  ev("f1", "qual", "2025-07-05"),
  ev("f1", "demo", "2025-07-10"),
  ev("f1", "prop", "2025-07-20"),
  ev("f2", "new", "2025-07-02"),
  ev("f2", "demo", "2025-07-10"),
  ev("f3", "new", "2025-07-03"),
  ev("f3", "qual", "2025-07-06"),
  ev("f3", "demo", "2025-07-12"),
  ev("f3", "qual", "2025-07-20"),
  ev("f4", "new", "2025-07-04"),
  ev("f4", "qual", "2025-07-06"),
  ev("f4", "plost", "2025-07-10"),
  ev("f4", "demo", "2025-08-01"),
  ev("f5", "new", "2025-07-05"),
  ev("f5", "qual", "2025-07-07"),
  ev("f6", "new", "2025-09-25"),
  ev("f12", "new", "2025-07-12"),
  ev("f12", "qual", "2025-07-14"),
  ev("f12", "demo", "2025-07-16"),
];

// 2025-Q1, reps compared (all leads without events, progress from the current stage):
// cid 40: 4 lost in new, 18 lost in qual, 18 lost in demo  -> new 36/40, qual 18/36, demo 0/18
// ann 40: 30 lost in new, 5 lost in qual, 5 lost in demo   -> new 10/40, qual 5/10, demo 0/5
// bob 4 : 2 lost in new, 2 lost in qual                    -> new 2/4, qual 0/2
// At "new": cid 36/40 against the rest (ann + bob) 12/44; ann 10/40 against (cid + bob) 38/44;
// bob 2/4 against (ann + cid) 46/80. Only cid (above) and ann (below) have intervals apart
// from the rest's (checked below with the interval numbers); bob's 4 leads prove nothing.
// At "qual": cid 18/36 against 5/12, ann 5/10 against 18/38, bob 0/2 against 23/46: no flags.
function repLeads(owner: string, stages: [string, number][]): FixtureRow[] {
  const out: FixtureRow[] = [];
  for (const [stage, n] of stages) {
    for (let i = 0; i < n; i++) {
      out.push(
        lead({
          id: `${owner}-${stage}-${i}`,
          owner_id: owner,
          created_at: `2025-02-${String((i % 27) + 1).padStart(2, "0")}`,
          status: "lost",
          closed_at: "2025-03-28",
          stage_id: stage,
        }),
      );
    }
  }
  return out;
}

const Q1_LEADS = [
  ...repLeads("cid", [
    ["new", 4],
    ["qual", 18],
    ["demo", 18],
  ]),
  ...repLeads("ann", [
    ["new", 30],
    ["qual", 5],
    ["demo", 5],
  ]),
  ...repLeads("bob", [
    ["new", 2],
    ["qual", 2],
  ]),
];

const FIXTURE = {
  ...BASE,
  pipelines: [...(BASE.pipelines ?? []), { id: "x", name: "Upsell" }],
  stages: [
    ...(BASE.stages ?? []),
    { id: "pwon", pipeline_id: "p", name: "Won", position: 4, kind: "won" },
    { id: "plost", pipeline_id: "p", name: "Lost", position: 5, kind: "lost" },
    { id: "x1", pipeline_id: "x", name: "Identified", position: 0 },
    { id: "x2", pipeline_id: "x", name: "Proposal", position: 1 },
  ],
  leads: [...Q3_LEADS, ...Q1_LEADS],
  stage_events: Q3_EVENTS,
  activities: [
    { id: "a1", rep_id: "ann", type: "call", occurred_at: "2025-07-02" },
    { id: "a2", rep_id: "ann", type: "call", occurred_at: "2025-07-03" },
    { id: "a3", rep_id: "ann", type: "meeting", occurred_at: "2025-07-04" },
  ],
};

const rate = (advanced: number, lostAt: number) =>
  tidy({
    conversion: advanced + lostAt > 0 ? advanced / (advanced + lostAt) : null,
    interval: wilsonInterval(advanced, advanced + lostAt),
  });

describe.each(engines())("funnel on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
  });
  afterAll(async () => f?.dispose());

  test("counts each stage with skipped stages, a backward move, a reopened lead and open and cancelled leads", async () => {
    const r = await report(f.store, funnel, { period: "2025-Q3" });
    expect(r.result.pipelines).toEqual([
      {
        pipelineId: "p",
        pipelineName: "Sales",
        cohort: 11,
        won: 2,
        lost: 4,
        open: 4,
        cancelled: 1,
        winRate: tidy(2 / 6),
        stages: [
          {
            stageId: "new",
            stageName: "New",
            position: 0,
            reached: 11,
            advanced: 8,
            lostAt: 1,
            openAt: 2,
            cancelledAt: 0,
            ...rate(8, 1),
          },
          {
            stageId: "qual",
            stageName: "Qualified",
            position: 1,
            reached: 8,
            advanced: 6,
            lostAt: 0,
            openAt: 1,
            cancelledAt: 1,
            ...rate(6, 0),
          },
          {
            stageId: "demo",
            stageName: "Demo",
            position: 2,
            reached: 6,
            advanced: 2,
            lostAt: 3,
            openAt: 1,
            cancelledAt: 0,
            ...rate(2, 3),
          },
          {
            stageId: "prop",
            stageName: "Proposal",
            position: 3,
            reached: 2,
            advanced: 2,
            lostAt: 0,
            openAt: 0,
            cancelledAt: 0,
            ...rate(2, 0),
          },
        ],
      },
      {
        pipelineId: "x",
        pipelineName: "Upsell",
        cohort: 1,
        won: 0,
        lost: 1,
        open: 0,
        cancelled: 0,
        winRate: 0,
        stages: [
          {
            stageId: "x1",
            stageName: "Identified",
            position: 0,
            reached: 1,
            advanced: 0,
            lostAt: 1,
            openAt: 0,
            cancelledAt: 0,
            conversion: 0,
            interval: tidy(wilsonInterval(0, 1)),
          },
          {
            stageId: "x2",
            stageName: "Proposal",
            position: 1,
            reached: 0,
            advanced: 0,
            lostAt: 0,
            openAt: 0,
            cancelledAt: 0,
            conversion: null,
            interval: null,
          },
        ],
      },
    ]);
    expect(r.result).toMatchObject({
      cohort: 12,
      won: 2,
      lost: 5,
      open: 4,
      cancelled: 1,
      winRate: tidy(2 / 7),
      flags: [],
    });
    // Won of all 12 created, open ones included: 2 / 12.
    expect(r.result.conversionIncludingOpen).toBe(tidy(2 / 12));
    expect(r.result.winRateUnsupported).toBeNull();
    expect(r.headlines.map((h) => [h.key, h.value, h.evidence])).toEqual([
      ["winRate", tidy(2 / 7), { kind: "rate", successes: 2, trials: 7 }],
      ["cohort", 12, { kind: "count", n: 12 }],
      ["won", 2, { kind: "count", n: 2 }],
      ["conversionIncludingOpen", tidy(2 / 12), { kind: "rate", successes: 2, trials: 12 }],
    ]);
    // Vanity 2 beside it: ann's 1 meeting per 2 calls.
    expect(r.vanity).toEqual([
      {
        id: "activity-conversion",
        label: "Calls to meetings",
        value: 0.5,
        format: "percent",
        evidence: { kind: "per", events: 1, exposure: 2 },
        previous: null,
        previousEvidence: null,
        change: null,
      },
    ]);
  });

  test("lists reps with their own stages; unowned leads are in the totals only", async () => {
    const r = await report(f.store, funnel, { period: "2025-Q3" });
    expect(r.result.reps.map((rep) => [rep.repId, rep.repName, rep.cohort, rep.won, rep.lost, rep.open])).toEqual([
      ["ann", "Ann", 10, 2, 4, 3],
      ["bob", "Bob", 1, 0, 1, 0],
    ]);
    // Bob at demo: 0 of 1 against ann's 2 advanced, 2 lost there (f2, f3; f10 is another pipeline).
    const bobDemo = r.result.reps[1]?.stages.find((s) => s.stageId === "demo");
    expect(bobDemo).toEqual({
      pipelineId: "p",
      stageId: "demo",
      stageName: "Demo",
      reached: 1,
      advanced: 0,
      lostAt: 1,
      openAt: 0,
      cancelledAt: 0,
      ...rate(0, 1),
      team: { advanced: 2, lostAt: 2, ...rate(2, 2) },
      flag: null,
    });
    // Ann has leads in both pipelines: 4 Sales stages and 2 Upsell stages.
    expect(r.result.reps[0]?.stages.map((s) => s.stageId)).toEqual(["new", "qual", "demo", "prop", "x1", "x2"]);
  });

  test("flags a rep only when the intervals are apart", async () => {
    const r = await report(f.store, funnel, { period: "2025-Q1" });
    // The intervals behind the expected flags: apart for cid and ann, overlapping for bob.
    const cid = wilsonInterval(36, 40);
    const restOfCid = wilsonInterval(12, 44);
    const ann = wilsonInterval(10, 40);
    const restOfAnn = wilsonInterval(38, 44);
    const bob = wilsonInterval(2, 4);
    const restOfBob = wilsonInterval(46, 80);
    expect((restOfCid?.high ?? 1) < (cid?.low ?? 0)).toBe(true);
    expect((ann?.high ?? 1) < (restOfAnn?.low ?? 0)).toBe(true);
    expect((bob?.high ?? 0) > (restOfBob?.low ?? 1)).toBe(true);

    expect(r.result.flags).toEqual([
      {
        repId: "ann",
        repName: "Ann",
        pipelineId: "p",
        pipelineName: "Sales",
        stageId: "new",
        stageName: "New",
        advanced: 10,
        decided: 40,
        conversion: 0.25,
        interval: tidy(ann),
        teamAdvanced: 38,
        teamDecided: 44,
        teamConversion: tidy(38 / 44),
        teamInterval: tidy(restOfAnn),
        flag: "below",
      },
      {
        repId: "cid",
        repName: "Cid",
        pipelineId: "p",
        pipelineName: "Sales",
        stageId: "new",
        stageName: "New",
        advanced: 36,
        decided: 40,
        conversion: 0.9,
        interval: tidy(cid),
        teamAdvanced: 12,
        teamDecided: 44,
        teamConversion: tidy(12 / 44),
        teamInterval: tidy(restOfCid),
        flag: "above",
      },
    ]);
    const flagsOf = (repId: string) => r.result.reps.find((rep) => rep.repId === repId)?.stages.map((s) => s.flag);
    expect(flagsOf("cid")).toEqual(["above", null, null, null]);
    expect(flagsOf("ann")).toEqual(["below", null, null, null]);
    expect(flagsOf("bob")).toEqual([null, null, null, null]);
    const cidQual = r.result.reps.find((rep) => rep.repId === "cid")?.stages[1];
    expect(cidQual).toMatchObject({ advanced: 18, lostAt: 18, conversion: 0.5, team: { advanced: 5, lostAt: 7 } });

    // The flag table shows the counts each flag rests on, the rep's and the team's.
    const flagView = funnel.views(r.result).at(-1);
    expect(flagView?.rows).toEqual([
      {
        rep: "Ann",
        stage: "Sales: New",
        advanced: 10,
        decided: 40,
        conversion: 0.25,
        low: tidy(ann)?.low,
        high: tidy(ann)?.high,
        teamAdvanced: 38,
        teamDecided: 44,
        teamConversion: tidy(38 / 44),
        teamLow: tidy(restOfAnn)?.low,
        teamHigh: tidy(restOfAnn)?.high,
        flag: "below",
      },
      expect.objectContaining({ rep: "Cid", stage: "Sales: New", flag: "above" }),
    ]);
  });

  test("filters by rep and by team; a rep alone has no one to be compared with", async () => {
    const bob = await report(f.store, funnel, { period: "2025-Q3", rep: "Bob" });
    expect(bob.result).toMatchObject({ cohort: 1, won: 0, lost: 1, winRate: 0, flags: [] });
    expect(bob.result.pipelines[0]?.stages.map((s) => [s.reached, s.advanced, s.lostAt])).toEqual([
      [1, 1, 0],
      [1, 1, 0],
      [1, 0, 1],
      [0, 0, 0],
    ]);
    expect(bob.result.reps[0]?.stages[0]?.team).toEqual({ advanced: 0, lostAt: 0, conversion: null, interval: null });
    // Team south is cid alone: 40 leads in Q1, none in Q3.
    const south = await report(f.store, funnel, { period: "2025-Q1", team: "south" });
    expect(south.result).toMatchObject({ cohort: 40, won: 0, lost: 40, flags: [] });
    const upsell = await report(f.store, funnel, { period: "2025-Q3", pipeline: "Upsell" });
    expect(upsell.result.pipelines.map((p) => p.pipelineId)).toEqual(["x"]);
    expect(upsell.result).toMatchObject({ cohort: 1, lost: 1, winRate: 0 });
  });

  test("the stage table view", async () => {
    const r = await report(f.store, funnel, { period: "2025-Q3" });
    const [totals, sales] = funnel.views(r.result);
    // The cohort's outcomes: each rate with its n and its Wilson interval.
    const win = wilsonInterval(2, 7);
    const withOpen = wilsonInterval(2, 12);
    expect(totals?.rows).toEqual([
      {
        cohort: 12,
        won: 2,
        lost: 5,
        open: 4,
        winRate: tidy(2 / 7),
        winLow: win?.low,
        winHigh: win?.high,
        withOpen: tidy(2 / 12),
        withOpenLow: withOpen?.low,
        withOpenHigh: withOpen?.high,
      },
    ]);
    expect(sales?.title).toBe("Conversion per stage: Sales (11 leads, 2 won, 4 open)");
    const demo = wilsonInterval(2, 5);
    expect(sales?.rows[2]).toEqual({
      stage: "Demo",
      reached: 6,
      advanced: 2,
      lostAt: 3,
      openAt: 1,
      decided: 5,
      conversion: 0.4,
      low: tidy(demo)?.low,
      high: tidy(demo)?.high,
    });
  });

  test("an empty period lists the stages with zeros and no rates", async () => {
    const r = await report(f.store, funnel, { period: "2024-01" });
    expect(r.result).toMatchObject({ cohort: 0, won: 0, winRate: null, reps: [], flags: [] });
    expect(r.result.pipelines.map((p) => p.stages.map((s) => [s.reached, s.conversion, s.interval]))).toEqual([
      [
        [0, null, null],
        [0, null, null],
        [0, null, null],
        [0, null, null],
      ],
      [
        [0, null, null],
        [0, null, null],
      ],
    ]);
  });
});

// A handful is never a flag: ann won 30 leads (30 of 30 went past New), bob lost his one lead at
// New. Their Wilson intervals (0-79% and 89-100%) are apart, but bob's rate rests on 1 lead and
// so does the team ann is compared with.
const HANDFUL = {
  ...BASE,
  leads: [
    ...Array.from({ length: 30 }, (_, i) =>
      lead({ id: `a${i}`, created_at: "2025-07-01", status: "won", closed_at: "2025-08-01", stage_id: "prop" }),
    ),
    lead({
      id: "b1",
      owner_id: "bob",
      created_at: "2025-07-01",
      status: "lost",
      closed_at: "2025-07-10",
      stage_id: "new",
    }),
  ],
};

// Won and open only (no lost lead recorded anywhere): 3 won, 5 open created in Q3.
const WON_AND_OPEN = {
  ...BASE,
  leads: [
    ...["w1", "w2", "w3"].map((id) =>
      lead({ id, created_at: "2025-07-01", status: "won", closed_at: "2025-08-01", stage_id: "prop" }),
    ),
    ...["o1", "o2", "o3", "o4", "o5"].map((id) => lead({ id, created_at: "2025-08-01", stage_id: "demo" })),
  ],
};

describe.each(engines())("funnel's small samples and missing losses on %s", (engine) => {
  let handful: LoadedFixture;
  let wonOpen: LoadedFixture;
  beforeAll(async () => {
    [handful, wonOpen] = await Promise.all([loadFixture(engine, HANDFUL), loadFixture(engine, WON_AND_OPEN)]);
  });
  afterAll(async () => {
    await handful?.dispose();
    await wonOpen?.dispose();
  });

  test("never flags a rep on a handful of leads, even with the intervals apart", async () => {
    const r = await report(handful.store, funnel, { period: "2025-Q3" });
    const bob = r.result.reps.find((rep) => rep.repId === "bob")?.stages[0];
    expect(bob).toMatchObject({ advanced: 0, lostAt: 1, conversion: 0, team: { advanced: 30, lostAt: 0 }, flag: null });
    // The intervals are apart: only the count keeps the flag off.
    expect((bob?.interval?.high ?? 1) < (bob?.team.interval?.low ?? 0)).toBe(true);
    expect(r.result.flags).toEqual([]);
  });

  test("won and open only: the win rate is unsupported, won of all leads stands beside it", async () => {
    const r = await report(wonOpen.store, funnel, { period: "2025-Q3" });
    expect(r.result).toMatchObject({
      cohort: 8,
      won: 3,
      lost: 0,
      open: 5,
      winRate: null,
      winRateUnsupported: NO_LOSSES,
    });
    expect(r.result.pipelines[0]?.winRate).toBeNull();
    expect(r.result.reps[0]?.winRate).toBeNull();
    const h = new Map(r.headlines.map((x) => [x.key, x]));
    expect(h.get("winRate")).toMatchObject({ value: null, evidence: null, unsupported: NO_LOSSES });
    expect(NO_LOSSES.reason).toBe("no lost leads are recorded, so a win rate would read 100%");
    // 3 won of 8 created.
    expect(h.get("conversionIncludingOpen")).toMatchObject({
      value: 0.375,
      evidence: { kind: "rate", successes: 3, trials: 8 },
    });
    expect(h.get("conversionIncludingOpen")?.unsupported).toBeUndefined();
    const [totals] = funnel.views(r.result);
    expect(totals?.title).toMatch(/win rate not available \(no lost leads are recorded/);
    expect(totals?.rows[0]).toMatchObject({ winRate: null, winLow: null, winHigh: null, withOpen: 0.375 });
  });
});

// The vanity check reads the win rate by its own statement (quickHeadlines, and across periods):
// it must count as the totals do where they are unusual: two open stages at one position (a
// lead lost there counts at both), a pipeline without open stages (not counted), a lead with
// no stage and no events (at the first stage), and several periods with one left out.
describe.each(engines())("the funnel's quick win rate on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, {
      ...BASE,
      pipelines: [...(BASE.pipelines ?? []), { id: "z", name: "Closed only" }],
      stages: [
        ...(BASE.stages ?? []),
        { id: "demo2", pipeline_id: "p", name: "Demo again", position: 2 },
        { id: "zwon", pipeline_id: "z", name: "Won", position: 0, kind: "won" },
        { id: "zlost", pipeline_id: "z", name: "Lost", position: 1, kind: "lost" },
      ],
      leads: [
        lead({ id: "d1", created_at: "2025-07-01", status: "lost", closed_at: "2025-07-20", stage_id: "demo" }),
        lead({ id: "d2", created_at: "2025-07-02", status: "won", closed_at: "2025-07-21", stage_id: "prop" }),
        lead({ id: "d3", created_at: "2025-07-03", status: "lost", closed_at: "2025-07-22" }),
        lead({ id: "d4", created_at: "2025-08-03", status: "lost", closed_at: "2025-08-22", stage_id: "demo2" }),
        lead({ id: "z1", pipeline_id: "z", created_at: "2025-07-04", status: "won", closed_at: "2025-07-30" }),
        lead({ id: "z2", pipeline_id: "z", created_at: "2025-07-05", status: "lost", closed_at: "2025-07-30" }),
        lead({ id: "q1", created_at: "2025-04-02", status: "won", closed_at: "2025-05-01", stage_id: "prop" }),
        lead({ id: "q2", created_at: "2025-01-02", status: "lost", closed_at: "2025-02-01", stage_id: "qual" }),
      ],
    });
  });
  afterAll(async () => f?.dispose());

  test("equals the full funnel's, alone and across periods", async () => {
    const { current } = await resolveRequest(f.store, { workspace: WORKSPACE, period: "2025-Q3", compare: null });
    const contexts = trailingPeriods(current.period, 3).map((period) => contextForPeriod(current, period));
    const full = [];
    const quick = [];
    for (const ctx of contexts) {
      full.push(funnel.headlines(tidy(await computeMetric(funnel, ctx))).find((h) => h.key === "winRate"));
      quick.push(await quickHeadline(funnel, ctx, "winRate"));
    }
    expect(quick).toEqual(full);
    // Q3: won d2; lost d1 and d4 at position 2 (each at both stages there) and d3 at the first
    // stage; pipeline z not counted: 1 / (1 + 5).
    expect(full[2]?.value).toBeCloseTo(1 / 6, 6);
    const road = funnel.quickHeadlines as NonNullable<typeof funnel.quickHeadlines>;
    const inputs: MetricInput[] = [];
    for (const ctx of contexts) inputs.push({ ctx, support: await figureSupport(ctx) });
    for (const chosen of [
      [0, 1, 2],
      [0, 2],
    ]) {
      const rows = await f.store.query(
        (road.across as NonNullable<typeof road.across>)(
          inputs[0] as MetricInput,
          chosen.map((i) => contexts[i]?.period as Period),
        ).sql,
      );
      const own = [];
      for (const i of chosen) own.push(await f.store.query(road.build(inputs[i] as MetricInput).wins?.sql as Sql));
      expect(
        chosen.map((_, p) => rows.filter((r) => Number(r.period_index) === p).map(({ period_index: _i, ...r }) => r)),
      ).toEqual(own);
    }
  });
});
