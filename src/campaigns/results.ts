/**
 * What a campaign brought, by what matters (issue 18, the article: a newsletter judged by the
 * leads it creates, not by its opens): per campaign, the messages delivered and bounced, the
 * unsubscribes, clicks and unique clickers, the visits its links brought, and the leads it
 * created within the attribution window, how many of them qualified and the value won from
 * them. Opens are not measured (Verity adds no open pixel yet); when they are, they stand only
 * beside these, marked unreliable: mail clients that fetch images ahead open every message.
 *
 * A lead counts for the campaign when it was created after sending started and either
 *  - its contact is a recipient who clicked one of the campaign's links within the window
 *    before the lead was created (the newsletter-leads metric's click rule), or
 *  - its first touch is the campaign (its utm_campaign, with utm_medium email).
 */
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import type { Campaign } from "./campaigns.js";

/** Days after a click in which a new lead of the clicker counts for the campaign (METRICS.md 9's default). */
export const ATTRIBUTION_DAYS = 30;

export type CampaignResults = {
  attributionDays: number;
  /** Handed to and accepted by the SMTP server. */
  sent: number;
  /** Accepted, less the ones that came back later as a bounce (a DSN read by bounces.ts). */
  delivered: number;
  /** Refused while sending, or bounced later. */
  bounced: number;
  /** Recipients who marked it as spam (ARF reports). */
  complaints: number;
  unsubscribed: number;
  clicks: number;
  uniqueClickers: number;
  /** Visits that arrived with the campaign's utm_campaign and utm_medium email. */
  visits: number;
  leads: number;
  qualifiedLeads: number;
  wonLeads: number;
  /** The won leads' value, in their own currencies summed (as the stored values are). */
  wonValue: number;
  /** Not measured: no open pixel. Would be beside the figures above, marked unreliable. */
  opens: null;
};

export async function campaignResults(
  store: Store,
  workspace: string,
  campaign: Pick<Campaign, "id" | "utmCampaign" | "startedAt">,
  attributionDays = ATTRIBUTION_DAYS,
): Promise<CampaignResults> {
  const w = workspace;
  const c = campaign.id;
  const [outbox] = await store.query<{ sent: number; bounced: number }>(
    sql`SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'bounced') AS bounced
        FROM campaign_outbox WHERE workspace_id = ${w} AND campaign_id = ${c}`,
  );
  const [events] = await store.query<{
    clicks: number;
    clickers: number;
    unsubscribed: number;
    complaints: number;
    later: number;
  }>(
    sql`SELECT count(*) FILTER (WHERE e.type = 'click') AS clicks,
          count(DISTINCT CASE WHEN e.type = 'click' THEN e.recipient_id END) AS clickers,
          count(DISTINCT CASE WHEN e.type = 'unsubscribe' THEN e.recipient_id END) AS unsubscribed,
          count(DISTINCT CASE WHEN e.type = 'complaint' THEN e.recipient_id END) AS complaints,
          count(DISTINCT CASE WHEN e.type = 'bounce' AND o.status = 'sent' THEN e.recipient_id END) AS later
        FROM campaign_events e
        LEFT JOIN campaign_outbox o ON o.workspace_id = e.workspace_id AND o.campaign_id = e.campaign_id
          AND o.recipient_id = e.recipient_id
        WHERE e.workspace_id = ${w} AND e.campaign_id = ${c}`,
  );
  const started = campaign.startedAt;
  let visits = 0;
  let leads = { leads: 0, qualified: 0, won: 0, value: 0 };
  if (started !== null) {
    const since = sql`CAST(${started} AS TIMESTAMP)`;
    const [v] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM visits
          WHERE workspace_id = ${w} AND started_at >= ${since} AND utm_campaign = ${campaign.utmCampaign}
            AND lower(utm_medium) = 'email'`,
    );
    visits = Number(v?.n ?? 0);
    const windowSeconds = attributionDays * 86_400;
    const [l] = await store.query<{ leads: number; qualified: number; won: number; value: number | null }>(
      sql`SELECT count(*) AS leads, count(*) FILTER (WHERE l.qualified_at IS NOT NULL) AS qualified,
            count(*) FILTER (WHERE l.status = 'won') AS won,
            COALESCE(sum(CASE WHEN l.status = 'won' THEN l.value END), 0) AS value
          FROM leads l
          WHERE l.workspace_id = ${w} AND l.created_at >= ${since} AND (
            (lower(l.utm_medium) = 'email' AND l.utm_campaign = ${campaign.utmCampaign})
            OR l.contact_hash IN (
              SELECT o.email_hash FROM campaign_events e
              JOIN campaign_outbox o ON o.workspace_id = e.workspace_id AND o.campaign_id = e.campaign_id
                AND o.recipient_id = e.recipient_id
              WHERE e.workspace_id = ${w} AND e.campaign_id = ${c} AND e.type = 'click'
                AND e.occurred_at <= l.created_at
                AND ${store.dialect.epoch(sql`l.created_at`)} - ${store.dialect.epoch(sql`e.occurred_at`)} <= ${windowSeconds}))`,
    );
    leads = {
      leads: Number(l?.leads ?? 0),
      qualified: Number(l?.qualified ?? 0),
      won: Number(l?.won ?? 0),
      value: Number(l?.value ?? 0),
    };
  }
  const sent = Number(outbox?.sent ?? 0);
  const later = Number(events?.later ?? 0);
  return {
    attributionDays,
    sent,
    delivered: sent - later,
    bounced: Number(outbox?.bounced ?? 0) + later,
    complaints: Number(events?.complaints ?? 0),
    unsubscribed: Number(events?.unsubscribed ?? 0),
    clicks: Number(events?.clicks ?? 0),
    uniqueClickers: Number(events?.clickers ?? 0),
    visits,
    leads: leads.leads,
    qualifiedLeads: leads.qualified,
    wonLeads: leads.won,
    wonValue: leads.value,
    opens: null,
  };
}
