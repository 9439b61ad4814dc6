import { notBuilt } from "../not-built.js";

export const segmentImporter = notBuilt(
  "segment",
  "Segment-style event export (Segment, RudderStack, Jitsu, PostHog; JSON lines)",
);
