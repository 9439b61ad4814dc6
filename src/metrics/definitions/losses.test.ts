/**
 * Results of lost leads (METRICS.md 4) on a hand-made company, on every engine.
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
import { NO_AMOUNTS } from "../vanity.js";
import { losses } from "./losses.js";

// Stages new(0) qual(1) demo(2) prop(3) in pipeline "Sales"; period 2025-Q3. Reporting
// currency EUR (most leads with a value carry it).
// x1 ann lost 07-15 price   / Acme   100 EUR  new, qual, demo, back to qual -> furthest demo
// x2 ann lost 08-10 (none)  / (none) 200 EUR  in new, no history            -> new
// x3 bob lost 08-20 price   / Acme   300 USD  in qual, no history           -> qual; USD left out of values
// x4 bob lost 09-05 timing  / Beta   400 EUR  no stage, no history          -> unknown
// x5 cid lost 09-30 price   / (none) 500 EUR  in prop                       -> prop
// x6 ann lost 06-30 (Q2), x7 ann won 08-01, x8 ann cancelled 08-02: not lost in Q3.
// Lost: 5 leads, 100 + 200 + 400 + 500 = 1200 EUR.
// Reasons: price 3 (600, 0.6), timing 1 (400, 0.2), unknown 1 (200, 0.2).
// Competitors: Acme 2 (100), none 2 (700), Beta 1 (400). Reps: Ann 2 (300), Bob 2 (400), Cid 1 (500).
// Months: July 1 (100), August 2 (200), September 2 (900).
const FIXTURE: Fixture = {
  ...BASE,
  leads: [
    lead({
      id: "x1",
      created_at: "2025-06-01",
      status: "lost",
      closed_at: "2025-07-15",
      stage_id: "qual",
      value: 100,
      currency: "EUR",
      loss_reason: "price",
      competitor: "Acme",
    }),
    lead({
      id: "x2",
      created_at: "2025-07-01",
      status: "lost",
      closed_at: "2025-08-10",
      stage_id: "new",
      value: 200,
      currency: "EUR",
    }),
    lead({
      id: "x3",
      owner_id: "bob",
      created_at: "2025-07-01",
      status: "lost",
      closed_at: "2025-08-20",
      stage_id: "qual",
      value: 300,
      currency: "USD",
      loss_reason: "price",
      competitor: "Acme",
    }),
    lead({
      id: "x4",
      owner_id: "bob",
      created_at: "2025-07-01",
      status: "lost",
      closed_at: "2025-09-05",
      value: 400,
      currency: "EUR",
      loss_reason: "timing",
      competitor: "Beta",
    }),
    lead({
      id: "x5",
      owner_id: "cid",
      created_at: "2025-07-01",
      status: "lost",
      closed_at: "2025-09-30",
      stage_id: "prop",
      value: 500,
      currency: "EUR",
      loss_reason: "price",
      competitor: "",
    }),
    lead({
      id: "x6",
      created_at: "2025-06-01",
      status: "lost",
      closed_at: "2025-06-30",
      value: 50,
      currency: "EUR",
      loss_reason: "price",
    }),
    lead({ id: "x7", created_at: "2025-07-01", status: "won", closed_at: "2025-08-01", value: 1000, currency: "EUR" }),
    lead({ id: "x8", created_at: "2025-07-01", status: "cancelled", closed_at: "2025-08-02", loss_reason: "other" }),
  ],
  stage_events: [
    { lead_id: "x1", to_stage_id: "new", changed_at: "2025-06-01" },
    { lead_id: "x1", to_stage_id: "qual", changed_at: "2025-06-10" },
    { lead_id: "x1", to_stage_id: "demo", changed_at: "2025-06-20" },
    { lead_id: "x1", to_stage_id: "qual", changed_at: "2025-07-01" },
  ],
};

/** No lead carries an amount (a CRM export without deal values): money is unknown, not 0. */
const WITHOUT_AMOUNTS: Fixture = {
  ...FIXTURE,
  leads: (FIXTURE.leads ?? []).map((row) => ({ ...row, value: null, currency: null })),
};

/** No lead carries a loss reason: the by-reason table cannot be made. */
const WITHOUT_REASONS: Fixture = {
  ...FIXTURE,
  leads: (FIXTURE.leads ?? []).map((row) => ({ ...row, loss_reason: null })),
};

const sales = (stage: string, leads: number, value: number) => ({
  pipelineId: "p",
  pipelineName: "Sales",
  stage,
  leads,
  value,
});

describe.each(engines())("losses on %s", (engine) => {
  let f: LoadedFixture;
  let bare: LoadedFixture;
  let valueless: LoadedFixture;
  beforeAll(async () => {
    [f, bare, valueless] = await Promise.all([
      loadFixture(engine, FIXTURE),
      loadFixture(engine, WITHOUT_REASONS),
      loadFixture(engine, WITHOUT_AMOUNTS),
    ]);
  });
  afterAll(async () => {
    await f?.dispose();
    await bare?.dispose();
    await valueless?.dispose();
  });

  test("lost leads and value by reason, stage, competitor, rep and month", async () => {
    const r = await report(f.store, losses, { period: "2025-Q3", grain: "month" });
    expect(r.currency).toBe("EUR");
    expect(r.result).toEqual({
      leads: 5,
      value: 1200,
      // 100, 200, 400 and 500 EUR summed (x3's USD left out): 10,000 + 40,000 + 160,000 + 250,000.
      valuedLeads: 4,
      valueSumOfSquares: 460_000,
      byReason: [
        { reason: "price", leads: 3, value: 600, share: 0.6 },
        { reason: "timing", leads: 1, value: 400, share: 0.2 },
        { reason: "unknown", leads: 1, value: 200, share: 0.2 },
      ],
      // x1 is counted at demo although it went back to qual: a backward move does not undo progress.
      byStage: [
        sales("New", 1, 200),
        sales("Qualified", 1, 0),
        sales("Demo", 1, 100),
        sales("Proposal", 1, 500),
        sales("unknown", 1, 400),
      ],
      byCompetitor: [
        { competitor: "Acme", leads: 2, value: 100 },
        { competitor: "none", leads: 2, value: 700 },
        { competitor: "Beta", leads: 1, value: 400 },
      ],
      byRep: [
        { repId: "ann", repName: "Ann", leads: 2, value: 300 },
        { repId: "bob", repName: "Bob", leads: 2, value: 400 },
        { repId: "cid", repName: "Cid", leads: 1, value: 500 },
      ],
      trend: [
        { bucket: "2025-07-01T00:00:00.000Z", leads: 1, value: 100 },
        { bucket: "2025-08-01T00:00:00.000Z", leads: 2, value: 200 },
        { bucket: "2025-09-01T00:00:00.000Z", leads: 2, value: 900 },
      ],
    });
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["lostLeads", 5],
      ["lostValue", 1200],
    ]);
    expect(r.unsupported).toEqual([]);
    // Vanity 3 beside it: total sales (x7 won 1000).
    expect(r.vanity[0]).toMatchObject({ id: "total-sales", value: 1000 });
  });

  test("headlines and the vanity total sales carry their evidence, now and in the period before", async () => {
    const r = await report(f.store, losses, { period: "2025-Q3", compare: "previous" });
    expect(r.headlines.map((h) => [h.key, h.evidence])).toEqual([
      ["lostLeads", { kind: "count", n: 5 }],
      ["lostValue", { kind: "sum", n: 4, sumOfSquares: 460_000 }],
    ]);
    // Total sales: x7 won 1000 EUR in Q3; Q2 won nothing (x6 was lost): a sum of no amounts is 0, n 0.
    expect(r.vanity).toEqual([
      {
        id: "total-sales",
        label: "Total sales",
        value: 1000,
        format: "money",
        evidence: { kind: "sum", n: 1, sumOfSquares: 1_000_000 },
        previous: 0,
        previousEvidence: { kind: "sum", n: 0, sumOfSquares: 0 },
        change: null,
        // 1,000 against nothing: one amount is within sampling noise (compound Poisson).
        judgement: expect.objectContaining({
          movement: "within",
          sampling: expect.objectContaining({ method: "compound-poisson" }),
        }),
      },
    ]);
  });

  test("without amounts: the money figures are unsupported, never 0; the counts stand", async () => {
    const r = await report(valueless.store, losses, { period: "2025-Q3", compare: "previous" });
    expect(r.currency).toBeNull();
    expect(r.headlines).toEqual([
      {
        key: "lostLeads",
        label: "Lost leads",
        value: 5,
        format: "count",
        evidence: { kind: "count", n: 5 },
        previous: 1,
        previousEvidence: { kind: "count", n: 1 },
        change: 4,
        // 5 against 1: the exact test of two counts, 5 of 6 at 1/2, p = 0.22.
        judgement: expect.objectContaining({
          movement: "within",
          sampling: expect.objectContaining({ pValue: 0.21875 }),
        }),
      },
      {
        key: "lostValue",
        label: "Value left on the table",
        value: null,
        format: "money",
        evidence: null,
        unsupported: NO_AMOUNTS,
        previous: null,
        previousEvidence: null,
        change: null,
        judgement: null,
      },
    ]);
    // "Total sales 0 <- 0: the earlier period has none" was the check's line on such an export.
    expect(r.vanity).toEqual([
      {
        id: "total-sales",
        label: "Total sales",
        value: null,
        format: "money",
        evidence: null,
        unsupported: NO_AMOUNTS,
        previous: null,
        previousEvidence: null,
        change: null,
        judgement: null,
      },
    ]);
    expect(r.result).toMatchObject({ leads: 5, value: null, valuedLeads: null, valueSumOfSquares: null });
    expect(r.result.byReason?.map((x) => [x.reason, x.leads, x.value])).toEqual([
      ["price", 3, null],
      ["timing", 1, null],
      ["unknown", 1, null],
    ]);
    expect(new Set(r.result.trend.map((t) => t.value))).toEqual(new Set([null]));
    const [reasons] = losses.views(r.result);
    expect(reasons?.rows.map((row) => row.value)).toEqual([null, null, null, null]);
  });

  test("views: reasons with their share and a total row, stages in pipeline order", async () => {
    const r = await report(f.store, losses, { period: "2025-Q3" });
    const [reasons, stages] = losses.views(r.result);
    expect(reasons?.rows.map((row) => [row.reason, row.leads, row.share])).toEqual([
      ["price", 3, 0.6],
      ["timing", 1, 0.2],
      ["unknown", 1, 0.2],
      ["all", 5, 1],
    ]);
    // Each share is of the 5 lost leads: Wilson 95% of 3/5 and 1/5; the whole has its n, no interval.
    expect(reasons?.rows.map((row) => [row.shareN, row.shareLow, row.shareHigh])).toEqual([
      [5, 0.230724, 0.882379],
      [5, 0.036224, 0.624465],
      [5, 0.036224, 0.624465],
      [5, null, null],
    ]);
    expect(stages?.rows.map((row) => row.stage)).toEqual(["New", "Qualified", "Demo", "Proposal", "unknown"]);
  });

  test("a rep filter, a weekly trend and an empty period", async () => {
    const bob = await report(f.store, losses, { period: "2025-Q3", rep: "Bob" });
    expect(bob.result).toMatchObject({
      leads: 2,
      value: 400,
      byReason: [
        { reason: "price", leads: 1, value: 0, share: 0.5 },
        { reason: "timing", leads: 1, value: 400, share: 0.5 },
      ],
    });
    const empty = await report(f.store, losses, { period: "2024-Q1", grain: "month" });
    expect(empty.result).toEqual({
      leads: 0,
      value: 0,
      valuedLeads: 0,
      valueSumOfSquares: 0,
      byReason: [],
      byStage: [],
      byCompetitor: [],
      byRep: [],
      trend: [
        { bucket: "2024-01-01T00:00:00.000Z", leads: 0, value: 0 },
        { bucket: "2024-02-01T00:00:00.000Z", leads: 0, value: 0 },
        { bucket: "2024-03-01T00:00:00.000Z", leads: 0, value: 0 },
      ],
    });
    // Weeks start on Monday: 2025-09-01 is a Monday; x4 (09-05) and x5 (09-30, week of 09-29).
    const sept = await report(f.store, losses, { period: "2025-09", grain: "week" });
    expect(sept.result.trend.filter((t) => t.leads > 0)).toEqual([
      { bucket: "2025-09-01T00:00:00.000Z", leads: 1, value: 400 },
      { bucket: "2025-09-29T00:00:00.000Z", leads: 1, value: 500 },
    ]);
    expect(sept.result.trend).toHaveLength(5);
  });

  test("without loss reasons: no by-reason table, said so, the rest still counted", async () => {
    const r = await report(bare.store, losses, { period: "2025-Q3" });
    expect(r.result.byReason).toBeNull();
    expect(r.unsupported).toEqual([
      {
        capability: "loss_reasons",
        message:
          "Results of lost leads: the loaded leads carry no loss reasons (fix: import lost deals with their loss reason " +
          "(leads.csv loss_reason; from Salesforce name the field: `verity import PATH --loss-reason-field FIELD`))",
      },
    ]);
    expect(r.result).toMatchObject({ leads: 5, value: 1200 });
    expect(r.result.byRep).toHaveLength(3);
  });
});
