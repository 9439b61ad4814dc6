/**
 * Every metric, listed once. The CLI, the API and the dashboard read this list.
 */
import { qualifiedLeads } from "./definitions/qualified-leads.js";
import type { MetricDefinition } from "./metric.js";

export const METRICS: readonly MetricDefinition<never>[] = [qualifiedLeads] as unknown as MetricDefinition<never>[];

export function metricById(id: string): MetricDefinition | undefined {
  return METRICS.find((m) => m.id === id) as MetricDefinition | undefined;
}
