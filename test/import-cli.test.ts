/**
 * `verity import` with real CRM exports, as a user meets it: the built bin, format
 * detection, the summary, a dry run, a bad file, and the metrics afterwards.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "verity.js");
const crm = join(root, "test", "fixtures", "crm");

async function verity(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, VERITY_DATABASE_URL: "", VERITY_DB: "" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("verity import of CRM exports", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-import-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("detects a Salesforce export, says so, converts with --rates, and a second import changes nothing", async () => {
    const db = join(dir, "sf.duckdb");
    const args = ["--db", db, "import", join(crm, "salesforce"), "--rates", join(crm, "salesforce", "rates.csv")];
    const first = await verity(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("format: salesforce (");
    expect(first.stdout).toMatch(/leads\s+9\s+9\s+0\s+0/);
    expect(first.stdout).toMatch(/skipped 1: opportunity deleted in Salesforce/);
    const again = await verity(args);
    expect(again.stdout).toMatch(/leads\s+9\s+0\s+0\s+9/);
    const report = await verity(["--db", db, "report", "losses", "--format", "json"]);
    const losses = JSON.parse(report.stdout).metrics[0];
    // Two lost opportunities in the fixture: 22,500 + 10,200 EUR after conversion.
    expect(losses.headlines.find((h: { key: string }) => h.key === "lostValue")?.value).toBe(32700);
  });

  test("asks for --format when the header does not tell, and names a broken file's line and column", async () => {
    const db = join(dir, "bad.duckdb");
    const unknown = await verity(["--db", db, "import", join(crm, "nutshell", "nutshell-leads-export.csv")]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("give --format");
    const truncated = await verity(["--db", db, "import", join(crm, "bad", "hubspot-truncated.csv")]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain(
      "hubspot-truncated.csv, line 7, column Deal Name: the file ends inside a quoted field",
    );
    const utf16 = await verity(["--db", db, "import", join(crm, "bad", "pipedrive-utf16le-no-bom.csv")]);
    expect(utf16.stderr).toContain("UTF-16 without a byte order mark");
    const ambiguous = await verity([
      "--db",
      db,
      "import",
      "--format",
      "nutshell",
      join(crm, "bad", "nutshell-ambiguous-dates.csv"),
    ]);
    expect(ambiguous.stderr).toContain("column Created");
    expect(ambiguous.stderr).toContain("--date-format");
    // Nothing was ever written, so the database file was never created.
    expect(existsSync(db)).toBe(false);
  });

  test("--dry-run shows the mapped rows and every problem, and writes nothing", async () => {
    const db = join(dir, "dry.duckdb");
    const ok = await verity([
      "--db",
      db,
      "import",
      "--format",
      "nutshell",
      "--dry-run",
      join(crm, "nutshell", "nutshell-leads-export.csv"),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("nothing was written");
    expect(ok.stdout).toMatch(/leads: 6 rows, the first 5:/);
    expect(ok.stdout).toContain("No problems found");
    const bad = join(crm, "csv-mapping", "bad");
    const withProblems = await verity([
      "--db",
      db,
      "import",
      "--format",
      "csv",
      "--mapping",
      join(crm, "csv-mapping", "zoho-mapping.yaml"),
      "--dry-run",
      "--json",
      join(bad, "Deals_with_problems.csv"),
    ]);
    expect(withProblems.code).toBe(1);
    const result = JSON.parse(withProblems.stdout) as { problems: string[] };
    // Every bad row is listed, each with its line and column, not only the first.
    const rows = result.problems.filter((p) => p.startsWith(join(bad, "Deals_with_problems.csv")));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const problem of rows) expect(problem).toMatch(/Deals_with_problems\.csv, line \d+, column /);
    expect(rows.join("\n")).toContain("line 5, column Record Id: duplicate id");
    expect(existsSync(db)).toBe(false);
  });

  test("--skip-invalid imports the good rows of a mapped CSV, lists the bad ones in --rejects, and only for csv", async () => {
    const db = join(dir, "skip.duckdb");
    const rejects = join(dir, "rejects.csv");
    const leads = join(crm, "csv-mapping", "skip-invalid", "Leads_100.csv");
    const mapping = join(crm, "csv-mapping", "skip-invalid", "leads-mapping.yaml");
    const base = ["--db", db, "import", "--format", "csv", "--mapping", mapping, leads];
    // 2 bad rows of 100 is over the default 1%: nothing is imported, not even a database made.
    const over = await verity([...base, "--skip-invalid", "--rejects", rejects]);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain("2 of 100 rows (2.0%) have problems, more than the 1% --max-rejected allows");
    expect(existsSync(db)).toBe(false);
    const ok = await verity([...base, "--skip-invalid", "--rejects", rejects, "--max-rejected", "2%"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/leads\s+98\s+98\s+0\s+0/);
    expect(ok.stdout).toContain(`skipped 2: rows refused by --skip-invalid (listed in ${rejects})`);
    const lines = (await readFile(rejects, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/Leads_100\.csv,38,Created,/);
    expect(lines[2]).toMatch(/Leads_100\.csv,82,Status,/);
    const other = await verity([
      "--db",
      db,
      "import",
      "--format",
      "nutshell",
      join(crm, "nutshell", "nutshell-leads-export.csv"),
      "--skip-invalid",
      "--rejects",
      rejects,
    ]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("--skip-invalid is not supported by the nutshell format");
  });
});
