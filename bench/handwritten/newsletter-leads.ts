/**
 * New leads from the newsletter: the period's leads by source channel, first-touch utm, or a
 * click by the subscriber their contact hashes to within the attribution window; per grain
 * bucket, with qualified, won, won value and subscriber leads; and the active subscribers.
 * Plain SQL over leads, subscribers and email events.
 */
import type { NewsletterLeadsResult } from "../../src/metrics/definitions/newsletter-leads.js";
import type { Baseline } from "./types.js";

export const baseline: Baseline = {
  metric: "newsletter-leads",
  queries: (p) => {
    const days = Math.trunc(p.ctx.options.attributionDays);
    const hash =
      p.engine === "duckdb"
        ? "sha256(lower(trim(l.contact)))"
        : "encode(sha256(convert_to(lower(trim(l.contact)), 'UTF8')), 'hex')";
    return [
      {
        text: `WITH nl AS (
                 SELECT l.id, l.created_at, l.source_channel, l.utm_medium, l.utm_campaign, l.status,
                   COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END) AS q,
                   CASE WHEN l.currency = $4 THEN l.value END AS amount, ${hash} AS h
                 FROM leads l
                 WHERE l.workspace_id = $1 AND l.created_at >= CAST($2 AS TIMESTAMP) AND l.created_at < CAST($3 AS TIMESTAMP)
               ),
               subs AS (
                 SELECT n.id AS lead_id, n.created_at, s.id AS sid, s.subscribed_at FROM nl n
                 JOIN newsletter_subscribers s ON s.workspace_id = $1 AND lower(s.email_hash) = n.h
               ),
               clicked AS (
                 SELECT DISTINCT su.lead_id FROM subs su
                 JOIN email_events e ON e.workspace_id = $1 AND e.subscriber_id = su.sid AND e.type = 'click'
                   AND e.occurred_at <= su.created_at AND e.occurred_at >= su.created_at - INTERVAL '${days} days'
               ),
               c AS (
                 SELECT n.*,
                   CASE WHEN n.source_channel = 'newsletter' THEN 1 ELSE 0 END AS by_source,
                   CASE WHEN lower(n.utm_medium) = 'email'
                     OR n.utm_campaign IN (SELECT utm_campaign FROM newsletter_issues WHERE workspace_id = $1)
                     THEN 1 ELSE 0 END AS by_utm,
                   CASE WHEN n.id IN (SELECT lead_id FROM clicked) THEN 1 ELSE 0 END AS by_click,
                   CASE WHEN n.id IN (SELECT lead_id FROM subs WHERE subscribed_at <= created_at) THEN 1 ELSE 0 END AS sub
                 FROM nl n
               )
               SELECT date_trunc('${p.ctx.grain}', created_at) AS bucket, count(*) AS leads, sum(by_source) AS by_source,
                 sum(by_utm) AS by_utm, sum(by_click) AS by_click, sum(sub) AS subscriber_leads, count(q) AS qualified,
                 count(CASE WHEN status = 'won' THEN 1 END) AS won, sum(CASE WHEN status = 'won' THEN amount END) AS won_value
               FROM c WHERE by_source = 1 OR by_utm = 1 OR by_click = 1 GROUP BY 1`,
        values: [p.workspace, p.start, p.end, p.currency],
      },
      {
        text: `SELECT count(*) AS subscribers FROM newsletter_subscribers
               WHERE workspace_id = $1 AND subscribed_at < CAST($2 AS TIMESTAMP)
                 AND (unsubscribed_at IS NULL OR unsubscribed_at >= CAST($2 AS TIMESTAMP))`,
        values: [p.workspace, p.end],
      },
    ];
  },
  check: (result, rows) => {
    const r = result as NewsletterLeadsResult;
    const [buckets = [], active = []] = rows;
    const sum = (key: string) => buckets.reduce((a, b) => a + Number(b[key] ?? 0), 0);
    const mine = {
      leads: sum("leads"),
      bySource: sum("by_source"),
      byUtm: sum("by_utm"),
      byClick: sum("by_click"),
      subscriberLeads: sum("subscriber_leads"),
      qualified: sum("qualified"),
      won: sum("won"),
      subscribers: Number(active[0]?.subscribers ?? 0),
    };
    const theirs = {
      leads: r.newsletterLeads,
      bySource: r.bySource,
      byUtm: r.byFirstTouch,
      byClick: r.byClick,
      subscriberLeads: r.subscriberLeads,
      qualified: r.qualifiedLeads,
      won: r.wonLeads,
      subscribers: r.subscribers,
    };
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      throw new Error(`newsletter-leads baseline disagrees:\n${JSON.stringify(mine)}\n${JSON.stringify(theirs)}`);
    }
    if (r.wonValue !== null && Math.abs(sum("won_value") - r.wonValue) > 0.01) {
      throw new Error(`newsletter-leads baseline won value ${sum("won_value")} vs ${r.wonValue}`);
    }
  },
};
