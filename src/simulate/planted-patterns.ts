/**
 * The stories the simulated company tells: periods where a vanity metric rises while the real
 * metric beside it does not (METRICS.md, "The vanity check"). Verity exists to expose them,
 * so the simulator plants them on purpose, in fixed periods, for every size and seed:
 *
 * - 2026-Q2 vs 2026-Q1: a gated-report campaign ("State of Field Service 2026") floods the
 *   funnel with form fills. New leads rise by about a third; reps drown in them, and leads
 *   reaching the qualifying stage fall by about a third (vanity 5 vs real 6).
 * - 2025-11 vs 2025-10: a year-end paid search push ("use the budget before it expires").
 *   Visits jump by well over half, nearly all of it one-off paid visitors; the number of
 *   returning visitors does not move (vanity 4 vs real 5). Both months have about the same
 *   number of days (30 vs 31), so no calendar effect hides or fakes the pattern.
 * - 2026-H1 vs 2025-H2: a follower giveaway. Followers grow by about a third in six months
 *   while shares per post fall (vanity 6 vs real 7), and impressions follow followers up.
 * - Always: reps of the "holder" profile keep lost deals open about twice as long as the
 *   deals they win (METRICS.md 3: "lost deals are held twice as long as won ones").
 *
 * `simulate({ planted: false })` leaves all four out (periodSeconds is empty, holders hold
 * lost deals as long as anyone): a company with no story to find, for null simulations.
 */

import { secondsFromIso } from "./time.js";

export type PlantedPeriod = {
  /** Short name of the period, as people say it ("2026-Q2"). */
  label: string;
  /** First second of the period, UTC. */
  start: string;
  /** Last second of the period, UTC. */
  end: string;
};

export type PlantedPattern = {
  id: "lead-quality-drop" | "paid-traffic-spike" | "follower-giveaway" | "lost-deals-held-longer";
  /** The vanity metric that rises (METRICS.md numbering). */
  vanity: string;
  /** The real metric beside it that does not. */
  real: string;
  period: PlantedPeriod;
  /** The period to compare with (null: the pattern holds across the whole range). */
  comparedWith: PlantedPeriod | null;
  /** One plain sentence, as the demo prints it. */
  description: string;
};

export const PLANTED_PATTERNS: readonly PlantedPattern[] = [
  {
    id: "lead-quality-drop",
    vanity: "5. new leads",
    real: "6. qualified leads",
    period: { label: "2026-Q2", start: "2026-04-01T00:00:00Z", end: "2026-06-30T23:59:59Z" },
    comparedWith: { label: "2026-Q1", start: "2026-01-01T00:00:00Z", end: "2026-03-31T23:59:59Z" },
    description:
      "2026-Q2 vs 2026-Q1: new leads up about a third (a gated-report campaign), qualified leads down about a third: lead quality is falling.",
  },
  {
    id: "paid-traffic-spike",
    vanity: "4. website visits",
    real: "5. visit frequency and recency per visitor",
    period: { label: "2025-11", start: "2025-11-01T00:00:00Z", end: "2025-11-30T23:59:59Z" },
    comparedWith: { label: "2025-10", start: "2025-10-01T00:00:00Z", end: "2025-10-31T23:59:59Z" },
    description:
      "2025-11 vs 2025-10: visits up by more than half (a year-end paid search push), returning visitors flat: the extra traffic came once and left.",
  },
  {
    id: "follower-giveaway",
    vanity: "6. social audience size (followers)",
    real: "7. content shares",
    period: { label: "2026-H1", start: "2026-01-01T00:00:00Z", end: "2026-06-30T23:59:59Z" },
    comparedWith: { label: "2025-H2", start: "2025-07-01T00:00:00Z", end: "2025-12-31T23:59:59Z" },
    description:
      "2026-H1 vs 2025-H2: followers up about a third (a giveaway), shares per post down: the new audience does not engage.",
  },
  {
    id: "lost-deals-held-longer",
    vanity: "3. total sales",
    real: "3. how fast qualified leads close",
    period: { label: "2023-10 .. 2026-09", start: "2023-10-01T00:00:00Z", end: "2026-09-30T23:59:59Z" },
    comparedWith: null,
    description:
      "Some reps keep their lost deals open about twice as long as the deals they win: pipeline that looks alive but is not.",
  },
];

/**
 * A pattern's period as [first, last] second since the range start. Unplanted (a company with
 * no planted story, `simulate({ planted: false })`) it is empty: no time lies inside it, so
 * every generator's "in the period" test is false and the story is never told.
 */
export function periodSeconds(id: PlantedPattern["id"], planted = true): [number, number] {
  const pattern = PLANTED_PATTERNS.find((p) => p.id === id);
  if (!pattern) throw new Error(`no planted pattern ${id}`);
  if (!planted) return [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  return [secondsFromIso(pattern.period.start), secondsFromIso(pattern.period.end)];
}

/** The knobs that plant the patterns above; the generators read them, the tests measure the result. */
export const PLANTED_STRENGTH = {
  leadQualityDrop: {
    /** Ordinary leads created in the period, relative to the trend (the campaign crowds out other work). */
    ordinaryLeads: 0.85,
    /** Extra campaign leads, relative to the trend. */
    campaignLeads: 0.35,
    /**
     * Qualification chance of ordinary leads, relative to usual, while reps are swamped. It
     * applies to leads created from `qualificationLeadDays` before the period to as long before
     * its end: qualifying takes about two weeks, so this is what lands in the period.
     */
    ordinaryQualification: 0.55,
    qualificationLeadDays: 14,
    /** Qualification chance of a campaign lead. */
    campaignQualification: 0.05,
    campaign: "state-of-field-service-2026",
  },
  paidTrafficSpike: {
    /** Extra one-off paid visits per day, as a share of an ordinary day's visits. */
    extraVisitsShare: 0.75,
    /** Chance that a spike visitor ever comes back. */
    returnChance: 0.02,
    campaign: "year-end-push-2025",
  },
  followerGiveaway: {
    /** Weekly follower growth during the period (usual: about 0.25%). */
    weeklyGrowth: 0.012,
    /** Engagement of a post in the period, relative to usual. */
    engagement: 0.65,
  },
  lostDealsHeldLonger: {
    /** How much longer "holder" reps keep a lost deal in each stage than an ordinary rep. */
    holdFactor: 2.5,
  },
} as const;
