/**
 * What a campaign brought, by what matters (issue 18, the article: a newsletter judged by the
 * leads it creates, not by its opens): per campaign, the messages delivered and bounced, the
 * unsubscribes, clicks and unique clickers, the visits its links brought, and the leads it
 * created within the attribution window, how many of them qualified and the value won from
 * them. Opens only when the campaign carries the open pixel, and then only beside these,
 * marked unreliable: mail clients that fetch images ahead open every message.
 *
 * A lead counts for the campaign when it was created after sending started and either
 *  - its contact is a recipient who clicked one of the campaign's links within the window
 *    before the lead was created (the newsletter-leads metric's click rule), or
 *  - its first touch is the campaign (its utm_campaign, with utm_medium email).
 */
import { raw, type Sql, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import type { Campaign } from "./campaigns.js";
import type { CampaignDay, CampaignResults } from "./results-types.js";

// What it answers is declared type-only in results-types.ts (shared with the dashboard).
export type { CampaignDay, CampaignResults } from "./results-types.js";

/** Days after a click in which a new lead of the clicker counts for the campaign (METRICS.md 9's default). */
export const ATTRIBUTION_DAYS = 30;

/** The campaign's leads (aliased l): created after sending began, by its click or its utm (the module comment). */
function attributed(
  store: Store,
  w: string,
  campaign: Pick<Campaign, "id" | "utmCampaign">,
  started: string,
  attributionDays: number,
): Sql {
  const windowSeconds = attributionDays * 86_400;
  return sql`l.workspace_id = ${w} AND l.created_at >= CAST(${started} AS TIMESTAMP) AND (
      (lower(l.utm_medium) = 'email' AND l.utm_campaign = ${campaign.utmCampaign})
      OR l.contact_hash IN (
        SELECT o.email_hash FROM campaign_events e
        JOIN campaign_outbox o ON o.workspace_id = e.workspace_id AND o.campaign_id = e.campaign_id
          AND o.recipient_id = e.recipient_id
        WHERE e.workspace_id = ${w} AND e.campaign_id = ${campaign.id} AND e.type = 'click'
          AND e.occurred_at <= l.created_at
          AND ${store.dialect.epoch(sql`l.created_at`)} - ${store.dialect.epoch(sql`e.occurred_at`)} <= ${windowSeconds}))`;
}

/** Days shown at most: a campaign's effect is its first weeks (the attribution window is 30 days). */
export const MAX_DAYS = 120;

/**
 * The campaign's results per day from the day sending began to its last activity (at most
 * MAX_DAYS), every day present (zeros where nothing happened).
 */
export async function campaignDaily(
  store: Store,
  workspace: string,
  campaign: Pick<Campaign, "id" | "utmCampaign" | "startedAt">,
  attributionDays = ATTRIBUTION_DAYS,
): Promise<CampaignDay[]> {
  const started = campaign.startedAt;
  if (started === null) return [];
  const w = workspace;
  const c = campaign.id;
  const day = (column: string) => sql`substr(CAST(${raw(column)} AS TEXT), 1, 10)`;
  const rows = await store.query<{ day: string; kind: string; n: number }>(
    sql`SELECT ${day("finished_at")} AS day, 'sent' AS kind, count(*) AS n FROM campaign_outbox
          WHERE workspace_id = ${w} AND campaign_id = ${c} AND status = 'sent' AND finished_at IS NOT NULL GROUP BY 1
        UNION ALL
        SELECT ${day("occurred_at")}, 'clicks', count(*)
          FROM campaign_events WHERE workspace_id = ${w} AND campaign_id = ${c} AND type = 'click' GROUP BY 1
        UNION ALL
        SELECT ${day("f")}, 'unsubscribed', count(*) FROM (
          SELECT min(occurred_at) AS f FROM campaign_events
          WHERE workspace_id = ${w} AND campaign_id = ${c} AND type = 'unsubscribe' GROUP BY recipient_id) u GROUP BY 1
        UNION ALL
        SELECT ${day("f")}, 'newClickers', count(*) FROM (
          SELECT min(occurred_at) AS f FROM campaign_events
          WHERE workspace_id = ${w} AND campaign_id = ${c} AND type = 'click' GROUP BY recipient_id) x GROUP BY 1
        UNION ALL
        SELECT ${day("started_at")}, 'visits', count(*) FROM visits
          WHERE workspace_id = ${w} AND started_at >= CAST(${started} AS TIMESTAMP) AND utm_campaign = ${campaign.utmCampaign}
            AND lower(utm_medium) = 'email' GROUP BY 1
        UNION ALL
        SELECT ${day("l.created_at")}, 'leads', count(*) FROM leads l
          WHERE ${attributed(store, w, campaign, started, attributionDays)} GROUP BY 1`,
  );
  const byDay = new Map<string, CampaignDay>();
  const first = started.slice(0, 10);
  let last = first;
  for (const r of rows) {
    if (r.day < first) continue;
    if (r.day > last) last = r.day;
    const entry = byDay.get(r.day) ?? {
      day: r.day,
      sent: 0,
      clicks: 0,
      newClickers: 0,
      unsubscribed: 0,
      visits: 0,
      leads: 0,
    };
    entry[r.kind as Exclude<keyof CampaignDay, "day">] = Number(r.n);
    byDay.set(r.day, entry);
  }
  const days: CampaignDay[] = [];
  for (let at = Date.parse(`${first}T00:00:00Z`), n = 0; n < MAX_DAYS; at += 86_400_000, n++) {
    const d = new Date(at).toISOString().slice(0, 10);
    if (d > last) break;
    days.push(byDay.get(d) ?? { day: d, sent: 0, clicks: 0, newClickers: 0, unsubscribed: 0, visits: 0, leads: 0 });
  }
  return days;
}

export async function campaignResults(
  store: Store,
  workspace: string,
  campaign: Pick<Campaign, "id" | "utmCampaign" | "startedAt" | "trackOpens">,
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
    opens: number;
    openers: number;
  }>(
    sql`SELECT count(*) FILTER (WHERE e.type = 'click') AS clicks,
          count(*) FILTER (WHERE e.type = 'open') AS opens,
          count(DISTINCT CASE WHEN e.type = 'open' THEN e.recipient_id END) AS openers,
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
    const [l] = await store.query<{ leads: number; qualified: number; won: number; value: number | null }>(
      sql`SELECT count(*) AS leads, count(*) FILTER (WHERE l.qualified_at IS NOT NULL) AS qualified,
            count(*) FILTER (WHERE l.status = 'won') AS won,
            COALESCE(sum(CASE WHEN l.status = 'won' THEN l.value END), 0) AS value
          FROM leads l
          WHERE ${attributed(store, w, campaign, started, attributionDays)}`,
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
    opens: campaign.trackOpens ? Number(events?.opens ?? 0) : null,
    uniqueOpeners: campaign.trackOpens ? Number(events?.openers ?? 0) : null,
  };
}
