/**
 * Campaigns over HTTP (issue 18): the workspace's contacts with an opt-in, and its segments.
 * Everything is the caller's workspace's (the principal's; no route takes a workspace), and
 * a segment or address of another workspace is answered as one that does not exist.
 *
 * Who may do what: reading counts, segments and previews is `metrics:read` (every role);
 * importing or forgetting contacts and saving or removing segments is `data:write` (managers
 * and admins). Addresses in a preview's sample are masked for callers without `data:write`.
 */
import { z } from "zod";
import type { Principal } from "../../accounts/access.js";
import { applyReports, readReport } from "../../campaigns/bounces.js";
import {
  CAMPAIGN_STATUSES,
  createCampaign,
  findCampaign,
  listCampaigns,
  outboxCounts,
  outboxCountsOf,
} from "../../campaigns/campaigns.js";
import {
  contactCounts,
  forgetContact,
  futureConsent,
  normalizeAddress,
  writeContacts,
} from "../../campaigns/contacts.js";
import { campaignDaily, campaignResults } from "../../campaigns/results.js";
import { type Condition, parseDefinition, SegmentError } from "../../campaigns/segment-definition.js";
import {
  findSegment,
  listSegments,
  previewSegment,
  removeSegment,
  SEGMENT_NAME,
  SegmentExists,
  SegmentNotFound,
  SUPPRESSION_REASONS,
  saveSegment,
} from "../../campaigns/segments.js";
import { sendTest } from "../../campaigns/sender.js";
import {
  checkSettings,
  findSmtpSettings,
  SECURITY,
  SmtpSettingsError,
  saveSmtpSettings,
  transportOptions,
  verifySmtp,
} from "../../campaigns/smtp-settings.js";
import { TemplateError } from "../../campaigns/template.js";
import type { Api } from "../api.js";
import { storableText } from "../collect/storable-text.js";
import type { ServerContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";

/** At most this many contacts in one request (an import of more is a file: `verity contact import`). */
export const MAX_CONTACTS_PER_REQUEST = 10_000;

const Moment = z.iso
  .datetime({ offset: true, message: "an ISO 8601 time with a zone, such as 2026-03-31T12:00:00Z" })
  .transform((t) => new Date(t));

const Definition = z
  .unknown()
  .describe(
    'A segment definition: one of {"lead": {...}}, {"subscriber": {...}}, {"visits": {...}}, {"all": [...]}, {"any": [...]}, {"not": {...}} (docs/campaigns.md)',
  );

const SegmentName = z
  .string()
  .regex(SEGMENT_NAME, "lower-case letters, digits, - and _, starting with a letter or digit");

const SegmentOut = z.object({
  name: z.string(),
  description: z.string().nullable(),
  definition: z.unknown(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const PreviewOut = z.object({
  asOf: z.string(),
  matched: z.number().describe("people the definition matches, with an opt-in or not"),
  mailable: z.number().describe("contacts a campaign would be sent to: an opt-in recorded, nothing suppressing it"),
  withoutOptIn: z.number().describe("matched people with no recorded opt-in: never mailed"),
  suppressed: z.record(z.enum(SUPPRESSION_REASONS as [string, ...string[]]), z.number()),
  sample: z.array(
    z.object({
      address: z.string().describe("masked (an***@example.com) unless the caller has data:write"),
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      company: z.string().nullable(),
    }),
  ),
});

const SaveBody = z
  .object({
    name: SegmentName,
    definition: Definition,
    description: storableText(500).optional(),
    replace: z.boolean().optional().describe("replace a segment of that name (else 409)"),
  })
  .strict();

const PreviewBody = z
  .object({
    definition: Definition,
    asOf: Moment.optional().describe("measure relative windows back from this moment (default now)"),
    sample: z.number().int().min(0).max(100).optional(),
  })
  .strict();

const PreviewQuery = z
  .object({
    asOf: Moment.optional().describe("measure relative windows back from this moment (default now)"),
    sample: z.coerce.number().int().min(0).max(100).optional(),
  })
  .strict();

const NameParam = z.object({ name: storableText(100) });

const ContactIn = z
  .object({
    email: storableText(320),
    consentAt: Moment.describe("when the contact opted in"),
    consentSource: storableText(200).min(1).describe("where they opted in (a form, a fair, a tool)"),
    firstName: storableText(200).optional(),
    lastName: storableText(200).optional(),
    company: storableText(200).optional(),
  })
  .strict();

const SuppressionIn = z
  .object({
    email: storableText(320),
    reason: z.enum(["unsubscribed", "bounced", "complained", "manual"]),
    since: Moment,
  })
  .strict();

const ContactsBody = z
  .object({
    contacts: z.array(ContactIn).max(MAX_CONTACTS_PER_REQUEST).default([]),
    suppressions: z.array(SuppressionIn).max(MAX_CONTACTS_PER_REQUEST).default([]),
  })
  .strict();

const ContactsOut = z.object({
  contacts: z.number(),
  added: z.number(),
  suppressions: z.number(),
  skippedErased: z.number(),
});

const CountsOut = z.object({
  contacts: z.number().describe("contacts with a recorded opt-in"),
  suppressions: z.record(z.string(), z.number()).describe("suppressed addresses by reason"),
});

const ForgetBody = z.object({ email: storableText(320) }).strict();

const stored = (date: Date) => date.toISOString().slice(0, 19).replace("T", " ");

const CountsSchema = z.object({
  queued: z.number(),
  retry: z.number(),
  sent: z.number(),
  bounced: z.number(),
  failed: z.number(),
  suppressed: z.number(),
  uncertain: z.number(),
});

const CampaignOut = z.object({
  id: z.string(),
  name: z.string(),
  segment: z.string(),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  utmCampaign: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  sendAt: z.string().nullable(),
  perMinute: z.number().nullable(),
  trackOpens: z.boolean(),
  recipients: z.number().nullable(),
  pausedReason: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  links: z.array(z.string()),
  counts: CountsSchema.describe("the outbox by state"),
  running: z.boolean().describe("this server is sending it now"),
});

const ResultsOut = z.object({
  attributionDays: z.number(),
  sent: z.number(),
  delivered: z.number(),
  bounced: z.number().describe("refused while sending, or bounced later (a DSN)"),
  complaints: z.number().describe("marked as spam (ARF reports)"),
  unsubscribed: z.number(),
  clicks: z.number(),
  uniqueClickers: z.number(),
  visits: z.number().describe("visits with the campaign's utm_campaign and utm_medium email"),
  leads: z
    .number()
    .describe(
      "leads created after sending began: a clicker's within attributionDays, or first touched by the campaign",
    ),
  qualifiedLeads: z.number(),
  wonLeads: z.number(),
  wonValue: z.number(),
  opens: z
    .number()
    .nullable()
    .describe(
      "pixel loads when the campaign tracks opens, else null; unreliable (mail clients that fetch images ahead open every message, others never load them): never a measure of interest",
    ),
  uniqueOpeners: z
    .number()
    .nullable()
    .describe("recipients who loaded the pixel (null: opens not tracked); unreliable"),
});

const DayOut = z.object({
  day: z.string().describe("YYYY-MM-DD (UTC)"),
  sent: z.number(),
  clicks: z.number(),
  newClickers: z.number().describe("recipients whose first click was that day"),
  unsubscribed: z.number(),
  visits: z.number(),
  leads: z.number().describe("the campaign's leads created that day"),
});

const CampaignIn = z
  .object({
    name: SegmentName,
    segment: SegmentName,
    subject: storableText(500),
    html: storableText(500_000).optional(),
    text: storableText(500_000).optional(),
    utmCampaign: storableText(100).optional(),
    sendAt: Moment.optional().describe("send at this moment (verity serve starts it); absent: a draft"),
    perMinute: z.number().int().min(1).max(1_000_000).optional(),
    trackOpens: z
      .boolean()
      .optional()
      .describe("add an open pixel to the HTML body (off by default: opens are unreliable, shown only beside leads)"),
  })
  .strict();

const SendIn = z
  .object({
    withoutCta: z.boolean().optional().describe("send although the campaign has no call to action"),
    resendUncertain: z.boolean().optional().describe("send the uncertain messages again (some may arrive twice)"),
  })
  .strict();

const SmtpOut = z.object({
  host: z.string(),
  port: z.number(),
  security: z.enum(SECURITY),
  username: z.string().nullable(),
  passwordEnv: z.string().nullable().describe("the server's environment variable holding the password (never stored)"),
  fromAddress: z.string(),
  fromName: z.string().nullable(),
  replyTo: z.string().nullable(),
  publicUrl: z.string(),
  maxConnections: z.number(),
  perMinute: z.number().nullable(),
});

const SmtpIn = z
  .object({
    host: storableText(253),
    port: z.number().int(),
    security: z.enum(SECURITY),
    username: storableText(320).nullable().optional(),
    passwordEnv: storableText(64).nullable().optional(),
    fromAddress: storableText(320),
    fromName: storableText(200).nullable().optional(),
    replyTo: storableText(320).nullable().optional(),
    publicUrl: storableText(500),
    maxConnections: z.number().int().optional(),
    perMinute: z.number().int().nullable().optional(),
    verify: z.boolean().optional().describe("sign in to the server before saving (default true)"),
  })
  .strict();

/** A campaign, template or SMTP error as a 400 naming the body's field. */
function campaignError(error: unknown): never {
  if (error instanceof TemplateError) {
    const field = `body.${error.part}`;
    throw new ApiError(400, "invalid_request", error.message, field, [{ field, message: error.message }]);
  }
  if (error instanceof SmtpSettingsError && !(error instanceof SegmentError)) {
    const field = ["smtp", "password"].includes(error.field) ? null : `body.${error.field}`;
    throw new ApiError(400, "invalid_request", error.message, field);
  }
  definitionError(error, "body");
}

/** A definition error as a 400 naming the body's field ("body.definition.all[1].lead.stage[0]"). */
function definitionError(error: unknown, where: string): never {
  if (error instanceof SegmentNotFound) throw notFound(`segment ${JSON.stringify(error.segment)}`);
  if (error instanceof SegmentExists) throw new ApiError(409, "conflict", error.message, "body.name");
  if (error instanceof SegmentError) {
    const field = `${where}.${error.field}`;
    throw new ApiError(400, "invalid_request", error.message, field, [{ field, message: error.message }]);
  }
  throw error;
}

function parsed(definition: unknown): Condition {
  try {
    return parseDefinition(definition);
  } catch (error) {
    definitionError(error, "body");
  }
}

const mayWrite = (p: Principal) => p.scopes.has("data:write");

/**
 * One preview at a time per workspace: a segment over a large workspace's visits can take
 * seconds, and a reader's key could otherwise queue them up faster than they finish and keep
 * the database busy for everyone (issue 18 review). Previews of a workspace run one after the
 * other, up to MAX_WAITING waiting (two people opening the campaigns page at once both get
 * theirs); beyond that a 429.
 */
const MAX_WAITING = 4;
const previews = new Map<string, { tail: Promise<void>; queued: number }>();
export async function onePreviewAtATime<T>(workspace: string, work: () => Promise<T>): Promise<T> {
  let line = previews.get(workspace);
  if (!line) {
    line = { tail: Promise.resolve(), queued: 0 };
    previews.set(workspace, line);
  }
  if (line.queued > MAX_WAITING) {
    throw new ApiError(
      429,
      "rate_limited",
      "segment previews of this workspace are running and waiting; try again when they end",
      null,
      [],
      { "Retry-After": "2" },
    );
  }
  line.queued += 1;
  const before = line.tail;
  let done = () => {};
  const gate = new Promise<void>((resolve) => {
    done = resolve;
  });
  line.tail = before.then(() => gate);
  try {
    await before;
    return await work();
  } finally {
    done();
    line.queued -= 1;
    if (line.queued === 0) previews.delete(workspace);
  }
}

export function registerCampaignRoutes(api: Api, ctx: ServerContext): void {
  api.add(
    {
      method: "get",
      path: "/api/contacts",
      tag: "campaigns",
      summary: "How many contacts the workspace may mail, and its suppressed addresses by reason",
      access: "metrics:read",
      responses: { 200: { description: "Counts", schema: CountsOut } },
    },
    async ({ principal }) => contactCounts(ctx.store, principal.workspace),
  );

  api.add(
    {
      method: "post",
      path: "/api/contacts",
      tag: "campaigns",
      summary: "Add contacts with their opt-in, and suppressed addresses; all or nothing",
      description: `At most ${MAX_CONTACTS_PER_REQUEST.toLocaleString("en-US")} of each a request. A contact replaces the workspace's contact with the same address; an address that was forgotten (erased) is not stored and counts in skippedErased.`,
      access: "data:write",
      body: ContactsBody,
      bodyLimit: 8 * 1024 * 1024,
      responses: { 200: { description: "What was written", schema: ContactsOut } },
    },
    async ({ body, principal }) => {
      const input = body as z.infer<typeof ContactsBody>;
      const address = (email: string, field: string) => {
        const checked = normalizeAddress(email);
        if ("problem" in checked) throw new ApiError(400, "invalid_request", `${field}: ${checked.problem}`, field);
        return checked.address;
      };
      input.contacts.forEach((c, i) => {
        const future = futureConsent(stored(c.consentAt));
        const field = `body.contacts[${i}].consentAt`;
        if (future) throw new ApiError(400, "invalid_request", `${field}: ${future}`, field);
      });
      const read = {
        contacts: input.contacts.map((c, i) => ({
          address: address(c.email, `body.contacts[${i}].email`),
          firstName: c.firstName?.trim() || null,
          lastName: c.lastName?.trim() || null,
          company: c.company?.trim() || null,
          consentAt: stored(c.consentAt),
          consentSource: c.consentSource.trim(),
        })),
        suppressions: input.suppressions.map((s, i) => ({
          address: address(s.email, `body.suppressions[${i}].email`),
          reason: s.reason,
          since: stored(s.since),
          source: "api",
        })),
        notes: [],
      };
      const { notes: _, ...summary } = await ctx.writer.exclusive(() =>
        writeContacts(ctx.store, principal.workspace, read),
      );
      return summary;
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/contacts/forget",
      tag: "campaigns",
      summary: "Erase a contact's address (their request): deleted, and never stored or mailed again",
      access: "data:write",
      body: ForgetBody,
      bodyLimit: 16 * 1024,
      responses: {
        200: { description: "Whether the address was a contact", schema: z.object({ forgotten: z.boolean() }) },
      },
    },
    async ({ body, principal }) => {
      const { email } = body as z.infer<typeof ForgetBody>;
      if (email.trim() === "") throw new ApiError(400, "invalid_request", "give the address to forget", "body.email");
      const forgotten = await ctx.writer.exclusive(() => forgetContact(ctx.store, principal.workspace, email));
      return { forgotten };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/segments",
      tag: "campaigns",
      summary: "The workspace's saved segments",
      access: "metrics:read",
      responses: { 200: { description: "Segments by name", schema: z.object({ segments: z.array(SegmentOut) }) } },
    },
    async ({ principal }) => ({ segments: await listSegments(ctx.store, principal.workspace) }),
  );

  api.add(
    {
      method: "post",
      path: "/api/segments",
      tag: "campaigns",
      summary: "Save a segment, checked against the workspace (a wrong name or filter is a 400 naming it)",
      access: "data:write",
      body: SaveBody,
      bodyLimit: 64 * 1024,
      responses: {
        200: { description: "The segment saved", schema: SegmentOut },
        409: { description: "A segment of that name exists (send replace: true to change it)" },
      },
    },
    async ({ body, principal }) => {
      const input = body as z.infer<typeof SaveBody>;
      const definition = parsed(input.definition);
      try {
        return await ctx.writer.exclusive(() =>
          saveSegment(
            ctx.store,
            principal.workspace,
            { name: input.name, definition, description: input.description ?? null },
            { by: principal.id ?? principal.via, replace: input.replace ?? false },
          ),
        );
      } catch (error) {
        definitionError(error, "body");
      }
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/segments/preview",
      tag: "campaigns",
      summary: "Who an unsaved definition matches now: counts, why some cannot be mailed, a sample",
      access: "metrics:read",
      body: PreviewBody,
      bodyLimit: 64 * 1024,
      responses: { 200: { description: "The preview", schema: PreviewOut } },
    },
    async ({ body, principal }) => {
      const input = body as z.infer<typeof PreviewBody>;
      const definition = parsed(input.definition);
      try {
        return await onePreviewAtATime(principal.workspace, () =>
          previewSegment(ctx.store, principal.workspace, definition, {
            asOf: input.asOf,
            sample: input.sample,
            showAddresses: mayWrite(principal),
          }),
        );
      } catch (error) {
        definitionError(error, "body");
      }
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/segments/{name}",
      tag: "campaigns",
      summary: "One saved segment",
      access: "metrics:read",
      params: NameParam,
      responses: { 200: { description: "The segment", schema: SegmentOut } },
    },
    async ({ params, principal }) => {
      const found = await findSegment(ctx.store, principal.workspace, params.name as string);
      if (!found) throw notFound(`segment ${JSON.stringify(params.name)}`);
      return found;
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/segments/{name}/preview",
      tag: "campaigns",
      summary: "Who a saved segment matches now: counts, why some cannot be mailed, a sample",
      access: "metrics:read",
      params: NameParam,
      query: PreviewQuery,
      responses: { 200: { description: "The preview", schema: PreviewOut } },
    },
    async ({ params, query, principal }) => {
      const found = await findSegment(ctx.store, principal.workspace, params.name as string);
      if (!found) throw notFound(`segment ${JSON.stringify(params.name)}`);
      const q = query as z.infer<typeof PreviewQuery>;
      try {
        return await onePreviewAtATime(principal.workspace, () =>
          previewSegment(ctx.store, principal.workspace, found.definition, {
            asOf: q.asOf,
            sample: q.sample,
            showAddresses: mayWrite(principal),
          }),
        );
      } catch (error) {
        // The workspace's names changed since the segment was saved (a stage renamed).
        if (error instanceof SegmentError) {
          throw new ApiError(
            400,
            "invalid_request",
            `the saved segment no longer fits the workspace: ${error.message}; save it again`,
            `path.name`,
          );
        }
        throw error;
      }
    },
  );

  api.add(
    {
      method: "delete",
      path: "/api/segments/{name}",
      tag: "campaigns",
      summary: "Remove a saved segment",
      access: "data:write",
      params: NameParam,
      responses: { 200: { description: "Removed", schema: z.object({ removed: z.literal(true) }) } },
    },
    async ({ params, principal }) => {
      const removed = await ctx.writer.exclusive(() =>
        removeSegment(ctx.store, principal.workspace, params.name as string),
      );
      if (!removed) throw notFound(`segment ${JSON.stringify(params.name)}`);
      return { removed: true as const };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/campaigns",
      tag: "campaigns",
      summary: "The workspace's campaigns, newest first, each with its outbox by state",
      access: "metrics:read",
      responses: { 200: { description: "Campaigns", schema: z.object({ campaigns: z.array(CampaignOut) }) } },
    },
    async ({ principal }) => {
      const w = principal.workspace;
      const campaigns = await listCampaigns(ctx.store, w);
      const counts = await outboxCountsOf(
        ctx.store,
        w,
        campaigns.map((c) => c.id),
      );
      return {
        campaigns: campaigns.map((c) => ({
          ...c,
          counts: counts.get(c.id),
          running: ctx.campaigns.isRunning(w, c.id),
        })),
      };
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/campaigns",
      tag: "campaigns",
      summary: "Create a campaign (a draft, or scheduled with sendAt): template checked, links listed",
      description:
        "Merge fields: {{first_name}}, {{last_name}}, {{name}}, {{company}}, {{email}} (with a fallback: {{first_name|there}}), {{unsubscribe_url}}. A campaign without a link gets a warning: it asks for nothing.",
      access: "data:write",
      body: CampaignIn,
      bodyLimit: 2 * 1024 * 1024,
      responses: {
        200: {
          description: "The campaign and what to warn about",
          schema: z.object({ campaign: CampaignOut, warnings: z.array(z.string()) }),
        },
      },
    },
    async ({ body, principal }) => {
      const input = body as z.infer<typeof CampaignIn>;
      try {
        const made = await ctx.writer.exclusive(() =>
          createCampaign(ctx.store, principal.workspace, input, principal.id ?? principal.via),
        );
        return {
          campaign: {
            ...made.campaign,
            counts: await outboxCounts(ctx.store, principal.workspace, made.campaign.id),
            running: false,
          },
          warnings: made.warnings,
        };
      } catch (error) {
        campaignError(error);
      }
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/campaigns/{name}",
      tag: "campaigns",
      summary:
        "One campaign with its outbox by state and its results: leads, qualified, won value (opens not measured)",
      access: "metrics:read",
      params: NameParam,
      responses: {
        200: {
          description: "The campaign",
          schema: CampaignOut.extend({
            results: ResultsOut,
            daily: z
              .array(DayOut)
              .describe("its results per day, from the day sending began to its last activity (at most 120 days)"),
          }),
        },
      },
    },
    async ({ params, principal }) => {
      const c = await findCampaign(ctx.store, principal.workspace, params.name as string);
      if (!c) throw notFound(`campaign ${JSON.stringify(params.name)}`);
      return {
        ...c,
        counts: await outboxCounts(ctx.store, principal.workspace, c.id),
        running: ctx.campaigns.isRunning(principal.workspace, c.id),
        results: await campaignResults(ctx.store, principal.workspace, c),
        daily: await campaignDaily(ctx.store, principal.workspace, c),
      };
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/campaigns/{name}/test",
      tag: "campaigns",
      summary: "Send the campaign's message to one address, marked [test] (the outbox is not touched)",
      access: "campaigns:send",
      params: NameParam,
      body: z.object({ to: storableText(320) }).strict(),
      bodyLimit: 16 * 1024,
      responses: { 200: { description: "Handed to the SMTP server", schema: z.object({ response: z.string() }) } },
    },
    async ({ params, body, principal }) => {
      const c = await findCampaign(ctx.store, principal.workspace, params.name as string);
      if (!c) throw notFound(`campaign ${JSON.stringify(params.name)}`);
      const { to } = body as { to: string };
      if ("problem" in normalizeAddress(to))
        throw new ApiError(400, "invalid_request", `body.to: ${JSON.stringify(to)} is not an email address`, "body.to");
      try {
        const sent = await sendTest(ctx.store, principal.workspace, c.name, to);
        return { response: sent.response };
      } catch (error) {
        campaignError(error);
      }
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/campaigns/{name}/send",
      tag: "campaigns",
      summary: "Send the campaign to its segment (or go on sending it), in the background",
      description:
        "Answers 202 once the run started; GET /api/campaigns/{name} follows it. The outbox is written before anything is sent, so a crash sends nobody twice and skips nobody; see docs/campaigns.md for the uncertain messages.",
      access: "campaigns:send",
      params: NameParam,
      body: SendIn,
      bodyLimit: 16 * 1024,
      responses: {
        202: { description: "Sending", schema: z.object({ status: z.literal("sending") }) },
        409: { description: "Sent already, cancelled, or being sent" },
      },
    },
    async ({ params, body, principal }) => {
      const w = principal.workspace;
      const input = body as z.infer<typeof SendIn>;
      const c = await findCampaign(ctx.store, w, params.name as string);
      if (!c) throw notFound(`campaign ${JSON.stringify(params.name)}`);
      if (c.links.length === 0 && !input.withoutCta) {
        throw new ApiError(
          400,
          "invalid_request",
          "the campaign has no call to action (no link asks the reader to do anything): add one, or send with withoutCta: true",
          "body.withoutCta",
        );
      }
      if (ctx.campaigns.isRunning(w, c.id)) throw new ApiError(409, "conflict", `${c.name} is being sent now`);
      const uncertain = (await outboxCounts(ctx.store, w, c.id)).uncertain;
      if (c.status === "cancelled" || (c.status === "sent" && !(input.resendUncertain && uncertain > 0))) {
        throw new ApiError(409, "conflict", `${c.name} was ${c.status === "sent" ? "sent already" : "cancelled"}`);
      }
      // What would stop the run before it starts is said now: no settings, no password here.
      const settings = await findSmtpSettings(ctx.store, w);
      if (!settings)
        throw new ApiError(400, "invalid_request", "the workspace has no SMTP settings yet (POST /api/smtp)");
      try {
        transportOptions(settings);
      } catch (error) {
        campaignError(error);
      }
      ctx.campaigns.send(w, c, { resendUncertain: input.resendUncertain ?? false });
      return { status: "sending" as const };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/smtp",
      tag: "campaigns",
      summary: "The workspace's SMTP settings (no password: it lives in the server's environment)",
      access: "admin",
      responses: { 200: { description: "The settings, or null", schema: z.object({ smtp: SmtpOut.nullable() }) } },
    },
    async ({ principal }) => ({ smtp: await findSmtpSettings(ctx.store, principal.workspace) }),
  );

  api.add(
    {
      method: "post",
      path: "/api/smtp",
      tag: "campaigns",
      summary: "Set the workspace's SMTP server, sender and public address (signed in to first unless verify is false)",
      access: "admin",
      body: SmtpIn,
      bodyLimit: 16 * 1024,
      responses: { 200: { description: "Saved", schema: z.object({ smtp: SmtpOut }) } },
    },
    async ({ body, principal }) => {
      const { verify, ...input } = body as z.infer<typeof SmtpIn>;
      try {
        const settings = checkSettings(input);
        if (verify !== false) await verifySmtp(settings);
        await ctx.writer.exclusive(() => saveSmtpSettings(ctx.store, principal.workspace, settings));
        return { smtp: settings };
      } catch (error) {
        campaignError(error);
      }
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/bounces",
      tag: "campaigns",
      summary: "A bounce report (DSN, RFC 3464) or complaint (ARF) that came back for a campaign's message",
      description:
        "The body is the report as received (message/rfc822). Matched by the Message-ID Verity gave the message; hard bounces (5.1.x, 5.2.1) and complaints suppress the address. A body that is no report is a 400.",
      access: "data:write",
      bodyKind: "binary",
      bodyLimit: 10 * 1024 * 1024,
      responses: {
        200: {
          description: "What the report did",
          schema: z.object({
            reports: z.number(),
            hard: z.number(),
            soft: z.number(),
            complaints: z.number(),
            unmatched: z.number(),
            ignored: z.number(),
          }),
        },
      },
    },
    async ({ c, principal }) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      const report = raw.length === 0 ? null : await readReport(raw);
      if (!report) {
        throw new ApiError(
          400,
          "invalid_request",
          "the body is no bounce report (multipart/report with message/delivery-status, or a feedback report)",
          "body",
        );
      }
      return ctx.writer.exclusive(() => applyReports(ctx.store, principal.workspace, [report]));
    },
  );
}
