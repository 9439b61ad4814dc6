/**
 * METRICS.md 6: qualified leads, in place of new leads (vanity 5).
 */
import { sql } from "../../store/sql.js";
import { countsAcross } from "../across-periods.js";
import { bucketsOf } from "../buckets.js";
import { headlineOf, rateEvidence } from "../figure-support.js";
import {
  type FigureUnsupported,
  type Headline,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  statement,
  supportOf,
} from "../metric.js";
import type { QualifiedLeadsResult, QualifiedLeadsRow } from "../results/qualified-leads.js";
import { bucket, inPeriod, leadFacts } from "../sql-parts.js";
import { wilsonInterval } from "../statistics.js";

// What it answers is declared type-only in results/qualified-leads.ts (shared with the dashboard).
export type { QualifiedLeadsResult, QualifiedLeadsRow } from "../results/qualified-leads.js";

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

type Group = {
  source: string;
  created_bucket: string | null;
  qualified_bucket: string | null;
  leads: number;
  leads_qualified: number;
};

/**
 * One pass over the leads created or qualified in the period, grouped by source and by the
 * buckets they were created and qualified in (each NULL when not in the period): the totals,
 * the sources and the trend are sums of these groups, summed by shape. The period's filters
 * reach the leads' own columns, so PostgreSQL reads them through its indexes (created, qualified).
 */
function build({ ctx }: MetricInput) {
  const created = inPeriod(ctx, sql`created_at`);
  const qualified = inPeriod(ctx, sql`qualified_at`);
  return {
    groups: statement<Group>(sql`
    WITH ${leadFacts(ctx)}
    SELECT source,
      CASE WHEN ${created} THEN ${bucket(ctx.grain, sql`created_at`)} END AS created_bucket,
      CASE WHEN ${qualified} THEN ${bucket(ctx.grain, sql`qualified_at`)} END AS qualified_bucket,
      count(*) AS leads, count(qualified_at) AS leads_qualified
    FROM lead_facts WHERE ${created} OR ${qualified}
    GROUP BY 1, 2, 3`),
  };
}

function shape(rows: RowsOf<ReturnType<typeof build>> | null, input: MetricInput): QualifiedLeadsResult {
  const total: Counts = { new_leads: 0, qualified_leads: 0, new_leads_qualified: 0 };
  const sources = new Map<string, Counts>();
  const trend = new Map<string, { new_leads: number; qualified_leads: number }>();
  const trendOf = (key: string) => {
    const t = trend.get(key) ?? { new_leads: 0, qualified_leads: 0 };
    trend.set(key, t);
    return t;
  };
  for (const g of rows?.groups ?? []) {
    const counts = sources.get(g.source) ?? { new_leads: 0, qualified_leads: 0, new_leads_qualified: 0 };
    sources.set(g.source, counts);
    for (const c of [total, counts]) {
      if (g.created_bucket !== null) {
        c.new_leads += g.leads;
        c.new_leads_qualified += g.leads_qualified;
      }
      if (g.qualified_bucket !== null) c.qualified_leads += g.leads;
    }
    if (g.created_bucket !== null) trendOf(g.created_bucket).new_leads += g.leads;
    if (g.qualified_bucket !== null) trendOf(g.qualified_bucket).qualified_leads += g.leads;
  }
  const cannot = supportOf(input).qualification;
  return {
    ...row(total),
    qualificationUnsupported: cannot,
    unsupported: cannot
      ? [{ capability: "qualification", message: `Qualified leads: ${cannot.reason} (fix: ${cannot.fix})` }]
      : [],
    // In byte order (what ORDER BY gives under the C collation, on both engines): sorting here
    // lets PostgreSQL hash the groups instead of sorting every lead.
    bySource: [...sources]
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .map(([source, counts]) => ({ source, ...row(counts) })),
    trend: bucketsOf(input.ctx).map((start) => ({
      bucket: start,
      newLeads: trend.get(start)?.new_leads ?? 0,
      qualifiedLeads: trend.get(start)?.qualified_leads ?? 0,
    })),
  };
}

/** Leads qualified in the period; none shown where the data has no sign of qualification. */
function qualifiedHeadline(leads: number, unsupported: FigureUnsupported | null): Headline {
  return headlineOf(
    {
      key: "qualifiedLeads",
      label: "Qualified leads",
      value: leads,
      format: "count",
      evidence: { kind: "count", n: leads },
    },
    unsupported,
  );
}

export const qualifiedLeads: MetricDefinition<QualifiedLeadsResult, ReturnType<typeof build>> = {
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
  area: "sales",
  leadFilters: true,
  readsSupport: true,
  build,
  shape,
  quickHeadlines: {
    keys: ["qualifiedLeads"],
    // The vanity check's count alone: no sources, trend or new leads.
    build: ({ ctx }) => ({
      qualified: statement<{ leads: number }>(sql`
        WITH ${leadFacts(ctx)}
        SELECT count(*) AS leads FROM lead_facts WHERE ${inPeriod(ctx, sql`qualified_at`)}`),
    }),
    headlines: (rows, input) => [
      qualifiedHeadline(Number(rows.qualified?.[0]?.leads ?? 0), supportOf(input).qualification),
    ],
    across: ({ ctx }, periods) => {
      return statement<{ period_index: number; leads: number }>(
        countsAcross(periods, {
          with: leadFacts(ctx),
          from: sql`lead_facts`,
          where: sql`TRUE`,
          at: sql`qualified_at`,
          name: "leads",
        }),
      );
    },
  },
  headlines: (r) => [
    qualifiedHeadline(r.qualifiedLeads, r.qualificationUnsupported),
    headlineOf(
      {
        key: "qualificationRate",
        label: "Qualification rate of new leads",
        value: r.qualificationRate,
        format: "percent",
        evidence: rateEvidence(r.newLeadsQualified, r.newLeads),
      },
      r.qualificationUnsupported,
    ),
  ],
  views: (r) => {
    const cannot = r.qualificationUnsupported;
    // Without qualification marks only the new leads are counts of something; the rest say why.
    const note = cannot ? `: qualified leads not available (${cannot.reason}; fix: ${cannot.fix})` : "";
    return [
      {
        title: `Qualified leads by source${note}`,
        columns: [
          { key: "source", label: "Source", format: "text" },
          { key: "newLeads", label: "New", format: "count" },
          { key: "qualifiedLeads", label: "Qualified", format: "count" },
          { key: "newLeadsQualified", label: "New, qualified", format: "count" },
          { key: "qualificationRate", label: "Qual. rate", format: "percent" },
          { key: "low", label: "Qual. rate 95% low", format: "percent" },
          { key: "high", label: "Qual. rate 95% high", format: "percent" },
        ],
        rows: [...r.bySource, { source: "all", ...r }].map(
          ({ source, newLeads, qualifiedLeads, newLeadsQualified, qualificationRate }) => {
            // The rate's n is the new leads; its Wilson interval beside it.
            const interval = wilsonInterval(newLeadsQualified, newLeads);
            return {
              source,
              newLeads,
              qualifiedLeads: cannot ? null : qualifiedLeads,
              newLeadsQualified: cannot ? null : newLeadsQualified,
              qualificationRate: cannot ? null : qualificationRate,
              low: cannot ? null : (interval?.low ?? null),
              high: cannot ? null : (interval?.high ?? null),
            };
          },
        ),
      },
      {
        title: `New against qualified leads${note}`,
        columns: [
          { key: "bucket", label: "From", format: "date" },
          { key: "newLeads", label: "New", format: "count" },
          { key: "qualifiedLeads", label: "Qualified", format: "count" },
        ],
        rows: r.trend.map((t) => (cannot ? { ...t, qualifiedLeads: null } : t)),
      },
    ];
  },
};
