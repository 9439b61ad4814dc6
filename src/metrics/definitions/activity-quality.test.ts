/**
 * Activity quality (METRICS.md 1) on a hand-made company, on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import { BASE, type LoadedFixture, lead, loadFixture, report } from "../../../test/support/metric-fixtures.js";
import { renderTable } from "../../cli/render.js";
import { NO_AMOUNTS } from "../vanity.js";
import { activityQuality, performerDifferences, performerGroups } from "./activity-quality.js";

// Period 2025-Q3. Four reps: ann, bob (north), cid, dee (south). Reporting currency EUR (4 of 5 valued leads).
// Leads (created -> closed):
//   a1 ann 07-01 -> won 07-21 (20 d) 1000 EUR, website     a2 ann 07-10 -> lost 08-10, 500 EUR
//   a3 ann 08-01 open, no activity at all (a lead without activities)
//   b1 bob 07-05 -> won 08-04 (30 d) 3000 EUR, website     b2 bob 06-11 (Q2) -> won 07-01 (20 d) 2000 EUR
//   c1 cid 07-15 -> lost 09-01                            c2 cid 08-15 open
//   d1 dee 07-20 -> won 09-20 (62 d) 100 USD (other currency: out of money figures)
// Activities (Q3 unless said):
//   ann: x1 a1 call 07-01 02:00 "Demo booked with ops, next Tue" (30, real); x2 a1 email "Sent the brochure!!" (19, not
//        real: one short); x3 a1 meeting, spaces only; x4 a2 call 07-10 06:00, no note;
//        x5 no lead, call, "  abcdefghijklmnopqrst  " (20 once trimmed: real); x7 a1 call 10-02 (Q4: outside)
//   bob: y1 b1 call 07-05 01:00 40-char note (real); y2 b1 demo "ok"; y3 b2 meeting 06-15 (Q2: outside)
//   cid: z1 c1 call 07-16 00:00; z2 c1 call; z3 c1 email; z4 no lead task; z5 c2 note 08-14 "x" (before c2 was created)
//   dee: w1 d1 call 07-20 12:00; w2 d1 call; w3 d1 other "Signed after a two week pilot" (29, real)
//   v1: no rep, no lead, email (counts for the team only)
// Per rep:
//   ann: 5 activities (call 3, email 1, meeting 1); opps a1,a2,a3 = 3 -> 5/3; won 1 -> 5; real notes x1,x5 = 2/5 = 0.4,
//        median length (20+30)/2 = 25; hours to first: a1 2, a2 6 -> 4; a3 untouched -> 1; won 1 lost 1 -> 0.5;
//        won value 1000, avg 1000, days 20.
//   bob: 2 activities (call 1, demo 1); opps b1 = 1 -> 2; won b1,b2 = 2 -> 1; real 1/2, median 40; hours 1;
//        won 2 lost 0 -> 1; value 5000, avg 2500, days (30+20)/2 = 25.
//   cid: 5 (call 2, email 1, note 1, task 1); opps c1,c2 = 2 -> 2.5; no won leads -> per won null; real 0 -> 0, no
//        median; hours: c1 24, c2 0 (activity before creation counts as 0) -> 12; won 0 lost 1 -> 0; value 0.
//   dee: 3 (call 2, other 1); opps 1 -> 3; won 1 -> 3; real 1/3, median 29; hours 12; won 1 -> rate 1; value 0
//        (USD left out), avg null, days 62.
// Team: 16 activities (ann 5 + bob 2 + cid 5 + dee 3 + v1); call 8, email 3, meeting 1, demo 1, note 1, task 1,
//   other 1; opps 7 -> 16/7; won 4 (a1,b1,b2,d1) -> 4; lost 2 -> rate 4/6; value 6000, avg 6000/3 = 2000;
//   days 20,20,30,62 -> 25; real notes 4/16 = 0.25, lengths 20,29,30,40 -> 29.5; hours 0,1,2,6,12,24 -> 4; untouched 1.
// Ranking by won value: bob 5000, ann 1000, cid 0, dee 0 (tie: by id) -> share 0.25: top [bob], bottom [dee].
// Activities by lead (how the count clusters): a1 3, a2 1, b1 2, c1 3, c2 1, d1 3, and x5, z4, v1 without a
//   lead, each its own: 9 clusters, squares 9 + 1 + 4 + 9 + 1 + 9 + 1 + 1 + 1 = 36.
const ACTIVITY = (
  id: string,
  rep_id: string | null,
  lead_id: string | null,
  type: string,
  occurred_at: string,
  note: string | null = null,
) => ({ id, rep_id, lead_id, type, occurred_at, note });

const FIXTURE = {
  ...BASE,
  reps: [...(BASE.reps ?? []), { id: "dee", name: "Dee", team: "south" }],
  leads: [
    lead({
      id: "a1",
      created_at: "2025-07-01",
      status: "won",
      closed_at: "2025-07-21",
      value: 1000,
      currency: "EUR",
      source_channel: "website",
    }),
    lead({ id: "a2", created_at: "2025-07-10", status: "lost", closed_at: "2025-08-10", value: 500, currency: "EUR" }),
    lead({ id: "a3", created_at: "2025-08-01" }),
    lead({
      id: "b1",
      owner_id: "bob",
      created_at: "2025-07-05",
      status: "won",
      closed_at: "2025-08-04",
      value: 3000,
      currency: "EUR",
      source_channel: "website",
    }),
    lead({
      id: "b2",
      owner_id: "bob",
      created_at: "2025-06-11",
      status: "won",
      closed_at: "2025-07-01",
      value: 2000,
      currency: "EUR",
    }),
    lead({ id: "c1", owner_id: "cid", created_at: "2025-07-15", status: "lost", closed_at: "2025-09-01" }),
    lead({ id: "c2", owner_id: "cid", created_at: "2025-08-15" }),
    lead({
      id: "d1",
      owner_id: "dee",
      created_at: "2025-07-20",
      status: "won",
      closed_at: "2025-09-20",
      value: 100,
      currency: "USD",
    }),
  ],
  activities: [
    ACTIVITY("x1", "ann", "a1", "call", "2025-07-01 02:00:00", "Demo booked with ops, next Tue"),
    ACTIVITY("x2", "ann", "a1", "email", "2025-07-02 09:00:00", "Sent the brochure!!"),
    ACTIVITY("x3", "ann", "a1", "meeting", "2025-07-05 09:00:00", "   "),
    ACTIVITY("x4", "ann", "a2", "call", "2025-07-10 06:00:00"),
    ACTIVITY("x5", "ann", null, "call", "2025-07-12 09:00:00", "  abcdefghijklmnopqrst  "),
    ACTIVITY("x7", "ann", "a1", "call", "2025-10-02 09:00:00", "Wrap-up call, all signed and delivered"),
    ACTIVITY("y1", "bob", "b1", "call", "2025-07-05 01:00:00", "Customer wants SSO, pilot of ten in May."),
    ACTIVITY("y2", "bob", "b1", "demo", "2025-07-20 09:00:00", "ok"),
    ACTIVITY("y3", "bob", "b2", "meeting", "2025-06-15 09:00:00"),
    ACTIVITY("z1", "cid", "c1", "call", "2025-07-16 00:00:00"),
    ACTIVITY("z2", "cid", "c1", "call", "2025-07-17 09:00:00"),
    ACTIVITY("z3", "cid", "c1", "email", "2025-07-18 09:00:00"),
    ACTIVITY("z4", "cid", null, "task", "2025-08-01 09:00:00"),
    ACTIVITY("z5", "cid", "c2", "note", "2025-08-14 09:00:00", "x"),
    ACTIVITY("w1", "dee", "d1", "call", "2025-07-20 12:00:00"),
    ACTIVITY("w2", "dee", "d1", "call", "2025-08-01 09:00:00"),
    ACTIVITY("w3", "dee", "d1", "other", "2025-09-01 09:00:00", "Signed after a two week pilot"),
    ACTIVITY("v1", null, null, "email", "2025-07-03 09:00:00"),
  ],
};

const types = (counts: Partial<Record<string, number>>) => ({
  call: 0,
  email: 0,
  meeting: 0,
  demo: 0,
  note: 0,
  task: 0,
  other: 0,
  ...counts,
});

describe.each(engines())("activity quality on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
  });
  afterAll(async () => f?.dispose());

  test("per rep: activities, ratios, notes, first touch and the sales leaderboard", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3" });
    expect(r.result.reps).toEqual([
      {
        repId: "bob",
        repName: "Bob",
        group: "top",
        activities: 2,
        activitiesByType: types({ call: 1, demo: 1 }),
        opportunitiesCreated: 1,
        activitiesPerOpportunity: 2,
        activitiesPerWonLead: 1,
        realNotes: 1,
        realNoteShare: 0.5,
        medianNoteLength: 40,
        medianHoursToFirstActivity: 1,
        leadsWithoutActivity: 0,
        wonValue: 5000,
        wonLeads: 2,
        lostLeads: 0,
        winRate: 1,
        averageWonValue: 2500,
        medianDaysToWin: 25,
      },
      {
        repId: "ann",
        repName: "Ann",
        group: null,
        activities: 5,
        activitiesByType: types({ call: 3, email: 1, meeting: 1 }),
        opportunitiesCreated: 3,
        activitiesPerOpportunity: 1.666667,
        activitiesPerWonLead: 5,
        realNotes: 2,
        realNoteShare: 0.4,
        medianNoteLength: 25,
        medianHoursToFirstActivity: 4,
        leadsWithoutActivity: 1,
        wonValue: 1000,
        wonLeads: 1,
        lostLeads: 1,
        winRate: 0.5,
        averageWonValue: 1000,
        medianDaysToWin: 20,
      },
      {
        repId: "cid",
        repName: "Cid",
        group: null,
        activities: 5,
        activitiesByType: types({ call: 2, email: 1, note: 1, task: 1 }),
        opportunitiesCreated: 2,
        activitiesPerOpportunity: 2.5,
        activitiesPerWonLead: null,
        realNotes: 0,
        realNoteShare: 0,
        medianNoteLength: null,
        medianHoursToFirstActivity: 12,
        leadsWithoutActivity: 0,
        wonValue: 0,
        wonLeads: 0,
        lostLeads: 1,
        winRate: 0,
        averageWonValue: null,
        medianDaysToWin: null,
      },
      {
        repId: "dee",
        repName: "Dee",
        group: "bottom",
        activities: 3,
        activitiesByType: types({ call: 2, other: 1 }),
        opportunitiesCreated: 1,
        activitiesPerOpportunity: 3,
        activitiesPerWonLead: 3,
        realNotes: 1,
        realNoteShare: 0.333333,
        medianNoteLength: 29,
        medianHoursToFirstActivity: 12,
        leadsWithoutActivity: 0,
        wonValue: 0,
        wonLeads: 1,
        lostLeads: 0,
        winRate: 1,
        averageWonValue: null,
        medianDaysToWin: 62,
      },
    ]);
    expect(r.result.team).toEqual({
      activities: 16,
      activitiesByType: types({ call: 8, email: 3, meeting: 1, demo: 1, note: 1, task: 1, other: 1 }),
      opportunitiesCreated: 7,
      activitiesPerOpportunity: 2.285714,
      activitiesPerWonLead: 4,
      realNotes: 4,
      realNoteShare: 0.25,
      medianNoteLength: 29.5,
      medianHoursToFirstActivity: 4,
      leadsWithoutActivity: 1,
      wonValue: 6000,
      wonLeads: 4,
      lostLeads: 2,
      winRate: 0.666667,
      averageWonValue: 2000,
      medianDaysToWin: 25,
    });
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["activities", 16],
      ["activitiesPerWonLead", 4],
      ["wonLeads", 4],
      ["wonValue", 6000],
    ]);
    // The vanity count beside it is the same 16 activities, in the same clusters.
    expect(r.vanity).toEqual([
      {
        id: "activities",
        label: "Activities logged",
        value: 16,
        format: "count",
        evidence: { kind: "count", n: 16, clusters: 9, sumOfSquares: 36 },
        previous: null,
        previousEvidence: null,
        change: null,
      },
    ]);
    expect(r.unsupported).toEqual([]);
  });

  test("every headline carries its evidence", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3" });
    // 16 activities by 9 leads (or lead-less) over 4 won leads; won value 1000 + 3000 + 2000 EUR
    // (d1's USD left out): 3 amounts, squares 1,000,000 + 9,000,000 + 4,000,000.
    expect(r.result.activityClusters).toEqual({ clusters: 9, sumOfSquares: 36 });
    expect(r.headlines.map((h) => [h.key, h.evidence])).toEqual([
      ["activities", { kind: "count", n: 16, clusters: 9, sumOfSquares: 36 }],
      ["activitiesPerWonLead", { kind: "per", events: 16, exposure: 4 }],
      ["wonLeads", { kind: "count", n: 4 }],
      ["wonValue", { kind: "sum", n: 3, sumOfSquares: 14_000_000 }],
    ]);
    expect(r.headlines.every((h) => h.unsupported === undefined)).toBe(true);
    // An empty period: the counts are 0 (n 0), activities per won lead has nothing to divide by.
    const empty = await report(f.store, activityQuality, { period: "2024-01" });
    expect(empty.headlines.map((h) => [h.key, h.evidence])).toEqual([
      ["activities", { kind: "count", n: 0, clusters: 0, sumOfSquares: 0 }],
      ["activitiesPerWonLead", null],
      ["wonLeads", { kind: "count", n: 0 }],
      ["wonValue", { kind: "sum", n: 0, sumOfSquares: 0 }],
    ]);
  });

  test("top vs bottom performers: 4 reps, share 0.25 -> bob vs dee, differences ranked", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3" });
    const p = r.result.performers;
    expect(p).toMatchObject({ share: 0.25, groupSize: 1 });
    expect(p?.top).toMatchObject({ repIds: ["bob"], wonValue: 5000, activities: 2, medianHoursToFirstActivity: 1 });
    expect(p?.bottom).toMatchObject({ repIds: ["dee"], wonValue: 0, activities: 3, medianNoteLength: 29 });
    // bob vs dee: demo share 0.5 vs 0 (relative 0.5 / 1e-9), other 0 vs 1/3 (1), hours 1 vs 12 (11/12),
    // per won 1 vs 3 (2/3), real notes 0.5 vs 1/3 (0.5), note length 40 vs 29 (11/29), per opp 2 vs 3 (1/3),
    // call share 0.5 vs 2/3 (0.25); email, meeting, note and task shares are 0 for both: no difference, not listed.
    expect(p?.differences.map((d) => [d.feature, d.top, d.bottom, d.relativeDifference])).toEqual([
      ["demoShare", 0.5, 0, 500000000],
      ["otherShare", 0, 0.333333, 1],
      ["medianHoursToFirstActivity", 1, 12, 0.916667],
      ["activitiesPerWonLead", 1, 3, 0.666667],
      ["realNoteShare", 0.5, 0.333333, 0.5],
      ["medianNoteLength", 40, 29, 0.37931],
      ["activitiesPerOpportunity", 2, 3, 0.333333],
      ["callShare", 0.5, 0.666667, 0.25],
    ]);
    expect(p?.differences.map((d) => d.sentence)).toEqual([
      "Demos are 50% of top performers' activities, 0% of bottom performers'.",
      "Other activities are 0% of top performers' activities, 33% of bottom performers'.",
      "Top performers first act on a new lead after 1.0 hours (median), bottom performers after 12.0.",
      "Top performers log 1.0 activities per won lead, bottom performers 3.0.",
      "50% of top performers' activities carry a real note, 33% of bottom performers'.",
      "Top performers' real notes run to 40.0 characters (median), bottom performers' to 29.0.",
      "Top performers log 2.0 activities per opportunity created, bottom performers 3.0.",
      "Calls are 50% of top performers' activities, 67% of bottom performers'.",
    ]);
    // Share 0.5: two each; the pooled groups are bob+ann (7 activities, 4 opps) and cid+dee (8, 3 opps).
    const half = await report(f.store, activityQuality, { period: "2025-Q3", options: { performerShare: 0.5 } });
    expect(half.result.performers?.top).toMatchObject({
      repIds: ["bob", "ann"],
      activities: 7,
      opportunitiesCreated: 4,
      activitiesPerOpportunity: 1.75,
      // won 3 (a1, b1, b2): 7 / 3
      activitiesPerWonLead: 2.333333,
      // real notes x1, x5, y1: 3/7; lengths 20, 30, 40
      realNoteShare: 0.428571,
      medianNoteLength: 30,
      // hours a1 2, a2 6, b1 1 -> 2
      medianHoursToFirstActivity: 2,
      leadsWithoutActivity: 1,
    });
    expect(half.result.performers?.bottom).toMatchObject({
      repIds: ["cid", "dee"],
      activities: 8,
      activitiesPerOpportunity: 2.666667,
      activitiesPerWonLead: 8,
      realNoteShare: 0.125,
      // hours c1 24, c2 0, d1 12 -> 12
      medianHoursToFirstActivity: 12,
    });
  });

  test("activity mix on won vs lost leads", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3" });
    // Won a1 (x1, x2, x3, x7: the wrap-up in Q4 counts, the whole life of the lead), b1 (y1, y2), b2 (y3 in Q2),
    // d1 (w1, w2, w3): 10 over 4 leads; calls x1, x7, y1, w1, w2 = 5. Lost a2 (x4), c1 (z1, z2, z3): 4 over 2.
    expect(r.result.mixWonLost).toEqual({
      won: {
        leads: 4,
        perLead: 2.5,
        perLeadByType: { call: 1.25, email: 0.25, meeting: 0.5, demo: 0.25, note: 0, task: 0, other: 0.25 },
      },
      lost: {
        leads: 2,
        perLead: 2,
        perLeadByType: { call: 1.5, email: 0.5, meeting: 0, demo: 0, note: 0, task: 0, other: 0 },
      },
    });
  });

  test("a team filter: only its reps' activities and leads; ties in won value broken by rep id", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3", team: "south" });
    // cid 5 + dee 3 (v1 has no rep); won d1 only; both reps at 0 won value: cid ranks first.
    expect(r.result.team).toMatchObject({ activities: 8, wonLeads: 1, wonValue: 0, activitiesPerWonLead: 8 });
    expect(r.result.reps.map((x) => [x.repId, x.group])).toEqual([
      ["cid", "top"],
      ["dee", "bottom"],
    ]);
    expect(r.vanity[0]?.value).toBe(8);
  });

  test("a source filter: activities on leads of that source only", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3", source: "website" });
    // website leads a1 (ann) and b1 (bob): Q3 activities x1, x2, x3 and y1, y2; leadless x5 drops out.
    expect(r.result.team).toMatchObject({ activities: 5, opportunitiesCreated: 2, wonLeads: 2, wonValue: 4000 });
    expect(
      r.result.reps.map((x) => [x.repId, x.activities, x.activitiesPerOpportunity, x.activitiesPerWonLead, x.group]),
    ).toEqual([
      ["bob", 2, 2, 2, "top"],
      ["ann", 3, 3, 3, "bottom"],
    ]);
    expect(r.result.mixWonLost?.won).toMatchObject({ leads: 2, perLead: 3 });
  });

  test("an empty period: no reps, zeros and nulls", async () => {
    const r = await report(f.store, activityQuality, { period: "2024-01" });
    expect(r.result).toEqual({
      team: {
        activities: 0,
        activitiesByType: types({}),
        opportunitiesCreated: 0,
        activitiesPerOpportunity: null,
        activitiesPerWonLead: null,
        realNotes: 0,
        realNoteShare: null,
        medianNoteLength: null,
        medianHoursToFirstActivity: null,
        leadsWithoutActivity: 0,
        wonValue: 0,
        wonLeads: 0,
        lostLeads: 0,
        winRate: null,
        averageWonValue: null,
        medianDaysToWin: null,
      },
      reps: [],
      performers: null,
      wonAmounts: { n: 0, sumOfSquares: 0 },
      activityClusters: { clusters: 0, sumOfSquares: 0 },
      unsupported: [],
      mixWonLost: {
        won: {
          leads: 0,
          perLead: null,
          perLeadByType: { call: null, email: null, meeting: null, demo: null, note: null, task: null, other: null },
        },
        lost: {
          leads: 0,
          perLead: null,
          perLeadByType: { call: null, email: null, meeting: null, demo: null, note: null, task: null, other: null },
        },
      },
    });
    expect(activityQuality.views(r.result).map((v) => v.title)).toEqual([
      "Activity leaderboard",
      "Sales leaderboard",
      "Activities per lead, won (0) vs lost (0) leads",
    ]);
  });

  test("views: leaderboards, differences and the mix", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3" });
    const [activity, sales, differences, mix] = activityQuality.views(r.result);
    // Bob's real notes: 1 of 2 activities, Wilson 95% 0.094531..0.905469; hours to first over b1 alone.
    expect(activity?.rows[0]).toEqual({
      rep: "Bob",
      activities: 2,
      perOpportunity: 2,
      perWon: 1,
      noteShare: 0.5,
      noteShareN: 2,
      noteShareLow: 0.094531,
      noteShareHigh: 0.905469,
      hoursToFirst: 1,
      hoursToFirstN: 1,
      untouched: 0,
    });
    // The team: 4 real notes of 16 (0.101821..0.494983); hours over the 6 of 7 leads with an activity.
    expect(activity?.rows.at(-1)).toMatchObject({
      noteShareN: 16,
      noteShareLow: 0.101821,
      noteShareHigh: 0.494983,
      hoursToFirstN: 6,
    });
    expect(activity?.rows.at(-1)).toMatchObject({ rep: "all", activities: 16 });
    // Dee won 1 of 1 closed: Wilson 0.206549..1; days to win over that one lead.
    expect(sales?.rows[3]).toEqual({
      rep: "Dee",
      wonValue: 0,
      wonLeads: 1,
      winRate: 1,
      winRateN: 1,
      winRateLow: 0.206549,
      winRateHigh: 1,
      averageWonValue: null,
      medianDaysToWin: 62,
      medianDaysToWinN: 1,
      group: "bottom",
    });
    // The team: 4 won of 6 closed (0.299993..0.903229), days to win over the 4 won leads.
    expect(sales?.rows.at(-1)).toMatchObject({
      winRateN: 6,
      winRateLow: 0.299993,
      winRateHigh: 0.903229,
      medianDaysToWinN: 4,
    });
    // A bottom value of 0 has no meaningful relative size: shown as "–".
    expect(differences?.rows[0]).toEqual({
      sentence: "Demos are 50% of top performers' activities, 0% of bottom performers'.",
      relative: null,
    });
    expect(mix?.rows.at(-1)).toEqual({ type: "all", won: 2.5, lost: 2 });
    // With their n and intervals the tables still fit the terminal.
    for (const view of [activity, sales, differences, mix]) {
      const lines = renderTable(view ?? { title: "", columns: [], rows: [] }, r.currency).split("\n");
      for (const line of lines.slice(1)) expect(line.length, `${view?.title}: ${line}`).toBeLessThanOrEqual(100);
    }
  });
});

describe.each(engines())("activity quality without activities on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, { ...FIXTURE, activities: [] });
  });
  afterAll(async () => f?.dispose());

  test("only the sales leaderboard; activity figures are null and the gap is reported", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3" });
    expect(r.unsupported.map((u) => u.capability)).toEqual(["activities"]);
    expect(r.result.performers).toBeNull();
    expect(r.result.mixWonLost).toBeNull();
    expect(r.result.reps.find((x) => x.repId === "ann")).toEqual({
      repId: "ann",
      repName: "Ann",
      group: null,
      activities: null,
      activitiesByType: null,
      opportunitiesCreated: 3,
      activitiesPerOpportunity: null,
      activitiesPerWonLead: null,
      realNotes: null,
      realNoteShare: null,
      medianNoteLength: null,
      medianHoursToFirstActivity: null,
      leadsWithoutActivity: null,
      wonValue: 1000,
      wonLeads: 1,
      lostLeads: 1,
      winRate: 0.5,
      averageWonValue: 1000,
      medianDaysToWin: 20,
    });
    expect(r.headlines.map((h) => [h.key, h.value])).toEqual([
      ["activities", null],
      ["activitiesPerWonLead", null],
      ["wonLeads", 4],
      ["wonValue", 6000],
    ]);
  });
});

describe.each(engines())("activity quality without amounts on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    const leads = FIXTURE.leads.map((row) => ({ ...row, value: null, currency: null }));
    f = await loadFixture(engine, { ...FIXTURE, leads });
  });
  afterAll(async () => f?.dispose());

  test("won value is unsupported, never 0; no performer groups by a won value nobody has", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3" });
    expect(r.headlines.find((h) => h.key === "wonValue")).toEqual({
      key: "wonValue",
      label: "Won value",
      value: null,
      format: "money",
      evidence: null,
      unsupported: NO_AMOUNTS,
      previous: null,
      previousEvidence: null,
      change: null,
    });
    expect(r.result.team).toMatchObject({ wonValue: null, averageWonValue: null, wonLeads: 4, activities: 16 });
    expect(r.result.reps.map((x) => [x.repId, x.wonValue, x.group])).toEqual([
      ["ann", null, null],
      ["bob", null, null],
      ["cid", null, null],
      ["dee", null, null],
    ]);
    expect(r.result.performers).toBeNull();
    expect(r.result.wonAmounts).toBeNull();
    expect(r.unsupported).toEqual([
      {
        capability: "amounts",
        message:
          "Activity quality: top and bottom performers are ranked by won value, and the loaded leads carry no amounts (deal values)",
      },
    ]);
    // The counts keep their evidence.
    expect(r.headlines.find((h) => h.key === "wonLeads")?.evidence).toEqual({ kind: "count", n: 4 });
  });
});

// The engine ranks the reps in SQL; rep ids it orders differently from performerGroups (UTF-8
// bytes: U+FF5A before U+1F600; UTF-16 code units: the surrogate 0xD83D first) form the groups again.
describe.each(engines())("activity quality with rep ids the engine orders differently on %s", (engine) => {
  const EMOJI = "\u{1F600}";
  const WIDE = "\uFF5A";
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, {
      ...BASE,
      reps: [
        { id: EMOJI, name: "Emoji", team: "north" },
        { id: WIDE, name: "Wide", team: "north" },
      ],
      leads: [
        // Open leads with amounts: both reps at 0 won value, a tie (groups are formed only with amounts).
        lead({ id: "e1", owner_id: EMOJI, created_at: "2025-07-01", value: 100, currency: "EUR" }),
        lead({ id: "w1", owner_id: WIDE, created_at: "2025-07-02", value: 100, currency: "EUR" }),
      ],
      activities: [
        ACTIVITY("e-a", EMOJI, "e1", "call", "2025-07-01 01:00:00"),
        ACTIVITY("w-a", WIDE, "w1", "email", "2025-07-02 03:00:00"),
        ACTIVITY("w-b", WIDE, "w1", "email", "2025-07-03 09:00:00"),
      ],
    });
  });
  afterAll(async () => f?.dispose());

  test("ties in won value broken by rep id as performerGroups orders them", async () => {
    const r = await report(f.store, activityQuality, { period: "2025-Q3", options: { performerShare: 0.5 } });
    expect(r.result.reps.map((x) => [x.repId, x.group])).toEqual([
      [EMOJI, "top"],
      [WIDE, "bottom"],
    ]);
    expect(r.result.performers?.top).toMatchObject({ repIds: [EMOJI], activities: 1, medianHoursToFirstActivity: 1 });
    expect(r.result.performers?.bottom).toMatchObject({ repIds: [WIDE], activities: 2, medianHoursToFirstActivity: 3 });
  });
});

describe("performer groups and differences (pure)", () => {
  test("group size is ceil(n x share), at most half, none below 2 reps; ties by rep id", () => {
    const reps = (values: number[]) => values.map((wonValue, i) => ({ repId: `r${i}`, wonValue }));
    expect(performerGroups(reps([5]), 0.25)).toBeNull();
    expect(performerGroups(reps([5, 5]), 0.25)).toEqual({ size: 1, top: ["r0"], bottom: ["r1"] });
    // 5 reps at 0.5: ceil 2.5 = 3 would overlap; capped at 2.
    expect(performerGroups(reps([1, 2, 3, 4, 5]), 0.5)).toEqual({ size: 2, top: ["r4", "r3"], bottom: ["r1", "r0"] });
    // 9 reps at 0.25: ceil 2.25 = 3.
    expect(performerGroups(reps([9, 8, 7, 6, 5, 4, 3, 2, 1]), 0.25)?.size).toBe(3);
  });

  test("a feature missing on either side is left out", () => {
    const base = {
      activities: 2,
      activitiesByType: types({ call: 2 }),
      opportunitiesCreated: 1,
      activitiesPerOpportunity: 2,
      activitiesPerWonLead: null,
      realNotes: 0,
      realNoteShare: 0,
      medianNoteLength: null,
      medianHoursToFirstActivity: 3,
      leadsWithoutActivity: 0,
    };
    const d = performerDifferences(base, { ...base, activitiesPerOpportunity: 4, medianHoursToFirstActivity: null });
    expect(d.map((x) => [x.feature, x.relativeDifference])).toEqual([["activitiesPerOpportunity", 0.5]]);
  });
});
