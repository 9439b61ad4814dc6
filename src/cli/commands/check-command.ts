/**
 * `verity check`: the vanity check, the product's headline view. Each vanity metric beside
 * its real counterpart for the period and the one before, with what the pair means.
 */
import type { Command } from "commander";
import { type VanityCheck, vanityCheck } from "../../insights/vanity-check.js";
import { resolveRequest } from "../../metrics/context.js";
import type { View } from "../../metrics/metric.js";
import { type GlobalOptions, withStore } from "../context.js";
import { formatChange, formatValue, renderCsv, wrap } from "../render.js";
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
    const { check, currency } = await withStore(globals, async (store) => {
      const request = await resolveRequest(store, {
        ...requestFrom(flags, globals),
        compare: flags.compare ?? "previous",
      });
      return { check: await vanityCheck(request), currency: request.current.currency };
    });
    if (flags.format === "json") process.stdout.write(`${JSON.stringify(check, null, 2)}\n`);
    else if (flags.format === "csv") process.stdout.write(`${renderCsv(checkView(check))}\n`);
    else process.stdout.write(`${formatCheck(check, currency)}\n`);
  });
}

/** The check as one flat table (CSV and the dashboard's numbers). */
export function checkView(check: VanityCheck): View {
  return {
    title: "Vanity check",
    columns: [
      { key: "number", label: "#", format: "count" },
      { key: "vanity", label: "Vanity metric", format: "text" },
      { key: "vanityValue", label: "Now", format: "number" },
      { key: "vanityPrevious", label: "Before", format: "number" },
      { key: "real", label: "Real metric", format: "text" },
      { key: "realValue", label: "Now", format: "number" },
      { key: "realPrevious", label: "Before", format: "number" },
      { key: "verdict", label: "Verdict", format: "text" },
      { key: "finding", label: "Finding", format: "text" },
    ],
    rows: check.findings.map((f) => ({
      number: f.number,
      vanity: f.vanityFigure.label,
      vanityValue: f.vanityFigure.value,
      vanityPrevious: f.vanityFigure.previous,
      real: f.realFigure.label,
      realValue: f.realFigure.value,
      realPrevious: f.realFigure.previous,
      verdict: f.verdict,
      finding: f.finding,
    })),
  };
}

const MARK = { diverging: "✗", improving: "✓", aligned: "·", unknown: "?" } as const;

function formatCheck(check: VanityCheck, currency: string | null): string {
  const lines = [`Vanity check · ${check.period.label} against ${check.comparison.label}`, ""];
  for (const f of check.findings) {
    lines.push(wrap(`${MARK[f.verdict]} ${f.finding}`, "", 100));
    for (const figure of [f.vanityFigure, f.realFigure]) {
      const now = formatValue(figure.value, figure.format, currency);
      const before = formatValue(figure.previous, figure.format, currency);
      lines.push(
        `    ${figure.label.padEnd(36)} ${now.padStart(16)}  ← ${before.padStart(16)}  ${formatChange(figure.change)}`.trimEnd(),
      );
    }
    lines.push("");
  }
  lines.push("✗ the vanity number rose while the real one did not   ✓ less noise, better results   · moving together");
  return lines.join("\n");
}
