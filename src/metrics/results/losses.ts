/**
 * What the loss report (METRICS.md 4, definitions/losses.ts) answers. Type-only and free of
 * Node, shared with the dashboard (results/common.ts says why).
 */

/**
 * Lost leads and their value (reporting currency; 0 when none of them carries one; null when
 * the loaded leads carry no amounts at all: unknown, not 0).
 */
export type LossCount = { leads: number; value: number | null };

export type LossesResult = LossCount & {
  /**
   * The total value as a sum of amounts: how many lost leads carry one in the reporting
   * currency, and the sum of their squares (its compound Poisson variance); null without amounts.
   */
  valuedLeads: number | null;
  valueSumOfSquares: number | null;
  /** By loss reason ("unknown" when empty), with each reason's share of lost leads; null without loss reasons. */
  byReason: (LossCount & { reason: string; share: number })[] | null;
  /** By the furthest open stage reached before the loss ("unknown" when none), in pipeline order. */
  byStage: (LossCount & { pipelineId: string; pipelineName: string; stage: string })[];
  /** By competitor ("none" when empty), most lost leads first. */
  byCompetitor: (LossCount & { competitor: string })[];
  byRep: (LossCount & { repId: string | null; repName: string })[];
  /** Every grain bucket of the period, empty ones with zeros. */
  trend: (LossCount & { bucket: string })[];
};
