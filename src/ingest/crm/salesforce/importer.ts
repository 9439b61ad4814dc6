/**
 * The Salesforce weekly Data Export (Setup > Data Export), as users download it: one CSV per
 * object. Mapping as docs/import-formats.md ("Salesforce weekly Data Export") describes it;
 * the choices that document leaves open, and the few places this importer goes further, are
 * written in the module of each topic:
 *
 * - export-files.ts: which files are read (a directory, the CSVs, or the export's .zip);
 * - ids.ts: the ids given to leads, reps, activities, the pipeline and its stages;
 * - opportunities.ts: Opportunity.csv (status, closed_at, money, loss reasons);
 * - stage-history.ts: OpportunityHistory.csv, completed so a lead's last event is its stage;
 * - stages.ts: stage order, kinds and the qualifying stage;
 * - leads.ts: the leads, with source channels and campaigns, accounts and converted Leads;
 * - activities.ts: Task.csv and Event.csv;
 * - users.ts: the reps (User.csv);
 * - lacks.ts: what the export cannot give the metrics.
 *
 * `--stages` is not needed (StageSortOrder gives the order) and is ignored with a note.
 * Errors name the user's file, physical line and column (fields.ts); with `collectProblems`
 * every row's problem is collected (the row is left out) and the converted files are only a
 * preview.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DataCapability, NOT_IN_CRM_EXPORTS } from "../../../model/capabilities.js";
import { ImportError } from "../../import-error.js";
import type { FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { CanonicalTables } from "../canonical-tables.js";
import { Problems } from "../problems.js";
import { readRates } from "../rates.js";
import { writeActivities } from "./activities.js";
import { type ExportFile, type Located, locate, OBJECTS } from "./export-files.js";
import { PIPELINE_ID, PIPELINE_NAME, SALESFORCE_SOURCE } from "./ids.js";
import { lacksOf } from "./lacks.js";
import { readCampaigns, readLeads, readNames, writeLeads } from "./leads.js";
import { readOpportunities } from "./opportunities.js";
import { completeHistory, readHistory, type StageEvent, writeStageEvents } from "./stage-history.js";
import { writeStages } from "./stages.js";
import { writeReps } from "./users.js";

export const salesforceImporter: Importer = {
  format: "salesforce",
  description:
    "Salesforce weekly Data Export: the directory of CSVs (Opportunity.csv required; OpportunityHistory, Task, Event, Lead, Campaign, User, Account optional) or those files",
  async prepare(paths: readonly string[], options: FormatOptions): Promise<PreparedImport> {
    const problems = new Problems(options.collectProblems === true);
    const tables = new CanonicalTables();
    let lacks: DataCapability[] = [...NOT_IN_CRM_EXPORTS];
    // Where a zip's CSVs are unpacked: made when a zip is met, gone once they are converted.
    let unpacked: string | null = null;
    const scratch = async () => {
      unpacked ??= await mkdtemp(join(tmpdir(), "verity-salesforce-zip-"));
      return unpacked;
    };
    try {
      const files = await locate(paths, scratch);
      lacks = await convert(files, options, tables, problems);
    } catch (error) {
      // In a dry run a whole-file problem (a missing Opportunity.csv) is one more problem.
      if (!(problems.collecting && error instanceof ImportError)) {
        tables.discard();
        throw error;
      }
      problems.add(error);
    } finally {
      if (unpacked) await rm(unpacked, { recursive: true, force: true });
    }
    const prepared = await tables.prepare(SALESFORCE_SOURCE, lacks);
    problems.attach(prepared);
    return prepared;
  },
};

/** Converts the export's files into canonical rows; returns what the import lacks. */
async function convert(
  files: Located,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): Promise<DataCapability[]> {
  const rates = options.rates ? await readRates(options.rates) : null;
  if (options.stages) {
    tables.note("--stages is ignored for Salesforce: Opportunity.StageSortOrder gives the stage order");
  }

  const opportunityFile = files.opportunity as ExportFile;
  const opportunities = await readOpportunities(opportunityFile, options, rates, tables, problems);
  const byId = new Map(opportunities.rows.map((o) => [o.id, o]));

  // Lookups.
  const accounts = files.account ? await readNames(files.account, "account", options) : null;
  const campaigns = files.campaign ? await readCampaigns(files.campaign, options) : null;
  const converted = files.lead ? await readLeads(files.lead, byId, options, tables, problems) : null;

  // Stage history.
  const history = files.history
    ? await readHistory(files.history, byId, options, tables, problems)
    : new Map<string, StageEvent[]>();
  const events = completeHistory(opportunities.rows, history, files.history !== undefined, tables);

  // Stages.
  const hasQualifying = writeStages(
    opportunities.rows,
    events,
    opportunities.sortOrders,
    tables,
    options.qualifyingStage ?? null,
  );

  // Leads, then their stage events; `referenced` collects the users they name.
  const referenced = new Set<string>();
  const leads = writeLeads(opportunities, { accounts, campaigns, converted }, events, tables, problems, referenced);
  writeStageEvents(events, tables, referenced);

  // Activities.
  await writeActivities(files, byId, options, tables, problems, referenced);

  // Reps (last: only users something imported refers to).
  await writeReps(files.user, referenced, options, tables, problems);
  tables.add("pipelines", OBJECTS.opportunity, { id: PIPELINE_ID, name: PIPELINE_NAME });
  return lacksOf({
    lossReasonColumn: opportunities.lossReasonColumns.length > 0,
    stageHistoryFile: files.history !== undefined,
    withChannel: leads.withChannel,
    qualifyingStage: hasQualifying,
    qualified: leads.qualified,
    activityFiles: files.task !== undefined || files.event !== undefined,
  });
}
