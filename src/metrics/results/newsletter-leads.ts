/**
 * What new leads per month from the newsletter (METRICS.md 9) answers: type-only, shared
 * with the dashboard (see common.ts for the rule this folder keeps).
 */

export type NewsletterLeadCounts = {
  /** Leads created in the bucket or period that any rule attributes to the newsletter. */
  newsletterLeads: number;
  /** By rule (a lead matching several rules counts under each): source channel 'newsletter'. */
  bySource: number;
  /** First touch utm_medium 'email' or the utm_campaign of a newsletter issue. */
  byFirstTouch: number;
  /** A click on an issue by the lead's contact within the attribution window; null without newsletter data. */
  byClick: number | null;
};

export type NewsletterLeadsResult = NewsletterLeadCounts & {
  /** Days before a lead's creation a click still counts (inclusive). */
  attributionDays: number;
  /** Newsletter leads whose contact had subscribed by the time the lead was created. */
  subscriberLeads: number | null;
  /** Subscribers active at the end of the period (the vanity number, beside it). */
  subscribers: number | null;
  /** subscriberLeads / subscribers; null without subscribers. */
  subscriberToLeadRate: number | null;
  qualifiedLeads: number;
  wonLeads: number;
  /** Won value (won by now) in the reporting currency; null without one, or without amounts (unknown, not 0). */
  wonValue: number | null;
  /**
   * The won value as a sum of amounts: the won newsletter leads with an amount in the reporting
   * currency, and the sum of their squares (its compound Poisson variance); null with wonValue.
   */
  wonValuedLeads: number | null;
  wonValueSumOfSquares: number | null;
  /** Per grain bucket of creation (every bucket, empty ones with zeros). */
  trend: ({ bucket: string } & NewsletterLeadCounts)[];
};
