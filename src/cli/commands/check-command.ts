/**
 * `verity check`: the vanity check, the product's headline view. Each vanity metric beside
 * its real counterpart for the period and the one before, with what the pair means.
 */
import type { Command } from "commander";
import { checkFor, type Figure, type VanityCheck } from "../../insights/vanity-check.js";
import type { Verdict } from "../../insights/verdict.js";
import type { Evidence, View } from "../../metrics/metric.js";
import { type GlobalOptions, withStore } from "../context.js";
import { formatChange, formatValue, renderCsv, TERMINAL_WIDTH, wrap } from "../render.js";
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
    const check = await withStore(globals, (store) =>
      checkFor(store, { ...requestFrom(flags, globals), compare: flags.compare ?? "previous" }),
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
  const lines = [`Vanity check · ${check.period.label} against ${check.comparison.label}`, ""];
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
  const n = nOf(figure.evidence);
  const first =
    `    ${figure.label.padEnd(32)} ${now.padStart(14)}  ← ${before.padStart(14)}  ${formatChange(figure.change).padStart(7)}${n ? `  n ${n}` : ""}`.trimEnd();
  const judgement = figure.judgement;
  if (!judgement) return [first];
  const range = judgement.normalRange
    ? `normal range ${formatValue(Math.max(0, judgement.normalRange.low), figure.format, currency)}–${formatValue(judgement.normalRange.high, figure.format, currency)}`
    : null;
  const verdict =
    judgement.movement === "up" || judgement.movement === "down"
      ? "beyond normal variation"
      : judgement.movement === null
        ? `cannot tell: ${judgement.reason ?? "no test applies"}`
        : `within normal variation${judgement.reason ? `: ${judgement.reason}` : ""}`;
  return [first, wrap(`      ${[verdict, range].filter(Boolean).join("; ")}`, "      ", TERMINAL_WIDTH)];
}

const LEGEND = [
  "✗ worse: the real figure fell, or the vanity figure rose without it (beyond normal variation)",
  "✓ better: the real figure improved beyond normal variation   · the vanity figure moved, no warning",
  "~ both within normal variation   ? cannot tell (the data cannot support it, or nothing to compare)",
];
