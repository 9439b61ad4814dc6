/**
 * The marketing metrics (METRICS.md 5, 7, 8, 9) on the simulated company, against slow
 * plain-TypeScript references over its CSV rows, on every engine. The references re-derive
 * everything themselves: visit numbers from each visitor's history, qualification from the
 * stage events, snapshots as of a moment, referrer hosts with URL, the address hashes with
 * node:crypto. Also checks that the planted stories (src/simulate/planted-patterns.ts) show
 * through the metrics: the paid-traffic spike (visits up, returning visitors flat) and the
 * follower giveaway (shares per post down).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { contentShares } from "../../src/metrics/definitions/content-shares.js";
import { engagement } from "../../src/metrics/definitions/engagement.js";
import { newsletterLeads } from "../../src/metrics/definitions/newsletter-leads.js";
import { socialConversions } from "../../src/metrics/definitions/social-conversions.js";
import type { Grain } from "../../src/metrics/metric.js";
import { engines } from "../support/databases.js";
import { report } from "../support/metric-fixtures.js";
import {
  type CsvRow,
  loadSimulated,
  ms,
  SIMULATED_WORKSPACE,
  type SimulatedCompany,
  simulatedCompany,
} from "../support/simulated-company.js";
import type { TestStore } from "../support/stores.js";

type Tables = SimulatedCompany["tables"];
type Range = { label: string; start: number; end: number };

const DAY = 86_400_000;
const utc = (y: number, m: number, d = 1) => Date.UTC(y, m - 1, d);
const PERIODS: Record<string, Range> = {
  "2025-10": { label: "2025-10", start: utc(2025, 10), end: utc(2025, 11) },
  "2025-11": { label: "2025-11", start: utc(2025, 11), end: utc(2025, 12) },
  "2026-Q2": { label: "2026-Q2", start: utc(2026, 4), end: utc(2026, 7) },
  "2025-H2": { label: "2025-H2", start: utc(2025, 7), end: utc(2026, 1) },
  "2026-H1": { label: "2026-H1", start: utc(2026, 1), end: utc(2026, 7) },
  // Ranges of days: whole months with partial ones on both sides, and days within one month.
  "2025-10-20..2026-01-10": { label: "2025-10-20..2026-01-10", start: utc(2025, 10, 20), end: utc(2026, 1, 11) },
  "2026-04-03..2026-04-20": { label: "2026-04-03..2026-04-20", start: utc(2026, 4, 3), end: utc(2026, 4, 21) },
};
const range = (label: string): Range => PERIODS[label] as Range;

/** Rounds every fraction to 6 decimals, as the runner reports them. */
function round6<T>(value: T): T {
  if (typeof value === "number") return (Number.isInteger(value) ? value : Math.round(value * 1e6) / 1e6) as T;
  if (Array.isArray(value)) return value.map(round6) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, round6(v)])) as T;
  }
  return value;
}

const within = (t: number | null, r: Range) => t !== null && t >= r.start && t < r.end;
const frac = (a: number, b: number) => (b > 0 ? a / b : null);
const str = (v: string | null | undefined) => v ?? null;

/** First instant (ISO) of the day or month `t` falls in, and every such bucket of a range. */
function truncate(t: number, grain: Grain): number {
  const d = new Date(t);
  if (grain === "day") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (grain === "month") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  throw new Error(`reference has no ${grain} buckets`);
}
function bucketStarts(r: Range, grain: Grain): number[] {
  const out: number[] = [];
  for (let t = truncate(r.start, grain); t < r.end; ) {
    out.push(t);
    const d = new Date(t);
    t = grain === "day" ? t + DAY : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// METRICS.md 5: visit frequency and recency.

const VISIT_LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9-14", "15-25", "26-50", "51-100", "101-200", "200+"];
const DAY_LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8-14", "15-30", "31-60", "61-120", "121-364", "365+"];

function visitLabel(n: number): string {
  if (n <= 8) return String(n);
  if (n <= 14) return "9-14";
  if (n <= 25) return "15-25";
  if (n <= 50) return "26-50";
  if (n <= 100) return "51-100";
  if (n <= 200) return "101-200";
  return "200+";
}
function dayLabel(n: number): string {
  if (n <= 7) return String(n);
  if (n <= 14) return "8-14";
  if (n <= 30) return "15-30";
  if (n <= 60) return "31-60";
  if (n <= 120) return "61-120";
  if (n <= 364) return "121-364";
  return "365+";
}

type Visit = {
  id: string;
  visitor: string;
  start: number;
  number: number;
  secondsSincePrevious: number | null;
  pageviews: number | null;
  converted: string | null;
  row: CsvRow;
};

/** Every visit with its number in the visitor's history (ties on start broken by visit id, as at ingest). */
function numberedVisits(t: Tables): Visit[] {
  const byVisitor = new Map<string, Visit[]>();
  for (const v of t.visits) {
    const visit: Visit = {
      id: v.visit_id as string,
      visitor: v.visitor_id as string,
      start: ms(v.started_at ?? null) as number,
      number: 0,
      secondsSincePrevious: null,
      pageviews: v.pageviews === null || v.pageviews === undefined ? null : Number(v.pageviews),
      converted: str(v.converted_lead_id),
      row: v,
    };
    const list = byVisitor.get(visit.visitor) ?? [];
    list.push(visit);
    byVisitor.set(visit.visitor, list);
  }
  const all: Visit[] = [];
  for (const list of byVisitor.values()) {
    list.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    list.forEach((v, i) => {
      v.number = i + 1;
      const previous = list[i - 1];
      v.secondsSincePrevious = previous ? Math.round((v.start - previous.start) / 1000) : null;
      all.push(v);
    });
  }
  return all;
}

function refEngagement(visits: Visit[], r: Range) {
  const inPeriod = visits.filter((v) => within(v.start, r));
  const perVisitor = new Map<string, { visits: number; last: number; returning: boolean; converted: boolean }>();
  for (const v of inPeriod) {
    const p = perVisitor.get(v.visitor) ?? { visits: 0, last: 0, returning: false, converted: false };
    p.visits++;
    p.last = Math.max(p.last, v.start);
    p.returning ||= v.number > 1;
    p.converted ||= v.converted !== null;
    perVisitor.set(v.visitor, p);
  }
  const grid = VISIT_LABELS.map((visits) => ({ visits, visitors: DAY_LABELS.map(() => 0) }));
  const freq = new Map<string, { visitors: number; converted: number }>();
  const rec = new Map<string, { visitors: number; converted: number }>();
  let returning = 0;
  let converted = 0;
  for (const p of perVisitor.values()) {
    const f = visitLabel(p.visits);
    const d = dayLabel(Math.floor((r.end - p.last) / DAY));
    const row = grid[VISIT_LABELS.indexOf(f)] as { visitors: number[] };
    row.visitors[DAY_LABELS.indexOf(d)] = (row.visitors[DAY_LABELS.indexOf(d)] ?? 0) + 1;
    for (const [map, key] of [
      [freq, f],
      [rec, d],
    ] as const) {
      const c = map.get(key) ?? { visitors: 0, converted: 0 };
      c.visitors++;
      if (p.converted) c.converted++;
      map.set(key, c);
    }
    if (p.returning) returning++;
    if (p.converted) converted++;
  }
  const rows = (labels: string[], map: Map<string, { visitors: number; converted: number }>) =>
    labels.map((bucket) => {
      const c = map.get(bucket) ?? { visitors: 0, converted: 0 };
      return {
        bucket,
        visitors: c.visitors,
        convertedVisitors: c.converted,
        conversionRate: frac(c.converted, c.visitors),
      };
    });
  const count = (labels: string[], pick: (v: Visit) => string | null) =>
    labels.map((bucket) => ({ bucket, visits: inPeriod.filter((v) => pick(v) === bucket).length }));
  return round6({
    visits: inPeriod.length,
    pageviews: inPeriod.reduce((a, v) => a + (v.pageviews ?? 0), 0),
    visitors: perVisitor.size,
    returningVisitors: returning,
    returningShare: frac(returning, perVisitor.size),
    convertedVisitors: converted,
    conversionRate: frac(converted, perVisitor.size),
    visitBuckets: VISIT_LABELS,
    dayBuckets: DAY_LABELS,
    grid,
    byFrequency: rows(VISIT_LABELS, freq),
    byRecency: rows(DAY_LABELS, rec),
    byVisitNumber: count(VISIT_LABELS, (v) => visitLabel(v.number)),
    byDaysSincePrevious: count(DAY_LABELS, (v) =>
      v.number > 1 && v.secondsSincePrevious !== null ? dayLabel(Math.floor(v.secondsSincePrevious / 86400)) : null,
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// METRICS.md 7: content shares.

function refContentShares(t: Tables, r: Range, grain: Grain) {
  const latest = new Map<string, { at: number; shares: number; impressions: number }>();
  for (const s of t.social_post_snapshots) {
    const at = ms(s.captured_at ?? null) as number;
    if (at >= r.end) continue;
    const current = latest.get(s.post_id as string);
    if (!current || at > current.at) {
      latest.set(s.post_id as string, { at, shares: Number(s.shares ?? 0), impressions: Number(s.impressions ?? 0) });
    }
  }
  const posts = t.social_posts
    .filter((p) => within(ms(p.published_at ?? null), r))
    .map((p) => ({
      id: p.id as string,
      network: p.network as string,
      published: ms(p.published_at ?? null) as number,
      url: str(p.url),
      shares: latest.get(p.id as string)?.shares ?? 0,
      impressions: latest.get(p.id as string)?.impressions ?? 0,
    }));
  // Followers: the latest reading before the end; the start is the latest before the start, else the first inside.
  const followers = new Map<string, { end: number | null; start: number | null }>();
  const snaps = [...t.social_follower_snapshots]
    .map((f) => ({ network: f.network as string, at: ms(f.captured_at ?? null) as number, n: Number(f.followers) }))
    .sort((a, b) => a.at - b.at);
  for (const network of new Set(snaps.map((s) => s.network))) {
    const mine = snaps.filter((s) => s.network === network);
    const beforeEnd = mine.filter((s) => s.at < r.end);
    if (beforeEnd.length === 0) continue;
    const beforeStart = mine.filter((s) => s.at < r.start);
    const startReading = beforeStart[beforeStart.length - 1] ?? mine.find((s) => within(s.at, r));
    followers.set(network, { end: beforeEnd[beforeEnd.length - 1]?.n ?? null, start: startReading?.n ?? null });
  }
  const networks = [...new Set([...posts.map((p) => p.network), ...followers.keys()])].sort();
  const rowOf = (list: typeof posts, f: { end: number | null; start: number | null } | undefined) => {
    const shares = list.reduce((a, p) => a + p.shares, 0);
    const impressions = list.reduce((a, p) => a + p.impressions, 0);
    const end = f?.end ?? null;
    const start = f?.start ?? null;
    return {
      posts: list.length,
      shares,
      sharesPerPost: frac(shares, list.length),
      impressions,
      impressionsPerPost: frac(impressions, list.length),
      followers: end,
      followerChange: end === null || start === null ? null : end - start,
    };
  };
  const byNetwork = networks.map((network) => ({
    network,
    ...rowOf(
      posts.filter((p) => p.network === network),
      followers.get(network),
    ),
  }));
  const sumOrNull = (values: (number | null)[]) =>
    values.some((v) => v !== null) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : null;
  const top = [...posts]
    .sort((a, b) => b.shares - a.shares || a.published - b.published || (a.id < b.id ? -1 : 1))
    .slice(0, 10)
    .map((p) => ({ ...p, published: new Date(p.published).toISOString() }));
  return round6({
    ...rowOf(posts, undefined),
    followers: sumOrNull(byNetwork.map((n) => n.followers)),
    followerChange: sumOrNull(byNetwork.map((n) => n.followerChange)),
    byNetwork,
    // Shares cluster by post: the posts with a share, and each post's shares squared, added up.
    shareClusters: {
      clusters: posts.filter((p) => p.shares !== 0).length,
      sumOfSquares: posts.reduce((a, p) => a + p.shares * p.shares, 0),
    },
    topPosts: top,
    trend: bucketStarts(r, grain).map((b) => {
      const list = posts.filter((p) => truncate(p.published, grain) === b);
      const shares = list.reduce((a, p) => a + p.shares, 0);
      return {
        bucket: new Date(b).toISOString(),
        posts: list.length,
        shares,
        sharesPerPost: frac(shares, list.length),
      };
    }),
  });
}

// ---------------------------------------------------------------------------------------------
// Leads, for METRICS.md 8 and 9: qualification and the reporting currency, re-derived.

type Lead = {
  id: string;
  owner: string | null;
  created: number;
  status: string;
  qualified: boolean;
  /** Value in cents when in the reporting currency. */
  cents: number | null;
  source: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  contact: string | null;
};

function leadsOf(t: Tables): { leads: Lead[]; currency: string | null } {
  const currencies = new Map<string, number>();
  for (const l of t.leads) {
    if (l.value && l.currency) currencies.set(l.currency, (currencies.get(l.currency) ?? 0) + 1);
  }
  const currency = [...currencies].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
  const stages = new Map(t.stages.map((s) => [s.id as string, s]));
  // The qualifying position per pipeline: the first open stage marked qualifying.
  const qualifying = new Map<string, number>();
  for (const s of t.stages) {
    if (s.is_qualifying === "true" && (s.kind ?? "open") === "open") {
      const p = s.pipeline_id as string;
      qualifying.set(p, Math.min(qualifying.get(p) ?? Number.POSITIVE_INFINITY, Number(s.position)));
    }
  }
  const reached = new Set<string>();
  for (const e of t.stage_events) {
    const s = stages.get(e.to_stage_id as string);
    if (!s) continue;
    const q = qualifying.get(s.pipeline_id as string);
    const kind = s.kind ?? "open";
    if (kind === "won" || (kind === "open" && q !== undefined && Number(s.position) >= q)) {
      reached.add(e.lead_id as string);
    }
  }
  const leads = t.leads.map((l) => ({
    id: l.id as string,
    owner: str(l.owner_id),
    created: ms(l.created_at ?? null) as number,
    status: l.status as string,
    qualified: l.qualified_at !== null || reached.has(l.id as string) || l.status === "won",
    cents: l.value && l.currency === currency ? Math.round(Number(l.value) * 100) : null,
    source: str(l.source_channel),
    utmSource: str(l.utm_source),
    utmMedium: str(l.utm_medium),
    utmCampaign: str(l.utm_campaign),
    contact: str(l.contact),
  }));
  return { leads, currency };
}

const NETWORKS = ["linkedin", "twitter", "facebook", "instagram", "youtube"];
const HOSTS: Record<string, string[]> = {
  linkedin: ["linkedin.com", "lnkd.in"],
  twitter: ["t.co", "twitter.com", "x.com"],
  facebook: ["facebook.com"],
  instagram: ["instagram.com"],
  youtube: ["youtube.com"],
};

function leadNetwork(l: Lead): string | null {
  if (l.source?.startsWith("social:")) return l.source.slice("social:".length);
  const utmSource = l.utmSource?.toLowerCase() ?? "";
  if (NETWORKS.includes(utmSource)) return utmSource;
  if (l.utmMedium?.toLowerCase() === "social") return "other";
  return null;
}

function visitNetwork(v: CsvRow): string | null {
  const utmSource = v.utm_source?.toLowerCase() ?? "";
  if (NETWORKS.includes(utmSource)) return utmSource;
  let host = "";
  try {
    host = v.referrer ? new URL(v.referrer).hostname.toLowerCase() : "";
  } catch {
    host = "";
  }
  for (const [network, hosts] of Object.entries(HOSTS)) {
    if (hosts.some((h) => host === h || host.endsWith(`.${h}`))) return network;
  }
  if (v.utm_medium?.toLowerCase() === "social") return "other";
  return null;
}

function wonCounts(list: Lead[], currency: string | null) {
  const won = list.filter((l) => l.status === "won");
  return {
    leads: list.length,
    qualifiedLeads: list.filter((l) => l.qualified).length,
    wonLeads: won.length,
    wonValue: currency ? won.reduce((a, l) => a + (l.cents ?? 0), 0) / 100 : null,
  };
}

/**
 * The won leads' amounts as a sum's evidence: how many, and the sum of their squares, added
 * exactly in cents (as the engines add NUMERIC) and rounded once.
 */
function wonAmounts(list: Lead[], currency: string | null) {
  const cents = list.filter((l) => l.status === "won" && l.cents !== null).map((l) => BigInt(l.cents as number));
  const squares = cents.reduce((a, c) => a + c * c, 0n);
  const exact = `${squares / 10000n}.${(squares % 10000n).toString().padStart(4, "0")}`;
  return {
    wonValuedLeads: currency ? cents.length : null,
    wonValueSumOfSquares: currency ? Number(exact) : null,
  };
}

function refSocial(t: Tables, r: Range, rep: string | null) {
  const { leads, currency } = leadsOf(t);
  const social = leads
    .filter((l) => within(l.created, r) && (rep === null || l.owner === rep))
    .map((l) => ({ lead: l, network: leadNetwork(l) }))
    .filter((x): x is { lead: Lead; network: string } => x.network !== null);
  const visits = t.visits
    .filter((v) => within(ms(v.started_at ?? null), r))
    .map((v) => ({ network: visitNetwork(v), converted: v.converted_lead_id !== null }))
    .filter((v) => v.network !== null);
  const networks = [...new Set([...social.map((s) => s.network), ...visits.map((v) => v.network as string)])].sort();
  const byNetwork = networks.map((network) => {
    const mine = visits.filter((v) => v.network === network);
    const converted = mine.filter((v) => v.converted).length;
    return {
      network,
      ...wonCounts(
        social.filter((s) => s.network === network).map((s) => s.lead),
        currency,
      ),
      visits: mine.length,
      convertedVisits: converted,
      visitToLeadRate: frac(converted, mine.length),
    };
  });
  const keys = new Map<string, { network: string; campaign: string | null; leads: Lead[] }>();
  for (const s of social) {
    const key = `${s.network}\u0000${s.lead.utmCampaign ?? "\u0001"}`;
    const entry = keys.get(key) ?? { network: s.network, campaign: s.lead.utmCampaign, leads: [] };
    entry.leads.push(s.lead);
    keys.set(key, entry);
  }
  const byCampaign = [...keys.values()]
    .sort((a, b) => a.network.localeCompare(b.network) || (a.campaign ?? "").localeCompare(b.campaign ?? ""))
    .map((c) => {
      const { leads: n, ...rest } = wonCounts(c.leads, currency);
      return {
        network: c.network,
        campaign: c.campaign,
        posts: t.social_posts.filter(
          (p) =>
            p.network === c.network &&
            p.utm_campaign !== null &&
            p.utm_campaign === c.campaign &&
            (ms(p.published_at ?? null) as number) < r.end,
        ).length,
        leads: n,
        ...rest,
      };
    });
  const all = wonCounts(
    social.map((s) => s.lead),
    currency,
  );
  const bySource = social.filter((s) => s.lead.source?.startsWith("social:")).length;
  const converted = visits.filter((v) => v.converted).length;
  return round6({
    ...all,
    ...wonAmounts(
      social.map((s) => s.lead),
      currency,
    ),
    bySourceChannel: bySource,
    byFirstTouchOnly: social.length - bySource,
    visits: visits.length,
    convertedVisits: converted,
    visitToLeadRate: frac(converted, visits.length),
    byNetwork,
    byCampaign,
  });
}

// ---------------------------------------------------------------------------------------------
// METRICS.md 9: newsletter leads.

function refNewsletter(t: Tables, r: Range, grain: Grain, days: number, rep: string | null) {
  const { leads, currency } = leadsOf(t);
  const campaigns = new Set(t.newsletter_issues.map((i) => i.utm_campaign).filter((c) => c !== null));
  const subscribersByHash = new Map<string, CsvRow[]>();
  for (const s of t.newsletter_subscribers) {
    const h = (s.email_hash ?? "").toLowerCase();
    subscribersByHash.set(h, [...(subscribersByHash.get(h) ?? []), s]);
  }
  const clicks = new Map<string, number[]>();
  for (const e of t.email_events) {
    if (e.type !== "click") continue;
    const list = clicks.get(e.subscriber_id as string) ?? [];
    list.push(ms(e.occurred_at ?? null) as number);
    clicks.set(e.subscriber_id as string, list);
  }
  const classified = leads
    .filter((l) => within(l.created, r) && (rep === null || l.owner === rep))
    .map((l) => {
      const hash = l.contact === null ? "" : createHash("sha256").update(l.contact.trim().toLowerCase()).digest("hex");
      const subs = l.contact === null ? [] : (subscribersByHash.get(hash) ?? []);
      const byClick = subs.some((s) =>
        (clicks.get(s.id as string) ?? []).some((c) => c <= l.created && l.created - c <= days * DAY),
      );
      return {
        lead: l,
        bySource: l.source === "newsletter",
        byFirstTouch:
          l.utmMedium?.toLowerCase() === "email" || (l.utmCampaign !== null && campaigns.has(l.utmCampaign)),
        byClick,
        subscriber: subs.some((s) => (ms(s.subscribed_at ?? null) as number) <= l.created),
      };
    })
    .filter((c) => c.bySource || c.byFirstTouch || c.byClick);
  const counts = (list: typeof classified) => ({
    newsletterLeads: list.length,
    bySource: list.filter((c) => c.bySource).length,
    byFirstTouch: list.filter((c) => c.byFirstTouch).length,
    byClick: list.filter((c) => c.byClick).length,
  });
  const active = t.newsletter_subscribers.filter((s) => {
    const from = ms(s.subscribed_at ?? null) as number;
    const until = ms(s.unsubscribed_at ?? null);
    return from < r.end && (until === null || until >= r.end);
  }).length;
  const subscriberLeads = classified.filter((c) => c.subscriber).length;
  const won = wonCounts(
    classified.map((c) => c.lead),
    currency,
  );
  return round6({
    attributionDays: days,
    ...counts(classified),
    subscriberLeads,
    subscribers: active,
    subscriberToLeadRate: frac(subscriberLeads, active),
    qualifiedLeads: won.qualifiedLeads,
    wonLeads: won.wonLeads,
    wonValue: won.wonValue,
    ...wonAmounts(
      classified.map((c) => c.lead),
      currency,
    ),
    trend: bucketStarts(r, grain).map((b) => ({
      bucket: new Date(b).toISOString(),
      ...counts(classified.filter((c) => truncate(c.lead.created, grain) === b)),
    })),
  });
}

// ---------------------------------------------------------------------------------------------

let company: SimulatedCompany;
let visits: Visit[];

beforeAll(async () => {
  company = await simulatedCompany();
  visits = numberedVisits(company.tables);
}, 120_000);
afterAll(async () => company?.cleanup());

describe.each(engines())("marketing metrics against the reference on %s", (engine) => {
  let db: TestStore;
  const ask = { workspace: SIMULATED_WORKSPACE };
  beforeAll(async () => {
    db = await loadSimulated(engine, company);
  }, 120_000);
  afterAll(async () => db?.dispose());

  const cases: { period: string; grain: Grain }[] = [
    { period: "2025-11", grain: "day" },
    { period: "2026-Q2", grain: "month" },
  ];

  test.each(cases)("visit frequency and recency, $period", async ({ period, grain }) => {
    const r = await report(db.store, engagement, { ...ask, period, grain });
    const expected = refEngagement(visits, range(period));
    expect(expected.visitors).toBeGreaterThan(100);
    expect(r.result).toEqual(expected);
  });

  // Whole months are read from the monthly rollups, partial ones from the visits.
  test.each([
    { period: "2025-10-20..2026-01-10", grain: "week" as Grain },
    { period: "2026-04-03..2026-04-20", grain: "day" as Grain },
  ])("visit frequency and recency, $period", async ({ period, grain }) => {
    const r = await report(db.store, engagement, { ...ask, period, grain });
    const expected = refEngagement(visits, range(period));
    expect(expected.visitors).toBeGreaterThan(100);
    expect(r.result).toEqual(expected);
  });

  test.each(cases)("content shares, $period", async ({ period, grain }) => {
    const r = await report(db.store, contentShares, { ...ask, period, grain });
    const expected = refContentShares(company.tables, range(period), grain);
    expect(expected.posts).toBeGreaterThan(5);
    expect(r.result).toEqual(expected);
  });

  test.each(cases)("conversions from social media, $period, all reps and one rep", async ({ period, grain }) => {
    const r = await report(db.store, socialConversions, { ...ask, period, grain });
    const expected = refSocial(company.tables, range(period), null);
    expect(expected.leads).toBeGreaterThan(5);
    expect(expected.visits).toBeGreaterThan(20);
    expect(r.result).toEqual(expected);
    const rep = company.tables.reps[0]?.id as string;
    const one = await report(db.store, socialConversions, { ...ask, period, grain, rep });
    expect(one.result).toEqual(refSocial(company.tables, range(period), rep));
  });

  test.each(cases.flatMap((c) => [30, 7].map((days) => ({ ...c, days }))))(
    "newsletter leads, $period, window $days days",
    async ({ period, grain, days }) => {
      const options = { attributionDays: days };
      const r = await report(db.store, newsletterLeads, { ...ask, period, grain, options });
      const expected = refNewsletter(company.tables, range(period), grain, days, null);
      expect(expected.newsletterLeads).toBeGreaterThan(0);
      expect(r.result).toEqual(expected);
      const rep = company.tables.reps[1]?.id as string;
      const one = await report(db.store, newsletterLeads, { ...ask, period, grain, options, rep });
      expect(one.result).toEqual(refNewsletter(company.tables, range(period), grain, days, rep));
    },
  );

  test("the paid-traffic spike: visits up by more than 40%, returning visitors within 15%", async () => {
    const r = await report(db.store, engagement, { ...ask, period: "2025-11", compare: "previous" });
    expect(r.previous?.visits).toBeGreaterThan(0);
    const visitsRatio = (r.result.visits as number) / (r.previous?.visits as number);
    const returningRatio = (r.result.returningVisitors as number) / (r.previous?.returningVisitors as number);
    expect(visitsRatio).toBeGreaterThan(1.4);
    expect(Math.abs(returningRatio - 1)).toBeLessThan(0.15);
    // The vanity number beside it says the opposite story: visits up.
    expect(r.vanity[0]?.change).toBeGreaterThan(0.4);
  });

  test("the follower giveaway: followers up, shares per post down in 2026-H1 against 2025-H2", async () => {
    const r = await report(db.store, contentShares, { ...ask, period: "2026-H1", compare: "previous" });
    expect(r.result.sharesPerPost).toBeLessThan(r.previous?.sharesPerPost as number);
    expect(r.result.followerChange).toBeGreaterThan(0);
    expect(r.vanity.find((v) => v.id === "followers")?.change).toBeGreaterThan(0.1);
  });
});
