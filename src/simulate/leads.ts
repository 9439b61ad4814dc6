/**
 * The CRM side, day by day: leads arrive (inbound from the website, ads, social and the
 * newsletter; outbound; referrals; trade-fair list imports; expansion of won customers), each
 * is owned by a rep, walks its pipeline, and gets its activities. Leads are written in
 * creation order with their stage events and activities, so nothing accumulates in memory
 * except the compact hand-offs to the web and newsletter phases.
 */
import { SOCIAL_NETWORKS, type SourceChannel } from "../model/canonical.js";
import { ActivityLog, expectedActivities } from "./activities.js";
import {
  pickAdVariant,
  pickPaidCampaign,
  REPORT_CAMPAIGN,
  SPIKE_CAMPAIGN,
  socialVisitChannel,
  UtmCatalog,
  VISIT,
} from "./channels.js";
import type { Company, Pipeline, Rep } from "./company.js";
import { COMPETITORS } from "./content.js";
import { type CsvTableWriter, csvField } from "./csv-writer.js";
import { type AccountBook, FIRST_NAMES, LAST_NAMES, type PeopleBook } from "./identities.js";
import { type NewsletterPlan, pickLeadClick } from "./newsletter.js";
import { type ConversionLog, type ForcedClicks, LANDING_REPORT } from "./phase-handoffs.js";
import { PLANTED_PATTERNS, PLANTED_STRENGTH } from "./planted-patterns.js";
import { Random, Weighted, WeightedList } from "./random.js";
import type { SizePreset } from "./sizes.js";
import { recentPost, type SocialPlan } from "./social.js";
import { simulatePath } from "./stage-path.js";
import {
  DAY_SECONDS,
  formatTimestamp,
  growthOf,
  HOUR_SECONDS,
  isWeekend,
  MINUTE_SECONDS,
  RANGE_DAYS,
  RANGE_END,
  seasonOf,
  secondsFromIso,
} from "./time.js";

/** The simulator's field order of the tables written here (csv-writer maps it to the canonical one). */
export const LEAD_FIELDS = [
  "id",
  "name",
  "account",
  "contact",
  "owner_id",
  "pipeline_id",
  "stage_id",
  "status",
  "created_at",
  "qualified_at",
  "closed_at",
  "value",
  "currency",
  "loss_reason",
  "competitor",
  "source_channel",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_content",
  "utm_term",
] as const;
export const STAGE_EVENT_FIELDS = ["lead_id", "from_stage_id", "to_stage_id", "changed_at", "rep_id"] as const;

export function leadId(index: number): string {
  return `L${index + 1}`;
}

const KIND_ORDINARY = 0;
const KIND_REPORT = 1;
const KIND_SPIKE = 2;
const KIND_EVENT = 3;

/** Trade fairs; their badge scans are imported as leads over the next working days. */
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

function qualifyBase(channel: SourceChannel): number {
  if (channel.startsWith("social:")) return 0.32;
  const base: Partial<Record<SourceChannel, number>> = {
    website: 0.48,
    paid: 0.36,
    newsletter: 0.45,
    referral: 0.68,
    outbound: 0.38,
    event: 0.5,
    other: 0.42,
  };
  return base[channel] ?? 0.4;
}

function winFactorOf(channel: SourceChannel): number {
  if (channel.startsWith("social:")) return 0.9;
  const factor: Partial<Record<SourceChannel, number>> = {
    referral: 1.3,
    outbound: 0.85,
    paid: 0.85,
    newsletter: 1.05,
  };
  return factor[channel] ?? 1;
}

const NEW_BUSINESS_PRODUCTS = new WeightedList<[string, number]>([
  [["Core platform", 14_000], 50],
  [["Core + Scheduling", 28_000], 35],
  [["Enterprise suite", 85_000], 15],
]);
const EXPANSION_PRODUCTS = new WeightedList<[string, number]>([
  [["Seat expansion", 6_000], 50],
  [["Fleet add-on", 9_000], 30],
  [["Analytics add-on", 12_000], 20],
]);
const EARLY_LOSS = new WeightedList<string>([
  ["no response", 35],
  ["not a fit", 20],
  ["timing", 20],
  ["budget", 15],
  ["no decision", 10],
]);
const LATE_LOSS = new WeightedList<string>([
  ["price", 25],
  ["competitor", 22],
  ["no decision", 20],
  ["timing", 13],
  ["features", 12],
  ["budget", 8],
]);

/** Inbound leads arrive during the European working day, with an evening tail (UTC hours). */
const HOURS = new Weighted([
  0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3, 4, 4.5, 4.5, 4, 4, 4.5, 4.5, 4, 3, 2, 1.5, 1.2, 1, 0.8, 0.5, 0.3,
]);

export type LeadsContext = {
  preset: SizePreset;
  seed: number;
  company: Company;
  accounts: AccountBook;
  people: PeopleBook;
  social: SocialPlan;
  newsletter: NewsletterPlan;
  utm: UtmCatalog;
  conversions: ConversionLog;
  forced: ForcedClicks;
  out: { leads: CsvTableWriter; stageEvents: CsvTableWriter; activities: CsvTableWriter };
  onProgress: (table: "leads" | "stage_events" | "activities", rows: number) => void;
};

function periodSeconds(id: string): [number, number] {
  const pattern = PLANTED_PATTERNS.find((p) => p.id === id);
  if (!pattern) throw new Error(`no planted pattern ${id}`);
  return [secondsFromIso(pattern.period.start), secondsFromIso(pattern.period.end)];
}

function money(value: number, rng: Random): string {
  // Most deals are quoted in round figures; some carry cents from seat-based price lists.
  if (rng.chance(0.85)) return String(Math.max(50, Math.round(value / 50) * 50));
  return (Math.round(value * 100) / 100).toFixed(2);
}

export async function writeLeads(ctx: LeadsContext): Promise<void> {
  const { preset, company, accounts, people, out } = ctx;
  const rng = new Random(ctx.seed, "leads");
  const activities = new ActivityLog(out.activities, new Random(ctx.seed, "activities"));
  const reps = company.reps;
  const [pipelineNew, pipelineExpansion] = company.pipelines;
  if (!pipelineNew || !pipelineExpansion) throw new Error("the company needs two pipelines");
  const [reportStart, reportEnd] = periodSeconds("lead-quality-drop");
  const [spikeStart, spikeEnd] = periodSeconds("paid-traffic-spike");
  const drop = PLANTED_STRENGTH.leadQualityDrop;
  const activityScale = preset.activitiesPerLead / 10;
  const swampedFrom = reportStart - drop.qualificationLeadDays * DAY_SECONDS;
  const swampedUntil = reportEnd - drop.qualificationLeadDays * DAY_SECONDS;

  const dayWeight = (d: number) => growthOf(d) * seasonOf(d) * (isWeekend(d) ? 0.15 : 1);
  let totalWeight = 0;
  for (let d = 0; d < RANGE_DAYS; d++) totalWeight += dayWeight(d);
  const perWeight = ((1 - EVENT_SHARE) * preset.leads) / totalWeight;

  const eventImports = new Map<number, [string, number]>();
  const eventDays = EVENTS.map(([name, date]) => {
    let day = Math.floor(secondsFromIso(`${date}T00:00:00Z`) / DAY_SECONDS) + 1;
    while (isWeekend(day)) day++;
    return [name, day] as const;
  });
  const eventGrowth = eventDays.reduce((sum, [, day]) => sum + growthOf(day), 0);
  for (const [name, day] of eventDays) {
    if (day < RANGE_DAYS)
      eventImports.set(day, [name, Math.round((EVENT_SHARE * preset.leads * growthOf(day)) / eventGrowth)]);
  }

  const wonAccounts: number[] = [];
  const wonByDay: number[][] = Array.from({ length: RANGE_DAYS + 1 }, () => []);
  let next = 0;

  for (let day = 0; day < RANGE_DAYS; day++) {
    const dayStart = day * DAY_SECONDS;
    for (const account of wonByDay[day] ?? []) wonAccounts.push(account);
    const active = reps.filter((r) => r.startsAt <= dayStart && dayStart < r.leavesAt - 21 * DAY_SECONDS);
    const progress = day / RANGE_DAYS;
    const mix = new Weighted(NEW_BUSINESS_MIX.map(([, from, to]) => from + (to - from) * progress));
    const inReport = dayStart >= reportStart && dayStart <= reportEnd;
    const inSpike = dayStart >= spikeStart && dayStart <= spikeEnd;
    const trend = perWeight * growthOf(day) * seasonOf(day);

    // Each entry is secondOfDay * 4 + kind, so one numeric sort orders the day.
    const entries: number[] = [];
    const add = (count: number, kind: number) => {
      for (let i = 0; i < count; i++)
        entries.push((HOURS.index(rng) * HOUR_SECONDS + rng.int(HOUR_SECONDS)) * 4 + kind);
    };
    add(rng.roundStochastic(perWeight * dayWeight(day) * (inReport ? drop.ordinaryLeads : 1)), KIND_ORDINARY);
    if (inReport) add(rng.roundStochastic(trend * drop.campaignLeads * (isWeekend(day) ? 0.5 : 1)), KIND_REPORT);
    if (inSpike) add(rng.roundStochastic(perWeight * dayWeight(day) * 0.08), KIND_SPIKE);
    const event = eventImports.get(day);
    if (event) {
      // A list import: one lead every few seconds from 08:00.
      let second = 8 * HOUR_SECONDS;
      for (let i = 0; i < event[1]; i++) {
        second += rng.intBetween(2, 20);
        entries.push(second * 4 + KIND_EVENT);
      }
    }
    entries.sort((a, b) => a - b);

    for (const entry of entries) {
      if (active.length === 0) break;
      const kind = entry & 3;
      const createdAt = dayStart + (entry >> 2);
      const index = next++;
      const id = leadId(index);

      const expansionChance =
        kind === KIND_ORDINARY ? 0.2 * Math.min(1, wonAccounts.length / Math.max(20, preset.leads * 0.015)) : 0;
      const pipeline: Pipeline = rng.chance(expansionChance) ? pipelineExpansion : pipelineNew;
      const expansion = pipeline === pipelineExpansion;
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

      let account = expansion ? (wonAccounts[rng.int(wonAccounts.length)] ?? 0) : rng.int(accounts.count);
      let person = -1;
      let utmCells = UtmCatalog.NONE;

      if (channel === "newsletter") {
        // Most newsletter leads fill a form on the visit a click opened; some come back days later.
        const delayed = rng.chance(0.3);
        const delay = delayed
          ? Math.floor(rng.between(1, 25) * DAY_SECONDS)
          : Math.floor(rng.between(2, 15) * MINUTE_SECONDS);
        const click = pickLeadClick(ctx.newsletter, ctx.forced, createdAt, delay, rng);
        if (click) {
          person = people.distinctPerson(click.subscriber);
          account = people.accountOf(person);
          ctx.forced.add({ ...click, lead: index }, !delayed);
          utmCells = ctx.utm.cells(VISIT.newsletter, click.issue, click.link);
        } else {
          channel = "website";
        }
      }
      // Leads that came in through a form on the website: the visit that created them.
      const visitAt = Math.max(dayStart, createdAt - Math.floor(rng.between(2, 25) * MINUTE_SECONDS));
      let visitChannel = -1;
      let campaign = -1;
      let variant = 0;
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
        returning = rng.chance(0.15);
      } else if (channel.startsWith("social:")) {
        const network = SOCIAL_NETWORKS.indexOf(channel.slice(7) as (typeof SOCIAL_NETWORKS)[number]);
        campaign = recentPost(ctx.social, network, visitAt, rng);
        if (campaign >= 0) {
          visitChannel = socialVisitChannel(network);
          returning = rng.chance(0.25);
        } else {
          channel = "website";
        }
      }
      if (channel === "website") {
        visitChannel = rng.chance(0.65) ? VISIT.organic : VISIT.direct;
        returning = rng.chance(0.55);
      } else if (channel === "referral" && rng.chance(0.5)) {
        visitChannel = VISIT.referral;
        returning = rng.chance(0.3);
      }
      if (visitChannel >= 0) {
        utmCells = ctx.utm.cells(visitChannel, campaign, variant);
        const landing = kind === KIND_REPORT ? LANDING_REPORT : rng.chance(0.45) ? 0 : rng.chance(0.55) ? 1 : 2;
        ctx.conversions.add({
          time: visitAt,
          lead: index,
          channel: visitChannel,
          campaign,
          variant,
          landing,
          returning,
        });
      }

      if (person < 0) person = people.personAt(account, rng.int(FIRST_NAMES.length), rng.int(LAST_NAMES.length));
      const contact = people.email(person);
      const owner = active[rng.int(active.length)] as Rep;
      const successor = owner.successor >= 0 ? reps[owner.successor] : undefined;

      const qualifyChance =
        kind === KIND_REPORT
          ? drop.campaignQualification
          : kind === KIND_SPIKE
            ? 0.2
            : (expansion ? 0.75 : qualifyBase(channel)) *
              owner.qualifyFactor *
              (createdAt >= swampedFrom && createdAt <= swampedUntil ? drop.ordinaryQualification : 1);
      const path = simulatePath(
        {
          pipeline,
          rep: owner,
          createdAt,
          qualifyChance: Math.min(0.95, qualifyChance),
          winChance: Math.min(0.9, (expansion ? 0.6 : 0.42) * winFactorOf(channel) * owner.winFactor),
          stallChance: kind === KIND_REPORT ? 0.45 : expansion ? 0.02 : 0.035,
        },
        rng,
      );
      const qualified = path.qualifiedAt >= 0 || path.willQualify;
      const endAt = path.closedAt >= 0 ? path.closedAt : RANGE_END;
      const finalOwner = successor && endAt >= owner.leavesAt ? successor : owner;
      const repAt = (t: number) => (successor && t >= owner.leavesAt ? successor : owner);

      const [product, median] = (expansion ? EXPANSION_PRODUCTS : NEW_BUSINESS_PRODUCTS).pick(rng);
      const valueMissing = kind === KIND_REPORT ? rng.chance(0.7) : !qualified && rng.chance(0.1);
      const value = valueMissing ? "" : money(rng.logNormal(median, 0.35), rng);
      let lossReason = "";
      let competitor = "";
      if (path.status === "lost") {
        lossReason = (qualified ? LATE_LOSS : EARLY_LOSS).pick(rng);
        if (lossReason === "competitor" || ((lossReason === "price" || lossReason === "features") && rng.chance(0.3))) {
          competitor = rng.pick(COMPETITORS);
        }
      }
      const customer = accounts.get(account);
      const stages = pipeline.stages;
      const lastPosition = path.positions[path.positions.length - 1] ?? 0;
      const name = kind === KIND_EVENT && event ? `${customer.name} – ${event[0]}` : `${customer.name} – ${product}`;
      out.leads.row([
        id,
        csvField(name),
        csvField(customer.name),
        contact,
        finalOwner.id,
        pipeline.id,
        stages[lastPosition]?.id ?? "",
        path.status,
        formatTimestamp(createdAt),
        path.qualifiedAt >= 0 ? formatTimestamp(path.qualifiedAt) : "",
        path.closedAt >= 0 ? formatTimestamp(path.closedAt) : "",
        value,
        value === "" ? "" : customer.currency,
        lossReason,
        competitor,
        channel,
        ...utmCells,
      ]);

      // Web forms create the lead themselves, so nobody "moved" it into the first stage.
      const inbound = visitChannel >= 0 || channel === "newsletter";
      for (let i = 0; i < path.positions.length; i++) {
        const from = i === 0 ? "" : (stages[path.positions[i - 1] ?? 0]?.id ?? "");
        const at = path.times[i] ?? createdAt;
        const by = i === 0 && inbound ? "" : repAt(at).id;
        out.stageEvents.row([id, from, stages[path.positions[i] ?? 0]?.id ?? "", formatTimestamp(at), by]);
      }

      // Open leads go quiet some time after their last stage change (stalled ones long ago).
      const lastChange = path.times[path.times.length - 1] ?? createdAt;
      const quietFrom =
        path.closedAt >= 0
          ? path.closedAt
          : Math.min(RANGE_END, lastChange + Math.floor(rng.logNormal(12, 0.8) * DAY_SECONDS));
      const activityEnd = Math.max(createdAt + HOUR_SECONDS, quietFrom);
      const activeDays = (Math.min(RANGE_END, activityEnd) - createdAt) / DAY_SECONDS;
      const expected =
        expectedActivities(path.status, qualified, activeDays) *
        owner.activityFactor *
        activityScale *
        (kind === KIND_REPORT ? 0.3 : 1);
      activities.forLead({
        leadId: id,
        contact,
        owner,
        successor,
        createdAt,
        endAt: Math.min(RANGE_END, activityEnd),
        closed: path.closedAt >= 0,
        qualified,
        count: rng.poisson(expected),
      });

      if (path.status === "won" && !expansion) {
        const closedDay = Math.floor(path.closedAt / DAY_SECONDS) + 1;
        wonByDay[closedDay]?.push(account);
      }
    }

    // Prospecting calls and internal tasks, logged without a lead.
    const leadless = rng.poisson(0.065 * preset.activitiesPerLead * trend * (isWeekend(day) ? 0.03 : 1));
    for (let i = 0; i < leadless && active.length > 0; i++) {
      const rep = active[rng.int(active.length)] as Rep;
      const t = dayStart + 6 * HOUR_SECONDS + rng.int(11 * HOUR_SECONDS);
      const contact = rng.chance(0.7)
        ? people.email(
            people.personAt(rng.int(accounts.count), rng.int(FIRST_NAMES.length), rng.int(LAST_NAMES.length)),
          )
        : "";
      activities.withoutLead(rep, contact, t);
    }

    if ((day & 15) === 15 || day === RANGE_DAYS - 1) {
      ctx.onProgress("leads", out.leads.rows);
      ctx.onProgress("stage_events", out.stageEvents.rows);
      ctx.onProgress("activities", out.activities.rows);
    }
    await Promise.all([out.leads.drain(), out.stageEvents.drain(), out.activities.drain()]);
  }
}
