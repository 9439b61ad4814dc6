/**
 * previewRows reads back the canonical files any importer's prepare() wrote: the first rows
 * of each table in load order, and the full count.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { PreparedImport } from "../importer.js";
import { verityImporter } from "../verity-importer.js";
import { CanonicalTables } from "./canonical-tables.js";
import { previewRows } from "./preview.js";

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "verity-preview-test-"));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

test("the first rows of each converted table, in load order, with the total", async () => {
  const tables = new CanonicalTables();
  for (let i = 1; i <= 7; i++) {
    tables.add("leads", "deals.csv", {
      id: `x:${i}`,
      pipeline_id: "x:p",
      status: "open",
      created_at: `2024-01-0${i}`,
      name: i === 2 ? 'Quoted, "name"\nover two lines' : `Deal ${i}`,
    });
  }
  tables.add("pipelines", "deals.csv", { id: "x:p", name: "Sales" });
  const prepared = await tables.prepare("x", []);
  try {
    const preview = await previewRows(prepared, 3);
    expect(preview.map((p) => [p.table, p.total, p.rows.length])).toEqual([
      ["pipelines", 1, 1],
      ["leads", 7, 3],
    ]);
    const leads = preview[1];
    expect(leads?.columns).toEqual(["id", "name", "pipeline_id", "status", "created_at"]);
    expect(leads?.rows[1]).toEqual(["x:2", 'Quoted, "name"\nover two lines', "x:p", "open", "2024-01-02"]);
    expect((await previewRows(prepared)).find((p) => p.table === "leads")?.rows).toHaveLength(5);
  } finally {
    await prepared.cleanup();
  }
});

test("works on an import that needs no conversion (Verity's own files)", async () => {
  const dir = join(temp, "canonical");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dir);
  await writeFile(join(dir, "reps.csv"), "id,name\nann,Ann\nbob,Bob\n");
  const prepared: PreparedImport = await verityImporter.prepare([dir], {});
  try {
    expect(await previewRows(prepared, 1)).toEqual([
      { table: "reps", columns: ["id", "name"], rows: [["ann", "Ann"]], total: 2 },
    ]);
  } finally {
    await prepared.cleanup();
  }
});
