/**
 * Website visits, day by day, in time order. Visitors arrive through a channel and come back
 * according to how engaged they are: most once, some a few times, a few (customers, fans)
 * hundreds of times. Leads created on the site (ConversionLog) and newsletter clicks
 * (ClickLog) become visits too, so every converted_lead_id points at a lead of the same channel
 * created minutes after the visit started. Plants the paid-traffic spike
 * (PLANTED_PATTERNS "paid-traffic-spike"): many one-off paid visitors, returning visitors flat.
 *
 * Future visits wait in one bucket per day (a calendar queue), keyed time * 2^23 + visitor,
 * so a day's visits come out in order with one numeric sort and memory stays proportional to
 * the visitors still active, not to the visits written.
 */
import { SOCIAL_NETWORKS } from "../model/canonical.js";
import {
  isSocialVisit,
  NEWSLETTER_LINKS,
  PAID_CAMPAIGNS,
  pickAdVariant,
  pickPaidCampaign,
  REPORT_CAMPAIGN,
  RETARGETING,
  SPIKE_CAMPAIGN,
  socialVisitChannel,
  type UtmCatalog,
  VISIT,
  VISIT_CHANNEL_COUNT,
} from "./channels.js";
import { ARTICLES, articleAt, PAGES } from "./content.js";
import type { CsvTableWriter } from "./csv-writer.js";
import { leadId } from "./lead-arrivals.js";
import type { NewsletterPlan } from "./newsletter.js";
import { type ClickLog, type ConversionLog, LANDING_REPORT } from "./phase-handoffs.js";
import { PLANTED_STRENGTH, periodSeconds } from "./planted-patterns.js";
import { mix32, Random, Weighted, WeightedList } from "./random.js";
import type { SizePreset } from "./sizes.js";
import { recentPost, type SocialPlan } from "./social.js";
import {
  DAY_SECONDS,
  dayOf,
  formatTimestamp,
  growthOf,
  HOUR_SECONDS,
  isWeekend,
  RANGE_DAYS,
  RANGE_END,
  seasonOf,
} from "./time.js";

export const VISIT_FIELDS = [
  "visit_id",
  "visitor_id",
  "started_at",
  "landing_url",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_content",
  "utm_term",
  "pageviews",
  "converted_lead_id",
] as const;

/**
 * A scheduled visit is one float: its second of the range times this, plus its visitor's number
 * (so a sort orders by time, then visitor). The range's last second is under 2^27, so visitor
 * numbers up to 2^25 keep every key exact (below 2^53): size xl has about 9 million visitors.
 */
const VISITOR_SPACE = 2 ** 25;
/** Pseudo-channels for the first visit of planted-campaign visitors (they are paid visits). */
const PAID_SPIKE = VISIT_CHANNEL_COUNT;
const PAID_REPORT = VISIT_CHANNEL_COUNT + 1;

/** How new visitors of each channel split into one-off, light, regular and heavy visitors. */
function engagementMix(channel: number): Weighted {
  if (channel === VISIT.direct) return new Weighted([40, 27, 23, 10]);
  if (channel === VISIT.organic) return new Weighted([55, 26, 15, 4]);
  if (channel === VISIT.paid || channel === PAID_REPORT) return new Weighted([90, 8, 2, 0]);
  if (channel === VISIT.referral) return new Weighted([45, 30, 19, 6]);
  return new Weighted([65, 24, 9, 2]);
}

/** Share of new visitors by first channel (newsletter visitors arrive through clicks instead). */
const ARRIVALS: readonly [number, number][] = [
  [VISIT.organic, 38],
  [VISIT.direct, 20],
  [VISIT.paid, 16],
  [socialVisitChannel(0), 7],
  [socialVisitChannel(1), 2.5],
  [socialVisitChannel(2), 1.5],
  [socialVisitChannel(3), 1.5],
  [socialVisitChannel(4), 1.2],
  [socialVisitChannel(5), 0.6],
  [VISIT.referral, 9],
];
/** Channels of a returning visit. */
const RETURNS = new WeightedList<number>([
  [VISIT.direct, 45],
  [VISIT.organic, 33],
  [VISIT.paid, 8],
  [socialVisitChannel(0), 4],
  [socialVisitChannel(1), 1.2],
  [socialVisitChannel(2), 0.6],
  [socialVisitChannel(3), 0.6],
  [socialVisitChannel(4), 0.4],
  [socialVisitChannel(5), 0.2],
  [VISIT.referral, 5],
]);

const DIRECT_PAGES = new WeightedList<string>([
  [PAGES.home, 45],
  [PAGES.pricing, 12],
  [PAGES.product, 8],
  [PAGES.login, 20],
  [PAGES.docs, 10],
  [PAGES.careers, 3],
  [PAGES.about, 2],
]);
const ORGANIC_PAGES = new WeightedList<string>([
  ["", 55], // an article
  [PAGES.home, 15],
  [PAGES.product, 10],
  [PAGES.scheduling, 8],
  [PAGES.mobile, 5],
  [PAGES.compare, 4],
  [PAGES.integrations, 3],
]);
const REFERRAL_PAGES = new WeightedList<string>([
  [PAGES.home, 40],
  [PAGES.customers, 20],
  [PAGES.integrations, 20],
  [PAGES.pricing, 10],
  [PAGES.product, 10],
]);
const SEARCH_ENGINES = new WeightedList<string>([
  ["https://www.google.com/", 84],
  ["https://www.bing.com/", 10],
  ["https://duckduckgo.com/", 4],
  ["https://www.ecosia.org/", 2],
]);
const REFERRERS = new WeightedList<string>([
  ["https://www.g2.com/products/brightwater/reviews", 30],
  ["https://www.capterra.com/p/brightwater/", 20],
  ["https://partners.fieldservice-alliance.example/members", 15],
  ["https://blog.servicetechweekly.example/top-tools", 15],
  ["https://www.reddit.com/r/fieldservice/", 10],
  ["https://news.ycombinator.com/", 5],
  ["https://hvac-forum.example/thread/scheduling-apps", 5],
]);
const SOCIAL_REFERRERS: Record<(typeof SOCIAL_NETWORKS)[number], string> = {
  linkedin: "https://www.linkedin.com/",
  twitter: "https://t.co/",
  facebook: "https://l.facebook.com/",
  instagram: "https://l.instagram.com/",
  youtube: "https://www.youtube.com/",
  other: "https://mastodon.social/",
};
const CONVERSION_PAGES = [PAGES.demo, PAGES.contact, PAGES.pricing];
/** UTC hours of website visits: the European working day, with an evening tail. */
const HOURS = new Weighted([
  0.3, 0.2, 0.2, 0.2, 0.3, 0.7, 1.8, 3.2, 4, 4.3, 4.3, 4, 3.8, 4.2, 4.3, 4, 3.4, 2.6, 2.2, 2, 1.8, 1.4, 0.9, 0.5,
]);

/** Per-visitor state in typed arrays: millions of visitors without millions of objects. */
/** Every 4-digit hex string, so a visitor id is four look-ups (ids are not kept: 2M+ strings cost 250 MB). */
const HEX4 = Array.from({ length: 1 << 16 }, (_, i) => i.toString(16).padStart(4, "0"));

class Visitors {
  count = 0;
  remaining = new Int32Array(1 << 16);
  gap = new Float32Array(1 << 16);
  firstChannel = new Uint8Array(1 << 16);
  visits = new Int32Array(1 << 16);

  constructor(private readonly salt: number) {}

  /** A Matomo-style visitor id: 16 hex digits, unique (mix32 is a bijection), unrelated to the number. */
  id(v: number): string {
    const high = mix32(v ^ this.salt);
    const low = mix32(high ^ 0x9e3779b9);
    return `${HEX4[high >>> 16]}${HEX4[high & 0xffff]}${HEX4[low >>> 16]}${HEX4[low & 0xffff]}`;
  }

  add(channel: number, visits: number, gapSeconds: number): number {
    if (this.count === this.remaining.length) this.grow();
    const v = this.count++;
    if (v >= VISITOR_SPACE) throw new Error("too many visitors for the visit key");
    this.remaining[v] = visits - 1;
    this.gap[v] = gapSeconds;
    this.firstChannel[v] = channel;
    return v;
  }

  private grow(): void {
    const size = this.remaining.length * 2;
    const remaining = new Int32Array(size);
    remaining.set(this.remaining);
    this.remaining = remaining;
    const gap = new Float32Array(size);
    gap.set(this.gap);
    this.gap = gap;
    const firstChannel = new Uint8Array(size);
    firstChannel.set(this.firstChannel);
    this.firstChannel = firstChannel;
    const visits = new Int32Array(size);
    visits.set(this.visits);
    this.visits = visits;
  }
}

/** Recent visitors who will come back, per first channel: converters are often returning visitors. */
class RecentVisitors {
  private readonly rings: Int32Array[] = [];
  private readonly filled: number[] = [];

  constructor(channels: number) {
    for (let c = 0; c < channels; c++) {
      this.rings.push(new Int32Array(4096));
      this.filled.push(0);
    }
  }

  add(channel: number, visitor: number): void {
    const ring = this.rings[channel];
    if (!ring) return;
    const n = this.filled[channel] ?? 0;
    ring[n % ring.length] = visitor;
    this.filled[channel] = n + 1;
  }

  pick(channel: number, rng: Random): number {
    const ring = this.rings[channel];
    const n = this.filled[channel] ?? 0;
    if (!ring || n === 0) return -1;
    return ring[rng.int(Math.min(n, ring.length))] ?? -1;
  }
}

export type WebContext = {
  preset: SizePreset;
  seed: number;
  social: SocialPlan;
  newsletter: NewsletterPlan;
  utm: UtmCatalog;
  conversions: ConversionLog;
  clicks: ClickLog;
  /** False: no paid push and no gated-report ads (planted-patterns.ts). */
  planted: boolean;
  out: CsvTableWriter;
  onProgress: (rows: number) => void;
};

function geometric(mean: number, rng: Random): number {
  if (mean <= 1) return 1;
  return 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - 1 / mean));
}

export async function writeVisits(ctx: WebContext): Promise<void> {
  const { preset, out, utm } = ctx;
  const rng = new Random(ctx.seed, "web");
  const visitors = new Visitors(mix32(ctx.seed ^ 0x3c6ef372));
  const recent = new RecentVisitors(PAID_REPORT + 1);
  const subscriberVisitor = new Int32Array(ctx.newsletter.subscribedAt.length).fill(-1);
  const engagement = Array.from({ length: PAID_REPORT + 1 }, (_, c) => engagementMix(c));
  const arrivals = new Weighted(ARRIVALS.map(([, w]) => w));
  const buckets: number[][] = Array.from({ length: RANGE_DAYS }, () => []);
  const visitsPerDay = new Int32Array(RANGE_DAYS);

  const [spikeStart, spikeEnd] = periodSeconds("paid-traffic-spike", ctx.planted);
  const [reportStart, reportEnd] = periodSeconds("lead-quality-drop", ctx.planted);
  const [spikeFirstDay, spikeLastDay] = [dayOf(spikeStart), dayOf(spikeEnd)];
  const [reportFirstDay, reportLastDay] = [dayOf(reportStart), dayOf(reportEnd)];
  let spikeBaseline = 0;

  const dayWeight = (d: number) => growthOf(d, preset.steady) * seasonOf(d, preset.steady) * (isWeekend(d) ? 0.45 : 1);
  let totalWeight = 0;
  for (let d = 0; d < RANGE_DAYS; d++) totalWeight += dayWeight(d);

  const newVisitor = (channel: number): number => {
    const kind = engagement[channel]?.index(rng) ?? 0;
    let visits = 1;
    let lifeDays = 1;
    if (channel === PAID_SPIKE) {
      // The rare spike visitor who comes back does so weeks later, not within the push.
      visits = rng.chance(PLANTED_STRENGTH.paidTrafficSpike.returnChance) ? 2 : 1;
      lifeDays = 120;
    } else if (kind === 1) {
      visits = rng.intBetween(2, 5);
      lifeDays = rng.logNormal(30, 0.7);
    } else if (kind === 2) {
      visits = Math.round(rng.logUniform(6, 80));
      lifeDays = rng.logNormal(200, 0.6);
    } else if (kind === 3) {
      visits = Math.round(rng.logUniform(60, 700));
      lifeDays = rng.logNormal(500, 0.5);
    }
    return visitors.add(channel, visits, (lifeDays * DAY_SECONDS) / visits);
  };
  const visitTime = (dayStart: number) => dayStart + HOURS.index(rng) * HOUR_SECONDS + rng.int(HOUR_SECONDS);

  const clickOrder = ctx.clicks.inTimeOrder();
  // One row array reused for every visit: tens of millions of short-lived arrays cost GC time.
  const cells: string[] = new Array<string>(VISIT_FIELDS.length).fill("");
  let nextConversion = 0;
  let nextClick = 0;
  let seq = 0;

  /**
   * Writes one visit and schedules the visitor's next one. `landingPage` and `converted` are
   * set for the visit that created a lead.
   */
  const emit = (
    t: number,
    v: number,
    channelIn: number,
    campaignIn: number,
    variantIn: number,
    landingPage: string,
    converted: string,
  ) => {
    const first = (visitors.visits[v] ?? 0) === 0;
    let channel = channelIn;
    let campaign = campaignIn;
    let variant = variantIn;
    if (channel === PAID_SPIKE || channel === PAID_REPORT) {
      campaign = channel === PAID_SPIKE ? SPIKE_CAMPAIGN : REPORT_CAMPAIGN;
      variant = pickAdVariant(campaign, rng);
      channel = VISIT.paid;
    } else if (channel === VISIT.paid && campaign < 0) {
      campaign = first ? pickPaidCampaign(t, rng) : RETARGETING;
      variant = pickAdVariant(campaign, rng);
    } else if (isSocialVisit(channel) && campaign < 0) {
      campaign = recentPost(ctx.social, channel - VISIT.socialFirst, t, rng);
      if (campaign < 0) channel = VISIT.direct;
    }
    let landing: string;
    let referrer = "";
    if (channel === VISIT.direct) landing = DIRECT_PAGES.pick(rng);
    else if (channel === VISIT.organic) {
      landing = ORGANIC_PAGES.pick(rng) || articleAt(rng.int(ARTICLES.length)).url;
      referrer = SEARCH_ENGINES.pick(rng);
    } else if (channel === VISIT.paid) {
      landing = PAID_CAMPAIGNS[campaign]?.landing ?? PAGES.home;
      referrer = "https://www.google.com/";
    } else if (channel === VISIT.referral) {
      landing = REFERRAL_PAGES.pick(rng);
      referrer = REFERRERS.pick(rng);
    } else if (channel === VISIT.newsletter) {
      const issue = ctx.newsletter.issues[campaign];
      landing = NEWSLETTER_LINKS[variant] === "cta-demo" ? PAGES.demo : articleAt(issue?.articles[variant] ?? 0).url;
    } else {
      landing = articleAt(ctx.social.article[campaign] ?? 0).url;
      referrer = SOCIAL_REFERRERS[SOCIAL_NETWORKS[channel - VISIT.socialFirst] ?? "other"];
    }
    if (landingPage !== "") landing = landingPage;
    let pageviews: number;
    if (converted !== "") pageviews = 1 + geometric(3, rng);
    else {
      const mean = channel === VISIT.paid ? 1.4 : channel === VISIT.direct ? 3 : 2.2;
      pageviews = geometric(first ? mean : mean * 1.4, rng);
    }
    const utmCells = utm.cells(channel, campaign, variant);
    cells[0] = `V${++seq}`;
    cells[1] = visitors.id(v);
    cells[2] = formatTimestamp(t);
    cells[3] = landing;
    cells[4] = referrer;
    for (let k = 0; k < 5; k++) cells[5 + k] = utmCells[k] ?? "";
    cells[10] = String(pageviews);
    cells[11] = converted;
    out.row(cells);
    const day = Math.floor(t / DAY_SECONDS);
    visitsPerDay[day] = (visitsPerDay[day] ?? 0) + 1;
    visitors.visits[v] = (visitors.visits[v] ?? 0) + 1;
    const remaining = visitors.remaining[v] ?? 0;
    if (remaining <= 0) return;
    if (first) recent.add(visitors.firstChannel[v] ?? 0, v);
    // Only a visitor's own rhythm schedules the next visit, not a conversion or click that
    // happened to fall in between.
    if (converted === "" || first) {
      visitors.remaining[v] = remaining - 1;
      let at = t + Math.max(1800, Math.floor(rng.exponential(visitors.gap[v] ?? DAY_SECONDS)));
      // At most one visit a day from the rhythm: today's visits are already sorted.
      if (Math.floor(at / DAY_SECONDS) === day) at += DAY_SECONDS;
      if (at <= RANGE_END) buckets[Math.floor(at / DAY_SECONDS)]?.push(at * VISITOR_SPACE + v);
    }
  };

  /** The landing page of the visit that created a lead. */
  const conversionLanding = (channel: number, landing: number): string => {
    if (landing === LANDING_REPORT) return PAID_CAMPAIGNS[REPORT_CAMPAIGN]?.landing ?? "";
    if (channel === VISIT.direct || channel === VISIT.organic || channel === VISIT.referral) {
      return CONVERSION_PAGES[landing] ?? PAGES.demo;
    }
    return "";
  };

  for (let day = 0; day < RANGE_DAYS; day++) {
    const dayStart = day * DAY_SECONDS;
    const dayEnd = dayStart + DAY_SECONDS;
    const scheduled = buckets[day] ?? [];
    buckets[day] = [];

    const arriving = rng.roundStochastic((preset.visitors * dayWeight(day)) / totalWeight);
    for (let i = 0; i < arriving; i++) {
      const channel = ARRIVALS[arrivals.index(rng)]?.[0] ?? VISIT.organic;
      scheduled.push(visitTime(dayStart) * VISITOR_SPACE + newVisitor(channel));
    }
    if (day === spikeFirstDay) {
      let sum = 0;
      for (let d = Math.max(0, day - 28); d < day; d++) sum += visitsPerDay[d] ?? 0;
      spikeBaseline = sum / Math.min(28, Math.max(1, day));
    }
    if (day >= spikeFirstDay && day <= spikeLastDay) {
      // The paid push buys a fixed share of an ordinary day's traffic; B2B weekends stay quiet.
      const weekday = isWeekend(day) ? 0.45 / 0.843 : 1 / 0.843;
      const extra = rng.roundStochastic(spikeBaseline * PLANTED_STRENGTH.paidTrafficSpike.extraVisitsShare * weekday);
      for (let i = 0; i < extra; i++) scheduled.push(visitTime(dayStart) * VISITOR_SPACE + newVisitor(PAID_SPIKE));
    }
    if (day >= reportFirstDay && day <= reportLastDay) {
      const extra = rng.roundStochastic((0.1 * preset.visitors * dayWeight(day)) / totalWeight);
      for (let i = 0; i < extra; i++) scheduled.push(visitTime(dayStart) * VISITOR_SPACE + newVisitor(PAID_REPORT));
    }

    // Conversions and clicks of the day, each with its visitor.
    const specialTime: number[] = [];
    const specialVisitor: number[] = [];
    const specialRecord: number[] = [];
    while (nextConversion < ctx.conversions.length && ctx.conversions.timeAt(nextConversion) < dayEnd) {
      const c = ctx.conversions.at(nextConversion);
      let v = c.returning ? recent.pick(c.channel, rng) : -1;
      if (v < 0) v = newVisitor(c.channel);
      specialTime.push(c.time);
      specialVisitor.push(v);
      specialRecord.push(nextConversion++);
    }
    while (nextClick < clickOrder.length) {
      const k = clickOrder[nextClick] ?? 0;
      const click = ctx.clicks.at(k);
      if (click.time >= dayEnd) break;
      let v = subscriberVisitor[click.subscriber] ?? -1;
      if (v < 0) {
        v = visitors.add(VISIT.newsletter, 1, DAY_SECONDS);
        subscriberVisitor[click.subscriber] = v;
      }
      specialTime.push(click.time);
      specialVisitor.push(v);
      specialRecord.push(-1 - k);
      nextClick++;
    }
    const specialOrder = specialTime
      .map((_, i) => i)
      .sort((a, b) => (specialTime[a] ?? 0) - (specialTime[b] ?? 0) || a - b);

    let s = 0;
    const emitSpecialsUntil = (limit: number) => {
      while (s < specialOrder.length) {
        const j = specialOrder[s] ?? 0;
        if ((specialTime[j] ?? 0) > limit) return;
        s++;
        const record = specialRecord[j] ?? 0;
        const v = specialVisitor[j] ?? 0;
        if (record >= 0) {
          const c = ctx.conversions.at(record);
          emit(c.time, v, c.channel, c.campaign, c.variant, conversionLanding(c.channel, c.landing), leadId(c.lead));
        } else {
          const click = ctx.clicks.at(-1 - record);
          emit(click.time, v, VISIT.newsletter, click.issue, click.link, "", click.lead >= 0 ? leadId(click.lead) : "");
        }
      }
    };
    for (const key of Float64Array.from(scheduled).sort()) {
      const t = Math.floor(key / VISITOR_SPACE);
      const v = key - t * VISITOR_SPACE;
      emitSpecialsUntil(t);
      const channel = visitors.visits[v] === 0 ? (visitors.firstChannel[v] ?? VISIT.direct) : RETURNS.pick(rng);
      emit(t, v, channel, -1, 0, "", "");
    }
    emitSpecialsUntil(Number.POSITIVE_INFINITY);
    if ((day & 15) === 15 || day === RANGE_DAYS - 1) ctx.onProgress(out.rows);
    await out.drain();
  }
}
