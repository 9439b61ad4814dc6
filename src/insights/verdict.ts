/**
 * The verdict on one vanity pair, from how each of its two figures moved: up, down or within
 * normal variation (src/insights/signal.ts decides which). Pure, so its rules are tested on
 * their own (verdict.test.ts). A verdict that something diverges needs a signal in at least
 * one figure: two changes that are both within normal variation are noise, whatever their
 * size in percent.
 */
import type { FindingKind, Movement, Verdict } from "../metrics/results/check.js";
import type { Pair } from "./pairs.js";

// Movement, Verdict and FindingKind are declared (with what each value means) in the Node-free
// src/metrics/results/check.ts, which the dashboard reads too.
export type { FindingKind, Movement, Verdict };

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
