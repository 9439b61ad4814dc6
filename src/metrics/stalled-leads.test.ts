/**
 * Stalled leads (METRICS.md 3) on a hand-made company, on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../test/support/databases.js";
import {
  BASE,
  type Fixture,
  type LoadedFixture,
  lead,
  loadFixture,
  WORKSPACE,
} from "../../test/support/metric-fixtures.js";
import { type MetricRequest, resolveRequest } from "./context.js";
import { stalledLeads, stalledLeadsPage, stalledViews } from "./stalled-leads.js";
import { stalledPage } from "./stalled-page.js";

// Stages new(0) qual(1, qualifying) demo(2) prop(3) neg(4), lostst (kind lost). Midnights only.
// Won leads (the benchmark), with their days per stage:
// w1 won 07-11: new 06-01, qual 06-11, demo 06-21, prop 07-01        -> new 10, qual 10, demo 10, prop 10
// w2 won 07-31: new 07-01, demo 07-06, new 07-09, demo 07-16, prop 07-21 (backward move, qual skipped)
//                                                                       -> new 5 + 7 = 12, demo 3 + 5 = 8, prop 10
// w3 won 08-21 (bob), no history                                        -> no stage days
// w4 won 08-31, reopened: new 05-01, qual 05-11, lostst 05-21, qual 08-01, prop 08-11
//                                                                       -> new 10, qual 10 + 10 = 20, prop 20
// Medians as of 2025-10-01 (period 2025-Q3): new 10, qual 15, demo 9, prop 10, neg none.
// Open leads at 10-01:
// o1 ann 100 EUR: new 06-01, demo 06-10, prop 07-01, back to demo 09-11 -> 20 days in demo (last entry)
//    activities email 08-01, call 09-25 -> last call 09-25
// o2 bob: created 09-01 in new, no history, no activities -> 30 days (since creation), last activity none
// o3 ann: new 09-01, qual 09-05, prop 10-10 (after 10-01), won 10-15 -> as of 10-01 in qual for 26 days
// o5 cid 500 EUR: new 07-01, prop 07-05 -> 88 days in prop; call 07-10, email 09-20, meeting 10-05
// o6 ann: new 09-01, neg 09-10 -> neg has no won benchmark
// o7 ann: created 10-05 (after 10-01), in new
// k = 2: o5 88 > 20 (over 68), o2 30 > 20 (over 10), o1 20 > 18 (over 2); o3 26 < 30.
// k = 3: o5 88 > 30 (over 58); o2 30 is not above 30; o1 20 < 27.
const FIXTURE: Fixture = {
  ...BASE,
  stages: [
    ...(BASE.stages ?? []),
    { id: "neg", pipeline_id: "p", name: "Negotiation", position: 4 },
    { id: "lostst", pipeline_id: "p", name: "Closed lost", position: 9, kind: "lost" },
  ],
  leads: [
    lead({ id: "w1", created_at: "2025-06-01", status: "won", closed_at: "2025-07-11", stage_id: "prop" }),
    lead({ id: "w2", created_at: "2025-07-01", status: "won", closed_at: "2025-07-31", stage_id: "prop" }),
    lead({ id: "w3", owner_id: "bob", created_at: "2025-08-01", status: "won", closed_at: "2025-08-21" }),
    lead({ id: "w4", created_at: "2025-05-01", status: "won", closed_at: "2025-08-31", stage_id: "prop" }),
    lead({
      id: "o1",
      name: "Big deal",
      account: "Acme",
      created_at: "2025-06-01",
      stage_id: "demo",
      value: 100,
      currency: "EUR",
    }),
    lead({ id: "o2", owner_id: "bob", created_at: "2025-09-01", stage_id: "new" }),
    lead({ id: "o3", created_at: "2025-09-01", status: "won", closed_at: "2025-10-15", stage_id: "prop" }),
    lead({
      id: "o5",
      name: "Old deal",
      owner_id: "cid",
      created_at: "2025-07-01",
      stage_id: "prop",
      value: 500,
      currency: "EUR",
    }),
    lead({ id: "o6", created_at: "2025-09-01", stage_id: "neg" }),
    lead({ id: "o7", created_at: "2025-10-05", stage_id: "new" }),
  ],
  stage_events: [
    ...[
      ["w1", "new", "06-01"],
      ["w1", "qual", "06-11"],
      ["w1", "demo", "06-21"],
      ["w1", "prop", "07-01"],
      ["w2", "new", "07-01"],
      ["w2", "demo", "07-06"],
      ["w2", "new", "07-09"],
      ["w2", "demo", "07-16"],
      ["w2", "prop", "07-21"],
      ["w4", "new", "05-01"],
      ["w4", "qual", "05-11"],
      ["w4", "lostst", "05-21"],
      ["w4", "qual", "08-01"],
      ["w4", "prop", "08-11"],
      ["o1", "new", "06-01"],
      ["o1", "demo", "06-10"],
      ["o1", "prop", "07-01"],
      ["o1", "demo", "09-11"],
      ["o3", "new", "09-01"],
      ["o3", "qual", "09-05"],
      ["o3", "prop", "10-10"],
      ["o5", "new", "07-01"],
      ["o5", "prop", "07-05"],
      ["o6", "new", "09-01"],
      ["o6", "neg", "09-10"],
    ].map(([lead_id, to_stage_id, day]) => ({ lead_id, to_stage_id, changed_at: `2025-${day}` })),
  ],
  activities: [
    { id: "a1", lead_id: "o1", rep_id: "ann", type: "email", occurred_at: "2025-08-01" },
    // At the same moment as a2 and stored before it: the first type by name (a2's call) is the
    // last activity, whatever order the engine reads them in.
    { id: "a0", lead_id: "o1", rep_id: "ann", type: "meeting", occurred_at: "2025-09-25" },
    { id: "a2", lead_id: "o1", rep_id: "ann", type: "call", occurred_at: "2025-09-25" },
    { id: "a3", lead_id: "o5", rep_id: "cid", type: "call", occurred_at: "2025-07-10" },
    { id: "a4", lead_id: "o5", rep_id: "cid", type: "email", occurred_at: "2025-09-20" },
    { id: "a5", lead_id: "o5", rep_id: "cid", type: "meeting", occurred_at: "2025-10-05" },
  ],
};

const WITHOUT_HISTORY: Fixture = { ...FIXTURE, stage_events: [] };

// More leads as o2 (created 09-01 in new, no history: 10 days over as of 10-01), whose ids sort
// differently by bytes ("Oz" < "o10" < "o2" < "o9" < "u\uFF5E" < "u\u{1F600}") than by words,
// numbers or JavaScript's UTF-16 code units (which put the emoji first); o9 with a call after
// the as-of moment, so its last activity as of then is read from the activities. q1 and q2 are
// 20 ms apart, 9.5 days over once rounded to 6 decimals: tied, by id, though q2's is larger.
const TIED_IDS = ["o9", "o10", "Oz", "u\uFF5E", "u\u{1F600}"];
const TIES: Fixture = {
  ...FIXTURE,
  leads: [
    ...(FIXTURE.leads ?? []),
    ...TIED_IDS.map((id) => lead({ id, owner_id: "bob", created_at: "2025-09-01", stage_id: "new" })),
    lead({ id: "q1", owner_id: "bob", created_at: "2025-09-01T12:00:00.020Z", stage_id: "new" }),
    lead({ id: "q2", owner_id: "bob", created_at: "2025-09-01T12:00:00.000Z", stage_id: "new" }),
  ],
  activities: [
    ...(FIXTURE.activities ?? []),
    { id: "a6", lead_id: "o9", rep_id: "bob", type: "email", occurred_at: "2025-09-15" },
    { id: "a7", lead_id: "o9", rep_id: "bob", type: "call", occurred_at: "2025-10-12" },
  ],
};

const ann = { id: "ann", name: "Ann" };
const bob = { id: "bob", name: "Bob" };
const cid = { id: "cid", name: "Cid" };

describe.each(engines())("stalled leads on %s", (engine) => {
  let f: LoadedFixture;
  let bare: LoadedFixture;
  let ties: LoadedFixture;
  // On PostgreSQL the ties again in a database whose text compares by ICU's English rules, not
  // bytes: the page's statement orders ids by bytes all the same (dialect.binaryOrder).
  let tiesEnglish: LoadedFixture | null = null;
  beforeAll(async () => {
    [f, bare, ties, tiesEnglish] = await Promise.all([
      loadFixture(engine, FIXTURE),
      loadFixture(engine, WITHOUT_HISTORY),
      loadFixture(engine, TIES),
      engine === "postgres" ? loadFixture(engine, TIES, "icu-en") : null,
    ]);
  });
  afterAll(async () => {
    await f?.dispose();
    await bare?.dispose();
    await ties?.dispose();
    await tiesEnglish?.dispose();
  });

  async function stalled(store: LoadedFixture, request: Partial<MetricRequest>) {
    const { current } = await resolveRequest(store.store, { workspace: WORKSPACE, ...request });
    return stalledLeads(current);
  }

  test("k = 2: time in the current stage against the won median of that stage", async () => {
    const r = await stalled(f, { period: "2025-Q3" });
    expect(r).toMatchObject({
      asOf: "2025-10-01T00:00:00.000Z",
      basis: "stage",
      basisNote: null,
      factor: 2,
      openLeads: 5,
      withoutBenchmark: 1,
    });
    expect(r.leads).toEqual([
      {
        id: "o5",
        name: "Old deal",
        account: null,
        owner: cid,
        stage: { id: "prop", name: "Proposal" },
        value: 500,
        days: 88,
        medianDays: 10,
        daysOver: 68,
        // The meeting on 10-05 is after the as-of moment.
        lastActivity: { date: "2025-09-20T00:00:00.000Z", type: "email" },
      },
      {
        id: "o2",
        name: null,
        account: null,
        owner: bob,
        stage: { id: "new", name: "New" },
        value: null,
        days: 30,
        medianDays: 10,
        daysOver: 10,
        lastActivity: null,
      },
      {
        id: "o1",
        name: "Big deal",
        account: "Acme",
        owner: ann,
        stage: { id: "demo", name: "Demo" },
        value: 100,
        days: 20,
        medianDays: 9,
        daysOver: 2,
        lastActivity: { date: "2025-09-25T00:00:00.000Z", type: "call" },
      },
    ]);
    const [list, summary] = stalledViews(r);
    // The id has a column of its own (shown whole); the name beside it, else the account.
    expect(list?.rows.map((row) => [row.id, row.name, row.owner, row.daysOver, row.lastActivity])).toEqual([
      ["o5", "Old deal", "Cid", 68, "2025-09-20 email"],
      ["o2", null, "Bob", 10, "none"],
      ["o1", "Big deal", "Ann", 2, "2025-09-25 call"],
    ]);
    expect(summary?.rows).toEqual([{ openLeads: 5, stalled: 3, withoutBenchmark: 1 }]);
  });

  test("k = 3 flags only what is above three times the median", async () => {
    const r = await stalled(f, { period: "2025-Q3", options: { stalledFactor: 3 } });
    expect(r.factor).toBe(3);
    expect(r.leads.map((l) => [l.id, l.days, l.medianDays, l.daysOver])).toEqual([["o5", 88, 10, 58]]);
  });

  test("as of the latest data (the default): leads open now, benchmarks including the latest wins", async () => {
    // Latest data 10-15 (o3 won). Open: o1, o2, o5, o6, o7. o3 now adds new 4, qual 35, prop 5:
    // medians new [4, 10, 10, 12] -> 10, qual [10, 20, 35] -> 20, demo 9, prop [5, 10, 10, 20] -> 10.
    // o5 102 days in prop (over 82), o2 44 in new (over 24), o1 34 in demo (over 16); o7 10 < 20.
    const r = await stalled(f, {});
    expect(r).toMatchObject({ asOf: "2025-10-15T00:00:00.000Z", openLeads: 5, withoutBenchmark: 1 });
    expect(r.leads.map((l) => [l.id, l.days, l.medianDays, l.daysOver, l.lastActivity?.type ?? null])).toEqual([
      ["o5", 102, 10, 82, "meeting"],
      ["o2", 44, 10, 24, null],
      ["o1", 34, 9, 16, "call"],
    ]);
  });

  test("benchmarks come from the filtered leads: a rep without won leads has none", async () => {
    const r = await stalled(f, { period: "2025-Q3", rep: "cid" });
    expect(r).toMatchObject({ openLeads: 1, withoutBenchmark: 1, leads: [] });
  });

  test("without stage history: total age against the median days from creation to a win", async () => {
    // Won [20, 30, 40, 122] days from creation -> median 35. As of 10-01, o1 is 122 days old
    // (over 122 - 70 = 52), o5 92 (over 22); o2, o3, o6 are 30 days old.
    const r = await stalled(bare, { period: "2025-Q3" });
    expect(r).toMatchObject({ basis: "age", openLeads: 5, withoutBenchmark: 0 });
    expect(r.basisNote).toMatch(/no stage history/);
    expect(r.leads.map((l) => [l.id, l.stage?.id, l.days, l.medianDays, l.daysOver])).toEqual([
      ["o1", "demo", 122, 35, 52],
      ["o5", "prop", 92, 35, 22],
    ]);
    const k3 = await stalled(bare, { period: "2025-Q3", options: { stalledFactor: 3 } });
    expect(k3.leads.map((l) => [l.id, l.daysOver])).toEqual([["o1", 17]]);
    expect(stalledViews(r)[0]?.columns.find((c) => c.key === "days")?.label).toBe("Age");
  });

  test("a page in the list's own order, read by its own statement, is that slice of the whole list", async () => {
    for (const [period, loaded] of [
      ["2025-Q3", ties],
      [undefined, ties],
      ...(tiesEnglish ? ([["2025-Q3", tiesEnglish]] as const) : []),
    ] as const) {
      const { current } = await resolveRequest(loaded.store, { workspace: WORKSPACE, period });
      const whole = await stalledLeads(current);
      // Ties as of 10-01, in the ids' byte order.
      if (period) {
        expect(whole.leads.map((l) => [l.id, l.daysOver])).toEqual([
          ["o5", 68],
          ["Oz", 10],
          ["o10", 10],
          ["o2", 10],
          ["o9", 10],
          ["u\uFF5E", 10],
          ["u\u{1F600}", 10],
          ["q1", 9.5],
          ["q2", 9.5],
          ["o1", 2],
        ]);
        expect(whole.leads.find((l) => l.id === "o9")?.lastActivity).toEqual({
          date: "2025-09-15T00:00:00.000Z",
          type: "email",
        });
      }
      for (const [offset, limit] of [
        [0, 100],
        [0, 2],
        [2, 2],
        [3, 1],
        [5, 1],
        [6, 3],
        [8, 1],
        [9, 10],
        [50, 10],
      ] as const) {
        // Every order read by SQL: days over (the list's own), days and value (nulls last both ways).
        for (const sort of [
          "daysOver:desc",
          "daysOver:asc",
          "days:asc",
          "days:desc",
          "value:asc",
          "value:desc",
        ] as const) {
          const page = { offset, limit, sort };
          // On the store itself, not the request's view: nothing is kept, so the page is always
          // the statement's (through the view, the whole list kept above would be sliced).
          const read = await stalledLeadsPage({ ...current, store: loaded.store }, page);
          expect(read, `${sort} ${offset} ${limit}`).toEqual(stalledPage(whole, page));
        }
      }
    }
  });

  test("a period before any lead: nothing open, nothing stalled", async () => {
    const r = await stalled(f, { period: "2024-01" });
    expect(r).toMatchObject({ openLeads: 0, withoutBenchmark: 0, leads: [] });
  });
});
