/**
 * What the HubSpot, Pipedrive and Nutshell importers share: each reads one CSV of deals (or
 * several files of one export) that names owners, pipelines and stages by their labels
 * only, and turns it into canonical reps, pipelines, stages, leads and stage events
 * (docs/import-formats.md).
 *
 * - Reps: the exports name owners, never user ids, so a rep is `<source>:owner:<name>` with
 *   the name as external_id (the same name in a later export is the same rep).
 * - Pipelines `<source>:pipeline:<name>`, stages `<source>:<pipeline name>:<stage name>`.
 * - Stage order: exports that only name stages (Pipedrive, Nutshell) take it from
 *   `--stages "A,B,C"`; without it, stages are ordered as first met in the file and a note
 *   says so (a guess the user should confirm). HubSpot's stages come from its `Date entered`
 *   headers in header order, and `--stages` reorders them. One list serves every pipeline
 *   (a pipeline's stages are ordered by their place in it), or `Pipeline A: s1, s2;
 *   Pipeline B: t1, t2` gives each pipeline its own (an extension of the docs' single list:
 *   HubSpot pipelines share labels such as Closed Won at different places).
 * - Money: the currency column when the export has one, else `--currency`; converted with
 *   `--rates` (rates.ts). Without either a currency, an amount is an error asking for
 *   `--currency` (reported once, not per row).
 * - Problems: with `collectProblems` (dry run) an ImportError in a row is recorded and the
 *   row left out, so one run lists every bad row; otherwise the first one stops the import
 *   before anything is written.
 */

import type { SourceChannel } from "../../model/canonical.js";
import { DATA_CAPABILITIES, type DataCapability, NOT_IN_CRM_EXPORTS } from "../../model/capabilities.js";
import { ImportError } from "../import-error.js";
import type { FormatOptions, PreparedImport } from "../importer.js";
import { type CanonicalRow, CanonicalTables } from "./canonical-tables.js";
import { Problems } from "./problems.js";
import { money, type Rates, readRates } from "./rates.js";
import type { SourceFile, SourceRow } from "./source-file.js";
import { parseAmount } from "./values.js";

export type StageKind = "open" | "won" | "lost";

/** Where a value was first read: for messages about stages and duplicates. */
export type Origin = { file: string; line: number; column: string };

type StageEntry = { name: string; kind: StageKind; qualifying: boolean; origin: Origin };
type PipelineEntry = { name: string; stages: Map<string, StageEntry>; origin: Origin };

const stageKey = (name: string) => name.trim().toLowerCase();

/** The canonical rows of one deal export being converted, and the problems found. */
export class DealExport {
  readonly tables = new CanonicalTables();
  readonly problems: Problems;
  private readonly reps = new Map<string, string>();
  private readonly pipelines = new Map<string, PipelineEntry>();
  private readonly leadLines = new Map<string, Origin>();
  private rates: Rates | null = null;
  private reportedCurrency = false;
  /** Stages written as the qualifying one (none: the import lacks qualification). */
  private qualifyingStages = 0;

  constructor(
    readonly source: string,
    readonly options: FormatOptions,
  ) {
    this.problems = new Problems(options.collectProblems === true);
  }

  /** Reads the rates file when `--rates` was given (its own errors stop the import). */
  async loadRates(): Promise<void> {
    if (this.options.rates) this.rates = await readRates(this.options.rates);
  }

  /**
   * Runs one row's conversion. A bad row throws an ImportError, or with collectProblems is
   * recorded and left out (undefined).
   */
  row<T>(convert: () => T): T | undefined {
    return this.problems.row(convert);
  }

  /** Records a problem found outside a row (or throws it when not collecting). */
  problem(error: ImportError): void {
    this.problems.add(error);
  }

  /** The rep of an owner name (added on first use), or null for no owner. */
  rep(name: string, file: string): string | null {
    if (name === "") return null;
    let id = this.reps.get(name);
    if (!id) {
      id = `${this.source}:owner:${name}`;
      this.reps.set(name, id);
      this.tables.add("reps", file, { id, external_id: name, name, active: true });
    }
    return id;
  }

  /** Registers a lead id, failing on a duplicate (naming where the first one is). */
  claimLead(externalId: string, at: Origin): string {
    const id = `${this.source}:${externalId}`;
    const first = this.leadLines.get(id);
    if (first) {
      const where = first.file === at.file ? `line ${first.line}` : `${first.file} line ${first.line}`;
      throw new ImportError(
        at.file,
        at.line,
        at.column,
        `${JSON.stringify(externalId)} appears twice (first on ${where})`,
      );
    }
    this.leadLines.set(id, at);
    return id;
  }

  pipelineId(name: string): string {
    return `${this.source}:pipeline:${name}`;
  }

  /** Adds a pipeline (once) and returns its id. */
  pipeline(name: string, origin: Origin): string {
    if (!this.pipelines.has(name)) this.pipelines.set(name, { name, stages: new Map(), origin });
    return this.pipelineId(name);
  }

  /** Adds a stage of a pipeline (once; the first spelling wins) and returns its canonical name. */
  stage(pipeline: string, name: string, origin: Origin, kind: StageKind = "open", qualifying = false): string {
    this.pipeline(pipeline, origin);
    const entry = this.pipelines.get(pipeline) as PipelineEntry;
    const key = stageKey(name);
    const known = entry.stages.get(key);
    if (known) return known.name;
    entry.stages.set(key, { name, kind, qualifying, origin });
    return name;
  }

  /** A known stage of a pipeline (matched ignoring case), or null. */
  findStage(pipeline: string, name: string): { name: string; kind: StageKind } | null {
    return this.pipelines.get(pipeline)?.stages.get(stageKey(name)) ?? null;
  }

  /** The stages of a pipeline in the order they were added. */
  stagesOf(pipeline: string): { name: string; kind: StageKind }[] {
    return [...(this.pipelines.get(pipeline)?.stages.values() ?? [])];
  }

  /** Changes the kind a stage was added with (HubSpot's `Is Closed Won` columns). */
  setKind(pipeline: string, name: string, kind: StageKind): void {
    const stage = this.pipelines.get(pipeline)?.stages.get(stageKey(name));
    if (stage) stage.kind = kind;
  }

  stageId(pipeline: string, stage: string): string {
    return `${this.source}:${pipeline}:${stage}`;
  }

  /**
   * The value and currency of an amount cell. `currencyColumn` is the export's currency
   * column (null when it has none); `--currency` fills in for a missing or empty one.
   */
  money(
    source: SourceFile,
    row: SourceRow,
    amountColumn: string,
    currencyColumn: string | null,
  ): { value: string; currency: string } {
    const amount = parseAmount(source, row.line, amountColumn, row.get(amountColumn));
    if (amount === null) return { value: "", currency: "" };
    const at = (column: string) => ({ file: source.file, line: row.line, column: source.column(column) ?? column });
    if (amount < 0) {
      throw new ImportError(
        source.file,
        row.line,
        at(amountColumn).column,
        `${amount} is negative; a deal value is 0 or more`,
      );
    }
    const cell = currencyColumn ? row.get(currencyColumn) : "";
    const currency = cell !== "" ? cell : (this.options.currency ?? "");
    if (currency === "") {
      const where = currencyColumn ? at(currencyColumn) : at(amountColumn);
      const error = new ImportError(
        where.file,
        where.line,
        where.column,
        currencyColumn
          ? "the amount has no currency; give --currency EUR (your account's currency) for amounts without one"
          : "the export has no currency column; give the account's currency with --currency (e.g. --currency EUR)",
      );
      // One sentence is enough: every amount lacks it for the same reason.
      if (this.options.collectProblems) {
        if (!this.reportedCurrency) this.problems.add(error);
        this.reportedCurrency = true;
        return { value: "", currency: "" };
      }
      throw error;
    }
    return money(amount, currency, this.rates, cell !== "" && currencyColumn ? at(currencyColumn) : at(amountColumn));
  }

  /**
   * Orders every pipeline's stages and adds the pipeline and stage rows. `extendFromList`:
   * stages named only by `--stages` are created too (exports that name stages only through
   * their deals: a stage without a deal today is still a stage of the pipeline); otherwise a
   * listed name that is no stage of the export is an error (HubSpot, whose stages are all in
   * its header). A stage of the export missing from the list that applies to its pipeline
   * is an error: its position would be a guess.
   */
  addPipelinesAndStages(extendFromList: boolean, known?: { name: string; order: readonly string[] }): void {
    const pipelines = [...this.pipelines.values()];
    const lists = parseStageLists(
      this.options.stages,
      pipelines.map((p) => p.name),
    );
    const listFor = (pipeline: string) => lists?.byPipeline.get(stageKey(pipeline)) ?? lists?.all ?? null;
    const allStages = () => [...new Set(pipelines.flatMap((p) => [...p.stages.values()].map((s) => s.name)))];
    const unknownNames = new Set<string>();
    const unordered: string[] = [];
    const defaulted: string[] = [];
    for (const pipeline of pipelines) {
      const list = listFor(pipeline.name);
      const ownList = lists?.byPipeline.has(stageKey(pipeline.name)) ?? false;
      if (list) {
        for (const name of list) {
          if (pipeline.stages.has(stageKey(name))) continue;
          // A shared list may name other pipelines' stages; one pipeline's own list may not.
          const elsewhere = !ownList && pipelines.some((p) => p.stages.has(stageKey(name)));
          if (elsewhere) continue;
          if (extendFromList && (ownList || pipelines.length === 1)) {
            pipeline.stages.set(stageKey(name), { name, kind: "open", qualifying: false, origin: pipeline.origin });
          } else {
            unknownNames.add(name);
          }
        }
      }
    }
    if (unknownNames.size > 0) {
      const names = [...unknownNames];
      this.problem(
        new ImportError(
          "--stages",
          null,
          null,
          `${names.map((n) => JSON.stringify(n)).join(", ")} ${names.length === 1 ? "is" : "are"} no stage of the export (its stages: ${allStages().join(", ")})`,
        ),
      );
    }
    // --qualifying-stage replaces the format's default (HubSpot's Qualified To Buy) in every pipeline.
    const named = this.options.qualifyingStage ?? null;
    if (named !== null && !pipelines.some((p) => p.stages.has(stageKey(named)))) {
      this.problem(
        new ImportError(
          "--qualifying-stage",
          null,
          null,
          `${JSON.stringify(named)} is no stage of the export (its stages: ${allStages().join(", ")})`,
        ),
      );
    }
    for (const pipeline of pipelines) {
      const pipelineId = this.pipelineId(pipeline.name);
      this.tables.add("pipelines", pipeline.origin.file, { id: pipelineId, name: pipeline.name });
      let stages = [...pipeline.stages.values()];
      const list = listFor(pipeline.name);
      if (list) {
        const rank = new Map(list.map((name, i) => [stageKey(name), i]));
        for (const stage of stages.filter((s) => !rank.has(stageKey(s.name)))) {
          this.problem(
            new ImportError(
              stage.origin.file,
              stage.origin.line,
              stage.origin.column,
              `the stage ${JSON.stringify(stage.name)} of ${JSON.stringify(pipeline.name)} is missing from --stages; list every stage in pipeline order (several pipelines: --stages "Pipeline A: s1, s2; Pipeline B: t1, t2")`,
            ),
          );
        }
        stages = stages
          .filter((s) => rank.has(stageKey(s.name)))
          .sort((a, b) => (rank.get(stageKey(a.name)) ?? 0) - (rank.get(stageKey(b.name)) ?? 0));
      } else if (known && stages.every((st) => known.order.some((k) => stageKey(k) === stageKey(st.name)))) {
        // Every stage is one of the CRM's default pipeline: that order, not the order met.
        const rank = new Map(known.order.map((name, i) => [stageKey(name), i]));
        stages.sort((a, b) => (rank.get(stageKey(a.name)) ?? 0) - (rank.get(stageKey(b.name)) ?? 0));
        defaulted.push(pipeline.name);
      } else if (extendFromList) {
        unordered.push(`${pipeline.name}: ${stages.map((s) => s.name).join(", ")}`);
      }
      // HubSpot without a list: header order is the order (an assumption the docs state).
      for (const [position, stage] of stages.entries()) {
        const qualifying = named === null ? stage.qualifying : stageKey(stage.name) === stageKey(named);
        if (qualifying) this.qualifyingStages += 1;
        this.tables.add("stages", stage.origin.file, {
          id: this.stageId(pipeline.name, stage.name),
          pipeline_id: pipelineId,
          name: stage.name,
          position,
          is_qualifying: qualifying,
          kind: stage.kind,
        });
      }
    }
    if (defaulted.length > 0 && known) {
      this.tables.note(
        `The export does not say in which order the stages come; ${defaulted.join(", ")} has only ${known.name}'s default stages, so they are in that order (${known.order.join(", ")}). If yours differ, import again with --stages.`,
      );
    }
    if (unordered.length > 0) {
      this.tables.note(
        `The export does not say in which order the stages come, so they are ordered as first met in the file (${unordered.join("; ")}). If that is not the pipeline's order, import again with --stages "First,Second,..." (several pipelines: --stages "Pipeline A: s1, s2; Pipeline B: t1, t2").`,
      );
    }
  }

  /** Adds a lead row after checking what the loader would otherwise blame on the converted file. */
  addLead(file: string, row: CanonicalRow & { created_at: string; closed_at: string }, closedAt: Origin | null): void {
    if (closedAt && row.closed_at !== "" && row.closed_at < row.created_at) {
      throw new ImportError(
        closedAt.file,
        closedAt.line,
        closedAt.column,
        `${row.closed_at} (UTC) is before the deal was created (${row.created_at})`,
      );
    }
    this.tables.add("leads", file, row);
  }

  /**
   * Writes the canonical files. `lacks` is completed with what no deal export has, and with
   * qualification when no stage is the qualifying one: deal exports carry no qualification
   * time, so nothing would tell a qualified lead from the rest (the metrics would call every
   * loss "never qualified"); they report those figures unsupported instead.
   */
  async prepare(lacks: readonly DataCapability[]): Promise<PreparedImport> {
    const all = new Set([...lacks, ...NOT_IN_CRM_EXPORTS]);
    if (this.qualifyingStages === 0) all.add("qualification");
    const prepared = await this.tables.prepare(
      this.source,
      DATA_CAPABILITIES.filter((c) => all.has(c)),
    );
    this.problems.attach(prepared);
    return prepared;
  }
}

export type StageLists = { all: string[] | null; byPipeline: Map<string, string[]> };

/**
 * `--stages`: `A, B, C` (one order for every pipeline: each pipeline's stages are ordered by
 * their place in it), or groups `Pipeline A: s1, s2; Pipeline B: t1, t2` for exports whose
 * pipelines share stage names in different orders. A group's prefix counts as a pipeline
 * only when it names one of `pipelines` (a stage name may contain a colon). Null when not
 * given; a name listed twice in one group is an error.
 */
export function parseStageLists(option: string | undefined, pipelines: readonly string[]): StageLists | null {
  if (option === undefined || option.trim() === "") return null;
  const known = new Map(pipelines.map((p) => [stageKey(p), p]));
  const lists: StageLists = { all: null, byPipeline: new Map() };
  for (const group of option.split(";")) {
    if (group.trim() === "") continue;
    const colon = group.indexOf(":");
    const prefix = colon < 0 ? null : (known.get(stageKey(group.slice(0, colon))) ?? null);
    const names = (prefix === null ? group : group.slice(colon + 1))
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "");
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(stageKey(name))) {
        throw new ImportError("--stages", null, null, `${JSON.stringify(name)} is listed twice in one list`);
      }
      seen.add(stageKey(name));
    }
    if (prefix === null) {
      if (lists.all) throw new ImportError("--stages", null, null, "only one list may apply to every pipeline");
      lists.all = names;
    } else {
      if (lists.byPipeline.has(stageKey(prefix))) {
        throw new ImportError("--stages", null, null, `${JSON.stringify(prefix)} has two lists`);
      }
      lists.byPipeline.set(stageKey(prefix), names);
    }
  }
  return lists;
}

/** The first of `columns` the file has (its own spelling), or null. */
export function firstColumn(source: SourceFile, columns: readonly string[]): string | null {
  for (const column of columns) {
    const own = source.column(column);
    if (own) return own;
  }
  return null;
}

/** The first of `columns` the file has; an ImportError on the header naming all of them when none. */
export function requireColumn(source: SourceFile, columns: readonly string[], hint = ""): string {
  const found = firstColumn(source, columns);
  if (found) return found;
  throw new ImportError(
    source.file,
    1,
    columns[0] ?? null,
    `the column is missing from the header (${columns.length > 1 ? `also accepted: ${columns.slice(1).join(", ")}` : "required"})${hint}`,
  );
}

/**
 * A free-text lead source by keyword (Nutshell's Sources, custom source fields): null for
 * an empty cell, `other` when no keyword matches. The order matters: "Email newsletter" is
 * a newsletter, "Webinar" an event, "LinkedIn Ads" paid, before "web" or "linkedin" match.
 */
export function channelByKeyword(label: string): SourceChannel | null {
  const text = label.trim().toLowerCase();
  if (text === "") return null;
  const rules: [RegExp, SourceChannel][] = [
    [/\b(ads?|adwords|ppc|cpc|paid|sponsored)\b/, "paid"],
    [/linkedin/, "social:linkedin"],
    [/facebook/, "social:facebook"],
    [/instagram/, "social:instagram"],
    [/youtube/, "social:youtube"],
    [/twitter|\bx\.com\b/, "social:twitter"],
    [/referr|partner|word of mouth/, "referral"],
    [/trade ?show|event|webinar|conference|seminar|expo\b|fair\b/, "event"],
    [/newsletter|e-?mail|mailing/, "newsletter"],
    [/outbound|cold (call|email)|purchased list|prospecting/, "outbound"],
    [/\bweb|website|organic|seo\b|inbound|search|direct/, "website"],
    [/social/, "social:other"],
  ];
  for (const [pattern, channel] of rules) if (pattern.test(text)) return channel;
  return "other";
}

/** Counts of labels mapped to `other`, for one note naming them. */
export class UnmappedLabels {
  private readonly counts = new Map<string, number>();

  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }

  /** A note sentence, or null when every label was mapped. */
  note(what: string, channel = "other"): string | null {
    if (this.counts.size === 0) return null;
    const list = [...this.counts].map(([label, n]) => `${JSON.stringify(label)} (${n})`).join(", ");
    return `${what} values with no known channel were imported as ${channel}: ${list}.`;
  }
}

/** A yes/no cell: true for true/yes/1, false otherwise. */
export function isYes(cell: string): boolean {
  return /^(true|yes|1|ja|oui|si|sí)$/i.test(cell.trim());
}
