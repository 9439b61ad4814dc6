/**
 * METRICS.md 6: qualified leads, in place of new leads (vanity 5).
 */
import { sql } from "../../store/sql.js";
import { bucketsOf } from "../buckets.js";
import type { MetricContext, MetricDefinition } from "../metric.js";
import { bucket, inPeriod, leadFacts } from "../sql-parts.js";

export type QualifiedLeadsRow = {
  newLeads: number;
  /** Leads qualified in the period, whenever they were created. */
  qualifiedLeads: number;
  /** Of the leads created in the period, how many have qualified so far. */
  newLeadsQualified: number;
  /** newLeadsQualified / newLeads; null without new leads. */
  qualificationRate: number | null;
};

export type QualifiedLeadsResult = QualifiedLeadsRow & {
  bySource: (QualifiedLeadsRow & { source: string })[];
  /** Per grain bucket of the period (every bucket, empty ones with zeros). */
  trend: { bucket: string; newLeads: number; qualifiedLeads: number }[];
};

type Counts = { new_leads: number; qualified_leads: number; new_leads_qualified: number };

function row(counts: Counts | undefined): QualifiedLeadsRow {
  const newLeads = counts?.new_leads ?? 0;
  const newLeadsQualified = counts?.new_leads_qualified ?? 0;
  return {
    newLeads,
    qualifiedLeads: counts?.qualified_leads ?? 0,
    newLeadsQualified,
    qualificationRate: newLeads > 0 ? newLeadsQualified / newLeads : null,
  };
}

async function compute(ctx: MetricContext): Promise<QualifiedLeadsResult> {
  const created = inPeriod(ctx, sql`created_at`);
  const qualified = inPeriod(ctx, sql`qualified_at`);
  const counts = sql`
    count(CASE WHEN ${created} THEN 1 END) AS new_leads,
    count(CASE WHEN ${qualified} THEN 1 END) AS qualified_leads,
    count(CASE WHEN ${created} AND qualified_at IS NOT NULL THEN 1 END) AS new_leads_qualified`;
  const relevant = sql`(${created} OR ${qualified})`;
  const [total] = await ctx.store.query<Counts>(
    sql`WITH ${leadFacts(ctx)} SELECT ${counts} FROM lead_facts WHERE ${relevant}`,
  );
  const sources = await ctx.store.query<Counts & { source: string }>(sql`
    WITH ${leadFacts(ctx)}
    SELECT source, ${counts} FROM lead_facts WHERE ${relevant} GROUP BY source ORDER BY source`);
  const trendRows = await ctx.store.query<{ bucket: string; new_leads: number; qualified_leads: number }>(sql`
    WITH ${leadFacts(ctx)},
    events AS (
      SELECT ${bucket(ctx.grain, sql`created_at`)} AS bucket, 1 AS is_new, 0 AS is_qualified
      FROM lead_facts WHERE ${created}
      UNION ALL
      SELECT ${bucket(ctx.grain, sql`qualified_at`)}, 0, 1 FROM lead_facts WHERE ${qualified}
    )
    SELECT bucket, sum(is_new) AS new_leads, sum(is_qualified) AS qualified_leads
    FROM events GROUP BY bucket ORDER BY bucket`);
  const byBucket = new Map(trendRows.map((r) => [r.bucket, r]));
  return {
    ...row(total),
    bySource: sources.map((s) => ({ source: s.source, ...row(s) })),
    trend: bucketsOf(ctx).map((start) => ({
      bucket: start,
      newLeads: byBucket.get(start)?.new_leads ?? 0,
      qualifiedLeads: byBucket.get(start)?.qualified_leads ?? 0,
    })),
  };
}

export const qualifiedLeads: MetricDefinition<QualifiedLeadsResult> = {
  id: "qualified-leads",
  title: "Qualified leads",
  why:
    "A hundred form fills nobody can sell to are worth less than ten leads a rep would call back. " +
    "Count the leads that reach the qualifying stage, and what share of new leads get there, by source: " +
    "that is where pipeline comes from.",
  definition:
    "A lead is qualified when its qualified_at is set, or when it first reached the pipeline's qualifying stage " +
    "or any later stage (a skipped stage counts as passed), or, lacking both, when it was won. Qualified leads " +
    "are counted in the period they qualified in, whenever they were created. The qualification rate is the " +
    "share of leads created in the period that have qualified so far (young cohorts are still maturing).",
  replaces: ["new-leads"],
  needs: [],
  leadFilters: true,
  compute,
  headlines: (r) => [
    { key: "qualifiedLeads", label: "Qualified leads", value: r.qualifiedLeads, format: "count" },
    {
      key: "qualificationRate",
      label: "Qualification rate of new leads",
      value: r.qualificationRate,
      format: "percent",
    },
  ],
  views: (r) => [
    {
      title: "Qualified leads by source",
      columns: [
        { key: "source", label: "Source", format: "text" },
        { key: "newLeads", label: "New", format: "count" },
        { key: "qualifiedLeads", label: "Qualified", format: "count" },
        { key: "newLeadsQualified", label: "New, qualified", format: "count" },
        { key: "qualificationRate", label: "Qual. rate", format: "percent" },
      ],
      rows: [...r.bySource, { source: "all", ...r }].map(
        ({ source, newLeads, qualifiedLeads, newLeadsQualified, qualificationRate }) => ({
          source,
          newLeads,
          qualifiedLeads,
          newLeadsQualified,
          qualificationRate,
        }),
      ),
    },
    {
      title: "New against qualified leads",
      columns: [
        { key: "bucket", label: "From", format: "date" },
        { key: "newLeads", label: "New", format: "count" },
        { key: "qualifiedLeads", label: "Qualified", format: "count" },
      ],
      rows: r.trend,
    },
  ],
};
