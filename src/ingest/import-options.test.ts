/**
 * The import options' one table (import-options.ts): the options the CLI and the API build
 * from it, and the importers' advice in the API's terms (issue 13, item 7: upload errors
 * named command-line flags).
 */
import { describe, expect, it } from "vitest";
import { formatOptionsOf, IMPORT_OPTIONS, inApiTerms, optionOfFlag } from "./import-options.js";

describe("import options", () => {
  it("builds FormatOptions from flags or query parameters alike, leaving out what is not given", () => {
    expect(formatOptionsOf({ currency: "eur", dateFormat: "dmy", stages: "", qualifyingStage: undefined })).toEqual({
      currency: "EUR",
      dateFormat: "dmy",
    });
    expect(formatOptionsOf({ rates: "r.csv", mapping: "m.yaml", lossReasonField: "Why__c" })).toEqual({
      rates: "r.csv",
      mapping: "m.yaml",
      lossReasonField: "Why__c",
    });
  });

  it("says the importers' advice in query parameters", () => {
    const cases: [string, string][] = [
      [
        "give --date-format dmy (31/12/2025) or --date-format mdy",
        "give dateFormat=dmy (31/12/2025) or dateFormat=mdy",
      ],
      [
        "give the account's currency with --currency (e.g. --currency EUR)",
        "give the account's currency with the currency parameter (e.g. currency=EUR)",
      ],
      ["If yours differ, import again with --stages.", "If yours differ, import again with the stages parameter."],
      ["name one with --qualifying-stage); qualified", "name one with the qualifyingStage parameter); qualified"],
      ["named by --loss-reason-field is not", "named by the lossReasonField parameter is not"],
      [
        "give --format salesforce|hubspot|verity, or --format csv --mapping FILE for any other CSV",
        "give format=salesforce|hubspot|verity, or `verity import` and a mapping file for any other CSV",
      ],
      ["use a mapping file (--format csv) if", "use a mapping file (`verity import` and a mapping file) if"],
      ["convert with --rates FILE", "convert with a rates file (`verity import` only)"],
      // A word after a flag is no value unless the option takes such values.
      ["give --stages or --currency", "give the stages parameter or the currency parameter"],
      // A time zone is an IANA name or UTC; the words after the flag in a note are prose.
      ["give --timezone Europe/Berlin or --timezone UTC", "give timezone=Europe/Berlin or timezone=UTC"],
      [
        "in the account's time zone, which --timezone gives; (give --timezone for the account's zone)",
        "in the account's time zone, which the timezone parameter gives; (give the timezone parameter for the account's zone)",
      ],
      // Not flags of the table: left alone.
      ["a --dry-run shows it; 2024--05", "a --dry-run shows it; 2024--05"],
    ];
    for (const [cli, api] of cases) expect(inApiTerms(cli)).toBe(api);
  });

  it("knows each option by its flag, and every option has a flag and a parameter or API wording", () => {
    expect(optionOfFlag("--stages")?.parameter).toBe("stages");
    expect(optionOfFlag("--nothing")).toBeNull();
    for (const option of Object.values(IMPORT_OPTIONS)) {
      expect(option.flag).toMatch(/^--[a-z]+(-[a-z]+)*$/);
      expect(option.parameter !== null || option.apiWording !== undefined).toBe(true);
    }
  });
});
