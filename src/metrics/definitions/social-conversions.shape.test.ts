/**
 * Conversions from social media's shape (METRICS.md 8) from rows written by hand: no
 * database. The statements' SQL is pinned in src/metrics/sql/social-conversions.*.sql;
 * social-conversions.test.ts runs them on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../../test/support/pure-metric-inputs.js";
import type { DataCapability } from "../../model/capabilities.js";
import type { MetricDefinition, MetricInput, Statements } from "../metric.js";
import { socialConversions } from "./social-conversions.js";

function split<R, S extends Statements>(definition: MetricDefinition<R, S>): MetricDefinition<R, S> {
  return definition;
}
const { build, shape } = split(socialConversions);
const input = fixtureInput("duckdb");

/** The fixture's input with only these kinds of data loaded. */
function holding(...capabilities: DataCapability[]): MetricInput {
  return { ...input, ctx: { ...input.ctx, capabilities: new Set(capabilities) } };
}

const lead = (network: string, campaign: string | null, c: Partial<Record<string, number | string | null>>) => ({
  network,
  campaign,
  leads: 0,
  qualified_leads: 0,
  won_leads: 0,
  won_value: null,
  won_amounts: 0,
  won_value_squares: null,
  by_source: 0,
  posts: 0,
  ...c,
});

// linkedin: campaign "spring" 3 leads (2 filed social:linkedin), 2 qualified, 1 won for 100.5;
//   no campaign: 2 leads, 1 won for 200 (squares 40,000). twitter: 1 lead, none won.
// Leads 6, by source channel 2 + 1 + 1 = 4, first touch only 2; won 2 for 300.5 over 2 amounts,
// squares 10,100.25 + 40,000 = 50,100.25.
const LEADS = [
  lead("twitter", null, { leads: 1, by_source: 1 }),
  lead("linkedin", "spring", {
    leads: 3,
    qualified_leads: 2,
    won_leads: 1,
    won_value: 100.5,
    won_amounts: 1,
    won_value_squares: "10100.25",
    by_source: 2,
    posts: 4,
  }),
  lead("linkedin", null, {
    leads: 2,
    won_leads: 1,
    won_value: 200,
    won_amounts: 1,
    won_value_squares: "40000",
    by_source: 1,
  }),
];
// Visits: linkedin 10 (2 became leads), facebook 5 (none), and 90 that are not social (dropped).
const VISITS = [
  { network: "linkedin", visits: 10, converted_visits: 2 },
  { network: null, visits: 90, converted_visits: 9 },
  { network: "facebook", visits: 5, converted_visits: 0 },
];

describe("conversions from social media's shape", () => {
  test("sums a network's campaigns, drops visits that are not social, sorts networks and campaigns", () => {
    const r = shape({ leads: LEADS, visits: VISITS }, input);
    expect([r.leads, r.qualifiedLeads, r.wonLeads, r.wonValue, r.bySourceChannel, r.byFirstTouchOnly]).toEqual([
      6, 2, 2, 300.5, 4, 2,
    ]);
    expect([r.wonValuedLeads, r.wonValueSumOfSquares]).toEqual([2, 50100.25]);
    // The 90 visits that are not social are in no figure.
    expect([r.visits, r.convertedVisits, r.visitToLeadRate]).toEqual([15, 2, 2 / 15]);
    expect(r.byNetwork.map((n) => [n.network, n.leads, n.wonValue, n.visits, n.visitToLeadRate])).toEqual([
      ["facebook", 0, 0, 5, 0],
      ["linkedin", 5, 300.5, 10, 0.2],
      ["twitter", 1, 0, 0, null],
    ]);
    expect(r.byCampaign.map((c) => [c.network, c.campaign, c.posts, c.leads])).toEqual([
      ["linkedin", null, 0, 2],
      ["linkedin", "spring", 4, 3],
      ["twitter", null, 0, 1],
    ]);
  });

  test("without amounts the won value is unknown, not 0; the counts stay", () => {
    const r = shape({ leads: LEADS, visits: VISITS }, holding("lead_sources", "web_visits"));
    expect([r.wonValue, r.wonValuedLeads, r.wonValueSumOfSquares, r.wonLeads]).toEqual([null, null, null, 2]);
    expect(r.byNetwork.find((n) => n.network === "linkedin")?.wonValue).toBeNull();
  });

  test("each statement is asked only for the data it reads; what was not asked is unknown", () => {
    const leadsOnly = holding("lead_sources", "amounts");
    expect(Object.keys(build(leadsOnly) ?? {})).toEqual(["leads"]);
    const noVisits = shape({ leads: LEADS }, leadsOnly);
    expect([noVisits.leads, noVisits.visits, noVisits.convertedVisits, noVisits.visitToLeadRate]).toEqual([
      6,
      null,
      null,
      null,
    ]);
    const visitsOnly = holding("web_visits");
    expect(Object.keys(build(visitsOnly) ?? {})).toEqual(["visits"]);
    const noLeads = shape({ visits: VISITS }, visitsOnly);
    expect([noLeads.leads, noLeads.wonValue, noLeads.bySourceChannel, noLeads.visits]).toEqual([null, null, null, 15]);
    expect(Object.keys(build(input) ?? {})).toEqual(["leads", "visits"]);
    const none = fixtureInput("duckdb", "empty");
    expect(build(none)).toBeNull();
    const r = shape(null, none);
    expect([r.leads, r.visits, r.byNetwork, r.byCampaign]).toEqual([null, null, [], []]);
  });
});
