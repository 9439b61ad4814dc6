/**
 * What a vanity figure answers (the eight of METRICS.md, src/metrics/vanity.ts): type-only,
 * shared with the dashboard (see common.ts for the rule this folder keeps).
 */
import type { Evidence, FigureUnsupported, Format, VanityId } from "./common.js";

export type VanityValue = {
  id: VanityId;
  label: string;
  /** Null when the data cannot support the figure (`unsupported` says why) or there is nothing to divide by. */
  value: number | null;
  format: Format;
  /** The n behind `value`; null when `value` is null. */
  evidence: Evidence | null;
  /** Set (and value null) when the data cannot support this figure (total sales without amounts). */
  unsupported?: FigureUnsupported;
};
