/**
 * What conversions from social media (METRICS.md 8) answers: type-only, shared with the
 * dashboard (see common.ts for the rule this folder keeps).
 */

export type SocialLeadCounts = {
  leads: number;
  qualifiedLeads: number;
  wonLeads: number;
  /** Won value in the reporting currency (won by now); null without a reporting currency. */
  wonValue: number | null;
};

export type SocialVisitCounts = {
  /** Social visits started in the period. */
  visits: number;
  /** Of them, visits on which a lead was created. */
  convertedVisits: number;
  /** convertedVisits / visits; null without social visits. */
  visitToLeadRate: number | null;
};

export type SocialConversionsResult = {
  /** Null when the data carries no lead sources (nothing to tell social leads by). */
  leads: number | null;
  qualifiedLeads: number | null;
  wonLeads: number | null;
  /** Null without lead sources, or without amounts (unknown, not 0). */
  wonValue: number | null;
  /**
   * The won value as a sum of amounts: the won social leads with an amount in the reporting
   * currency, and the sum of their squares (its compound Poisson variance); null with wonValue.
   */
  wonValuedLeads: number | null;
  wonValueSumOfSquares: number | null;
  /** Social leads the CRM filed as social:NETWORK, and those only the first touch's utm_* reveal. */
  bySourceChannel: number | null;
  byFirstTouchOnly: number | null;
  /** Null when no visits are loaded. */
  visits: number | null;
  convertedVisits: number | null;
  visitToLeadRate: number | null;
  byNetwork: ({ network: string } & SocialLeadCounts & SocialVisitCounts)[];
  /** Per network and utm_campaign, with the posts on that network that carry the campaign. */
  byCampaign: ({ network: string; campaign: string | null; posts: number } & SocialLeadCounts)[];
};
