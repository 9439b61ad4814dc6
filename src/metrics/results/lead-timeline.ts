/**
 * What the lead timeline (METRICS.md 1, src/metrics/lead-timeline.ts) answers: type-only,
 * shared with the dashboard's timeline page (see common.ts for the rule this folder keeps).
 */

export type TimelineLead = {
  id: string;
  externalId: string | null;
  name: string | null;
  account: string | null;
  contact: string | null;
  owner: { id: string; name: string } | null;
  pipeline: string;
  stage: string | null;
  status: string;
  value: number | null;
  currency: string | null;
  createdAt: string;
  /** When it qualified (see the qualified event), null if it has not. */
  qualifiedAt: string | null;
  closedAt: string | null;
  lossReason: string | null;
  competitor: string | null;
  source: string | null;
  utm: {
    source: string | null;
    medium: string | null;
    campaign: string | null;
    content: string | null;
    term: string | null;
  };
};

type Utm = {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmContent: string | null;
};

export type TimelineEvent =
  | ({
      kind: "visit";
      time: string;
      visitId: string;
      visitorId: string;
      landingUrl: string | null;
      referrer: string | null;
      pageviews: number | null;
      createdLead: boolean;
    } & Utm)
  | { kind: "created"; time: string; owner: string | null; source: string | null }
  | { kind: "stage"; time: string; fromStage: string | null; toStage: string; rep: string | null }
  | { kind: "qualified"; time: string; how: "qualified_at" | "stage" | "won" }
  | {
      kind: "activity";
      time: string;
      activityId: string;
      type: string;
      rep: string | null;
      outcome: string | null;
      durationSeconds: number | null;
      note: string | null;
    }
  /** The lead's contact joined or left the newsletter (a subscriber with the same address hash, from any source). */
  | { kind: "subscription"; time: string; change: "subscribed" | "unsubscribed"; subscriberId: string }
  | { kind: "email"; time: string; type: string; issueId: string; subject: string | null; url: string | null }
  | { kind: "closed"; time: string; status: string; lossReason: string | null; competitor: string | null };

export type LeadTimeline = { lead: TimelineLead; events: TimelineEvent[] };
