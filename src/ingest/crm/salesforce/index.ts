/**
 * The Salesforce weekly Data Export (Setup > Data Export), as users download it: one CSV per
 * object. Mapping as docs/import-formats.md ("Salesforce weekly Data Export") describes it;
 * the choices that document leaves open, and the few places this module goes further, are:
 *
 * - Input: one directory holding the export's CSVs, or the CSV files themselves, recognised
 *   by file name ignoring case (`Opportunity.csv`, `OpportunityHistory.csv`, `Task.csv`,
 *   `Event.csv`, `Lead.csv`, `Campaign.csv`, `User.csv`, `Account.csv`). Only Opportunity.csv
 *   is required. Other files of a directory (the export has dozens) are ignored; a file named
 *   on the command line that is none of these is an error, and so is the same object twice.
 *   The export .zip as downloaded is read too (several zips of one large export together):
 *   its known CSVs, in any folder of the zip, are unpacked one by one to a temporary folder
 *   (removed when the import is prepared) within the limits of export-zip.ts (entries, sizes,
 *   compression ratio), and messages name them as `<zip path>/Opportunity.csv`.
 * - Ids `salesforce:<Id>` (leads, reps, activities), one pipeline `salesforce:pipeline`,
 *   stages `salesforce:stage:<StageName>`. The empty lookup `000000000000000AAA` is null.
 * - Stages: position = StageSortOrder (the most common value when opportunities disagree,
 *   with a note); kind = the status of the opportunities in the stage (the most common, with
 *   a note on disagreement, as an admin can change a stage's type after deals were saved).
 *   A stage met only in OpportunityHistory has no sort order: the Salesforce default order for
 *   default names (Prospecting 1 ... Closed Won 9, Closed Lost 10), otherwise after the known
 *   stages in the order first met, with a note; its kind is won/lost for the default closed
 *   names, open otherwise. The qualifying stage is the one named `Qualification` (the default
 *   picklist) or the one `--qualifying-stage` names; an org without it gets a note and
 *   qualified_at only from converted Leads, and when no opportunity was converted from a Lead
 *   either, the import `lacks` qualification (nothing tells a qualified lead from the rest).
 * - closed_at: the time the stage history entered the (closed) current stage; else
 *   LastStageChangeDate; else CloseDate, which is an error when before CreatedDate (it is a
 *   user-entered date; the error asks for OpportunityHistory.csv).
 * - Stage history (OpportunityHistory, IsDeleted rows skipped, sorted by CreatedDate then Id)
 *   as the docs' five steps. Going further: when the history ends in another stage than the
 *   opportunity's current one (history retention, or files exported at different moments), an
 *   event into the current stage is added at LastStageChangeDate (note), so a lead's last event
 *   is always its current stage. Two changes into the same stage at the same second would
 *   collide on the canonical key (lead, time, stage): the later is skipped and counted.
 *   Without OpportunityHistory.csv each opportunity gets one event (null -> current stage) at
 *   LastStageChangeDate (else CreatedDate) and `lacks` stage_history.
 * - Money: Amount in CurrencyIsoCode (or `--currency` when the org has no such column, i.e. a
 *   single-currency org), converted with `--rates`; a negative Amount is an error (Verity
 *   values deals at zero or more).
 * - loss_reason: `--loss-reason-field`, else Loss_Reason__c then LossReason__c (first
 *   non-empty), and only on lost opportunities (a reason left on an open or won deal is
 *   stale; a note counts them). No such column -> `lacks` loss_reasons.
 * - source_channel: LeadSource, else the converted Lead's LeadSource, else the Campaign's
 *   Type (tables below); unknown values -> other, with a note listing them. When no
 *   opportunity ends up with a channel, `lacks` lead_sources. utm_campaign = Campaign.Name
 *   (the CampaignId when Campaign.csv is missing or lacks it, with a note, like account).
 * - Leads (Lead.csv): converted leads give qualified_at = the opportunity's CreatedDate and the
 *   source fallback; every other lead row is skipped and counted.
 * - Activities (Task.csv, Event.csv): tasks not completed (IsClosed 0) and deleted rows are
 *   skipped and counted; so are an event's copies for invitees (IsChild 1) and the series
 *   record of a recurring task or event (IsRecurrence 1; its occurrences are records of their
 *   own), which would count one activity twice. WhatId links to a lead only when it is an
 *   opportunity imported from Opportunity.csv; an activity whose WhatId is an opportunity not
 *   in the export is kept without a lead, with a note. No Task.csv nor Event.csv -> `lacks`
 *   activities.
 * - Reps: users referenced by an imported opportunity (OwnerId), stage event (CreatedById) or
 *   activity (OwnerId); name `FirstName LastName`, team = the manager's name. Other users of
 *   User.csv are skipped and counted. A referenced user missing from User.csv (or without
 *   User.csv at all) is named by the Id, with a note.
 * - `--stages` is not needed (StageSortOrder gives the order) and is ignored with a note.
 * - Errors name the user's file, physical line and column; with `collectProblems` every row's
 *   problem is collected (the row is left out) and the converted files are only a preview.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type DataCapability, NOT_IN_CRM_EXPORTS } from "../../../model/capabilities.js";
import { ImportError } from "../../import-error.js";
import type { FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { CanonicalTables } from "../canonical-tables.js";
import { unpackZip } from "../export-zip.js";
import { Problems } from "../problems.js";
import { money, type Rates, readRates } from "../rates.js";
import { decode, parseSourceText, readSourceFile, type SourceFile, type SourceRow } from "../source-file.js";
import { type DateOrder, dateOrderOf, parseAmount, parseTimestamp } from "../values.js";

export const SALESFORCE_SOURCE = "salesforce";
const PIPELINE_ID = "salesforce:pipeline";
const PIPELINE_NAME = "Opportunities";
/** Salesforce writes this id for an empty lookup field. */
const NULL_ID = "000000000000000AAA";

/** The default picklist's qualifying stage (docs/import-formats.md). */
const QUALIFYING_STAGE = "Qualification";

const OBJECTS = {
  opportunity: "Opportunity.csv",
  history: "OpportunityHistory.csv",
  task: "Task.csv",
  event: "Event.csv",
  lead: "Lead.csv",
  campaign: "Campaign.csv",
  user: "User.csv",
  account: "Account.csv",
} as const;
type ObjectName = keyof typeof OBJECTS;

/** Default stages and their sort order (a 2018 Developer Edition org; Closed Lost after Won). */
const DEFAULT_STAGE_ORDER: ReadonlyMap<string, number> = new Map([
  ["Prospecting", 1],
  ["Qualification", 2],
  ["Needs Analysis", 3],
  ["Value Proposition", 4],
  ["Id. Decision Makers", 5],
  ["Perception Analysis", 6],
  ["Proposal/Price Quote", 7],
  ["Negotiation/Review", 8],
  ["Closed Won", 9],
  ["Closed Lost", 10],
]);
const DEFAULT_CLOSED_KIND: ReadonlyMap<string, StageKind> = new Map([
  ["Closed Won", "won"],
  ["Closed Lost", "lost"],
]);

type StageKind = "open" | "won" | "lost";
type Status = StageKind;

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

type ActivityType = "call" | "email" | "meeting" | "demo" | "task" | "other";

const SUBTYPE_TYPES: ReadonlyMap<string, ActivityType> = new Map([
  ["call", "call"],
  ["email", "email"],
  ["listemail", "email"],
  ["list email", "email"],
  ["task", "task"],
  ["cadence", "task"],
]);
const PICKLIST_TYPES: ReadonlyMap<string, ActivityType> = new Map([
  ["call", "call"],
  ["email", "email"],
  ["meeting", "meeting"],
  ["demo", "demo"],
  ["other", "other"],
]);
const SUBJECT_TYPES: readonly [RegExp, ActivityType][] = [
  [/^call\b/i, "call"],
  [/^(email|list email|email de lista)\s*:/i, "email"],
  [/^meeting\b/i, "meeting"],
  [/^demo\b/i, "demo"],
];

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

// ---------------------------------------------------------------------------------------
// Finding the files

/**
 * A file of the export: `name` is what messages show (the path given, or `<zip>/<entry>`);
 * `unpacked` where a zip's entry was unpacked to.
 */
type ExportFile = { name: string; unpacked?: string };
type Located = Partial<Record<ObjectName, ExportFile>>;

const objectOf = (file: string): ObjectName | null => {
  const name = basename(file).toLowerCase();
  for (const [object, fileName] of Object.entries(OBJECTS) as [ObjectName, string][]) {
    if (fileName.toLowerCase() === name) return object;
  }
  return null;
};

async function locate(paths: readonly string[], scratch: () => Promise<string>): Promise<Located> {
  if (paths.length === 0) {
    throw new ImportError("(no path)", null, null, "name the Data Export's directory, its .zip or its CSV files");
  }
  const found: Located = {};
  const add = (object: ObjectName, file: ExportFile) => {
    const earlier = found[object];
    if (earlier !== undefined) {
      throw new ImportError(
        file.name,
        null,
        null,
        `${OBJECTS[object]} is given twice (also ${earlier.name}); import one export at a time`,
      );
    }
    found[object] = file;
  };
  const known = Object.values(OBJECTS).join(", ");
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (info.isDirectory()) {
      for (const name of (await readdir(path)).sort()) {
        const object = objectOf(name);
        if (object) add(object, { name: join(path, name) });
      }
    } else if (/\.zip$/i.test(path)) {
      // Only the CSVs this importer reads are unpacked (the export holds dozens more).
      const into = await mkdtemp(join(await scratch(), "zip-"));
      for (const { entry, file } of await unpackZip(path, (entry) => objectOf(entry) !== null, into)) {
        add(objectOf(entry) as ObjectName, { name: join(path, entry), unpacked: file });
      }
    } else {
      const object = objectOf(path);
      if (!object) {
        throw new ImportError(
          path,
          null,
          null,
          `not a file of a Salesforce Data Export this importer reads (${known})`,
        );
      }
      add(object, { name: path });
    }
  }
  if (found.opportunity === undefined) {
    throw new ImportError(
      paths.join(", "),
      null,
      null,
      `no ${OBJECTS.opportunity} found; the Salesforce Data Export's Opportunity.csv is required (optional: ${known})`,
    );
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// Reading helpers

/** A source file with its slashed-date order settled (Salesforce writes ISO; Excel may not). */
type Source = { file: SourceFile; order: DateOrder | null; name: string };

async function open(
  file: ExportFile,
  object: ObjectName,
  required: readonly string[],
  dateColumns: readonly string[],
  options: FormatOptions,
): Promise<Source> {
  let source: SourceFile;
  if (file.unpacked) {
    const { text, encoding } = decode(file.name, await readFile(file.unpacked));
    source = parseSourceText(file.name, text, encoding, required);
  } else {
    source = await readSourceFile(file.name, required);
  }
  const present = dateColumns.filter((c) => source.has(c));
  return { file: source, order: dateOrderOf(source, present, options.dateFormat), name: OBJECTS[object] };
}

const idOf = (value: string): string | null => (value === "" || value === NULL_ID ? null : value);
const orNull = (value: string): string | null => (value === "" ? null : value);

function fail(source: Source, row: SourceRow, column: string, reason: string): ImportError {
  return new ImportError(source.file.file, row.line, source.file.column(column) ?? column, reason);
}

function time(source: Source, row: SourceRow, column: string): string {
  return parseTimestamp(source.file, row.line, column, row.get(column), source.order);
}

/** A 0/1 field (also true/false, as Excel rewrites them); null when empty or absent. */
function flag(source: Source, row: SourceRow, column: string): boolean | null {
  const value = row.get(column).toLowerCase();
  if (value === "") return null;
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw fail(source, row, column, `${JSON.stringify(row.get(column))} is not a checkbox value (0 or 1)`);
}

function requireId(source: Source, row: SourceRow, column = "Id"): string {
  const id = row.get(column);
  if (id === "") throw fail(source, row, column, "the record has no Id");
  return id;
}

function checkDuplicate(seen: Map<string, number>, source: Source, row: SourceRow, id: string): void {
  const first = seen.get(id);
  if (first !== undefined) {
    throw fail(source, row, "Id", `duplicate of line ${first}: Id ${id} appears twice in ${source.name}`);
  }
  seen.set(id, row.line);
}

/** The most common key of a count map (ties: the first met). */
function mostCommon<K>(counts: Map<K, number>): K | undefined {
  let best: K | undefined;
  let most = 0;
  for (const [key, n] of counts) {
    if (n > most) {
      best = key;
      most = n;
    }
  }
  return best;
}

function bump<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

const rep = (userId: string | null) => (userId === null ? null : `${SALESFORCE_SOURCE}:${userId}`);
const stageId = (name: string) => `${SALESFORCE_SOURCE}:stage:${name}`;

// ---------------------------------------------------------------------------------------
// Conversion

type Opportunity = {
  line: number;
  id: string;
  name: string | null;
  accountId: string | null;
  contactId: string | null;
  ownerId: string | null;
  stage: string;
  status: Status;
  value: string;
  currency: string;
  createdAt: string;
  closeDate: string;
  lastStageChange: string;
  leadSource: string;
  campaignId: string | null;
  lossReason: string | null;
};

type StageEvent = { from: string | null; to: string; at: string; by: string | null };

async function convert(
  files: Located,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): Promise<DataCapability[]> {
  const lacks: DataCapability[] = [...NOT_IN_CRM_EXPORTS];
  const rates = options.rates ? await readRates(options.rates) : null;
  if (options.stages) {
    tables.note("--stages is ignored for Salesforce: Opportunity.StageSortOrder gives the stage order");
  }

  const opportunityFile = files.opportunity as ExportFile;
  const opportunities = await readOpportunities(opportunityFile, options, rates, tables, problems);
  if (opportunities.lossReasonColumns.length === 0) lacks.push("loss_reasons");
  const byId = new Map(opportunities.rows.map((o) => [o.id, o]));

  // Lookups.
  const accounts = files.account ? await readNames(files.account, "account", options) : null;
  const campaigns = files.campaign ? await readCampaigns(files.campaign, options) : null;
  const converted = files.lead ? await readLeads(files.lead, byId, options, tables, problems) : null;

  // Stage history.
  const history = files.history
    ? await readHistory(files.history, byId, options, tables, problems)
    : new Map<string, StageEvent[]>();
  if (!files.history) lacks.push("stage_history");
  const events = completeHistory(opportunities.rows, history, files.history !== undefined, tables);

  // Stages.
  const hasQualifying = writeStages(
    opportunities.rows,
    events,
    opportunities.sortOrders,
    tables,
    options.qualifyingStage ?? null,
  );

  // Leads.
  const referenced = new Set<string>();
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
        id: `${SALESFORCE_SOURCE}:${o.id}`,
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
  if (withChannel === 0) lacks.push("lead_sources");
  // Nothing marks qualification: the metrics would call every loss "never qualified" (a win
  // rate of 100% among qualified leads); they report those figures unsupported instead.
  if (!hasQualifying && qualified === 0) lacks.push("qualification");
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

  for (const [opportunityId, list] of events) {
    for (const event of list) {
      if (event.by) referenced.add(event.by);
      tables.add("stage_events", OBJECTS.history, {
        lead_id: `${SALESFORCE_SOURCE}:${opportunityId}`,
        from_stage_id: event.from === null ? null : stageId(event.from),
        to_stage_id: stageId(event.to),
        changed_at: event.at,
        rep_id: rep(event.by),
      });
    }
  }

  // Activities.
  const activities = { toMissingOpportunity: 0, unknownTypes: new Map<string, number>() };
  if (files.task) await readTasks(files.task, byId, options, tables, problems, referenced, activities);
  if (files.event) await readEvents(files.event, byId, options, tables, problems, referenced, activities);
  if (!files.task && !files.event) lacks.push("activities");
  if (activities.toMissingOpportunity > 0) {
    tables.note(
      `${activities.toMissingOpportunity} activities are linked (WhatId) to opportunities that are not in Opportunity.csv (deleted, or outside the export): imported without a lead`,
    );
  }
  if (activities.unknownTypes.size > 0) {
    const list = [...activities.unknownTypes].map(([value, n]) => `${JSON.stringify(value)} (${n})`).join(", ");
    tables.note(`activity Type values Verity does not know were typed from the subject instead: ${list}`);
  }

  // Reps (last: only users something imported refers to).
  if (files.user) {
    await readUsers(files.user, referenced, options, tables, problems);
  } else {
    for (const id of [...referenced].sort()) {
      tables.add("reps", OBJECTS.user, { id: `${SALESFORCE_SOURCE}:${id}`, external_id: id, name: id });
    }
    if (referenced.size > 0) {
      tables.note(`no User.csv: the ${referenced.size} reps are named by their Salesforce user Id`);
    }
  }
  tables.add("pipelines", OBJECTS.opportunity, { id: PIPELINE_ID, name: PIPELINE_NAME });
  return lacks;
}

// --- Opportunity.csv

type Opportunities = {
  source: Source;
  rows: Opportunity[];
  /** StageSortOrder values seen per stage, counted. */
  sortOrders: Map<string, Map<number, number>>;
  lossReasonColumns: string[];
};

async function readOpportunities(
  file: ExportFile,
  options: FormatOptions,
  rates: Rates | null,
  tables: CanonicalTables,
  problems: Problems,
): Promise<Opportunities> {
  const source = await open(
    file,
    "opportunity",
    ["Id", "StageName", "IsClosed", "IsWon", "CreatedDate"],
    ["CreatedDate", "CloseDate", "LastStageChangeDate"],
    options,
  );
  const f = source.file;
  let lossReasonColumns: string[];
  if (options.lossReasonField) {
    if (!f.has(options.lossReasonField)) {
      throw new ImportError(
        file.name,
        1,
        options.lossReasonField,
        "the loss-reason field named by --loss-reason-field is not a column of Opportunity.csv",
      );
    }
    lossReasonColumns = [options.lossReasonField];
  } else {
    lossReasonColumns = ["Loss_Reason__c", "LossReason__c"].filter((c) => f.has(c));
  }
  const hasCurrencyColumn = f.has("CurrencyIsoCode");
  const rows: Opportunity[] = [];
  const sortOrders = new Map<string, Map<number, number>>();
  const seen = new Map<string, number>();
  let staleReasons = 0;
  for (const row of f.rows) {
    const opportunity = problems.row((): Opportunity | null => {
      const id = requireId(source, row);
      checkDuplicate(seen, source, row, id);
      if (flag(source, row, "IsDeleted")) {
        tables.skip("opportunity deleted in Salesforce (IsDeleted 1)");
        return null;
      }
      const stage = row.get("StageName");
      if (stage === "") throw fail(source, row, "StageName", "the opportunity has no stage");
      const closed = flag(source, row, "IsClosed");
      const won = flag(source, row, "IsWon");
      if (closed === null) throw fail(source, row, "IsClosed", "IsClosed is empty (expected 0 or 1)");
      if (won && !closed) throw fail(source, row, "IsWon", "IsWon is 1 but IsClosed is 0: a won deal is closed");
      const status: Status = !closed ? "open" : won ? "won" : "lost";
      const sortText = row.get("StageSortOrder");
      if (sortText !== "") {
        const position = Number(sortText);
        if (!Number.isInteger(position) || position < 0) {
          throw fail(source, row, "StageSortOrder", `${JSON.stringify(sortText)} is not a stage sort order`);
        }
        let counts = sortOrders.get(stage);
        if (!counts) {
          counts = new Map();
          sortOrders.set(stage, counts);
        }
        bump(counts, position);
      } else if (!sortOrders.has(stage)) {
        sortOrders.set(stage, new Map());
      }
      const createdAt = time(source, row, "CreatedDate");
      if (createdAt === "") throw fail(source, row, "CreatedDate", "the opportunity has no CreatedDate");
      const amount = parseAmount(f, row.line, "Amount", row.get("Amount"));
      if (amount !== null && amount < 0) {
        throw fail(source, row, "Amount", `${row.get("Amount")} is negative; deal values are 0 or more`);
      }
      let currency = hasCurrencyColumn ? row.get("CurrencyIsoCode") : "";
      let currencyColumn = "CurrencyIsoCode";
      if (currency === "" && amount !== null) {
        if (!options.currency) {
          throw fail(
            source,
            row,
            hasCurrencyColumn ? "CurrencyIsoCode" : "Amount",
            hasCurrencyColumn
              ? "the amount has no currency; fill CurrencyIsoCode or give --currency"
              : "the export has no CurrencyIsoCode column (a single-currency org): give its currency with --currency, e.g. --currency EUR",
          );
        }
        currency = options.currency;
        currencyColumn = "Amount";
      }
      const { value, currency: code } = money(amount, currency, rates, {
        file: file.name,
        line: row.line,
        column: f.column(currencyColumn) ?? currencyColumn,
      });
      let lossReason: string | null = null;
      for (const column of lossReasonColumns) {
        const reason = row.get(column);
        if (reason !== "") {
          lossReason = reason;
          break;
        }
      }
      if (lossReason !== null && status !== "lost") staleReasons += 1;
      return {
        line: row.line,
        id,
        name: orNull(row.get("Name")),
        accountId: idOf(row.get("AccountId")),
        contactId: idOf(row.get("ContactId")),
        ownerId: idOf(row.get("OwnerId")),
        stage,
        status,
        value,
        currency: code,
        createdAt,
        closeDate: time(source, row, "CloseDate"),
        lastStageChange: time(source, row, "LastStageChangeDate"),
        leadSource: row.get("LeadSource"),
        campaignId: idOf(row.get("CampaignId")),
        lossReason,
      };
    });
    if (opportunity) rows.push(opportunity);
  }
  if (staleReasons > 0) {
    tables.note(
      `${staleReasons} open or won opportunities carry a loss reason; it was left out (only lost leads have one)`,
    );
  }
  return { source, rows, sortOrders, lossReasonColumns };
}

/** closed_at of a closed opportunity (module comment). */
function closedAtOf(o: Opportunity, events: readonly StageEvent[], source: Source): string {
  const last = events[events.length - 1];
  let at: string;
  let column: string;
  if (last && last.to === o.stage) {
    // The last visit to the closed stage began at the last event entering it.
    let entered = last;
    for (let i = events.length - 1; i >= 0 && events[i]?.to === o.stage; i--) entered = events[i] as StageEvent;
    at = entered.at;
    column = "StageName";
  } else if (o.lastStageChange !== "") {
    at = o.lastStageChange;
    column = "LastStageChangeDate";
  } else if (o.closeDate !== "") {
    at = o.closeDate;
    column = "CloseDate";
  } else {
    throw new ImportError(
      source.file.file,
      o.line,
      source.file.column("CloseDate") ?? "CloseDate",
      "a closed opportunity without stage history, LastStageChangeDate or CloseDate has no close time",
    );
  }
  if (at < o.createdAt) {
    throw new ImportError(
      source.file.file,
      o.line,
      source.file.column(column) ?? column,
      `the opportunity closed (${at}) before it was created (${o.createdAt})${column === "CloseDate" ? "; CloseDate is a date users edit: add OpportunityHistory.csv from the same export, whose row entering the closed stage gives the real close time" : ""}`,
    );
  }
  return at;
}

// --- OpportunityHistory.csv

async function readHistory(
  file: ExportFile,
  opportunities: ReadonlyMap<string, Opportunity>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): Promise<Map<string, StageEvent[]>> {
  const source = await open(
    file,
    "history",
    ["OpportunityId", "StageName", "CreatedDate"],
    ["CreatedDate", "PrevOpportunityStageUpdate"],
    options,
  );
  type HistoryRow = { id: string; at: string; stage: string; from: string; prevUpdate: string; by: string | null };
  const rowsOf = new Map<string, HistoryRow[]>();
  for (const row of source.file.rows) {
    problems.row(() => {
      if (flag(source, row, "IsDeleted")) {
        tables.skip("opportunity history row deleted (IsDeleted 1)");
        return;
      }
      const opportunityId = row.get("OpportunityId");
      if (!opportunities.has(opportunityId)) {
        tables.skip("opportunity history row of an opportunity not imported");
        return;
      }
      const stage = row.get("StageName");
      if (stage === "") throw fail(source, row, "StageName", "the history row has no stage");
      const at = time(source, row, "CreatedDate");
      if (at === "") throw fail(source, row, "CreatedDate", "the history row has no CreatedDate");
      let list = rowsOf.get(opportunityId);
      if (!list) {
        list = [];
        rowsOf.set(opportunityId, list);
      }
      list.push({
        id: row.get("Id"),
        at,
        stage,
        from: row.get("FromOpportunityStageName"),
        prevUpdate: time(source, row, "PrevOpportunityStageUpdate"),
        by: idOf(row.get("CreatedById")),
      });
    });
  }

  const events = new Map<string, StageEvent[]>();
  let rebuilt = 0;
  let collisions = 0;
  for (const [opportunityId, list] of rowsOf) {
    // Real exports are not in time order.
    list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const out: StageEvent[] = [];
    const keys = new Set<string>();
    const push = (event: StageEvent) => {
      const key = `${event.at}\u0000${event.to}`;
      if (keys.has(key)) {
        collisions += 1;
        return;
      }
      keys.add(key);
      out.push(event);
    };
    for (const h of list) {
      const last = out[out.length - 1];
      if (!last) {
        if (h.from === "") {
          push({ from: null, to: h.stage, at: h.at, by: h.by });
          continue;
        }
        // The oldest rows are gone (history retention): the stage before this row was
        // entered at PrevOpportunityStageUpdate, by someone unknown.
        const opportunity = opportunities.get(opportunityId) as Opportunity;
        push({ from: null, to: h.from, at: h.prevUpdate || opportunity.createdAt, by: null });
        rebuilt += 1;
      }
      const current = out[out.length - 1] as StageEvent;
      // A row that keeps the stage changed the amount, probability or close date only.
      if (h.stage !== current.to) push({ from: current.to, to: h.stage, at: h.at, by: h.by });
    }
    events.set(opportunityId, out);
  }
  if (rebuilt > 0) {
    tables.note(
      `${rebuilt} opportunities' stage history lacks its oldest rows (Salesforce keeps a limited history): the first stage was rebuilt from PrevOpportunityStageUpdate`,
    );
  }
  if (collisions > 0) tables.skip("stage change recorded twice at the same second", collisions);
  return events;
}

/**
 * Every opportunity's stage events: its history, ending in its current stage, or (no
 * history) one event into the current stage.
 */
function completeHistory(
  opportunities: readonly Opportunity[],
  history: Map<string, StageEvent[]>,
  historyGiven: boolean,
  tables: CanonicalTables,
): Map<string, StageEvent[]> {
  const events = new Map<string, StageEvent[]>();
  let without = 0;
  let appended = 0;
  for (const o of opportunities) {
    const list = history.get(o.id) ?? [];
    if (list.length === 0) {
      without += 1;
      list.push({ from: null, to: o.stage, at: o.lastStageChange || o.createdAt, by: null });
    } else {
      const last = list[list.length - 1] as StageEvent;
      if (last.to !== o.stage && o.lastStageChange !== "" && o.lastStageChange > last.at) {
        list.push({ from: last.to, to: o.stage, at: o.lastStageChange, by: null });
        appended += 1;
      }
    }
    events.set(o.id, list);
  }
  if (historyGiven && without > 0) {
    tables.note(
      `${without} opportunities have no rows in OpportunityHistory.csv: each got one stage event into its current stage at LastStageChangeDate (else CreatedDate)`,
    );
  }
  if (appended > 0) {
    tables.note(
      `${appended} opportunities' stage history ends in another stage than Opportunity.csv's: an event into the current stage was added at LastStageChangeDate`,
    );
  }
  return events;
}

// --- Stages

function writeStages(
  opportunities: readonly Opportunity[],
  events: ReadonlyMap<string, StageEvent[]>,
  sortOrders: ReadonlyMap<string, Map<number, number>>,
  tables: CanonicalTables,
  namedQualifying: string | null,
): boolean {
  const qualifying = namedQualifying ?? QUALIFYING_STAGE;
  const kinds = new Map<string, Map<StageKind, number>>();
  for (const o of opportunities) {
    let counts = kinds.get(o.stage);
    if (!counts) {
      counts = new Map();
      kinds.set(o.stage, counts);
    }
    bump(counts, o.status);
  }
  // Every stage, in the order first met (opportunities, then history).
  const names: string[] = [...sortOrders.keys()];
  for (const list of events.values()) {
    for (const e of list) {
      for (const name of [e.from, e.to]) if (name !== null && !names.includes(name)) names.push(name);
    }
  }
  const positions = new Map<string, number>();
  const conflicts: string[] = [];
  for (const name of names) {
    const counts = sortOrders.get(name);
    const position = counts ? mostCommon(counts) : undefined;
    if (position !== undefined) {
      positions.set(name, position);
      if ((counts?.size ?? 0) > 1) conflicts.push(name);
    }
  }
  const guessed: string[] = [];
  const appended: string[] = [];
  for (const name of names) {
    if (positions.has(name)) continue;
    const standard = DEFAULT_STAGE_ORDER.get(name);
    if (standard !== undefined) {
      positions.set(name, standard);
      guessed.push(name);
    }
  }
  for (const name of names) {
    if (positions.has(name)) continue;
    positions.set(name, Math.max(0, ...positions.values()) + 1);
    appended.push(name);
  }
  if (conflicts.length > 0) {
    tables.note(`opportunities disagree on the StageSortOrder of ${conflicts.join(", ")}: the most common is used`);
  }
  if (guessed.length > 0) {
    tables.note(`stages without a StageSortOrder placed in Salesforce's default order: ${guessed.join(", ")}`);
  }
  if (appended.length > 0) {
    tables.note(
      `stages without a StageSortOrder (met only in the stage history, or with an empty sort order) placed after the others: ${appended.join(", ")}`,
    );
  }
  const mixed: string[] = [];
  for (const name of names) {
    const counts = kinds.get(name);
    let kind: StageKind = DEFAULT_CLOSED_KIND.get(name) ?? "open";
    if (counts) {
      kind = mostCommon(counts) ?? kind;
      if (counts.size > 1) mixed.push(name);
    }
    tables.add("stages", OBJECTS.opportunity, {
      id: stageId(name),
      pipeline_id: PIPELINE_ID,
      name,
      position: positions.get(name) as number,
      is_qualifying: name.toLowerCase() === qualifying.toLowerCase(),
      kind,
    });
  }
  if (mixed.length > 0) {
    tables.note(
      `stages holding opportunities of different statuses (IsClosed/IsWon): ${mixed.join(", ")}; each stage's kind is its most common status`,
    );
  }
  if (!names.some((name) => name.toLowerCase() === qualifying.toLowerCase())) {
    if (namedQualifying !== null) {
      throw new ImportError(
        "--qualifying-stage",
        null,
        null,
        `${JSON.stringify(namedQualifying)} is no stage of the export (its stages: ${names.join(", ")})`,
      );
    }
    tables.note(
      `no stage is named "${QUALIFYING_STAGE}", so no stage is the qualifying one (name one with --qualifying-stage); qualified_at comes from converted Leads only`,
    );
    return false;
  }
  return true;
}

// --- Lead.csv, Campaign.csv, Account.csv

type ConvertedLead = { leadSource: string };

async function readLeads(
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

async function readCampaigns(
  file: ExportFile,
  options: FormatOptions,
): Promise<Map<string, { name: string | null; type: string }>> {
  const source = await open(file, "campaign", ["Id", "Name"], [], options);
  // Deleted campaigns still name the opportunities that point at them.
  return new Map(
    source.file.rows.map((row) => [row.get("Id"), { name: orNull(row.get("Name")), type: row.get("Type") }]),
  );
}

async function readNames(file: ExportFile, object: ObjectName, options: FormatOptions): Promise<Map<string, string>> {
  const source = await open(file, object, ["Id", "Name"], [], options);
  const names = new Map<string, string>();
  for (const row of source.file.rows) if (row.get("Name") !== "") names.set(row.get("Id"), row.get("Name"));
  return names;
}

// --- Task.csv, Event.csv

type ActivityTally = { toMissingOpportunity: number; unknownTypes: Map<string, number> };

function activityType(row: SourceRow, fallback: ActivityType, tally: ActivityTally): ActivityType {
  const subtype = SUBTYPE_TYPES.get(row.get("TaskSubtype").toLowerCase());
  if (subtype) return subtype;
  const picklist = row.get("Type");
  const fromPicklist = PICKLIST_TYPES.get(picklist.toLowerCase());
  if (fromPicklist) return fromPicklist;
  if (picklist !== "") bump(tally.unknownTypes, picklist);
  const subject = row.get("Subject");
  for (const [pattern, type] of SUBJECT_TYPES) if (pattern.test(subject)) return type;
  return fallback;
}

function leadOf(row: SourceRow, opportunities: ReadonlyMap<string, Opportunity>, tally: ActivityTally): string | null {
  const what = idOf(row.get("WhatId"));
  if (what === null) return null;
  if (opportunities.has(what)) return `${SALESFORCE_SOURCE}:${what}`;
  if (what.startsWith("006")) tally.toMissingOpportunity += 1;
  return null;
}

function integer(source: Source, row: SourceRow, column: string, scale = 1): number | null {
  const text = row.get(column);
  if (text === "") return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw fail(source, row, column, `${JSON.stringify(text)} is not a whole number`);
  return n * scale;
}

async function readTasks(
  file: ExportFile,
  opportunities: ReadonlyMap<string, Opportunity>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
  referenced: Set<string>,
  tally: ActivityTally,
): Promise<void> {
  const source = await open(file, "task", ["Id"], ["CompletedDateTime", "ActivityDate", "CreatedDate"], options);
  const seen = new Map<string, number>();
  source.file.forEachRow((row) => {
    problems.row(() => {
      const id = requireId(source, row);
      checkDuplicate(seen, source, row, id);
      if (flag(source, row, "IsDeleted")) return tables.skip("task deleted in Salesforce (IsDeleted 1)");
      if (flag(source, row, "IsRecurrence")) {
        return tables.skip("recurring task series record (its occurrences are imported)");
      }
      // Without IsClosed (older exports), Status says whether it was done.
      const closed = source.file.has("IsClosed")
        ? flag(source, row, "IsClosed")
        : !source.file.has("Status") || row.get("Status").toLowerCase() === "completed";
      if (closed === false) return tables.skip("task not completed (IsClosed 0)");
      const occurredAt =
        time(source, row, "CompletedDateTime") || time(source, row, "ActivityDate") || time(source, row, "CreatedDate");
      if (occurredAt === "") {
        throw fail(source, row, "ActivityDate", "the task has no CompletedDateTime, ActivityDate or CreatedDate");
      }
      const owner = idOf(row.get("OwnerId"));
      if (owner) referenced.add(owner);
      tables.add("activities", OBJECTS.task, {
        id: `${SALESFORCE_SOURCE}:${id}`,
        external_id: id,
        lead_id: leadOf(row, opportunities, tally),
        contact: idOf(row.get("WhoId")),
        rep_id: rep(owner),
        type: activityType(row, "task", tally),
        occurred_at: occurredAt,
        duration_seconds: integer(source, row, "CallDurationInSeconds"),
        outcome: orNull(row.get("CallDisposition")),
        note: orNull(row.get("Description")),
      });
    });
  });
}

async function readEvents(
  file: ExportFile,
  opportunities: ReadonlyMap<string, Opportunity>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
  referenced: Set<string>,
  tally: ActivityTally,
): Promise<void> {
  const source = await open(file, "event", ["Id"], ["ActivityDateTime", "ActivityDate"], options);
  const seen = new Map<string, number>();
  source.file.forEachRow((row) => {
    problems.row(() => {
      const id = requireId(source, row);
      checkDuplicate(seen, source, row, id);
      if (flag(source, row, "IsDeleted")) return tables.skip("event deleted in Salesforce (IsDeleted 1)");
      if (flag(source, row, "IsChild")) return tables.skip("event copy for an invitee (IsChild 1)");
      if (flag(source, row, "IsRecurrence")) {
        return tables.skip("recurring event series record (its occurrences are imported)");
      }
      const allDay = flag(source, row, "IsAllDayEvent") === true;
      const occurredAt = allDay
        ? time(source, row, "ActivityDate") || time(source, row, "ActivityDateTime")
        : time(source, row, "ActivityDateTime") || time(source, row, "ActivityDate");
      if (occurredAt === "")
        throw fail(source, row, "ActivityDateTime", "the event has no ActivityDateTime or ActivityDate");
      const owner = idOf(row.get("OwnerId"));
      if (owner) referenced.add(owner);
      tables.add("activities", OBJECTS.event, {
        id: `${SALESFORCE_SOURCE}:${id}`,
        external_id: id,
        lead_id: leadOf(row, opportunities, tally),
        contact: idOf(row.get("WhoId")),
        rep_id: rep(owner),
        type: activityType(row, "meeting", tally),
        occurred_at: occurredAt,
        // An all-day event's 1440 minutes are not how long anyone met.
        duration_seconds: allDay ? null : integer(source, row, "DurationInMinutes", 60),
        outcome: null,
        note: orNull(row.get("Description")),
      });
    });
  });
}

// --- User.csv

async function readUsers(
  file: ExportFile,
  referenced: ReadonlySet<string>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): Promise<void> {
  const source = await open(file, "user", ["Id"], [], options);
  type User = { name: string; email: string | null; active: boolean; managerId: string | null };
  const users = new Map<string, User>();
  const seen = new Map<string, number>();
  for (const row of source.file.rows) {
    problems.row(() => {
      const id = requireId(source, row);
      checkDuplicate(seen, source, row, id);
      const name = `${row.get("FirstName")} ${row.get("LastName")}`.trim() || row.get("Username") || id;
      users.set(id, {
        name,
        email: orNull(row.get("Email")),
        active: flag(source, row, "IsActive") ?? true,
        managerId: idOf(row.get("ManagerId")),
      });
    });
  }
  for (const id of users.keys()) {
    if (!referenced.has(id)) tables.skip("user not referenced by any imported record");
  }
  const missing: string[] = [];
  for (const id of [...referenced].sort()) {
    const user = users.get(id);
    if (!user) {
      missing.push(id);
      tables.add("reps", OBJECTS.user, { id: `${SALESFORCE_SOURCE}:${id}`, external_id: id, name: id });
      continue;
    }
    const manager = user.managerId === null ? undefined : users.get(user.managerId);
    tables.add("reps", OBJECTS.user, {
      id: `${SALESFORCE_SOURCE}:${id}`,
      external_id: id,
      name: user.name,
      email: user.email,
      team: manager?.name ?? user.managerId,
      region: null,
      active: user.active,
    });
  }
  if (missing.length > 0) {
    tables.note(`${missing.length} users are referenced but not in User.csv, named by their Id: ${missing.join(", ")}`);
  }
}
