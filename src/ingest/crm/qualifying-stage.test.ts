/**
 * `--qualifying-stage`: the stage that makes a lead qualified (METRICS.md 6), for every
 * format that builds stages from names.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { FormatOptions, Importer } from "../importer.js";
import { hubspotImporter } from "./hubspot-importer.js";
import { pipedriveImporter } from "./pipedrive-importer.js";
import { previewRows } from "./preview.js";
import { salesforceImporter } from "./salesforce/index.js";

const crm = join(import.meta.dirname, "../../../test/fixtures/crm");

/** The names of the converted stages marked qualifying. */
async function qualifyingStages(importer: Importer, paths: string[], options: FormatOptions): Promise<string[]> {
  const prepared = await importer.prepare(paths, options);
  try {
    const stages = (await previewRows(prepared, 1000)).find((t) => t.table === "stages");
    if (!stages) throw new Error("no stages were converted");
    const name = stages.columns.indexOf("name");
    const flag = stages.columns.indexOf("is_qualifying");
    return stages.rows.filter((r) => r[flag] === "true").map((r) => r[name] as string);
  } finally {
    await prepared.cleanup();
  }
}

describe("--qualifying-stage", () => {
  const pipedrive = [join(crm, "pipedrive", "deals-export-comma.csv")];
  const salesforce = [join(crm, "salesforce")];
  const hubspot = [join(crm, "hubspot", "hubspot-crm-exports-all-deals-2024-03-20.csv")];

  test("Pipedrive has no qualifying stage unless one is named (any case)", async () => {
    expect(await qualifyingStages(pipedriveImporter, pipedrive, {})).toEqual([]);
    expect(await qualifyingStages(pipedriveImporter, pipedrive, { qualifyingStage: "demo scheduled" })).toEqual([
      "Demo Scheduled",
    ]);
  });

  test("replaces Salesforce's and HubSpot's defaults", async () => {
    expect(await qualifyingStages(salesforceImporter, salesforce, {})).toEqual(["Qualification"]);
    expect(await qualifyingStages(salesforceImporter, salesforce, { qualifyingStage: "Needs Analysis" })).toEqual([
      "Needs Analysis",
    ]);
    expect(await qualifyingStages(hubspotImporter, hubspot, { currency: "EUR" })).toEqual(["Qualified To Buy"]);
    expect(
      await qualifyingStages(hubspotImporter, hubspot, { currency: "EUR", qualifyingStage: "Presentation Scheduled" }),
    ).toEqual(["Presentation Scheduled"]);
  });

  test("a name that is no stage of the export is an error naming the stages there are", async () => {
    await expect(pipedriveImporter.prepare(pipedrive, { qualifyingStage: "Qualifyed" })).rejects.toThrow(
      /--qualifying-stage: "Qualifyed" is no stage of the export \(its stages: .*Demo Scheduled/,
    );
    await expect(salesforceImporter.prepare(salesforce, { qualifyingStage: "Nope" })).rejects.toThrow(
      /--qualifying-stage: "Nope" is no stage of the export/,
    );
  });
});
