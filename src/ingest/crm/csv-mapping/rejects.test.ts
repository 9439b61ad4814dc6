/**
 * The rejects file is read by a person, often in a spreadsheet: a refused line's cells that a
 * spreadsheet would run as a formula are written as text (web/dashboard/csv-formula.ts).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { expect, test } from "vitest";
import { ImportError } from "../../import-error.js";
import { REJECTS_HEADER, Rejects } from "./rejects.js";

test("a refused line that looks like a formula is written with a leading apostrophe, the rest as it is", async () => {
  const dir = await mkdtemp(join(tmpdir(), "verity-rejects-"));
  try {
    const file = join(dir, "rejects.csv");
    const rejects = new Rejects({ rejects: file, maxRejectedPercent: 100 });
    rejects.read(2);
    const problem = (line: number) => new ImportError("deals.csv", line, "Amount", "not a number");
    rejects.refuse({ file: "deals.csv", line: 2 }, [problem(2)], () => '=HYPERLINK("https://evil.example","x");1');
    rejects.refuse({ file: "deals.csv", line: 3 }, [problem(3)], () => "D-3;-12.5;EUR");
    await rejects.finish();
    const rows = Papa.parse<string[]>(await readFile(file, "utf8"), { skipEmptyLines: true }).data;
    expect(rows[0]).toEqual([...REJECTS_HEADER]);
    expect(rows[1]?.[4]).toBe('\'=HYPERLINK("https://evil.example","x");1');
    expect(rows[2]?.slice(1, 5)).toEqual(["3", "Amount", "not a number", "D-3;-12.5;EUR"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
