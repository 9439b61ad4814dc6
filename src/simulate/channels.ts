/**
 * How visitors and leads arrive: the traffic channels of a visit, the lead source channel
 * each maps to, the paid campaigns, and the utm_* values every channel carries. Leads and the
 * visits that created them take their utm_* from the same functions here, so they always agree.
 */
import { SOCIAL_NETWORKS } from "../model/canonical.js";
import { COMPETITORS, PAGES } from "./content.js";
import { PLANTED_STRENGTH } from "./planted-patterns.js";
import type { Random } from "./random.js";
import { RANGE_END, secondsFromIso } from "./time.js";

/** Traffic channel of a visit. Social networks are SOCIAL_FIRST + index in SOCIAL_NETWORKS. */
export const VISIT = {
  direct: 0,
  organic: 1,
  paid: 2,
  socialFirst: 3,
  newsletter: 3 + SOCIAL_NETWORKS.length,
  referral: 4 + SOCIAL_NETWORKS.length,
} as const;
export const VISIT_CHANNEL_COUNT = VISIT.referral + 1;

export function socialVisitChannel(network: number): number {
  return VISIT.socialFirst + network;
}

export function isSocialVisit(channel: number): boolean {
  return channel >= VISIT.socialFirst && channel < VISIT.newsletter;
}

export type PaidCampaign = {
  name: string;
  /** Active from .. until (seconds); outside it no new visitor arrives on it. */
  from: number;
  until: number;
  /** Share among the campaigns active on a day. */
  weight: number;
  terms: readonly string[];
  landing: string;
};

const END = RANGE_END;

export const PAID_CAMPAIGNS: readonly PaidCampaign[] = [
  {
    name: "search-brand",
    from: 0,
    until: END,
    weight: 3,
    terms: ["brightwater", "brightwater pricing", "brightwater field service"],
    landing: PAGES.home,
  },
  {
    name: "search-generic",
    from: 0,
    until: END,
    weight: 5,
    terms: [
      "field service software",
      "field service management",
      "technician scheduling software",
      "work order app",
      "service dispatch software",
    ],
    landing: "https://www.brightwater.example/lp/field-service-software",
  },
  {
    name: "search-competitors",
    from: secondsFromIso("2024-06-01T00:00:00Z"),
    until: END,
    weight: 2,
    terms: COMPETITORS.map((c) => `${c.toLowerCase()} alternative`),
    landing: PAGES.compare,
  },
  // Paid visitors who come back see ads again; only returning paid visits use this one.
  { name: "retargeting", from: 0, until: END, weight: 0, terms: [""], landing: PAGES.pricing },
  {
    name: PLANTED_STRENGTH.paidTrafficSpike.campaign,
    from: secondsFromIso("2025-11-01T00:00:00Z"),
    until: secondsFromIso("2025-11-30T23:59:59Z"),
    weight: 0,
    terms: ["field service app", "maintenance scheduling", "service management software", "technician app"],
    landing: "https://www.brightwater.example/lp/year-end-offer",
  },
  {
    name: PLANTED_STRENGTH.leadQualityDrop.campaign,
    from: secondsFromIso("2026-04-01T00:00:00Z"),
    until: secondsFromIso("2026-06-30T23:59:59Z"),
    weight: 0,
    terms: ["field service report 2026", "field service benchmark"],
    landing: "https://www.brightwater.example/resources/state-of-field-service-2026",
  },
];

export const RETARGETING = PAID_CAMPAIGNS.findIndex((c) => c.name === "retargeting");
export const SPIKE_CAMPAIGN = PAID_CAMPAIGNS.findIndex((c) => c.name === PLANTED_STRENGTH.paidTrafficSpike.campaign);
export const REPORT_CAMPAIGN = PAID_CAMPAIGNS.findIndex((c) => c.name === PLANTED_STRENGTH.leadQualityDrop.campaign);
const AD_VARIANTS = ["ad-a", "ad-b", "ad-c"] as const;
export const NEWSLETTER_LINKS = ["top-story", "article-2", "article-3", "cta-demo"] as const;

/** A variant packs utm_content (ad or link) and utm_term: content * 16 + term. */
function packVariant(content: number, term: number): number {
  return content * 16 + term;
}

type UtmSources = {
  /** utm_campaign of each social post, and its network index. */
  postCampaigns: readonly string[];
  postNetworks: readonly number[];
  /** utm_campaign of each newsletter issue. */
  issueCampaigns: readonly string[];
};

/** utm_source, utm_medium, utm_campaign, utm_content, utm_term. */
export type UtmCells = readonly [string, string, string, string, string];

/**
 * The five utm_* cells of a channel + campaign + variant. Cached: each distinct combination
 * is built once and shared.
 */
export class UtmCatalog {
  static readonly NONE: UtmCells = ["", "", "", "", ""];
  private readonly paid = new Map<number, UtmCells>();
  private readonly social: UtmCells[];
  private readonly newsletter = new Map<number, UtmCells>();

  constructor(private readonly sources: UtmSources) {
    this.social = sources.postCampaigns.map((campaign, i) => [
      SOCIAL_NETWORKS[sources.postNetworks[i] ?? 0] ?? "other",
      "social",
      campaign,
      "",
      "",
    ]);
  }

  /** The utm cells of a visit (or a lead's first touch) on `channel`. */
  cells(channel: number, campaign: number, variant: number): UtmCells {
    if (channel === VISIT.paid) return this.paidCells(campaign, variant);
    if (channel === VISIT.newsletter) return this.newsletterCells(campaign, variant);
    if (isSocialVisit(channel)) return this.social[campaign] ?? UtmCatalog.NONE;
    return UtmCatalog.NONE;
  }

  private paidCells(campaign: number, variant: number): UtmCells {
    const key = campaign * 4096 + variant;
    let cells = this.paid.get(key);
    if (cells === undefined) {
      const c = PAID_CAMPAIGNS[campaign];
      if (!c) throw new Error(`no paid campaign ${campaign}`);
      const content = campaign === RETARGETING ? "banner" : (AD_VARIANTS[variant >> 4] ?? "");
      cells = ["google", "cpc", c.name, content, c.terms[(variant & 15) % c.terms.length] ?? ""];
      this.paid.set(key, cells);
    }
    return cells;
  }

  private newsletterCells(issue: number, link: number): UtmCells {
    const key = issue * 16 + link;
    let cells = this.newsletter.get(key);
    if (cells === undefined) {
      cells = ["newsletter", "email", this.sources.issueCampaigns[issue] ?? "", NEWSLETTER_LINKS[link] ?? "", ""];
      this.newsletter.set(key, cells);
    }
    return cells;
  }
}

/** A paid campaign a new paid visitor at `t` arrives on (the planted campaigns are picked explicitly). */
export function pickPaidCampaign(t: number, rng: Random): number {
  let total = 0;
  for (const c of PAID_CAMPAIGNS) if (c.weight > 0 && c.from <= t && t <= c.until) total += c.weight;
  let x = rng.next() * total;
  for (let i = 0; i < PAID_CAMPAIGNS.length; i++) {
    const c = PAID_CAMPAIGNS[i];
    if (!c || c.weight <= 0 || c.from > t || t > c.until) continue;
    x -= c.weight;
    if (x < 0) return i;
  }
  return 0;
}

/** A random ad variant (utm_content and utm_term) of a paid campaign. */
export function pickAdVariant(campaign: number, rng: Random): number {
  const terms = PAID_CAMPAIGNS[campaign]?.terms.length ?? 1;
  return packVariant(rng.int(AD_VARIANTS.length), rng.int(terms));
}
