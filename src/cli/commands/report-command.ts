/**
 * `verity report [METRIC...]`: the real metrics for a period, each with the vanity metric it
 * replaces beside it, as tables, JSON or CSV.
 */
import type { Command } from "commander";
import type { Judgement } from "../../insights/signal.js";
import { keptAnswer } from "../../metrics/kept-answers.js";
import type { Evidence, Format, MetricReport } from "../../metrics/metric.js";
import { METRICS, metricById } from "../../metrics/registry.js";
import { reportEnvelope, runReport } from "../../metrics/report-envelope.js";
import { metricsOf } from "../../metrics/request.js";
import { type GlobalOptions, withStore } from "../context.js";
import {
  type FigureToFormat,
  figureParts,
  formatChange,
  formatUnsupported,
  formatValue,
  renderCsv,
  renderTable,
  TERMINAL_WIDTH,
  wrap,
} from "../render.js";
import {
  addMetricOptions,
  addTuningOptions,
  type MetricFlags,
  requestFrom,
  requireDatabase,
} from "./metric-options.js";

export function registerReport(program: Command): void {
  const command = program
    .command("report")
    .description("the real metrics for a period, each beside the vanity metric it replaces")
    .argument("[metric...]", `metrics to show (default: all): ${METRICS.map((m) => m.id).join(", ")}`)
    .option("--why", "print why each metric matters and how it is defined");
  addTuningOptions(addMetricOptions(command)).action(
    async (ids: string[], flags: MetricFlags & { why?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const definitions = metricsOf(ids);
      requireDatabase(globals);
      const request = requestFrom(flags, globals);
      // A fresh process answers from the last run's answer while the data and Verity are unchanged.
      const { metrics: reports } = await withStore(globals, (store) =>
        keptAnswer(store, request.workspace, ["report", definitions.map((d) => d.id), request], () =>
          runReport(store, definitions, request),
        ),
      );
      process.stdout.write(formatReports(reports, flags.format, flags.why ?? false));
    },
  );
}

export function formatReports(reports: MetricReport[], format: MetricFlags["format"], why = false): string {
  if (format === "json") {
    return `${JSON.stringify(reportEnvelope(reports), null, 2)}\n`;
  }
  if (format === "csv") {
    const sections: string[] = [];
    for (const report of reports) {
      const definition = metricById(report.metric);
      for (const view of definition?.views(report.result) ?? []) {
        sections.push(`# ${report.metric}: ${view.title}\n${renderCsv(view)}`);
      }
    }
    return `${sections.join("\n\n")}\n`;
  }
  return `${reports.map((r) => formatReportTable(r, why)).join("\n\n")}\n`;
}

/** Where a figure's value ends: two spaces, a 40-column label, a space, a 16-column value. */
const VALUE_END = 59;

/**
 * A headline as the report prints it: label, value (aligned with the others), its n in
 * parentheses, then the comparison; what does not fit in 100 columns continues on the next
 * line after the value column. A figure the data cannot support reads "cannot tell: <reason>
 * (<fix>)" where the value would be, wrapped under itself, and has nothing to compare.
 */
function figureLines(label: string, figure: FigureToFormat, currency: string | null, comparison: string): string[] {
  const head = `  ${label.padEnd(40)} `;
  if (figure.unsupported) {
    const text = wrap(formatUnsupported(figure.unsupported), "", TERMINAL_WIDTH - head.length).split("\n");
    return text.map((line, i) => `${i === 0 ? head : " ".repeat(head.length)}${line}`);
  }
  const { value, n } = figureParts(figure, currency);
  const lines = [`${head}${value.padStart(VALUE_END - head.length)}`];
  const pieces = [
    { text: n ? `(${n})` : "", gap: " " },
    { text: comparison, gap: "   " },
  ];
  for (const { text, gap } of pieces) {
    if (!text) continue;
    const last = lines.length - 1;
    const joined = `${lines[last]}${gap}${text}`;
    if ([...joined].length <= TERMINAL_WIDTH) lines[last] = joined;
    else lines.push(`${" ".repeat(VALUE_END + 1)}${text}`);
  }
  return lines;
}

/** " (noise)" for a change within sampling noise, nothing for one beyond it or without a test. */
function noiseMark(judgement: Judgement | null | undefined): string {
  if (!judgement) return "";
  if (judgement.movement === "within" && judgement.sampling.passed === false) return " (noise)";
  if (judgement.movement === "up" || judgement.movement === "down") return " (beyond noise)";
  return "";
}

function formatReportTable(report: MetricReport, why: boolean): string {
  const definition = metricById(report.metric);
  const currency = report.currency;
  const lines: string[] = [];
  const against = report.comparison ? ` against ${report.comparison.label}` : "";
  lines.push(
    `━━ ${report.title} · ${report.period.label}${against} ${"━".repeat(Math.max(2, 60 - report.title.length))}`,
  );
  // Say which slice the numbers are of: a filtered report must not read as the whole company's.
  const { pipeline, team, rep, source } = report.filters;
  const slice = [
    pipeline ? `pipeline ${pipeline.name}` : null,
    team ? `team ${team}` : null,
    rep ? `rep ${rep.name}` : null,
    source ? `source ${source}` : null,
  ].filter((part) => part !== null);
  if (slice.length > 0) lines.push(`  only: ${slice.join(", ")}`);
  if (why) {
    lines.push(wrap(report.why, "  "), wrap(`Definition: ${report.definition}`, "  "), "");
  }
  for (const problem of report.unsupported) lines.push(wrap(`⚠ ${problem.message}`, "  "));
  if (report.ignoredFilters.length > 0) {
    lines.push(
      wrap(`(this metric is not owned by reps or pipelines: ${report.ignoredFilters.join(", ")} filter ignored)`, "  "),
    );
  }
  const comparison = report.comparison;
  // A comparison says whether its change is beyond sampling noise ("noise" when not): a
  // report compares two periods, so normal variation over earlier ones is verity check's.
  const was = (previous: number | null, format: Format, change: number | null, judgement?: Judgement | null) =>
    comparison
      ? `${comparison.label}: ${formatValue(previous, format, currency)} ${formatChange(change)}${noiseMark(judgement)}`.trimEnd()
      : "";
  for (const h of report.headlines) {
    lines.push(...figureLines(h.label, h, currency, was(h.previous, h.format, h.change, h.judgement)));
  }
  for (const v of report.vanity) {
    // Vanity figures carry their evidence too where the vanity module gives it.
    const evidence = (v as { evidence?: Evidence | null }).evidence ?? null;
    const figure = { ...v, label: v.label, evidence };
    lines.push(
      ...figureLines(
        `beside it, vanity: ${v.label}`,
        figure,
        currency,
        was(v.previous, v.format, v.change, v.judgement),
      ),
    );
  }
  const others = Object.entries(report.otherCurrencies);
  if (others.length > 0) {
    const left = others.map(([c, n]) => `${formatValue(n, "count")} leads in ${c}`).join(", ");
    lines.push(wrap(`(money in ${currency} only; left out: ${left})`, "  "));
  }
  for (const view of definition?.views(report.result) ?? []) lines.push("", renderTable(view, currency));
  return lines.join("\n");
}
