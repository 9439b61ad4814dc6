/**
 * The import formats Verity knows, by name (`verity import --format NAME`).
 */

import { VerityError } from "../model/errors.js";
import { csvMappingImporter } from "./crm/csv-mapping/index.js";
import { hubspotImporter } from "./crm/hubspot-importer.js";
import { nutshellImporter } from "./crm/nutshell-importer.js";
import { pipedriveImporter } from "./crm/pipedrive-importer.js";
import { salesforceImporter } from "./crm/salesforce/index.js";
import type { Importer } from "./importer.js";
import { ga4Importer } from "./marketing/ga4/index.js";
import { listmonkImporter } from "./marketing/listmonk/index.js";
import { mailchimpImporter } from "./marketing/mailchimp/index.js";
import { matomoImporter } from "./marketing/matomo/index.js";
import { plausibleImporter } from "./marketing/plausible/index.js";
import { segmentImporter } from "./marketing/segment/index.js";
import { facebookImporter } from "./marketing/social/facebook/index.js";
import { linkedinImporter } from "./marketing/social/linkedin/index.js";
import { twitterImporter } from "./marketing/social/twitter/index.js";
import { mavenImporter } from "./maven-importer.js";
import { verityImporter } from "./verity-importer.js";

export const IMPORTERS: Record<string, Importer> = Object.fromEntries(
  [
    salesforceImporter,
    hubspotImporter,
    pipedriveImporter,
    nutshellImporter,
    mavenImporter,
    verityImporter,
    csvMappingImporter,
    // Marketing history (issue 16).
    matomoImporter,
    ga4Importer,
    segmentImporter,
    plausibleImporter,
    mailchimpImporter,
    listmonkImporter,
    linkedinImporter,
    twitterImporter,
    facebookImporter,
  ].map((i) => [i.format, i]),
);

/** The importer of a format; an unknown name is a user's error (a 400, exit 1) that lists the known ones. */
export function importerFor(format: string): Importer {
  const importer = Object.hasOwn(IMPORTERS, format) ? IMPORTERS[format] : undefined;
  if (!importer) {
    const known = Object.values(IMPORTERS)
      .map((i) => `${i.format} (${i.description})`)
      .join("; ");
    throw new VerityError(
      "unknown_format",
      `Unknown import format ${JSON.stringify(format)}. The formats are: ${known}.`,
      "format",
    );
  }
  return importer;
}
