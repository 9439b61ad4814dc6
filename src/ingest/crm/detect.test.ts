import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { ImportError } from "../import-error.js";
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
    ["marketing/matomo/visits-log.json", "matomo"],
    ["marketing/matomo/visits-log.csv", "matomo"],
    ["marketing/segment/events.jsonl", "segment"],
    ["marketing/segment/posthog-events.json", "segment"],
    ["marketing/listmonk/subscribers.csv", "listmonk"],
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

  test("looks into the sub-folders of a folder whose top level holds no export (an unzipped Mailchimp account export)", async () => {
    expect(await detectFormat([join(fixtures, "marketing/mailchimp")])).toMatchObject({ format: "mailchimp" });
    const dir = await mkdtemp(join(tmpdir(), "verity-detect-"));
    try {
      // Nothing readable at any depth is still unknown.
      await mkdir(join(dir, "a", "b"), { recursive: true });
      await writeFile(join(dir, "a", "b", "notes.md"), "hello");
      await expect(detectFormat([dir])).rejects.toThrow(UnknownFormat);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("an empty file and a broken zip are said to be so, not an unknown format nor a Salesforce export", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-detect-"));
    try {
      const empty = join(dir, "visits-log.json");
      await writeFile(empty, "");
      const emptyError = await detectFormat([empty]).catch((e: unknown) => e);
      expect(emptyError).toBeInstanceOf(ImportError);
      expect((emptyError as ImportError).message).toBe(`${empty}: the file is empty (0 bytes); download it again`);
      const zip = join(dir, "audience_export.zip");
      await writeFile(zip, "");
      await expect(detectFormat([zip])).rejects.toThrow(`${zip}: the file is empty`);
      await writeFile(zip, "PK\u0003\u0004 cut short");
      const zipError = await detectFormat([zip]).catch((e: unknown) => e);
      expect(zipError).toBeInstanceOf(ImportError);
      expect((zipError as ImportError).message).toMatch(/: not a readable zip file \(.+\); download the export again$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("reads into a gzipped export, alone or in a folder (event dumps come as .jsonl.gz)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-detect-"));
    try {
      const gz = join(dir, "events-2024-03.jsonl.gz");
      await writeFile(gz, gzipSync(await readFile(join(fixtures, "marketing/segment/events.jsonl"))));
      expect(await detectFormat([gz])).toMatchObject({ format: "segment" });
      expect(await detectFormat([dir])).toMatchObject({ format: "segment" });
      // A file named .gz that is no gzip is not guessed at.
      await writeFile(gz, "not gzip");
      await expect(detectFormat([gz])).rejects.toThrow(UnknownFormat);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
