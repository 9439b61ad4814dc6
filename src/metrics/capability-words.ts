/**
 * What each missing kind of data takes away, in one sentence: the metrics' warnings, the
 * vanity figures' "cannot tell", verity doctor and the check all say it the same way.
 */
import type { DataCapability } from "../ingest/importer.js";

export const CAPABILITY_WORDS: Record<DataCapability, string> = {
  stage_history: "the loaded data has no stage history (when each lead entered each stage)",
  activities: "the loaded data has no activities (calls, emails, meetings)",
  web_visits: "no website visits are loaded (add the tracking script or import visits)",
  social: "no social media posts are loaded",
  newsletter: "no newsletter subscribers are loaded",
  loss_reasons: "the loaded leads carry no loss reasons",
  lead_sources: "the loaded leads do not say where they came from (source channel)",
  qualification:
    "no lead has a qualification time and no stage is the qualifying one (name it with `verity import --qualifying-stage`)",
  losses: "no lost leads are loaded, so a win rate cannot be told from a share of open leads",
  amounts: "the loaded leads carry no amounts (deal values)",
};
