/**
 * The vanity figures' build and shape from rows written by hand: no database. Their SQL is
 * pinned in src/metrics/sql/vanity-<id>.*.sql; vanity.test.ts runs them on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../test/support/pure-metric-inputs.js";
import type { DataCapability } from "../model/capabilities.js";
import { capabilityUnsupported, NO_FOLLOWER_COUNTS } from "./capability-words.js";
import type { MetricInput, VanityId } from "./metric.js";
import { NO_AMOUNTS, VANITY, type VanityRow, vanityDefinition } from "./vanity.js";

const input: MetricInput = { ...fixtureInput("duckdb"), support: null };

/** The fixture with one kind of data taken away. */
function without(capability: DataCapability): MetricInput {
  const capabilities = new Set([...input.ctx.capabilities].filter((c) => c !== capability));
  return { ...input, ctx: { ...input.ctx, capabilities } };
}

/** A figure shaped from the rows its statement returned (none, one). */
function shaped(id: VanityId, rows: VanityRow[], on: MetricInput = input) {
  const definition = vanityDefinition(id);
  expect(definition.build(on), id).not.toBeNull();
  return definition.shape({ figure: rows }, on);
}

describe("the vanity figures' shape", () => {
  test("each value with the n behind it, from its row's evidence columns", () => {
    // Column values as the engines return them: big sums of squares as exact text.
    expect(shaped("activities", [{ value: 6, clusters: "4", sum_of_squares: "10" }])).toEqual({
      id: "activities",
      label: "Activities logged",
      value: 6,
      format: "count",
      evidence: { kind: "count", n: 6, clusters: 4, sumOfSquares: 10 },
    });
    expect(shaped("activity-conversion", [{ value: 1 / 3, meetings: 1, calls: 3 }]).evidence).toEqual({
      kind: "per",
      events: 1,
      exposure: 3,
    });
    expect(shaped("total-sales", [{ value: 1334.66, amounts: 2, sum_of_squares: "1534158.4036" }]).evidence).toEqual({
      kind: "sum",
      n: 2,
      sumOfSquares: 1_534_158.4036,
    });
    expect(shaped("new-leads", [{ value: 4 }]).evidence).toEqual({ kind: "count", n: 4 });
    expect(shaped("followers", [{ value: 130, loaded: true }]).evidence).toEqual({ kind: "level", n: 130 });
    expect(shaped("subscribers", [{ value: 2 }]).evidence).toEqual({ kind: "level", n: 2 });
  });

  test("nothing to divide by, or no row: the value is null with no evidence, not 0", () => {
    const noCalls = shaped("activity-conversion", [{ value: null, meetings: 0, calls: 0 }]);
    expect([noCalls.value, noCalls.evidence, noCalls.unsupported]).toEqual([null, null, undefined]);
    const noRow = shaped("new-leads", []);
    expect([noRow.value, noRow.evidence]).toEqual([null, null]);
  });

  test("follower snapshots not loaded: followers cannot be told; loaded, a 0 before the first is the data's own", () => {
    expect(shaped("followers", [{ value: 0, loaded: false }])).toEqual({
      id: "followers",
      label: "Followers",
      value: null,
      format: "count",
      evidence: null,
      unsupported: NO_FOLLOWER_COUNTS,
    });
    expect(shaped("followers", [{ value: 0, loaded: true }]).evidence).toEqual({ kind: "level", n: 0 });
  });

  test("data that cannot support a figure: nothing to ask, and the reason instead of a number", () => {
    const noAmounts = without("amounts");
    expect(vanityDefinition("total-sales").build(noAmounts)).toBeNull();
    expect(vanityDefinition("total-sales").shape(null, noAmounts)).toEqual({
      id: "total-sales",
      label: "Total sales",
      value: null,
      format: "money",
      evidence: null,
      unsupported: NO_AMOUNTS,
    });
    // The other figures do not read amounts.
    expect(vanityDefinition("new-leads").build(noAmounts)).not.toBeNull();
    const noVisits = without("web_visits");
    expect(vanityDefinition("visits").build(noVisits)).toBeNull();
    expect(vanityDefinition("visits").shape(null, noVisits).unsupported).toEqual(capabilityUnsupported("web_visits"));
    // Daily totals alone (a Plausible export) do count visits: the figure is asked.
    const totalsOnly: MetricInput = {
      ...noVisits,
      ctx: { ...noVisits.ctx, capabilities: new Set([...noVisits.ctx.capabilities, "web_totals"]) },
    };
    expect(vanityDefinition("visits").build(totalsOnly)).not.toBeNull();
    // A workspace holding nothing: only new leads (it needs nothing beyond the leads) is asked.
    const empty: MetricInput = { ...fixtureInput("duckdb", "empty"), support: null };
    expect(VANITY.filter((v) => v.build(empty) !== null).map((v) => v.id)).toEqual(["new-leads"]);
  });
});
