/**
 * What sales velocity (METRICS.md 3, definitions/velocity.ts) answers. Type-only and free of
 * Node, shared with the dashboard (results/common.ts says why).
 */
import type { FigureUnsupported, RankSumTest, Unsupported } from "./common.js";

/** Days from the start (qualification or creation) to the close, over a set of closed leads. */
export type DurationStats = {
  leads: number;
  median: number | null;
  p75: number | null;
  p90: number | null;
  /**
   * The median's distribution-free 95% interval (sql-parts.ts `medianInterval`): the days at
   * its order-statistic ranks; null below 6 leads.
   */
  low: number | null;
  high: number | null;
};

export type VelocityGroup = {
  won: DurationStats;
  lost: DurationStats;
  /** Median days to lose / median days to win; null when either is missing or the win median is 0. */
  loseToWinRatio: number | null;
  /**
   * Lost deals are credibly held longer than won ones (METRICS.md 3): the one-sided
   * Mann-Whitney test of the days to lose against the days to win (heldLongerTest) has
   * p < 5%. False otherwise; null when either side has fewer than 6 leads, too few to tell.
   */
  heldLonger: boolean | null;
  /**
   * The test behind heldLonger: U of the days to lose (the pairs of a lost and a won lead
   * where the lost one took longer, ties a half, out of lost x won), its z and one-sided
   * p-value (statistics.ts rankSumTest). Null when heldLonger is.
   */
  heldLongerTest: RankSumTest | null;
};

export type VelocityRep = VelocityGroup & { repId: string | null; repName: string };
export type VelocitySource = VelocityGroup & { source: string };

export type StageDays = {
  pipelineId: string;
  pipelineName: string;
  stageId: string;
  stageName: string;
  position: number;
  /** Won leads (closed in the period) that entered the stage. */
  leads: number;
  /** Median of the days those leads spent in it (all visits summed); null without leads. */
  medianDays: number | null;
};

/**
 * The distribution of days to close: closed qualified leads per range of days, won and lost
 * apart, over the fixed ranges of DAY_RANGES (definitions/velocity.ts): 0-6, 7-13, 14-29,
 * 30-59, 60-89, 90-179, 180-364, 365+.
 */
export type DaysDistribution = { range: string; won: number; lost: number }[];

export type VelocityFigure = {
  /**
   * Leads created and qualified before the end of the period and not closed before it; null
   * when qualification cannot be told (VelocityResult.unsupportedFigures).
   */
  openQualifiedLeads: number | null;
  /** won / (won + lost) among qualified leads closed in the period; null when none closed. */
  winRate: number | null;
  /** Average value of leads won in the period (reporting currency); null when none. */
  averageWonValue: number | null;
  medianDaysToWin: number | null;
  /** openQualifiedLeads x winRate x averageWonValue / medianDaysToWin; null when a part is missing. */
  perDay: number | null;
};

/** The figures of this metric the data cannot support, by what they miss (figure-support.ts). */
export type VelocityUnsupported = {
  /** Win rate, velocity, open qualified leads and the days from qualification. */
  qualification: FigureUnsupported | null;
  /** Win rate, velocity, days to lose and the lose/win ratio. */
  losses: FigureUnsupported | null;
  /** Average won value and velocity. */
  amounts: FigureUnsupported | null;
};

export type VelocityResult = VelocityGroup & {
  /** What days are counted from (ctx.options.velocityFrom). */
  from: "qualification" | "creation";
  /**
   * Every closed lead counts as qualified at its creation: days counted from creation on data
   * without qualification marks (figure-support.ts), where "qualified" cannot be told.
   */
  everyLeadCounts: boolean;
  unsupportedFigures: VelocityUnsupported;
  /**
   * Leads lost in the period that never qualified: not qualified leads, so left out of the
   * days to lose and the win rate (they measure how fast junk is weeded out, not how long
   * deals are held). Counted here so nothing disappears silently.
   */
  unqualifiedLost: number;
  /** Closed qualified leads per range of days to close (DAY_RANGES), won and lost apart. */
  distribution: DaysDistribution;
  byRep: VelocityRep[];
  bySource: VelocitySource[];
  /** Null when the data has no stage history (see `unsupported`). */
  daysInStage: StageDays[] | null;
  velocity: VelocityFigure;
  /** Parts of this metric the loaded data cannot support (the days in stage need stage history). */
  unsupported: Unsupported[];
};
