/**
 * METRICS.md 9: new leads per month from the newsletter, in place of the subscriber count
 * (vanity 8).
 *
 * Three rules tell a newsletter lead, because no single field does: the CRM's source
 * channel, the utm_* of the lead's first touch, and, for people who clicked an issue and
 * came back later by another way, the newsletter tool's own click log matched to the lead's
 * contact by the hashed address (the tool stores SHA-256 of the trimmed, lower-cased email).
 */
import { type Sql, sql } from "../../store/sql.js";
import { countsAcross, spanOfPeriods } from "../across-periods.js";
import { bucketsOf } from "../buckets.js";
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
  type Evidence,
  type Headline,
  type MetricContext,
  type MetricDefinition,
  type MetricInput,
  type RowsOf,
  statement,
} from "../metric.js";
import type { NewsletterLeadsResult } from "../results/newsletter-leads.js";
import { bucket, inPeriod, leadFacts, leadFilter, ts } from "../sql-parts.js";

// What it answers is declared type-only in results/newsletter-leads.ts (shared with the dashboard).
export type { NewsletterLeadCounts, NewsletterLeadsResult } from "../results/newsletter-leads.js";

type BucketRow = {
  bucket: string;
  leads: number;
  by_source: number;
  by_first_touch: number;
  by_click: number;
  subscriber_leads: number;
  qualified_leads: number;
  won_leads: number;
  won_value: number | null;
  won_amounts: number;
  /** Exact decimal text (evidence.ts sumOfSquares). */
  won_value_squares: string | number | null;
};

/**
 * The CTEs up to `classified`: the leads created in [from, to), each with the rules it
 * matches (by_source, by_first_touch, by_click) and whether its contact had subscribed by
 * then. Shared by the metric and its quick headline.
 */
function classifiedLeads(ctx: MetricContext, from: Date, to: Date): Sql {
  const w = ctx.workspace;
  const d = ctx.store.dialect;
  const windowSeconds = ctx.options.attributionDays * 86_400;
  const clicksFrom = new Date(from.getTime() - (windowSeconds + 86_400) * 1000);
  return sql`${leadFacts(ctx)},
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = ${w} AND utm_campaign IS NOT NULL
    ),
    new_leads AS (
      SELECT lf.lead_id, lf.created_at, lf.source, lf.utm_medium, lf.utm_campaign, lf.status, lf.qualified_at,
        lf.amount, lf.contact_hash
      FROM lead_facts lf WHERE (lf.created_at >= ${ts(from)} AND lf.created_at < ${ts(to)})
    ),
    lead_subscribers AS (
      SELECT n.lead_id, n.created_at, s.id AS subscriber_id, s.subscribed_at
      -- The contact's hash is stored on the lead at ingest (src/derive/lead-contact.ts).
      FROM new_leads n
      JOIN newsletter_subscribers s ON s.workspace_id = ${w} AND s.email_hash = n.contact_hash
    ),
    -- A click counts from the moment of the lead back to attributionDays before it, both ends included.
    -- Only clicks from a day more than the window before the period up to its end can count:
    -- that range is read first, so the join sees the period's clicks, not every click ever.
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = ${w} AND type = 'click'
        AND occurred_at >= ${ts(clicksFrom)} AND occurred_at < ${ts(to)}
    ),
    clicked AS (
      SELECT DISTINCT ls.lead_id FROM lead_subscribers ls
      JOIN period_clicks e ON e.subscriber_id = ls.subscriber_id
        AND e.occurred_at <= ls.created_at
        AND ${d.epoch(sql`ls.created_at`)} - ${d.epoch(sql`e.occurred_at`)} <= ${windowSeconds}
    ),
    -- Per lead whose contact is a subscriber: subscribed by the lead's creation, and clicked in the window.
    matched AS (
      SELECT ls.lead_id, max(CASE WHEN ls.subscribed_at <= ls.created_at THEN 1 ELSE 0 END) AS is_subscriber,
        max(CASE WHEN c.lead_id IS NOT NULL THEN 1 ELSE 0 END) AS by_click
      FROM lead_subscribers ls LEFT JOIN clicked c ON c.lead_id = ls.lead_id
      GROUP BY ls.lead_id
    ),
    classified AS (
      SELECT n.created_at, n.status, n.qualified_at, n.amount,
        CASE WHEN n.source = 'newsletter' THEN 1 ELSE 0 END AS by_source,
        CASE WHEN lower(n.utm_medium) = 'email' OR ic.utm_campaign IS NOT NULL THEN 1 ELSE 0 END AS by_first_touch,
        COALESCE(m.by_click, 0) AS by_click,
        COALESCE(m.is_subscriber, 0) AS is_subscriber
      FROM new_leads n
      LEFT JOIN issue_campaigns ic ON ic.utm_campaign = n.utm_campaign
      LEFT JOIN matched m ON m.lead_id = n.lead_id
    )
`;
}

/**
 * The three rules again for a count alone (the check's figure), over the leads aliased l
 * created in [from, to): the same leads as classifiedLeads' that match any rule, without
 * classifying every lead (at size l, 11 quarters: 1.0 s -> 0.27 s on one thread). `with`
 * holds the CTEs, `where` the request's lead filters and the rules; the caller bounds the
 * creation time.
 */
function newsletterRules(ctx: MetricContext, from: Date, to: Date): { with: Sql; where: Sql } {
  const w = ctx.workspace;
  const d = ctx.store.dialect;
  const windowSeconds = ctx.options.attributionDays * 86_400;
  const clicksFrom = new Date(from.getTime() - (windowSeconds + 86_400) * 1000);
  return {
    with: sql`
    issue_campaigns AS (
      SELECT DISTINCT utm_campaign FROM newsletter_issues WHERE workspace_id = ${w} AND utm_campaign IS NOT NULL
    ),
    period_clicks AS (
      SELECT subscriber_id, occurred_at FROM email_events
      WHERE workspace_id = ${w} AND type = 'click'
        AND occurred_at >= ${ts(clicksFrom)} AND occurred_at < ${ts(to)}
    ),
    clicked AS (
      SELECT DISTINCT c.id AS lead_id FROM leads c
      JOIN newsletter_subscribers s ON s.workspace_id = c.workspace_id AND s.email_hash = c.contact_hash
      JOIN period_clicks e ON e.subscriber_id = s.id AND e.occurred_at <= c.created_at
        AND ${d.epoch(sql`c.created_at`)} - ${d.epoch(sql`e.occurred_at`)} <= ${windowSeconds}
      WHERE c.workspace_id = ${w} AND c.created_at >= ${ts(from)} AND c.created_at < ${ts(to)}
    )`,
    where: sql`${leadFilter(ctx, "l")} AND (COALESCE(l.source_channel, 'unknown') = 'newsletter'
      OR lower(l.utm_medium) = 'email' OR l.utm_campaign IN (SELECT utm_campaign FROM issue_campaigns)
      OR l.id IN (SELECT lead_id FROM clicked))`,
  };
}

/** A lead from the newsletter: one that matches any of the three rules. */
const NEWSLETTER_LEAD = sql`by_source = 1 OR by_first_touch = 1 OR by_click = 1`;

const newsletterLeadsHeadline = (leads: number): Headline => ({
  key: "newsletterLeads",
  label: "Leads from the newsletter",
  value: leads,
  format: "count",
  evidence: countEvidence(leads),
});

/**
 * The newsletter leads per bucket of creation (buckets), and the subscribers active at the end
 * of the period (subscribers); neither reads the other's rows. Both are asked without
 * newsletter data too: the leads' source and utm rules need none.
 */
function build({ ctx }: MetricInput) {
  const w = ctx.workspace;
  const buckets = statement<BucketRow>(sql`
    WITH${classifiedLeads(ctx, ctx.period.start, ctx.period.end)}
    SELECT ${bucket(ctx.grain, sql`created_at`)} AS bucket, count(*) AS leads,
      sum(by_source) AS by_source, sum(by_first_touch) AS by_first_touch, sum(by_click) AS by_click,
      sum(is_subscriber) AS subscriber_leads,
      count(CASE WHEN qualified_at IS NOT NULL THEN 1 END) AS qualified_leads,
      count(CASE WHEN status = 'won' THEN 1 END) AS won_leads,
      sum(CASE WHEN status = 'won' THEN amount END) AS won_value,
      count(CASE WHEN status = 'won' THEN amount END) AS won_amounts,
      ${sumOfSquares(sql`CASE WHEN status = 'won' THEN amount END`)} AS won_value_squares
    FROM classified WHERE ${NEWSLETTER_LEAD}
    GROUP BY 1`);
  const subscribers = statement<{ subscribers: number }>(sql`
    SELECT count(*) AS subscribers FROM newsletter_subscribers
    WHERE workspace_id = ${w} AND subscribed_at < ${ts(ctx.period.end)}
      AND (unsubscribed_at IS NULL OR unsubscribed_at >= ${ts(ctx.period.end)})`);
  return { buckets, subscribers };
}

type NewsletterStatements = ReturnType<typeof build>;

/** Totals and the trend from the buckets' rows; click and subscriber figures unknown without newsletter data. */
function shape(statementRows: RowsOf<NewsletterStatements> | null, { ctx }: MetricInput): NewsletterLeadsResult {
  const rows = statementRows?.buckets ?? [];
  const [active] = statementRows?.subscribers ?? [];
  const hasNewsletter = ctx.capabilities.has("newsletter");
  const total = (pick: (r: BucketRow) => number | null) => rows.reduce((a, r) => a + (pick(r) ?? 0), 0);
  // Without newsletter data there are no clicks or subscribers to tell by: unknown, not zero.
  const known = <T>(value: T): T | null => (hasNewsletter ? value : null);
  const subscribers = known(active?.subscribers ?? 0);
  const subscriberLeads = known(total((r) => r.subscriber_leads));
  const byBucket = new Map(rows.map((r) => [r.bucket, r]));
  // Money only in the reporting currency, and only when the leads carry amounts at all.
  const hasMoney = ctx.currency !== null && ctx.capabilities.has("amounts");
  return {
    attributionDays: ctx.options.attributionDays,
    newsletterLeads: total((r) => r.leads),
    bySource: total((r) => r.by_source),
    byFirstTouch: total((r) => r.by_first_touch),
    byClick: known(total((r) => r.by_click)),
    subscriberLeads,
    subscribers,
    subscriberToLeadRate:
      subscriberLeads !== null && subscribers !== null && subscribers > 0 ? subscriberLeads / subscribers : null,
    qualifiedLeads: total((r) => r.qualified_leads),
    wonLeads: total((r) => r.won_leads),
    wonValue: hasMoney ? total((r) => r.won_value) : null,
    wonValuedLeads: hasMoney ? total((r) => r.won_amounts) : null,
    wonValueSumOfSquares: hasMoney ? squaresTotal(rows.map((r) => r.won_value_squares)) : null,
    trend: bucketsOf(ctx).map((start) => {
      const r = byBucket.get(start);
      return {
        bucket: start,
        newsletterLeads: r?.leads ?? 0,
        bySource: r?.by_source ?? 0,
        byFirstTouch: r?.by_first_touch ?? 0,
        byClick: known(r?.by_click ?? 0),
      };
    }),
  };
}

/**
 * Subscriber leads of active subscribers, as a rate. The numerator counts leads, not
 * subscribers, and a contact who has since unsubscribed is in it but not in the denominator,
 * so it can exceed the subscribers: then it is no share of trials but events per exposure.
 */
function subscriberRateEvidence(r: NewsletterLeadsResult): Evidence | null {
  if (r.subscriberToLeadRate === null || r.subscriberLeads === null || r.subscribers === null) return null;
  if (r.subscriberLeads > r.subscribers) return { kind: "per", events: r.subscriberLeads, exposure: r.subscribers };
  return rateEvidence(r.subscriberLeads, r.subscribers);
}

/** Won value from newsletter leads: a sum of amounts, or unsupported when the loaded leads carry none. */
function wonValueHeadline(r: NewsletterLeadsResult): Headline {
  return moneyHeadline(
    { key: "newsletterWonValue", label: "Won value from newsletter leads" },
    r.wonValue,
    r.wonValuedLeads,
    r.wonValueSumOfSquares,
  );
}

export const newsletterLeads: MetricDefinition<NewsletterLeadsResult, NewsletterStatements> = {
  id: "newsletter-leads",
  title: "New leads per month from the newsletter",
  why:
    "A growing subscriber list looks like progress, but most subscribers never open an issue. What the " +
    "newsletter is for is bringing in people who want to talk to sales. Count the leads it brought each month, " +
    "what share of subscribers became one, and what those leads were worth, next to the subscriber count.",
  definition:
    "A lead created in the period is from the newsletter when its source channel is newsletter, or its first " +
    "touch has utm_medium email (compared without case) or the utm_campaign of a newsletter issue, or its " +
    "contact clicked an issue within the attribution window before the lead was created: the contact, trimmed " +
    "and lower-cased, hashed with SHA-256, matches a subscriber's email hash, and that subscriber has a click " +
    "from the moment the lead was created back to exactly N days before it, both ends included (N = 30 by " +
    "default, so a click 30 days before counts and one 30 days and a second before does not). The utm rule has " +
    "no window (the first touch's time is not known). A lead matching several rules counts once, and under " +
    "each rule it matches. The subscriber-to-lead rate is newsletter leads created in the period whose contact " +
    "had subscribed by the time the lead was created, over subscribers active at the end of the period " +
    "(subscribed before it ends, not unsubscribed by then); lead filters apply to the leads, not to the " +
    "subscribers. Qualified and won count the newsletter leads qualified or won by now; won value is in the " +
    "reporting currency only. The trend groups the newsletter leads by the grain bucket they were created in.",
  replaces: ["subscribers"],
  needs: ["newsletter"],
  area: "newsletter",
  leadFilters: true,
  readsSupport: false,
  build,
  shape,
  quickHeadlines: {
    keys: ["newsletterLeads"],
    // The check's figure alone: no buckets, money or subscribers.
    build: ({ ctx }) => {
      const rules = newsletterRules(ctx, ctx.period.start, ctx.period.end);
      return {
        leads: statement<{ leads: number }>(sql`
        WITH ${rules.with}
        SELECT count(*) AS leads FROM leads l
        WHERE ${rules.where} AND ${inPeriod(ctx, sql`l.created_at`)}`),
      };
    },
    headlines: (rows) => [newsletterLeadsHeadline(Number(rows.leads?.[0]?.leads ?? 0))],
    // The same count in each of several periods, from the leads of their whole span (a lead's
    // click window is its own, whatever period it falls in).
    across: ({ ctx }, periods) => {
      const { from, to } = spanOfPeriods(periods);
      const rules = newsletterRules(ctx, from, to);
      return statement<{ period_index: number; leads: number }>(
        countsAcross(periods, { ...rules, from: sql`leads l`, at: sql`l.created_at`, name: "leads" }),
      );
    },
  },
  headlines: (r) => [
    newsletterLeadsHeadline(r.newsletterLeads),
    {
      key: "subscriberToLeadRate",
      label: "Subscribers who became leads",
      value: r.subscriberToLeadRate,
      format: "percent",
      evidence: subscriberRateEvidence(r),
    },
    wonValueHeadline(r),
  ],
  views: (r) => [
    {
      title: `Newsletter leads (clicks up to ${r.attributionDays} days before)`,
      columns: [
        { key: "bucket", label: "From", format: "date" },
        { key: "newsletterLeads", label: "Leads", format: "count" },
        { key: "bySource", label: "By source", format: "count" },
        { key: "byFirstTouch", label: "By utm", format: "count" },
        { key: "byClick", label: "By click", format: "count" },
      ],
      rows: r.trend,
    },
    {
      title: "Newsletter leads next to subscribers",
      columns: [
        { key: "newsletterLeads", label: "Leads", format: "count" },
        { key: "subscriberLeads", label: "From subscribers", format: "count" },
        { key: "subscribers", label: "Subscribers", format: "count" },
        { key: "subscriberToLeadRate", label: "Sub. to lead", format: "percent" },
        ...rateColumns("subscriberToLeadRate"),
        { key: "qualifiedLeads", label: "Qualified", format: "count" },
        { key: "wonLeads", label: "Won", format: "count" },
        { key: "wonValue", label: "Won value", format: "money" },
      ],
      rows: [
        {
          newsletterLeads: r.newsletterLeads,
          subscriberLeads: r.subscriberLeads,
          subscribers: r.subscribers,
          subscriberToLeadRate: r.subscriberToLeadRate,
          // n is the subscribers; no interval when the leads outnumber them (no share then).
          ...rateCells("subscriberToLeadRate", r.subscriberLeads, r.subscribers),
          qualifiedLeads: r.qualifiedLeads,
          wonLeads: r.wonLeads,
          wonValue: r.wonValue,
        },
      ],
    },
  ],
};
