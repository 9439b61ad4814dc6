/**
 * `verity check` and `verity report` answered from the answer their last run kept
 * (src/metrics/kept-answers.ts): a second run prints exactly what the first printed, from the
 * row (a row changed by hand is what the next run prints), and after an import the answer is
 * computed again. DuckDB files, the CLI's embedded default (the engine tests of the same
 * module are in test/kept-answers.test.ts).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStore } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";
import { verityInProcess } from "./support/cli-in-process.js";
import { engines } from "./support/databases.js";

const ENV = { VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" };

describe.runIf(engines().includes("duckdb"))("verity check and report from kept answers", () => {
  let dir: string;
  let db: string;
  const verity = (args: string[], env: Record<string, string> = {}) =>
    verityInProcess(["--db", db, ...args], { ...ENV, ...env });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-kept-answers-"));
    db = join(dir, "demo.duckdb");
    expect((await verity(["demo"])).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The check's three formats ask one question (one answer kept); the reports three.
  const COMMANDS = [
    ["check", "-p", "2026-Q2"],
    ["check", "-p", "2026-Q2", "--format", "json"],
    ["check", "-p", "2026-Q2", "--format", "csv"],
    ["report", "-p", "2026-Q2", "-c", "previous"],
    ["report", "-p", "2026-Q2", "--format", "json"],
    ["report", "funnel", "velocity", "-p", "2026-Q2", "--format", "csv", "--why"],
  ];

  test("a second run prints exactly what the first printed, from the row", async () => {
    for (const args of COMMANDS) {
      const first = await verity(args);
      expect(first.code).toBe(0);
      expect((await verity(args)).stdout).toBe(first.stdout);
    }
    const store = await openStore({ engine: "duckdb", path: db });
    try {
      const [row] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM kept_answers`);
      expect(Number(row?.n)).toBe(4);
      // The row is what the second run read: changed by hand, it is what the next run prints.
      await store.execute(
        sql`UPDATE kept_answers SET answer = replace(answer, ${'"label":"2026-Q2"'}, ${'"label":"KEPT-Q2"'})`,
      );
    } finally {
      await store.close();
    }
    expect((await verity(["check", "-p", "2026-Q2"])).stdout).toContain("KEPT-Q2");
  });

  test("after an import the answer is computed again", async () => {
    const args = ["check", "-p", "2026-Q2", "--format", "json"];
    expect((await verity(args)).stdout).toContain("KEPT-Q2");
    // One more lead: a write (a small import, scoped to its lead).
    const leads = join(dir, "leads.csv");
    await writeFile(
      leads,
      "id,pipeline_id,stage_id,status,created_at\nkept-answers-lead,new-business,new-business:new,open,2026-05-02T09:00:00Z\n",
    );
    const keptRows = async () => {
      const store = await openStore({ engine: "duckdb", path: db });
      try {
        const rows = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM kept_answers`);
        return Number(rows[0]?.n);
      } finally {
        await store.close();
      }
    };
    const rowsBefore = await keptRows();
    const imported = await verity(["import", leads]);
    expect(imported.code, imported.stderr).toBe(0);
    // A small import redoes only its lead: it does not compute a whole check to keep.
    expect(await keptRows()).toBe(rowsBefore);
    const after = await verity(args);
    expect(after.stdout).not.toContain("KEPT-Q2");
    expect(after.stdout).toBe((await verity(args, { VERITY_READ_CACHE: "off" })).stdout);
  });

  test("an import that redoes the workspace keeps the plain check: the first check after it reads it", async () => {
    const files = join(dir, "company");
    expect((await verity(["simulate", "--out", files, "--seed", "5"])).code).toBe(0);
    const imported = await verity(["--workspace", "second", "import", files]);
    expect(imported.code, imported.stderr).toBe(0);
    // Said on a terminal only (as the progress bar): a script's stderr stays for errors.
    expect(imported.stderr).not.toContain("Prepar");

    const store = await openStore({ engine: "duckdb", path: db });
    try {
      const rows = await store.query<{ n: number }>(
        sql`SELECT count(*) AS n FROM kept_answers WHERE workspace_id = 'second'`,
      );
      expect(Number(rows[0]?.n)).toBe(1);
      await store.execute(
        sql`UPDATE kept_answers SET answer = replace(answer, ${'"label":"2026-Q3"'}, ${'"label":"PREPARED-Q3"'})
            WHERE workspace_id = 'second'`,
      );
    } finally {
      await store.close();
    }
    // The plain check (no flags) is the question the import kept.
    const check = await verity(["--workspace", "second", "check"]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain("PREPARED-Q3");
    // Computed, it is the same but for the label changed by hand.
    const computed = await verity(["--workspace", "second", "check"], { VERITY_READ_CACHE: "off" });
    expect(check.stdout.replaceAll("PREPARED-Q3", "2026-Q3")).toBe(computed.stdout);
  });
});
