/**
 * The stages of the one Salesforce pipeline (`salesforce:pipeline`).
 *
 * Position = StageSortOrder (the most common value when opportunities disagree, with a
 * note); kind = the status of the opportunities in the stage (the most common, with a note
 * on disagreement, as an admin can change a stage's type after deals were saved). A stage
 * met only in OpportunityHistory has no sort order: the Salesforce default order for
 * default names (Prospecting 1 ... Closed Won 9, Closed Lost 10), otherwise after the known
 * stages in the order first met, with a note; its kind is won/lost for the default closed
 * names, open otherwise. The qualifying stage is the one named `Qualification` (the default
 * picklist) or the one `--qualifying-stage` names; an org without it gets a note and
 * qualified_at only from converted Leads, and when no opportunity was converted from a Lead
 * either, the import `lacks` qualification (nothing tells a qualified lead from the rest).
 */
import { ImportError } from "../../import-error.js";
import type { CanonicalTables } from "../canonical-tables.js";
import { OBJECTS } from "./export-files.js";
import { bump, mostCommon } from "./fields.js";
import { PIPELINE_ID, stageId } from "./ids.js";
import type { Opportunity, Status } from "./opportunities.js";
import type { StageEvent } from "./stage-history.js";

/** The default picklist's qualifying stage (docs/import-formats.md). */
const QUALIFYING_STAGE = "Qualification";

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

type StageKind = Status;

export function writeStages(
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
