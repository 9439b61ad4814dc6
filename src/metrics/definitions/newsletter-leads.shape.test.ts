/**
 * New leads per month from the newsletter's shape (METRICS.md 9) from rows written by hand:
 * no database. The statements' SQL is pinned in src/metrics/sql/newsletter-leads.*.sql;
 * newsletter-leads.test.ts runs them on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../../test/support/pure-metric-inputs.js";
import type { MetricDefinition, MetricInput, Statements } from "../metric.js";
import { newsletterLeads } from "./newsletter-leads.js";

function split<R, S extends Statements>(definition: MetricDefinition<R, S>): MetricDefinition<R, S> {
  return definition;
}
const { build, shape } = split(newsletterLeads);
// 2026-Q2 in months, everything loaded, reporting currency USD.
const input = fixtureInput("duckdb");

/** The fixture with one kind of data taken away. */
function without(capability: string): MetricInput {
  const capabilities = new Set([...input.ctx.capabilities].filter((c) => c !== capability));
  return { ...input, ctx: { ...input.ctx, capabilities } };
}

const bucket = (at: string, c: Partial<Record<string, number | string | null>>) => ({
  bucket: at,
  leads: 0,
  by_source: 0,
  by_first_touch: 0,
  by_click: 0,
  subscriber_leads: 0,
  qualified_leads: 0,
  won_leads: 0,
  won_value: null,
  won_amounts: 0,
  won_value_squares: null,
  ...c,
});

// April: 3 leads (2 by source, 1 by utm, 1 by click: one lead matches two rules), 2 from
//   subscribers, 1 qualified, 1 won for 0.1 (squares 0.01).
// June: 2 leads by click, 2 from subscribers, 2 won for 1000.25 and none (one amount: squares
//   1,000,500.0625). May: none. 40 subscribers active at the end of June.
// Leads 5, subscriber leads 4 of 40 subscribers; won 3, 1000.35 over 2 amounts, squares 1,000,500.0725.
const BUCKETS = [
  bucket("2026-06-01T00:00:00.000Z", {
    leads: 2,
    by_click: 2,
    subscriber_leads: 2,
    won_leads: 2,
    won_value: 1000.25,
    won_amounts: 1,
    won_value_squares: "1000500.0625",
  }),
  bucket("2026-04-01T00:00:00.000Z", {
    leads: 3,
    by_source: 2,
    by_first_touch: 1,
    by_click: 1,
    subscriber_leads: 2,
    qualified_leads: 1,
    won_leads: 1,
    won_value: 0.1,
    won_amounts: 1,
    won_value_squares: "0.01",
  }),
];

describe("new leads per month from the newsletter's shape", () => {
  test("sums the buckets into totals, and lists every month of the period in the trend", () => {
    const r = shape({ buckets: BUCKETS, subscribers: [{ subscribers: 40 }] }, input);
    expect([r.newsletterLeads, r.bySource, r.byFirstTouch, r.byClick]).toEqual([5, 2, 1, 3]);
    expect([r.subscriberLeads, r.subscribers, r.subscriberToLeadRate]).toEqual([4, 40, 0.1]);
    expect([r.qualifiedLeads, r.wonLeads, r.wonValuedLeads, r.wonValueSumOfSquares]).toEqual([1, 3, 2, 1000500.0725]);
    expect(r.wonValue).toBeCloseTo(1000.35, 10);
    expect(r.attributionDays).toBe(30);
    expect(r.trend).toEqual([
      { bucket: "2026-04-01T00:00:00.000Z", newsletterLeads: 3, bySource: 2, byFirstTouch: 1, byClick: 1 },
      { bucket: "2026-05-01T00:00:00.000Z", newsletterLeads: 0, bySource: 0, byFirstTouch: 0, byClick: 0 },
      { bucket: "2026-06-01T00:00:00.000Z", newsletterLeads: 2, bySource: 0, byFirstTouch: 0, byClick: 2 },
    ]);
  });

  test("without newsletter data clicks and subscribers are unknown, not 0; the source and utm rules still count", () => {
    const r = shape({ buckets: BUCKETS, subscribers: [{ subscribers: 0 }] }, without("newsletter"));
    expect([r.byClick, r.subscriberLeads, r.subscribers, r.subscriberToLeadRate]).toEqual([null, null, null, null]);
    expect([r.newsletterLeads, r.bySource, r.byFirstTouch]).toEqual([5, 2, 1]);
    expect(r.trend.map((t) => t.byClick)).toEqual([null, null, null]);
  });

  test("without amounts the won value is unknown, not 0; without subscribers there is no rate", () => {
    const r = shape({ buckets: BUCKETS, subscribers: [] }, without("amounts"));
    expect([r.wonValue, r.wonValuedLeads, r.wonValueSumOfSquares, r.wonLeads]).toEqual([null, null, null, 3]);
    expect([r.subscribers, r.subscriberToLeadRate]).toEqual([0, null]);
  });

  test("both statements are asked even without newsletter data (the source and utm rules need none)", () => {
    expect(Object.keys(build(fixtureInput("duckdb", "empty")) ?? {})).toEqual(["buckets", "subscribers"]);
  });
});
