/**
 * The sales side of each lead, in creation order: its account and contact, the rep who owns
 * it, its way through the pipeline (stage-path.ts), its value and how it ended, and the
 * activities logged on it; plus the day's lead-less activities. When and how each lead
 * arrived was decided beforehand (lead-arrivals.ts). Rows stream to disk as they are made.
 */
import { columnNames, SOURCE_CHANNELS, type SourceChannel } from "../model/canonical.js";
import { ActivityLog, expectedActivities } from "./activities.js";
import { UtmCatalog } from "./channels.js";
import { type Company, isActiveAtEnd, type Rep } from "./company.js";
import { COMPETITORS } from "./content.js";
import { type CsvTableWriter, csvField } from "./csv-writer.js";
import { type AccountBook, FIRST_NAMES, LAST_NAMES, type PeopleBook } from "./identities.js";
import {
  eventImportedOn,
  KIND_EVENT,
  KIND_REPORT,
  KIND_SPIKE,
  type LeadArrivals,
  leadId,
  PIPELINE_EXPANSION,
} from "./lead-arrivals.js";
import { PLANTED_STRENGTH, periodSeconds } from "./planted-patterns.js";
import { Random, WeightedList } from "./random.js";
import type { SizePreset } from "./sizes.js";
import { simulatePath } from "./stage-path.js";
import {
  DAY_SECONDS,
  formatTimestamp,
  growthOf,
  HOUR_SECONDS,
  isWeekend,
  RANGE_DAYS,
  RANGE_END,
  seasonOf,
} from "./time.js";

/**
 * The simulator's field order of the tables written here (csv-writer maps it to the canonical
 * one): the canonical columns, less external_id (the simulator's ids are its own).
 */
export const LEAD_FIELDS: readonly string[] = columnNames("leads", ["external_id"]);
export const STAGE_EVENT_FIELDS: readonly string[] = columnNames("stage_events");

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

export type LeadsContext = {
  preset: SizePreset;
  seed: number;
  company: Company;
  accounts: AccountBook;
  people: PeopleBook;
  utm: UtmCatalog;
  arrivals: LeadArrivals;
  out: { leads: CsvTableWriter; stageEvents: CsvTableWriter; activities: CsvTableWriter };
  onProgress: (table: "leads" | "stage_events" | "activities", rows: number) => void;
  /** False: reps are not swamped in the gated-report quarter (planted-patterns.ts). */
  planted: boolean;
};

/** Share of accounts that were customers before the range: expansion leads come from them too. */
const LEGACY_CUSTOMERS = 0.04;

function money(value: number, rng: Random): string {
  // Most deals are quoted in round figures; some carry cents from seat-based price lists.
  if (rng.chance(0.85)) return String(Math.max(50, Math.round(value / 50) * 50));
  return (Math.round(value * 100) / 100).toFixed(2);
}

export async function writeLeads(ctx: LeadsContext): Promise<void> {
  const { preset, company, accounts, people, arrivals, out } = ctx;
  const rng = new Random(ctx.seed, "leads");
  const activities = new ActivityLog(out.activities, new Random(ctx.seed, "activities"));
  const reps = company.reps;
  const [pipelineNew, pipelineExpansion] = company.pipelines;
  if (!pipelineNew || !pipelineExpansion) throw new Error("the company needs two pipelines");
  const [reportStart, reportEnd] = periodSeconds("lead-quality-drop", ctx.planted);
  const drop = PLANTED_STRENGTH.leadQualityDrop;
  // Qualifying takes about two weeks, so leads created that much before the swamped quarter
  // are the ones whose qualification would have landed in it.
  const swampedFrom = reportStart - drop.qualificationLeadDays * DAY_SECONDS;
  const swampedUntil = reportEnd - drop.qualificationLeadDays * DAY_SECONDS;
  const activityScale = preset.activitiesPerLead / 10;
  const legacyCustomers = Math.max(1, Math.floor(accounts.count * LEGACY_CUSTOMERS));
  let leadlessScale = 0;
  const steady = preset.steady ?? false;
  for (let d = 0; d < RANGE_DAYS; d++) {
    leadlessScale += growthOf(d, steady) * seasonOf(d, steady) * (isWeekend(d) ? 0.15 : 1);
  }
  leadlessScale = preset.leads / leadlessScale;

  const wonAccounts: number[] = [];
  const wonByDay: number[][] = Array.from({ length: RANGE_DAYS + 1 }, () => []);
  let index = 0;

  for (let day = 0; day < RANGE_DAYS; day++) {
    const dayStart = day * DAY_SECONDS;
    const dayEnd = dayStart + DAY_SECONDS;
    for (const account of wonByDay[day] ?? []) wonAccounts.push(account);
    // Nobody hands a new lead to a rep who leaves within three weeks.
    const active = reps.filter(
      (r) => r.startsAt <= dayStart && dayStart < r.leavesAt - 21 * DAY_SECONDS * (isActiveAtEnd(r) ? 0 : 1),
    );
    if (active.length === 0) throw new Error(`no rep works on day ${day}`);
    const fair = eventImportedOn(day);

    for (; index < arrivals.length && arrivals.createdAt.get(index) < dayEnd; index++) {
      const createdAt = arrivals.createdAt.get(index);
      const kind = arrivals.kind.get(index);
      const expansion = arrivals.pipeline.get(index) === PIPELINE_EXPANSION;
      const pipeline = expansion ? pipelineExpansion : pipelineNew;
      const channel: SourceChannel = SOURCE_CHANNELS[arrivals.channel.get(index)] ?? "other";
      const subscriber = arrivals.subscriber.get(index);
      const id = leadId(index);

      // Expansion: a customer won in the range, or one from before it.
      let account: number;
      if (expansion) {
        const fromRange = rng.chance(wonAccounts.length / (wonAccounts.length + legacyCustomers));
        account = fromRange ? (wonAccounts[rng.int(wonAccounts.length)] ?? 0) : rng.int(legacyCustomers);
      } else {
        account = legacyCustomers + rng.int(accounts.count - legacyCustomers);
      }
      let person: number;
      if (subscriber >= 0) {
        person = people.distinctPerson(subscriber);
        account = people.accountOf(person);
      } else {
        person = people.personAt(account, rng.int(FIRST_NAMES.length), rng.int(LAST_NAMES.length));
      }
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
      // Form fills of the report and some early leads carry no value yet.
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
      const name = kind === KIND_EVENT && fair ? `${customer.name} – ${fair}` : `${customer.name} – ${product}`;
      const utmChannel = arrivals.utmChannel.get(index);
      const utmCells =
        utmChannel >= 0
          ? ctx.utm.cells(utmChannel, arrivals.utmCampaign.get(index), arrivals.utmVariant.get(index))
          : UtmCatalog.NONE;
      // In LEAD_FIELDS order: the canonical columns, less external_id.
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
      const inbound = arrivals.inbound.get(index) === 1;
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
      const activityEnd = Math.min(RANGE_END, Math.max(createdAt + HOUR_SECONDS, quietFrom));
      const activeDays = (activityEnd - createdAt) / DAY_SECONDS;
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
        endAt: activityEnd,
        closed: path.closedAt >= 0,
        qualified,
        count: rng.poisson(expected),
      });

      if (path.status === "won" && !expansion) {
        wonByDay[Math.floor(path.closedAt / DAY_SECONDS) + 1]?.push(account);
      }
    }

    // Prospecting calls and internal tasks, logged without a lead.
    const trend = leadlessScale * growthOf(day, steady) * seasonOf(day, steady);
    const leadless = rng.poisson(0.065 * preset.activitiesPerLead * trend * (isWeekend(day) ? 0.03 : 1));
    for (let i = 0; i < leadless; i++) {
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
