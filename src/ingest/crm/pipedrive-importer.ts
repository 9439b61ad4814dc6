/**
 * Pipedrive deals export ("Export data" of deals: every column `Deal - <label>`), one or
 * more files of it, as docs/import-formats.md describes. Both the file as downloaded (UTF-8,
 * comma, ISO times) and the same file re-saved by Excel in a European locale (Windows-1252,
 * semicolon, decimal comma, `dd.mm.yyyy HH:MM`) read the same; the decoding, delimiter,
 * dates and amounts are the import core's (source-file.ts, values.ts).
 *
 * - Leads `pipedrive:<Deal - ID>`; name = Title; account = Organization; contact = Contact
 *   person; owner = Owner by name (`pipedrive:owner:<name>`).
 * - Status Open/Won/Lost -> open/won/lost; Deleted deals are skipped and counted (the API
 *   has the status; an export should not, but if one does they are not sales results);
 *   anything else is an error.
 * - Columns read under each of their known names: `Deal - Currency of Value` or
 *   `Deal - Currency`; `Deal - Deal created` or `Deal - Creation date`; closed_at = `Won time`
 *   (won) / `Lost time` (lost), else `Deal - Deal closed on` / `Deal - Closed on`.
 * - Value 0 is kept (Pipedrive writes 0 when none was entered), in the deal's currency or
 *   `--currency` when the export has no currency column, converted with `--rates`.
 * - Stages: the export names the current stage only and never their order, so `--stages`
 *   gives it (default: as first met, with a note). Won and lost are statuses in Pipedrive,
 *   not stages: every stage is kind open and a won deal stays in its last stage. No
 *   qualifying stage (FormatOptions has no way to name one yet).
 * - One stage event per deal, (-> current stage) at `Last stage change`, else at created:
 *   not a history, so the import lacks stage_history (and activities: the export only
 *   counts them).
 * - source_channel: `Source channel` by the docs' table (unknown values by keyword, else
 *   other with a note); when empty, `Source origin` (Web forms and other web origins ->
 *   website; Manually created, Import, API... say how the deal was entered, not where it
 *   came from -> null); when neither, a custom `Deal - Lead Source` / `Deal - Source` field
 *   by keyword. utm_* from `Deal - utm_*` custom fields when present.
 * - Times without an offset are read as UTC (the API writes UTC; assumption for the export).
 */
import type { LeadStatus, SourceChannel } from "../../model/canonical.js";
import type { DataCapability } from "../../model/capabilities.js";
import { ImportError } from "../import-error.js";
import type { Importer, PreparedImport } from "../importer.js";
import {
  channelByKeyword,
  DealExport,
  firstColumn,
  type Origin,
  requireColumn,
  UnmappedLabels,
} from "./deal-export.js";
import { readSourceFile, type SourceFile } from "./source-file.js";
import { dateOrderOf, parseTimestamp } from "./values.js";

export const PIPEDRIVE_SOURCE = "pipedrive";

const ID = "Deal - ID";
const STAGE = "Deal - Stage";
const STATUS = "Deal - Status";
const CREATED = ["Deal - Deal created", "Deal - Creation date", "Deal - Add time"] as const;
const CLOSED_ON = ["Deal - Deal closed on", "Deal - Closed on", "Deal - Close time"] as const;
const CURRENCY = ["Deal - Currency of Value", "Deal - Currency"] as const;
const LEAD_SOURCE = ["Deal - Lead Source", "Deal - Lead source", "Deal - Source"] as const;
const UTM = ["source", "medium", "campaign", "content", "term"] as const;

const CHANNELS: Record<string, SourceChannel> = {
  referral: "referral",
  "paid search": "paid",
  "paid social": "paid",
  "organic search": "website",
  "direct traffic": "website",
  event: "event",
  "email marketing": "newsletter",
  "organic social": "social:other",
};

/** Source origins that say the deal came in through the website. */
const WEB_ORIGINS = new Set(["web forms", "web form", "live chat", "chatbot", "web visitors", "webforms"]);

const STATUSES: Record<string, LeadStatus | "deleted"> = {
  open: "open",
  won: "won",
  lost: "lost",
  deleted: "deleted",
};

/** The stages of the pipeline Pipedrive creates for a new account, in order. */
const DEFAULT_STAGES = ["Qualified", "Contact Made", "Demo Scheduled", "Proposal Made", "Negotiations Started"];

export const pipedriveImporter: Importer = {
  format: "pipedrive",
  description: 'Pipedrive deals export (CSV of "Deal - ..." columns; comma or semicolon, any of the usual encodings)',
  async prepare(paths, options): Promise<PreparedImport> {
    if (paths.length === 0) throw new ImportError("", null, null, "give the Pipedrive deals export file");
    const ex = new DealExport(PIPEDRIVE_SOURCE, options);
    await ex.loadRates();
    const sources: SourceFile[] = [];
    for (const path of paths) sources.push(await readSourceFile(path, [ID, "Deal - Title", STAGE, STATUS]));

    const channels = new UnmappedLabels();
    const origins = new UnmappedLabels();
    let deleted = 0;
    let hasLossReasons = false;
    let hasSources = false;
    for (const source of sources) {
      const created = requireColumn(source, CREATED);
      const closedOn = firstColumn(source, CLOSED_ON);
      const currency = firstColumn(source, CURRENCY);
      const value = firstColumn(source, ["Deal - Value"]);
      const channelColumn = firstColumn(source, ["Deal - Source channel"]);
      const originColumn = firstColumn(source, ["Deal - Source origin"]);
      const leadSource = firstColumn(source, LEAD_SOURCE);
      const lossColumn = firstColumn(source, ["Deal - Lost reason"]);
      if (lossColumn) hasLossReasons = true;
      if (channelColumn || originColumn || leadSource) hasSources = true;
      const dateColumns = [created, closedOn, "Deal - Won time", "Deal - Lost time", "Deal - Last stage change"].filter(
        (c): c is string => c !== null && source.has(c),
      );
      const order = ex.row(() => dateOrderOf(source, dateColumns, options.dateFormat)) ?? null;

      for (const row of source.rows) {
        ex.row(() => {
          const at = (column: string): Origin => ({
            file: source.file,
            line: row.line,
            column: source.column(column) ?? column,
          });
          const time = (column: string | null) =>
            column && source.has(column) ? parseTimestamp(source, row.line, column, row.get(column), order) : "";
          const required = (column: string) => {
            const cell = row.get(column);
            if (cell === "") throw new ImportError(source.file, row.line, at(column).column, "a value is required");
            return cell;
          };

          const externalId = required(ID);
          const statusCell = required(STATUS);
          const status = STATUSES[statusCell.toLowerCase()];
          if (!status) {
            throw new ImportError(
              source.file,
              row.line,
              at(STATUS).column,
              `${JSON.stringify(statusCell)} is not a deal status (Open, Won, Lost or Deleted)`,
            );
          }
          if (status === "deleted") {
            deleted += 1;
            return;
          }
          const leadId = ex.claimLead(externalId, at(ID));
          const createdAt = time(created);
          if (createdAt === "") {
            throw new ImportError(source.file, row.line, created, "a value is required (when the deal was created)");
          }
          const pipelineCell = row.get("Deal - Pipeline");
          const pipeline = pipelineCell === "" ? "Pipeline" : pipelineCell;
          ex.pipeline(pipeline, at("Deal - Pipeline"));
          const stage = ex.stage(pipeline, required(STAGE), at(STAGE));
          const stageId = ex.stageId(pipeline, stage);

          let closedAt = "";
          let closedOrigin: Origin | null = null;
          if (status !== "open") {
            const own = status === "won" ? "Deal - Won time" : "Deal - Lost time";
            closedAt = time(own);
            closedOrigin = at(own);
            if (closedAt === "") {
              closedAt = time(closedOn);
              if (closedOn) closedOrigin = at(closedOn);
            }
            if (closedAt === "") {
              throw new ImportError(
                source.file,
                row.line,
                at(own).column,
                `the deal is ${status} but has no ${status === "won" ? "Won time" : "Lost time"}${closedOn ? ` nor ${closedOn}` : ""}`,
              );
            }
          }

          const amount = value ? ex.money(source, row, value, currency) : { value: "", currency: "" };
          const utm: Record<string, string> = {};
          for (const part of UTM) {
            const column = firstColumn(source, [`Deal - utm_${part}`]);
            if (column) utm[`utm_${part}`] = row.get(column);
          }
          const owner = ex.rep(row.get("Deal - Owner"), source.file);
          ex.addLead(
            source.file,
            {
              id: leadId,
              external_id: externalId,
              name: row.get("Deal - Title"),
              account: row.get("Deal - Organization"),
              contact: row.get("Deal - Contact person"),
              owner_id: owner,
              pipeline_id: ex.pipelineId(pipeline),
              stage_id: stageId,
              status,
              created_at: createdAt,
              closed_at: closedAt,
              value: amount.value,
              currency: amount.currency,
              loss_reason: status === "lost" && lossColumn ? row.get(lossColumn) : "",
              source_channel: channelOf(
                channelColumn ? row.get(channelColumn) : "",
                originColumn ? row.get(originColumn) : "",
                leadSource ? row.get(leadSource) : "",
                channels,
                origins,
              ),
              ...utm,
            },
            closedOrigin,
          );
          const lastChange = time("Deal - Last stage change");
          ex.tables.add("stage_events", source.file, {
            lead_id: leadId,
            from_stage_id: null,
            to_stage_id: stageId,
            changed_at: lastChange === "" ? createdAt : lastChange,
          });
        });
      }
    }

    ex.addPipelinesAndStages(true, { name: "Pipedrive", order: DEFAULT_STAGES });
    if (deleted > 0) ex.tables.skip("deleted deals (status Deleted)", deleted);
    ex.tables.note(
      "The export holds each deal's current stage only: one stage event per deal (at Last stage change, else at creation), so days in stage are reported as missing data; the funnel counts a deal as having passed every stage before its current one.",
    );
    ex.tables.note("Times are read as UTC (Pipedrive's own time zone for exported times is not documented).");
    const unmapped = channels.note("Source channel");
    if (unmapped) ex.tables.note(unmapped);
    const unmappedOrigins = origins.note("Source origin", "no channel (empty)");
    if (unmappedOrigins) ex.tables.note(unmappedOrigins);

    const lacks: DataCapability[] = ["stage_history", "activities"];
    if (!hasLossReasons) lacks.push("loss_reasons");
    if (!hasSources) lacks.push("lead_sources");
    return ex.prepare(lacks);
  },
};

/** Source channel, else source origin, else a custom lead-source field (see the module comment). */
function channelOf(
  channel: string,
  origin: string,
  leadSource: string,
  unmappedChannels: UnmappedLabels,
  unmappedOrigins: UnmappedLabels,
): SourceChannel | null {
  if (channel !== "") {
    const known = CHANNELS[channel.toLowerCase()];
    if (known) return known;
    const guessed = channelByKeyword(channel);
    if (guessed === "other") unmappedChannels.add(channel);
    return guessed;
  }
  if (origin !== "") {
    const key = origin.toLowerCase();
    if (WEB_ORIGINS.has(key)) return "website";
    if (!["manually created", "import", "api", "workflow automation", "deal"].includes(key))
      unmappedOrigins.add(origin);
  }
  return leadSource === "" ? null : channelByKeyword(leadSource);
}
