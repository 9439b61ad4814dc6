/**
 * Contexts for a metric's pure steps, without a database: build (whose SQL
 * src/metrics/pinned-sql.test.ts pins per engine) and shape (tested with rows written by
 * hand). The store answers nothing: a step that queried would fail loudly.
 */
import type { FigureSupport } from "../../src/metrics/figure-support.js";
import { NO_AMOUNTS, NO_LOSSES } from "../../src/metrics/figure-support.js";
import { DEFAULT_OPTIONS, type MetricContext, type MetricInput } from "../../src/metrics/metric.js";
import { DATA_CAPABILITIES } from "../../src/model/capabilities.js";
import { parsePeriod } from "../../src/model/period.js";
import { DIALECTS, type EngineName } from "../../src/store/dialect.js";
import type { Store } from "../../src/store/store.js";

function noStore(engine: EngineName): Store {
  const refuse = () => {
    throw new Error("a metric's build and shape are pure: they must not reach the store");
  };
  return {
    engine,
    dialect: DIALECTS[engine],
    location: "(no store)",
    query: refuse,
    execute: refuse,
    transaction: refuse,
    stageCsv: refuse,
    stageRows: refuse,
  } as unknown as Store;
}

export const SUPPORTED: FigureSupport = { qualification: null, losses: null, amounts: null };

export const UNSUPPORTED: FigureSupport = {
  qualification: {
    reason: "nothing marks qualification",
    fix: "verity import --qualifying-stage",
    sv: { reason: "inget markerar kvalificering", fix: "verity import --qualifying-stage" },
  },
  losses: NO_LOSSES,
  amounts: NO_AMOUNTS,
};

/**
 * The variants every metric's SQL is pinned in: everything loaded and supported; every
 * filter set (and weekly buckets); data that supports no qualification, loss or money
 * figure; a workspace holding no data of any kind; and a period of partial months (where
 * metrics read the raw rows of its partial months beside the monthly rollups of its whole ones),
 * with daily website totals loaded too.
 */
export const FIXTURE_VARIANTS = ["plain", "filtered", "unsupported", "empty", "partial"] as const;
export type FixtureVariant = (typeof FIXTURE_VARIANTS)[number];

export function fixtureContext(engine: EngineName, variant: FixtureVariant = "plain"): MetricContext {
  const period = parsePeriod(variant === "partial" ? "2026-04-15..2026-06-10" : "2026-Q2");
  const range = { start: new Date("2025-01-01T00:00:00Z"), end: new Date("2026-06-20T12:00:00Z") };
  const filtered = variant === "filtered";
  const empty = variant === "empty";
  return {
    store: noStore(engine),
    workspace: "fixture",
    period,
    grain: filtered ? "week" : "month",
    filters: filtered
      ? { pipeline: { id: "p1", name: "Sales" }, team: "East", rep: { id: "r1", name: "Ann" }, source: "website" }
      : { pipeline: null, team: null, rep: null, source: null },
    options: DEFAULT_OPTIONS,
    currency: empty ? null : "USD",
    otherCurrencies: empty ? {} : { EUR: 3 },
    asOf: range.end,
    // Daily website totals (a Plausible export) beside the visits only in the partial-months
    // variant, so both forms of the visits figure are pinned.
    capabilities: new Set(empty ? [] : DATA_CAPABILITIES.filter((c) => c !== "web_totals" || variant === "partial")),
    dataRange: empty
      ? { sales: null, web: null, social: null, newsletter: null }
      : { sales: range, web: range, social: range, newsletter: range },
  };
}

export function fixtureInput(engine: EngineName, variant: FixtureVariant = "plain"): MetricInput {
  const support = variant === "unsupported" || variant === "empty" ? UNSUPPORTED : SUPPORTED;
  return { ctx: fixtureContext(engine, variant), support };
}
