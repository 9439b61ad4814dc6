/**
 * The eight vanity metrics of METRICS.md. They measure effort or reach, not acquisition,
 * retention or revenue, so Verity only ever shows them beside the real metric that replaces
 * them (each metric's report carries the ones it replaces; the vanity check pairs them).
 * Each is computed for the same period and filters as the metric beside it.
 *
 * Each figure is built, run and shaped as a metric is (metric.ts): a pure build gives its one
 * statement (null when the data cannot support the figure: nothing to ask), computeVanity runs
 * it, a pure shape turns its row into the value with its evidence. Their SQL per engine is
 * pinned in src/metrics/sql/vanity-<id>.<engine>.sql (src/metrics/pinned-sql.test.ts).
 */
import { rollupFilters } from "../derive/visit-rollup.js";
import type { DataCapability } from "../model/capabilities.js";
import type { Period } from "../model/period.js";
import { raw, type Sql, sql } from "../store/sql.js";
import type { Row } from "../store/store.js";
import { aggregatesAcross, countsAcross, inSpan, periodIndexOf } from "./across-periods.js";
import { capabilityUnsupported, NO_FOLLOWER_COUNTS } from "./capability-words.js";
import { clusterColumns, clusterFigures, countEvidence, NO_AMOUNTS, squaresValue, sumOfSquares } from "./evidence.js";
import {
  type DataArea,
  type Evidence,
  type FigureUnsupported,
  type Format,
  type MetricContext,
  type MetricInput,
  type RowsOf,
  runStatements,
  type Statement,
  statement,
  type VanityId,
} from "./metric.js";
import { periodActivitiesByLead, periodActivityCounts } from "./period-activities.js";
import type { VanityValue } from "./results/vanity.js";
import { inPeriod, leadFilter, money, ts } from "./sql-parts.js";

/** What a vanity figure declares: its words, which data it reads, its query and its evidence. */
type VanityFigure = {
  id: VanityId;
  /** METRICS.md's number of the pair. */
  number: number;
  label: string;
  format: Format;
  /** Whether lead filters (pipeline, team, rep, source) apply. */
  leadFilters: boolean;
  /** Which data it reads (its history starts where that data starts). */
  area: DataArea;
  /** One row: `value`, and the columns `evidence` reads. */
  query(ctx: MetricContext): Sql;
  /**
   * Optional: query's row for each of `periods` (in order and disjoint) with the context's
   * filters, from one statement, each row with `period_index` (src/metrics/across-periods.ts);
   * null when it cannot for these periods. test/metrics-engines.test.ts holds the rows equal.
   */
  across?(ctx: MetricContext, periods: readonly Period[]): Sql | null;
  /** The n behind the value and what its noise is judged from (METRICS.md, "Signal or noise"). */
  evidence(row: VanityRow): Evidence;
  /** Set for a money figure: without amounts in the data it is unsupported, not 0. */
  money?: true;
  /**
   * Why the figure cannot be told when its row says nothing of its kind is loaded (`loaded`
   * false), for data the capabilities do not tell apart: follower counts are a file of their
   * own beside the posts, and a workspace of posts without them has no followers to count.
   */
  whenNotLoaded?: FigureUnsupported;
};

/** A vanity figure's one statement, by name (as a metric's statements are). */
export type VanityStatements = { figure: Statement<VanityRow> };

/** A vanity figure as it is run: its words, with a pure build and a pure shape (metric.ts). */
export type VanityDefinition = Omit<VanityFigure, "query" | "evidence" | "whenNotLoaded" | "across"> & {
  /** Pure: the figure's statement; null when the data cannot support it (nothing to ask). */
  build(input: MetricInput): VanityStatements | null;
  /** Pure: build's statement for several periods at once (see QuickHeadlines.across); null when it cannot. */
  across?(input: MetricInput, periods: readonly Period[]): Statement<Row> | null;
  /** Pure: the value, with its evidence or why the data cannot support it (rows null when build was). */
  shape(rows: RowsOf<VanityStatements> | null, input: MetricInput): VanityValue;
};

/** The row a vanity query returns; the evidence columns only where the definition selects them. */
export type VanityRow = {
  value: number | null;
  meetings?: number | null;
  calls?: number | null;
  amounts?: number | null;
  /** Exact decimal text (evidence.ts sumOfSquares); of the amounts, or of the clusters' sizes. */
  sum_of_squares?: string | number | null;
  /** Clusters the counted events came in (evidence.ts clusterColumns). */
  clusters?: number | string | null;
  /** Whether any data of the figure's kind is loaded (definitions with `whenNotLoaded`). */
  loaded?: boolean | null;
};

// What a figure answers is declared type-only in results/vanity.ts (shared with the dashboard).
export type { VanityValue } from "./results/vanity.js";

/** Re-exported for the metrics' money headlines and their tests. */
export { NO_AMOUNTS };

/** A count's evidence: the count itself is its n. */
const countOf = (row: VanityRow): Evidence => ({ kind: "count", n: row.value ?? 0 });

/** A clustered count's evidence: its n, and the clusters and their squares its row carries. */
const clusteredCountOf = (row: VanityRow): Evidence => countEvidence(row.value ?? 0, clusterFigures(row)) as Evidence;

/** The won amounts' sum, how many were summed and their squares, over `alias` (amount). */
const wonSums = (alias: string) => {
  const amount = sql`${raw(alias)}.amount`;
  return sql`COALESCE(sum(${amount}), 0) AS value, count(${amount}) AS amounts,
        ${sumOfSquares(amount)} AS sum_of_squares`;
};

/** The activity count and its clusters (a lead's activities, or one activity without a lead) over `alias` (lead_id, n). */
const activityClusters = (alias: string) => {
  const c = raw(alias);
  return sql`CAST(COALESCE(sum(${c}.n), 0) AS BIGINT) AS value,
        CAST(COALESCE(sum(CASE WHEN ${c}.lead_id IS NULL THEN ${c}.n ELSE 1 END), 0) AS BIGINT) AS clusters,
        CAST(sum(CASE WHEN ${c}.lead_id IS NULL THEN CAST(${c}.n AS BIGINT) ELSE CAST(${c}.n AS BIGINT) * CAST(${c}.n AS BIGINT) END)
          AS TEXT) AS sum_of_squares`;
};

const FIGURES: readonly VanityFigure[] = [
  {
    id: "activities",
    number: 1,
    label: "Activities logged",
    format: "count",
    leadFilters: true,
    area: "sales",
    // Activities come in runs per lead (a lead in play gets calls, emails and a meeting), so
    // the count is judged by its leads: per lead, and the activities logged without a lead
    // each as its own (nothing ties them together; grouping them by rep would make each rep's
    // month one cluster and call a busy month noise that normal variation is there to judge).
    // Counted from the same rows as the clusters, so n and the squares agree.
    query: (ctx) => sql`
      SELECT ${activityClusters("c")} FROM (${periodActivitiesByLead(ctx)}) c`,
    // The periods' whole span read once (the per-lead rollup's months when every period is
    // whole months, else the activities), counted per period and lead.
    across: (ctx, periods) => {
      return aggregatesAcross(periods, {
        rows: periodActivitiesByLead(ctx, periods),
        select: activityClusters("r"),
      });
    },
    evidence: clusteredCountOf,
  },
  {
    id: "activity-conversion",
    number: 2,
    label: "Calls to meetings",
    format: "percent",
    leadFilters: true,
    area: "sales",
    query: (ctx) => sql`
      SELECT CAST(meetings AS FLOAT8) / NULLIF(CAST(calls AS FLOAT8), 0) AS value, meetings, calls
      FROM (
        SELECT CAST(COALESCE(sum(CASE WHEN c.type = 'meeting' THEN c.n END), 0) AS BIGINT) AS meetings,
          CAST(COALESCE(sum(CASE WHEN c.type = 'call' THEN c.n END), 0) AS BIGINT) AS calls
        FROM (${periodActivityCounts(ctx)}) c
      ) t`,
    // Meetings per call: two Poisson counts, not successes of trials (a call can lead to two
    // meetings, and meetings are booked without a call).
    evidence: (row) => ({ kind: "per", events: row.meetings ?? 0, exposure: row.calls ?? 0 }),
  },
  {
    id: "total-sales",
    number: 3,
    label: "Total sales",
    format: "money",
    leadFilters: true,
    area: "sales",
    money: true,
    // The sum's noise is compound Poisson: its variance is the sum of the squared amounts. n
    // counts the amounts summed (won leads with a value in the reporting currency).
    query: (ctx) => sql`
      SELECT ${wonSums("w")}
      FROM (
        SELECT ${money(ctx, "l")} AS amount FROM leads l
        WHERE ${leadFilter(ctx, "l")} AND l.status = 'won' AND ${inPeriod(ctx, sql`l.closed_at`)}
      ) w`,
    across: (ctx, periods) => {
      return aggregatesAcross(periods, {
        rows: sql`
          SELECT ${periodIndexOf(periods, sql`l.closed_at`)} AS period_index, ${money(ctx, "l")} AS amount FROM leads l
          WHERE ${leadFilter(ctx, "l")} AND l.status = 'won' AND ${inSpan(periods, sql`l.closed_at`)}`,
        select: wonSums("r"),
      });
    },
    evidence: (row) => ({ kind: "sum", n: row.amounts ?? 0, sumOfSquares: squaresValue(row.sum_of_squares) }),
  },
  {
    id: "visits",
    number: 4,
    label: "Website visits",
    format: "count",
    leadFilters: false,
    area: "web",
    // A regular visitor comes back many times: visits cluster by visitor, and the count is
    // judged by them. Per visitor over the whole period: the whole months from the visitor
    // rollup (one row per visitor and month), its partial months from the visits themselves
    // (a count over 20M visits took 0.5 s on PostgreSQL); a visitor's months added up first.
    query: (ctx) => {
      const { months, visits } = rollupFilters(ctx.workspace, ctx.period.start, ctx.period.end);
      const edges = visits
        ? sql`UNION ALL SELECT v.visitor_id, count(*) AS n FROM visits v WHERE ${visits} GROUP BY v.visitor_id`
        : sql``;
      const perVisitor = sql`
          SELECT r.visitor_id, sum(r.n) AS n
          FROM (SELECT visitor_id, visits AS n FROM visitor_months WHERE ${months} ${edges}) r
          GROUP BY r.visitor_id
        `;
      if (!ctx.capabilities.has("web_totals")) {
        return sql`
        SELECT CAST(COALESCE(sum(p.n), 0) AS BIGINT) AS value, ${clusterColumns(sql`p.n`)}
        FROM (${perVisitor}) p`;
      }
      return withDailyTotals(ctx, perVisitor);
    },
    evidence: clusteredCountOf,
  },
  {
    id: "new-leads",
    number: 5,
    label: "New leads",
    format: "count",
    leadFilters: true,
    area: "sales",
    query: (ctx) =>
      sql`SELECT count(*) AS value FROM leads l WHERE ${leadFilter(ctx, "l")} AND ${inPeriod(ctx, sql`l.created_at`)}`,
    across: (ctx, periods) =>
      countsAcross(periods, {
        from: sql`leads l`,
        where: leadFilter(ctx, "l"),
        at: sql`l.created_at`,
        name: "value",
      }),
    evidence: countOf,
  },
  {
    id: "followers",
    number: 6,
    label: "Followers",
    format: "count",
    leadFilters: false,
    area: "social",
    // Per network, the last count read before the end of the period; summed over networks.
    query: (ctx) => sql`
      SELECT COALESCE(sum(f.followers), 0) AS value,
        EXISTS (SELECT 1 FROM social_follower_snapshots WHERE workspace_id = ${ctx.workspace}) AS loaded
      FROM social_follower_snapshots f
      JOIN (
        SELECT network, max(captured_at) AS captured_at FROM social_follower_snapshots
        WHERE workspace_id = ${ctx.workspace} AND captured_at < ${ts(ctx.period.end)} GROUP BY network
      ) last ON last.network = f.network AND last.captured_at = f.captured_at
      WHERE f.workspace_id = ${ctx.workspace}`,
    whenNotLoaded: NO_FOLLOWER_COUNTS,
    // A level, not events of the period: its noise is judged from its change per period.
    evidence: (row) => ({ kind: "level", n: row.value ?? 0 }),
  },
  {
    id: "impressions",
    number: 7,
    label: "Social impressions",
    format: "count",
    leadFilters: false,
    area: "social",
    // Snapshots are cumulative: the period's impressions are each post's count at the end of
    // the period less its count at the start.
    query: (ctx) => sql`
      WITH per_post AS (
        SELECT post_id,
          max(CASE WHEN captured_at < ${ts(ctx.period.end)} THEN impressions END) AS at_end,
          max(CASE WHEN captured_at < ${ts(ctx.period.start)} THEN impressions END) AS at_start
        FROM social_post_snapshots WHERE workspace_id = ${ctx.workspace} GROUP BY post_id
      )
      SELECT COALESCE(sum(p.n), 0) AS value, ${clusterColumns(sql`p.n`)}
      FROM (SELECT COALESCE(at_end, 0) - COALESCE(at_start, 0) AS n FROM per_post) p`,
    // Impressions come by post (a post is shown to a thousand people or to none): the count
    // is judged by its posts, each post's impressions in the period one cluster.
    evidence: clusteredCountOf,
  },
  {
    id: "subscribers",
    number: 8,
    label: "Newsletter subscribers",
    format: "count",
    leadFilters: false,
    area: "newsletter",
    query: (ctx) => sql`
      SELECT count(*) AS value FROM newsletter_subscribers
      WHERE workspace_id = ${ctx.workspace} AND subscribed_at < ${ts(ctx.period.end)}
        AND (unsubscribed_at IS NULL OR unsubscribed_at >= ${ts(ctx.period.end)})`,
    evidence: (row) => ({ kind: "level", n: row.value ?? 0 }),
  },
];

/** Each figure with its build and shape. */
export const VANITY: readonly VanityDefinition[] = FIGURES.map(built);

export function vanityDefinition(id: VanityId): VanityDefinition {
  const found = VANITY.find((v) => v.id === id);
  if (!found) throw new Error(`unknown vanity metric ${id}`);
  return found;
}

/**
 * Computed once per context: a report shows total sales beside both velocity and losses, and
 * the vanity check reads the same numbers again. Sound because a MetricContext is never
 * changed once resolved (a different period or filter is a new context) and lives for one
 * request.
 */
const computed = new WeakMap<MetricContext, Map<VanityId, Promise<VanityValue>>>();

export function computeVanity(ctx: MetricContext, id: VanityId): Promise<VanityValue> {
  let values = computed.get(ctx);
  if (!values) {
    values = new Map();
    computed.set(ctx, values);
  }
  let value = values.get(id);
  if (!value) {
    value = measureVanity(ctx, id);
    values.set(id, value);
    // A failed query is not remembered: the next caller tries again.
    value.catch(() => values.delete(id));
  }
  return value;
}

/**
 * Website visits where daily totals are loaded (an aggregate export: Plausible's): the visits
 * of the period's days before the first loaded visit are added from the totals, so history
 * from before the tracker (or a per-visit import) still counts, and a day is never counted
 * from both. A day's visits have no visitor: their noise is judged as if that day's visitors
 * each made an equal share of them (visits^2 / visitors per day, floored), which understates
 * it when the same people come back on several days (docs/metrics.md).
 */
function withDailyTotals(ctx: MetricContext, perVisitor: Sql): Sql {
  const w = ctx.workspace;
  const firstVisitDay = sql`COALESCE(
    (SELECT CAST(CAST(min(started_at) AS DATE) AS TIMESTAMP) FROM visits WHERE workspace_id = ${w}),
    CAST(${"9999-12-31"} AS TIMESTAMP))`;
  const visitors = sql`GREATEST(COALESCE(d.visitors, d.visits), 1)`;
  return sql`
    SELECT CAST(COALESCE(v.value, 0) + COALESCE(t.visits, 0) AS BIGINT) AS value,
      v.clusters + COALESCE(t.visitors, 0) AS clusters,
      CAST(COALESCE(v.squares, 0) + COALESCE(t.squares, 0) AS TEXT) AS sum_of_squares
    FROM (
      SELECT sum(p.n) AS value, count(CASE WHEN p.n <> 0 THEN 1 END) AS clusters,
        sum(CAST(p.n AS BIGINT) * CAST(p.n AS BIGINT)) AS squares
      FROM (${perVisitor}) p
    ) v CROSS JOIN (
      SELECT sum(d.visits) AS visits,
        sum(CASE WHEN d.visits > 0 THEN LEAST(${visitors}, d.visits) ELSE 0 END) AS visitors,
        sum(CAST(floor(CAST(d.visits AS DOUBLE PRECISION) * d.visits / LEAST(${visitors}, GREATEST(d.visits, 1))) AS BIGINT))
          AS squares
      FROM visit_days d
      WHERE d.workspace_id = ${w} AND ${inPeriod(ctx, sql`d.day`)} AND d.day < ${firstVisitDay}
    ) t`;
}

/** The data each vanity figure counts (total sales needs amounts, said above). */
export const VANITY_NEEDS: Partial<Record<VanityId, DataCapability>> = {
  activities: "activities",
  "activity-conversion": "activities",
  visits: "web_visits",
  followers: "social",
  impressions: "social",
  subscribers: "newsletter",
};

/** Why the data cannot support a figure before anything is asked (null: it can, as far as the capabilities tell). */
function cannotTell(figure: VanityFigure, ctx: MetricContext): FigureUnsupported | null {
  // Without amounts a sum of them is no 0 ("Total sales 0 <- 0" on an export without values).
  if (figure.money && !ctx.capabilities.has("amounts")) return NO_AMOUNTS;
  // Without data of its kind a count is no 0 either: a CRM export has no visits to count.
  const needs = VANITY_NEEDS[figure.id];
  // Daily totals (a Plausible export) count visits too, though nothing per visitor.
  const totalsDo = needs === "web_visits" && ctx.capabilities.has("web_totals");
  if (needs && !ctx.capabilities.has(needs) && !totalsDo) return capabilityUnsupported(needs, ctx.capabilities);
  return null;
}

/** A figure's build (its query, unless the data cannot support it) and shape (its row to the value). */
function built(figure: VanityFigure): VanityDefinition {
  const { query, evidence, whenNotLoaded, across, ...words } = figure;
  const { id, label, format } = figure;
  return {
    ...words,
    build: ({ ctx }) => (cannotTell(figure, ctx) ? null : { figure: statement<VanityRow>(query(ctx)) }),
    ...(across
      ? {
          across: ({ ctx }: MetricInput, periods: readonly Period[]) => {
            if (periods.length === 0 || cannotTell(figure, ctx)) return null;
            const text = across(ctx, periods);
            return text ? statement<Row>(text) : null;
          },
        }
      : {}),
    shape: (rows, { ctx }) => {
      const cannot = cannotTell(figure, ctx);
      if (cannot || rows === null) {
        return { id, label, value: null, format, evidence: null, ...(cannot ? { unsupported: cannot } : {}) };
      }
      const [row] = rows.figure;
      if (whenNotLoaded && !row?.loaded) {
        return { id, label, value: null, format, evidence: null, unsupported: whenNotLoaded };
      }
      const value = row?.value ?? null;
      return { id, label, value, format, evidence: row && value !== null ? evidence(row) : null };
    },
  };
}

/** Builds a figure's statement, runs it (when there is one) and shapes its row. */
async function measureVanity(ctx: MetricContext, id: VanityId): Promise<VanityValue> {
  const definition = vanityDefinition(id);
  const input: MetricInput = { ctx, support: null };
  const statements = definition.build(input);
  const rows = statements === null ? null : await runStatements(ctx, statements);
  return definition.shape(rows, input);
}
