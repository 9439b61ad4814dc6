/**
 * Qualified leads (METRICS.md 6) on a hand-made company, on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import { BASE, type LoadedFixture, lead, loadFixture, report } from "../../../test/support/metric-fixtures.js";
import { wilsonInterval } from "../statistics.js";
import { qualifiedLeads } from "./qualified-leads.js";

// Period 2025-Q3 (July..September). Leads:
// q1  created 07-02, qualified_at 07-10                     -> new, qualified (by qualified_at)
// q2  created 07-05, no qualified_at, event new->demo 07-20 -> new, qualified 07-20 (skipped "qual": passed)
// q3  created 07-06, only in "new"                          -> new, not qualified
// q4  created 06-20 (Q2), qualified_at 07-03                -> qualified in Q3, not new in Q3
// q5  created 08-01, won 08-30, no history                  -> new, qualified at its close (won passes every stage)
// q6  created 09-29, lost 09-30 in "new"                    -> new, not qualified
// q7  created 10-01 (Q4), qualified 10-02                    -> outside
// Sources: q1,q2 website; q3 paid; q4 website; q5, q6 no source (unknown).
// New: q1,q2,q3,q5,q6 = 5. Qualified in Q3: q1,q2,q4,q5 = 4. New and qualified: q1,q2,q5 = 3 -> rate 3/5 = 0.6.
// website: new 2 (q1,q2), qualified 3 (q1,q2,q4), new qualified 2 -> 1.0; paid: 1, 0, 0 -> 0;
// unknown: new 2 (q5,q6), qualified 1 (q5), new qualified 1 -> 0.5.
// Monthly trend: July new 3 (q1,q2,q3), qualified 3 (q1 07-10, q2 07-20, q4 07-03);
// August new 1 (q5), qualified 1 (q5 08-30); September new 1 (q6), qualified 0.
const FIXTURE = {
  ...BASE,
  leads: [
    lead({
      id: "q1",
      created_at: "2025-07-02",
      qualified_at: "2025-07-10",
      stage_id: "qual",
      source_channel: "website",
    }),
    lead({ id: "q2", created_at: "2025-07-05", stage_id: "demo", source_channel: "website" }),
    lead({ id: "q3", created_at: "2025-07-06", stage_id: "new", source_channel: "paid" }),
    lead({
      id: "q4",
      created_at: "2025-06-20",
      qualified_at: "2025-07-03",
      stage_id: "qual",
      source_channel: "website",
    }),
    lead({ id: "q5", created_at: "2025-08-01", status: "won", closed_at: "2025-08-30", value: 100, currency: "EUR" }),
    lead({
      id: "q6",
      created_at: "2025-09-29",
      status: "lost",
      closed_at: "2025-09-30",
      stage_id: "new",
      owner_id: "bob",
    }),
    lead({ id: "q7", created_at: "2025-10-01", qualified_at: "2025-10-02", stage_id: "qual" }),
  ],
  stage_events: [
    { lead_id: "q2", to_stage_id: "new", changed_at: "2025-07-05" },
    { lead_id: "q2", from_stage_id: "new", to_stage_id: "demo", changed_at: "2025-07-20" },
  ],
};

describe.each(engines())("qualified leads on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
  });
  afterAll(async () => f?.dispose());

  test("counts new and qualified leads, the rate and the sources", async () => {
    const r = await report(f.store, qualifiedLeads, { period: "2025-Q3", grain: "month" });
    expect(r.result).toMatchObject({ newLeads: 5, qualifiedLeads: 4, newLeadsQualified: 3, qualificationRate: 0.6 });
    expect(r.result.bySource).toEqual([
      { source: "paid", newLeads: 1, qualifiedLeads: 0, newLeadsQualified: 0, qualificationRate: 0 },
      { source: "unknown", newLeads: 2, qualifiedLeads: 1, newLeadsQualified: 1, qualificationRate: 0.5 },
      { source: "website", newLeads: 2, qualifiedLeads: 3, newLeadsQualified: 2, qualificationRate: 1 },
    ]);
    expect(r.result.trend).toEqual([
      { bucket: "2025-07-01T00:00:00.000Z", newLeads: 3, qualifiedLeads: 3 },
      { bucket: "2025-08-01T00:00:00.000Z", newLeads: 1, qualifiedLeads: 1 },
      { bucket: "2025-09-01T00:00:00.000Z", newLeads: 1, qualifiedLeads: 0 },
    ]);
    // Each headline with its evidence: a count, and 3 qualified of 5 new.
    expect(r.headlines.map((h) => [h.key, h.value, h.evidence, h.unsupported])).toEqual([
      ["qualifiedLeads", 4, { kind: "count", n: 4 }, undefined],
      ["qualificationRate", 0.6, { kind: "rate", successes: 3, trials: 5 }, undefined],
    ]);
    expect(r.result.qualificationUnsupported).toBeNull();
    // The source table: each rate beside its n (new leads) and its Wilson interval.
    const all = qualifiedLeads.views(r.result)[0]?.rows.at(-1);
    const interval = wilsonInterval(3, 5);
    expect(all).toEqual({
      source: "all",
      newLeads: 5,
      qualifiedLeads: 4,
      newLeadsQualified: 3,
      qualificationRate: 0.6,
      low: interval?.low,
      high: interval?.high,
    });
    // Vanity 5 beside it: new leads.
    expect(r.vanity).toEqual([
      {
        id: "new-leads",
        label: "New leads",
        value: 5,
        format: "count",
        evidence: { kind: "count", n: 5 },
        previous: null,
        previousEvidence: null,
        change: null,
      },
    ]);
  });

  test("filters by rep and by source, and compares with the previous quarter", async () => {
    const bob = await report(f.store, qualifiedLeads, { period: "2025-Q3", rep: "Bob" });
    expect(bob.result).toMatchObject({ newLeads: 1, qualifiedLeads: 0, qualificationRate: 0 });
    const web = await report(f.store, qualifiedLeads, { period: "2025-Q3", source: "website", compare: "previous" });
    expect(web.result).toMatchObject({ newLeads: 2, qualifiedLeads: 3 });
    // Q2: q4 was created (website) and not qualified in Q2.
    expect(web.previous).toMatchObject({ newLeads: 1, qualifiedLeads: 0, qualificationRate: 1 });
    expect(web.headlines[0]).toMatchObject({ key: "qualifiedLeads", value: 3, previous: 0, change: null });
    expect(web.vanity[0]).toMatchObject({ value: 2, previous: 1, change: 1 });
  });

  test("an empty period has zeros and no rate", async () => {
    const r = await report(f.store, qualifiedLeads, { period: "2024-01" });
    expect(r.result).toMatchObject({ newLeads: 0, qualifiedLeads: 0, qualificationRate: null, bySource: [] });
    expect(r.result.trend).toHaveLength(31);
  });
});

// Nothing marks qualification: no stage is the qualifying one and no lead carries a
// qualified_at. The only "qualified" leads would be the won ones (n1): unsupported instead.
const UNMARKED = {
  ...BASE,
  stages: (BASE.stages ?? []).map((stage) => ({ ...stage, is_qualifying: false })),
  leads: [
    lead({ id: "n1", created_at: "2025-07-01", status: "won", closed_at: "2025-08-01", stage_id: "prop" }),
    lead({ id: "n2", created_at: "2025-07-02", status: "lost", closed_at: "2025-08-02", stage_id: "demo" }),
    lead({ id: "n3", created_at: "2025-07-03", stage_id: "prop" }),
  ],
};

describe.each(engines())("qualified leads without qualification marks on %s", (engine) => {
  let f: LoadedFixture;
  beforeAll(async () => {
    f = await loadFixture(engine, UNMARKED);
  });
  afterAll(async () => f?.dispose());

  test("the figures are unsupported, with the stages and the import option that fixes it", async () => {
    const r = await report(f.store, qualifiedLeads, { period: "2025-Q3" });
    const cannot = r.result.qualificationUnsupported;
    expect(cannot?.fix).toBe(
      'import again naming the stage that qualifies a lead: verity import --qualifying-stage "<name>" (stages of Sales: New, Qualified, Demo, Proposal)',
    );
    expect(r.headlines.map((h) => [h.key, h.value, h.evidence, h.unsupported])).toEqual([
      ["qualifiedLeads", null, null, cannot],
      ["qualificationRate", null, null, cannot],
    ]);
    expect(r.unsupported.map((u) => u.capability)).toContain("qualification");
    // New leads are still counted; the qualified columns say nothing.
    const [bySource] = qualifiedLeads.views(r.result);
    expect(bySource?.title).toMatch(/^Qualified leads by source: qualified leads not available/);
    expect(bySource?.rows.at(-1)).toMatchObject({
      source: "all",
      newLeads: 3,
      qualifiedLeads: null,
      qualificationRate: null,
    });
  });
});
