/**
 * A hand-written baseline for one metric: the plain SQL an analyst would write for the same
 * numbers on this engine, with no Verity helpers (no lead facts CTE, no filters machinery),
 * so the benchmark shows what Verity's generality costs. `check` compares the baseline's rows
 * with Verity's result, so a baseline that computes less (and is faster for it) is caught.
 */
import type { MetricContext } from "../../src/metrics/metric.js";
import type { Row } from "../../src/store/store.js";

export type BaselineParams = {
  workspace: string;
  /** Period bounds as 'YYYY-MM-DD HH:MM:SS' (UTC), for CAST(... AS TIMESTAMP). */
  start: string;
  end: string;
  currency: string | null;
  engine: "duckdb" | "postgres";
  ctx: MetricContext;
};

export type Baseline = {
  metric: string;
  /** The statements, with $1.. parameters, and their values. */
  queries(p: BaselineParams): { text: string; values: (string | number | null)[] }[];
  /** Throws when the baseline's rows disagree with Verity's result (same numbers, same run). */
  check(result: unknown, rows: Row[][], p: BaselineParams): void;
};
