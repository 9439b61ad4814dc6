/**
 * What Verity derives at import and stores beside the imported rows, so metrics read it
 * instead of recomputing it from millions of rows per query. Each derivation names the
 * tables it is computed from; an import that loaded any of them brings the workspace's
 * derived rows up to date inside its own transaction. (Visit numbers are derived row by row
 * while visits load: src/derive/visit-attributes.ts.)
 */
import type { TableName } from "../model/canonical.js";
import type { Sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { refreshActivityRollup } from "./activity-rollup.js";
import { refreshLeadActivity } from "./lead-activity.js";
import { type LeadColumnPart, refreshLeadColumns } from "./lead-columns.js";
import { refreshLeadContact, refreshSubscriberHashes } from "./lead-contact.js";
import { refreshLeadProgress } from "./lead-progress.js";
import { refreshVisitLeads } from "./visit-leads.js";
import { refreshVisitRollup, type Span } from "./visit-rollup.js";
import { refreshWonStageDays } from "./won-stage-days.js";

/**
 * What a small write changed, so derivations redo only that: the leads it touched (a
 * subquery of their ids) and the whole months of activities it touched (null: none). Data
 * pushed through the API one lead at a time must not rebuild a million leads' columns.
 * `linkedFrom` is filled in by the derivations: the start of the earliest visit they linked
 * to a lead (null: none), where the write's changes to website data begin.
 */
export type DerivedScope = { leads: Sql; activityMonths: Span | null; linkedFrom?: string | null };

type Derivation = {
  inputs: readonly TableName[];
  /** The tables it writes. */
  outputs: readonly string[];
  /**
   * With a scope: only what the scope names (derivations without `scoped` redo everything).
   * Either may return a sentence for the import's summary (what it linked, ...).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: most derivations say nothing and return Promise<void>
  refresh(store: Store, workspace: string): Promise<string | void>;
  // biome-ignore lint/suspicious/noConfusingVoidType: as refresh
  scoped?(store: Store, workspace: string, scope: DerivedScope): Promise<string | void>;
  /**
   * Columns of the leads: a whole-workspace refresh writes those of every such derivation
   * in one UPDATE (lead-columns.ts), at the place of the first.
   */
  leadColumns?: LeadColumnPart;
};

const DERIVATIONS: readonly Derivation[] = [
  // Stage progress on each lead (furthest stage, when it reached the qualifying stage).
  {
    inputs: ["leads", "stages", "stage_events"],
    outputs: ["leads"],
    refresh: refreshLeadProgress,
    leadColumns: "progress",
    scoped: (store, workspace, scope) => refreshLeadProgress(store, workspace, scope.leads),
  },
  // Days in each stage of every won lead.
  {
    inputs: ["leads", "stages", "stage_events"],
    outputs: ["won_stage_days"],
    refresh: refreshWonStageDays,
    scoped: (store, workspace, scope) => refreshWonStageDays(store, workspace, scope.leads),
  },
  // First and last activity and activity counts by type on each lead.
  {
    inputs: ["leads", "activities"],
    outputs: ["leads"],
    refresh: refreshLeadActivity,
    leadColumns: "activity",
    scoped: (store, workspace, scope) => refreshLeadActivity(store, workspace, scope.leads),
  },
  // The hash of each lead's contact (newsletter subscribers are stored hashed).
  {
    inputs: ["leads"],
    outputs: ["leads"],
    refresh: refreshLeadContact,
    leadColumns: "contact",
    scoped: (store, workspace, scope) => refreshLeadContact(store, workspace, scope.leads),
  },
  // Subscribers' hashes in lower case, as the leads' are.
  { inputs: ["newsletter_subscribers"], outputs: ["newsletter_subscribers"], refresh: refreshSubscriberHashes },
  // Monthly activity counts and real-note lengths per rep, and activities per lead and rep.
  {
    inputs: ["activities"],
    outputs: ["activity_months", "activity_note_months", "lead_activity_months"],
    refresh: refreshActivityRollup,
    scoped: async (store, workspace, scope) => {
      if (scope.activityMonths) await refreshActivityRollup(store, workspace, scope.activityMonths);
    },
  },
  // Monthly visit rollups (visit numbers must be current first: they are, loaded with the visits).
  {
    inputs: ["visits"],
    outputs: ["visitor_months", "visit_months", "visit_source_months"],
    refresh: refreshVisitRollup,
  },
  // Visits in which a visitor gave an email or CRM id (website tracking, an imported identity),
  // linked to the lead with that contact; the rollups of their months brought up to date.
  // After the lead hashes and the visit rollups.
  {
    inputs: ["leads", "visits", "visitor_identities"],
    outputs: ["visits", "visitor_months", "visit_months", "visit_source_months"],
    refresh: (store, workspace) => refreshVisitLeads(store, workspace),
    // The whole workspace still (links are cheap to find once identities exist), heard by the scope.
    scoped: (store, workspace, scope) =>
      refreshVisitLeads(store, workspace, (first) => {
        scope.linkedFrom = first;
      }),
  },
];

/**
 * Refreshes every derivation computed from one of `loaded` (the tables an import wrote),
 * only for `scope` when given; returns the tables it wrote and what is worth telling the user.
 */
export async function refreshDerivedFacts(
  store: Store,
  workspace: string,
  loaded: readonly TableName[],
  scope?: DerivedScope,
): Promise<{ written: string[]; notes: string[] }> {
  const written = new Set<string>();
  const notes: string[] = [];
  const due = DERIVATIONS.filter((d) => d.inputs.some((table) => loaded.includes(table)));
  // Without a scope, the lead columns are written together, where the first of them was due.
  let leadColumns: Set<LeadColumnPart> | null = new Set(due.flatMap((d) => (d.leadColumns ? [d.leadColumns] : [])));
  for (const derivation of due) {
    if (derivation.leadColumns && !scope) {
      if (leadColumns) await refreshLeadColumns(store, workspace, leadColumns);
      leadColumns = null;
      for (const table of derivation.outputs) written.add(table);
      continue;
    }
    const note =
      scope && derivation.scoped
        ? await derivation.scoped(store, workspace, scope)
        : await derivation.refresh(store, workspace);
    if (note) notes.push(note);
    for (const table of derivation.outputs) written.add(table);
  }
  return { written: [...written], notes };
}
