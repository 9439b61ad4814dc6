/**
 * METRICS.md 5: visit frequency and recency per visitor, in place of website visits and
 * pageviews (vanity 4).
 *
 * The Matomo-style views use the visit number and the seconds since the previous visit that
 * ingest stores on every visit (src/derive/visit-attributes.ts), so no window over a
 * visitor's whole history runs at report time. The whole months of a period are read from
 * rollups kept per visitor and month at ingest (src/derive/visit-rollup.ts): a quarter is a
 * few hundred thousand visitor-months instead of millions of visits, which are not stored in
 * time order; only a period's partial months read the visits themselves.
 */

import { DAYS_SINCE_PREVIOUS, rollupFilters } from "../../derive/visit-rollup.js";
import { raw, type Sql, sql } from "../../store/sql.js";
import { countEvidence, rateCells, rateColumns, rateEvidence } from "../evidence.js";
import {
  type Headline,
  type MetricContext,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  statement,
  type View,
  type ViewColumn,
} from "../metric.js";
import type { EngagementBucketRow, EngagementResult } from "../results/engagement.js";
import { ts } from "../sql-parts.js";

/** A fixed bucket: the values up to `max` (inclusive) that no earlier bucket took. */
export type Bucket = { label: string; max: number };

/**
 * Visits per visitor, METRICS.md 5 exactly. "101-200" includes 200, so "200+" holds the
 * visitors with more than 200 visits (201 and up).
 */
export const VISIT_BUCKETS: readonly Bucket[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ label: String(n), max: n })),
  { label: "9-14", max: 14 },
  { label: "15-25", max: 25 },
  { label: "26-50", max: 50 },
  { label: "51-100", max: 100 },
  { label: "101-200", max: 200 },
  { label: "200+", max: Number.POSITIVE_INFINITY },
];

/** Whole days, METRICS.md 5 exactly: 0 to 7 one by one, then wider ranges, 365 and more last. */
export const DAY_BUCKETS: readonly Bucket[] = [
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => ({ label: String(n), max: n })),
  { label: "8-14", max: 14 },
  { label: "15-30", max: 30 },
  { label: "31-60", max: 60 },
  { label: "61-120", max: 120 },
  { label: "121-364", max: 364 },
  { label: "365+", max: Number.POSITIVE_INFINITY },
];

/** The index of the bucket a column falls in, as SQL (the bounds are Verity's own constants). */
function bucketIndex(buckets: readonly Bucket[], column: string): Sql {
  const whens = buckets.slice(0, -1).map((b, i) => `WHEN ${column} <= ${b.max} THEN ${i}`);
  return raw(`CASE ${whens.join(" ")} ELSE ${buckets.length - 1} END`);
}

// What it answers is declared type-only in results/engagement.ts (shared with the dashboard).
export type { EngagementBucketRow, EngagementResult, VisitBucketRow } from "../results/engagement.js";

type CellRow = {
  fb: number;
  rb: number;
  visitors: number;
  returning_visitors: number;
  converted_visitors: number;
  total_visits: number;
};

/** The period's visits by visit-number bucket and days-since-previous bucket (null: a first visit). */
type PerVisitRow = { nb: number; db: number | null; visits: number; pageviews: number | null };

function empty(): EngagementResult {
  return {
    visits: null,
    pageviews: null,
    visitors: null,
    returningVisitors: null,
    returningShare: null,
    convertedVisitors: null,
    conversionRate: null,
    visitBuckets: VISIT_BUCKETS.map((b) => b.label),
    dayBuckets: DAY_BUCKETS.map((b) => b.label),
    grid: [],
    byFrequency: [],
    byRecency: [],
    byVisitNumber: [],
    byDaysSincePrevious: [],
  };
}

function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** A visitor's rows in the period: one per whole month (the rollup), one per visit of its partial months. */
function visitorRowsOf(ctx: MetricContext): Sql {
  const { months, visits } = rollupFilters(ctx.workspace, ctx.period.start, ctx.period.end);
  return sql`
    SELECT visitor_id, visits, last_start, last_number, converted FROM visitor_months WHERE ${months}
    ${
      visits
        ? sql`UNION ALL
    SELECT v.visitor_id, 1, v.started_at, v.visit_number, CASE WHEN v.converted_lead_id IS NOT NULL THEN 1 ELSE 0 END
    FROM visits v WHERE ${visits}`
        : sql``
    }`;
}

/** Returning visitors alone (the vanity check's figure beside visits): the visitors with a visit in the period that was not their first. */
const returningHeadline = (returning: number | null): Headline => ({
  key: "returningVisitors",
  label: "Returning visitors",
  value: returning,
  format: "count",
  evidence: countEvidence(returning),
});

/**
 * Two statements, neither reading the other's rows: the visitors per frequency and recency
 * bucket (cells), and the visits per visit-number and days-since-previous bucket (perVisit).
 * Null without visits loaded.
 */
function build({ ctx }: MetricInput) {
  // Without visits loaded there is nothing to count; zeros would claim nobody came.
  if (!ctx.capabilities.has("web_visits")) return null;
  const { months: ofMonths, visits: ofRest } = rollupFilters(ctx.workspace, ctx.period.start, ctx.period.end);
  const visitorRows = visitorRowsOf(ctx);
  // Recency: whole days from the visitor's last visit in the period to the end of the period.
  // floor(days) <= n exactly when the last visit is after end - (n + 1) days: the buckets are
  // comparisons with fixed moments, not arithmetic on every visitor's timestamp.
  const day = 86_400_000;
  const recencyBucket = sql`CASE ${DAY_BUCKETS.slice(0, -1).reduce(
    (acc, b, i) =>
      sql`${acc} WHEN last_start > ${ts(new Date(ctx.period.end.getTime() - (b.max + 1) * day))} THEN ${raw(String(i))}`,
    sql``,
  )} ELSE ${raw(String(DAY_BUCKETS.length - 1))} END`;
  // Visits are summed as INTEGER: PostgreSQL sums a BIGINT as NUMERIC, several times slower.
  const cells = statement<CellRow>(sql`
    WITH per_visitor AS (
      SELECT visitor_id, sum(CAST(visits AS INTEGER)) AS visits, max(last_start) AS last_start,
        max(last_number) AS max_number, max(converted) AS converted
      FROM (${visitorRows}) r
      GROUP BY visitor_id
    )
    SELECT ${bucketIndex(VISIT_BUCKETS, "visits")} AS fb, ${recencyBucket} AS rb,
      count(*) AS visitors,
      sum(CASE WHEN max_number > 1 THEN 1 ELSE 0 END) AS returning_visitors,
      sum(converted) AS converted_visitors,
      sum(visits) AS total_visits
    FROM per_visitor GROUP BY 1, 2 ORDER BY 1, 2`);
  // Visits by visit number, and returning visits by days since the previous one, Matomo's
  // way: floor(seconds / 86400). Pageviews are counted here, per visit.
  const perVisit = statement<PerVisitRow>(sql`
    WITH measured AS (
      SELECT visit_number, days_since_previous AS since_days, visits, pageviews FROM visit_months WHERE ${ofMonths}
      ${
        ofRest
          ? sql`UNION ALL
      SELECT v.visit_number, CASE WHEN v.visit_number > 1 THEN ${raw(DAYS_SINCE_PREVIOUS)} END, 1, v.pageviews
      FROM visits v WHERE ${ofRest}`
          : sql``
      }
    )
    SELECT ${bucketIndex(VISIT_BUCKETS, "visit_number")} AS nb,
      CASE WHEN since_days IS NOT NULL THEN ${bucketIndex(DAY_BUCKETS, "since_days")} END AS db,
      sum(visits) AS visits, sum(pageviews) AS pageviews
    FROM measured GROUP BY 1, 2`);
  return { cells, perVisit };
}

type EngagementStatements = NonNullable<ReturnType<typeof build>>;

/** Folds the buckets' rows into the grid, the frequency and recency rows, the Matomo views and the totals. */
function shape(rows: RowsOf<EngagementStatements> | null): EngagementResult {
  if (rows === null) return empty();
  const { cells, perVisit } = rows;
  const grid = VISIT_BUCKETS.map((b) => ({ visits: b.label, visitors: DAY_BUCKETS.map(() => 0) }));
  const freq = VISIT_BUCKETS.map(() => ({ visitors: 0, converted: 0 }));
  const rec = DAY_BUCKETS.map(() => ({ visitors: 0, converted: 0 }));
  let visitors = 0;
  let returning = 0;
  let converted = 0;
  let visits = 0;
  let pageviews = 0;
  for (const c of cells) {
    const row = grid[c.fb];
    if (row) row.visitors[c.rb] = (row.visitors[c.rb] ?? 0) + c.visitors;
    const f = freq[c.fb];
    if (f) {
      f.visitors += c.visitors;
      f.converted += c.converted_visitors;
    }
    const r = rec[c.rb];
    if (r) {
      r.visitors += c.visitors;
      r.converted += c.converted_visitors;
    }
    visitors += c.visitors;
    returning += c.returning_visitors;
    converted += c.converted_visitors;
    visits += c.total_visits;
  }
  const bucketRows = (buckets: readonly Bucket[], counts: { visitors: number; converted: number }[]) =>
    buckets.map((b, i) => {
      const n = counts[i] ?? { visitors: 0, converted: 0 };
      return {
        bucket: b.label,
        visitors: n.visitors,
        convertedVisitors: n.converted,
        conversionRate: share(n.converted, n.visitors),
      };
    });
  const byNumber = VISIT_BUCKETS.map(() => 0);
  const bySince = DAY_BUCKETS.map(() => 0);
  for (const p of perVisit) {
    byNumber[p.nb] = (byNumber[p.nb] ?? 0) + p.visits;
    if (p.db !== null) bySince[p.db] = (bySince[p.db] ?? 0) + p.visits;
    pageviews += p.pageviews ?? 0;
  }
  return {
    visits,
    pageviews,
    visitors,
    returningVisitors: returning,
    returningShare: share(returning, visitors),
    convertedVisitors: converted,
    conversionRate: share(converted, visitors),
    visitBuckets: VISIT_BUCKETS.map((b) => b.label),
    dayBuckets: DAY_BUCKETS.map((b) => b.label),
    grid,
    byFrequency: bucketRows(VISIT_BUCKETS, freq),
    byRecency: bucketRows(DAY_BUCKETS, rec),
    byVisitNumber: VISIT_BUCKETS.map((b, i) => ({ bucket: b.label, visits: byNumber[i] ?? 0 })),
    byDaysSincePrevious: DAY_BUCKETS.map((b, i) => ({ bucket: b.label, visits: bySince[i] ?? 0 })),
  };
}

function views(r: EngagementResult): View[] {
  const conversionColumns: ViewColumn[] = [
    { key: "visitors", label: "Visitors", format: "count" },
    { key: "convertedVisitors", label: "Became leads", format: "count" },
    { key: "conversionRate", label: "Conversion", format: "percent" },
    ...rateColumns("conversionRate"),
  ];
  // A bucket's conversion is its converted visitors of its visitors.
  const withInterval = (rows: EngagementBucketRow[]) =>
    rows.map((b) => ({ ...b, ...rateCells("conversionRate", b.convertedVisitors, b.visitors) }));
  // The 14 x 14 grid is too wide for a terminal: its non-empty cells are listed instead.
  const cells = r.grid.flatMap((row) =>
    row.visitors.flatMap((visitors, i) =>
      visitors > 0 ? [{ visits: row.visits, days: r.dayBuckets[i] ?? "", visitors }] : [],
    ),
  );
  return [
    {
      title: "Visitors by visits in the period and days since their last visit",
      columns: [
        { key: "visits", label: "Visits", format: "text" },
        { key: "days", label: "Days since last", format: "text" },
        { key: "visitors", label: "Visitors", format: "count" },
      ],
      rows: cells,
    },
    {
      title: "Visitors and leads by visits in the period",
      columns: [{ key: "bucket", label: "Visits", format: "text" }, ...conversionColumns],
      rows: withInterval(r.byFrequency),
    },
    {
      title: "Visitors and leads by days since their last visit",
      columns: [{ key: "bucket", label: "Days", format: "text" }, ...conversionColumns],
      rows: withInterval(r.byRecency),
    },
    {
      title: "Visits by the visitor's visit number",
      columns: [
        { key: "bucket", label: "Visit number", format: "text" },
        { key: "visits", label: "Visits", format: "count" },
      ],
      rows: r.byVisitNumber,
    },
    {
      title: "Returning visits by days since the previous visit",
      columns: [
        { key: "bucket", label: "Days", format: "text" },
        { key: "visits", label: "Visits", format: "count" },
      ],
      rows: r.byDaysSincePrevious,
    },
  ];
}

export const engagement: MetricDefinition<EngagementResult, EngagementStatements> = {
  id: "engagement",
  title: "Visit frequency and recency",
  why:
    "Traffic bought for a month comes once and leaves. What shows interest is how often the same person " +
    "comes back and how recently they were here: a visitor on their sixth visit this month is worth more " +
    "than a hundred who bounced. Count people, not visits, by how often and how recently they came, and " +
    "which of those groups turn into leads.",
  definition:
    "A visitor is counted when a visit of theirs started in the period. Frequency is their visits started in " +
    "the period; recency is the whole days (rounded down) from the start of their last visit in the period to " +
    "the end of the period (for a period still running, its end, not today). Buckets are fixed: visits 1 to 8, " +
    "9-14, 15-25, 26-50, 51-100, 101-200, 200+ (more than 200; 200 itself is in 101-200); days 0 to 7, 8-14, " +
    "15-30, 31-60, 61-120, 121-364, 365+. A returning visitor is one with a visit in the period that was not " +
    "their first ever (its stored visit number is above 1), so a new visitor who came twice in the period " +
    "counts as returning. A visitor converted when a visit of theirs in the period created a lead. The " +
    "Matomo-style views count visits, not visitors: by the visit number stored at import, and returning " +
    "visits by whole days since the visitor's previous visit. Visits have no owner, so lead filters do not apply.",
  replaces: ["visits"],
  needs: ["web_visits"],
  area: "web",
  leadFilters: false,
  readsSupport: false,
  build,
  shape,
  quickHeadlines: {
    keys: ["returningVisitors"],
    // The check needs only the returning visitors: no grid, no per-visit statement.
    build: ({ ctx }) => ({
      returning: statement<{ returning: number }>(sql`
        SELECT count(*) AS returning FROM (
          SELECT visitor_id FROM (${visitorRowsOf(ctx)}) r GROUP BY visitor_id HAVING max(last_number) > 1
        ) x`),
    }),
    headlines: (rows) => [returningHeadline(Number(rows.returning?.[0]?.returning ?? 0))],
  },
  headlines: (r) => [
    { key: "visitors", label: "Visitors", value: r.visitors, format: "count", evidence: countEvidence(r.visitors) },
    returningHeadline(r.returningVisitors),
    {
      key: "returningShare",
      label: "Returning share",
      value: r.returningShare,
      format: "percent",
      evidence: rateEvidence(r.returningVisitors, r.visitors),
    },
  ],
  views,
};
