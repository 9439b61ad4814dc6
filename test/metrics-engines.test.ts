/**
 * Both engines, one answer: every metric, the stalled list, the plan and the vanity check on
 * a simulated company give identical results on DuckDB and PostgreSQL, for several periods
 * and filters. And the vanity check finds the stories the simulator planted
 * (src/simulate/planted-patterns.ts), on every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { planLeads } from "../src/insights/lead-plan.js";
import { checkFor } from "../src/insights/vanity-check.js";
import { type MetricRequest, resolveRequest } from "../src/metrics/context.js";
import { METRICS } from "../src/metrics/registry.js";
import { computeMetric, quickHeadline, runMetric } from "../src/metrics/run-metric.js";
import { tidy } from "../src/metrics/sql-parts.js";
import { stalledLeads } from "../src/metrics/stalled-leads.js";
import type { Store } from "../src/store/store.js";
import { type Engine, engines } from "./support/databases.js";
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
