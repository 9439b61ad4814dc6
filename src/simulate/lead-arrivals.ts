/**
 * When leads arrive and through which door: the marketing side of each lead, decided before
 * any lead is worked. Inbound leads come from the website, ads, social posts and the
 * newsletter; others from outbound work, referrals, trade-fair list imports and expansion of
 * existing customers. Deciding this first (and only this) lets the website and newsletter be
 * generated independently of the sales side (leads.ts), in parallel.
 *
 * For each lead that came through a form, the visit that created it goes to the ConversionLog;
 * for each newsletter lead, the click that preceded it goes to ForcedClicks.
 */
import { SOCIAL_NETWORKS, SOURCE_CHANNELS, type SourceChannel } from "../model/canonical.js";
import {
  pickAdVariant,
  pickPaidCampaign,
  REPORT_CAMPAIGN,
  SPIKE_CAMPAIGN,
  socialVisitChannel,
  VISIT,
} from "./channels.js";
import { GrowableInt32 } from "./growable-array.js";
import { type NewsletterPlan, pickLeadClick } from "./newsletter.js";
import { ConversionLog, ForcedClicks, LANDING_REPORT } from "./phase-handoffs.js";
import { PLANTED_STRENGTH, periodSeconds } from "./planted-patterns.js";
import { Random, Weighted, WeightedList } from "./random.js";
import type { SizePreset } from "./sizes.js";
import { recentPost, type SocialPlan } from "./social.js";
import {
  DAY_SECONDS,
  growthOf,
  HOUR_SECONDS,
  isWeekend,
  MINUTE_SECONDS,
  RANGE_DAYS,
  seasonOf,
  secondsFromIso,
} from "./time.js";

export const KIND_ORDINARY = 0;
/** A form fill of the gated report (PLANTED_PATTERNS "lead-quality-drop"). */
export const KIND_REPORT = 1;
/** A lead from the paid push (PLANTED_PATTERNS "paid-traffic-spike"). */
export const KIND_SPIKE = 2;
export const KIND_EVENT = 3;

/** Lead ids are numbers in creation order, as many CRMs give them. */
export function leadId(index: number): string {
  return `L${index + 1}`;
}

export const PIPELINE_NEW = 0;
export const PIPELINE_EXPANSION = 1;

/** Trade fairs; their badge scans are imported as leads on the next working day. */
const EVENTS: readonly [string, string][] = [
  ["Service Tech Expo", "2023-10-17"],
  ["Nordic Service Summit", "2024-03-14"],
  ["Field Service Europe", "2024-06-05"],
  ["Service Tech Expo", "2024-10-15"],
  ["Nordic Service Summit", "2025-03-13"],
  ["Field Service Europe", "2025-06-04"],
  ["Service Tech Expo", "2025-10-14"],
  ["Nordic Service Summit", "2026-03-12"],
  ["Field Service Europe", "2026-06-03"],
];
const EVENT_SHARE = 0.07;

/** The fair whose list is imported on `day`, if any. */
export function eventImportedOn(day: number): string | undefined {
  return EVENT_IMPORT_DAYS.get(day);
}

const EVENT_IMPORT_DAYS = new Map<number, string>(
  EVENTS.map(([name, date]) => {
    let day = Math.floor(secondsFromIso(`${date}T00:00:00Z`) / DAY_SECONDS) + 1;
    while (isWeekend(day)) day++;
    return [day, name];
  }),
);

/** New-business source mix at the start and at the end of the range (social and newsletter grow). */
const NEW_BUSINESS_MIX: readonly [SourceChannel, number, number][] = [
  ["website", 22, 22],
  ["paid", 14, 13],
  ["social:linkedin", 5, 10],
  ["social:twitter", 2, 2],
  ["social:facebook", 1.5, 1],
  ["social:instagram", 0.8, 1.4],
  ["social:youtube", 0.6, 1.2],
  ["social:other", 0.4, 0.8],
  ["newsletter", 3, 8],
  ["referral", 12, 12],
  ["outbound", 24, 20],
  ["other", 3.5, 3.5],
];
const EXPANSION_MIX = new WeightedList<SourceChannel>([
  ["outbound", 55],
  ["other", 25],
  ["referral", 12],
  ["website", 8],
]);
const REPORT_MIX = new WeightedList<SourceChannel>([
  ["website", 35],
  ["paid", 35],
  ["social:linkedin", 30],
]);

/** Inbound leads arrive during the European working day, with an evening tail (UTC hours). */
const HOURS = new Weighted([
  0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3, 4, 4.5, 4.5, 4, 4, 4.5, 4.5, 4, 3, 2, 1.5, 1.2, 1, 0.8, 0.5, 0.3,
]);

/** One column per property, one row per lead, in creation order. */
export class LeadArrivals {
  readonly createdAt = new GrowableInt32();
  readonly kind = new GrowableInt32();
  readonly pipeline = new GrowableInt32();
  /** Index in SOURCE_CHANNELS. */
  readonly channel = new GrowableInt32();
  /** First touch: visit channel whose utm_* the lead carries (-1: none), campaign and variant. */
  readonly utmChannel = new GrowableInt32();
  readonly utmCampaign = new GrowableInt32();
  readonly utmVariant = new GrowableInt32();
  /** Newsletter subscriber behind the lead (-1: none). */
  readonly subscriber = new GrowableInt32();
  /** Whether a web form (or a newsletter click's visit) created the lead: nobody moved it into the first stage. */
  readonly inbound = new GrowableInt32();

  get length(): number {
    return this.createdAt.length;
  }
}

export type ArrivalsContext = {
  preset: SizePreset;
  seed: number;
  social: SocialPlan;
  newsletter: NewsletterPlan;
  /** False: no gated-report campaign and no paid push (planted-patterns.ts). */
  planted: boolean;
};

export type ArrivalsPlan = { arrivals: LeadArrivals; conversions: ConversionLog; forced: ForcedClicks };

export function planLeadArrivals(ctx: ArrivalsContext): ArrivalsPlan {
  const { preset } = ctx;
  const rng = new Random(ctx.seed, "lead-arrivals");
  const arrivals = new LeadArrivals();
  const conversions = new ConversionLog();
  const forced = new ForcedClicks(ctx.newsletter.subscribedAt.length);
  const [reportStart, reportEnd] = periodSeconds("lead-quality-drop", ctx.planted);
  const [spikeStart, spikeEnd] = periodSeconds("paid-traffic-spike", ctx.planted);
  const drop = PLANTED_STRENGTH.leadQualityDrop;

  const steady = preset.steady ?? false;
  const growth = (d: number) => growthOf(d, steady);
  const season = (d: number) => seasonOf(d, steady);
  // A steady company goes to no trade fairs.
  const fairs = steady ? new Map<number, string>() : EVENT_IMPORT_DAYS;
  const eventShare = steady ? 0 : EVENT_SHARE;
  const dayWeight = (d: number) => growth(d) * season(d) * (isWeekend(d) ? 0.15 : 1);
  let totalWeight = 0;
  for (let d = 0; d < RANGE_DAYS; d++) totalWeight += dayWeight(d);
  const perWeight = ((1 - eventShare) * preset.leads) / totalWeight;
  let eventGrowth = 0;
  for (const day of fairs.keys()) eventGrowth += growth(day);

  for (let day = 0; day < RANGE_DAYS; day++) {
    const dayStart = day * DAY_SECONDS;
    const progress = day / RANGE_DAYS;
    const mix = new Weighted(NEW_BUSINESS_MIX.map(([, from, to]) => from + (to - from) * progress));
    const inReport = dayStart >= reportStart && dayStart <= reportEnd;
    const inSpike = dayStart >= spikeStart && dayStart <= spikeEnd;
    // Customers won before the range already ask for more; the base grows with the business.
    const expansionChance = 0.15 + 0.07 * progress;

    // Each entry is secondOfDay * 4 + kind, so one numeric sort orders the day.
    const entries: number[] = [];
    const add = (count: number, kind: number) => {
      for (let i = 0; i < count; i++)
        entries.push((HOURS.index(rng) * HOUR_SECONDS + rng.int(HOUR_SECONDS)) * 4 + kind);
    };
    add(rng.roundStochastic(perWeight * dayWeight(day) * (inReport ? drop.ordinaryLeads : 1)), KIND_ORDINARY);
    if (inReport) {
      const trend = perWeight * growth(day) * season(day);
      add(rng.roundStochastic(trend * drop.campaignLeads * (isWeekend(day) ? 0.5 : 1)), KIND_REPORT);
    }
    if (inSpike) add(rng.roundStochastic(perWeight * dayWeight(day) * 0.08), KIND_SPIKE);
    if (fairs.has(day)) {
      // A list import: one lead every few seconds from 08:00.
      const count = Math.round((eventShare * preset.leads * growth(day)) / eventGrowth);
      let second = 8 * HOUR_SECONDS;
      for (let i = 0; i < count; i++) {
        second += rng.intBetween(2, 20);
        entries.push(second * 4 + KIND_EVENT);
      }
    }
    entries.sort((a, b) => a - b);

    for (const entry of entries) {
      const kind = entry & 3;
      const createdAt = dayStart + (entry >> 2);
      const index = arrivals.length;
      const expansion = kind === KIND_ORDINARY && rng.chance(expansionChance);
      let channel: SourceChannel =
        kind === KIND_EVENT
          ? "event"
          : kind === KIND_SPIKE
            ? "paid"
            : kind === KIND_REPORT
              ? REPORT_MIX.pick(rng)
              : expansion
                ? EXPANSION_MIX.pick(rng)
                : (NEW_BUSINESS_MIX[mix.index(rng)]?.[0] ?? "website");

      let utmChannel = -1;
      let campaign = -1;
      let variant = 0;
      let subscriber = -1;
      if (channel === "newsletter") {
        // Most newsletter leads fill a form on the visit a click opened; some come back days later.
        const delayed = rng.chance(0.3);
        const delay = delayed
          ? Math.floor(rng.between(1, 25) * DAY_SECONDS)
          : Math.floor(rng.between(2, 15) * MINUTE_SECONDS);
        const click = pickLeadClick(ctx.newsletter, forced, createdAt, delay, rng);
        if (click) {
          forced.add({ ...click, lead: index }, !delayed);
          subscriber = click.subscriber;
          utmChannel = VISIT.newsletter;
          campaign = click.issue;
          variant = click.link;
        } else {
          channel = "website";
        }
      }
      // The visit on which the lead's form was filled in, minutes before, on the same day.
      const visitAt = Math.max(dayStart, createdAt - Math.floor(rng.between(2, 25) * MINUTE_SECONDS));
      let visitChannel = -1;
      let returning = false;
      if (channel === "paid") {
        campaign =
          kind === KIND_REPORT
            ? REPORT_CAMPAIGN
            : kind === KIND_SPIKE
              ? SPIKE_CAMPAIGN
              : pickPaidCampaign(visitAt, rng);
        variant = pickAdVariant(campaign, rng);
        visitChannel = VISIT.paid;
        // Visitors of the paid push come once, convert or not, and leave.
        returning = kind !== KIND_SPIKE && rng.chance(0.3);
      } else if (channel.startsWith("social:")) {
        const network = SOCIAL_NETWORKS.indexOf(channel.slice(7) as (typeof SOCIAL_NETWORKS)[number]);
        campaign = recentPost(ctx.social, network, visitAt, rng);
        if (campaign >= 0) {
          visitChannel = socialVisitChannel(network);
          returning = rng.chance(0.4);
        } else {
          channel = "website";
        }
      }
      if (channel === "website") {
        visitChannel = rng.chance(0.65) ? VISIT.organic : VISIT.direct;
        returning = rng.chance(0.75);
      } else if (channel === "referral" && rng.chance(0.5)) {
        visitChannel = VISIT.referral;
        returning = rng.chance(0.5);
      }
      if (visitChannel >= 0) {
        utmChannel = visitChannel;
        const landing = kind === KIND_REPORT ? LANDING_REPORT : rng.chance(0.45) ? 0 : rng.chance(0.55) ? 1 : 2;
        conversions.add({ time: visitAt, lead: index, channel: visitChannel, campaign, variant, landing, returning });
      }

      arrivals.createdAt.push(createdAt);
      arrivals.kind.push(kind);
      arrivals.pipeline.push(expansion ? PIPELINE_EXPANSION : PIPELINE_NEW);
      arrivals.channel.push(SOURCE_CHANNELS.indexOf(channel));
      arrivals.utmChannel.push(utmChannel);
      arrivals.utmCampaign.push(campaign);
      arrivals.utmVariant.push(variant);
      arrivals.subscriber.push(subscriber);
      arrivals.inbound.push(visitChannel >= 0 || subscriber >= 0 ? 1 : 0);
    }
  }
  return { arrivals, conversions, forced };
}
