/**
 * What Verity derives at import and stores beside the imported rows, so metrics read it
 * instead of recomputing it from millions of rows per query. Each derivation names the
 * tables it is computed from; an import that loaded any of them brings the workspace's
 * derived rows up to date inside its own transaction. (Visit numbers are derived row by row
 * while visits load: src/ingest/visit-attributes.ts.)
 */
import type { TableName } from "../model/canonical.js";
import type { Store } from "../store/store.js";
import { refreshActivityRollup } from "./activity-rollup.js";
import { refreshLeadActivity } from "./lead-activity.js";
import { refreshLeadContact, refreshSubscriberHashes } from "./lead-contact.js";
import { refreshLeadProgress } from "./lead-progress.js";
import { refreshVisitRollup } from "./visit-rollup.js";
import { refreshWonStageDays } from "./won-stage-days.js";

type Derivation = {
  inputs: readonly TableName[];
  /** The tables it writes. */
  outputs: readonly string[];
  refresh(store: Store, workspace: string): Promise<void>;
};

const DERIVATIONS: readonly Derivation[] = [
  // Stage progress on each lead (furthest stage, when it reached the qualifying stage).
  { inputs: ["leads", "stages", "stage_events"], outputs: ["leads"], refresh: refreshLeadProgress },
  // Days in each stage of every won lead.
  { inputs: ["leads", "stages", "stage_events"], outputs: ["won_stage_days"], refresh: refreshWonStageDays },
  // First activity and activity counts by type on each lead.
  { inputs: ["leads", "activities"], outputs: ["leads"], refresh: refreshLeadActivity },
  // The hash of each lead's contact (newsletter subscribers are stored hashed).
  { inputs: ["leads"], outputs: ["leads"], refresh: refreshLeadContact },
  // Subscribers' hashes in lower case, as the leads' are.
  { inputs: ["newsletter_subscribers"], outputs: ["newsletter_subscribers"], refresh: refreshSubscriberHashes },
  // Monthly activity counts and real-note lengths per rep.
  {
    inputs: ["activities"],
    outputs: ["activity_months", "activity_note_months"],
    refresh: refreshActivityRollup,
  },
  // Monthly visit rollups (visit numbers must be current first: they are, loaded with the visits).
  {
    inputs: ["visits"],
    outputs: ["visitor_months", "visit_months", "visit_source_months"],
    refresh: refreshVisitRollup,
  },
];

/**
 * Refreshes every derivation computed from one of `loaded` (the tables an import wrote);
 * returns the tables it wrote.
 */
export async function refreshDerivedFacts(
  store: Store,
  workspace: string,
  loaded: readonly TableName[],
): Promise<string[]> {
  const written = new Set<string>();
  for (const derivation of DERIVATIONS) {
    if (!derivation.inputs.some((table) => loaded.includes(table))) continue;
    await derivation.refresh(store, workspace);
    for (const table of derivation.outputs) written.add(table);
  }
  return [...written];
}
