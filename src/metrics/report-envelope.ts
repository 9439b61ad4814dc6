/**
 * The report as a whole, what `verity report --format json` prints and `GET /api/report`
 * returns: what the metrics share (period, comparison, filters, currency, as of; the first
 * report's, since one resolved request gives them all the same) above the metrics themselves.
 */
import type { Store } from "../store/store.js";
import { type MetricRequest, resolveRequest } from "./context.js";
import type { MetricDefinition, MetricReport } from "./metric.js";
import { runMetric } from "./run-metric.js";

export type ReportEnvelope = {
  period: MetricReport["period"] | null;
  comparison: MetricReport["comparison"] | null;
  filters: MetricReport["filters"] | null;
  currency: MetricReport["currency"] | null;
  asOf: MetricReport["asOf"] | null;
  metrics: MetricReport[];
};

export function reportEnvelope(metrics: MetricReport[]): ReportEnvelope {
  const first = metrics[0];
  return {
    period: first?.period ?? null,
    comparison: first?.comparison ?? null,
    filters: first?.filters ?? null,
    currency: first?.currency ?? null,
    asOf: first?.asOf ?? null,
    metrics,
  };
}

/**
 * The report the CLI, the API and the library give: the request resolved once, each metric
 * run for it in turn, in one envelope.
 */
export async function runReport(
  store: Store,
  definitions: readonly MetricDefinition[],
  request: MetricRequest,
): Promise<ReportEnvelope> {
  const resolved = await resolveRequest(store, request);
  const metrics: MetricReport[] = [];
  for (const definition of definitions) metrics.push(await runMetric(definition, resolved));
  return reportEnvelope(metrics);
}
