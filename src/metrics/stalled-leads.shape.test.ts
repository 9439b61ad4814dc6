/**
 * The stalled-leads list's shape (METRICS.md 3) from rows written by hand: no database. Its
 * SQL is pinned in src/metrics/sql/stalled-leads.*.sql; stalled-leads.test.ts runs both on
 * every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureContext } from "../../test/support/pure-metric-inputs.js";
import type { MetricContext } from "./metric.js";
import { shapeStalledLeads } from "./stalled-leads.js";

// As of 2026-06-20 12:00, k = 2.
const ctx = fixtureContext("duckdb");
const noStageHistory: MetricContext = {
  ...ctx,
  capabilities: new Set([...ctx.capabilities].filter((c) => c !== "stage_history")),
};

const COUNTS = { open_leads: 12, without_benchmark: 3, stalled_leads: 2 };
const NOTHING = {
  name: null,
  account: null,
  owner_id: null,
  owner_name: null,
  stage_id: null,
  stage_name: null,
  value: null,
  last_activity_at: null,
  last_activity_type: null,
};
// In the statement's order, most days over first: 50 - 2 x 10 = 30, then 25.3333333 - 2 x 10.
const ROWS = [
  {
    ...COUNTS,
    ...NOTHING,
    id: "l1",
    name: "Big deal",
    owner_id: "r1",
    owner_name: "Ann",
    stage_id: "demo",
    stage_name: "Demo",
    value: 5000,
    days: 50,
    median_days: 10,
    days_over: 30,
    last_activity_at: "2026-05-01T09:00:00.000Z",
    last_activity_type: "call",
  },
  {
    ...COUNTS,
    ...NOTHING,
    id: "l2",
    owner_id: "r2",
    stage_id: "new",
    days: 25 + 1 / 3,
    median_days: 10,
    // The statement rounds it (it sorts by it).
    days_over: 5.333333,
    last_activity_at: "2026-04-01T00:00:00.000Z",
  },
];

describe("the stalled-leads list's shape", () => {
  test("each listed lead with its owner, stage, days over and last activity; the counts from the rows", () => {
    const r = shapeStalledLeads({ stalled: ROWS }, ctx);
    expect(r).toMatchObject({
      asOf: "2026-06-20T12:00:00.000Z",
      basis: "stage",
      basisNote: null,
      factor: 2,
      openLeads: 12,
      withoutBenchmark: 3,
      stalledLeads: 2,
    });
    expect(r.leads).toEqual([
      {
        id: "l1",
        name: "Big deal",
        account: null,
        owner: { id: "r1", name: "Ann" },
        stage: { id: "demo", name: "Demo" },
        value: 5000,
        days: 50,
        medianDays: 10,
        daysOver: 30,
        lastActivity: { date: "2026-05-01T09:00:00.000Z", type: "call" },
      },
      {
        id: "l2",
        name: null,
        account: null,
        // Without a name in reps or stages, the id stands in; a type-less activity is "other".
        owner: { id: "r2", name: "r2" },
        stage: { id: "new", name: "new" },
        value: null,
        // Rounded to six decimals, as every result is.
        days: 25.333333,
        medianDays: 10,
        daysOver: 5.333333,
        lastActivity: { date: "2026-04-01T00:00:00.000Z", type: "other" },
      },
    ]);
  });

  test("nothing stalled: the single row carries the counts and lists no lead", () => {
    const empty = { ...COUNTS, ...NOTHING, stalled_leads: 0, id: null, days: null, median_days: null, days_over: null };
    const r = shapeStalledLeads({ stalled: [empty] }, ctx);
    expect([r.openLeads, r.withoutBenchmark, r.stalledLeads, r.leads]).toEqual([12, 3, 0, []]);
  });

  test("without stage history leads are judged by age, and the list says why", () => {
    const r = shapeStalledLeads({ stalled: [] }, noStageHistory);
    expect(r.basis).toBe("age");
    expect(r.basisNote).toMatch(/no stage history/);
    expect([r.openLeads, r.withoutBenchmark, r.leads]).toEqual([0, 0, []]);
  });
});
