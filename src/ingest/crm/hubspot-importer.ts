/**
 * HubSpot deals export (`hubspot-crm-exports-all-deals-<date>.csv`), one or more files of
 * it, as docs/import-formats.md describes; the mapping choices are the docs' own:
 *
 * - Leads `hubspot:<Record ID>`; name = Deal Name; owner = `Deal owner` by name
 *   (`hubspot:owner:<name>`); created_at = Create Date; loss_reason = Closed Lost Reason;
 *   source_channel from `Original Source Type` (the issue says `Original Source`; both are
 *   read) by the docs' table, unknown values as `other` with a note; HubSpot's internal
 *   spellings (`ORGANIC_SEARCH`) are read too.
 * - Pipelines and stages come from the `Date entered "<stage> (<pipeline>)"` headers (both
 *   quote styles), positions in header order (`--stages` reorders them). A stage labelled
 *   Closed Won / Closed Lost (any case) is kind won / lost; where the export has `Is Closed
 *   Won` / `Is closed lost`, a stage holding a deal marked so takes that kind (a relabelled
 *   closed stage). `Qualified To Buy` of `Sales Pipeline` (HubSpot's default) is the
 *   qualifying stage. A Deal Stage that is none of its pipeline's `Date entered` stages is
 *   an error (renamed or deleted stage): a guess would put the deal in the wrong stage.
 *   A pipeline with no `Date entered` column at all takes its stages from the deals (order
 *   as first met or `--stages`) and the import lacks stage_history.
 * - status from the current stage's kind. closed_at = the closed stage's Date entered, else
 *   Close Date (Close Date is the expected close date for open deals, so it is ignored then).
 * - Stage events: the deal's non-empty Date entered values of its own pipeline, sorted by
 *   time (header order on a tie) and chained; rep_id null (the export does not say who moved
 *   a deal). HubSpot keeps one entry time per stage, so a re-entered stage shows only its
 *   later entry: deals whose history moves back are listed in a note. A deal without any
 *   Date entered value gets one event at Create Date; a closed deal whose closed stage has
 *   no Date entered gets a last event at closed_at.
 * - Amount in the `Currency` column's currency when exported, else `--currency` (else an
 *   error asking for it), converted with `--rates`.
 * - Times are read as UTC (the export's time zone is undocumented; the docs' `--timezone`
 *   does not exist in FormatOptions yet, so a note says so).
 * - lacks activities (a deals export has none), plus loss_reasons / lead_sources when those
 *   columns are not in the exported view, and stage_history without Date entered columns.
 */

import type { SourceChannel } from "../../model/canonical.js";
import type { DataCapability } from "../../model/capabilities.js";
import { ImportError } from "../import-error.js";
import type { Importer, PreparedImport } from "../importer.js";
import { DealExport, firstColumn, isYes, type Origin, type StageKind, UnmappedLabels } from "./deal-export.js";
import { readSourceFile, type SourceFile, type SourceRow } from "./source-file.js";
import { dateOrderOf, parseTimestamp } from "./values.js";

export const HUBSPOT_SOURCE = "hubspot";

const REQUIRED = ["Record ID", "Deal Stage", "Pipeline", "Create Date"] as const;
const SOURCE_COLUMNS = ["Original Source Type", "Original Source", "Original source type"] as const;

/** `Date entered "Closed Won (Sales Pipeline)"` or with single quotes; the last "(...)" is the pipeline. */
const DATE_ENTERED = /^Date entered\s+(["'\u201c\u2018])(.+)\s+\(([^()]+)\)["'\u201d\u2019]$/i;

const SOURCE_TYPES: Record<string, SourceChannel> = {
  "organic search": "website",
  "direct traffic": "website",
  "paid search": "paid",
  "paid social": "paid",
  "social media": "social:other",
  "organic social": "social:other",
  "email marketing": "newsletter",
  referrals: "referral",
  "offline sources": "other",
  "other campaigns": "other",
};

type StageColumn = { header: string; pipeline: string; stage: string };

type Deal = {
  source: SourceFile;
  row: SourceRow;
  leadId: string;
  pipeline: string;
  stage: string;
  closedWon: boolean;
  closedLost: boolean;
};

export const hubspotImporter: Importer = {
  format: "hubspot",
  description:
    'HubSpot deals export (CSV with Record ID, Deal Stage, Pipeline and the Date entered "<stage> (<pipeline>)" columns)',
  async prepare(paths, options): Promise<PreparedImport> {
    if (paths.length === 0) throw new ImportError("", null, null, "give the HubSpot deals export file");
    const ex = new DealExport(HUBSPOT_SOURCE, options);
    await ex.loadRates();
    const sources: SourceFile[] = [];
    for (const path of paths) sources.push(await readSourceFile(path, REQUIRED));

    // Stages from the headers, in header order per pipeline.
    const stageColumns = new Map<SourceFile, StageColumn[]>();
    const historyPipelines = new Set<string>();
    for (const source of sources) {
      const columns: StageColumn[] = [];
      for (const header of source.header) {
        const m = DATE_ENTERED.exec(header);
        if (!m) continue;
        const [stage, pipeline] = [(m[2] ?? "").trim(), (m[3] ?? "").trim()];
        columns.push({ header, pipeline, stage });
        historyPipelines.add(pipeline);
        const kind = kindOfLabel(stage);
        ex.stage(pipeline, stage, { file: source.file, line: 1, column: header }, kind, isQualifying(pipeline, stage));
      }
      stageColumns.set(source, columns);
    }

    // First pass: each deal's pipeline and stage (and the Is Closed Won/Lost flags).
    const deals: Deal[] = [];
    for (const source of sources) {
      const wonColumn = firstColumn(source, ["Is Closed Won"]);
      const lostColumn = firstColumn(source, ["Is closed lost", "Is Closed Lost"]);
      for (const row of source.rows) {
        const deal = ex.row((): Deal => {
          const at = (column: string): Origin => ({
            file: source.file,
            line: row.line,
            column: source.column(column) ?? column,
          });
          const id = row.get("Record ID");
          if (id === "") throw new ImportError(source.file, row.line, at("Record ID").column, "a value is required");
          const leadId = ex.claimLead(id, at("Record ID"));
          const pipeline = row.get("Pipeline");
          if (pipeline === "")
            throw new ImportError(source.file, row.line, at("Pipeline").column, "a value is required");
          const label = row.get("Deal Stage");
          if (label === "")
            throw new ImportError(source.file, row.line, at("Deal Stage").column, "a value is required");
          let stage: string;
          if (historyPipelines.has(pipeline)) {
            const known = ex.findStage(pipeline, label);
            if (!known) {
              const names = ex.stagesOf(pipeline).map((s) => s.name);
              throw new ImportError(
                source.file,
                row.line,
                at("Deal Stage").column,
                `${JSON.stringify(label)} is not a stage of ${JSON.stringify(pipeline)}: no Date entered column names it (its stages: ${names.join(", ")}). Was the stage renamed or deleted? Export again with the deal in a current stage, or add the stage's Date entered column to the exported view`,
              );
            }
            stage = known.name;
          } else {
            stage = ex.stage(pipeline, label, at("Deal Stage"), kindOfLabel(label), isQualifying(pipeline, label));
          }
          return {
            source,
            row,
            leadId,
            pipeline,
            stage,
            closedWon: wonColumn !== null && isYes(row.get(wonColumn)),
            closedLost: lostColumn !== null && isYes(row.get(lostColumn)),
          };
        });
        if (deal) deals.push(deal);
      }
    }

    // Kinds: a stage holding a deal flagged Is Closed Won / Is closed lost takes that kind.
    const flagged = new Map<string, { kind: StageKind; deal: Deal }>();
    for (const deal of deals) {
      if (!deal.closedWon && !deal.closedLost) continue;
      ex.row(() => {
        const kind: StageKind = deal.closedWon ? "won" : "lost";
        const key = `${deal.pipeline}\u0000${deal.stage}`;
        const earlier = flagged.get(key);
        const column = deal.source.column("Deal Stage") ?? "Deal Stage";
        if (deal.closedWon && deal.closedLost) {
          throw new ImportError(
            deal.source.file,
            deal.row.line,
            column,
            "the deal is marked both Closed Won and Closed lost",
          );
        }
        if (earlier && earlier.kind !== kind) {
          throw new ImportError(
            deal.source.file,
            deal.row.line,
            column,
            `the deal is closed ${kind} in stage ${JSON.stringify(deal.stage)}, but the deal on line ${earlier.deal.row.line} is closed ${earlier.kind} in it`,
          );
        }
        flagged.set(key, { kind, deal });
        ex.setKind(deal.pipeline, deal.stage, kind);
      });
    }

    // Second pass: leads and stage events.
    const channels = new UnmappedLabels();
    // Each deal's chain of stage ids, to find moves back once the stage order is final.
    const chains: { deal: string; stages: string[] }[] = [];
    const withoutHistory: string[] = [];
    const orders = new Map<SourceFile, ReturnType<typeof dateOrderOf>>();
    for (const source of sources) {
      const dateColumns = [
        "Create Date",
        "Close Date",
        ...(stageColumns.get(source) ?? []).map((c) => c.header),
      ].filter((c) => source.has(c));
      orders.set(source, ex.row(() => dateOrderOf(source, dateColumns, options.dateFormat)) ?? null);
    }
    for (const deal of deals) {
      const { source, row } = deal;
      ex.row(() => {
        const order = orders.get(source) ?? null;
        const time = (column: string) =>
          source.has(column) ? parseTimestamp(source, row.line, column, row.get(column), order) : "";
        const at = (column: string): Origin => ({
          file: source.file,
          line: row.line,
          column: source.column(column) ?? column,
        });
        const createdAt = time("Create Date");
        if (createdAt === "") {
          throw new ImportError(
            source.file,
            row.line,
            at("Create Date").column,
            "a value is required (when the deal was created)",
          );
        }
        const kind = ex.findStage(deal.pipeline, deal.stage)?.kind ?? "open";
        const stageId = ex.stageId(deal.pipeline, deal.stage);

        // Date entered values of the deal's own pipeline, chained in time order.
        const entered: { stage: string; at: string; index: number }[] = [];
        for (const [index, column] of (stageColumns.get(source) ?? []).entries()) {
          if (column.pipeline !== deal.pipeline) continue;
          const when = time(column.header);
          if (when !== "") entered.push({ stage: column.stage, at: when, index });
        }
        entered.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.index - b.index));

        let closedAt = "";
        let closedOrigin: Origin | null = null;
        if (kind !== "open") {
          const own = entered.find((e) => e.stage === deal.stage);
          if (own) {
            closedAt = own.at;
            const header = (stageColumns.get(source) ?? []).find(
              (c) => c.pipeline === deal.pipeline && c.stage === deal.stage,
            )?.header;
            closedOrigin = at(header ?? "Close Date");
          } else {
            closedAt = time("Close Date");
            closedOrigin = at("Close Date");
          }
          if (closedAt === "") {
            throw new ImportError(
              source.file,
              row.line,
              at("Close Date").column,
              `the deal is closed ${kind} but has neither a Date entered for ${JSON.stringify(deal.stage)} nor a Close Date`,
            );
          }
        }

        const { value, currency } = ex.money(source, row, "Amount", firstColumn(source, ["Currency"]));
        const sourceColumn = firstColumn(source, SOURCE_COLUMNS);
        const label = sourceColumn ? row.get(sourceColumn) : "";
        const channel = sourceChannel(label, channels);
        const owner = ex.rep(row.get("Deal owner"), source.file);
        ex.addLead(
          source.file,
          {
            id: deal.leadId,
            external_id: row.get("Record ID"),
            name: row.get("Deal Name"),
            owner_id: owner,
            pipeline_id: ex.pipelineId(deal.pipeline),
            stage_id: stageId,
            status: kind,
            created_at: createdAt,
            closed_at: closedAt,
            value,
            currency,
            loss_reason: kind === "lost" ? row.get("Closed Lost Reason") : "",
            source_channel: channel,
          },
          closedOrigin,
        );

        if (entered.length === 0) {
          withoutHistory.push(row.get("Record ID"));
          ex.tables.add("stage_events", source.file, {
            lead_id: deal.leadId,
            from_stage_id: null,
            to_stage_id: stageId,
            changed_at: kind === "open" ? createdAt : closedAt,
          });
          return;
        }
        let previous: string | null = null;
        const chain: string[] = [];
        for (const event of entered) {
          const to = ex.stageId(deal.pipeline, event.stage);
          chain.push(to);
          ex.tables.add("stage_events", source.file, {
            lead_id: deal.leadId,
            from_stage_id: previous === null ? null : ex.stageId(deal.pipeline, previous),
            to_stage_id: to,
            changed_at: event.at,
          });
          previous = event.stage;
        }
        if (kind !== "open" && previous !== deal.stage) {
          // Closed without a Date entered for the closed stage: close the chain at closed_at,
          // or at its last entry when Close Date is earlier (a closed deal never ends its
          // history in an open stage, which would make it look stalled).
          const last = entered[entered.length - 1]?.at ?? "";
          ex.tables.add("stage_events", source.file, {
            lead_id: deal.leadId,
            from_stage_id: previous === null ? null : ex.stageId(deal.pipeline, previous),
            to_stage_id: stageId,
            changed_at: closedAt >= last ? closedAt : last,
          });
        }
        chains.push({ deal: row.get("Record ID"), stages: chain });
      });
    }

    ex.addPipelinesAndStages(false);
    const position = new Map(ex.tables.rowsOf("stages").map((s) => [String(s.id), Number(s.position)]));
    const backward = chains
      .filter(({ stages }) =>
        stages.some((id, i) => i > 0 && (position.get(id) ?? 0) < (position.get(stages[i - 1] ?? "") ?? 0)),
      )
      .map(({ deal }) => deal);

    const lacks: DataCapability[] = ["activities"];
    if (historyPipelines.size === 0) lacks.push("stage_history");
    if (!sources.some((s) => s.has("Closed Lost Reason"))) lacks.push("loss_reasons");
    if (!sources.some((s) => firstColumn(s, SOURCE_COLUMNS) !== null)) lacks.push("lead_sources");

    const note = (text: string) => ex.tables.note(text);
    note("Times are read as UTC: the export does not say its time zone (HubSpot writes the account's).");
    if (historyPipelines.size === 0) {
      note(
        'The export has no Date entered "<stage> (<pipeline>)" columns, so there is no stage history: add them to the exported view for days in stage and stage conversion.',
      );
    } else {
      const plain = [...new Set(deals.map((d) => d.pipeline))].filter((p) => !historyPipelines.has(p));
      if (plain.length > 0) {
        note(
          `No Date entered columns for the pipeline(s) ${plain.join(", ")}: their stages come from the deals and their deals have one stage event each.`,
        );
      }
    }
    if (backward.length > 0) {
      note(
        `${backward.length} deal(s) move back to an earlier stage in their Date entered times (${backward.join(", ")}): HubSpot keeps one entry time per stage, so an earlier visit to a re-entered stage is not in the export and the history shows a skip before the move back.`,
      );
    }
    if (withoutHistory.length > 0 && historyPipelines.size > 0) {
      note(
        `${withoutHistory.length} deal(s) have no Date entered value (${withoutHistory.join(", ")}); each has one stage event, at Create Date (closed ones at their close).`,
      );
    }
    const unmapped = channels.note("Original Source Type");
    if (unmapped) note(unmapped);
    return ex.prepare(lacks);
  },
};

function kindOfLabel(label: string): StageKind {
  const text = label.trim().toLowerCase();
  if (text === "closed won") return "won";
  if (text === "closed lost") return "lost";
  return "open";
}

function isQualifying(pipeline: string, stage: string): boolean {
  return pipeline.trim().toLowerCase() === "sales pipeline" && stage.trim().toLowerCase() === "qualified to buy";
}

function sourceChannel(label: string, unmapped: UnmappedLabels): SourceChannel | null {
  if (label === "") return null;
  const key = label.toLowerCase().replace(/_/g, " ").trim();
  const channel = SOURCE_TYPES[key] ?? (key === "referral" ? "referral" : undefined);
  if (channel) return channel;
  unmapped.add(label);
  return "other";
}
