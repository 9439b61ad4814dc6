/**
 * METRICS.md 1: the lead timeline. Everything that happened to one lead, in time order: its
 * creation, each stage change, each activity, the website visits of the person behind it,
 * the newsletter emails they received and acted on, when it qualified and how it closed. Not
 * a metric (it has no period); the CLI shows it as one table.
 */
import { stageEventOrder } from "../derive/stage-event-order.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { MetricInputError } from "./context.js";
import type { View } from "./metric.js";
import type { LeadTimeline, TimelineEvent, TimelineLead } from "./results/lead-timeline.js";

// What it answers is declared type-only in results/lead-timeline.ts (shared with the dashboard).
export type { LeadTimeline, TimelineEvent, TimelineLead } from "./results/lead-timeline.js";

/**
 * Events at the same moment read in this order: an email click before the visit it opened,
 * the visit that brought the lead in before its creation, a stage entered at creation after
 * it, qualification after the stage change that caused it, and the close last.
 */
export const KIND_ORDER: readonly TimelineEvent["kind"][] = [
  "subscription",
  "email",
  "visit",
  "created",
  "stage",
  "qualified",
  "activity",
  "closed",
];

type LeadRow = {
  id: string;
  external_id: string | null;
  name: string | null;
  account: string | null;
  contact: string | null;
  owner_id: string | null;
  owner_name: string | null;
  pipeline_name: string;
  stage_name: string | null;
  status: string;
  value: number | null;
  currency: string | null;
  created_at: string;
  qualified_at: string | null;
  closed_at: string | null;
  loss_reason: string | null;
  competitor: string | null;
  source_channel: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  reached_qualifying_at: string | null;
};

/**
 * The timeline of the lead whose id (or, failing that, external id) is `leadIdOrExternalId`.
 * Throws MetricInputError for an unknown lead or an external id several leads share.
 */
/** No lead has the id asked for (the API answers 404: its code's row in model/errors.ts). */
export class LeadNotFoundError extends MetricInputError {
  override name = "LeadNotFoundError";
  override readonly code = "lead_not_found";
  override readonly subject: string;

  constructor(lead: string, workspace: string) {
    super(`no lead "${lead}" (by id or external id) in workspace "${workspace}"`);
    this.subject = lead;
  }
}

export async function leadTimeline(store: Store, workspace: string, leadIdOrExternalId: string): Promise<LeadTimeline> {
  const w = workspace;
  const asked = leadIdOrExternalId;
  // The id wins over an external id, so a lead is always reachable by its own id.
  const rows = await store.query<LeadRow>(sql`
    SELECT l.id, l.external_id, l.name, l.account, l.contact, l.owner_id, r.name AS owner_name, p.name AS pipeline_name,
      s.name AS stage_name, l.status, l.value, l.currency, l.created_at, l.qualified_at, l.closed_at, l.loss_reason,
      l.competitor, l.source_channel, l.utm_source, l.utm_medium, l.utm_campaign, l.utm_content, l.utm_term,
      -- Stored at ingest, as the metrics read it (src/derive/lead-progress.ts).
      l.reached_qualifying_at
    FROM leads l
    LEFT JOIN reps r ON r.workspace_id = l.workspace_id AND r.id = l.owner_id
    LEFT JOIN pipelines p ON p.workspace_id = l.workspace_id AND p.id = l.pipeline_id
    LEFT JOIN stages s ON s.workspace_id = l.workspace_id AND s.id = l.stage_id
    WHERE l.workspace_id = ${w} AND (l.id = ${asked} OR l.external_id = ${asked})
    ORDER BY CASE WHEN l.id = ${asked} THEN 0 ELSE 1 END, l.id`);
  const byId = rows.find((r) => r.id === asked);
  if (!byId && rows.length > 1) {
    throw new MetricInputError(
      `${rows.length} leads have the external id "${asked}" (${rows.map((r) => r.id).join(", ")}); give the lead id instead`,
    );
  }
  const row = byId ?? rows[0];
  if (!row) throw new LeadNotFoundError(asked, workspace);

  const qualified = qualification(row);
  const lead: TimelineLead = {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    account: row.account,
    contact: row.contact,
    owner: row.owner_id ? { id: row.owner_id, name: row.owner_name ?? row.owner_id } : null,
    pipeline: row.pipeline_name,
    stage: row.stage_name,
    status: row.status,
    value: row.value,
    currency: row.currency,
    createdAt: row.created_at,
    qualifiedAt: qualified?.time ?? null,
    closedAt: row.closed_at,
    lossReason: row.loss_reason,
    competitor: row.competitor,
    source: row.source_channel,
    utm: {
      source: row.utm_source,
      medium: row.utm_medium,
      campaign: row.utm_campaign,
      content: row.utm_content,
      term: row.utm_term,
    },
  };

  const events: TimelineEvent[] = [
    { kind: "created", time: row.created_at, owner: lead.owner?.name ?? null, source: row.source_channel },
  ];
  if (qualified) events.push({ kind: "qualified", ...qualified });
  if (row.closed_at && row.status !== "open") {
    events.push({
      kind: "closed",
      time: row.closed_at,
      status: row.status,
      lossReason: row.loss_reason,
      competitor: row.competitor,
    });
  }
  const id = row.id;

  const stages = await store.query<{
    changed_at: string;
    from_name: string | null;
    to_name: string;
    rep_name: string | null;
    rep_id: string | null;
  }>(sql`
    SELECT e.changed_at, fs.name AS from_name, COALESCE(ts.name, e.to_stage_id) AS to_name,
      r.name AS rep_name, e.rep_id
    FROM stage_events e
    LEFT JOIN stages fs ON fs.workspace_id = e.workspace_id AND fs.id = e.from_stage_id
    LEFT JOIN stages ts ON ts.workspace_id = e.workspace_id AND ts.id = e.to_stage_id
    LEFT JOIN reps r ON r.workspace_id = e.workspace_id AND r.id = e.rep_id
    WHERE e.workspace_id = ${w} AND e.lead_id = ${id}
    ORDER BY ${stageEventOrder("first", "e", "ts")}`);
  for (const s of stages) {
    events.push({
      kind: "stage",
      time: s.changed_at,
      fromStage: s.from_name,
      toStage: s.to_name,
      rep: s.rep_name ?? s.rep_id,
    });
  }

  const activities = await store.query<{
    id: string;
    occurred_at: string;
    type: string;
    rep_id: string | null;
    rep_name: string | null;
    outcome: string | null;
    duration_seconds: number | null;
    note: string | null;
  }>(sql`
    SELECT a.id, a.occurred_at, a.type, a.rep_id, r.name AS rep_name, a.outcome, a.duration_seconds, a.note
    FROM activities a
    LEFT JOIN reps r ON r.workspace_id = a.workspace_id AND r.id = a.rep_id
    WHERE a.workspace_id = ${w} AND a.lead_id = ${id}
    ORDER BY a.occurred_at, a.id`);
  for (const a of activities) {
    events.push({
      kind: "activity",
      time: a.occurred_at,
      activityId: a.id,
      type: a.type,
      rep: a.rep_name ?? a.rep_id,
      outcome: a.outcome,
      durationSeconds: a.duration_seconds,
      note: a.note,
    });
  }

  // The person's visits: the visit a form on which created the lead, every other visit of
  // the same visitor id(s), visits whose visitor id is the lead's contact (a known visitor),
  // and every visit of a visitor who identified with the lead's contact (an email or CRM id,
  // tracked or imported from any source), whichever lead their visits were linked to.
  const visits = await store.query<{
    visit_id: string;
    visitor_id: string;
    started_at: string;
    landing_url: string | null;
    referrer: string | null;
    utm_source: string | null;
    utm_medium: string | null;
    utm_campaign: string | null;
    utm_content: string | null;
    pageviews: number | null;
    converted_lead_id: string | null;
  }>(sql`
    SELECT v.visit_id, v.visitor_id, v.started_at, v.landing_url, v.referrer, v.utm_source, v.utm_medium,
      v.utm_campaign, v.utm_content, v.pageviews, v.converted_lead_id
    FROM visits v
    WHERE v.workspace_id = ${w} AND (
      v.converted_lead_id = ${id}
      OR v.visitor_id IN (SELECT c.visitor_id FROM visits c WHERE c.workspace_id = ${w} AND c.converted_lead_id = ${id})
      OR v.visitor_id = CAST(${row.contact ?? null} AS TEXT)
      OR v.visitor_id IN (
        SELECT i.visitor_id FROM visitor_identities i JOIN leads l ON l.workspace_id = i.workspace_id
          AND l.contact_hash = i.email_hash
        WHERE i.workspace_id = ${w} AND l.id = ${id})
    )
    ORDER BY v.started_at, v.visit_id`);
  for (const v of visits) {
    events.push({
      kind: "visit",
      time: v.started_at,
      visitId: v.visit_id,
      visitorId: v.visitor_id,
      landingUrl: v.landing_url,
      referrer: v.referrer,
      utmSource: v.utm_source,
      utmMedium: v.utm_medium,
      utmCampaign: v.utm_campaign,
      utmContent: v.utm_content,
      pageviews: v.pageviews,
      createdLead: v.converted_lead_id === id,
    });
  }

  // Newsletter subscribers are stored by the SHA-256 of the trimmed, lower-case address: when
  // the contact joined and left the newsletter (imported from Mailchimp, listmonk, a mapped
  // file or pushed), and what they did with its issues.
  if (row.contact) {
    const hash = store.dialect.sha256(sql`lower(trim(CAST(${row.contact} AS TEXT)))`);
    const subscriptions = await store.query<{
      id: string;
      subscribed_at: string;
      unsubscribed_at: string | null;
    }>(sql`
      SELECT s.id, s.subscribed_at, s.unsubscribed_at FROM newsletter_subscribers s
      WHERE s.workspace_id = ${w} AND s.email_hash = ${hash}
      ORDER BY s.subscribed_at, s.id`);
    for (const s of subscriptions) {
      events.push({ kind: "subscription", time: s.subscribed_at, change: "subscribed", subscriberId: s.id });
      if (s.unsubscribed_at) {
        events.push({ kind: "subscription", time: s.unsubscribed_at, change: "unsubscribed", subscriberId: s.id });
      }
    }
    const emails = await store.query<{
      occurred_at: string;
      type: string;
      issue_id: string;
      subject: string | null;
      url: string | null;
    }>(sql`
      SELECT ev.occurred_at, ev.type, ev.issue_id, i.subject, ev.url
      FROM newsletter_subscribers s
      JOIN email_events ev ON ev.workspace_id = s.workspace_id AND ev.subscriber_id = s.id
      LEFT JOIN newsletter_issues i ON i.workspace_id = ev.workspace_id AND i.id = ev.issue_id
      WHERE s.workspace_id = ${w} AND s.email_hash = ${store.dialect.sha256(sql`lower(trim(CAST(${row.contact} AS TEXT)))`)}
      ORDER BY ev.occurred_at, ev.issue_id, ev.type`);
    for (const e of emails) {
      events.push({
        kind: "email",
        time: e.occurred_at,
        type: e.type,
        issueId: e.issue_id,
        subject: e.subject,
        url: e.url,
      });
    }
  }

  // Stable sort: within a kind, the order of each query (its own tie-breakers) is kept.
  const rank = (kind: TimelineEvent["kind"]) => KIND_ORDER.indexOf(kind);
  events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : rank(a.kind) - rank(b.kind)));
  return { lead, events };
}

/** When the lead qualified: its qualified_at, else reaching the qualifying stage, else winning. */
function qualification(row: LeadRow): { time: string; how: "qualified_at" | "stage" | "won" } | null {
  if (row.qualified_at) return { time: row.qualified_at, how: "qualified_at" };
  if (row.reached_qualifying_at) return { time: row.reached_qualifying_at, how: "stage" };
  if (row.status === "won" && row.closed_at) return { time: row.closed_at, how: "won" };
  return null;
}

/** "2025-07-01 09:30" (UTC). */
function minute(time: string): string {
  return `${time.slice(0, 10)} ${time.slice(11, 16)}`;
}

function joined(parts: readonly (string | null | undefined | false)[], separator = ", "): string {
  return parts.filter((p): p is string => typeof p === "string" && p.length > 0).join(separator);
}

/** What and Detail of an event, as the timeline table shows them. */
export function describeEvent(event: TimelineEvent): { what: string; detail: string } {
  switch (event.kind) {
    case "subscription":
      return { what: event.change, detail: `newsletter subscriber ${event.subscriberId}` };
    case "visit": {
      const utm = joined([event.utmSource, event.utmMedium, event.utmCampaign, event.utmContent], "/");
      return {
        what: event.createdLead ? "visit (created the lead)" : "visit",
        detail: joined([
          event.landingUrl,
          utm && `utm ${utm}`,
          event.pageviews !== null && `${event.pageviews} pages`,
          `visitor ${event.visitorId}`,
        ]),
      };
    }
    case "created":
      return {
        what: "created",
        detail: joined([event.owner && `owner ${event.owner}`, event.source && `source ${event.source}`]),
      };
    case "stage":
      return {
        what: "stage",
        detail: joined([`${event.fromStage ?? "(start)"} -> ${event.toStage}`, event.rep && `by ${event.rep}`]),
      };
    case "qualified":
      return {
        what: "qualified",
        detail:
          event.how === "qualified_at"
            ? "marked qualified"
            : event.how === "stage"
              ? "reached the qualifying stage"
              : "won",
      };
    case "activity":
      return {
        what: event.type,
        detail: joined([event.rep && `by ${event.rep}`, event.outcome, event.note?.replace(/\s+/g, " ").trim()]),
      };
    case "email":
      return { what: `email ${event.type}`, detail: joined([event.subject, event.url]) };
    case "closed":
      return {
        what: event.status,
        detail: joined([
          event.lossReason && `reason: ${event.lossReason}`,
          event.competitor && `to ${event.competitor}`,
        ]),
      };
  }
}

/** The timeline as a table for the CLI (At, What, Detail). */
export function timelineView(timeline: LeadTimeline): View {
  const { lead } = timeline;
  return {
    title: `Lead ${lead.id}${lead.name ? ` ${lead.name}` : ""}${lead.account ? ` (${lead.account})` : ""}: ${lead.status}`,
    columns: [
      { key: "time", label: "At", format: "text" },
      { key: "what", label: "What", format: "text" },
      { key: "detail", label: "Detail", format: "text" },
    ],
    rows: timeline.events.map((event) => ({ time: minute(event.time), ...describeEvent(event) })),
  };
}
