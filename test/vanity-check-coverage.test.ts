/**
 * What the vanity check leaves unmeasured, and what it reads once per request, changes none of
 * its answers (vanity-check.ts vanityCheck, figure-support.ts figureSupport). On both engines.
 *
 * - Earlier periods that no pair's data covers are not measured: the simulated company's data
 *   begins in 2023-10, so of the twelve months before 2024-06 the four up to 2023-09 are left
 *   out (anyPairCovers), and the findings equal those judged from all twelve measured (the
 *   eight covered months are enough for normal variation to be judged). The trend the
 *   dashboard draws is the check's history: null where a figure's data had not begun.
 * - Whether the data can support qualification, losses and amounts is asked once per request
 *   and never outlives it: after the import that names the qualifying stage, the next request
 *   sees it.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { salesforceImporter } from "../src/ingest/crm/salesforce/index.js";
import { runImport } from "../src/ingest/importer.js";
import {
  anyPairCovers,
  checkFor,
  HISTORY_PERIODS,
  judgePairs,
  measurePairs,
  type PairMeasures,
  type VanityCheck,
  vanityTrend,
} from "../src/insights/vanity-check.js";
import { contextForPeriod, resolveRequest } from "../src/metrics/context.js";
import { figureSupport } from "../src/metrics/figure-support.js";
import { trailingPeriods } from "../src/model/period.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import {
  WORKSPACE as FIXTURE_WORKSPACE,
  type FixtureRow,
  type LoadedFixture,
  loadFixture,
} from "./support/metric-fixtures.js";
import { SIMULATED_WORKSPACE } from "./support/simulated-company.js";
import { simulatedStore } from "./support/simulated-series.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const PERIOD = "2024-06";
const SPANISH = resolve(import.meta.dirname, "fixtures/crm/salesforce-spanish");
/** The months before the simulated data begins (2023-10) among the twelve before 2024-06. */
const UNCOVERED = ["2023-06", "2023-07", "2023-08", "2023-09"];

describe.each(engines())("the check measures only the periods its data covers, on %s", (engine) => {
  let sim: TestStore;
  let check: VanityCheck;
  beforeAll(async () => {
    sim = await simulatedStore(engine, { seed: 2, scale: 0.2 });
    check = await checkFor(sim.store, { workspace: SIMULATED_WORKSPACE, period: PERIOD });
  }, 120_000);
  afterAll(async () => {
    await sim?.dispose();
  });

  test("the months before the data began are not measured, the others are", async () => {
    const { current } = await resolveRequest(sim.store, { workspace: SIMULATED_WORKSPACE, period: PERIOD });
    const earlier = trailingPeriods(current.period, HISTORY_PERIODS + 1).slice(0, -1);
    const measured = earlier.filter((period) => anyPairCovers(current.dataRange, period)).map((p) => p.label);
    expect(earlier.map((p) => p.label).filter((label) => !measured.includes(label))).toEqual(UNCOVERED);
    expect(measured).toHaveLength(HISTORY_PERIODS - UNCOVERED.length);
  });

  test("the trend over the same thirteen months is the check's history, null before the data began", async () => {
    const request = await resolveRequest(sim.store, { workspace: SIMULATED_WORKSPACE, period: PERIOD });
    const trend = await vanityTrend(request, HISTORY_PERIODS + 1);
    expect(trend.periods).toEqual(check.history.periods);
    for (const pair of trend.pairs) {
      const finding = check.findings.find((f) => f.vanity === pair.vanity);
      expect(pair.vanityValues, pair.vanity).toEqual(finding?.vanityFigure.history);
      expect(pair.realValues, pair.metric).toEqual(finding?.realFigure.history);
      expect(pair.vanityValues.slice(0, UNCOVERED.length), pair.vanity).toEqual(UNCOVERED.map(() => null));
    }
    // Not all null: the covered months have their values.
    expect(trend.pairs.every((pair) => pair.vanityValues.slice(UNCOVERED.length).some((v) => v !== null))).toBe(true);
  });

  test("the findings equal those judged from all twelve earlier months measured", async () => {
    const { current, previous } = await resolveRequest(sim.store, {
      workspace: SIMULATED_WORKSPACE,
      period: PERIOD,
      compare: "previous",
    });
    if (!previous) throw new Error("no comparison period");
    const earlier = trailingPeriods(current.period, HISTORY_PERIODS + 1).slice(0, -1);
    expect(earlier.map((p) => p.label).slice(0, UNCOVERED.length)).toEqual(UNCOVERED);
    const measured: PairMeasures[] = [];
    for (const period of earlier) measured.push(await measurePairs(contextForPeriod(current, period)));
    const findings = judgePairs({
      now: await measurePairs(current),
      before: await measurePairs(previous),
      earlier: earlier.map((period, i) => ({ period, measures: measured[i] ?? null })),
      dataRange: current.dataRange,
      currency: current.currency,
      periods: { now: current.period, before: previous.period },
    });
    expect(check.findings).toEqual(findings);
    // Not a vacuous equality: some figure has a history long enough to be judged by it.
    expect(check.findings.some((f) => f.realFigure.judgement?.variation != null)).toBe(true);
  });
});

/** The store, counting the queries sent through it. */
function counting(store: Store): { store: Store; count: () => number } {
  let n = 0;
  const proxy = new Proxy(store, {
    get(target, key) {
      if (key === "query") {
        return (statement: Parameters<Store["query"]>[0]) => {
          n++;
          return target.query(statement);
        };
      }
      const member = Reflect.get(target, key, target);
      return typeof member === "function" ? member.bind(target) : member;
    },
  });
  return { store: proxy, count: () => n };
}

// Website visits from 2025-09-11 (not the month's first day, so 2025-09 is not covered as a
// whole month of history) into October.
const LATE_VISITS: FixtureRow[] = [
  { visit_id: "a-1", visitor_id: "a", started_at: "2025-09-11T10:00:00Z", pageviews: 2 },
  { visit_id: "b-1", visitor_id: "b", started_at: "2025-09-20T10:00:00Z", pageviews: 1 },
  { visit_id: "a-2", visitor_id: "a", started_at: "2025-10-02T10:00:00Z", pageviews: 1 },
  { visit_id: "c-1", visitor_id: "c", started_at: "2025-10-15T10:00:00Z", pageviews: 3 },
  { visit_id: "d-1", visitor_id: "d", started_at: "2025-10-30T10:00:00Z", pageviews: 1 },
];

describe.each(engines())("a workspace whose data began part-way through a month, on %s", (engine) => {
  let web: LoadedFixture;
  beforeAll(async () => {
    web = await loadFixture(engine, { visits: LATE_VISITS });
  });
  afterAll(async () => {
    await web?.dispose();
  });

  test("the trend's current period has its value, as the check's history ends with it", async () => {
    const request = await resolveRequest(web.store, { workspace: FIXTURE_WORKSPACE, period: "2025-09" });
    const trend = await vanityTrend(request, 3);
    const check = await checkFor(web.store, { workspace: FIXTURE_WORKSPACE, period: "2025-09" });
    const visits = trend.pairs.find((p) => p.vanity === "visits");
    expect(visits?.vanityValues).toEqual([null, null, 2]);
    expect(visits?.vanityValues.at(-1)).toBe(check.findings.find((f) => f.vanity === "visits")?.vanityFigure.value);
  });

  test("the check asks nothing of the twelve earlier months the data does not cover", async () => {
    // One period measured alone, from a fresh request: an upper bound on a period's queries.
    const one = counting(web.store);
    await measurePairs((await resolveRequest(one.store, { workspace: FIXTURE_WORKSPACE, period: "2025-10" })).current);
    const resolving = counting(web.store);
    await resolveRequest(resolving.store, { workspace: FIXTURE_WORKSPACE, period: "2025-10", compare: "previous" });
    const perPeriod = one.count() - resolving.count();
    expect(perPeriod).toBeGreaterThan(0);
    const checking = counting(web.store);
    const check = await checkFor(checking.store, { workspace: FIXTURE_WORKSPACE, period: "2025-10" });
    // 2025-10 and the comparison 2025-09: two periods, not thirteen.
    expect(checking.count()).toBeLessThanOrEqual(resolving.count() + 2 * perPeriod);
    // September began part-way: no whole month to compare October with, and the check says so.
    expect(check.findings.find((f) => f.vanity === "visits")?.vanityFigure).toMatchObject({
      value: 3,
      previous: null,
      missing: "the earlier period is before the data began",
    });
  });
});

describe.each(engines())("data support is read once per request, never across requests, on %s", (engine) => {
  let spanish: TestStore;
  beforeAll(async () => {
    spanish = await openTestStore(engine);
    await runImport(
      spanish.store,
      salesforceImporter,
      resolve(import.meta.dirname, "fixtures/crm/salesforce-spanish"),
      {
        workspace: "es",
        format: {},
      },
    );
  });
  afterAll(async () => {
    await spanish?.dispose();
  });

  test("an import naming the qualifying stage after one request is seen by the next", async () => {
    const first = await resolveRequest(spanish.store, { workspace: "es", period: "2025-Q1", compare: "previous" });
    const before = await figureSupport(first.current);
    expect(before.qualification?.reason).toMatch(/nothing marks qualification/);
    // The same request's other periods share the answer.
    if (!first.previous) throw new Error("no comparison period");
    expect(figureSupport(first.previous)).toBe(figureSupport(first.current));
    // The fix the reason names: import again naming the stage that qualifies a lead.
    await runImport(spanish.store, salesforceImporter, SPANISH, {
      workspace: "es",
      format: { qualifyingStage: "Análisis de necesidades" },
    });
    const second = await resolveRequest(spanish.store, { workspace: "es", period: "2025-Q1", compare: "previous" });
    expect((await figureSupport(second.current)).qualification).toBeNull();
    // The first request still holds what it read (a request is one snapshot).
    expect((await figureSupport(first.current)).qualification).not.toBeNull();
  });
});
