/**
 * What qualified leads (METRICS.md 6, definitions/qualified-leads.ts) answers. Type-only and
 * free of Node, shared with the dashboard (results/common.ts says why).
 */
import type { FigureUnsupported, Unsupported } from "./common.js";

export type QualifiedLeadsRow = {
  newLeads: number;
  /** Leads qualified in the period, whenever they were created. */
  qualifiedLeads: number;
  /** Of the leads created in the period, how many have qualified so far. */
  newLeadsQualified: number;
  /** newLeadsQualified / newLeads; null without new leads. */
  qualificationRate: number | null;
};

export type QualifiedLeadsResult = QualifiedLeadsRow & {
  /**
   * Set when nothing in the data marks qualification (figure-support.ts): every count of
   * qualified leads would be the won leads only. The headlines are unsupported then.
   */
  qualificationUnsupported: FigureUnsupported | null;
  /** The same, as the report-level note (MetricReport.unsupported). */
  unsupported: Unsupported[];
  bySource: (QualifiedLeadsRow & { source: string })[];
  /** Per grain bucket of the period (every bucket, empty ones with zeros). */
  trend: { bucket: string; newLeads: number; qualifiedLeads: number }[];
};
