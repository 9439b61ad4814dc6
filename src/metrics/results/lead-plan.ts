/**
 * What the lead requirement plan (METRICS.md 2, src/insights/lead-plan.ts; `verity plan`,
 * GET /api/plan) answers. Type-only and free of Node, shared with the dashboard's funnel page
 * (results/common.ts says why).
 */
import type { Interval } from "./common.js";

export type LeadPlanTarget = { wonLeads?: number; revenue?: number };

export type LeadPlanStage = {
  stageId: string;
  stageName: string;
  /** The stage's measured conversion (advanced / (advanced + lost at)). */
  conversion: number;
  interval: Interval;
  /** Product of the conversions from this stage to won. */
  conversionToWon: number;
  /** The same product over the interval bounds of each stage (a cautious span, not a joint interval). */
  conversionToWonRange: Interval;
  /** Won leads needed / conversion to won, unrounded. */
  expected: number;
  /** `expected` rounded up: the leads that must enter the stage. */
  leads: number;
  /** Leads needed if every stage converts at its interval's high bound (the fewest), rounded up. */
  low: number;
  /** Leads needed if every stage converts at its interval's low bound (the most), rounded up. */
  high: number;
  /** Median days the window's won leads took from entering this stage to being won. */
  medianDaysToWon: number | null;
  /** How many won leads that median is over. */
  timedLeads: number;
  /** The plan period's end minus medianDaysToWon (ISO); null without a duration. */
  enterBy: string | null;
};

export type LeadPlan = {
  period: { label: string; start: string; end: string };
  history: { label: string; start: string; end: string };
  pipeline: { id: string; name: string };
  target: { wonLeads: number | null; revenue: number | null };
  currency: string | null;
  /** Leads created in the history window the conversions are measured on. */
  measuredOn: number;
  /** Leads won (closed) in the history window, and their average value in the reporting currency. */
  wonInHistory: number;
  averageWonValue: number | null;
  wonNeeded: number;
  stages: LeadPlanStage[];
  /** The assumptions the numbers rest on, in plain words. */
  notes: string[];
};

/** A pipeline that has leads in the history window but cannot be planned, and why. */
export type UnplannedPipeline = { pipeline: { id: string; name: string }; reason: string };

/** Plans for each pipeline of a workspace (`verity plan` without --pipeline). */
export type LeadPlans = {
  plans: LeadPlan[];
  /** Pipelines with leads in the window whose data cannot carry a plan (a stage that converts nothing). */
  unplanned: UnplannedPipeline[];
  /** What the plans together assume, in plain words (each plan has its own notes too). */
  notes: string[];
};
