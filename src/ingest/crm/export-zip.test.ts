/**
 * Unpacking an export's zip to disk within limits (export-zip.ts; issue 13, defect 6: zips
 * were inflated whole in memory, a 628 MB entry answered 500). Small limits stand in for the
 * real ones where a test would otherwise need gigabytes.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeZip, zeros } from "../../../test/support/zip-writer.js";
import { ImportError } from "../import-error.js";
import { unpackZip, ZIP_LIMITS, ZipTooLarge } from "./export-zip.js";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("unpacking an export's zip", () => {
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-export-zip-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const fresh = async () => mkdtemp(join(dir, `into-${n++}-`));
  const refusal = async (promise: Promise<unknown>): Promise<ImportError> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  };
  const csv = (name: string, text: string) => ({ name, chunks: [Buffer.from(text)] });

  it("unpacks the wanted entries only, in name order, each to a file of its own", async () => {
    const zip = join(dir, "export.zip");
    await writeZip(zip, [
      csv("WE_1/Task.csv", "Id\nT1\n"),
      csv("Opportunity.csv", "Id\nO1\n"),
      csv("Attachment/secret.bin", "not wanted"),
      csv("Lead.csv", "Id\nL1\n"),
    ]);
    const into = await fresh();
    const entries = await unpackZip(zip, (entry) => entry.endsWith(".csv"), into);
    expect(entries.map((e) => e.entry)).toEqual(["Lead.csv", "Opportunity.csv", "WE_1/Task.csv"]);
    for (const { file } of entries) expect(file.startsWith(into)).toBe(true);
    expect(await readFile(entries[1]?.file ?? "", "utf8")).toBe("Id\nO1\n");
    expect((await readdir(into)).length).toBe(3);
  });

  it("refuses an entry whose path leaves the zip's folder", async () => {
    const zip = join(dir, "escape.zip");
    await writeZip(zip, [csv("../../escape/Opportunity.csv", "Id\nO1\n")]);
    const into = await fresh();
    const error = await refusal(unpackZip(zip, () => true, into));
    expect(error.reason).toMatch(
      /^not a readable zip file \(invalid relative path: \.\.\/\.\.\/escape\/Opportunity\.csv\)/,
    );
    expect(await readdir(into)).toEqual([]);
  });

  it("refuses a zip bomb from its stated sizes, before inflating a byte", async () => {
    // 200 MiB of zeros packs to about 200 KiB: 1,000 to 1.
    const zip = join(dir, "bomb.zip");
    await writeZip(zip, [{ name: "Opportunity.csv", chunks: zeros(200) }]);
    expect((await stat(zip)).size).toBeLessThan(MiB);
    const into = await fresh();
    const error = await refusal(unpackZip(zip, () => true, into));
    expect(error).not.toBeInstanceOf(ZipTooLarge);
    expect(error.file).toBe(zip);
    expect(error.reason).toMatch(/^Opportunity\.csv would unpack 200 MiB from .* over 200 times its packed size/);
    expect(await readdir(into)).toEqual([]);
  });

  it("stops inflating an entry that holds more than it states", async () => {
    // States 1 KiB (so no limit applies), holds 64 MiB: the stream is cut where the lie shows.
    const zip = join(dir, "liar.zip");
    await writeZip(zip, [{ name: "Opportunity.csv", chunks: zeros(64), statedSize: KiB }]);
    const into = await fresh();
    const error = await refusal(unpackZip(zip, () => true, into));
    expect(error.reason).toMatch(/^Opportunity\.csv cannot be unpacked \(.*\); download the export again$/);
    const written = await readdir(into);
    for (const file of written) expect((await stat(join(into, file))).size).toBeLessThan(MiB);
  });

  it("refuses, as too large, an entry or a zip over the size limits, and too many entries", async () => {
    const zip = join(dir, "large.zip");
    // Random bytes do not compress: no ratio limit applies, only the sizes.
    await writeZip(zip, [
      { name: "Opportunity.csv", chunks: [randomBytes(600 * KiB)] },
      { name: "Task.csv", chunks: [randomBytes(600 * KiB)] },
    ]);
    const limits = { ...ZIP_LIMITS, maxEntryBytes: 512 * KiB };
    const entry = await refusal(unpackZip(zip, () => true, await fresh(), limits));
    expect(entry).toBeInstanceOf(ZipTooLarge);
    expect(entry.reason).toBe(
      "Opportunity.csv unpacks to 614,400 bytes, over the 524,288 bytes one file of an import may hold",
    );

    const total = await refusal(unpackZip(zip, () => true, await fresh(), { ...ZIP_LIMITS, maxTotalBytes: MiB }));
    expect(total).toBeInstanceOf(ZipTooLarge);
    expect(total.reason).toMatch(/unpack to over 1 MiB, the most one import unpacks/);

    const count = await refusal(unpackZip(zip, () => true, await fresh(), { ...ZIP_LIMITS, maxEntries: 1 }));
    expect(count).toBeInstanceOf(ZipTooLarge);
    expect(count.reason).toBe("the zip holds 2 entries, over the 1 an import reads");

    // Within the limits the same zip unpacks.
    expect(await unpackZip(zip, () => true, await fresh())).toHaveLength(2);
  });

  it("calls a file that is no zip, or a truncated one, unreadable", async () => {
    const junk = join(dir, "junk.zip");
    await writeFile(junk, "PK not really a zip");
    expect((await refusal(unpackZip(junk, () => true, await fresh()))).reason).toMatch(
      /^not a readable zip file \(.*\); download the export again$/,
    );
    const whole = join(dir, "whole.zip");
    await writeZip(whole, [{ name: "Opportunity.csv", chunks: [randomBytes(64 * KiB)] }]);
    const bytes = await readFile(whole);
    const cut = join(dir, "cut.zip");
    await writeFile(cut, bytes.subarray(0, bytes.length - 30));
    expect((await refusal(unpackZip(cut, () => true, await fresh()))).reason).toMatch(/not a readable zip file/);
  });
});
