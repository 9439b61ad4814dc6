/**
 * What the funnel (METRICS.md 2, definitions/funnel.ts) answers. Type-only and free of Node,
 * shared with the dashboard (results/common.ts says why).
 */
import type { FigureUnsupported, Interval } from "./common.js";

/** What leads did at one stage. `reached` = advanced + lostAt + openAt + cancelledAt. */
export type StageCounts = {
  /** Leads whose progress reached the stage (or that were won). */
  reached: number;
  /** Leads that went past it (a later stage, or won; at the last stage: won). */
  advanced: number;
  /** Lost leads that got no further than this stage. */
  lostAt: number;
  /** Open leads that got no further than this stage (left out of the rate). */
  openAt: number;
  /** Cancelled leads that got no further than this stage (left out of the rate). */
  cancelledAt: number;
};

export type FunnelStage = StageCounts & {
  stageId: string;
  stageName: string;
  position: number;
  /** advanced / (advanced + lostAt); null when both are 0. */
  conversion: number | null;
  /** Wilson 95% interval of the conversion; null when it is null. */
  interval: Interval | null;
};

export type StatusTotals = {
  cohort: number;
  won: number;
  lost: number;
  open: number;
  cancelled: number;
  /** won / (won + lost); null when neither. */
  winRate: number | null;
};

export type FunnelPipeline = StatusTotals & {
  pipelineId: string;
  pipelineName: string;
  /** The pipeline's open stages in position order. */
  stages: FunnelStage[];
};

export type Flag = "above" | "below";

export type FunnelRepStage = StageCounts & {
  pipelineId: string;
  stageId: string;
  stageName: string;
  conversion: number | null;
  interval: Interval | null;
  /** The rest of the team: every other rep's leads of the same cohort and filters. */
  team: { advanced: number; lostAt: number; conversion: number | null; interval: Interval | null };
  /** Set only when the rep's and the team's intervals do not overlap. */
  flag: Flag | null;
};

export type FunnelRep = StatusTotals & { repId: string; repName: string; stages: FunnelRepStage[] };

/** One credible difference between a rep and the rest of the team, with the counts it rests on. */
export type FunnelFlag = {
  repId: string;
  repName: string;
  pipelineId: string;
  pipelineName: string;
  stageId: string;
  stageName: string;
  /** The rep's leads that went past the stage, of those decided there (advanced or lost at it). */
  advanced: number;
  decided: number;
  conversion: number | null;
  interval: Interval | null;
  teamAdvanced: number;
  teamDecided: number;
  teamConversion: number | null;
  teamInterval: Interval | null;
  flag: Flag;
};

export type FunnelResult = StatusTotals & {
  /**
   * Won of every lead created in the period, open ones included (won / cohort): beside the win
   * rate, and in its place when no losses are recorded (the win rate would read 100%).
   */
  conversionIncludingOpen: number | null;
  /** Set (and every winRate null) when no lost leads are recorded (figure-support.ts). */
  winRateUnsupported: FigureUnsupported | null;
  pipelines: FunnelPipeline[];
  reps: FunnelRep[];
  flags: FunnelFlag[];
};
