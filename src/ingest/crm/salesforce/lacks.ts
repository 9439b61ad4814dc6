/**
 * What a Salesforce export cannot give the metrics (`lacks`), from what the import found:
 * besides what no CRM export holds, loss reasons without a loss-reason column, stage history
 * without OpportunityHistory.csv, lead sources when no opportunity got a channel,
 * qualification when nothing marks it, activities without Task.csv and Event.csv.
 */
import { type DataCapability, NOT_IN_CRM_EXPORTS } from "../../../model/capabilities.js";

export type ExportFindings = {
  lossReasonColumn: boolean;
  stageHistoryFile: boolean;
  /** Opportunities that got a source channel. */
  withChannel: number;
  /** Some stage is the qualifying one. */
  qualifyingStage: boolean;
  /** Opportunities converted from a Lead (qualified). */
  qualified: number;
  activityFiles: boolean;
};

/** The capabilities the import lacks, in the order summaries list them. */
export function lacksOf(found: ExportFindings): DataCapability[] {
  const lacks: DataCapability[] = [...NOT_IN_CRM_EXPORTS];
  if (!found.lossReasonColumn) lacks.push("loss_reasons");
  if (!found.stageHistoryFile) lacks.push("stage_history");
  if (found.withChannel === 0) lacks.push("lead_sources");
  // Nothing marks qualification: the metrics would call every loss "never qualified" (a win
  // rate of 100% among qualified leads); they report those figures unsupported instead.
  if (!found.qualifyingStage && found.qualified === 0) lacks.push("qualification");
  if (!found.activityFiles) lacks.push("activities");
  return lacks;
}
