/**
 * Campaigns: a subject, an HTML and a text body (template.ts), a segment it goes to, and
 * where it stands (draft, scheduled, sending, paused, sent, cancelled). The segment stays
 * dynamic until sending starts; then its definition is frozen into the campaign and its
 * recipients into the outbox (outbox.ts).
 */
import { randomBytes } from "node:crypto";
import { join, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { SegmentError } from "./segment-definition.js";
import { checkSegmentName, segmentNamed } from "./segments.js";
import { prepareTemplate } from "./template.js";

export const CAMPAIGN_STATUSES = ["draft", "scheduled", "sending", "paused", "sent", "cancelled"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export type Campaign = {
  id: string;
  name: string;
  segment: string;
  subject: string;
  html: string;
  text: string;
  utmCampaign: string;
  status: CampaignStatus;
  sendAt: string | null;
  perMinute: number | null;
  /** The HTML carries an open pixel (an unreliable figure: shown only beside the others). */
  trackOpens: boolean;
  recipients: number | null;
  pausedReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  links: string[];
};

export type CampaignInput = {
  name: string;
  segment: string;
  subject: string;
  html?: string;
  text?: string;
  utmCampaign?: string;
  sendAt?: Date | null;
  perMinute?: number | null;
  trackOpens?: boolean;
};

type CampaignRow = {
  id: string;
  name: string;
  segment: string;
  subject: string;
  html: string;
  text: string;
  utm_campaign: string;
  status: CampaignStatus;
  send_at: string | null;
  per_minute: number | null;
  track_opens: boolean | null;
  recipients: number | null;
  paused_reason: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

const COLUMNS = sql`id, name, segment, subject, html, text, utm_campaign, status, send_at, per_minute, track_opens, recipients,
  paused_reason, created_at, started_at, finished_at`;

/** The campaigns of rows with their links: one query for every campaign's links, not one each. */
async function withLinks(store: Store, workspace: string, rows: readonly CampaignRow[]): Promise<Campaign[]> {
  if (rows.length === 0) return [];
  const links = await store.query<{ campaign_id: string; url: string }>(
    sql`SELECT campaign_id, url FROM campaign_links
        WHERE workspace_id = ${workspace} AND campaign_id IN (${join(rows.map((r) => sql`${r.id}`))})
        ORDER BY campaign_id, link_index`,
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    segment: row.segment,
    subject: row.subject,
    html: row.html,
    text: row.text,
    utmCampaign: row.utm_campaign,
    status: row.status,
    sendAt: row.send_at,
    perMinute: row.per_minute === null ? null : Number(row.per_minute),
    trackOpens: row.track_opens === true,
    recipients: row.recipients === null ? null : Number(row.recipients),
    pausedReason: row.paused_reason,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    links: links.filter((l) => l.campaign_id === row.id).map((l) => l.url),
  }));
}

export class CampaignNotFound extends SegmentError {
  override name = "CampaignNotFound";
  constructor(
    readonly campaign: string,
    names: readonly string[],
  ) {
    super(
      `there is no campaign ${JSON.stringify(campaign)} (${names.length === 0 ? "none yet" : `campaigns: ${names.join(", ")}`})`,
      "campaign",
    );
  }
}

export async function listCampaigns(store: Store, workspace: string): Promise<Campaign[]> {
  const rows = await store.query<CampaignRow>(
    sql`SELECT ${COLUMNS} FROM campaigns WHERE workspace_id = ${workspace} ORDER BY created_at DESC, name`,
  );
  return withLinks(store, workspace, rows);
}

export async function findCampaign(store: Store, workspace: string, name: string): Promise<Campaign | null> {
  const [row] = await store.query<CampaignRow>(
    sql`SELECT ${COLUMNS} FROM campaigns WHERE workspace_id = ${workspace} AND name = ${name}`,
  );
  return row ? ((await withLinks(store, workspace, [row]))[0] as Campaign) : null;
}

export async function campaignNamed(store: Store, workspace: string, name: string): Promise<Campaign> {
  const found = await findCampaign(store, workspace, name);
  if (found) return found;
  const names = (await listCampaigns(store, workspace)).map((c) => c.name);
  throw new CampaignNotFound(name, names);
}

/**
 * Creates a campaign (a draft, or scheduled with sendAt) after checking its name, segment and
 * template; returns it with the warnings to show (no call to action). Nothing is written when
 * a check fails.
 */
export async function createCampaign(
  store: Store,
  workspace: string,
  input: CampaignInput,
  by: string | null,
): Promise<{ campaign: Campaign; warnings: string[] }> {
  const name = checkSegmentName(input.name);
  const template = prepareTemplate({ subject: input.subject, html: input.html ?? "", text: input.text ?? "" });
  await segmentNamed(store, workspace, input.segment);
  const utm = (input.utmCampaign ?? name).trim();
  if (!/^[A-Za-z0-9._~-]{1,100}$/.test(utm)) {
    throw new SegmentError("use letters, digits and . _ ~ - (it goes into every link's utm_campaign)", "utmCampaign");
  }
  if (input.trackOpens && template.html === "") {
    throw new SegmentError("an open pixel goes into the HTML body: give one, or leave opens untracked", "trackOpens");
  }
  const id = `c${randomBytes(6).toString("hex")}`;
  const now = new Date().toISOString();
  const status: CampaignStatus = input.sendAt ? "scheduled" : "draft";
  await store.transaction(async () => {
    if (await findCampaign(store, workspace, name)) {
      throw new SegmentError(`a campaign called ${JSON.stringify(name)} exists already`, "name");
    }
    await store.execute(
      sql`INSERT INTO campaigns (workspace_id, id, name, segment, subject, html, text, utm_campaign, status, send_at,
            per_minute, track_opens, created_by, created_at)
          VALUES (${workspace}, ${id}, ${name}, ${input.segment}, ${template.subject}, ${template.html}, ${template.text},
            ${utm}, ${status}, ${input.sendAt ? sql`CAST(${input.sendAt.toISOString()} AS TIMESTAMP)` : null},
            ${input.perMinute ?? null}, ${input.trackOpens === true}, ${by}, CAST(${now} AS TIMESTAMP))`,
    );
    for (const [i, url] of template.links.entries()) {
      await store.execute(
        sql`INSERT INTO campaign_links (workspace_id, campaign_id, link_index, url) VALUES (${workspace}, ${id}, ${i}, ${url})`,
      );
    }
  });
  return { campaign: await campaignNamed(store, workspace, name), warnings: template.warnings };
}

export type OutboxCounts = Record<
  "queued" | "retry" | "sent" | "bounced" | "failed" | "suppressed" | "uncertain",
  number
>;

/** The campaign's outbox by state (all zero before sending starts). */
export async function outboxCounts(store: Store, workspace: string, campaignId: string): Promise<OutboxCounts> {
  return (await outboxCountsOf(store, workspace, [campaignId])).get(campaignId) as OutboxCounts;
}

/** Several campaigns' outboxes by state, in one query (the campaign list). */
export async function outboxCountsOf(
  store: Store,
  workspace: string,
  campaignIds: readonly string[],
): Promise<Map<string, OutboxCounts>> {
  const counts = new Map<string, OutboxCounts>(
    campaignIds.map((id) => [id, { queued: 0, retry: 0, sent: 0, bounced: 0, failed: 0, suppressed: 0, uncertain: 0 }]),
  );
  if (campaignIds.length === 0) return counts;
  const rows = await store.query<{ campaign_id: string; status: keyof OutboxCounts; n: number }>(
    sql`SELECT campaign_id, status, count(*) AS n FROM campaign_outbox
        WHERE workspace_id = ${workspace} AND campaign_id IN (${join(campaignIds.map((id) => sql`${id}`))})
        GROUP BY campaign_id, status`,
  );
  for (const r of rows) {
    const c = counts.get(r.campaign_id);
    if (c) c[r.status] = Number(r.n);
  }
  return counts;
}
