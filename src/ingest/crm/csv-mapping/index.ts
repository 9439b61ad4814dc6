/**
 * Any other CSV (`verity import FILES --format csv --mapping FILE`): a mapping file
 * (src/ingest/crm/csv-mapping.ts, user reference docs/csv-mapping.md) says which source
 * column or constant fills which canonical field and through which transforms.
 *
 * What it builds, following the common rules of docs/import-formats.md:
 * - Leads from the `leads` section: `<source_system>:<id>` (external_id the bare id), where
 *   source_system is the mapping's. Reps from names (owner, the mover of a stage, an
 *   activity's rep): `<source_system>:owner:<name>`, as the Pipedrive/HubSpot importers name
 *   reps known only by name. Pipelines `<source_system>:pipeline:<name>` and stages
 *   `<source_system>:<pipeline>:<stage>` from the mapping's `pipelines` (every listed
 *   pipeline and stage is created, in the listed order; --stages gives the order of a
 *   pipeline that lists none).
 * - Stage kinds: the pipeline's `won`/`lost` lists; else, when `status` reads the same
 *   column as `stage_id` (exports whose stage says the outcome, like Zoho's "Closed Won"),
 *   the status transforms applied to the stage's name; else open.
 * - Stage events from the `stage_events` section: per lead sorted by time (then line),
 *   chained (first from null), a row repeating the lead's stage is skipped and counted (an
 *   amount or date change, as in Salesforce's history). A lead without history rows, and
 *   every lead when the mapping has no `stage_events` (then `lacks` stage_history), gets one
 *   event into its current stage at `stage_entered_at` or else `created_at` — the Pipedrive
 *   and Nutshell importers' rule, so the derived facts know the stage was reached.
 * - closed_at of an open lead is dropped with a note: generic exports' "closing date" is
 *   the expected close date for open deals (Zoho's, for one). A won/lost/cancelled lead
 *   without one is a problem.
 * - Money: `value` with `currency` (or --currency) goes through money(): converted with
 *   --rates, a currency without a rate is a problem, never mixed.
 * - Times without an offset are UTC; timestamp fields without a `date` transform use the
 *   shared rules (ISO, dd.mm.yyyy, slashed dates whose order the values or --date-format
 *   prove).
 * - `lacks`: stage_history without a `stage_events` section, activities without an
 *   `activities` section, loss_reasons without `loss_reason`, lead_sources without
 *   `source_channel`; always web_visits, social, newsletter (no CRM export carries them).
 *
 * Problems (an unreadable file, a mapped column the header lacks, a required field left
 * empty, a value a transform rejects, an unknown pipeline, stage, lead or currency, a
 * duplicate id) are ImportErrors naming the file, physical line and column. Normally the
 * first one stops the import before anything is written; with `collectProblems` (the
 * CLI's dry run) every problem is collected — the first 200 listed, the rest counted in a
 * note — and the rows that did convert are written for the preview (src/ingest/crm/preview.ts).
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { ACTIVITY_TYPES, LEAD_STATUSES, SOURCE_CHANNELS } from "../../../model/canonical.js";
import type { DataCapability } from "../../../model/capabilities.js";
import { ImportError } from "../../import-error.js";
import type { FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { type CanonicalRow, CanonicalTables } from "../canonical-tables.js";
import {
  type ActivityField,
  type CsvMapping,
  type FieldSpec,
  type LeadField,
  type PipelineSpec,
  readDatePattern,
  readMapping,
  type Section,
  type StageEventField,
  type Transform,
} from "./mapping-file.js";
import { Problems } from "../problems.js";
import { money, type Rates, readRates } from "../rates.js";
import { readSourceFile, type SourceFile, type SourceRow } from "../source-file.js";
import { amountDigits, type DateOrder, dateOrderOf, parseAmount, parseTimestamp } from "../values.js";

export const CSV_FORMAT = "csv";

/** Problems listed in a dry run; the rest are counted. */

export const csvMappingImporter: Importer = {
  format: CSV_FORMAT,
  description: "any other CSV export, read through a mapping file (--mapping FILE; docs/csv-mapping.md)",
  prepare,
};

type StageInfo = { id: string; name: string; position: number };
type PipelineInfo = { id: string; name: string; stages: StageInfo[] };
type LeadInfo = {
  id: string;
  line: number;
  pipeline: PipelineInfo;
  stage: StageInfo | null;
  createdAt: string;
  stageEnteredAt: string;
};

async function prepare(paths: readonly string[], options: FormatOptions): Promise<PreparedImport> {
  const problems = new Problems(options.collectProblems === true);
  const tables = new CanonicalTables();
  if (!options.mapping) {
    throw new ImportError(
      paths.join(", "),
      null,
      null,
      "the csv format needs a mapping file: --mapping FILE (YAML or JSON; see docs/csv-mapping.md)",
    );
  }
  const read = await readMapping(options.mapping);
  for (const problem of read.problems) problems.add(problem);
  const mapping = read.mapping;
  if (!mapping) return finish(tables, CSV_FORMAT, [], problems);

  let rates: Rates | null = null;
  if (options.rates) {
    try {
      rates = await readRates(options.rates);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      problems.add(error);
    }
  }
  const files = await givenFiles(paths, problems);
  const chosen = chooseFiles(mapping, files, problems);
  const pipelines = buildPipelines(mapping, options, tables, problems);

  const converter = new Converter(mapping, options, rates, tables, problems, pipelines);
  const leadsSource = chosen.leads ? await openSection(chosen.leads, mapping.leads, mapping, problems) : null;
  if (leadsSource) converter.leads(leadsSource);
  else converter.leadsFailed = true;

  if (mapping.stageEvents) {
    const source = chosen.stage_events
      ? await openSection(chosen.stage_events, mapping.stageEvents, mapping, problems)
      : null;
    if (source) converter.stageEvents(source, mapping.stageEvents);
  } else {
    converter.currentStageEvents(converter.leadsInOrder(), "no stage history");
  }
  if (mapping.activities) {
    const source = chosen.activities
      ? await openSection(chosen.activities, mapping.activities, mapping, problems)
      : null;
    if (source) converter.activities(source, mapping.activities);
  }

  const mapped = mapping.leads.columns;
  const lacks: DataCapability[] = [];
  if (!mapping.stageEvents) lacks.push("stage_history");
  if (!mapping.activities) lacks.push("activities");
  lacks.push("web_visits", "social", "newsletter");
  if (!mapped.loss_reason) lacks.push("loss_reasons");
  if (!mapped.source_channel) lacks.push("lead_sources");
  // Nothing tells a qualified lead from the rest without a qualifying stage or a qualification
  // time: the metrics report those figures unsupported, as for the deal exports.
  const qualifying = mapping.pipelines.some((p) => p.qualifying !== null && p.qualifying !== "");
  if (!mapped.qualified_at && !qualifying) {
    lacks.push("qualification");
  }
  return finish(tables, mapping.sourceSystem, lacks, problems);
}

async function finish(
  tables: CanonicalTables,
  sourceSystem: string,
  lacks: DataCapability[],
  problems: Problems,
): Promise<PreparedImport> {
  const prepared = await tables.prepare(sourceSystem, lacks);
  problems.attach(prepared);
  return prepared;
}

// ---------------------------------------------------------------------------------------
// Files

/** The files the user named, directories expanded to their CSV/TSV/TXT files. */
async function givenFiles(paths: readonly string[], problems: Problems): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) {
      problems.add(new ImportError(path, null, null, "no such file or directory"));
    } else if (info.isDirectory()) {
      for (const name of (await readdir(path)).sort()) {
        if (/\.(csv|tsv|txt)$/i.test(name)) files.push(join(path, name));
      }
    } else {
      files.push(path);
    }
  }
  return files;
}

type SectionKey = "leads" | "stage_events" | "activities";

/** Which given file each section reads (its `file` pattern, or the only file given). */
function chooseFiles(
  mapping: CsvMapping,
  files: readonly string[],
  problems: Problems,
): Partial<Record<SectionKey, string>> {
  const sections: [SectionKey, Section<string> | null][] = [
    ["leads", mapping.leads],
    ["stage_events", mapping.stageEvents],
    ["activities", mapping.activities],
  ];
  const chosen: Partial<Record<SectionKey, string>> = {};
  const used = new Set<string>();
  for (const [key, section] of sections) {
    if (!section) continue;
    let matches: string[];
    if (section.file === null) {
      if (files.length === 1) matches = [...files];
      else {
        problems.add(
          new ImportError(
            mapping.file,
            null,
            `${key}.file`,
            `${files.length} files were given: say which one ${key} reads with file: <name> (given: ${files.map((f) => basename(f)).join(", ") || "none"})`,
          ),
        );
        continue;
      }
    } else {
      const pattern = wildcard(section.file);
      matches = files.filter((f) => pattern.test(basename(f)) || resolve(f) === resolve(section.file ?? ""));
    }
    if (matches.length !== 1) {
      problems.add(
        new ImportError(
          mapping.file,
          null,
          `${key}.file`,
          matches.length === 0
            ? `no file given matches ${JSON.stringify(section.file)} (given: ${files.map((f) => basename(f)).join(", ") || "none"})`
            : `${matches.length} files match ${JSON.stringify(section.file)} (${matches.map((f) => basename(f)).join(", ")}); name one`,
        ),
      );
      continue;
    }
    const [file] = matches as [string];
    chosen[key] = file;
    used.add(file);
  }
  for (const file of files) {
    if (!used.has(file)) {
      problems.add(
        new ImportError(
          file,
          null,
          null,
          `no section of the mapping ${mapping.file} reads this file (see each section's file:)`,
        ),
      );
    }
  }
  return chosen;
}

/** A `file:` value as a regular expression over file names (`*` any text, case-insensitive). */
function wildcard(pattern: string): RegExp {
  const name = basename(pattern);
  return new RegExp(
    `^${name
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
}

/** Reads a section's file and checks that every mapped column is in its header. */
async function openSection(
  file: string,
  section: Section<string>,
  mapping: CsvMapping,
  problems: Problems,
): Promise<SourceFile | null> {
  let source: SourceFile;
  try {
    source = await readSourceFile(file);
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    problems.add(error);
    return null;
  }
  let complete = true;
  for (const spec of Object.values(section.columns) as FieldSpec[]) {
    for (const column of spec.columns) {
      if (source.has(column)) continue;
      complete = false;
      problems.add(
        new ImportError(
          file,
          1,
          column,
          `the header has no such column, which ${mapping.file} maps to ${spec.path} (the header: ${source.header.join(", ")})`,
        ),
      );
    }
  }
  return complete ? source : null;
}

// ---------------------------------------------------------------------------------------
// Pipelines and stages

function buildPipelines(
  mapping: CsvMapping,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): PipelineInfo[] {
  const system = mapping.sourceSystem;
  const fromOption = options.stages
    ?.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const status = mapping.leads.columns.status;
  const stage = mapping.leads.columns.stage_id;
  // The outcome is written in the stage's name when status is read from the stage column.
  const statusFromStage =
    status?.column != null && stage?.column != null && status.column.toLowerCase() === stage.column.toLowerCase();
  const result: PipelineInfo[] = [];
  for (const p of mapping.pipelines) {
    const names = p.stages ?? (fromOption && fromOption.length > 0 ? fromOption : null);
    if (names === null && stage) {
      problems.add(
        new ImportError(
          mapping.file,
          null,
          `${p.path}.stages`,
          `list the stages of pipeline ${p.name} in order (stages: [...]), or give --stages`,
        ),
      );
    }
    const pipeline: PipelineInfo = { id: `${system}:pipeline:${p.name}`, name: p.name, stages: [] };
    tables.add("pipelines", mapping.file, { id: pipeline.id, name: p.name });
    for (const [position, name] of (names ?? []).entries()) {
      const info = { id: `${system}:${p.name}:${name}`, name, position };
      pipeline.stages.push(info);
      tables.add("stages", mapping.file, {
        id: info.id,
        pipeline_id: pipeline.id,
        name,
        position,
        is_qualifying: p.qualifying !== null && p.qualifying.toLowerCase() === name.toLowerCase(),
        kind: kindOf(p, name, statusFromStage ? (status?.transforms ?? []) : null, mapping.file, problems),
      });
    }
    result.push(pipeline);
  }
  return result;
}

function kindOf(
  p: PipelineSpec,
  stage: string,
  statusTransforms: readonly Transform[] | null,
  mappingFile: string,
  problems: Problems,
): "open" | "won" | "lost" {
  const named = (list: string[] | null) => list?.some((s) => s.toLowerCase() === stage.toLowerCase()) ?? false;
  if (p.won || p.lost) return named(p.won) ? "won" : named(p.lost) ? "lost" : "open";
  if (!statusTransforms) return "open";
  try {
    const status = applyTransforms(stage, statusTransforms, null).toLowerCase();
    return status === "won" || status === "lost" ? status : "open";
  } catch (error) {
    // A stage the status mapping cannot read would silently load as open: say so instead.
    if (!(error instanceof ImportError)) throw error;
    problems.add(
      new ImportError(
        mappingFile,
        null,
        `${p.path}.stages`,
        `the status mapping cannot tell whether stage ${JSON.stringify(stage)} is won, lost or open (${error.reason}); list it in won: or lost:, or add it to the status map`,
      ),
    );
    return "open";
  }
}

function findByName<T extends { name: string }>(list: readonly T[], name: string): T | undefined {
  return list.find((x) => x.name === name) ?? list.find((x) => x.name.toLowerCase() === name.toLowerCase());
}

// ---------------------------------------------------------------------------------------
// Transforms

type Where = { source: SourceFile; line: number; column: string; order: DateOrder | null };

/**
 * Applies a field's transforms to a cell. An empty value passes through every transform
 * but `map` (which may map "" itself; its default is only for values it does not list).
 * `where` is null when no file is involved (stage kinds), where a date cannot be read.
 */
export function applyTransforms(value: string, transforms: readonly Transform[], where: Where | null): string {
  const fail = (reason: string): ImportError =>
    where
      ? new ImportError(where.source.file, where.line, where.source.column(where.column) ?? where.column, reason)
      : new ImportError("", null, null, reason);
  let v = value;
  for (const t of transforms) {
    if (t.kind === "map") {
      const hit = t.map.get(v);
      if (hit !== undefined) v = hit;
      else if (v === "") continue;
      else if (t.default !== null) v = t.default;
      else {
        throw fail(
          `${JSON.stringify(v)} is not a value the mapping's map lists (${[...t.map.keys()].map((k) => JSON.stringify(k)).join(", ")}); add it or a default`,
        );
      }
      continue;
    }
    if (v === "") continue;
    switch (t.kind) {
      case "trim":
        v = v.trim();
        break;
      case "lower":
        v = v.toLowerCase();
        break;
      case "upper":
        v = v.toUpperCase();
        break;
      case "prefix":
        v = `${t.prefix}${v}`;
        break;
      case "split":
        v = (v.split(t.separator)[t.index] ?? "").trim();
        break;
      case "number":
        v = String(readNumber(v, t.decimal, where, fail));
        break;
      case "multiply": {
        const n = Number(v);
        if (!Number.isFinite(n))
          throw fail(`${JSON.stringify(v)} is not a number to multiply (add number before multiply)`);
        v = String(Math.round(n * t.factor * 1e6) / 1e6);
        break;
      }
      case "date":
        v = readDate(v, t.format, where, fail);
        break;
    }
  }
  return v;
}

function readDate(
  value: string,
  format: Extract<Transform, { kind: "date" }>["format"],
  where: Where | null,
  fail: (reason: string) => ImportError,
): string {
  if (typeof format === "object") {
    const read = readDatePattern(value, format);
    if ("error" in read) throw fail(read.error);
    return read.ok;
  }
  if (!where) throw fail("a date cannot be read here");
  if (format === "iso" && !/^\d{4}-\d{1,2}-\d{1,2}/.test(value)) {
    throw fail(`${JSON.stringify(value)} is not an ISO date (such as 2025-03-31 or 2025-03-31T14:05:00+02:00)`);
  }
  return parseTimestamp(where.source, where.line, where.column, value, format === "iso" ? null : format);
}

/** A number with a known decimal separator; the other one may group thousands (in threes). */
function readNumber(
  value: string,
  decimal: "," | "." | null,
  where: Where | null,
  fail: (reason: string) => ImportError,
): number {
  const bad = () =>
    fail(
      `${JSON.stringify(value)} is not a number${decimal ? ` with the decimal ${decimal === "," ? "comma" : "point"} the mapping names` : ""}`,
    );
  if (decimal === null) {
    // The shared reading (decimal comma or point told apart by the digits after it).
    if (!where) throw bad();
    const n = parseAmount(where.source, where.line, where.column, value);
    if (n === null) throw bad();
    return n;
  }
  // The same reading of signs, currency codes and spaces as every amount (values.ts).
  const { text, negative } = amountDigits(value);
  const group = decimal === "," ? "." : ",";
  const d = decimal === "," ? "," : "\\.";
  const g = group === "." ? "\\." : ",";
  if (!new RegExp(`^(\\d{1,3}(${g}\\d{3})+|\\d+)(${d}\\d+)?$`).test(text)) throw bad();
  const n = Number(text.split(group).join("").replace(decimal, "."));
  if (!Number.isFinite(n)) throw bad();
  return negative ? -n : n;
}

// ---------------------------------------------------------------------------------------
// Rows

class Converter {
  leadsFailed = false;
  /** The leads file's name, for messages about rows naming an unknown lead. */
  leadsFile = "the leads file";
  private readonly leadById = new Map<string, LeadInfo>();
  /** Leads whose row had a problem (their stage events and activities are not reported again). */
  private readonly failedLeads = new Set<string>();
  private readonly reps = new Set<string>();
  private readonly system: string;

  constructor(
    private readonly mapping: CsvMapping,
    private readonly options: FormatOptions,
    private readonly rates: Rates | null,
    private readonly tables: CanonicalTables,
    private readonly problems: Problems,
    private readonly pipelines: PipelineInfo[],
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

  /** A row reader: field values after transforms, each problem recorded once per row. */
  private reader<F extends string>(source: SourceFile, section: Section<F>, row: SourceRow, order: DateOrder | null) {
    const rowProblems: ImportError[] = [];
    const attempt = <T>(fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch (error) {
        if (!(error instanceof ImportError)) throw error;
        rowProblems.push(error);
        return fallback;
      }
    };
    // The header each field's value came from in this row (a field may list several).
    const readFrom = new Map<F, string>();
    const columnOf = (field: F) => {
      const spec = section.columns[field];
      const read = readFrom.get(field);
      if (read !== undefined) return read;
      return spec?.column
        ? (source.column(spec.column) ?? spec.column)
        : (spec?.path ?? `${section.path}.columns.${field}`);
    };
    const problem = (field: F, reason: string) => new ImportError(source.file, row.line, columnOf(field), reason);
    const text = (field: F): string => {
      const spec = section.columns[field];
      if (!spec) return "";
      // The first listed column with a value (or the first column, empty), else the constant.
      const read = spec.columns.find((c) => row.get(c) !== "") ?? spec.column;
      const raw = read !== null ? row.get(read) : (spec.constant ?? "");
      const column = read !== null ? (source.column(read) ?? read) : columnOf(field);
      if (read !== null) readFrom.set(field, column);
      const where: Where = { source, line: row.line, column, order };
      return attempt(() => applyTransforms(raw, spec.transforms, where), "");
    };
    const required = (field: F, what: string): string => {
      const value = text(field);
      if (value === "" && !rowProblems.some((p) => p.column === columnOf(field))) {
        rowProblems.push(problem(field, `${what} is empty (the mapping's ${section.path}.columns.${field})`));
      }
      return value;
    };
    const timestamp = (field: F, value: string): string =>
      value === "" ? "" : attempt(() => parseTimestamp(source, row.line, columnOf(field), value, order), "");
    const oneOf = (field: F, value: string, allowed: readonly string[], what: string): string => {
      if (value === "" || allowed.includes(value)) return value;
      rowProblems.push(
        problem(
          field,
          `${JSON.stringify(value)} is not ${what} (${allowed.join(", ")}); map the export's values with a map transform`,
        ),
      );
      return "";
    };
    return { rowProblems, attempt, problem, text, required, timestamp, oneOf, columnOf };
  }

  /** Records a row's problems; true when there were none. */
  private settle(rowProblems: ImportError[]): boolean {
    for (const p of rowProblems) this.problems.add(p);
    return rowProblems.length === 0;
  }

  /** The file's slashed-date order over the timestamp fields the mapping leaves to the shared rules. */
  private orderOf<F extends string>(source: SourceFile, section: Section<F>, fields: readonly F[]): DateOrder | null {
    const columns = fields
      .map((f) => section.columns[f])
      .filter((s): s is FieldSpec => s !== undefined && !s.transforms.some((t) => t.kind === "date"))
      .flatMap((s) => s.columns);
    try {
      return dateOrderOf(source, columns, this.options.dateFormat);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      this.problems.add(error);
      return null;
    }
  }

  leads(source: SourceFile): void {
    const section = this.mapping.leads;
    const order = this.orderOf(source, section, ["created_at", "qualified_at", "closed_at", "stage_entered_at"]);
    const from = basename(source.file);
    this.leadsFile = from;
    const firstLine = new Map<string, number>();
    let openClosedAt = 0;
    for (const row of source.rows) {
      const r = this.reader<LeadField>(source, section, row, order);
      const externalId = r.required("id", "the id");
      const seen = firstLine.get(externalId);
      if (externalId !== "" && seen !== undefined) {
        r.rowProblems.push(r.problem("id", `duplicate id ${externalId}: first on line ${seen}`));
      } else if (externalId !== "") {
        firstLine.set(externalId, row.line);
      }
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
      if (!this.settle(r.rowProblems) || !pipeline) {
        if (externalId !== "") this.failedLeads.add(id);
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
      const at = this.mapping.leads.columns.stage_entered_at ? "stage_entered_at (else created_at)" : "created_at";
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

  stageEvents(source: SourceFile, section: Section<StageEventField>): void {
    const order = this.orderOf(source, section, ["changed_at"]);
    const from = basename(source.file);
    const leadsFile = this.leadsFile;
    type Event = { lead: LeadInfo; stage: StageInfo; at: string; rep: string; line: number };
    const byLead = new Map<string, Event[]>();
    for (const row of source.rows) {
      const r = this.reader<StageEventField>(source, section, row, order);
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
      if (!this.settle(r.rowProblems) || !lead || lead === "failed" || !stage) continue;
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

  activities(source: SourceFile, section: Section<ActivityField>): void {
    const order = this.orderOf(source, section, ["occurred_at"]);
    const from = basename(source.file);
    const leadsFile = this.leadsFile;
    const firstLine = new Map<string, number>();
    for (const row of source.rows) {
      const r = this.reader<ActivityField>(source, section, row, order);
      const externalId = r.required("id", "the id");
      const seen = firstLine.get(externalId);
      if (externalId !== "" && seen !== undefined) {
        r.rowProblems.push(r.problem("id", `duplicate id ${externalId}: first on line ${seen}`));
      } else if (externalId !== "") {
        firstLine.set(externalId, row.line);
      }
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
      if (!this.settle(r.rowProblems) || lead === "failed") continue;
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
