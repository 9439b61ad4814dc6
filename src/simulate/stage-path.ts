/**
 * A lead's way through its pipeline: the stages it enters and when, and how it ends.
 * Every lead enters the first stage when it is created. It then moves forward, sometimes
 * skipping a stage (counts as passed, METRICS.md 2) and sometimes stepping back (a second
 * demo, a reworked proposal). Won and lost are the lead's status, not stages. The story is
 * cut at the end of the range: whatever had not happened by then is still open.
 */
import type { LeadStatus } from "../model/canonical.js";
import type { Pipeline, Rep } from "./company.js";
import type { Random } from "./random.js";
import { DAY_SECONDS, HOUR_SECONDS, isWeekend, MINUTE_SECONDS, RANGE_END } from "./time.js";

export type PathInput = {
  pipeline: Pipeline;
  rep: Rep;
  createdAt: number;
  /** Chance of reaching the qualifying stage. */
  qualifyChance: number;
  /** Chance that a qualified lead is won. */
  winChance: number;
  /** Chance that the lead is never closed (left to rot in a stage). */
  stallChance: number;
};

export type LeadPath = {
  /** Stage positions entered, in order; the first is 0 at createdAt. */
  positions: number[];
  times: number[];
  status: LeadStatus;
  /** -1 when still open. */
  closedAt: number;
  /** -1 when the lead never reached the qualifying stage (or a later one) within the range. */
  qualifiedAt: number;
  /** Whether the lead was qualified on its way (also if the range ended before it closed). */
  willQualify: boolean;
};

/** Lost deals leave most often mid-funnel; the last stage loses fewer. */
function lossPosition(pipeline: Pipeline, rng: Random): number {
  const first = pipeline.qualifyingPosition;
  const last = pipeline.stages.length - 1;
  const span = last - first + 1;
  const x = rng.next() * (span - 0.5);
  return Math.min(last, first + Math.floor(x));
}

/**
 * Reps move leads while they work: a change that would fall at night or on a weekend happens
 * during the next working hours (07:00-17:00 UTC) instead. Later than `t`, never earlier.
 */
function workingMoment(t: number, rng: Random): number {
  let day = Math.floor(t / DAY_SECONDS);
  const second = t - day * DAY_SECONDS;
  if (!isWeekend(day) && second >= 7 * HOUR_SECONDS && second < 17 * HOUR_SECONDS) return t;
  if (second >= 7 * HOUR_SECONDS) day++;
  while (isWeekend(day)) day++;
  return Math.max(t, day * DAY_SECONDS + 7 * HOUR_SECONDS + rng.int(10 * HOUR_SECONDS));
}

export function simulatePath(input: PathInput, rng: Random): LeadPath {
  const { pipeline, rep, createdAt } = input;
  const stages = pipeline.stages;
  const last = stages.length - 1;
  const q = pipeline.qualifyingPosition;
  const qualifies = rng.chance(input.qualifyChance);
  const cancelled = rng.chance(0.04);
  const won = qualifies && !cancelled && rng.chance(input.winChance);
  const stalls = !won && rng.chance(input.stallChance);
  const target = cancelled
    ? rng.int(qualifies ? last : q)
    : won
      ? last
      : qualifies
        ? lossPosition(pipeline, rng)
        : rng.chance(0.7)
          ? q - 1
          : rng.int(q);
  const losing = !won && !cancelled;
  // A rep who will not let go keeps a losing deal in every stage longer, not only in the last.
  const hold = losing ? rep.lossHold : 1;

  const positions = [0];
  const times = [createdAt];
  let t = createdAt;
  let current = 0;
  const dwell = (position: number, factor: number) => {
    const days = rng.logNormal((stages[position]?.medianDays ?? 5) * rep.pace * factor, 0.7);
    return Math.max(10 * MINUTE_SECONDS, Math.floor(days * DAY_SECONDS));
  };
  const enter = (position: number) => {
    t = workingMoment(t + dwell(current, position > current ? hold : 0.5), rng);
    positions.push(position);
    times.push(t);
    current = position;
  };
  while (current < target) {
    // Inbound leads often jump straight past "Contacted"; later skips are rarer.
    const skipChance = current === 0 ? 0.15 : 0.07;
    enter(current + 2 <= target && rng.chance(skipChance) ? current + 2 : current + 1);
    if (current >= 2 && current < target && rng.chance(0.1)) {
      enter(current - 1);
      enter(current + 1);
    }
  }
  let closedAt = -1;
  let status: LeadStatus = "open";
  if (!stalls) {
    // Nobody marks a deal lost on the day it dies: it lingers before someone gives up on it.
    const finalFactor = cancelled ? 0.3 : won ? 1 : 2.5 * hold;
    const end = workingMoment(t + dwell(current, finalFactor), rng);
    if (end <= RANGE_END) {
      closedAt = end;
      status = cancelled ? "cancelled" : won ? "won" : "lost";
    }
  }
  // Cut at the end of the range.
  let kept = positions.length;
  while (kept > 1 && (times[kept - 1] ?? 0) > RANGE_END) kept--;
  positions.length = kept;
  times.length = kept;
  let qualifiedAt = -1;
  for (let i = 0; i < kept; i++) {
    if ((positions[i] ?? 0) >= q) {
      qualifiedAt = times[i] ?? -1;
      break;
    }
  }
  return { positions, times, status, closedAt, qualifiedAt, willQualify: qualifies };
}
