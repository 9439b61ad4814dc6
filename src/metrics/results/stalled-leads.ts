/**
 * What the stalled-leads list (METRICS.md 3, metrics/stalled-leads.ts) answers. Type-only and
 * free of Node, shared with the dashboard (results/common.ts says why).
 */

export type StalledLead = {
  id: string;
  name: string | null;
  account: string | null;
  owner: { id: string; name: string } | null;
  stage: { id: string; name: string } | null;
  /** Value in the reporting currency (null for other currencies or no value). */
  value: number | null;
  /** Days in the current stage (basis "stage") or since creation (basis "age"), as of asOf. */
  days: number;
  /** The won-lead median it is compared with (per stage, or creation to win). */
  medianDays: number;
  /** days - k x medianDays (above 0 for every listed lead). */
  daysOver: number;
  /** The lead's latest activity up to asOf; null when it has none. */
  lastActivity: { date: string; type: string } | null;
};

export type StalledLeadsResult = {
  asOf: string;
  /** "stage": time in the current stage against that stage's won median; "age": total age against days to win. */
  basis: "stage" | "age";
  /** Why the basis is "age" (no stage history); null for "stage". */
  basisNote: string | null;
  /** k: a lead is stalled past k x the median. */
  factor: number;
  /** Leads open as of asOf (passing the filters). */
  openLeads: number;
  /**
   * Open leads that cannot be judged: their stage was never passed through by a won lead
   * (or, on basis "age", no lead has been won yet). They are counted here, not listed.
   */
  withoutBenchmark: number;
  /** The stalled leads, most days over first. */
  leads: StalledLead[];
};

/** The columns the stalled list sorts by (the dashboard's table columns; `name` is its "Lead"). */
export type StalledSortColumn = "name" | "owner" | "stage" | "value" | "days" | "daysOver" | "lastActivity";

/**
 * A sort of the stalled list: a column and a direction, e.g. "daysOver:desc" (the list's own
 * order, most days over first). Leads without a value in the column come last either way;
 * leads alike in it keep the order of their ids, so every lead has one place in each order.
 */
export type StalledSort = `${StalledSortColumn}:${"asc" | "desc"}`;

/**
 * GET /api/stalled: one page of the list, with everything the list has that is not per lead
 * (its as-of, basis, factor and counts) and the count of the whole list.
 */
export type StalledLeadsPage = Omit<StalledLeadsResult, "leads"> & {
  /** Stalled leads in the whole list (the pages together), whatever the page. */
  total: number;
  /** The page's leads, in `sort`, starting at `offset`. */
  leads: StalledLead[];
  offset: number;
  limit: number;
  sort: StalledSort;
};
