/**
 * The opportunities as leads, with what Lead.csv, Campaign.csv and Account.csv add to them.
 *
 * - source_channel: LeadSource, else the converted Lead's LeadSource, else the Campaign's
 *   Type (tables below); unknown values -> other, with a note listing them. When no
 *   opportunity ends up with a channel, the import `lacks` lead_sources. utm_campaign =
 *   Campaign.Name (the CampaignId when Campaign.csv is missing or lacks it, with a note, like
 *   account).
 * - Leads (Lead.csv): converted leads give qualified_at = the opportunity's CreatedDate and
 *   the source fallback; every other lead row is skipped and counted.
 */
import type { FormatOptions } from "../../importer.js";
import type { CanonicalTables } from "../canonical-tables.js";
import type { Problems } from "../problems.js";
import { type ExportFile, OBJECTS, type ObjectName, open } from "./export-files.js";
import { bump, flag, idOf, orNull } from "./fields.js";
import { PIPELINE_ID, recordId, rep, stageId } from "./ids.js";
import { closedAtOf, type Opportunities, type Opportunity } from "./opportunities.js";
import type { StageEvent } from "./stage-history.js";

const LEAD_SOURCE_CHANNELS: ReadonlyMap<string, string> = new Map([
  ["web", "website"],
  ["phone inquiry", "other"],
  ["partner referral", "referral"],
  ["partner", "referral"],
  ["employee referral", "referral"],
  ["external referral", "referral"],
  ["word of mouth", "referral"],
  ["purchased list", "outbound"],
  ["trade show", "event"],
  ["seminar - internal", "event"],
  ["seminar - partner", "event"],
  ["webinar", "event"],
  ["advertisement", "paid"],
  ["public relations", "other"],
  ["other", "other"],
]);

const CAMPAIGN_TYPE_CHANNELS: ReadonlyMap<string, string> = new Map([
  ["email", "newsletter"],
  ["webinar", "event"],
  ["trade show", "event"],
  ["conference", "event"],
  ["advertisement", "paid"],
  ["banner ads", "paid"],
]);

type Campaign = { name: string | null; type: string };

export type ConvertedLead = { leadSource: string };

export async function readLeads(
  file: ExportFile,
  opportunities: ReadonlyMap<string, Opportunity>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): Promise<Map<string, ConvertedLead>> {
  const source = await open(file, "lead", ["Id", "IsConverted", "ConvertedOpportunityId"], [], options);
  const converted = new Map<string, ConvertedLead>();
  for (const row of source.file.rows) {
    problems.row(() => {
      if (flag(source, row, "IsDeleted")) {
        tables.skip("lead deleted in Salesforce (IsDeleted 1)");
        return;
      }
      const opportunityId = idOf(row.get("ConvertedOpportunityId"));
      if (!flag(source, row, "IsConverted") || opportunityId === null) {
        tables.skip("lead not converted to an opportunity");
        return;
      }
      if (!opportunities.has(opportunityId)) {
        tables.skip("lead converted to an opportunity not in Opportunity.csv");
        return;
      }
      converted.set(opportunityId, { leadSource: row.get("LeadSource") });
    });
  }
  return converted;
}

export async function readCampaigns(file: ExportFile, options: FormatOptions): Promise<Map<string, Campaign>> {
  const source = await open(file, "campaign", ["Id", "Name"], [], options);
  // Deleted campaigns still name the opportunities that point at them.
  return new Map(
    source.file.rows.map((row) => [row.get("Id"), { name: orNull(row.get("Name")), type: row.get("Type") }]),
  );
}

export async function readNames(
  file: ExportFile,
  object: ObjectName,
  options: FormatOptions,
): Promise<Map<string, string>> {
  const source = await open(file, object, ["Id", "Name"], [], options);
  const names = new Map<string, string>();
  for (const row of source.file.rows) if (row.get("Name") !== "") names.set(row.get("Id"), row.get("Name"));
  return names;
}

/** What the opportunities point at: accounts' names, campaigns, the Leads they were converted from. */
export type Lookups = {
  accounts: ReadonlyMap<string, string> | null;
  campaigns: ReadonlyMap<string, Campaign> | null;
  converted: ReadonlyMap<string, ConvertedLead> | null;
};

/**
 * Writes a lead for each opportunity; its owner is added to `referenced`. Returns how many
 * have a source channel and how many were converted from a Lead (qualified).
 */
export function writeLeads(
  opportunities: Opportunities,
  { accounts, campaigns, converted }: Lookups,
  events: ReadonlyMap<string, readonly StageEvent[]>,
  tables: CanonicalTables,
  problems: Problems,
  referenced: Set<string>,
): { withChannel: number; qualified: number } {
  const unknownSources = new Map<string, number>();
  let withChannel = 0;
  let qualified = 0;
  let missingCampaigns = 0;
  let missingAccounts = 0;
  for (const o of opportunities.rows) {
    problems.row(() => {
      const lead = converted?.get(o.id);
      const campaign = o.campaignId === null ? undefined : campaigns?.get(o.campaignId);
      if (o.campaignId !== null && campaign === undefined) missingCampaigns += 1;
      let channel: string | null = null;
      for (const [value, table] of [
        [o.leadSource, LEAD_SOURCE_CHANNELS],
        [lead?.leadSource ?? "", LEAD_SOURCE_CHANNELS],
        [campaign?.type ?? "", CAMPAIGN_TYPE_CHANNELS],
      ] as const) {
        if (value === "") continue;
        channel = table.get(value.toLowerCase()) ?? null;
        if (channel === null) {
          bump(unknownSources, value);
          channel = "other";
        }
        break;
      }
      if (channel !== null) withChannel += 1;
      const account = o.accountId === null ? null : (accounts?.get(o.accountId) ?? null);
      if (o.accountId !== null && accounts !== null && account === null) missingAccounts += 1;
      const leadEvents = events.get(o.id) ?? [];
      const closedAt = o.status === "open" ? "" : closedAtOf(o, leadEvents, opportunities.source);
      if (o.ownerId) referenced.add(o.ownerId);
      if (lead) qualified += 1;
      tables.add("leads", OBJECTS.opportunity, {
        id: recordId(o.id),
        external_id: o.id,
        name: o.name,
        account: account ?? o.accountId,
        contact: o.contactId,
        owner_id: rep(o.ownerId),
        pipeline_id: PIPELINE_ID,
        stage_id: stageId(o.stage),
        status: o.status,
        created_at: o.createdAt,
        qualified_at: lead ? o.createdAt : null,
        closed_at: closedAt,
        value: o.value,
        currency: o.currency,
        loss_reason: o.status === "lost" ? o.lossReason : null,
        competitor: null,
        source_channel: channel,
        utm_source: null,
        utm_medium: null,
        utm_campaign: campaign?.name ?? o.campaignId,
        utm_content: null,
        utm_term: null,
      });
    });
  }
  if (unknownSources.size > 0) {
    const list = [...unknownSources].map(([value, n]) => `${JSON.stringify(value)} (${n})`).join(", ");
    tables.note(`lead sources Verity does not know were imported as source channel "other": ${list}`);
  }
  if (missingCampaigns > 0) {
    tables.note(
      `${missingCampaigns} opportunities name a campaign ${campaigns ? "that Campaign.csv lacks" : "but no Campaign.csv was given"}: utm_campaign is the CampaignId`,
    );
  }
  if (accounts === null && opportunities.rows.some((o) => o.accountId !== null)) {
    tables.note("no Account.csv: the account of each lead is the Salesforce AccountId");
  } else if (missingAccounts > 0) {
    tables.note(`${missingAccounts} opportunities name an account that Account.csv lacks: account is the AccountId`);
  }
  return { withChannel, qualified };
}
