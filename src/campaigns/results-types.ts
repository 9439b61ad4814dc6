/**
 * What a campaign's results answer (results.ts), as types only: the dashboard's campaigns page
 * reads the same shapes from the API (src/web/dashboard/pages/campaigns.ts).
 */

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
  /**
   * Pixel loads, and the recipients who loaded it: null unless the campaign tracks opens.
   * Unreliable (mail clients that fetch images ahead open every message; others never load
   * them): shown only beside the figures above, and said to be unreliable.
   */
  opens: number | null;
  uniqueOpeners: number | null;
};

/** One day of a campaign's results (UTC), for its chart over time. */
export type CampaignDay = {
  day: string;
  sent: number;
  clicks: number;
  /** Recipients whose first click on the campaign was that day. */
  newClickers: number;
  /** Recipients who unsubscribed that day (each once, as in the totals). */
  unsubscribed: number;
  visits: number;
  leads: number;
};
