import { notBuilt } from "../not-built.js";

export const ga4Importer = notBuilt("ga4", "Google Analytics 4 BigQuery export (events_* as JSON lines or Parquet)");
