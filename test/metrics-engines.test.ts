/**
 * Both engines, one answer: every metric, the stalled list, the plan and the vanity check on
 * a simulated company give identical results on DuckDB and PostgreSQL, for several periods
 * and filters. And the vanity check finds the stories the simulator planted
 * (src/simulate/planted-patterns.ts), on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { planLeads } from "../src/insights/lead-plan.js";
import { checkFor, HISTORY_PERIODS } from "../src/insights/vanity-check.js";
import { periodIndexOf } from "../src/metrics/across-periods.js";
import { contextForPeriod, type MetricRequest, resolveRequest } from "../src/metrics/context.js";
import { figureSupport } from "../src/metrics/figure-support.js";
import type { MetricContext, MetricInput } from "../src/metrics/metric.js";
import { periodActivitiesByLead, periodActivitiesByLeadRead } from "../src/metrics/period-activities.js";
import { METRICS } from "../src/metrics/registry.js";
import { computeMetric, quickHeadline, runMetric } from "../src/metrics/run-metric.js";
import { tidy, ts } from "../src/metrics/sql-parts.js";
import { stalledLeads } from "../src/metrics/stalled-leads.js";
import { VANITY } from "../src/metrics/vanity.js";
import { parsePeriod, trailingPeriods } from "../src/model/period.js";
import { type Sql, sql } from "../src/store/sql.js";
import type { Row, Store } from "../src/store/store.js";
import { type Engine, engines } from "./support/databases.js";
import { withEnv } from "./support/env.js";
import {
  loadSimulated,
  SIMULATED_WORKSPACE,
  type SimulatedCompany,
  simulatedCompany,
} from "./support/simulated-company.js";
import type { TestStore } from "./support/stores.js";

const REQUESTS: Omit<MetricRequest, "workspace">[] = [
  { period: "2026-Q2", compare: "previous" },
  { period: "2025-11", compare: "year", grain: "day" },
  { period: "2025", rep: "rep-003" },
  { period: "2026-H1", source: "social", team: "Nordics" },
  { period: "2024-03-01..2024-04-15", pipeline: "expansion" },
];

let company: SimulatedCompany;
const stores = new Map<Engine, TestStore>();

beforeAll(async () => {
  company = await simulatedCompany(5);
  for (const engine of engines()) stores.set(engine, await loadSimulated(engine, company));
});
afterAll(async () => {
  for (const s of stores.values()) await s.dispose();
  await company?.cleanup();
});

async function everything(store: Store, request: Omit<MetricRequest, "workspace">) {
  const resolved = await resolveRequest(store, { workspace: SIMULATED_WORKSPACE, ...request });
  const metrics: Record<string, unknown> = {};
  for (const definition of METRICS) metrics[definition.id] = await runMetric(definition, resolved);
  return {
    metrics,
    stalled: await stalledLeads(resolved.current),
    check: await checkFor(store, { workspace: SIMULATED_WORKSPACE, ...request }),
  };
}

if (engines().length === 2) {
  describe("DuckDB and PostgreSQL agree", () => {
    test.each(REQUESTS.map((r) => [JSON.stringify(r), r] as const))("on every metric for %s", async (_, request) => {
      const duck = await everything((stores.get("duckdb") as TestStore).store, request);
      const pg = await everything((stores.get("postgres") as TestStore).store, request);
      expect(pg).toEqual(duck);
      // Not vacuous: the period has data.
      expect(JSON.stringify(duck.metrics)).toMatch(/"newLeads":[1-9]/);
    });

    test("on the lead requirement plan", async () => {
      const plans = [];
      for (const engine of ["duckdb", "postgres"] as const) {
        const store = (stores.get(engine) as TestStore).store;
        const { current } = await resolveRequest(store, {
          workspace: SIMULATED_WORKSPACE,
          period: "2026-Q4",
          pipeline: "new-business",
        });
        plans.push(await planLeads(current, { revenue: 750_000 }));
      }
      expect(plans[1]).toEqual(plans[0]);
      expect(plans[0]?.stages.length).toBeGreaterThan(3);
    });
  });
}

describe.each(engines())("the vanity check finds the planted stories on %s", (engine) => {
  const check = async (period: string) => {
    const store = (stores.get(engine) as TestStore).store;
    return checkFor(store, { workspace: SIMULATED_WORKSPACE, period, compare: "previous" });
  };

  test("2026-Q2: new leads up, qualified leads down: lead quality is falling", async () => {
    const result = await check("2026-Q2");
    const finding = result.findings.find((f) => f.vanity === "new-leads");
    expect(finding?.verdict).toBe("diverging");
    expect(finding?.vanityFigure.change).toBeGreaterThan(0.2);
    expect(finding?.realFigure.change).toBeLessThan(-0.15);
    // New leads rose beyond normal variation; the sentence names what it means.
    expect(finding?.vanityMovement).toBe("up");
    expect(finding?.finding).toMatch(
      /^New leads \+\d+%, qualified leads −\d+%.*: (lead quality is falling|the extra leads are not the kind that qualify)\.$/,
    );
    // What needs attention first: this is the story of the quarter.
    expect(result.findings[0]?.verdict).toBe("diverging");
  });

  test("2025-11: visits up, returning visitors flat", async () => {
    const finding = (await check("2025-11")).findings.find((f) => f.vanity === "visits");
    expect(finding?.verdict).toBe("diverging");
    expect(finding?.vanityFigure.change).toBeGreaterThan(0.4);
    expect(Math.abs(finding?.realFigure.change ?? 1)).toBeLessThan(0.15);
    expect(finding?.finding).toContain("the extra traffic came once and left");
    expect(finding?.vanityMovement).toBe("up");
    expect(finding?.realMovement).toBe("within");
  });

  test("2026-H1: followers up, shares per post down", async () => {
    const finding = (await check("2026-H1")).findings.find((f) => f.vanity === "followers");
    expect(finding?.verdict).toBe("diverging");
    expect(finding?.vanityFigure.change).toBeGreaterThan(0.2);
    expect(finding?.realFigure.change).toBeLessThan(0);
  });
});

// The vanity check reads some headlines by a cheaper road (MetricDefinition.quickHeadlines):
// each must be the full metric's headline, value, evidence, label and format.
describe.each(engines())("quick headlines on %s", (engine) => {
  test.each(REQUESTS.map((r) => [JSON.stringify(r), r] as const))(
    "equal the metric's own for %s",
    async (_, request) => {
      const store = (stores.get(engine) as TestStore).store;
      const { current } = await resolveRequest(store, { workspace: SIMULATED_WORKSPACE, ...request, compare: null });
      const quick = METRICS.filter((definition) => definition.quickHeadlines);
      let wonSomewhere = false;
      expect(quick.length).toBeGreaterThan(0);
      for (const definition of quick) {
        const road = definition.quickHeadlines as NonNullable<typeof definition.quickHeadlines>;
        // As runMetric rounds it (the check reads runMetric's headlines).
        const full = definition.headlines(tidy(await computeMetric(definition, current)));
        for (const key of road.keys) {
          const own = full.find((h) => h.key === key);
          expect(own, `${definition.id} ${key}`).toBeDefined();
          expect(await quickHeadline(definition, current, key)).toEqual(own);
          wonSomewhere ||= Number(own?.value) > 0;
        }
      }
      // Not vacuous: some of the request's figures are not zero.
      expect(wonSomewhere).toBe(true);
    },
  );
});

// Some statements of the vanity check are read for several periods in one (a quick headline's
// or a vanity figure's `across`, src/metrics/across-periods.ts): each period's rows must be
// exactly its own statement's.
const ACROSS = [
  ...METRICS.flatMap((definition) => {
    const road = definition.quickHeadlines;
    return road?.across
      ? [{ id: definition.id, readsSupport: definition.readsSupport, ...road, across: road.across }]
      : [];
  }),
  ...VANITY.flatMap((v) =>
    v.across ? [{ id: `vanity ${v.id}`, readsSupport: false, build: v.build, across: v.across }] : [],
  ),
];

describe.each(engines())("activities per lead from lead_activity_months on %s", (engine) => {
  // Rows of a statement as sorted text, to compare sets of rows.
  const rowsOf = async (store: Store, statement: Sql) =>
    (await store.query(statement)).map((row) => JSON.stringify(Object.values(row).map(String))).sort();

  // Besides REQUESTS: a range within one month (no whole month) and one partial at both ends.
  const requests: Omit<MetricRequest, "workspace">[] = [
    ...REQUESTS,
    { period: "2025-03-05..2025-03-20" },
    { period: "2025-02-15..2025-04-10", team: "Nordics" },
  ];
  test.each(requests.map((r) => [JSON.stringify(r), r] as const))(
    "equal the activities' own count for %s, one period and six at once",
    async (_, request) => {
      const store = (stores.get(engine) as TestStore).store;
      const { current } = await resolveRequest(store, { workspace: SIMULATED_WORKSPACE, ...request, compare: null });
      const own = await rowsOf(store, periodActivitiesByLeadRead(current));
      expect(await rowsOf(store, periodActivitiesByLead(current))).toEqual(own);
      // Not vacuous: leads with several activities.
      expect(own.some((row) => Number(JSON.parse(row)[1]) > 1)).toBe(true);
      const periods = trailingPeriods(current.period, 6);
      const together = await rowsOf(store, periodActivitiesByLead(current, periods));
      expect(together).toEqual(await rowsOf(store, periodActivitiesByLeadRead(current, periods)));
    },
  );

  test("periods that are not all whole months are read from the activities", async () => {
    const store = (stores.get(engine) as TestStore).store;
    const { current } = await resolveRequest(store, { workspace: SIMULATED_WORKSPACE, period: "2025-02" });
    for (const periods of [
      [parsePeriod("2025-02"), parsePeriod("2025-03-01..2025-03-15")],
      [parsePeriod("2025-01-20..2025-02-01"), parsePeriod("2025-Q1"), parsePeriod("2025-05")],
    ]) {
      const own = await rowsOf(store, periodActivitiesByLeadRead(current, periods));
      expect(await rowsOf(store, periodActivitiesByLead(current, periods))).toEqual(own);
      expect(new Set(own.map((row) => JSON.parse(row)[0])).size).toBeGreaterThan(1);
    }
  });
});

describe.each(engines())("statements across periods on %s", (engine) => {
  test.each(REQUESTS.map((r) => [JSON.stringify(r), r] as const))(
    "give each period its own statement's rows for %s",
    async (_, request) => {
      const store = (stores.get(engine) as TestStore).store;
      const { current } = await resolveRequest(store, { workspace: SIMULATED_WORKSPACE, ...request, compare: null });
      const contexts = trailingPeriods(current.period, 6).map((period) => contextForPeriod(current, period));
      expect(ACROSS.map((road) => road.id)).toEqual(
        expect.arrayContaining(["newsletter-leads", "velocity", "vanity activities"]),
      );
      const counted = new Map<string, number>();
      for (const road of ACROSS) {
        const inputs: MetricInput[] = [];
        for (const ctx of contexts) inputs.push({ ctx, support: road.readsSupport ? await figureSupport(ctx) : null });
        // All six, and four with gaps between them (the check leaves out periods before the data).
        for (const chosen of [
          [0, 1, 2, 3, 4, 5],
          [0, 2, 3, 5],
        ]) {
          const together = road.across(
            inputs[chosen[0] as number] as MetricInput,
            chosen.map((i) => (contexts[i] as MetricContext).period),
          );
          expect(together, `${road.id} periods ${chosen}`).not.toBeNull();
          if (!together) continue;
          const own: Row[][] = [];
          for (const i of chosen) {
            const [only] = Object.values(road.build(inputs[i] as MetricInput) ?? {});
            own.push(await store.query((only as { sql: Sql }).sql));
          }
          const rows = await store.query(together.sql);
          const split = chosen.map((_, position) =>
            rows.filter((row) => Number(row.period_index) === position).map(({ period_index: _index, ...row }) => row),
          );
          expect(split, `${road.id} periods ${chosen}`).toEqual(own);
          const nonZero = own.flat().filter((row) => Object.values(row).some((v) => Number(v) > 0)).length;
          counted.set(road.id, (counted.get(road.id) ?? 0) + nonZero);
        }
      }
      // Not vacuous: some periods have figures.
      expect([...counted.values()].some((n) => n > 0)).toBe(true);
      // Without filters, every road has something to count.
      if (Object.keys(request).every((key) => key === "period" || key === "compare" || key === "grain")) {
        for (const road of ACROSS) expect(counted.get(road.id), road.id).toBeGreaterThan(0);
      }
    },
  );

  test("a moment on a boundary belongs to the period it starts, as inPeriod has it", async () => {
    const store = (stores.get(engine) as TestStore).store;
    const periods = trailingPeriods(parsePeriod("2026-Q2"), 2);
    const at = (moment: string) => sql`${periodIndexOf(periods, ts(new Date(moment)))}`;
    const [row] = await store.query(sql`
      SELECT ${at("2026-01-01T00:00:00Z")} AS first_start, ${at("2026-03-31T23:59:59.999Z")} AS first_end,
        ${at("2026-04-01T00:00:00Z")} AS second_start, ${at("2026-07-01T00:00:00Z")} AS after,
        ${at("2025-12-31T23:59:59Z")} AS before`);
    expect(row).toEqual({ first_start: 0, first_end: 0, second_start: 1, after: null, before: null });
  });

  test("a check read across periods equals one computed statement by statement, and read them together", async () => {
    const store = (stores.get(engine) as TestStore).store;
    // A store object of its own to the kept answers (they are kept per store object), so
    // nothing an earlier test kept answers for it.
    const fresh = Object.create(store) as Store;
    const sent: string[] = [];
    fresh.query = (statement) => {
      sent.push(JSON.stringify(statement.compile()));
      return store.query(statement);
    };
    const request = { workspace: SIMULATED_WORKSPACE, period: "2026-Q2" };
    const primed = await checkFor(fresh, request);
    // Every road read across periods (in two runs at most for the check's periods)...
    const together = sent.filter((text) => text.includes("across_periods"));
    expect(together.length).toBeGreaterThanOrEqual(ACROSS.length);
    expect(together.length).toBeLessThanOrEqual(2 * ACROSS.length);
    // ... and none of their statements of one period ran: each found its rows kept.
    const { current } = await resolveRequest(store, { ...request, compare: null });
    const contexts = trailingPeriods(current.period, HISTORY_PERIODS + 1).map((p) => contextForPeriod(current, p));
    for (const road of ACROSS) {
      for (const ctx of contexts) {
        const input = { ctx, support: road.readsSupport ? await figureSupport(ctx) : null };
        for (const one of Object.values(road.build(input) ?? {})) {
          expect(sent, `${road.id} ${ctx.period.label}`).not.toContain(
            JSON.stringify((one as { sql: Sql }).sql.compile()),
          );
        }
      }
    }
    const plain = await withEnv("VERITY_READ_CACHE", "off", () => checkFor(store, request));
    expect(primed).toEqual(plain);
  });
});
