/**
 * The rows of a mapped CSV import: leads, their stage events and activities (and newsletter
 * subscribers, subscribers.ts), each field read through its transforms (row-reader.ts), every
 * problem recorded once per row.
 *
 * - Leads: `<source_system>:<id>` (external_id the bare id), where source_system is the
 *   mapping's. Reps from names (owner, the mover of a stage, an activity's rep):
 *   `<source_system>:owner:<name>`, as the Pipedrive/HubSpot importers name reps known only
 *   by name.
 * - Stage events: per lead sorted by time (then line), chained (first from null), a row
 *   repeating the lead's stage is skipped and counted (an amount or date change, as in
 *   Salesforce's history). A lead without history rows, and every lead when the mapping has
 *   no `stage_events`, gets one event into its current stage at `stage_entered_at` or else
 *   `created_at` — the Pipedrive and Nutshell importers' rule, so the derived facts know the
 *   stage was reached.
 * - closed_at of an open lead is dropped with a note: generic exports' "closing date" is the
 *   expected close date for open deals (Zoho's, for one). A won/lost/cancelled lead without
 *   one is a problem.
 * - Money: `value` with `currency` (or --currency) goes through money(): converted with
 *   --rates, a currency without a rate is a problem, never mixed.
 * - Times without an offset are UTC; timestamp fields without a `date` transform use the
 *   shared rules (ISO, dd.mm.yyyy, slashed dates whose order the values or --date-format
 *   prove).
 */
import { basename } from "node:path";
import { ACTIVITY_TYPES, LEAD_STATUSES, SOURCE_CHANNELS } from "../../../model/canonical.js";
import { ImportError } from "../../import-error.js";
import type { FormatOptions } from "../../importer.js";
import type { CanonicalRow, CanonicalTables } from "../canonical-tables.js";
import type { Problems } from "../problems.js";
import { money, type Rates } from "../rates.js";
import type { SourceRow } from "../source-file.js";
import { type DateOrder, dateOrderOf, parseAmount } from "../values.js";
import type { SectionSource } from "./join.js";
import type {
  ActivityField,
  CsvMapping,
  FieldSpec,
  LeadField,
  Section,
  StageEventField,
  SubscriberField,
} from "./mapping-file.js";
import { findByName, type PipelineInfo, type StageInfo } from "./pipelines.js";
import { concealAddresses, type Rejects } from "./rejects.js";
import { rowReader } from "./row-reader.js";
import { convertSubscribers } from "./subscribers.js";

export type LeadInfo = {
  id: string;
  line: number;
  pipeline: PipelineInfo;
  stage: StageInfo | null;
  createdAt: string;
  stageEnteredAt: string;
};

export class Converter {
  leadsFailed = false;
  /** The leads file's name, for messages about rows naming an unknown lead. */
  leadsFile = "the leads file";
  private readonly leadById = new Map<string, LeadInfo>();
  /**
   * Leads whose row had a problem, with its line: their stage events and activities are not
   * reported again (or, with --skip-invalid, are refused for it).
   */
  private readonly failedLeads = new Map<string, number>();
  private readonly reps = new Set<string>();
  private readonly system: string;

  constructor(
    private readonly mapping: CsvMapping,
    private readonly options: FormatOptions,
    private readonly rates: Rates | null,
    private readonly tables: CanonicalTables,
    private readonly problems: Problems,
    private readonly pipelines: PipelineInfo[],
    /** With --skip-invalid: where rows with a problem go instead of stopping the import. */
    private readonly rejects: Rejects | null = null,
  ) {
    this.system = mapping.sourceSystem;
  }

  leadsInOrder(): LeadInfo[] {
    return [...this.leadById.values()];
  }

  /** The rep of a name (created on first sight). */
  private rep(name: string, from: string): string | null {
    if (name === "") return null;
    const id = `${this.system}:owner:${name}`;
    if (!this.reps.has(id)) {
      this.reps.add(id);
      this.tables.add("reps", from, { id, external_id: name, name });
    }
    return id;
  }

  /**
   * Records a row's problems (each at the file and line of its cell: a joined column's in the
   * joined file), or refuses the row with --skip-invalid; true when there were none.
   * `conceal`: the rejects file's copy of the record shows no cell that may be an address.
   */
  settle(rowProblems: ImportError[], source: SectionSource, row: SourceRow, conceal = false): boolean {
    if (rowProblems.length === 0) return true;
    const located = rowProblems.map((p) => source.relocate(p));
    if (this.rejects) {
      this.rejects.refuse({ file: source.file, line: row.line }, located, (p) => {
        const record = p.line === null ? null : source.recordAt(p.file, p.line);
        const delimiter = source.files.find((f) => f.file === p.file)?.delimiter ?? source.delimiter;
        return conceal && record !== null ? concealAddresses(record, delimiter) : record;
      });
    } else {
      for (const p of located) this.problems.add(p);
    }
    return false;
  }

  /**
   * A row naming a lead whose own row was refused: refused too with --skip-invalid (so it is
   * counted and listed, not silently lost); otherwise its lead's problem was reported already.
   */
  private refuseForLead(source: SectionSource, row: SourceRow, column: string, externalId: string): void {
    const line = this.failedLeads.get(`${this.system}:${externalId}`);
    if (!this.rejects || line === undefined) return;
    const problem = new ImportError(
      source.file,
      row.line,
      source.column(column) ?? column,
      `its lead ${externalId} (${this.leadsFile} line ${line}) was refused`,
    );
    this.rejects.refuse({ file: source.file, line: row.line }, [problem], () => source.recordAt(source.file, row.line));
  }

  /** The file's slashed-date order over the timestamp fields the mapping leaves to the shared rules. */
  orderOf<F extends string>(source: SectionSource, section: Section<F>, fields: readonly F[]): DateOrder | null {
    const columns = fields
      .map((f) => section.columns[f])
      .filter((s): s is FieldSpec => s !== undefined && !s.transforms.some((t) => t.kind === "date"))
      .flatMap((s) => s.columns);
    try {
      return dateOrderOf(source, columns, this.options.dateFormat);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      this.problems.add(source.relocate(error));
      return null;
    }
  }

  leads(source: SectionSource, section: Section<LeadField>): void {
    const order = this.orderOf(source, section, ["created_at", "qualified_at", "closed_at", "stage_entered_at"]);
    const from = basename(source.file);
    this.leadsFile = from;
    const firstLine = new Map<string, number>();
    let openClosedAt = 0;
    for (const row of source.rows) {
      const r = rowReader<LeadField>(source, section, row, order);
      const externalId = r.uniqueId("id", firstLine);
      const id = `${this.system}:${externalId}`;

      let pipeline: PipelineInfo | undefined;
      if (section.columns.pipeline_id) {
        const name = r.required("pipeline_id", "the pipeline");
        pipeline = name === "" ? undefined : findByName(this.pipelines, name);
        if (name !== "" && !pipeline) {
          r.rowProblems.push(
            r.problem(
              "pipeline_id",
              `unknown pipeline ${JSON.stringify(name)}: the mapping lists ${this.pipelines.map((p) => p.name).join(", ")}`,
            ),
          );
        }
      } else {
        pipeline = this.pipelines[0];
      }
      const stageName = r.text("stage_id");
      let stage: StageInfo | null = null;
      if (pipeline && stageName !== "") {
        stage = findByName(pipeline.stages, stageName) ?? null;
        if (!stage) {
          r.rowProblems.push(
            r.problem(
              "stage_id",
              `unknown stage ${JSON.stringify(stageName)} of pipeline ${pipeline.name} (stages: ${pipeline.stages.map((s) => s.name).join(", ") || "none listed"})`,
            ),
          );
        }
      }
      const status = r.oneOf("status", r.required("status", "the status"), LEAD_STATUSES, "a lead status");
      const createdAt = r.timestamp("created_at", r.required("created_at", "the creation time"));
      const qualifiedAt = r.timestamp("qualified_at", r.text("qualified_at"));
      let closedAt = r.timestamp("closed_at", r.text("closed_at"));
      const stageEnteredAt = r.timestamp("stage_entered_at", r.text("stage_entered_at"));
      if (status === "open" && closedAt !== "") {
        closedAt = "";
        openClosedAt += 1;
      }
      if (
        status !== "" &&
        status !== "open" &&
        closedAt === "" &&
        !r.rowProblems.some((p) => p.column === r.columnOf("closed_at"))
      ) {
        r.rowProblems.push(
          r.problem(
            "closed_at",
            `a ${status} lead needs the time it closed${section.columns.closed_at ? "" : ": map closed_at"}`,
          ),
        );
      }
      if (createdAt !== "" && closedAt !== "" && closedAt < createdAt) {
        r.rowProblems.push(r.problem("closed_at", `closed ${closedAt} before it was created (${createdAt})`));
      }
      if (createdAt !== "" && qualifiedAt !== "" && qualifiedAt < createdAt) {
        r.rowProblems.push(r.problem("qualified_at", `qualified ${qualifiedAt} before it was created (${createdAt})`));
      }
      const amountText = r.text("value");
      const amount =
        amountText === ""
          ? null
          : r.attempt(() => parseAmount(source, row.line, r.columnOf("value"), amountText), null);
      if (amount !== null && amount < 0) r.rowProblems.push(r.problem("value", `the value ${amountText} is negative`));
      const currencyText = r.text("currency") || this.options.currency || "";
      let value = { value: "", currency: "" };
      if (amount !== null && amount >= 0) {
        if (currencyText === "") {
          r.rowProblems.push(
            r.problem(
              "value",
              "the value has no currency: map currency (a column or { value: EUR }) or give --currency",
            ),
          );
        } else {
          const column = section.columns.currency ? r.columnOf("currency") : r.columnOf("value");
          value = r.attempt(
            () => money(amount, currencyText, this.rates, { file: source.file, line: row.line, column }),
            value,
          );
        }
      }
      const channel = r.oneOf("source_channel", r.text("source_channel"), SOURCE_CHANNELS, "a source channel");
      const owner = r.text("owner_id");
      const fields = {
        name: r.text("name"),
        account: r.text("account"),
        contact: r.text("contact"),
        loss_reason: r.text("loss_reason"),
        competitor: r.text("competitor"),
        utm_source: r.text("utm_source"),
        utm_medium: r.text("utm_medium"),
        utm_campaign: r.text("utm_campaign"),
        utm_content: r.text("utm_content"),
        utm_term: r.text("utm_term"),
      };
      if (!this.settle(r.rowProblems, source, row) || !pipeline) {
        if (externalId !== "" && !this.failedLeads.has(id)) this.failedLeads.set(id, row.line);
        continue;
      }
      this.tables.add("leads", from, {
        id,
        external_id: externalId,
        name: fields.name,
        account: fields.account,
        contact: fields.contact,
        owner_id: this.rep(owner, from),
        pipeline_id: pipeline.id,
        stage_id: stage?.id ?? null,
        status,
        created_at: createdAt,
        qualified_at: qualifiedAt,
        closed_at: closedAt,
        value: value.value,
        currency: value.currency,
        loss_reason: fields.loss_reason,
        competitor: fields.competitor,
        source_channel: channel,
        utm_source: fields.utm_source,
        utm_medium: fields.utm_medium,
        utm_campaign: fields.utm_campaign,
        utm_content: fields.utm_content,
        utm_term: fields.utm_term,
      });
      this.leadById.set(externalId, {
        id,
        line: row.line,
        pipeline,
        stage,
        createdAt,
        stageEnteredAt: stageEnteredAt || createdAt,
      });
    }
    if (openClosedAt > 0) {
      this.tables.note(
        `${openClosedAt} open lead${openClosedAt === 1 ? " has" : "s have"} a ${section.columns.closed_at?.column ?? "closed_at"} (an expected close date): ignored, an open lead has not closed`,
      );
    }
  }

  /** One event per lead into its current stage (when there is no history to read). */
  currentStageEvents(leads: readonly LeadInfo[], why: string): void {
    let count = 0;
    for (const lead of leads) {
      if (!lead.stage) continue;
      this.tables.add("stage_events", this.mapping.file, {
        lead_id: lead.id,
        from_stage_id: null,
        to_stage_id: lead.stage.id,
        changed_at: lead.stageEnteredAt,
        rep_id: null,
      });
      count += 1;
    }
    if (count > 0) {
      const at = this.mapping.leads?.columns.stage_entered_at ? "stage_entered_at (else created_at)" : "created_at";
      this.tables.note(`${count} leads with ${why}: one stage event each, into the current stage at ${at}`);
    }
  }

  /** Looks up a lead a row of another file names; reports it unless it is unknown because its own row failed. */
  private leadOf(externalId: string, id: string, onUnknown: () => void): LeadInfo | null | "failed" {
    const lead = this.leadById.get(externalId);
    if (lead) return lead;
    if (this.leadsFailed || this.failedLeads.has(id)) return "failed";
    onUnknown();
    return null;
  }

  stageEvents(source: SectionSource, section: Section<StageEventField>): void {
    const order = this.orderOf(source, section, ["changed_at"]);
    const from = basename(source.file);
    const leadsFile = this.leadsFile;
    type Event = { lead: LeadInfo; stage: StageInfo; at: string; rep: string; line: number };
    const byLead = new Map<string, Event[]>();
    for (const row of source.rows) {
      const r = rowReader<StageEventField>(source, section, row, order);
      const externalId = r.required("lead_id", "the lead id");
      const stageName = r.required("to_stage_id", "the stage");
      const at = r.timestamp("changed_at", r.required("changed_at", "the time of the change"));
      const rep = r.text("rep_id");
      let lead: LeadInfo | null | "failed" = null;
      if (externalId !== "") {
        lead = this.leadOf(externalId, `${this.system}:${externalId}`, () =>
          r.rowProblems.push(r.problem("lead_id", `no lead ${JSON.stringify(externalId)} in ${leadsFile}`)),
        );
      }
      let stage: StageInfo | undefined;
      if (lead && lead !== "failed" && stageName !== "") {
        stage = findByName(lead.pipeline.stages, stageName);
        if (!stage) {
          r.rowProblems.push(
            r.problem(
              "to_stage_id",
              `unknown stage ${JSON.stringify(stageName)} of pipeline ${lead.pipeline.name} (stages: ${lead.pipeline.stages.map((s) => s.name).join(", ")})`,
            ),
          );
        }
      }
      if (!this.settle(r.rowProblems, source, row)) continue;
      if (lead === "failed") this.refuseForLead(source, row, r.columnOf("lead_id"), externalId);
      if (!lead || lead === "failed" || !stage) continue;
      const list = byLead.get(lead.id) ?? [];
      list.push({ lead, stage, at, rep, line: row.line });
      byLead.set(lead.id, list);
    }
    let repeats = 0;
    for (const events of byLead.values()) {
      events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.line - b.line));
      let current: StageInfo | null = null;
      for (const e of events) {
        if (current?.id === e.stage.id) {
          repeats += 1;
          continue;
        }
        this.tables.add("stage_events", from, {
          lead_id: e.lead.id,
          from_stage_id: current?.id ?? null,
          to_stage_id: e.stage.id,
          changed_at: e.at,
          rep_id: this.rep(e.rep, from),
        });
        current = e.stage;
      }
    }
    if (repeats > 0)
      this.tables.skip("stage history rows that repeat the lead's stage (a change of amount or date)", repeats);
    this.currentStageEvents(
      this.leadsInOrder().filter((l) => !byLead.has(l.id)),
      `no rows in ${from}`,
    );
  }

  /** The newsletter_subscribers section (subscribers.ts). */
  subscribers(source: SectionSource, section: Section<SubscriberField>): void {
    convertSubscribers(source, section, {
      sourceSystem: this.system,
      tables: this.tables,
      orderOf: (s, sec, fields) => this.orderOf(s, sec, fields),
      settle: (problems, s, row, conceal) => this.settle(problems, s, row, conceal),
    });
  }

  activities(source: SectionSource, section: Section<ActivityField>): void {
    const order = this.orderOf(source, section, ["occurred_at"]);
    const from = basename(source.file);
    const leadsFile = this.leadsFile;
    const firstLine = new Map<string, number>();
    for (const row of source.rows) {
      const r = rowReader<ActivityField>(source, section, row, order);
      const externalId = r.uniqueId("id", firstLine);
      const leadExternal = r.text("lead_id");
      let lead: LeadInfo | null | "failed" = null;
      if (leadExternal !== "") {
        lead = this.leadOf(leadExternal, `${this.system}:${leadExternal}`, () =>
          r.rowProblems.push(r.problem("lead_id", `no lead ${JSON.stringify(leadExternal)} in ${leadsFile}`)),
        );
      }
      const type = r.oneOf("type", r.required("type", "the activity type"), ACTIVITY_TYPES, "an activity type");
      const occurredAt = r.timestamp("occurred_at", r.required("occurred_at", "the time"));
      const durationText = r.text("duration_seconds");
      const duration =
        durationText === ""
          ? null
          : r.attempt(() => parseAmount(source, row.line, r.columnOf("duration_seconds"), durationText), null);
      if (duration !== null && duration < 0) {
        r.rowProblems.push(r.problem("duration_seconds", `the duration ${durationText} is negative`));
      }
      const rep = r.text("rep_id");
      const fields = { contact: r.text("contact"), outcome: r.text("outcome"), note: r.text("note") };
      if (!this.settle(r.rowProblems, source, row)) continue;
      if (lead === "failed") {
        this.refuseForLead(source, row, r.columnOf("lead_id"), leadExternal);
        continue;
      }
      const activity: CanonicalRow = {
        id: `${this.system}:${externalId}`,
        external_id: externalId,
        lead_id: lead?.id ?? null,
        contact: fields.contact,
        rep_id: this.rep(rep, from),
        type,
        occurred_at: occurredAt,
        duration_seconds: duration === null ? null : Math.round(duration),
        outcome: fields.outcome,
        note: fields.note,
      };
      this.tables.add("activities", from, activity);
    }
  }
}
