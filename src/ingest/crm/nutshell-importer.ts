/**
 * Nutshell leads export, in an ASSUMED layout: no documented export column list was found
 * (docs/import-formats.md, "Nutshell leads export"). The assumption, after Nutshell's UI and
 * import field names: `Lead ID, Lead name, Status, Outcome, Pipeline, Stage, Value,
 * Currency, Confidence, Assignee, Company, Person, Sources, Tags, Created, Closed, ...`,
 * US dates. Columns are matched ignoring case and spaces, with the aliases the docs list
 * (`Name`, `Owner`, `Account`, `Contact`, `Source`, `Created date`, `Closed date`,
 * `Milestone` for Stage); a file that still lacks a required column is an error pointing to
 * the generic CSV import with a mapping file. Format detection never picks Nutshell: it must
 * be named with `--format nutshell`.
 *
 * - Leads `nutshell:<Lead ID>`; default names (`Lead-1001`) are kept; account = Company,
 *   contact = Person, owner = Assignee by name (`nutshell:owner:<name>`).
 * - Status Open/Won/Lost/Cancelled -> open/won/lost/cancelled (Nutshell is the one format
 *   with a native cancelled). Outcome (the reason chosen when a lead is lost or cancelled)
 *   -> loss_reason for lost and cancelled leads; an outcome on an open or won lead is not a
 *   loss reason and is left out.
 * - created_at = Created, closed_at = Closed (required for won, lost, cancelled; ignored on
 *   open leads, with a note, since an open lead has no close). Slashed dates need a proven
 *   order (values.ts dateOrderOf over Created, Closed and Estimated close date), else the
 *   import asks for `--date-format`.
 * - Pipeline and Stage by name; order from `--stages` (default as first met, with a note);
 *   every stage is kind open (won/lost/cancelled are statuses). Without a Pipeline column
 *   every lead is in one pipeline `Sales`.
 * - One stage event per lead (-> current stage) at Created: not a history, so the import
 *   lacks stage_history; and activities.
 * - Sources are free labels, mapped by keyword (deal-export.ts channelByKeyword); several
 *   comma-separated labels: the first one counts (Nutshell does not say which came first,
 *   and the first is the one listed first). Unmatched labels -> other, with a note.
 */
import type { LeadStatus } from "../../model/canonical.js";
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

export const NUTSHELL_SOURCE = "nutshell";

const COLUMNS = {
  id: ["Lead ID", "ID", "Lead id"],
  name: ["Lead name", "Name", "Lead"],
  status: ["Status"],
  outcome: ["Outcome"],
  pipeline: ["Pipeline"],
  stage: ["Stage", "Milestone"],
  value: ["Value", "Amount"],
  currency: ["Currency"],
  owner: ["Assignee", "Owner"],
  account: ["Company", "Account"],
  contact: ["Person", "Contact"],
  sources: ["Sources", "Source"],
  created: ["Created", "Created date", "Date created"],
  closed: ["Closed", "Closed date", "Date closed"],
  estimated: ["Estimated close date"],
} as const;

const MAPPING_HINT =
  "; the Nutshell layout Verity reads is an assumption (docs/import-formats.md): if your export differs, import it as a generic CSV with a mapping file (--format csv --mapping FILE)";

const STATUSES: Record<string, LeadStatus> = {
  open: "open",
  won: "won",
  lost: "lost",
  cancelled: "cancelled",
  canceled: "cancelled",
};

export const nutshellImporter: Importer = {
  format: "nutshell",
  description:
    "Nutshell leads export (assumed layout: Lead ID, Status, Stage, Assignee, Outcome, Created, Closed, ...)",
  async prepare(paths, options): Promise<PreparedImport> {
    if (paths.length === 0) throw new ImportError("", null, null, "give the Nutshell leads export file");
    const ex = new DealExport(NUTSHELL_SOURCE, options);
    await ex.loadRates();
    const sources: SourceFile[] = [];
    for (const path of paths) sources.push(await readSourceFile(path));

    const channels = new UnmappedLabels();
    let openWithClose = 0;
    let outcomesLeftOut = 0;
    let hasOutcome = false;
    let hasSources = false;
    for (const source of sources) {
      const column = (names: readonly string[]) => firstColumn(source, names);
      const idColumn = requireColumn(source, COLUMNS.id, MAPPING_HINT);
      const statusColumn = requireColumn(source, COLUMNS.status, MAPPING_HINT);
      const stageColumn = requireColumn(source, COLUMNS.stage, MAPPING_HINT);
      const createdColumn = requireColumn(source, COLUMNS.created, MAPPING_HINT);
      const closedColumn = column(COLUMNS.closed);
      const outcomeColumn = column(COLUMNS.outcome);
      const sourcesColumn = column(COLUMNS.sources);
      const valueColumn = column(COLUMNS.value);
      if (outcomeColumn) hasOutcome = true;
      if (sourcesColumn) hasSources = true;
      const dateColumns = [createdColumn, closedColumn, column(COLUMNS.estimated)].filter(
        (c): c is string => c !== null,
      );
      const order = ex.row(() => dateOrderOf(source, dateColumns, options.dateFormat)) ?? null;

      for (const row of source.rows) {
        ex.row(() => {
          const at = (name: string): Origin => ({ file: source.file, line: row.line, column: name });
          const cell = (names: readonly string[]) => {
            const name = column(names);
            return name ? row.get(name) : "";
          };
          const required = (name: string) => {
            const value = row.get(name);
            if (value === "") throw new ImportError(source.file, row.line, name, "a value is required");
            return value;
          };
          const externalId = required(idColumn);
          const leadId = ex.claimLead(externalId, at(idColumn));
          const statusCell = required(statusColumn);
          const status = STATUSES[statusCell.toLowerCase()];
          if (!status) {
            throw new ImportError(
              source.file,
              row.line,
              statusColumn,
              `${JSON.stringify(statusCell)} is not a lead status (Open, Won, Lost or Cancelled)`,
            );
          }
          const createdAt = parseTimestamp(source, row.line, createdColumn, row.get(createdColumn), order);
          if (createdAt === "") {
            throw new ImportError(
              source.file,
              row.line,
              createdColumn,
              "a value is required (when the lead was created)",
            );
          }
          const closedCell = closedColumn ? row.get(closedColumn) : "";
          let closedAt = closedColumn ? parseTimestamp(source, row.line, closedColumn, closedCell, order) : "";
          if (status === "open" && closedAt !== "") {
            openWithClose += 1;
            closedAt = "";
          }
          if (status !== "open" && closedAt === "") {
            throw new ImportError(
              source.file,
              row.line,
              closedColumn ?? COLUMNS.closed[0],
              `the lead is ${status} but has no close date`,
            );
          }
          const pipelineCell = cell(COLUMNS.pipeline);
          const pipeline = pipelineCell === "" ? "Sales" : pipelineCell;
          ex.pipeline(pipeline, at(column(COLUMNS.pipeline) ?? "Pipeline"));
          const stage = ex.stage(pipeline, required(stageColumn), at(stageColumn));
          const stageId = ex.stageId(pipeline, stage);
          const amount = valueColumn
            ? ex.money(source, row, valueColumn, column(COLUMNS.currency))
            : { value: "", currency: "" };
          const outcome = cell(COLUMNS.outcome);
          const closedBadly = status === "lost" || status === "cancelled";
          if (outcome !== "" && !closedBadly) outcomesLeftOut += 1;
          const label = cell(COLUMNS.sources).split(",")[0]?.trim() ?? "";
          const channel = channelByKeyword(label);
          if (channel === "other") channels.add(label);
          ex.addLead(
            source.file,
            {
              id: leadId,
              external_id: externalId,
              name: cell(COLUMNS.name),
              account: cell(COLUMNS.account),
              contact: cell(COLUMNS.contact),
              owner_id: ex.rep(cell(COLUMNS.owner), source.file),
              pipeline_id: ex.pipelineId(pipeline),
              stage_id: stageId,
              status,
              created_at: createdAt,
              closed_at: closedAt,
              value: amount.value,
              currency: amount.currency,
              loss_reason: closedBadly ? outcome : "",
              source_channel: channel,
            },
            closedColumn ? at(closedColumn) : null,
          );
          ex.tables.add("stage_events", source.file, {
            lead_id: leadId,
            from_stage_id: null,
            to_stage_id: stageId,
            changed_at: createdAt,
          });
        });
      }
    }

    ex.addPipelinesAndStages(true);
    const note = (text: string) => ex.tables.note(text);
    note(
      "The Nutshell export layout is an assumption (no documented column list): check the imported leads, and use a mapping file (--format csv) if columns were misread.",
    );
    note(
      "The export holds each lead's current stage only: one stage event per lead (at Created), so days in stage are reported as missing data; the funnel counts a lead as having passed every stage before its current one.",
    );
    if (openWithClose > 0)
      note(`${openWithClose} open lead(s) have a Closed date; it is ignored (an open lead has no close).`);
    if (outcomesLeftOut > 0) {
      note(
        `${outcomesLeftOut} open or won lead(s) have an Outcome; only lost and cancelled leads' outcomes are loss reasons.`,
      );
    }
    const unmapped = channels.note("Sources");
    if (unmapped) note(unmapped);
    const lacks: DataCapability[] = ["stage_history", "activities"];
    if (!hasOutcome) lacks.push("loss_reasons");
    if (!hasSources) lacks.push("lead_sources");
    return ex.prepare(lacks);
  },
};
