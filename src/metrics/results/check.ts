/**
 * What the vanity check (src/insights/vanity-check.ts; `verity check`, GET /api/check, the
 * dashboard's home) and its trend (GET /api/check/trend) answer, with the verdict words of
 * src/insights/verdict.ts. Type-only and free of Node, shared with the dashboard
 * (results/common.ts says why).
 */
import type { Evidence, FigureUnsupported, Format, Judgement, VanityId } from "./common.js";

/** A phrase in each language the product speaks. */
export type Words = { en: string; sv: string };

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

export type Figure = {
  label: string;
  format: Format;
  value: number | null;
  previous: number | null;
  change: number | null;
  /** The n behind the value and the earlier value (counts, numerator and denominator, leads behind a median). */
  evidence: Evidence | null;
  previousEvidence: Evidence | null;
  /** Set when the data cannot support the figure: why, and what fixes it. */
  unsupported: FigureUnsupported | null;
  /** Whether the change is beyond normal variation, by which tests, and the range that would have counted. */
  judgement: Judgement | null;
  /** The figure in each of `history.periods` (null: no data there), the last being the current period. */
  history: (number | null)[];
  /** Why the earlier value is missing when its period is before the figure's data began. */
  missing?: string;
};

export type VanityFinding = {
  vanity: VanityId;
  /** METRICS.md's number of the pair. */
  number: number;
  metric: string;
  vanityFigure: Figure;
  realFigure: Figure;
  verdict: Verdict;
  kind: FindingKind;
  /** How each figure moved: beyond normal variation up or down, within it, or null (cannot tell). */
  vanityMovement: Movement;
  realMovement: Movement;
  /** The real figure's movement in its better direction (days to win falling is "better"). */
  realDirection: "better" | "worse" | "within";
  /** Whether either figure moved beyond normal variation. */
  signal: boolean;
  /** How far apart the two changes are (vanity − real, real in its better direction); null when unknown. */
  divergence: number | null;
  /** The finding in English (the CLI's sentence); `words` has it in every language. */
  finding: string;
  words: Words;
};

export type Span = { label: string; start: string; end: string };

export type VanityCheck = {
  period: Span;
  comparison: Span;
  /** The currency of money figures (total sales), null when amounts carry none. */
  currency: string | null;
  /** The periods each figure's `history` covers, oldest first, ending with `period`. */
  history: { periods: Span[] };
  findings: VanityFinding[];
};

export type VanityTrend = {
  periods: Span[];
  /**
   * One per pair, in METRICS.md's order: the two values in each period, oldest first; null in
   * a period before the figure's kind of data began (as the check's history reads it: a 0 there
   * would be missing data, not a value).
   */
  pairs: { vanity: VanityId; metric: string; vanityValues: (number | null)[]; realValues: (number | null)[] }[];
};
