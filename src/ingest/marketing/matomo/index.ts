import { notBuilt } from "../not-built.js";

export const matomoImporter = notBuilt("matomo", "Matomo visits log (Live.getLastVisitsDetails, JSON or CSV)");
