/**
 * One event of a Segment-style export, read into the few fields visits and identities need
 * (FlatEvent), from either shape the format takes:
 *
 * - The Segment Spec (Segment, RudderStack, Jitsu): `type` (page, screen, track, identify,
 *   alias, group), `anonymousId` / `userId`, `messageId`, `timestamp` (else
 *   `originalTimestamp`, else `receivedAt`; never `sentAt`), `context.page` {url, referrer},
 *   `context.campaign` {name, source, medium, term, content}, `traits.email` /
 *   `context.traits.email`; alias calls carry `previousId`.
 * - PostHog's events: `event` ($pageview, $screen, $identify, anything else is a track),
 *   `distinct_id`, `uuid`, `timestamp`, `properties` {$current_url, $referrer, utm_*,
 *   $anon_distinct_id on $identify, $set {email}}.
 *
 * Emails and user ids are hashed here (hashIdentity), so neither reaches a temporary file in
 * clear text. A record that fits neither shape, or lacks who or when, is an ImportError
 * naming the line (or the JSON path, in a JSON array) and the field.
 */

import { hashIdentity } from "../../identity.js";
import { ImportError } from "../../import-error.js";
import { knownZone, wallClockToUtc } from "../../zone-time.js";

/** What an event does to visits: views start and extend them, tracks extend them, the rest only tell who. */
export type EventKind = "view" | "track" | "identify" | "link" | "other";

export type FlatEvent = {
  shape: "segment" | "posthog";
  kind: EventKind;
  /** Milliseconds since the epoch, UTC. */
  ts: number;
  messageId: string | null;
  /** The browser's or device's id (Segment anonymousId; PostHog $anon_distinct_id on $identify). */
  anon: string | null;
  /** The person's id in the site's own database (Segment userId; PostHog distinct_id of $identify). */
  userId: string | null;
  /** PostHog's distinct_id on other events: anonymous or a user's, it cannot say which. */
  person: string | null;
  url: string | null;
  referrer: string | null;
  utm: Utm;
  emailHash: string | null;
  userHash: string | null;
};

export type Utm = {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
};

/** Where a record sits, for messages: a line of JSON lines, or an element of a JSON array. */
export type Place = { file: string; line: number | null; path: string };

const SEGMENT_TYPES: Record<string, EventKind> = {
  page: "view",
  screen: "view",
  track: "track",
  identify: "identify",
  alias: "link",
  group: "other",
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Whether a record has the Segment Spec's signature (auto-detection). */
export function looksSegment(record: Json): boolean {
  return (
    typeof record.type === "string" &&
    Object.hasOwn(SEGMENT_TYPES, record.type) &&
    (typeof record.anonymousId === "string" || typeof record.userId === "string") &&
    (typeof record.timestamp === "string" || typeof record.originalTimestamp === "string") &&
    typeof record.messageId === "string"
  );
}

/** Whether a record has PostHog's event signature (auto-detection). */
export function looksPostHog(record: Json): boolean {
  return typeof record.event === "string" && record.distinct_id !== undefined && isObject(record.properties);
}

/** The event of one parsed record; `zone` reads times written without an offset (null: UTC). */
export function flatten(record: unknown, at: Place, zone: string | null): FlatEvent {
  const fail = (field: string | null, reason: string) =>
    new ImportError(at.file, at.line, field === null ? nullableColumn(at.path) : `${at.path}${field}`, reason);
  if (!isObject(record)) throw fail(null, "not a JSON object (one event per line, or an array of event objects)");
  if (typeof record.type === "string") return fromSegment(record, fail, zone);
  if (typeof record.event === "string" && record.distinct_id !== undefined) return fromPostHog(record, fail, zone);
  throw fail(
    null,
    "neither a Segment-spec event (type, anonymousId or userId, timestamp) nor a PostHog event (event, distinct_id, timestamp)",
  );
}

const nullableColumn = (path: string) => (path === "" ? null : path.replace(/\.$/, ""));

type Fail = (field: string | null, reason: string) => ImportError;

function fromSegment(record: Json, fail: Fail, zone: string | null): FlatEvent {
  const type = record.type as string;
  const kind = SEGMENT_TYPES[type];
  if (!kind || !Object.hasOwn(SEGMENT_TYPES, type)) {
    throw fail("type", `${JSON.stringify(type)} is not a Segment call (page, screen, track, identify, alias, group)`);
  }
  const userId = id(record, "userId", fail);
  // An alias call names the earlier id (usually the anonymousId) in previousId.
  const anon = kind === "link" ? id(record, "previousId", fail) : id(record, "anonymousId", fail);
  if (anon === null && userId === null) {
    throw fail(null, kind === "link" ? "an alias call needs previousId and userId" : "needs anonymousId or userId");
  }
  const context = isObject(record.context) ? record.context : {};
  const page = isObject(context.page) ? context.page : {};
  const properties = isObject(record.properties) ? record.properties : {};
  // Page calls repeat the page in properties (analytics.js); other calls have it in context only.
  const url = text(page.url) ?? (kind === "view" ? text(properties.url) : null) ?? text(page.path);
  const referrer = text(page.referrer) ?? (kind === "view" ? text(properties.referrer) : null);
  const campaign = isObject(context.campaign) ? context.campaign : {};
  const utm = withUrlUtm(
    {
      source: text(campaign.source),
      medium: text(campaign.medium),
      campaign: text(campaign.name),
      content: text(campaign.content),
      term: text(campaign.term),
    },
    url,
  );
  const traits = isObject(record.traits) ? record.traits : {};
  const contextTraits = isObject(context.traits) ? context.traits : {};
  const email = text(traits.email) ?? text(contextTraits.email);
  return {
    shape: "segment",
    kind,
    ts: eventTime(record, ["timestamp", "originalTimestamp", "receivedAt"], fail, zone),
    messageId: text(record.messageId),
    anon,
    userId,
    person: null,
    url,
    referrer,
    utm,
    emailHash: hashIdentity(email),
    userHash: hashIdentity(userId),
  };
}

function fromPostHog(record: Json, fail: Fail, zone: string | null): FlatEvent {
  const name = record.event as string;
  const distinct = id(record, "distinct_id", fail);
  if (distinct === null) throw fail("distinct_id", "a value is required");
  const properties = isObject(record.properties) ? record.properties : {};
  const kind: EventKind =
    name === "$pageview" || name === "$screen"
      ? "view"
      : name === "$identify"
        ? "identify"
        : name === "$create_alias" || name === "$groupidentify" || name === "$pageleave"
          ? "other"
          : "track";
  // $identify is sent with the new (user's) distinct_id and names the anonymous one it replaces.
  const anonOnIdentify = kind === "identify" ? text(properties.$anon_distinct_id) : null;
  const url = text(properties.$current_url) ?? text(properties.$pathname);
  const referrerCell = text(properties.$referrer);
  const set = isObject(properties.$set) ? properties.$set : isObject(record.$set) ? record.$set : {};
  const userId = kind === "identify" ? distinct : null;
  return {
    shape: "posthog",
    kind,
    ts: eventTime(record, ["timestamp"], fail, zone),
    messageId: text(record.uuid),
    anon: anonOnIdentify,
    userId,
    person: kind === "identify" ? null : distinct,
    url,
    // PostHog writes $direct for no referrer.
    referrer: referrerCell === "$direct" ? null : referrerCell,
    utm: withUrlUtm(
      {
        source: text(properties.utm_source),
        medium: text(properties.utm_medium),
        campaign: text(properties.utm_campaign),
        content: text(properties.utm_content),
        term: text(properties.utm_term),
      },
      url,
    ),
    emailHash: hashIdentity(text(set.email)),
    userHash: hashIdentity(userId),
  };
}

/** An id field: a string (or a number, as some server libraries send), else null. */
function id(record: Json, field: string, fail: Fail): string | null {
  const value = record[field];
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "string") return value.trim() === "" ? null : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw fail(field, `${JSON.stringify(value)} is not an id (a string)`);
}

/** A text value, null when missing or empty. */
function text(value: unknown): string | null {
  if (typeof value === "string") return value.trim() === "" ? null : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * The campaign from the page's utm_* parameters when the event has none: analytics.js fills
 * context.campaign from them, but other libraries and server-side calls may not.
 */
function withUrlUtm(utm: Utm, url: string | null): Utm {
  if (utm.source || utm.medium || utm.campaign || utm.content || utm.term || !url || !url.includes("utm_")) return utm;
  let params: URLSearchParams;
  try {
    params = new URL(url, "http://relative.invalid").searchParams;
  } catch {
    return utm;
  }
  const get = (name: string) => text(params.get(name));
  return {
    source: get("utm_source"),
    medium: get("utm_medium"),
    campaign: get("utm_campaign"),
    content: get("utm_content"),
    term: get("utm_term"),
  };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The first of `fields` the record has, as UTC milliseconds. */
function eventTime(record: Json, fields: readonly string[], fail: Fail, zone: string | null): number {
  const field = fields.find((f) => record[f] !== undefined && record[f] !== null && record[f] !== "");
  if (field === undefined) throw fail(fields[0] ?? "timestamp", `a value is required (${fields.join(", or ")})`);
  const value = record[field];
  if (typeof value !== "string") throw fail(field, `${JSON.stringify(value)} is not an ISO 8601 time`);
  const m = ISO.exec(value.trim());
  if (!m) throw fail(field, `${JSON.stringify(value)} is not an ISO 8601 time (such as 2024-03-05T14:22:10.123Z)`);
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const second = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  const local = Date.UTC(year as number, (month as number) - 1, day, hour, minute, second, ms);
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== (month as number) - 1 ||
    check.getUTCDate() !== day ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    second > 59
  ) {
    throw fail(field, `${JSON.stringify(value)} is not a time in the calendar`);
  }
  const offset = m[8]?.toUpperCase();
  let utc: number;
  if (offset === undefined) utc = zone ? wallClockToUtc(local, zone) : local;
  else if (offset === "Z") utc = local;
  else {
    const sign = offset.startsWith("-") ? -1 : 1;
    const digits = offset.slice(1).replace(":", "");
    utc = local - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
  }
  if ((year as number) < 1900 || (year as number) > 2199) throw fail(field, `${value} is outside the years 1900-2199`);
  return utc;
}

/** Checks a --timezone value (an IANA name) before any file is read. */
export function checkZone(zone: string | undefined): string | null {
  if (zone === undefined || zone === "" || zone.toUpperCase() === "UTC") return null;
  if (!knownZone(zone)) {
    throw new ImportError(
      "--timezone",
      null,
      null,
      `${JSON.stringify(zone)} is not an IANA time zone (such as Europe/Stockholm)`,
    );
  }
  return zone;
}
