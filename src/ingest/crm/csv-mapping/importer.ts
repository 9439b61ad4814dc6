/**
 * Any other CSV (`verity import FILES --format csv --mapping FILE`): a mapping file
 * (mapping-file.ts, user reference docs/csv-mapping.md) says which source column or constant
 * fills which canonical field and through which transforms. What it builds follows the common
 * rules of docs/import-formats.md; the choices are written where they are made: files.ts
 * (which file each section reads), join.ts (a section's file joined to others on a key),
 * pipelines.ts (pipelines, stages and their kinds), transforms.ts (the value transforms),
 * converter.ts (leads, stage events, activities), subscribers.ts (newsletter subscribers) and
 * rejects.ts (--skip-invalid). A mapping holds leads (with pipelines), newsletter_subscribers,
 * or both.
 *
 * `lacks`, with leads: stage_history without a `stage_events` section, activities without an
 * `activities` section, loss_reasons without `loss_reason`, lead_sources without
 * `source_channel`, qualification without `qualified_at` or a qualifying stage; always
 * web_visits, social, and newsletter unless the mapping reads subscribers. Without leads:
 * nothing (a subscribers file claims no CRM capability).
 *
 * Problems (an unreadable file, a mapped column the header lacks, a required field left
 * empty, a value a transform rejects, an unknown pipeline, stage, lead or currency, a
 * duplicate id) are ImportErrors naming the file, physical line and column. Normally the
 * first one stops the import before anything is written; with `collectProblems` (the
 * CLI's dry run) every problem is collected — the first 200 listed, the rest counted in a
 * note — and the rows that did convert are written for the preview (src/ingest/crm/preview.ts).
 * With `skipInvalid` (and not a dry run) a row's problems refuse that row into the rejects
 * file instead, and the import stops only when more than the allowed share is refused.
 */
import type { DataCapability } from "../../../model/capabilities.js";
import { ImportError } from "../../import-error.js";
import type { FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { CanonicalTables } from "../canonical-tables.js";
import { Problems } from "../problems.js";
import { type Rates, readRates } from "../rates.js";
import { Converter } from "./converter.js";
import { chooseFiles, givenFiles, openSection, type SectionKey } from "./files.js";
import type { SectionSource } from "./join.js";
import { type CsvMapping, type LeadField, readMapping, type Section } from "./mapping-file.js";
import { buildPipelines } from "./pipelines.js";
import { Rejects } from "./rejects.js";

export const CSV_FORMAT = "csv";

export const csvMappingImporter: Importer = {
  format: CSV_FORMAT,
  description: "any other CSV export, read through a mapping file (--mapping FILE; docs/csv-mapping.md)",
  prepare,
  skipsInvalid: true,
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

  // --skip-invalid refuses bad rows into the rejects file; a dry run lists them as problems.
  const rejects = options.skipInvalid && !problems.collecting ? new Rejects(options.skipInvalid) : null;
  const converter = new Converter(mapping, options, rates, tables, problems, pipelines, rejects);
  /** Opens a section's files, joined; a joined file's duplicate key is a row problem like any other. */
  const open = async (key: SectionKey, section: Section<string>): Promise<SectionSource | null> => {
    const sectionFiles = chosen[key];
    if (!sectionFiles) return null;
    const source = await openSection(sectionFiles, section, mapping, problems, {
      problem: (error, record) => {
        if (rejects) rejects.refuse({ file: error.file, line: error.line ?? 0 }, [error], () => record);
        else problems.add(error);
      },
      skip: (reason, count) => tables.skip(reason, count),
      note: (text) => tables.note(text),
    });
    for (const file of source?.files ?? []) rejects?.read(file.rows.length);
    return source;
  };
  if (mapping.leads) {
    const leadsSource = await open("leads", mapping.leads);
    if (leadsSource) converter.leads(leadsSource, mapping.leads);
    else converter.leadsFailed = true;

    if (mapping.stageEvents) {
      const source = await open("stage_events", mapping.stageEvents);
      if (source) converter.stageEvents(source, mapping.stageEvents);
    } else {
      converter.currentStageEvents(converter.leadsInOrder(), "no stage history");
    }
    if (mapping.activities) {
      const source = await open("activities", mapping.activities);
      if (source) converter.activities(source, mapping.activities);
    }
  }
  if (mapping.newsletterSubscribers) {
    const source = await open("newsletter_subscribers", mapping.newsletterSubscribers);
    if (source) converter.subscribers(source, mapping.newsletterSubscribers);
  }

  const lacks = mapping.leads ? leadLacks(mapping, mapping.leads) : [];
  if (rejects) {
    // Written before anything loads; over the allowed share it throws and nothing loads.
    let refused: Awaited<ReturnType<Rejects["finish"]>>;
    try {
      refused = await rejects.finish();
    } catch (error) {
      tables.discard();
      throw error;
    }
    for (const { reason, count } of refused.skipped) tables.skip(reason, count);
    for (const note of refused.notes) tables.note(note);
  }
  return finish(tables, mapping.sourceSystem, lacks, problems);
}

/**
 * What an import with leads cannot give. Only a leads section claims anything: a mapping of
 * subscribers alone lacks nothing (the metrics' capabilities come from the latest import that
 * brought a source's leads, and the newsletter's from its own table).
 */
function leadLacks(mapping: CsvMapping, leads: Section<LeadField>): DataCapability[] {
  const mapped = leads.columns;
  const lacks: DataCapability[] = [];
  if (!mapping.stageEvents) lacks.push("stage_history");
  if (!mapping.activities) lacks.push("activities");
  lacks.push("web_visits", "web_totals", "social");
  if (!mapping.newsletterSubscribers) lacks.push("newsletter");
  if (!mapped.loss_reason) lacks.push("loss_reasons");
  if (!mapped.source_channel) lacks.push("lead_sources");
  // Nothing tells a qualified lead from the rest without a qualifying stage or a qualification
  // time: the metrics report those figures unsupported, as for the deal exports.
  const qualifying = mapping.pipelines.some((p) => p.qualifying !== null && p.qualifying !== "");
  if (!mapped.qualified_at && !qualifying) lacks.push("qualification");
  return lacks;
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
