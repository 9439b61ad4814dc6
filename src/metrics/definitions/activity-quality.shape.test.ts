/**
 * Activity quality's shape (METRICS.md 1) from rows written by hand, and when it asks for a
 * second round: no database. activity-quality.test.ts and test/reference/activity-quality.test.ts
 * run the statements on every engine.
 */
import { describe, expect, test } from "vitest";
import { fixtureInput } from "../../../test/support/pure-metric-inputs.js";
import type { MetricInput } from "../metric.js";
import { type ActivityQualityRows, regroupStatement, shape } from "./activity-quality.js";

type FigureRow = ActivityQualityRows["figures"][number];

// 2026-Q2, every kind of data loaded, performer share 0.25.
const plain = fixtureInput("duckdb");
const noAmounts: MetricInput = {
  ...plain,
  ctx: { ...plain.ctx, capabilities: new Set([...plain.ctx.capabilities].filter((c) => c !== "amounts")) },
};

function figureRow(jk: string, values: Partial<FigureRow>): FigureRow {
  const zero = Object.fromEntries(
    ["call", "email", "meeting", "demo", "note", "task", "other"].flatMap((t) => [
      [`n_${t}`, 0],
      [`won_n_${t}`, null],
      [`lost_n_${t}`, null],
    ]),
  );
  return {
    ...zero,
    jk,
    grp: null,
    activities: 0,
    real_notes: 0,
    median_note_length: null,
    opportunities: 0,
    untouched: 0,
    median_hours: null,
    won: 0,
    lost: 0,
    won_value: 0,
    won_amounts: 0,
    won_value_squares: null,
    average_won_value: null,
    median_days_to_win: null,
    won_activities: null,
    lost_activities: null,
    ...values,
  } as FigureRow;
}

// Everyone: 40 activities (20 calls, 20 emails), 10 with a real note; 8 new leads, 2
// untouched; 4 won (900, of 3 valued amounts) and 4 lost; the won leads had 20 activities
// (8 calls), the lost ones 12.
const TOTAL = figureRow("*", {
  activities: 40,
  n_call: 20,
  n_email: 20,
  real_notes: 10,
  opportunities: 8,
  untouched: 2,
  won: 4,
  lost: 4,
  won_value: 900,
  won_amounts: 3,
  won_value_squares: "350000",
  won_activities: 20,
  won_n_call: 8,
  lost_activities: 12,
});
// Four reps by won value a 500, b 300, c 100, d 0: groups of min(ceil(4 x 0.25), 2) = 1.
const REPS = [
  figureRow("r:c", { won_value: 100, activities: 10, won: 1 }),
  figureRow("r:a", { won_value: 500, activities: 10, won: 2, grp: "top" }),
  figureRow("r:d", { won_value: 0, activities: 15, grp: "bottom" }),
  figureRow("r:b", { won_value: 300, activities: 5, won: 1 }),
];
const GROUPS = [
  figureRow("g:top", { won_value: 500, activities: 10, opportunities: 2 }),
  figureRow("g:bottom", { won_value: 0, activities: 15, opportunities: 5 }),
];
const NAMES = [
  { id: "a", name: "Ann" },
  { id: "b", name: "Bob" },
  { id: "c", name: "Cid" },
];
const FIRST = { figures: [TOTAL, ...REPS, ...GROUPS], reps: NAMES };
const CLUSTERS = { clusters: 12, sumOfSquares: 200 };
/** The input with the vanity activity count beside the metric carrying its clusters (or none). */
const withClusters = (input: MetricInput, clusters: typeof CLUSTERS | null): MetricInput => ({
  ...input,
  vanity: clusters
    ? {
        activities: {
          id: "activities",
          label: "Activities",
          value: 40,
          format: "count",
          evidence: { kind: "count", n: 40, ...clusters },
        },
      }
    : {},
});

describe("activity quality's shape", () => {
  test("the team's ratios, the reps by won value, the groups and the won/lost mix from the rows", () => {
    const r = shape(FIRST, withClusters(plain, CLUSTERS));
    expect(r.team).toMatchObject({
      activities: 40,
      activitiesByType: { call: 20, email: 20, meeting: 0 },
      activitiesPerOpportunity: 5,
      activitiesPerWonLead: 10,
      realNoteShare: 0.25,
      leadsWithoutActivity: 2,
      wonValue: 900,
      winRate: 0.5,
    });
    expect(r.wonAmounts).toEqual({ n: 3, sumOfSquares: 350000 });
    expect(r.activityClusters).toEqual(CLUSTERS);
    // A rep missing from reps reads as its id.
    expect(r.reps.map((rep) => [rep.repId, rep.repName, rep.wonValue, rep.group])).toEqual([
      ["a", "Ann", 500, "top"],
      ["b", "Bob", 300, null],
      ["c", "Cid", 100, null],
      ["d", "d", 0, "bottom"],
    ]);
    expect(r.performers).toMatchObject({
      share: 0.25,
      groupSize: 1,
      top: { repIds: ["a"], wonValue: 500, activitiesPerOpportunity: 5 },
      bottom: { repIds: ["d"], wonValue: 0, activitiesPerOpportunity: 3 },
    });
    // Per lead: 20 / 4 won, 8 calls / 4; 12 / 4 lost, no lost calls counted (0, not null).
    expect(r.mixWonLost?.won).toMatchObject({ leads: 4, perLead: 5, perLeadByType: { call: 2, email: 0 } });
    expect(r.mixWonLost?.lost).toMatchObject({ leads: 4, perLead: 3, perLeadByType: { call: 0 } });
    expect(r.unsupported).toEqual([]);
  });

  test("a second round only when the engine ranked the reps differently, and then its groups count", () => {
    expect(regroupStatement(FIRST, plain)).toBeNull();
    // The engine put b on top (its collation ordered the ids differently): ask again with the lists.
    const swapped = FIRST.figures.map((row) =>
      row.jk === "r:a" ? { ...row, grp: null } : row.jk === "r:b" ? { ...row, grp: "top" as const } : row,
    );
    const again = regroupStatement({ ...FIRST, figures: swapped }, plain);
    expect(again?.sql.compile().values).toEqual(expect.arrayContaining(["a", "d"]));
    const regrouped = [figureRow("g:top", { won_value: 500, activities: 30, opportunities: 3 }), GROUPS[1]];
    const r = shape({ ...FIRST, figures: swapped, regrouped: regrouped as FigureRow[] }, withClusters(plain, null));
    expect(r.performers?.top).toMatchObject({ repIds: ["a"], activities: 30, activitiesPerOpportunity: 10 });
    expect(r.reps.find((rep) => rep.repId === "a")?.group).toBe("top");
  });

  test("without amounts: no won value and no performer groups, and the report says why", () => {
    const r = shape(FIRST, withClusters(noAmounts, CLUSTERS));
    expect(r.team.wonValue).toBeNull();
    expect(r.wonAmounts).toBeNull();
    expect(r.performers).toBeNull();
    expect(r.reps.every((rep) => rep.group === null)).toBe(true);
    expect(r.unsupported.map((u) => u.capability)).toEqual(["amounts"]);
    expect(regroupStatement(FIRST, noAmounts)).toBeNull();
  });

  test("no rows: counts of 0 and no ratios, no reps, no groups", () => {
    const r = shape(null, withClusters(plain, null));
    expect(r.team).toMatchObject({
      activities: 0,
      activitiesPerOpportunity: null,
      activitiesPerWonLead: null,
      realNoteShare: null,
      winRate: null,
    });
    expect([r.reps, r.performers, r.activityClusters]).toEqual([[], null, null]);
    expect(r.mixWonLost?.won).toMatchObject({ leads: 0, perLead: null });
  });
});
