/**
 * What visit frequency and recency (METRICS.md 5) answers: type-only, shared with the
 * dashboard (see common.ts for the rule this folder keeps).
 */

/** Visitors of one bucket of frequency or recency. */
export type EngagementBucketRow = {
  bucket: string;
  visitors: number;
  /** Visitors of the bucket with a visit in the period that created a lead. */
  convertedVisitors: number;
  /** convertedVisitors / visitors; null for an empty bucket. */
  conversionRate: number | null;
};

/** Visits of one bucket of the Matomo-style views. */
export type VisitBucketRow = { bucket: string; visits: number };

export type EngagementResult = {
  /** Visits and pageviews started in the period (the vanity numbers, for context). */
  visits: number | null;
  pageviews: number | null;
  /** Distinct visitors with a visit started in the period. */
  visitors: number | null;
  /** Visitors of the period with a visit that was not their first (visit number above 1). */
  returningVisitors: number | null;
  /** returningVisitors / visitors; null without visitors. */
  returningShare: number | null;
  convertedVisitors: number | null;
  conversionRate: number | null;
  /** Labels of the grid's rows (visits in the period) and columns (days since the last visit). */
  visitBuckets: string[];
  dayBuckets: string[];
  /** Visitors per frequency bucket (row) and recency bucket (column, in dayBuckets order). */
  grid: { visits: string; visitors: number[] }[];
  byFrequency: EngagementBucketRow[];
  byRecency: EngagementBucketRow[];
  /** Matomo's "visits by visit number": the period's visits by the visitor's visit number. */
  byVisitNumber: VisitBucketRow[];
  /** Matomo's "days since last visit": the period's returning visits by whole days since the previous one. */
  byDaysSincePrevious: VisitBucketRow[];
};
