/**
 * `verity check`: the vanity check, the product's headline view. Each vanity metric beside
 * its real counterpart for the period and the one before, with what the pair means.
 */
import type { Command } from "commander";
import type { Judgement } from "../../insights/signal.js";
import { checkFor, type Figure, type VanityCheck } from "../../insights/vanity-check.js";
import type { Verdict } from "../../insights/verdict.js";
import { keptAnswer } from "../../metrics/kept-answers.js";
import type { Evidence, Format, View } from "../../metrics/metric.js";
import { type GlobalOptions, withStore } from "../context.js";
import { formatChange, formatEvidence, formatValue, renderCsv, TERMINAL_WIDTH, wrap } from "../render.js";
import {
  addMetricOptions,
  addTuningOptions,
  type MetricFlags,
  requestFrom,
  requireDatabase,
} from "./metric-options.js";

export function registerCheck(program: Command): void {
  const command = program
    .command("check")
    .description("the vanity check: each vanity metric beside the real one, and what the pair means");
  addTuningOptions(addMetricOptions(command)).action(async (flags: MetricFlags, cmd: Command) => {
    const globals = cmd.optsWithGlobals<GlobalOptions>();
    requireDatabase(globals);
    const request = requestFrom(flags, globals);
    // A fresh process answers from the last run's answer while the data and Verity are unchanged.
    const check = await withStore(globals, (store) =>
      keptAnswer(store, request.workspace, ["check", request], () => checkFor(store, request)),
    );
    const currency = check.currency;
    if (flags.format === "json") process.stdout.write(`${JSON.stringify(check, null, 2)}\n`);
    else if (flags.format === "csv") process.stdout.write(`${renderCsv(checkView(check))}\n`);
    else process.stdout.write(`${formatCheck(check, currency)}\n`);
  });
}

/** The check as one flat table (CSV and the dashboard's numbers), each figure with its n and normal range. */
export function checkView(check: VanityCheck): View {
  return {
    title: "Vanity check",
    columns: [
      { key: "number", label: "#", format: "count" },
      { key: "vanity", label: "Vanity metric", format: "text" },
      { key: "vanityValue", label: "Now", format: "number" },
      { key: "vanityPrevious", label: "Before", format: "number" },
      { key: "vanityN", label: "n", format: "text" },
      { key: "vanitySignal", label: "Vanity change", format: "text" },
      { key: "vanityNormalLow", label: "Normal from", format: "number" },
      { key: "vanityNormalHigh", label: "Normal to", format: "number" },
      { key: "real", label: "Real metric", format: "text" },
      { key: "realValue", label: "Now", format: "number" },
      { key: "realPrevious", label: "Before", format: "number" },
      { key: "realN", label: "n", format: "text" },
      { key: "realSignal", label: "Real change", format: "text" },
      { key: "realNormalLow", label: "Normal from", format: "number" },
      { key: "realNormalHigh", label: "Normal to", format: "number" },
      { key: "verdict", label: "Verdict", format: "text" },
      { key: "finding", label: "Finding", format: "text" },
    ],
    rows: check.findings.map((f) => ({
      number: f.number,
      vanity: f.vanityFigure.label,
      vanityValue: f.vanityFigure.value,
      vanityPrevious: f.vanityFigure.previous,
      vanityN: nOf(f.vanityFigure.evidence),
      vanitySignal: movementWords(f.vanityFigure),
      vanityNormalLow: f.vanityFigure.judgement?.normalRange?.low ?? null,
      vanityNormalHigh: f.vanityFigure.judgement?.normalRange?.high ?? null,
      real: f.realFigure.label,
      realValue: f.realFigure.value,
      realPrevious: f.realFigure.previous,
      realN: nOf(f.realFigure.evidence),
      realSignal: movementWords(f.realFigure),
      realNormalLow: f.realFigure.judgement?.normalRange?.low ?? null,
      realNormalHigh: f.realFigure.judgement?.normalRange?.high ?? null,
      verdict: f.verdict,
      finding: f.finding,
    })),
  };
}

/** The n behind a figure, as a reader checks it: "7", "5 of 29", "median of 41", "720 over 90". */
export function nOf(evidence: Evidence | null): string | null {
  if (!evidence) return null;
  switch (evidence.kind) {
    case "count":
    case "level":
      return evidence.n.toLocaleString("en-US");
    case "rate":
      return `${evidence.successes.toLocaleString("en-US")} of ${evidence.trials.toLocaleString("en-US")}`;
    case "per":
      return `${evidence.events.toLocaleString("en-US")} over ${evidence.exposure.toLocaleString("en-US")}`;
    case "median":
      return `median of ${evidence.n.toLocaleString("en-US")}`;
    case "sum":
      return `${evidence.n.toLocaleString("en-US")} amounts`;
  }
}

function movementWords(figure: Figure): string {
  if (figure.unsupported) return "cannot tell";
  const movement = figure.judgement?.movement;
  if (movement === undefined) return "no comparison";
  if (movement === null) return "cannot tell";
  return movement === "within" ? "within normal variation" : `signal (${movement})`;
}

const MARK: Record<Verdict, string> = { diverging: "✗", improving: "✓", aligned: "·", noise: "~", unknown: "?" };

function formatCheck(check: VanityCheck, currency: string | null): string {
  const lines = [
    `Vanity check · ${check.period.label} against ${check.comparison.label}`,
    wrap(
      "A change counts only when it is beyond sampling noise (from its n) and outside the natural process limits of up to 12 earlier periods of the same length.",
      "",
      TERMINAL_WIDTH,
    ),
    "",
  ];
  for (const f of check.findings) {
    lines.push(wrap(`${MARK[f.verdict]} ${f.finding}`, "  ", TERMINAL_WIDTH).replace(/^ {2}/, ""));
    for (const figure of [f.vanityFigure, f.realFigure]) lines.push(...figureLines(figure, currency));
    lines.push("");
  }
  lines.push(...LEGEND);
  return lines.join("\n");
}

function figureLines(figure: Figure, currency: string | null): string[] {
  if (figure.unsupported) {
    const fix = figure.unsupported.fix ? ` (${figure.unsupported.fix})` : "";
    return [wrap(`    ${figure.label}: cannot tell: ${figure.unsupported.reason}${fix}`, "      ", TERMINAL_WIDTH)];
  }
  const now = formatValue(figure.value, figure.format, currency);
  const before = formatValue(figure.previous, figure.format, currency);
  // A rate with its counts and interval, a median with its n and interval (render.ts); a count is its own n.
  const n = figure.evidence ? formatEvidence(figure.evidence, figure.format, currency) || nOf(figure.evidence) : null;
  const first =
    `    ${figure.label.padEnd(32)} ${now.padStart(14)}  ← ${before.padStart(14)}  ${formatChange(figure.change).padStart(7)}`.trimEnd();
  // The n, then whether the change is beyond normal variation, under the numbers.
  const judgement = figure.judgement;
  const second = [n ? `n ${n}` : null, judgement ? judgementWords(judgement, figure.format, currency) : null]
    .filter(Boolean)
    .join("; ");
  return second ? [first, wrap(second, "      ", TERMINAL_WIDTH)] : [first];
}

/**
 * Whether a change is beyond normal variation, by which tests, and (when it is not) the
 * values that would have counted: "within normal variation (p = 0.48; inside the limits
 * 44–115 of 12 earlier periods); a signal would be below 30 or above 104".
 */
export function judgementWords(judgement: Judgement, format: Format, currency: string | null): string {
  // Counts, amounts and rates cannot go below 0, whatever the limits' arithmetic gives.
  const value = (v: number) =>
    formatValue(format === "count" ? Math.round(Math.max(0, v)) : Math.max(0, v), format, currency);
  if (judgement.movement === null) return `cannot tell: ${judgement.reason ?? "no test applies"}`;
  const tests: string[] = [];
  const { sampling, variation } = judgement;
  if (sampling.pValue !== null) tests.push(pValueWords(sampling.pValue));
  else if (sampling.method === "newcombe" && sampling.interval) {
    const points = (v: number) => `${v > 0 ? "+" : v < 0 ? "−" : ""}${Math.abs(v * 100).toFixed(1)}`;
    tests.push(`difference ${points(sampling.interval.low)} to ${points(sampling.interval.high)} points (95%)`);
  } else if (sampling.method === "median-intervals") {
    // Without an interval (fewer than 6 values) the reason says so; "overlap" would be untrue.
    const overlap = sampling.passed
      ? "the medians' 95% intervals do not overlap"
      : "the medians' 95% intervals overlap";
    tests.push(sampling.interval || sampling.passed ? overlap : "too few values for a median interval");
  }
  if (variation) {
    const side = variation.passed ? "outside" : "inside";
    tests.push(
      `${side} the limits ${value(variation.low)}–${value(variation.high)} of ${variation.periods} earlier periods`,
    );
  } else tests.push("too few earlier periods for limits: sampling noise alone");
  if (judgement.signal) return `beyond normal variation (${tests.join("; ")})`;
  const range = judgement.normalRange;
  const would = range ? `; a signal would be below ${value(Math.max(0, range.low))} or above ${value(range.high)}` : "";
  return `within normal variation (${tests.join("; ")})${would}`;
}

function pValueWords(p: number): string {
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`;
}

const LEGEND = [
  "✗ worse, beyond normal variation: the real figure got worse (days to win rose), the vanity figure",
  "  rose without the real one, or total sales fell without deals closing faster",
  "✓ better: the real figure improved beyond normal variation   · the vanity figure moved, no warning",
  "~ both within normal variation   ? cannot tell (the data cannot support it, or nothing to compare)",
];
