/**
 * What activity quality (METRICS.md 1, definitions/activity-quality.ts) answers. Type-only and
 * free of Node, shared with the dashboard (results/common.ts says why).
 */
import type { Unsupported } from "./common.js";

/**
 * The canonical activity types (model/canonical.ts ACTIVITY_TYPES), written out: this folder
 * imports no runtime module. definitions/activity-quality.ts checks the two lists agree.
 */
export type ActivityType = "call" | "email" | "meeting" | "demo" | "note" | "task" | "other";
export type ActivityTypeCounts = Record<ActivityType, number>;

/** The activity side of a rep (or the team, or a performer group); null without activity data. */
export type ActivityFigures = {
  /** Activities logged in the period. */
  activities: number | null;
  activitiesByType: ActivityTypeCounts | null;
  /** Leads created in the period (owned by the rep). */
  opportunitiesCreated: number;
  /** activities / opportunitiesCreated; null without opportunities. */
  activitiesPerOpportunity: number | null;
  /** activities / wonLeads; null without won leads. */
  activitiesPerWonLead: number | null;
  /** Of the period's activities, those carrying a real note (realNoteShare's numerator). */
  realNotes: number | null;
  /** Share of the period's activities carrying a real note; null without activities. */
  realNoteShare: number | null;
  /** Median length (characters, trimmed) of the real notes; null without any. */
  medianNoteLength: number | null;
  /** Median hours from creation to the first activity, over leads created in the period that have one. */
  medianHoursToFirstActivity: number | null;
  /** Leads created in the period without any activity at all. */
  leadsWithoutActivity: number | null;
};

/** The sales side of a rep (or the team). */
export type SalesFigures = {
  /**
   * Value of the won leads closed in the period, in the reporting currency (other currencies
   * left out); null when the loaded leads carry no amounts (unsupported, not 0).
   */
  wonValue: number | null;
  wonLeads: number;
  lostLeads: number;
  /** won / (won + lost), closed in the period; null when none closed. */
  winRate: number | null;
  /** Average value of the won leads in the reporting currency; null without any. */
  averageWonValue: number | null;
  /** Median days from creation to close of the leads won in the period. */
  medianDaysToWin: number | null;
};

export type RepActivityQuality = ActivityFigures &
  SalesFigures & {
    repId: string;
    repName: string;
    /** The rep's performer group by won value, null when in neither (or no groups). */
    group: "top" | "bottom" | null;
  };

export type PerformerFeature =
  | "activitiesPerOpportunity"
  | "activitiesPerWonLead"
  | "realNoteShare"
  | "medianNoteLength"
  | "medianHoursToFirstActivity"
  | `${ActivityType}Share`;

export type PerformerDifference = {
  feature: PerformerFeature;
  top: number;
  bottom: number;
  /** |top - bottom| / max(|bottom|, 1e-9): what the differences are ranked by. */
  relativeDifference: number;
  sentence: string;
};

export type PerformerComparison = {
  /** The share of reps in each group (options.performerShare). */
  share: number;
  /** Reps per group: min(ceil(n x share), floor(n / 2)). */
  groupSize: number;
  top: { repIds: string[]; wonValue: number } & ActivityFigures;
  bottom: { repIds: string[]; wonValue: number } & ActivityFigures;
  /** Features the groups differ on (both have a value), the largest relative difference first. */
  differences: PerformerDifference[];
};

export type ActivityMix = {
  /** Leads of this outcome closed in the period. */
  leads: number;
  /** Activities on them (over their whole life) per lead, in total and by type; null without leads. */
  perLead: number | null;
  perLeadByType: Record<ActivityType, number | null>;
};

export type ActivityQualityResult = {
  /** Everyone in scope, leads without an owner and activities without a rep included. */
  team: ActivityFigures & SalesFigures;
  /** Reps who own a lead created or closed in the period, or logged an activity in it; by won value. */
  reps: RepActivityQuality[];
  /** Null with fewer than 2 reps, without activity data, or without amounts (groups are by won value). */
  performers: PerformerComparison | null;
  /** Null without activity data. */
  mixWonLost: { won: ActivityMix; lost: ActivityMix } | null;
  /**
   * The team's won value as a sum of amounts: how many were summed and the sum of their
   * squares (its compound Poisson variance); null without amounts.
   */
  wonAmounts: { n: number; sumOfSquares: number } | null;
  /**
   * How the team's activities cluster by lead (the vanity activity count's clusters, from the
   * same rows): the activities count is judged quasi-Poisson from them; null without activity data.
   * (evidence.ts's ClusterFigures, written out: this folder imports no runtime module.)
   */
  activityClusters: { clusters: number; sumOfSquares: number } | null;
  /** Parts the data cannot support (performer groups without amounts). */
  unsupported: Unsupported[];
};
