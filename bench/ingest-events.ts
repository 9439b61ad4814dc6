/**
 * Realistic tracking events for the ingest bench, as src/web/tracker/verity.js sends them:
 * 20,000 visitors by default who come back for several visits, about 3 pageviews a visit
 * (geometric), a quarter of the visits from a campaign (utm_*), a third from a search or
 * social referrer, 4% of visits with an identify event and 2% with a captured form (both
 * carrying the visitor's first touch). A thousand visits are under way at once and their
 * events interleave, as many browsers' would. Seeded, so a run can be repeated.
 */
import { createHash } from "node:crypto";
import type { LoggedEvent as ServerLoggedEvent, TrackingEvent } from "../src/server/collect/tracking-schema.js";

/** An event as the tracker sends it (the server's schema). */
export type WireEvent = TrackingEvent;

/** What the server writes to its log for a wire event (src/server/routes/tracking.ts). */
export type LoggedEvent = ServerLoggedEvent;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
export const BENCH_HOST = "www.bench-example.com";
const ORIGIN = `https://${BENCH_HOST}`;
const PATHS = [
  "/",
  "/pricing",
  "/product",
  "/product/metrics",
  "/product/tracking",
  "/customers",
  "/customers/acme",
  "/blog",
  "/blog/vanity-metrics",
  "/blog/funnel-velocity",
  "/blog/b2b-attribution",
  "/blog/newsletter-roi",
  "/docs",
  "/docs/getting-started",
  "/docs/import",
  "/about",
  "/careers",
  "/contact",
  "/demo",
  "/webinar/q2",
];
const REFERRERS = [
  "https://www.google.com/",
  "https://www.google.com/",
  "https://www.google.com/",
  "https://www.bing.com/",
  "https://www.linkedin.com/",
  "https://www.linkedin.com/feed/",
  "https://news.ycombinator.com/",
  "https://duckduckgo.com/",
];
const CAMPAIGNS: Record<string, string>[] = [
  { source: "linkedin", medium: "social", campaign: "spring-launch" },
  { source: "newsletter", medium: "email", campaign: "issue-42", content: "header-link" },
  { source: "google", medium: "cpc", campaign: "brand", term: "b2b metrics" },
  { source: "twitter", medium: "social", campaign: "webinar-q2" },
  { source: "partner", medium: "referral", campaign: "acme-co-marketing" },
];

/** Small, fast, seeded (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Visitor = { id: string; index: number; firstTouch: WireEvent["firstTouch"] | null };
type Visit = {
  visitor: Visitor;
  id: string;
  utm: Record<string, string>;
  referrer: string;
  /** Pageviews still to come; the visit ends after the last. */
  pageviews: number;
  /** Events sent so far. */
  sent: number;
  extra: "identify" | "form" | null;
};

export class EventStream {
  private readonly rand: () => number;
  private readonly visitors: Visitor[] = [];
  private readonly active: Visit[] = [];
  private clock: number;

  constructor(
    seed: number,
    visitors = 20_000,
    concurrentVisits = 1_000,
    /** The time of the first visit (first touches carry it). */
    start = Date.now(),
  ) {
    this.rand = random(seed);
    this.clock = start;
    for (let i = 0; i < visitors; i++) this.visitors.push({ id: this.id(), index: i, firstTouch: null });
    for (let i = 0; i < concurrentVisits; i++) this.active.push(this.newVisit());
  }

  private id(): string {
    let text = "";
    for (let i = 0; i < 22; i++) text += ALPHABET[Math.floor(this.rand() * 64)];
    return text;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)] as T;
  }

  private newVisit(): Visit {
    const visitor = this.pick(this.visitors);
    const r = this.rand();
    const utm: Record<string, string> = r < 0.25 ? { ...this.pick(CAMPAIGNS) } : {};
    const referrer = r >= 0.25 && r < 0.6 ? this.pick(REFERRERS) : "";
    // 1 + geometric: 3 pageviews on average.
    let pageviews = 1;
    while (this.rand() < 2 / 3 && pageviews < 40) pageviews++;
    const e = this.rand();
    return {
      visitor,
      id: this.id(),
      utm,
      referrer,
      pageviews,
      sent: 0,
      extra: e < 0.04 ? "identify" : e < 0.06 ? "form" : null,
    };
  }

  private url(visit: Visit, landing: boolean): string {
    const path = landing && this.rand() < 0.5 ? "/" : this.pick(PATHS);
    const query = landing
      ? Object.entries(visit.utm)
          .map(([k, v]) => `utm_${k}=${encodeURIComponent(v)}`)
          .join("&")
      : "";
    return `${ORIGIN}${path}${query ? `?${query}` : ""}`;
  }

  /** The next event of one of the visits under way. */
  next(): WireEvent {
    const slot = Math.floor(this.rand() * this.active.length);
    const visit = this.active[slot] as Visit;
    this.clock += 50;
    const landing = visit.sent === 0;
    const url = this.url(visit, landing);
    if (landing && !visit.visitor.firstTouch) {
      visit.visitor.firstTouch = {
        utm: visit.utm,
        referrer: visit.referrer,
        landing: url,
        at: new Date(this.clock).toISOString(),
      };
    }
    const base = { visitor: visit.visitor.id, visit: visit.id, url, referrer: visit.referrer, utm: visit.utm };
    let event: WireEvent;
    // The identify or form event comes after the visit's first pageview.
    if (visit.sent === 1 && visit.extra) {
      event = {
        id: this.id(),
        type: visit.extra,
        ...base,
        email: `contact${visit.visitor.index}@company${visit.visitor.index % 997}.example.com`,
        ...(visit.extra === "form" ? { form: this.pick(["newsletter", "demo-request", "whitepaper"]) } : {}),
        ...(visit.visitor.firstTouch ? { firstTouch: visit.visitor.firstTouch } : {}),
      };
      visit.extra = null;
    } else {
      event = { id: this.id(), type: "pageview", ...base };
      visit.pageviews -= 1;
    }
    visit.sent += 1;
    if (visit.pageviews === 0 && visit.extra === null) this.active[slot] = this.newVisit();
    return event;
  }
}

/** As the server logs an event: the email only as its SHA-256 (src/server/routes/tracking.ts). */
export function toLogged(e: WireEvent): LoggedEvent {
  const { email, ...rest } = e;
  return email
    ? { ...rest, emailHash: createHash("sha256").update(email.trim().toLowerCase()).digest("hex") }
    : (rest as LoggedEvent);
}
