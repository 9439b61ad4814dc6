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

import type { DataCapability } from "../model/capabilities.js";
import type { Period } from "../model/period.js";
import type { Sql } from "../store/sql.js";
import type { Row, Store } from "../store/store.js";
import type { FigureSupport } from "./figure-support.js";
import type { DataArea, Grain, Headline, ResolvedFilters, VanityId, View } from "./results/common.js";
import type { VanityValue } from "./results/vanity.js";

// What a metric answers is declared in results/common.ts (type-only, shared with the dashboard).
export type {
  AsOfSource,
  Clusters,
  DataArea,
  Evidence,
  FigureUnsupported,
  Format,
  Grain,
  Headline,
  MetricReport,
  ResolvedFilters,
  Unsupported,
  VanityId,
  View,
  ViewColumn,
} from "./results/common.js";
export const GRAINS: readonly Grain[] = ["day", "week", "month", "quarter"];

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
export const DATA_AREAS: readonly DataArea[] = ["sales", "web", "social", "newsletter"];

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

/**
 * The rows each statement of `S` returned, by the statement's name (a statement build may
 * leave out, an optional key, has its rows optional too).
 */
export type RowsOf<S extends Statements> = {
  [K in keyof S]: NonNullable<S[K]> extends Statement<infer Row> ? Row[] : never;
};

/** Runs each statement in turn (one connection answers them; order as built). */
export async function runStatements<S extends Statements>(ctx: MetricContext, statements: S): Promise<RowsOf<S>> {
  const rows: Record<string, unknown[]> = {};
  for (const [name, statement] of Object.entries(statements)) rows[name] = await ctx.store.query(statement.sql);
  return rows as RowsOf<S>;
}

/**
 * What build and shape read: the context, and what the data can support (qualification
 * marks, losses, amounts; null unless the definition sets readsSupport, when it is asked
 * once per request before build).
 */
export type MetricInput = {
  ctx: MetricContext;
  support: FigureSupport | null;
  /**
   * The vanity figures the definition names in readsVanity, for the same context (computed
   * once per context: computeVanity's cache gives the one beside the metric the same answer).
   */
  vanity?: Partial<Record<VanityId, VanityValue>>;
};

/** No follow-up statements. */
export type NoStatements = Readonly<Record<never, Statement<unknown>>>;

export type MetricDefinition<R = unknown, S extends Statements = Statements, F extends Statements = NoStatements> = {
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
  /** Vanity figures shape reads (activity quality judges activities by the leads they cluster on). */
  readsVanity?: readonly VanityId[];
  /** Pure: the statements to run, by name; null when there is nothing to ask (no data of its kind). */
  build(input: MetricInput): S | null;
  /**
   * Pure, and rarely needed: statements that depend on build's rows, run after them, their rows
   * added to shape's (activity quality asks again when the engine ranks reps in another text
   * order than Verity's). Null when the first rows suffice.
   */
  followUp?(rows: RowsOf<S>, input: MetricInput): F | null;
  /** Pure: the result from each statement's rows (null when build returned null). */
  shape(rows: (RowsOf<S> & Partial<RowsOf<F>>) | null, input: MetricInput): R;
  headlines(result: R): Headline[];
  views(result: R): View[];
  /**
   * Some headlines by a cheaper road, for callers that need only them (the vanity check measures
   * one headline per metric in up to 14 periods). Each must equal the full metric's headline of
   * the same key, value and evidence: test/quick-headlines.test.ts compares them on both engines.
   */
  quickHeadlines?: QuickHeadlines;
};

/** Headlines `keys` from statements of their own (see MetricDefinition.quickHeadlines). */
export type QuickHeadlines = {
  keys: readonly string[];
  /** Pure, as build. */
  build(input: MetricInput): Statements;
  /** Pure: the headlines from the statements' rows. */
  headlines(rows: Readonly<Record<string, readonly Row[]>>, input: MetricInput): Headline[];
  /**
   * Optional, for a build of one statement: the rows that statement gives in each of several
   * periods, from one statement (src/metrics/across-periods.ts). `input` is build's input for
   * any of `periods` (in order and disjoint; its own period is not read); every row carries
   * `period_index` (its period's index) beside build's columns, and a period has the same rows
   * as build's own statement gives it (a count of none is a row of 0, not no row):
   * test/metrics-engines.test.ts compares them on both engines.
   */
  across?(input: MetricInput, periods: readonly Period[]): Statement<Row>;
};

/** The support a definition that sets readsSupport reads; a definition that does not, fails loudly. */
export function supportOf(input: MetricInput): FigureSupport {
  if (input.support === null) throw new Error("this metric reads figure support: set readsSupport in its definition");
  return input.support;
}
