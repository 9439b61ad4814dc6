/**
 * Task.csv and Event.csv: the activities. Tasks not completed (IsClosed 0) and deleted rows
 * are skipped and counted; so are an event's copies for invitees (IsChild 1) and the series
 * record of a recurring task or event (IsRecurrence 1; its occurrences are records of their
 * own), which would count one activity twice. WhatId links to a lead only when it is an
 * opportunity imported from Opportunity.csv; an activity whose WhatId is an opportunity not in
 * the export is kept without a lead, with a note. No Task.csv nor Event.csv -> the import
 * `lacks` activities.
 *
 * Tasks and events are read by one reader; what differs between the two objects (which rows
 * are no activity of their own, when it happened, how long it took) is in ACTIVITY_OBJECTS.
 */
import type { FormatOptions } from "../../importer.js";
import type { CanonicalTables } from "../canonical-tables.js";
import type { Problems } from "../problems.js";
import type { SourceRow } from "../source-file.js";
import { type ExportFile, type Located, OBJECTS, open, type Source } from "./export-files.js";
import { bump, checkDuplicate, fail, flag, idOf, integer, orNull, requireId, time } from "./fields.js";
import { recordId, rep } from "./ids.js";
import type { Opportunity } from "./opportunities.js";

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
  if (opportunities.has(what)) return recordId(what);
  if (what.startsWith("006")) tally.toMissingOpportunity += 1;
  return null;
}

/** What tells a task from an event. */
type ActivityObject = {
  object: "task" | "event";
  /** The date columns whose slashed-date order is settled over the file. */
  dateColumns: readonly string[];
  /** The type when neither TaskSubtype, Type nor the subject gives one. */
  fallbackType: ActivityType;
  /** Why the row is no activity of its own (counted as skipped), or null. */
  skip(source: Source, row: SourceRow): string | null;
  /** When it happened; an error when the row says nothing of it. */
  occurredAt(source: Source, row: SourceRow): string;
  durationSeconds(source: Source, row: SourceRow): number | null;
  outcome(row: SourceRow): string | null;
};

const allDay = (source: Source, row: SourceRow) => flag(source, row, "IsAllDayEvent") === true;

const ACTIVITY_OBJECTS: Record<"task" | "event", ActivityObject> = {
  task: {
    object: "task",
    dateColumns: ["CompletedDateTime", "ActivityDate", "CreatedDate"],
    fallbackType: "task",
    skip(source, row) {
      if (flag(source, row, "IsDeleted")) return "task deleted in Salesforce (IsDeleted 1)";
      if (flag(source, row, "IsRecurrence")) return "recurring task series record (its occurrences are imported)";
      // Without IsClosed (older exports), Status says whether it was done.
      const closed = source.file.has("IsClosed")
        ? flag(source, row, "IsClosed")
        : !source.file.has("Status") || row.get("Status").toLowerCase() === "completed";
      return closed === false ? "task not completed (IsClosed 0)" : null;
    },
    occurredAt(source, row) {
      const at =
        time(source, row, "CompletedDateTime") || time(source, row, "ActivityDate") || time(source, row, "CreatedDate");
      if (at === "") {
        throw fail(source, row, "ActivityDate", "the task has no CompletedDateTime, ActivityDate or CreatedDate");
      }
      return at;
    },
    durationSeconds: (source, row) => integer(source, row, "CallDurationInSeconds"),
    outcome: (row) => orNull(row.get("CallDisposition")),
  },
  event: {
    object: "event",
    dateColumns: ["ActivityDateTime", "ActivityDate"],
    fallbackType: "meeting",
    skip(source, row) {
      if (flag(source, row, "IsDeleted")) return "event deleted in Salesforce (IsDeleted 1)";
      if (flag(source, row, "IsChild")) return "event copy for an invitee (IsChild 1)";
      if (flag(source, row, "IsRecurrence")) return "recurring event series record (its occurrences are imported)";
      return null;
    },
    occurredAt(source, row) {
      const at = allDay(source, row)
        ? time(source, row, "ActivityDate") || time(source, row, "ActivityDateTime")
        : time(source, row, "ActivityDateTime") || time(source, row, "ActivityDate");
      if (at === "") throw fail(source, row, "ActivityDateTime", "the event has no ActivityDateTime or ActivityDate");
      return at;
    },
    // An all-day event's 1440 minutes are not how long anyone met.
    durationSeconds: (source, row) => (allDay(source, row) ? null : integer(source, row, "DurationInMinutes", 60)),
    outcome: () => null,
  },
};

/** Reads Task.csv or Event.csv into activities; their owners are added to `referenced`. */
async function readActivities(
  kind: ActivityObject,
  file: ExportFile,
  opportunities: ReadonlyMap<string, Opportunity>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
  referenced: Set<string>,
  tally: ActivityTally,
): Promise<void> {
  const source = await open(file, kind.object, ["Id"], kind.dateColumns, options);
  const seen = new Map<string, number>();
  source.file.forEachRow((row) => {
    problems.row(() => {
      const id = requireId(source, row);
      checkDuplicate(seen, source, row, id);
      const skipped = kind.skip(source, row);
      if (skipped !== null) return tables.skip(skipped);
      const occurredAt = kind.occurredAt(source, row);
      const owner = idOf(row.get("OwnerId"));
      if (owner) referenced.add(owner);
      tables.add("activities", OBJECTS[kind.object], {
        id: recordId(id),
        external_id: id,
        lead_id: leadOf(row, opportunities, tally),
        contact: idOf(row.get("WhoId")),
        rep_id: rep(owner),
        type: activityType(row, kind.fallbackType, tally),
        occurred_at: occurredAt,
        duration_seconds: kind.durationSeconds(source, row),
        outcome: kind.outcome(row),
        note: orNull(row.get("Description")),
      });
    });
  });
}

/**
 * Writes the activities of Task.csv and Event.csv (those given), with notes on what could
 * not be linked or typed; their owners are added to `referenced`.
 */
export async function writeActivities(
  files: Located,
  opportunities: ReadonlyMap<string, Opportunity>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
  referenced: Set<string>,
): Promise<void> {
  const tally: ActivityTally = { toMissingOpportunity: 0, unknownTypes: new Map<string, number>() };
  for (const object of ["task", "event"] as const) {
    const file = files[object];
    if (file) {
      await readActivities(ACTIVITY_OBJECTS[object], file, opportunities, options, tables, problems, referenced, tally);
    }
  }
  if (tally.toMissingOpportunity > 0) {
    tables.note(
      `${tally.toMissingOpportunity} activities are linked (WhatId) to opportunities that are not in Opportunity.csv (deleted, or outside the export): imported without a lead`,
    );
  }
  if (tally.unknownTypes.size > 0) {
    const list = [...tally.unknownTypes].map(([value, n]) => `${JSON.stringify(value)} (${n})`).join(", ");
    tables.note(`activity Type values Verity does not know were typed from the subject instead: ${list}`);
  }
}
