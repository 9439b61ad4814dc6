import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import Papa from "papaparse";
import { describe, expect, test } from "vitest";
import { CanonicalTables } from "./canonical-tables.js";

describe("CanonicalTables", () => {
  test("writes a large table out as it grows: every row, every column, removed by cleanup", async () => {
    const tables = new CanonicalTables();
    const n = 45_001; // two spills of 20,000 and the rest at prepare
    for (let i = 0; i < n; i++) {
      tables.add("activities", "Task.csv", {
        id: `a${i}`,
        type: "call",
        occurred_at: "2025-01-01 10:00:00",
        // A column only the last rows set: the spilled file still has it.
        ...(i === n - 1 ? { note: 'the very last note, with a comma, and a "quote"' } : {}),
      });
    }
    tables.add("reps", "User.csv", { id: "r1", name: "Åsa" });
    expect(tables.count("activities")).toBe(n);
    expect(() => tables.rowsOf("activities")).toThrow("too large");
    const prepared = await tables.prepare("test", []);
    const activities = prepared.files.find((f) => f.table === "activities");
    if (!activities) throw new Error("no activities file");
    const parsed = Papa.parse<Record<string, string>>(await readFile(activities.file, "utf8"), {
      header: true,
      skipEmptyLines: true,
    });
    expect(parsed.data).toHaveLength(n);
    expect(parsed.data[0]).toMatchObject({ id: "a0", type: "call", note: "", lead_id: "" });
    expect(parsed.data[n - 1]?.note).toBe('the very last note, with a comma, and a "quote"');
    // Small tables keep only the columns their rows set.
    expect(prepared.files.find((f) => f.table === "reps")?.columns).toEqual(["id", "name"]);
    await prepared.cleanup();
    expect(existsSync(activities.file)).toBe(false);
    expect(existsSync(dirname(activities.file))).toBe(false);
  });
});
