/**
 * Matomo visits, as read through VisitRecord, into canonical `visits` and `visitor_identities`
 * rows. The mapping, field by field, with its reasons (docs: notes/doc16-matomo.md):
 *
 * - visit_id `matomo:<idSite>:<idVisit>` (idVisit counts per Matomo install, so two sites'
 *   logs may share numbers only through the site), visitor_id `matomo:<visitorId>`.
 * - started_at: firstActionTimestamp (Unix seconds, UTC); without it, the first action's
 *   timestamp, which Matomo writes in the site's zone (site-time.ts), read with --timezone.
 * - landing_url: the first pageview's url (actions of type `action`; a download or outlink
 *   first is not where the visitor landed). referrer: referrerUrl.
 * - utm_*: the campaign fields of Matomo's MarketingCampaignsReporting plugin
 *   (campaignSource, campaignMedium, campaignName, campaignContent, campaignKeyword); a
 *   campaign visit without them (core Matomo) gives utm_campaign = referrerName and utm_term
 *   = referrerKeyword. A visit that is not a campaign is described by its referrer, as the
 *   source/medium convention of analytics tools does: search -> (referrerName, organic),
 *   social -> (referrerName, social), website -> (referrerName, referral); direct -> none.
 * - pageviews: the actions of type `action`; without action details, Matomo's `actions`.
 * - A visit without a visitorId (Matomo's privacy settings can hide it: false in JSON, 0 in
 *   CSV) is skipped and counted; the same visit twice (overlapping export pages) once.
 * - userId (set by the site on login) -> a visitor_identities row, hashed (hashIdentity), for
 *   the earliest visit in which it appears.
 * - visitCount is Matomo's; Verity numbers visits itself. A visitor whose earliest visit in
 *   the file has visitCount > 1 is counted in a note (the export starts inside their history).
 */
import type { CanonicalTables } from "../../crm/canonical-tables.js";
import type { Problems } from "../../crm/problems.js";
import { hashIdentity } from "../../identity.js";
import { ImportError } from "../../import-error.js";
import type { FieldReader, Place, VisitRecord } from "./record.js";
import { canonicalTime, unixSeconds, wallClockToUtc } from "./site-time.js";

export const MATOMO_SOURCE = "matomo";

/** Matomo's Live API returns this many visits unless filter_limit says otherwise. */
const DEFAULT_FILTER_LIMIT = 100;

/** Source and medium of a visit that came from a referrer rather than a tagged campaign. */
const REFERRER_MEDIUM: Readonly<Record<string, string>> = {
  search: "organic",
  social: "social",
  website: "referral",
};

type VisitorSeen = { firstAt: string; firstCount: number | null; minCount: number; maxCount: number; visits: number };
type Identity = { visitorId: string; hash: string; visitId: string; at: string };

export class MatomoVisits {
  private readonly seen = new Set<string>();
  private readonly visitors = new Map<string, VisitorSeen>();
  private readonly identities = new Map<string, Identity>();
  private read = 0;
  private startsFromActions = 0;
  private pageviewsFromActions = false;

  constructor(
    private readonly tables: CanonicalTables,
    private readonly problems: Problems,
    /** The site's IANA zone (--timezone), for action timestamps; null: UTC. */
    private readonly zone: string | null,
  ) {}

  /** Converts one visit (a bad one is an ImportError, or recorded in a dry run). */
  add(file: string, visit: () => VisitRecord): void {
    this.read += 1;
    this.problems.row(() => this.convert(file, visit()));
  }

  private convert(file: string, visit: VisitRecord): void {
    const fail = (place: Place, reason: string) => new ImportError(file, place.line, place.column, reason);
    const required = (name: string, what: string) => {
      const value = visit.field(name);
      if (value === "") throw fail(visit.place(name), `a value is required (${what})`);
      return value;
    };
    const idSite = required("idSite", "the Matomo site");
    const idVisit = required("idVisit", "the visit's id");
    for (const [name, value] of [
      ["idSite", idSite],
      ["idVisit", idVisit],
    ] as const) {
      if (!/^\d+$/.test(value)) throw fail(visit.place(name), `${JSON.stringify(value)} is not a Matomo id (a number)`);
    }
    const startedAt = this.startOf(visit, fail);
    const visitCount = this.count(visit, "visitCount", fail);
    const pageviews = this.pageviewsOf(visit, fail);
    const visitorId = visit.field("visitorId");
    if (visitorId === "" || visitorId === "0") {
      this.tables.skip("visits without a visitorId (hidden by Matomo's privacy settings), which no visitor can own");
      return;
    }
    if (!/^[0-9a-fA-F]{16}$/.test(visitorId)) {
      throw fail(visit.place("visitorId"), `${JSON.stringify(visitorId)} is not a Matomo visitor id (16 hex digits)`);
    }
    const visitId = `${MATOMO_SOURCE}:${idSite}:${idVisit}`;
    if (this.seen.has(visitId)) {
      this.tables.skip("visits listed twice (export pages that overlap): imported once");
      return;
    }
    this.seen.add(visitId);
    const visitor = `${MATOMO_SOURCE}:${visitorId.toLowerCase()}`;
    this.tables.add("visits", file, {
      visit_id: visitId,
      visitor_id: visitor,
      started_at: startedAt,
      landing_url: landingUrl(visit.actions),
      referrer: visit.field("referrerUrl"),
      ...utmOf(visit),
      pageviews,
    });
    this.remember(visitor, startedAt, visitCount);
    const hash = hashIdentity(visit.field("userId"));
    if (hash) {
      const key = `${visitor}\u0000${hash}`;
      const known = this.identities.get(key);
      if (!known || startedAt < known.at) {
        this.identities.set(key, { visitorId: visitor, hash, visitId, at: startedAt });
      }
    }
  }

  /** firstActionTimestamp, else the first action's timestamp in the site's zone. */
  private startOf(visit: VisitRecord, fail: (place: Place, reason: string) => ImportError): string {
    const first = visit.field("firstActionTimestamp");
    if (first !== "") {
      const seconds = unixSeconds(first);
      if (seconds === null) throw fail(visit.place("firstActionTimestamp"), notATime(first));
      return canonicalTime(seconds * 1000);
    }
    const action = visit.actions?.find((a) => a.field("timestamp") !== "");
    if (!action) {
      throw fail(
        visit.place("firstActionTimestamp"),
        "a value is required (when the visit started; nor has any action a timestamp)",
      );
    }
    const text = action.field("timestamp");
    const seconds = unixSeconds(text);
    if (seconds === null) throw fail(action.place("timestamp"), notATime(text));
    this.startsFromActions += 1;
    return canonicalTime(this.zone ? wallClockToUtc(seconds * 1000, this.zone) : seconds * 1000);
  }

  private count(record: FieldReader, name: string, fail: (place: Place, reason: string) => ImportError): number | null {
    const text = record.field(name);
    if (text === "") return null;
    if (!/^\d+$/.test(text)) throw fail(record.place(name), `${JSON.stringify(text)} is not a count`);
    return Number(text);
  }

  private pageviewsOf(visit: VisitRecord, fail: (place: Place, reason: string) => ImportError): number | null {
    if (visit.actions) return visit.actions.filter((a) => a.field("type") === "action").length;
    this.pageviewsFromActions = true;
    return this.count(visit, "actions", fail);
  }

  private remember(visitor: string, at: string, visitCount: number | null): void {
    const seen = this.visitors.get(visitor);
    if (!seen) {
      const count = visitCount ?? 0;
      this.visitors.set(visitor, { firstAt: at, firstCount: visitCount, minCount: count, maxCount: count, visits: 1 });
      return;
    }
    seen.visits += 1;
    if (at < seen.firstAt) {
      seen.firstAt = at;
      seen.firstCount = visitCount;
    }
    if (visitCount !== null) {
      seen.minCount = Math.min(seen.minCount, visitCount);
      seen.maxCount = Math.max(seen.maxCount, visitCount);
    }
  }

  /** The identities and the notes, once every visit is in. */
  finish(file: string): void {
    for (const identity of this.identities.values()) {
      this.tables.add("visitor_identities", file, {
        visitor_id: identity.visitorId,
        email_hash: identity.hash,
        visit_id: identity.visitId,
        identified_at: identity.at,
      });
    }
    const tables = this.tables;
    if (this.identities.size > 0) {
      tables.note(
        `${plural(this.identities.size, "visitor identity", "visitor identities")} from Matomo's userId (hashed; linked to the lead whose contact is the same email or CRM id)`,
      );
    }
    let lateStart = 0;
    let gaps = 0;
    for (const seen of this.visitors.values()) {
      if (seen.firstCount !== null && seen.firstCount > 1) lateStart += 1;
      if (seen.maxCount > 0 && seen.maxCount - seen.minCount + 1 > seen.visits) gaps += 1;
    }
    if (lateStart > 0) {
      tables.note(
        `${plural(lateStart, "visitor's", "visitors'")} earliest visit in the export is not their first by Matomo's visitCount: the export starts inside their history, so Verity numbers their visits from the earliest it holds (import the earlier visits too for exact frequency and recency)`,
      );
    }
    if (gaps > 0) {
      tables.note(
        `${plural(gaps, "visitor has", "visitors have")} visits missing between those in the export (their visitCount skips numbers: a segment, or visits outside the pages exported)`,
      );
    }
    if (this.startsFromActions > 0) {
      tables.note(
        `${plural(this.startsFromActions, "visit has", "visits have")} no firstActionTimestamp: started_at is the first action's time, which Matomo writes in the site's time zone, read as ${this.zone ?? "UTC (give --timezone with the site's zone)"}`,
      );
    }
    if (this.pageviewsFromActions) {
      tables.note(
        "the export has no action details: pageviews are Matomo's `actions`, which also counts downloads, outlinks and site searches",
      );
    }
    if (this.read === DEFAULT_FILTER_LIMIT) {
      tables.note(
        `the export holds exactly ${DEFAULT_FILTER_LIMIT} visits, the Live API's default page: add filter_limit=-1 (or page with filter_offset) to export them all`,
      );
    }
  }
}

function notATime(text: string): string {
  return `${JSON.stringify(text)} is not a time (Matomo writes Unix seconds, such as 1717232400)`;
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** The first pageview's url. */
function landingUrl(actions: readonly FieldReader[] | null): string {
  const page = actions?.find((a) => a.field("type") === "action" && a.field("url") !== "");
  return page?.field("url") ?? "";
}

function utmOf(visit: VisitRecord): Record<string, string> {
  const type = visit.field("referrerType");
  const campaign = {
    utm_source: visit.field("campaignSource"),
    utm_medium: visit.field("campaignMedium"),
    utm_campaign: visit.field("campaignName"),
    utm_content: visit.field("campaignContent"),
    utm_term: visit.field("campaignKeyword"),
  };
  if (type === "campaign" || Object.values(campaign).some((v) => v !== "")) {
    // Core Matomo (without the campaigns plugin) keeps a campaign's name and keyword as the
    // referrer's name and keyword.
    const core = type === "campaign";
    return {
      ...campaign,
      utm_campaign: campaign.utm_campaign || (core ? visit.field("referrerName") : ""),
      utm_term: campaign.utm_term || (core ? visit.field("referrerKeyword") : ""),
    };
  }
  const medium = REFERRER_MEDIUM[type];
  const source = visit.field("referrerName");
  if (medium && source !== "") return { ...campaign, utm_source: source, utm_medium: medium };
  return campaign;
}
