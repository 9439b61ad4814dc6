import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { detectFormat, UnknownFormat } from "./detect.js";

const fixtures = join(import.meta.dirname, "../../../test/fixtures");

describe("detectFormat", () => {
  test.each([
    ["crm/salesforce", "salesforce"],
    ["crm/salesforce/Opportunity.csv", "salesforce"],
    ["crm/hubspot/hubspot-crm-exports-all-deals-2024-03-20.csv", "hubspot"],
    ["crm/pipedrive/deals-export-comma.csv", "pipedrive"],
    ["crm/pipedrive/deals-export-semicolon.csv", "pipedrive"],
    ["canonical-small", "verity"],
  ])("knows %s as %s", async (path, format) => {
    expect((await detectFormat([join(fixtures, path)])).format).toBe(format);
  });

  test("asks for --format when it cannot be sure (Nutshell's layout is assumed, a random CSV is unknown)", async () => {
    await expect(detectFormat([join(fixtures, "crm/nutshell/nutshell-leads-export.csv")])).rejects.toThrow(
      UnknownFormat,
    );
    await expect(detectFormat([join(fixtures, "crm/nutshell/nutshell-leads-export.csv")])).rejects.toThrow("--format");
    await expect(
      detectFormat([
        join(fixtures, "crm/hubspot/hubspot-crm-exports-all-deals-2024-03-20.csv"),
        join(fixtures, "crm/pipedrive/deals-export-comma.csv"),
      ]),
    ).rejects.toThrow("several formats (hubspot, pipedrive)");
  });
});
