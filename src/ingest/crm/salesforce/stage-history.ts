/**
 * OpportunityHistory.csv: each opportunity's stage events.
 *
 * IsDeleted rows are skipped; rows are sorted by CreatedDate then Id, as the docs' five steps
 * (docs/import-formats.md). Going further: when the history ends in another stage than the
 * opportunity's current one (history retention, or files exported at different moments), an
 * event into the current stage is added at LastStageChangeDate (note), so a lead's last event
 * is always its current stage. Two changes into the same stage at the same second would
 * collide on the canonical key (lead, time, stage): the later is skipped and counted.
 * Without OpportunityHistory.csv each opportunity gets one event (null -> current stage) at
 * LastStageChangeDate (else CreatedDate) and the import `lacks` stage_history.
 */
import type { FormatOptions } from "../../importer.js";
import type { CanonicalTables } from "../canonical-tables.js";
import type { Problems } from "../problems.js";
import { type ExportFile, OBJECTS, open } from "./export-files.js";
import { fail, flag, idOf, time } from "./fields.js";
import { recordId, rep, stageId } from "./ids.js";
import type { Opportunity } from "./opportunities.js";

export type StageEvent = { from: string | null; to: string; at: string; by: string | null };

export async function readHistory(
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
export function completeHistory(
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

/** Writes the stage events; the users who made them are added to `referenced` (the reps to write). */
export function writeStageEvents(
  events: ReadonlyMap<string, readonly StageEvent[]>,
  tables: CanonicalTables,
  referenced: Set<string>,
): void {
  for (const [opportunityId, list] of events) {
    for (const event of list) {
      if (event.by) referenced.add(event.by);
      tables.add("stage_events", OBJECTS.history, {
        lead_id: recordId(opportunityId),
        from_stage_id: event.from === null ? null : stageId(event.from),
        to_stage_id: stageId(event.to),
        changed_at: event.at,
        rep_id: rep(event.by),
      });
    }
  }
}
