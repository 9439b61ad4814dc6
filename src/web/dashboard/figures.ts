/**
 * How the dashboard shows what stands behind a figure (METRICS.md, "Signal or noise"): its n
 * (the API's `Evidence`), whether its change is beyond normal variation (the check's
 * `judgement`), and "cannot tell" with the reason when the data cannot support it. The types
 * are the server's (src/metrics/results/common.ts); the words are the reader's language.
 */
import type { Evidence, FigureUnsupported, Interval, Judgement } from "../../metrics/results/common.js";
import { currentLocale, type Format, formatValue, t } from "./i18n.js";

/** The server's own types (src/metrics/results/common.ts): a field renamed there fails this build. */
export type { Evidence, FigureUnsupported, Interval, Judgement };

const count = (n: number) => formatValue(n, "count");

/**
 * The 95% Wilson interval of successes of trials, as src/metrics/statistics.ts wilsonInterval
 * computes it for `verity report` (the dashboard's modules are compiled apart from the
 * server's, so the few lines are repeated here). Null without trials.
 */
export function wilsonInterval(successes: number, trials: number): Interval | null {
  if (trials <= 0) return null;
  const z = 1.959964;
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** "12–63", "8.2%–26.5%", "9.7–65 days": a unit that follows the number is written once. */
export function rangeText(low: number, high: number, format: Format, currency: string | null = null): string {
  // Days to a tenth, as formatValue writes them, without the unit.
  const from =
    format === "days" ? formatValue(Math.round(low * 10) / 10, "number") : formatValue(low, format, currency);
  return `${from}–${formatValue(high, format, currency)}`;
}

/**
 * The n as a reader sees it, as `verity report` prints it: "n = 268", "5 of 29 (95% interval
 * 7.6%–34.5%)", "139 / 919", "median of 41 leads (95% interval 32.1–66.3 days)", "33 leads"
 * (the leads whose amounts a sum adds up). `format` and `currency` are the figure's (a
 * median's interval is in its units). `brief` leaves the intervals out (an earlier value's n in
 * brackets after it).
 */
export function evidenceText(
  evidence: Evidence,
  format: Format,
  currency: string | null = null,
  brief = false,
): string {
  switch (evidence.kind) {
    case "count":
      return t("evidence.count", { n: count(evidence.n) });
    case "level":
      return t("evidence.level", { n: count(evidence.n) });
    case "rate": {
      const counts = t("evidence.rate", { successes: count(evidence.successes), trials: count(evidence.trials) });
      const interval = brief ? null : wilsonInterval(evidence.successes, evidence.trials);
      return interval
        ? t("evidence.rateInterval", { counts, range: rangeText(interval.low, interval.high, "percent") })
        : counts;
    }
    case "per":
      return t("evidence.per", { events: count(evidence.events), exposure: count(evidence.exposure) });
    case "sum":
      return t("evidence.sum", { n: count(evidence.n) });
    case "median":
      return brief || evidence.low === null || evidence.high === null
        ? t("evidence.median", { n: count(evidence.n) })
        : t("evidence.medianInterval", {
            n: count(evidence.n),
            range: rangeText(evidence.low, evidence.high, format, currency),
          });
  }
}

/** "cannot tell: no stage called Qualification (import with --qualifying-stage)". */
export function unsupportedText(unsupported: FigureUnsupported): string {
  const words = currentLocale() === "sv" && unsupported.sv ? unsupported.sv : unsupported;
  const reason = words.reason.replace(/\.$/, "");
  return words.fix
    ? t("figure.unsupportedFix", { reason, fix: words.fix.replace(/\.$/, "") })
    : t("figure.unsupported", { reason });
}

/**
 * A report comparison's judgement: "beyond sampling noise" or "within sampling noise". A
 * report judges sampling noise only (normal variation over earlier periods is the check's),
 * so it says no more than that. Null when the change could not be judged.
 */
export function samplingText(judgement: Judgement | null): string | null {
  if (!judgement || judgement.movement === null) return null;
  return judgement.movement === "within" ? t("judgement.withinNoise") : t("judgement.beyondNoise");
}

/**
 * "beyond normal variation", or "within normal variation (normal range 12–63)": the values
 * that would not have counted as a signal. Every figure is a count, rate, median or amount,
 * none below zero, so the range is cut at zero. Null when there is no judgement (nothing to
 * compare, or the figure is unsupported).
 */
export function judgementText(judgement: Judgement | null, format: Format, currency: string | null): string | null {
  if (!judgement) return null;
  if (judgement.movement === "up" || judgement.movement === "down") return t("judgement.beyond");
  if (judgement.movement === null) return t("judgement.notJudged");
  const range = judgement.normalRange;
  if (!range) return t("judgement.within");
  return t("judgement.withinRange", { range: rangeText(Math.max(0, range.low), range.high, format, currency) });
}
