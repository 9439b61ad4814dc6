/**
 * What Verity derives at import and stores beside the imported rows, so metrics read it
 * instead of recomputing it from millions of rows per query. Each derivation names the
 * tables it is computed from; an import that loaded any of them brings the workspace's
 * derived rows up to date inside its own transaction. (Visit numbers are derived row by row
 * while visits load: src/ingest/visit-attributes.ts.)
 */
import type { TableName } from "../model/canonical.js";
import type { Store } from "../store/store.js";
import { refreshLeadActivity } from "./lead-activity.js";
import { refreshLeadProgress } from "./lead-progress.js";
import { refreshVisitRollup } from "./visit-rollup.js";

type Derivation = {
  inputs: readonly TableName[];
  refresh(store: Store, workspace: string): Promise<void>;
};

const DERIVATIONS: readonly Derivation[] = [
  // Stage progress on each lead (furthest stage, when it reached the qualifying stage).
  { inputs: ["leads", "stages", "stage_events"], refresh: refreshLeadProgress },
  // First activity and activity counts by type on each lead.
  { inputs: ["leads", "activities"], refresh: refreshLeadActivity },
  // Monthly visit rollups (visit numbers must be current first: they are, loaded with the visits).
  { inputs: ["visits"], refresh: refreshVisitRollup },
];

/** Refreshes every derivation computed from one of `loaded` (the tables an import wrote). */
export async function refreshDerivedFacts(
  store: Store,
  workspace: string,
  loaded: readonly TableName[],
): Promise<void> {
  for (const derivation of DERIVATIONS) {
    if (derivation.inputs.some((table) => loaded.includes(table))) await derivation.refresh(store, workspace);
  }
}
