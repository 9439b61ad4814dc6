/**
 * Conversions from social media: the period's leads classified by source channel then
 * first-touch utm_*, per network and campaign with the posts carrying the campaign; and the
 * period's visits classified by utm_source, referrer host, utm_medium. Plain SQL over leads
 * and visits.
 */
import type { SocialConversionsResult } from "../../src/metrics/definitions/social-conversions.js";
import type { Baseline } from "./types.js";

const SOURCES = "'linkedin', 'twitter', 'facebook', 'instagram', 'youtube'";
const HOSTS: [string, string[]][] = [
  ["linkedin", ["linkedin.com", "lnkd.in"]],
  ["twitter", ["t.co", "twitter.com", "x.com"]],
  ["facebook", ["facebook.com"]],
  ["instagram", ["instagram.com"]],
  ["youtube", ["youtube.com"]],
];

export const baseline: Baseline = {
  metric: "social-conversions",
  queries: (p) => {
    const host = `split_part(split_part(split_part(CASE WHEN strpos(lower(referrer), '://') > 0
      THEN split_part(lower(referrer), '://', 2) ELSE lower(referrer) END, '/', 1), '?', 1), ':', 1)`;
    const byHost = HOSTS.map(
      ([network, hosts]) =>
        `WHEN ${hosts.map((h) => `host = '${h}' OR host LIKE '%.${h}'`).join(" OR ")} THEN '${network}'`,
    ).join(" ");
    return [
      {
        text: `WITH s AS (
                 SELECT CASE WHEN l.source_channel LIKE 'social:%' THEN substr(l.source_channel, 8)
                   WHEN lower(l.utm_source) IN (${SOURCES}) THEN lower(l.utm_source)
                   WHEN lower(l.utm_medium) = 'social' THEN 'other' END AS network,
                   l.utm_campaign AS campaign, l.source_channel, l.status,
                   COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END) AS q,
                   CASE WHEN l.currency = $4 THEN l.value END AS amount
                 FROM leads l
                 WHERE l.workspace_id = $1 AND l.created_at >= CAST($2 AS TIMESTAMP) AND l.created_at < CAST($3 AS TIMESTAMP)
               ),
               posts AS (
                 SELECT network, utm_campaign, count(*) AS posts FROM social_posts
                 WHERE workspace_id = $1 AND utm_campaign IS NOT NULL AND published_at < CAST($3 AS TIMESTAMP)
                 GROUP BY 1, 2
               )
               SELECT s.network, s.campaign, count(*) AS leads, count(s.q) AS qualified_leads,
                 count(CASE WHEN s.status = 'won' THEN 1 END) AS won_leads,
                 sum(CASE WHEN s.status = 'won' THEN s.amount END) AS won_value,
                 count(CASE WHEN s.source_channel LIKE 'social:%' THEN 1 END) AS by_source,
                 COALESCE(max(p.posts), 0) AS posts
               FROM s LEFT JOIN posts p ON p.network = s.network AND p.utm_campaign = s.campaign
               WHERE s.network IS NOT NULL GROUP BY 1, 2`,
        values: [p.workspace, p.start, p.end, p.currency],
      },
      {
        text: `SELECT network, count(*) AS visits, count(converted_lead_id) AS converted_visits FROM (
                 SELECT CASE WHEN lower(utm_source) IN (${SOURCES}) THEN lower(utm_source) ${byHost}
                   WHEN lower(utm_medium) = 'social' THEN 'other' END AS network, converted_lead_id
                 FROM (SELECT utm_source, utm_medium, converted_lead_id, ${host} AS host FROM visits
                       WHERE workspace_id = $1 AND started_at >= CAST($2 AS TIMESTAMP) AND started_at < CAST($3 AS TIMESTAMP)) v
               ) x GROUP BY 1`,
        values: [p.workspace, p.start, p.end],
      },
    ];
  },
  check: (result, rows) => {
    const r = result as SocialConversionsResult;
    const [leads = [], visits = []] = rows;
    const n = (v: unknown) => Number(v ?? 0);
    const social = visits.filter((v) => v.network !== null);
    const mine = {
      leads: leads.reduce((a, l) => a + n(l.leads), 0),
      qualified: leads.reduce((a, l) => a + n(l.qualified_leads), 0),
      won: leads.reduce((a, l) => a + n(l.won_leads), 0),
      bySource: leads.reduce((a, l) => a + n(l.by_source), 0),
      posts: leads.reduce((a, l) => a + n(l.posts), 0),
      campaigns: leads.length,
      visits: social.reduce((a, v) => a + n(v.visits), 0),
      converted: social.reduce((a, v) => a + n(v.converted_visits), 0),
      networks: [...new Set([...leads.map((l) => l.network), ...social.map((v) => v.network)])].length,
    };
    const theirs = {
      leads: r.leads,
      qualified: r.qualifiedLeads,
      won: r.wonLeads,
      bySource: r.bySourceChannel,
      posts: r.byCampaign.reduce((a, c) => a + c.posts, 0),
      campaigns: r.byCampaign.length,
      visits: r.visits,
      converted: r.convertedVisits,
      networks: r.byNetwork.length,
    };
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      throw new Error(`social-conversions baseline disagrees:\n${JSON.stringify(mine)}\n${JSON.stringify(theirs)}`);
    }
    const value = leads.reduce((a, l) => a + n(l.won_value), 0);
    if (r.wonValue !== null && Math.abs(value - r.wonValue) > 0.01) {
      throw new Error(`social-conversions baseline won value ${value} vs ${r.wonValue}`);
    }
  },
};
