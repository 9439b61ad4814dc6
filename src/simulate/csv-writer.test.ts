import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, describe, expect, it } from "vitest";
import { TABLES } from "../model/canonical.js";
import { CsvTableWriter, csvField } from "./csv-writer.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("csvField", () => {
  it("quotes only fields with a comma, quote or line break, doubling quotes (RFC 4180)", () => {
    expect(csvField("plain text")).toBe("plain text");
    expect(csvField("a, b")).toBe('"a, b"');
    expect(csvField('said "no"')).toBe('"said ""no"""');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField("")).toBe("");
  });
});

describe("CsvTableWriter", () => {
  it("writes the canonical header and maps the simulator's field order onto it, leaving the rest empty", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-csv-test-"));
    dirs.push(dir);
    const writer = new CsvTableWriter("reps", dir, ["name", "id", "active"]);
    writer.row(["Åsa Ek", "rep-1", "true"]);
    writer.values(['O"Brien, Jr.', "rep-2", false]);
    await writer.close();
    const text = await readFile(join(dir, TABLES.reps.file), "utf8");
    const lines = text.split("\n");
    expect(lines[0]).toBe(TABLES.reps.columns.map((c) => c.name).join(","));
    expect(text.endsWith("\n")).toBe(true);
    expect(text.includes("\r")).toBe(false);
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.map((r) => [r.id, r.name, r.active, r.email])).toEqual([
      ["rep-1", "Åsa Ek", "true", ""],
      ["rep-2", 'O"Brien, Jr.', "false", ""],
    ]);
    expect(writer.rows).toBe(2);
  });

  it("refuses fields the table does not have and required columns it would leave empty", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-csv-test-"));
    dirs.push(dir);
    expect(() => new CsvTableWriter("reps", dir, ["id", "name", "shoe_size"])).toThrow(/shoe_size/);
    expect(() => new CsvTableWriter("reps", dir, ["name"])).toThrow(/required .*id/);
  });

  it("handles rows far larger than one buffer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verity-csv-test-"));
    dirs.push(dir);
    const writer = new CsvTableWriter("pipelines", dir, ["id", "name"]);
    const long = "ø".repeat(2_000_000);
    for (let i = 0; i < 3; i++) writer.row([`p${i}`, long]);
    await writer.close();
    const parsed = Papa.parse<Record<string, string>>(await readFile(join(dir, TABLES.pipelines.file), "utf8"), {
      header: true,
      skipEmptyLines: true,
    });
    expect(parsed.data.map((r) => [r.id, r.name?.length])).toEqual([
      ["p0", long.length],
      ["p1", long.length],
      ["p2", long.length],
    ]);
  });
});
