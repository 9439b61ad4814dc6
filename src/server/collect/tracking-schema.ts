/**
 * The wire format of POST /api/event, as src/web/tracker/verity.js sends it (docs/tracking.md).
 * One schema validates requests and documents them in the OpenAPI description.
 */
import { z } from "zod";
import { storableText, unstorable } from "./storable-text.js";

const ID = z.string().regex(/^[A-Za-z0-9_-]{16,40}$/, "must be 16-40 letters, digits, '-' or '_'");
/** Every text field: limited in length, and storable by both engines (no NUL, no lone surrogate). */
const TEXT = (max: number) => storableText(max);

export const UtmSchema = z
  .object({
    source: TEXT(200).optional(),
    medium: TEXT(200).optional(),
    campaign: TEXT(200).optional(),
    content: TEXT(200).optional(),
    term: TEXT(200).optional(),
  })
  .strict();

export const FirstTouchSchema = z
  .object({
    utm: UtmSchema.optional(),
    referrer: TEXT(2000).optional(),
    landing: TEXT(2000).optional(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const TrackingEventSchema = z
  .object({
    id: ID.describe("a random id of this event; a resent event with the same id is stored once"),
    type: z.enum(["pageview", "identify", "form"]),
    visitor: ID.describe("the first-party visitor id"),
    visit: ID.describe("the visit id (a new one after 30 minutes without activity)"),
    url: TEXT(2000),
    referrer: TEXT(2000).default(""),
    utm: UtmSchema.default({}),
    email: TEXT(320)
      .optional()
      .describe(
        "identify and form events: the email the visitor gave (a form's value that is not an email address is ignored)",
      ),
    form: TEXT(200).optional(),
    firstTouch: FirstTouchSchema.optional(),
  })
  .strict()
  .refine((e) => e.type === "pageview" || e.email !== undefined, {
    message: "identify and form events carry an email",
    path: ["email"],
  })
  // identify is the site's own code: a wrong address there is a bug to hear about. A form's
  // field is whatever a visitor typed: the event is kept, without the email.
  .refine((e) => e.type !== "identify" || isEmail(e.email ?? ""), {
    message: "identify takes an email address",
    path: ["email"],
  });

const EMAIL = z.email();

export function isEmail(text: string): boolean {
  return EMAIL.safeParse(text.trim()).success;
}

export const TrackingRequestSchema = z
  .object({
    site: TEXT(100).describe("the site's public key (vs_...)"),
    events: z.array(TrackingEventSchema).min(1).max(50),
  })
  .strict();

export const TrackingResponseSchema = z.object({
  accepted: z.number().int(),
  ignored: z.enum(["privacy-signal"]).optional(),
});

export type TrackingEvent = z.infer<typeof TrackingEventSchema>;

/**
 * An event as it is written to the ingest log: the server's clock, the email only as its
 * hash (the log and the database never hold a visitor's address).
 */
export type LoggedEvent = Omit<TrackingEvent, "email"> & { emailHash?: string };

/** One log record: a request's events. */
export type TrackingRecord = { q: number; w: string; s: string; at: string; e: LoggedEvent[] };

export type TrackingRequest = z.infer<typeof TrackingRequestSchema>;

/**
 * TrackingRequestSchema.safeParse, with a quick road for the common request (events without
 * an email, a form or a first touch: pageviews): checked by hand, without zod, then zod for
 * everything else, errors included. At one event a request zod's parse was ~3 µs of the
 * JavaScript thread and ~6 KB of short-lived objects a request (bench/ingest.ts profiles).
 * The quick road accepts only what the schema accepts and gives what zod gives
 * (test/tracking-quick-parse.test.ts holds them equal on generated bodies).
 */
export function parseTrackingRequest(raw: unknown): ReturnType<typeof TrackingRequestSchema.safeParse> {
  const quick = quickTrackingRequest(raw);
  return quick ? { success: true, data: quick } : TrackingRequestSchema.safeParse(raw);
}

const ID_PATTERN = /^[A-Za-z0-9_-]{16,40}$/;
const UTM_KEYS = ["source", "medium", "campaign", "content", "term"] as const;
const QUICK_EVENT_KEYS = new Set(["id", "type", "visitor", "visit", "url", "referrer", "utm"]);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
/** Any surrogate: only text with one (or a NUL) needs unstorable()'s closer look. */
const SURROGATE = /[\uD800-\uDFFF]/;
const text = (value: unknown, max: number): value is string =>
  typeof value === "string" &&
  value.length <= max &&
  ((!SURROGATE.test(value) && !value.includes("\u0000")) || unstorable(value) === null);
const isId = (value: unknown): value is string => typeof value === "string" && ID_PATTERN.test(value);

/** The request as zod would give it, or null when it is not plainly valid (zod then decides). */
export function quickTrackingRequest(raw: unknown): TrackingRequest | null {
  if (!isPlainObject(raw)) return null;
  let keys = 0;
  for (const key in raw) {
    if (!Object.hasOwn(raw, key) || (key !== "site" && key !== "events")) return null;
    keys += 1;
  }
  const { site, events } = raw;
  if (keys !== 2 || !text(site, 100) || !Array.isArray(events) || events.length < 1 || events.length > 50) {
    return null;
  }
  const out: TrackingEvent[] = [];
  for (const e of events) {
    const event = quickEvent(e);
    if (!event) return null;
    out.push(event);
  }
  return { site, events: out };
}

function quickEvent(e: unknown): TrackingEvent | null {
  if (!isPlainObject(e)) return null;
  for (const key in e) if (!Object.hasOwn(e, key) || !QUICK_EVENT_KEYS.has(key)) return null;
  const { id, type, visitor, visit, url, referrer, utm } = e;
  if (type !== "pageview" || !isId(id) || !isId(visitor) || !isId(visit) || !text(url, 2000)) return null;
  if (referrer !== undefined && !text(referrer, 2000)) return null;
  const outUtm: Record<string, string> = {};
  if (utm !== undefined) {
    if (!isPlainObject(utm)) return null;
    let present = 0;
    for (const key of UTM_KEYS) {
      const value = utm[key];
      if (value === undefined) continue;
      if (!Object.hasOwn(utm, key) || !text(value, 200)) return null;
      outUtm[key] = value;
      present += 1;
    }
    let keys = 0;
    for (const key in utm) {
      if (!Object.hasOwn(utm, key)) return null;
      keys += 1;
    }
    if (keys !== present) return null;
  }
  return { id, type, visitor, visit, url, referrer: referrer ?? "", utm: outUtm };
}
