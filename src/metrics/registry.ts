/**
 * Every metric, listed once, in METRICS.md's order of the nine real metrics. The CLI, the
 * API and the dashboard read this list.
 */
import { activityQuality } from "./definitions/activity-quality.js";
import { contentShares } from "./definitions/content-shares.js";
import { engagement } from "./definitions/engagement.js";
import { funnel } from "./definitions/funnel.js";
import { losses } from "./definitions/losses.js";
import { newsletterLeads } from "./definitions/newsletter-leads.js";
import { qualifiedLeads } from "./definitions/qualified-leads.js";
import { socialConversions } from "./definitions/social-conversions.js";
import { velocity } from "./definitions/velocity.js";
import type { MetricDefinition } from "./metric.js";

// Each definition has its own result type; the registry only hands them to code that reads
// results through the definition's own headlines() and views().
export const METRICS: readonly MetricDefinition[] = [
  activityQuality,
  funnel,
  velocity,
  losses,
  engagement,
  qualifiedLeads,
  contentShares,
  socialConversions,
  newsletterLeads,
] as unknown as MetricDefinition[];

export function metricById(id: string): MetricDefinition | undefined {
  return METRICS.find((m) => m.id === id);
}
