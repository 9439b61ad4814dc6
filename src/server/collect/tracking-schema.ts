/**
 * The wire format of POST /api/event, as src/web/tracker/verity.js sends it (docs/tracking.md).
 * One schema validates requests and documents them in the OpenAPI description.
 */
import { z } from "zod";
import { storableText } from "./storable-text.js";

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
    // Whatever the page's address held: a click id cut short or garbled (a NUL included) is
    // dropped here rather than costing the pageview it came with.
    click: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,100}$/)
      .optional()
      .catch(undefined)
      .describe(
        "the verity_click id a campaign link's redirect added to the landing page's address (docs/campaigns.md): the visit becomes the recipient's; an id that is malformed or does not verify is ignored",
      ),
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
