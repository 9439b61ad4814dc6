/**
 * The report as a whole, what `verity report --format json` prints and `GET /api/report`
 * returns: what the metrics share (period, comparison, filters, currency, as of; the first
 * report's, since one resolved request gives them all the same) above the metrics themselves.
 */
import type { MetricReport } from "./metric.js";

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
