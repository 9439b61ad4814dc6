/**
 * The verdict on one vanity pair, from how each of its two figures moved: up, down or within
 * normal variation (src/insights/signal.ts decides which). Pure, so its rules are tested on
 * their own (verdict.test.ts). A verdict that something diverges needs a signal in at least
 * one figure: two changes that are both within normal variation are noise, whatever their
 * size in percent.
 */
import type { Pair } from "./pairs.js";

/** How a figure moved: beyond normal variation up or down, within it, or null when that cannot be told. */
export type Movement = "up" | "down" | "within" | null;

/**
 * What the check says about a pair:
 * - "diverging" (✗): the real figure got worse, or the vanity figure rose while the real one
 *   did not, or (total sales) money fell; each beyond normal variation.
 * - "improving" (✓): the real figure got better beyond normal variation.
 * - "aligned" (·): a vanity figure moved beyond normal variation and what it means is no
 *   warning (less busyness with the same results; sales grew and deals close as fast).
 * - "noise" (~): both figures are within normal variation.
 * - "unknown" (?): the data cannot support the pair, or there is no earlier period to compare.
 */
export type Verdict = "diverging" | "improving" | "aligned" | "noise" | "unknown";

/**
 * Which sentence the finding is, for any language: the vanity figure's movement against the
 * real one's (in its better or worse direction).
 * - "falls": vanity up, real worse; "flat": vanity up, real within normal variation;
 * - "both-better": vanity up, real better; "improving": vanity down, real better;
 * - "real-worse": real worse, vanity not up; "real-better": real better, vanity within;
 * - "vanity-fell": vanity down, real within; "noise": both within;
 * - "no-change": an earlier value is missing; "unsupported": the data cannot tell.
 */
export type FindingKind =
  | "falls"
  | "flat"
  | "both-better"
  | "improving"
  | "real-worse"
  | "real-better"
  | "vanity-fell"
  | "noise"
  | "no-change"
  | "unsupported";

/** The real figure's movement in its better direction (days to win falling is "better"). */
export type RealMovement = "better" | "worse" | "within";

export function realMovement(pair: Pick<Pair, "better">, movement: Movement): RealMovement {
  if (movement === "up") return pair.better === 1 ? "better" : "worse";
  if (movement === "down") return pair.better === 1 ? "worse" : "better";
  // A figure whose movement cannot be judged (too little history, no sampling model) is no
  // signal: a verdict needs evidence, not the absence of it.
  return "within";
}

export function verdictOf(
  pair: Pick<Pair, "better" | "vanityFallIsBad" | "steadyIsFine">,
  vanity: Movement,
  real: Movement,
): { verdict: Verdict; kind: FindingKind } {
  const v = vanity ?? "within";
  const r = realMovement(pair, real);
  if (r === "worse") return { verdict: "diverging", kind: v === "up" ? "falls" : "real-worse" };
  if (r === "better") {
    if (v === "up") return { verdict: "improving", kind: "both-better" };
    if (v === "down") return { verdict: pair.vanityFallIsBad ? "aligned" : "improving", kind: "improving" };
    return { verdict: "improving", kind: "real-better" };
  }
  if (v === "up") return { verdict: pair.steadyIsFine ? "aligned" : "diverging", kind: "flat" };
  if (v === "down") return { verdict: pair.vanityFallIsBad ? "diverging" : "aligned", kind: "vanity-fell" };
  return { verdict: "noise", kind: "noise" };
}

/** The order findings are listed in: what needs attention first. */
export const VERDICT_ORDER: readonly Verdict[] = ["diverging", "improving", "aligned", "noise", "unknown"];
