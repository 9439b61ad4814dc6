/**
 * Every period of a simulated company, measured once and judged from the series: what the
 * vanity check would say for each month (or quarter) against the one before it, with the
 * same earlier periods as history, without re-measuring 14 periods per check
 * (vanity-check.ts measurePairs and judgePairs). Used by the null and planted simulations
 * (test/signal-*.test.ts) and bench/null-simulation.ts.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runImport } from "../../src/ingest/importer.js";
import { verityImporter } from "../../src/ingest/verity-importer.js";
import {
  HISTORY_PERIODS,
  judgePairs,
  measurePairs,
  type PairMeasures,
  type VanityFinding,
} from "../../src/insights/vanity-check.js";
import { contextForPeriod, resolveRequest } from "../../src/metrics/context.js";
import type { MetricContext } from "../../src/metrics/metric.js";
import { type Period, parsePeriod } from "../../src/model/period.js";
import { type SimulationOptions, simulate } from "../../src/simulate/simulate.js";
import type { Store } from "../../src/store/store.js";
import { type Engine, engines } from "./databases.js";
import { SIMULATED_WORKSPACE } from "./simulated-company.js";
import { openTestStore, type TestStore } from "./stores.js";

/** The simulated range's months (2023-10 .. 2026-09), quarters and halves, as labels. */
export const SIMULATED_MONTHS: readonly string[] = Array.from({ length: 36 }, (_, i) => {
  const month = 9 + i; // months since 2023-01, zero-based
  return `${2023 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, "0")}`;
});
export const SIMULATED_QUARTERS: readonly string[] = Array.from({ length: 12 }, (_, i) => {
  const quarter = 3 + i; // quarters since 2023-Q1, zero-based
  return `${2023 + Math.floor(quarter / 4)}-Q${(quarter % 4) + 1}`;
});
export const SIMULATED_HALVES: readonly string[] = ["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"];

type SimulatedOptions = Omit<SimulationOptions, "outDir" | "size"> & { size?: SimulationOptions["size"] };

/** A simulated company of size s imported into a fresh store of `engine` (workspace `sim`). */
export async function simulatedStore(engine: Engine, options: SimulatedOptions): Promise<TestStore> {
  const test = await openTestStore(engine);
  try {
    // Hundreds of small queries a seed: one DuckDB thread spends less CPU on them than two,
    // and vitest already runs a test file per core.
    if (test.store.engine === "duckdb") await test.store.setThreads?.(1);
    await importSimulated(test.store, options, SIMULATED_WORKSPACE);
  } catch (error) {
    await test.dispose();
    throw error;
  }
  return test;
}

/** A simulated company of size s imported into `workspace` of a store that may hold others. */
export async function importSimulated(store: Store, options: SimulatedOptions, workspace: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "verity-simseries-"));
  try {
    await simulate({ size: "s", ...options, outDir: dir });
    await runImport(store, verityImporter, dir, { workspace });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type MeasuredPeriod = { period: Period; context: MetricContext; measures: PairMeasures };

/**
 * Every pair's two figures in each of `labels` (consecutive periods of one length, oldest
 * first). The request is resolved once; each period's context is that one moved to the
 * period (contextForPeriod, as the check reads its earlier periods). On PostgreSQL a few
 * periods are measured at once on the store's pool, as the check measures its history
 * (vanity-check.ts measureHistory); DuckDB reads on one connection, one period after another.
 */
export async function measureSeries(
  store: Store,
  labels: readonly string[],
  workspace: string = SIMULATED_WORKSPACE,
): Promise<MeasuredPeriod[]> {
  const first = labels[0];
  if (first === undefined) return [];
  const { current } = await resolveRequest(store, { workspace, period: first, compare: null });
  const contexts = labels.map((label) => contextForPeriod(current, parsePeriod(label)));
  const width = store.engine === "postgres" ? SERIES_CONCURRENCY : 1;
  const out: MeasuredPeriod[] = [];
  for (let start = 0; start < contexts.length; start += width) {
    const batch = contexts.slice(start, start + width);
    const measured = await Promise.all(batch.map((context) => measurePairs(context)));
    batch.forEach((context, i) => {
      out.push({ period: context.period, context, measures: measured[i] as PairMeasures });
    });
  }
  return out;
}

/** Periods measured at once on PostgreSQL: the check's own width (its pool holds 8 connections). */
const SERIES_CONCURRENCY = 4;

export type JudgedPeriod = { period: string; comparison: string; findings: VanityFinding[] };

/**
 * The vanity check of each period against the one before it, for every period that has one,
 * with up to 12 earlier periods of the series as its history (as vanityCheck reads them).
 */
export function judgeSeries(series: readonly MeasuredPeriod[]): JudgedPeriod[] {
  const out: JudgedPeriod[] = [];
  for (let i = 1; i < series.length; i++) {
    const now = series[i] as MeasuredPeriod;
    const before = series[i - 1] as MeasuredPeriod;
    const earlier = series.slice(Math.max(0, i - HISTORY_PERIODS), i);
    out.push({
      period: now.period.label,
      comparison: before.period.label,
      findings: judgePairs({
        now: now.measures,
        before: before.measures,
        earlier: earlier.map((e) => ({ period: e.period, measures: e.measures })),
        dataRange: now.context.dataRange,
        currency: now.context.currency,
      }),
    });
  }
  return out;
}

/** The check of one period against another in the series (a planted story compares two). */
export function judgeOne(series: readonly MeasuredPeriod[], period: string): JudgedPeriod {
  const judged = judgeSeries(series).find((j) => j.period === period);
  if (!judged) throw new Error(`no period ${period} with one before it in the series`);
  return judged;
}

/**
 * The engine the null and planted simulations measure most seeds on: PostgreSQL where the run
 * has it. Measuring 36 months of the small null company is hundreds of small queries, which
 * PostgreSQL answers about five times faster than DuckDB (1.1 s against 5.4 s a seed, measured
 * 2026-12-06); the simulations are about the statistics, and the engines' agreement is
 * test/metrics-engines.test.ts's. Under VERITY_TEST_ENGINES=duckdb they run on DuckDB.
 */
export function simulationEngine(): Engine {
  return engines().includes("postgres") ? "postgres" : "duckdb";
}

/** The null simulation's company: a tenth of size s (test/signal-null-simulation.test.ts says why). */
export const NULL_SCALE = 0.1;

export type NullTally = {
  /** Pairs judged (at least one figure had a movement, not "cannot tell" on both). */
  pairs: number;
  /** Of them, called a signal: either figure beyond normal variation (finding.signal). */
  signals: number;
  /** Of them, a diverging or improving verdict. */
  verdicts: number;
  /** The same for periods with 6 or more earlier months of data (where normal variation is judged too). */
  withHistory: { pairs: number; signals: number };
  /** Every pair called a signal: seed, period, pair, and each figure's values and n. */
  called: string[];
};

/**
 * The null simulation over `seeds`: the company with no planted story, steady (no growth,
 * seasons or fairs) and at `scale` of size s, on `engine`; every month judged against the one
 * before it as the check would judge it.
 *
 * The seeds share one store, each in a workspace of its own (`sim-<seed>`): a database
 * created and migrated per seed cost about as much as importing the seed's company. Every
 * metric reads one workspace (test/schema-distribution.test.ts checks each statement binds
 * it), so a seed's figures are the same as in a store of its own.
 */
export async function nullSimulation(
  seeds: readonly number[],
  scale: number,
  engine: Engine = "duckdb",
): Promise<NullTally> {
  const tally: NullTally = { pairs: 0, signals: 0, verdicts: 0, withHistory: { pairs: 0, signals: 0 }, called: [] };
  const test = await openTestStore(engine);
  try {
    if (test.store.engine === "duckdb") await test.store.setThreads?.(1);
    for (const seed of seeds) {
      const workspace = `${SIMULATED_WORKSPACE}-${seed}`;
      await importSimulated(test.store, { seed, planted: false, steady: true, scale }, workspace);
      const judged = judgeSeries(await measureSeries(test.store, SIMULATED_MONTHS, workspace));
      judged.forEach((period, i) => {
        for (const f of period.findings) {
          if (f.vanityMovement === null && f.realMovement === null) continue;
          tally.pairs++;
          if (f.verdict === "diverging" || f.verdict === "improving") tally.verdicts++;
          // judged[i] has i + 1 earlier months; the first (data from its first morning, not its
          // first instant) is no baseline, so normal variation is judged from judged[6] (2024-05).
          const history = i >= 6;
          if (history) tally.withHistory.pairs++;
          if (!f.signal) continue;
          tally.signals++;
          if (history) tally.withHistory.signals++;
          const figure = (fig: VanityFinding["vanityFigure"]) =>
            `${fig.label} ${fig.previous} -> ${fig.value} ${JSON.stringify(fig.evidence)} ${fig.judgement?.movement}`;
          tally.called.push(
            `seed ${seed} ${period.period} ${f.vanity}: ${figure(f.vanityFigure)}; ${figure(f.realFigure)}`,
          );
        }
      });
    }
  } finally {
    await test.dispose();
  }
  return tally;
}
