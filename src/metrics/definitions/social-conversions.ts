/**
 * METRICS.md 8: conversions from social media, in place of social impressions (vanity 7).
 *
 * A lead counts as social when the CRM says so (source_channel social:NETWORK) or when its
 * first touch was tagged as social (utm_*): CRMs often file a form fill from a LinkedIn
 * post under "website", but its utm_* still say where the person came from. Visits are
 * classified the same way, with the referrer as a last resort, since untagged links shared
 * by readers arrive with no utm_* at all.
 */
import { referrerHost, rollupFilters } from "../../derive/visit-rollup.js";
import { raw, type Sql, sql } from "../../store/sql.js";
import { countsAcross } from "../across-periods.js";
import {
  countEvidence,
  moneyHeadline,
  rateCells,
  rateColumns,
  rateEvidence,
  squaresTotal,
  sumOfSquares,
} from "../evidence.js";
import {
  type Headline,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  type Statement,
  statement,
} from "../metric.js";
import type { SocialConversionsResult } from "../results/social-conversions.js";
import { inPeriod, leadFacts, ts } from "../sql-parts.js";

/** utm_source values that name a network (lower-cased before comparing). */
export const SOCIAL_UTM_SOURCES = ["linkedin", "twitter", "facebook", "instagram", "youtube"] as const;

/** Referrer hosts of each network; a subdomain (www., l., m.) counts as the host. */
export const SOCIAL_HOSTS: Readonly<Record<(typeof SOCIAL_UTM_SOURCES)[number], readonly string[]>> = {
  linkedin: ["linkedin.com", "lnkd.in"],
  twitter: ["t.co", "twitter.com", "x.com"],
  facebook: ["facebook.com"],
  instagram: ["instagram.com"],
  youtube: ["youtube.com"],
};

const SOURCES_LIST = raw(SOCIAL_UTM_SOURCES.map((s) => `'${s}'`).join(", "));

/**
 * The network of a lead's first touch (NULL: not social): source_channel first, then a
 * utm_source naming a network, then utm_medium 'social' (network "other").
 */
function leadNetwork(alias: string): Sql {
  const a = raw(alias);
  return sql`CASE
    WHEN ${a}.source LIKE 'social:%' THEN substr(${a}.source, 8)
    WHEN lower(${a}.utm_source) IN (${SOURCES_LIST}) THEN lower(${a}.utm_source)
    WHEN lower(${a}.utm_medium) = 'social' THEN 'other'
  END`;
}

/**
 * The network of a visit (NULL: not social): a utm_source naming a network, else the
 * referrer's host, else utm_medium 'social' (network "other"). `host` is a column name.
 */
function visitNetwork(host: string): Sql {
  const whens = Object.entries(SOCIAL_HOSTS).map(([network, hosts]) => {
    const match = hosts.map((h) => `${host} = '${h}' OR ${host} LIKE '%.${h}'`).join(" OR ");
    return `WHEN ${match} THEN '${network}'`;
  });
  return sql`CASE
    WHEN lower(utm_source) IN (${SOURCES_LIST}) THEN lower(utm_source)
    ${raw(whens.join("\n    "))}
    WHEN lower(utm_medium) = 'social' THEN 'other'
  END`;
}

const socialLeadsHeadline = (leads: number | null): Headline => ({
  key: "socialLeads",
  label: "Leads from social media",
  value: leads,
  format: "count",
  evidence: countEvidence(leads),
});

// What it answers is declared type-only in results/social-conversions.ts (shared with the dashboard).
export type * from "../results/social-conversions.js";

type LeadRow = {
  network: string;
  campaign: string | null;
  leads: number;
  qualified_leads: number;
  won_leads: number;
  won_value: number | null;
  won_amounts: number;
  /** Exact decimal text (evidence.ts sumOfSquares). */
  won_value_squares: string | number | null;
  by_source: number;
  posts: number;
};

type VisitRow = { network: string | null; visits: number; converted_visits: number };

/**
 * The leads statement runs when the leads carry sources, the visits statement when visits are
 * loaded; each on its own, so the statements are either or both (neither: nothing to ask).
 */
type SocialStatements =
  | { leads: Statement<LeadRow>; visits: Statement<VisitRow> }
  | { leads: Statement<LeadRow> }
  | { visits: Statement<VisitRow> };

function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The social leads by network and campaign, and the visits by network; neither reads the other's rows. */
function build({ ctx }: MetricInput): SocialStatements | null {
  const w = ctx.workspace;
  const hasLeads = ctx.capabilities.has("lead_sources");
  const hasVisits = ctx.capabilities.has("web_visits");
  const leads = hasLeads
    ? statement<LeadRow>(sql`
      WITH ${leadFacts(ctx)},
      social_leads AS (
        SELECT ${leadNetwork("lf")} AS network, lf.utm_campaign AS campaign, lf.source, lf.status,
          lf.qualified_at, lf.amount
        FROM lead_facts lf WHERE ${inPeriod(ctx, sql`lf.created_at`)}
      ),
      -- Posts carrying a campaign on a network, published by the end of the period.
      campaign_posts AS (
        SELECT network, utm_campaign, count(*) AS posts FROM social_posts
        WHERE workspace_id = ${w} AND utm_campaign IS NOT NULL AND published_at < ${ts(ctx.period.end)}
        GROUP BY network, utm_campaign
      )
      SELECT s.network, s.campaign, count(*) AS leads,
        count(CASE WHEN s.qualified_at IS NOT NULL THEN 1 END) AS qualified_leads,
        count(CASE WHEN s.status = 'won' THEN 1 END) AS won_leads,
        sum(CASE WHEN s.status = 'won' THEN s.amount END) AS won_value,
        count(CASE WHEN s.status = 'won' THEN s.amount END) AS won_amounts,
        ${sumOfSquares(sql`CASE WHEN s.status = 'won' THEN s.amount END`)} AS won_value_squares,
        count(CASE WHEN s.source LIKE 'social:%' THEN 1 END) AS by_source,
        COALESCE(max(p.posts), 0) AS posts
      FROM social_leads s
      LEFT JOIN campaign_posts p ON p.network = s.network AND p.utm_campaign = s.campaign
      WHERE s.network IS NOT NULL
      GROUP BY s.network, s.campaign`)
    : null;
  // Whole months from the rollup kept per source at ingest (src/derive/visit-rollup.ts), partial
  // months from the visits; the network is decided here, on a few hundred source rows.
  const { months, visits: rest } = rollupFilters(w, ctx.period.start, ctx.period.end);
  const visits = hasVisits
    ? statement<VisitRow>(sql`
      WITH sources AS (
        SELECT utm_source, utm_medium, referrer_host AS host, visits, converted_visits
        FROM visit_source_months WHERE ${months}
        ${
          rest
            ? sql`UNION ALL
        SELECT lower(v.utm_source), lower(v.utm_medium), ${referrerHost(sql`v.referrer`)}, 1,
          CASE WHEN v.converted_lead_id IS NOT NULL THEN 1 ELSE 0 END
        FROM visits v WHERE ${rest}`
            : sql``
        }
      ),
      social_visits AS (
        SELECT ${visitNetwork("host")} AS network, visits, converted_visits FROM sources
      )
      SELECT network, sum(visits) AS visits, sum(converted_visits) AS converted_visits
      FROM social_visits GROUP BY network`)
    : null;
  if (leads && visits) return { leads, visits };
  if (leads) return { leads };
  if (visits) return { visits };
  return null;
}

/** Folds the leads' and the visits' rows into networks, campaigns and totals (unknown where not asked). */
function shape(rows: RowsOf<SocialStatements> | null, { ctx }: MetricInput): SocialConversionsResult {
  const hasLeads = ctx.capabilities.has("lead_sources");
  const hasVisits = ctx.capabilities.has("web_visits");
  const leadRows = rows && "leads" in rows ? rows.leads : [];
  const allVisitRows = rows && "visits" in rows ? rows.visits : [];
  // The row of visits that are not social is dropped here, not with a WHERE: DuckDB would push
  // such a filter down and evaluate the referrer host once per comparison (ten times slower).
  const visitRows = allVisitRows.filter((r): r is VisitRow & { network: string } => r.network !== null);

  // Money is only added up in the reporting currency; without one, or without amounts at all,
  // there is no won value (unknown, not 0).
  const hasMoney = ctx.currency !== null && ctx.capabilities.has("amounts");
  const money = (value: number) => (hasMoney ? value : null);
  const networks = [...new Set([...leadRows.map((r) => r.network), ...visitRows.map((r) => r.network)])].sort();
  const byNetwork = networks.map((network) => {
    const rows = leadRows.filter((r) => r.network === network);
    const v = visitRows.find((r) => r.network === network);
    const visits = v?.visits ?? 0;
    const convertedVisits = v?.converted_visits ?? 0;
    return {
      network,
      leads: rows.reduce((a, r) => a + r.leads, 0),
      qualifiedLeads: rows.reduce((a, r) => a + r.qualified_leads, 0),
      wonLeads: rows.reduce((a, r) => a + r.won_leads, 0),
      wonValue: money(rows.reduce((a, r) => a + (r.won_value ?? 0), 0)),
      visits,
      convertedVisits,
      visitToLeadRate: rate(convertedVisits, visits),
    };
  });
  const byCampaign = [...leadRows]
    .sort((a, b) => a.network.localeCompare(b.network) || (a.campaign ?? "").localeCompare(b.campaign ?? ""))
    .map((r) => ({
      network: r.network,
      campaign: r.campaign,
      posts: r.posts,
      leads: r.leads,
      qualifiedLeads: r.qualified_leads,
      wonLeads: r.won_leads,
      wonValue: money(r.won_value ?? 0),
    }));
  const leads = leadRows.reduce((a, r) => a + r.leads, 0);
  const bySource = leadRows.reduce((a, r) => a + r.by_source, 0);
  const visits = visitRows.reduce((a, r) => a + r.visits, 0);
  const converted = visitRows.reduce((a, r) => a + r.converted_visits, 0);
  return {
    leads: hasLeads ? leads : null,
    qualifiedLeads: hasLeads ? leadRows.reduce((a, r) => a + r.qualified_leads, 0) : null,
    wonLeads: hasLeads ? leadRows.reduce((a, r) => a + r.won_leads, 0) : null,
    wonValue: hasLeads ? money(leadRows.reduce((a, r) => a + (r.won_value ?? 0), 0)) : null,
    wonValuedLeads: hasLeads ? money(leadRows.reduce((a, r) => a + r.won_amounts, 0)) : null,
    wonValueSumOfSquares: hasLeads ? money(squaresTotal(leadRows.map((r) => r.won_value_squares))) : null,
    bySourceChannel: hasLeads ? bySource : null,
    byFirstTouchOnly: hasLeads ? leads - bySource : null,
    visits: hasVisits ? visits : null,
    convertedVisits: hasVisits ? converted : null,
    visitToLeadRate: hasVisits ? rate(converted, visits) : null,
    byNetwork,
    byCampaign,
  };
}

/**
 * Won value from social leads: a sum of amounts; unsupported when the loaded leads carry no
 * amounts (null without lead sources: the metric as a whole says why then).
 */
function wonValueHeadline(r: SocialConversionsResult): Headline {
  return moneyHeadline(
    { key: "socialWonValue", label: "Won value from social leads" },
    r.wonValue,
    r.wonValuedLeads,
    r.wonValueSumOfSquares,
    // Without social leads measured the value is absent, not unsupported.
    r.leads !== null,
  );
}

export const socialConversions: MetricDefinition<SocialConversionsResult, SocialStatements> = {
  id: "social-conversions",
  title: "Conversions from social media",
  why:
    "Impressions count how often a post scrolled past someone. What the business needs from social media is " +
    "people who raise their hand: leads, and the deals they turn into. Count the leads social posts brought, " +
    "what they were worth when won, and what share of the visits from social media ended in a lead.",
  definition:
    "Leads created in the period are social when their source channel is social:NETWORK, or when their first " +
    "touch is: utm_source linkedin, twitter, facebook, instagram or youtube, or utm_medium social (compared " +
    "without case). The network comes from the source channel first, then utm_source; a social utm_medium " +
    "with another source is network other. Qualified leads have a qualification date (set, or derived from " +
    "reaching the qualifying stage or winning); won leads and their value count leads won by now, in the " +
    "reporting currency only. Per campaign, posts counts the posts on that network carrying the campaign, " +
    "published by the end of the period (a post's own leads show under its campaign). Social visits started in " +
    "the period are those with a network utm_source, else a referrer host of a network (linkedin.com, lnkd.in, " +
    "t.co, twitter.com, x.com, facebook.com, instagram.com, youtube.com, or a subdomain of one), else utm_medium " +
    "social; the visit-to-lead rate is the share of them on which a lead was created. Visits have no owner, so " +
    "lead filters apply to the leads and not to the visit figures.",
  replaces: ["impressions"],
  needs: ["lead_sources"],
  area: "social",
  leadFilters: true,
  readsSupport: false,
  build,
  shape,
  quickHeadlines: {
    keys: ["socialLeads"],
    // The vanity check's count alone: no campaigns, posts, money or visits.
    build: ({ ctx }) => ({
      leads: statement<{ leads: number }>(sql`
        WITH ${leadFacts(ctx)}
        SELECT count(*) AS leads FROM lead_facts lf
        WHERE ${inPeriod(ctx, sql`lf.created_at`)} AND ${leadNetwork("lf")} IS NOT NULL`),
    }),
    headlines: (rows, { ctx }) => [
      socialLeadsHeadline(ctx.capabilities.has("lead_sources") ? Number(rows.leads?.[0]?.leads ?? 0) : null),
    ],
    across: ({ ctx }, periods) => {
      return statement<{ period_index: number; leads: number }>(
        countsAcross(periods, {
          with: leadFacts(ctx),
          from: sql`lead_facts lf`,
          where: sql`${leadNetwork("lf")} IS NOT NULL`,
          at: sql`lf.created_at`,
          name: "leads",
        }),
      );
    },
  },
  headlines: (r) => [
    socialLeadsHeadline(r.leads),
    wonValueHeadline(r),
    {
      key: "socialVisitToLeadRate",
      label: "Social visits that became leads",
      value: r.visitToLeadRate,
      format: "percent",
      evidence: rateEvidence(r.convertedVisits, r.visits),
    },
  ],
  views: (r) => [
    {
      title: "Leads and visits from social media by network",
      columns: [
        { key: "network", label: "Network", format: "text" },
        { key: "leads", label: "Leads", format: "count" },
        { key: "qualifiedLeads", label: "Qualified", format: "count" },
        { key: "wonLeads", label: "Won", format: "count" },
        { key: "wonValue", label: "Won value", format: "money" },
        { key: "visits", label: "Visits", format: "count" },
        { key: "visitToLeadRate", label: "Visit to lead", format: "percent" },
        ...rateColumns("visitToLeadRate"),
      ],
      rows: [
        ...r.byNetwork,
        {
          network: "all",
          leads: r.leads,
          qualifiedLeads: r.qualifiedLeads,
          wonLeads: r.wonLeads,
          wonValue: r.wonValue,
          visits: r.visits,
          convertedVisits: r.convertedVisits,
          visitToLeadRate: r.visitToLeadRate,
        },
      ].map(({ network, leads, qualifiedLeads, wonLeads, wonValue, visits, convertedVisits, visitToLeadRate }) => ({
        network,
        leads,
        qualifiedLeads,
        wonLeads,
        wonValue,
        visits,
        visitToLeadRate,
        // The visits that became leads, of the social visits.
        ...rateCells("visitToLeadRate", convertedVisits, visits),
      })),
    },
    {
      title: "Social leads by campaign",
      columns: [
        { key: "network", label: "Network", format: "text" },
        { key: "campaign", label: "Campaign", format: "text" },
        { key: "posts", label: "Posts", format: "count" },
        { key: "leads", label: "Leads", format: "count" },
        { key: "qualifiedLeads", label: "Qualified", format: "count" },
        { key: "wonLeads", label: "Won", format: "count" },
        { key: "wonValue", label: "Won value", format: "money" },
      ],
      rows: r.byCampaign.map((c) => ({ ...c, campaign: c.campaign ?? "(none)" })),
    },
  ],
};
