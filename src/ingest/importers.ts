/**
 * The import formats Verity knows, by name (`verity import --format NAME`).
 */
import type { Importer } from "./importer.js";
import { mavenImporter } from "./maven-importer.js";
import { verityImporter } from "./verity-importer.js";

export const IMPORTERS: Record<string, Importer> = {
  [verityImporter.format]: verityImporter,
  [mavenImporter.format]: mavenImporter,
};

/** The importer of a format; an unknown name is an error that lists the known ones. */
export function importerFor(format: string): Importer {
  const importer = Object.hasOwn(IMPORTERS, format) ? IMPORTERS[format] : undefined;
  if (!importer) {
    const known = Object.values(IMPORTERS)
      .map((i) => `${i.format} (${i.description})`)
      .join("; ");
    throw new Error(`Unknown import format ${JSON.stringify(format)}. The formats are: ${known}.`);
  }
  return importer;
}
