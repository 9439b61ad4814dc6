/**
 * The kinds of data a workspace can hold, declared once. Importers say which they lack, the
 * metrics' context computes which are present (src/metrics/context.ts), and every metric and
 * vanity figure names the ones it needs; a missing one is reported instead of a wrong number.
 * The order here is the order they are listed in, in summaries and in `verity doctor`.
 */
export const DATA_CAPABILITIES = [
  "stage_history",
  "activities",
  "web_visits",
  /** Daily website totals only (an aggregate export such as Plausible's): the visits count, nothing per visitor. */
  "web_totals",
  "social",
  "newsletter",
  "loss_reasons",
  "lead_sources",
  /** Some lead has a qualification time, or some stage is the qualifying one. */
  "qualification",
  /** Some lead is lost: without losses a win rate is not a rate (it would read 100%). */
  "losses",
  /** Some lead carries an amount: without amounts money figures are unknown, not 0. */
  "amounts",
] as const;

export type DataCapability = (typeof DATA_CAPABILITIES)[number];

/** What no CRM export holds: web visits, social and newsletter data come from elsewhere. */
export const NOT_IN_CRM_EXPORTS: readonly DataCapability[] = ["web_visits", "web_totals", "social", "newsletter"];
