/**
 * The vanity check (METRICS.md, "The vanity check"): for each of the eight vanity metrics,
 * its value and its real counterpart's for the period and the comparison period, and a
 * plain sentence computed from the four numbers when they tell different stories
 * ("New leads +25%, qualified leads −4%: lead quality is falling"). Largest divergence first.
 */
import type { ResolvedRequest } from "../metrics/context.js";
import type { Format, MetricReport, VanityId } from "../metrics/metric.js";
import { metricById } from "../metrics/registry.js";
import { relativeChange, runMetric, unsupportedOf } from "../metrics/run-metric.js";
import { tidy } from "../metrics/sql-parts.js";
import { computeVanity, vanityDefinition } from "../metrics/vanity.js";
import { trailingPeriods } from "../model/period.js";

/** Below this relative change (5%) a number is "flat". */
export const FLAT = 0.05;

type Pair = {
  vanity: VanityId;
  metric: string;
  headline: string;
  /** +1 when a higher real number is better, −1 when lower is better (days to win). */
  better: 1 | -1;
  /** Lower-case name of the real number in a sentence. */
  realWords: string;
  /** What it means when the vanity number rises and the real one falls or stays flat. */
  meaning: { falls: string; flat: string };
  /**
   * A real number that holds steady while the vanity one rises is no warning here: total
   * sales may grow while deals close as fast as before.
   */
  steadyIsFine?: boolean;
};

/** The eight pairs of METRICS.md, in its order. */
export const PAIRS: readonly Pair[] = [
  {
    vanity: "activities",
    metric: "activity-quality",
    headline: "wonLeads",
    better: 1,
    realWords: "won leads",
    meaning: { falls: "more busyness, fewer customers", flat: "more busyness, not more customers" },
  },
  {
    vanity: "activity-conversion",
    metric: "funnel",
    headline: "winRate",
    better: 1,
    realWords: "win rate of new leads",
    meaning: {
      falls: "more meetings booked, fewer deals won from them",
      flat: "more meetings booked, no better at winning",
    },
  },
  {
    vanity: "total-sales",
    metric: "velocity",
    headline: "medianDaysToWin",
    better: -1,
    realWords: "median days to win",
    meaning: {
      falls: "sales grew but deals take longer to close; the pipeline is slowing",
      flat: "sales grew and deals close as fast as before",
    },
    steadyIsFine: true,
  },
  {
    vanity: "visits",
    metric: "engagement",
    headline: "returningVisitors",
    better: 1,
    realWords: "returning visitors",
    meaning: { falls: "the extra traffic came once and left", flat: "the extra traffic came once and left" },
  },
  {
    vanity: "new-leads",
    metric: "qualified-leads",
    headline: "qualifiedLeads",
    better: 1,
    realWords: "qualified leads",
    meaning: { falls: "lead quality is falling", flat: "the extra leads are not the kind that qualify" },
  },
  {
    vanity: "followers",
    metric: "content-shares",
    headline: "sharesPerPost",
    better: 1,
    realWords: "shares per post",
    meaning: { falls: "the new audience does not engage", flat: "a bigger audience, no more engagement" },
  },
  {
    vanity: "impressions",
    metric: "social-conversions",
    headline: "socialLeads",
    better: 1,
    realWords: "leads from social media",
    meaning: { falls: "more people see the posts, fewer become leads", flat: "more reach, no more leads" },
  },
  {
    vanity: "subscribers",
    metric: "newsletter-leads",
    headline: "newsletterLeads",
    better: 1,
    realWords: "leads from the newsletter",
    meaning: { falls: "a bigger list that sells less", flat: "a bigger list, no more leads" },
  },
];

export type Figure = {
  label: string;
  format: Format;
  value: number | null;
  previous: number | null;
  change: number | null;
};

export type VanityFinding = {
  vanity: VanityId;
  /** METRICS.md's number of the pair. */
  number: number;
  metric: string;
  vanityFigure: Figure;
  realFigure: Figure;
  /** "diverging" (vanity up, real not), "improving" (vanity down, real up), "aligned", or "unknown". */
  verdict: "diverging" | "improving" | "aligned" | "unknown";
  /** How far apart the two changes are (vanity − real, real in its "better" direction); null when unknown. */
  divergence: number | null;
  /**
   * Which sentence `finding` is, for a reader that words it in another language: the pair's
   * meaning when the vanity number rose and the real one fell ("falls") or stayed ("flat"),
   * "improving" (vanity down, real up), "real-fell", "real-improved", "steady", "no-change"
   * (an earlier value is missing) or "unsupported" (the data cannot tell).
   */
  kind: FindingKind;
  finding: string;
};

export type FindingKind =
  | "falls"
  | "flat"
  | "improving"
  | "real-fell"
  | "real-improved"
  | "steady"
  | "no-change"
  | "unsupported";

export type VanityCheck = {
  period: { label: string; start: string; end: string };
  comparison: { label: string; start: string; end: string };
  /** The currency of money figures (total sales), null when amounts carry none. */
  currency: string | null;
  findings: VanityFinding[];
};

function percent(change: number): string {
  const value = Math.abs(change * 100);
  const digits = value < 10 ? 1 : 0;
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${sign}${value.toFixed(digits)}%`;
}

function describeChange(change: number): string {
  return Math.abs(change) < FLAT ? `flat (${percent(change)})` : percent(change);
}

/**
 * The sentence for one pair, from the two relative changes. `vanityChange` and `realChange`
 * are as measured; the real one is turned by `better` so that up means better.
 */
export function findingFor(
  pair: Pair,
  vanityLabel: string,
  vanityChange: number | null,
  realChange: number | null,
): Pick<VanityFinding, "verdict" | "divergence" | "kind" | "finding"> {
  const real = pair.realWords;
  if (vanityChange === null || realChange === null) {
    const missing = vanityChange === null ? vanityLabel.toLowerCase() : real;
    return {
      verdict: "unknown",
      divergence: null,
      kind: "no-change",
      finding: `No change to compare for ${missing}: the earlier period has none.`,
    };
  }
  const good = realChange * pair.better;
  const divergence = vanityChange - good;
  const both = `${vanityLabel} ${describeChange(vanityChange)}, ${real} ${describeChange(realChange)}`;
  if (vanityChange >= FLAT && good <= -FLAT)
    return { verdict: "diverging", divergence, kind: "falls", finding: `${both}: ${pair.meaning.falls}.` };
  if (vanityChange >= FLAT && good < FLAT) {
    const verdict = pair.steadyIsFine ? "aligned" : "diverging";
    return { verdict, divergence, kind: "flat", finding: `${both}: ${pair.meaning.flat}.` };
  }
  if (vanityChange <= -FLAT && good >= FLAT) {
    return { verdict: "improving", divergence, kind: "improving", finding: `${both}: less noise, better results.` };
  }
  if (good <= -FLAT) {
    return { verdict: "diverging", divergence, kind: "real-fell", finding: `${both}: ${real} fell; watch this one.` };
  }
  if (good >= FLAT)
    return { verdict: "aligned", divergence, kind: "real-improved", finding: `${both}: ${real} improved.` };
  return { verdict: "aligned", divergence, kind: "steady", finding: `${both}: ${real} held steady.` };
}

/** Runs the check; `request` must have a comparison period. */
export async function vanityCheck(request: ResolvedRequest): Promise<VanityCheck> {
  const current = request.current;
  const previous = request.previous;
  if (!previous) throw new Error("the vanity check needs a comparison period");
  const reports = new Map<string, MetricReport>();
  const findings: VanityFinding[] = [];
  for (const pair of PAIRS) {
    const vanity = vanityDefinition(pair.vanity);
    const definition = metricById(pair.metric);
    let realFigure: Figure = { label: pair.realWords, format: "number", value: null, previous: null, change: null };
    let unsupported: string | null = definition ? null : `${pair.realWords} is not available`;
    let report: MetricReport | undefined;
    if (definition) {
      const problems = unsupportedOf(definition, current);
      if (problems.length > 0) unsupported = problems.map((p) => p.message).join("; ");
      report = reports.get(pair.metric);
      if (!report) {
        report = await runMetric(definition, request);
        reports.set(pair.metric, report);
      }
      const headline = report.headlines.find((h) => h.key === pair.headline);
      if (!headline) throw new Error(`metric ${pair.metric} has no headline ${pair.headline}`);
      realFigure = {
        label: headline.label,
        format: headline.format,
        value: headline.value,
        previous: headline.previous,
        change: relativeChange(headline.previous, headline.value),
      };
    }
    // The report already carries the vanity numbers beside its metric, for both periods.
    const carried = report?.vanity.find((v) => v.id === pair.vanity);
    const now = carried?.value ?? (carried ? null : (await computeVanity(current, pair.vanity)).value);
    const before = carried ? carried.previous : (await computeVanity(previous, pair.vanity)).value;
    const vanityFigure: Figure = tidy({
      label: vanity.label,
      format: vanity.format,
      value: now,
      previous: before,
      change: relativeChange(before, now),
    });
    const judged = unsupported
      ? {
          verdict: "unknown" as const,
          divergence: null,
          kind: "unsupported" as const,
          finding: `Cannot check: ${unsupported}.`,
        }
      : findingFor(pair, vanity.label, vanityFigure.change, realFigure.change);
    findings.push(
      tidy({ vanity: pair.vanity, number: vanity.number, metric: pair.metric, vanityFigure, realFigure, ...judged }),
    );
  }
  findings.sort(
    (a, b) =>
      (b.divergence ?? Number.NEGATIVE_INFINITY) - (a.divergence ?? Number.NEGATIVE_INFINITY) || a.number - b.number,
  );
  const period = (p: typeof current.period) => ({
    label: p.label,
    start: p.start.toISOString(),
    end: p.end.toISOString(),
  });
  return {
    period: period(current.period),
    comparison: period(previous.period),
    currency: current.currency,
    findings,
  };
}

export type VanityTrend = {
  periods: { label: string; start: string; end: string }[];
  /** One per pair, in METRICS.md's order: the two values in each period, oldest first. */
  pairs: { vanity: VanityId; metric: string; vanityValues: (number | null)[]; realValues: (number | null)[] }[];
};

/**
 * Each pair's vanity and real value over `count` periods of the request's length, ending
 * with its period (the dashboard's small trend charts). Each metric runs once a period.
 */
export async function vanityTrend(
  resolve: (period: string | undefined) => Promise<ResolvedRequest>,
  count: number,
): Promise<VanityTrend> {
  const latest = (await resolve(undefined)).current.period;
  // Fewer than `count` when earlier periods would fall before the years Verity reads.
  const periods = trailingPeriods(latest, count);
  const pairs: VanityTrend["pairs"] = PAIRS.map((pair) => ({
    vanity: pair.vanity,
    metric: pair.metric,
    vanityValues: [],
    realValues: [],
  }));
  for (const period of periods) {
    const request = await resolve(period.label);
    const reports = new Map<string, MetricReport | null>();
    for (const [i, pair] of PAIRS.entries()) {
      const entry = pairs[i] as VanityTrend["pairs"][number];
      if (!reports.has(pair.metric)) {
        const definition = metricById(pair.metric);
        const supported = definition && unsupportedOf(definition, request.current).length === 0;
        reports.set(pair.metric, definition && supported ? await runMetric(definition, request) : null);
      }
      const report = reports.get(pair.metric) ?? null;
      entry.realValues.push(report?.headlines.find((h) => h.key === pair.headline)?.value ?? null);
      const carried = report?.vanity.find((v) => v.id === pair.vanity);
      entry.vanityValues.push(carried ? carried.value : (await computeVanity(request.current, pair.vanity)).value);
    }
  }
  return {
    periods: periods.map((p) => ({ label: p.label, start: p.start.toISOString(), end: p.end.toISOString() })),
    pairs,
  };
}
