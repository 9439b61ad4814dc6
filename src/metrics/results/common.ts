/**
 * The types of what Verity answers: a metric's report envelope, its headlines with the n
 * behind them, its tables, and the verdict on a change. Type-only and free of Node: the
 * dashboard's browser build (tsconfig.web.json) imports these same types, so a field renamed
 * here fails the dashboard's type check instead of a browser test. Each metric's own result
 * type lives beside this file (src/metrics/results/<metric>.ts) under the same rule: import
 * only from this folder and src/model/capabilities.ts.
 */
import type { DataCapability } from "../../model/capabilities.js";

export type Grain = "day" | "week" | "month" | "quarter";

/** The eight vanity metrics of METRICS.md, by their number there. */
export type VanityId =
  | "activities"
  | "activity-conversion"
  | "total-sales"
  | "visits"
  | "new-leads"
  | "followers"
  | "impressions"
  | "subscribers";

/** Filters every lead-based metric applies (marketing metrics say which they ignore). */
export type ResolvedFilters = {
  pipeline: { id: string; name: string } | null;
  team: string | null;
  rep: { id: string; name: string } | null;
  /** A source channel (`website`, `social:linkedin`) or `social` for every network. */
  source: string | null;
};

/** How a value reads in a table and in CSV. */
export type Format = "text" | "count" | "number" | "percent" | "money" | "days" | "date";

export type ViewColumn = { key: string; label: string; format: Format };

/** A table of a result, for the terminal, CSV and the dashboard's "show the numbers". */
export type View = {
  title: string;
  columns: readonly ViewColumn[];
  rows: readonly Record<string, string | number | null>[];
};

/**
 * What a figure's sampling noise is judged from (METRICS.md, "Signal or noise"), and the n
 * every figure carries. src/insights/signal.ts turns two of these (and the figure's history)
 * into a verdict; the CLI, the API and the dashboard print the n from them.
 */
export type Evidence =
  /**
   * A count of events (new leads, won leads): Poisson; n is the count. Events that come in
   * clusters (impressions by post, activities by lead, visits by visitor) carry `clusters`
   * and `sumOfSquares`, the sum of each cluster's squared size: the count's variance, judged
   * quasi-Poisson. Without them the events are independent (leads, returning visitors).
   */
  | ({ kind: "count"; n: number } & Clusters)
  /** `successes` of `trials` (win rate, qualification rate): Wilson per period, Newcombe for a difference. */
  | { kind: "rate"; successes: number; trials: number }
  /**
   * Events per unit of exposure (shares per post, meetings per call): two Poisson rates, or
   * quasi-Poisson with `clusters` and `sumOfSquares` of the events (shares by post).
   */
  | ({ kind: "per"; events: number; exposure: number } & Clusters)
  /**
   * A median over n values with its distribution-free 95% interval from order statistics
   * (ranks floor(n/2 - 1.96 sqrt(n)/2) and ceil(1 + n/2 + 1.96 sqrt(n)/2), clipped to 1..n);
   * low and high are null when n < 6 (too few values for an interval).
   */
  | { kind: "median"; n: number; low: number | null; high: number | null }
  /** A sum of n amounts (won value): compound Poisson, its variance is the sum of squares. */
  | { kind: "sum"; n: number; sumOfSquares: number }
  /** A level at the end of the period (followers, subscribers): judged by its change per period. */
  | { kind: "level"; n: number };

/**
 * How a count's events cluster: how many clusters they came in and the sum of the clusters'
 * squared sizes (10 posts of 1,000 impressions: 10 and 10,000,000). Both or neither.
 */
export type Clusters = { clusters?: number; sumOfSquares?: number };

/**
 * A figure the data cannot support: why, and what would fix it (an import option, a kind
 * of data). Shown instead of a number, never beside a wrong one.
 */
/**
 * Why a figure cannot be told and what fixes it, in English; `sv` the same in Swedish, so the
 * dashboard and the check's Swedish sentences never show an English reason.
 */
export type FigureUnsupported = { reason: string; fix: string | null; sv: { reason: string; fix: string | null } };

/** A number a metric leads with (what the vanity check and `--compare` put side by side). */
export type Headline = {
  key: string;
  label: string;
  value: number | null;
  format: Format;
  /** The n behind the value and what its noise is judged from; null when the value is null. */
  evidence?: Evidence | null;
  /** Set (and value null) when the data cannot support this figure. */
  unsupported?: FigureUnsupported;
};

/** The kinds of data a workspace holds, each with its own first and last moment. */
export type DataArea = "sales" | "web" | "social" | "newsletter";

/**
 * Where a report's "as of" came from (asOfFor in context.ts): "period" when the period ends
 * before the data does (its end), an area when it is the last moment of that area's data
 * (sales: the latest lead, close, stage change or activity; web: visit; social: post
 * snapshot; newsletter: subscription or email event), "none" when the metric's area holds no
 * data (the latest of any data).
 */
export type AsOfSource = "period" | DataArea | "none";

/** A part of a metric that the loaded data cannot support, and why. */
export type Unsupported = { capability: DataCapability; message: string };

/** A computed metric as the CLI prints it as JSON and the API returns it. */
export type MetricReport<R = unknown> = {
  metric: string;
  title: string;
  why: string;
  definition: string;
  replaces: readonly VanityId[];
  period: { label: string; start: string; end: string };
  comparison: { label: string; start: string; end: string } | null;
  filters: ResolvedFilters;
  /** Filters that do not apply to this metric (visits have no owner). */
  ignoredFilters: string[];
  currency: string | null;
  otherCurrencies: Record<string, number>;
  /** "Now" for this metric: the last moment of its area's data, or the period's end when earlier. */
  asOf: string;
  /** Which data `asOf` came from. */
  asOfSource: AsOfSource;
  unsupported: Unsupported[];
  /**
   * With a comparison period: the earlier value, its n, and whether the change is beyond
   * sampling noise (`judgement`; normal variation over earlier periods is the check's, so
   * its `variation` is null here). Without one, previous and change are null.
   */
  headlines: (Headline & {
    previous: number | null;
    previousEvidence: Evidence | null;
    change: number | null;
    /** Only with a comparison period. */
    judgement?: Judgement | null;
  })[];
  /** The vanity metrics this one replaces, for the same period and filters: shown beside it. */
  vanity: {
    id: VanityId;
    label: string;
    value: number | null;
    format: Format;
    previous: number | null;
    change: number | null;
    /** The n behind `value` and behind `previous` (null when that value is null). */
    evidence: Evidence | null;
    previousEvidence: Evidence | null;
    /** Whether the change is beyond sampling noise, as for the headlines (only with a comparison period). */
    judgement?: Judgement | null;
    /** Set (value and previous null) when the data cannot support the figure (total sales without amounts). */
    unsupported?: FigureUnsupported;
  }[];
  result: R;
  previous: R | null;
};

export type SamplingMethod =
  | "poisson"
  | "quasi-poisson"
  | "newcombe"
  | "median-intervals"
  | "compound-poisson"
  | "gain-poisson"
  | "none";

export type Judgement = {
  /** Beyond noise up or down, within it, or null when neither test applies (reason says why). */
  movement: "up" | "down" | "within" | null;
  /** movement is up or down. */
  signal: boolean;
  sampling: {
    method: SamplingMethod;
    /** Beyond sampling noise on the side of the change; null when no method applies. */
    passed: boolean | null;
    pValue: number | null;
    /** Newcombe's interval of the difference of rates, or (medians) the interval now. */
    interval: Interval | null;
  };
  /**
   * The XmR test over the earlier periods (for a level, over its gains, with centre and
   * limits given back in the level's units: the last level plus the gain); null with fewer
   * than 6 earlier values.
   */
  variation: { periods: number; centre: number; low: number; high: number; passed: boolean } | null;
  /**
   * The values now that would NOT have counted as a signal, in the figure's own units (a rate
   * as a fraction): the union of what each applicable test accepts. Null when no test applies
   * or one can never pass (a median without intervals).
   */
  normalRange: Interval | null;
  /** Why it is not a signal or not judged, in plain English; null for a signal. */
  reason: string | null;
};

/**
 * Small statistics the metrics need, in plain TypeScript: the Wilson score interval for a
 * conversion rate (METRICS.md 2: a rep is flagged only when the difference is credible) and
 * continuous quantiles as PostgreSQL's percentile_cont and DuckDB's quantile_cont compute
 * them, for the reference implementations the engine results are checked against.
 */

export type Interval = { low: number; high: number };

/** A one-sided two-sample rank test (Mann-Whitney U, Wilcoxon rank-sum). */
export type RankSumTest = {
  /**
   * U of the first sample: the pairs (x from it, y from the second) with x > y, a tie
   * counting a half. Between 0 and nA nB; nA nB / 2 when neither sample tends higher.
   */
  u: number;
  /** The normal approximation's z; null when every value is tied (no spread to judge). */
  z: number | null;
  /** P(U >= u) when both samples come from one distribution (the normal approximation). */
  pValue: number;
};
