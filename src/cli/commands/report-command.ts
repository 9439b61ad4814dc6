/**
 * `verity report [METRIC...]`: the real metrics for a period, each with the vanity metric it
 * replaces beside it, as tables, JSON or CSV.
 */
import type { Command } from "commander";
import { resolveRequest } from "../../metrics/context.js";
import type { MetricReport } from "../../metrics/metric.js";
import { METRICS, metricById } from "../../metrics/registry.js";
import { runMetric } from "../../metrics/run-metric.js";
import { type GlobalOptions, withStore } from "../context.js";
import { UserError } from "../output.js";
import { formatChange, formatValue, renderCsv, renderTable, wrap } from "../render.js";
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
      const definitions =
        ids.length === 0
          ? METRICS
          : ids.map((id) => {
              const found = metricById(id);
              if (!found)
                throw new UserError(`there is no metric "${id}"; metrics: ${METRICS.map((m) => m.id).join(", ")}`);
              return found;
            });
      requireDatabase(globals);
      const reports = await withStore(globals, async (store) => {
        const request = await resolveRequest(store, requestFrom(flags, globals));
        const out: MetricReport[] = [];
        for (const definition of definitions) out.push(await runMetric(definition, request));
        return out;
      });
      process.stdout.write(formatReports(reports, flags.format, flags.why ?? false));
    },
  );
}

export function formatReports(reports: MetricReport[], format: MetricFlags["format"], why = false): string {
  if (format === "json") {
    const first = reports[0];
    return `${JSON.stringify(
      {
        period: first?.period ?? null,
        comparison: first?.comparison ?? null,
        filters: first?.filters ?? null,
        currency: first?.currency ?? null,
        asOf: first?.asOf ?? null,
        metrics: reports,
      },
      null,
      2,
    )}\n`;
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
  for (const problem of report.unsupported) lines.push(`  ⚠ ${problem.message}`);
  if (report.ignoredFilters.length > 0) {
    lines.push(`  (this metric is not owned by reps or pipelines: ${report.ignoredFilters.join(", ")} filter ignored)`);
  }
  const figure = (
    label: string,
    value: number | null,
    format: Parameters<typeof formatValue>[1],
    previous: number | null,
    change: number | null,
  ) => {
    let text = `  ${label.padEnd(40)} ${formatValue(value, format, currency).padStart(16)}`;
    if (report.comparison)
      text += `   ${report.comparison.label}: ${formatValue(previous, format, currency)} ${formatChange(change)}`;
    return text.trimEnd();
  };
  for (const h of report.headlines) lines.push(figure(h.label, h.value, h.format, h.previous, h.change));
  for (const v of report.vanity)
    lines.push(figure(`beside it, vanity: ${v.label}`, v.value, v.format, v.previous, v.change));
  const others = Object.entries(report.otherCurrencies);
  if (others.length > 0) {
    lines.push(
      `  (money in ${currency} only; left out: ${others.map(([c, n]) => `${formatValue(n, "count")} leads in ${c}`).join(", ")})`,
    );
  }
  for (const view of definition?.views(report.result) ?? []) lines.push("", renderTable(view, currency));
  return lines.join("\n");
}
