/**
 * What a metric is. Each of the nine real metrics (METRICS.md) and the vanity metrics is one
 * module exporting a `MetricDefinition`; the registry lists them once and the CLI, the API
 * and the dashboard read the registry. A metric is three steps, and only the middle one
 * touches a database:
 *
 * 1. build: a pure function from the request's context to named SQL statements (written
 *    once for both engines; their text per engine is pinned in src/metrics/sql/ by
 *    src/metrics/pinned-sql.test.ts, so a change to a metric's or the dialect's SQL shows
 *    in review as a diff);
 * 2. run: computeMetric (run-metric.ts) runs them through the store, in order;
 * 3. shape: a pure function from their rows to the metric's typed result, tested with rows
 *    written by hand, no database needed.
 *
 * The aggregation happens in the engine, never by pulling raw rows into JavaScript.
 */

import type { Judgement } from "../insights/signal.js";
import type { DataCapability } from "../model/capabilities.js";
import type { Period } from "../model/period.js";
import type { Sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import type { FigureSupport } from "./figure-support.js";

export type Grain = "day" | "week" | "month" | "quarter";
export const GRAINS: readonly Grain[] = ["day", "week", "month", "quarter"];

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

/** Options some metrics take; every one has a default stated where it is read. */
export type MetricOptions = {
  /** Stalled leads: flagged past k x the won-lead median of their stage (default 2). */
  stalledFactor: number;
  /** Newsletter: days a click counts towards a lead created after it (default 30). */
  attributionDays: number;
  /** Velocity: count days from qualification (default) or from creation. */
  velocityFrom: "qualification" | "creation";
  /** Activity quality: share of reps in the top and in the bottom group (default 0.25). */
  performerShare: number;
};

export const DEFAULT_OPTIONS: MetricOptions = {
  stalledFactor: 2,
  attributionDays: 30,
  velocityFrom: "qualification",
  performerShare: 0.25,
};

/** Everything a metric's compute needs; built once per report by context.ts. */
export type MetricContext = {
  store: Store;
  workspace: string;
  period: Period;
  grain: Grain;
  filters: ResolvedFilters;
  options: MetricOptions;
  /**
   * The currency money is reported in: the one most leads with a value carry. Values in
   * other currencies are left out of money figures (and counted), never added up with it.
   */
  currency: string | null;
  /** Lead values in other currencies, by currency: how many leads were left out of money figures. */
  otherCurrencies: Record<string, number>;
  /**
   * "Now" for open leads (stalled, velocity): the latest moment the workspace's data
   * describes, or the end of the period when that is earlier. Demo and exported data stop
   * at their export date; the wall clock would make every open lead look stalled.
   */
  asOf: Date;
  /** What the workspace's data can support (an import of Maven data has no stage history). */
  capabilities: ReadonlySet<DataCapability>;
  /**
   * First and last moment of each kind of data (null: none loaded). Earlier periods before
   * a figure's data began are no baseline for its normal variation.
   */
  dataRange: Readonly<Record<DataArea, { start: Date; end: Date } | null>>;
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
export const DATA_AREAS: readonly DataArea[] = ["sales", "web", "social", "newsletter"];

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

/**
 * One statement a metric runs, typed by its rows (`Row` is only a type: the store returns
 * plain objects whose columns the statement's SELECT names).
 */
export type Statement<Row> = { readonly sql: Sql; readonly rowType?: Row };

export function statement<Row>(text: Sql): Statement<Row> {
  return { sql: text };
}

// biome-ignore lint/suspicious/noExplicitAny: any statement, whatever its row type
export type Statements = Readonly<Record<string, Statement<any>>>;

/** The rows each statement of `S` returned, by the statement's name. */
export type RowsOf<S extends Statements> = { [K in keyof S]: S[K] extends Statement<infer Row> ? Row[] : never };

/**
 * What build and shape read: the context, and what the data can support (qualification
 * marks, losses, amounts; null unless the definition sets readsSupport, when it is asked
 * once per request before build).
 */
export type MetricInput = { ctx: MetricContext; support: FigureSupport | null };

export type MetricDefinition<R = unknown, S extends Statements = Statements> =
  | BuiltMetric<R, S>
  // Transition (issue 15): definitions not yet split into build and shape; removed when none is left.
  | (Omit<BuiltMetric<R, S>, "readsSupport" | "build" | "shape"> & { compute(ctx: MetricContext): Promise<R> });

export type BuiltMetric<R = unknown, S extends Statements = Statements> = {
  id: string;
  title: string;
  /** Why it matters, in the product's own words (shown with the metric). */
  why: string;
  /** How the metric is defined where METRICS.md leaves a choice open. */
  definition: string;
  /** The vanity metrics it replaces (shown beside it, never alone). */
  replaces: readonly VanityId[];
  /** Data it needs; a missing capability is reported instead of a wrong number. */
  needs: readonly DataCapability[];
  /** Which data it reads: its default period and "as of" come from that data's range. */
  area: DataArea;
  /** Whether team/rep/pipeline filters apply (marketing metrics are not owned by reps). */
  leadFilters: boolean;
  /** Whether build or shape read `support` (figure-support.ts). */
  readsSupport: boolean;
  /** Pure: the statements to run, by name; null when there is nothing to ask (no data of its kind). */
  build(input: MetricInput): S | null;
  /** Pure: the result from each statement's rows (null when build returned null). */
  shape(rows: RowsOf<S> | null, input: MetricInput): R;
  headlines(result: R): Headline[];
  views(result: R): View[];
};

/** The support a definition that sets readsSupport reads; a definition that does not, fails loudly. */
export function supportOf(input: MetricInput): FigureSupport {
  if (input.support === null) throw new Error("this metric reads figure support: set readsSupport in its definition");
  return input.support;
}

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
