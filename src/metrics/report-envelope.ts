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
 * The report the CLI, the API and the library give: the request resolved once, every metric
 * run for it at once (their statements side by side where the store reads on more than one
 * connection: size l, `verity serve`'s settings, 1.75 s in turn against 1.19 s at once), in
 * one envelope, in the order of `definitions`.
 */
export async function runReport(
  store: Store,
  definitions: readonly MetricDefinition[],
  request: MetricRequest,
): Promise<ReportEnvelope> {
  const resolved = await resolveRequest(store, request);
  return reportEnvelope(await Promise.all(definitions.map((definition) => runMetric(definition, resolved))));
}
