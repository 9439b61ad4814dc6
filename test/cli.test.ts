/**
 * The `verity` command as a user meets it: real files, and for each command family (help,
 * import, status, demo) at least one test through the built bin in a real process; the rest
 * run the same command in-process (test/support/cli-in-process.ts), sparing a Node start each.
 *
 * DuckDB files only: not in the PostgreSQL-only pass of CI, which would run the same again.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verityInProcess } from "./support/cli-in-process.js";
import { engines } from "./support/databases.js";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "verity.js");

/** `verity ...args` through the built bin, in a child process. */
async function verityProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, VERITY_DATABASE_URL: "", VERITY_DB: "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The same command in this process, with the same environment. */
const verity = (args: string[], env: Record<string, string> = {}) =>
  verityInProcess(args, { VERITY_DATABASE_URL: "", VERITY_DB: "", ...env });

describe.runIf(engines().includes("duckdb"))("verity CLI", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("--help lists the commands", async () => {
    const { code, stdout } = await verityProcess(["--help"]);
    expect(code).toBe(0);
    for (const command of ["demo", "import", "simulate", "status"])
      expect(stdout).toMatch(new RegExp(`\\n\\s+${command}\\b`));
  });

  test("import with a broken row exits 1 with file, line and column and writes nothing", async () => {
    const data = join(dir, "broken");
    await cp(join(root, "test", "fixtures", "canonical-small"), data, { recursive: true });
    const leads = join(data, "leads.csv");
    await writeFile(
      leads,
      (await readFile(leads, "utf8")).replace("2025-02-01T00:00:00Z,,,800", "2025-02-30T00:00:00Z,,,800"),
    );
    const db = join(dir, "broken.duckdb");
    const { code, stderr } = await verityProcess(["--db", db, "import", data]);
    expect(code).toBe(1);
    // The detected format is said first, then the one-sentence error.
    expect(stderr).toBe(
      `format: verity (${data} holds Verity's canonical files (reps.csv, ...); --format to choose another)\n` +
        `verity: ${leads}, line 4, column created_at: "2025-02-30T00:00:00Z" is not a date or time (ISO 8601, UTC)\n`,
    );
    const status = await verityProcess(["--db", db, "status", "--json"]);
    expect(Object.values(JSON.parse(status.stdout).counts).every((n) => n === 0)).toBe(true);
  });

  test("import --json summarises, and a second import changes nothing", async () => {
    const db = join(dir, "good.duckdb");
    const fixture = join(root, "test", "fixtures", "canonical-small");
    const first = await verity(["--db", db, "--workspace", "acme", "import", fixture, "--json"]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).tables.leads).toMatchObject({ rows: 3, created: 3 });
    const second = await verity(["--db", db, "--workspace", "acme", "import", fixture, "--json"]);
    expect(JSON.parse(second.stdout).tables.leads).toMatchObject({ rows: 3, created: 0, unchanged: 3 });
    const status = await verity(["--db", db, "--workspace", "acme", "status", "--json"]);
    const counts = JSON.parse(status.stdout).counts;
    expect(counts.leads).toBe(3);
    // Visits and activities are counted from their monthly rollups: the files' rows, after a
    // re-import too (4 visits; 4 activities, one of them with a note on two lines).
    expect([counts.visits, counts.activities]).toEqual([4, 4]);
  });

  test("a path that does not exist is refused before any database is created", async () => {
    const db = join(dir, "never.duckdb");
    const { code, stderr } = await verity(["--db", db, "import", join(dir, "no-such-dir")]);
    expect(code).toBe(1);
    expect(stderr).toBe(`verity: ${join(dir, "no-such-dir")}: no such file or directory\n`);
    expect(existsSync(db)).toBe(false);
    const status = await verity(["--db", db, "status"]);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`There is no database at ${db} yet`);
    expect(existsSync(db)).toBe(false);
  });

  test("an unknown format names the formats there are", async () => {
    const { code, stderr } = await verity(["--db", join(dir, "x.duckdb"), "import", dir, "--format", "excel"]);
    expect(code).toBe(1);
    expect(stderr).toContain("verity");
    expect(stderr).toContain("maven");
  });

  test("demo loads a simulated company and says what it created", async () => {
    const db = join(dir, "demo.duckdb");
    const { code, stdout } = await verity(["--db", db, "demo"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Verity demo: a simulated B2B company loaded into .*demo\.duckdb/);
    const status = JSON.parse((await verity(["--db", db, "status", "--json"])).stdout);
    expect(status.counts.leads).toBeGreaterThan(1000);
    expect(status.counts.visits).toBeGreaterThan(status.counts.leads);
    expect(stdout).toContain(`${status.counts.leads.toLocaleString("en-US")} leads`);

    // Another seed replaces the first company instead of mixing the two.
    const again = await verity(["--db", db, "demo", "--seed", "2"]);
    expect(again.code).toBe(0);
    const leads = Number(/([\d,]+) leads/.exec(again.stdout)?.[1]?.replaceAll(",", ""));
    expect(JSON.parse((await verity(["--db", db, "status", "--json"])).stdout).counts.leads).toBe(leads);
    expect(leads).not.toBe(status.counts.leads);

    // A reader that stops early (`verity report --format json | head -c 10`) closes the pipe:
    // the process exits 0 quietly, not with an unhandled EPIPE (a shell pipe, as users have it).
    const piped = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const shell = spawn(
        "bash",
        [
          "-c",
          'set -o pipefail; "$0" "$1" --db "$2" report --format json | head -c 10 > /dev/null',
          process.execPath,
          bin,
          db,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      shell.stderr.on("data", (chunk) => {
        stderr += String(chunk);
      });
      shell.once("exit", (code) => resolve({ code, stderr }));
    });
    expect(piped.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(piped.code).toBe(0);
  });

  test("demo --open serves the dashboard and opens it with the browser $BROWSER names", async () => {
    const db = join(dir, "open.duckdb");
    const opened = join(dir, "opened.txt");
    // A stand-in browser: writes the address it was asked to open.
    const browser = join(dir, "browser.sh");
    await writeFile(browser, `#!/bin/sh\necho "$1" > "${opened}"\n`, { mode: 0o755 });
    const child = spawn(process.execPath, [bin, "--db", db, "demo", "--open", "--port", "0"], {
      cwd: root,
      env: { ...process.env, VERITY_DATABASE_URL: "", VERITY_DB: "", BROWSER: browser },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let seen = "";
        child.stderr.on("data", (chunk: Buffer) => {
          seen += chunk.toString("utf8");
          const match = /serving the dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen);
          if (match?.[1]) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`demo --open exited with ${code}: ${seen}`)));
      });
      await expect
        .poll(async () => (existsSync(opened) ? (await readFile(opened, "utf8")).trim() : ""), { timeout: 10_000 })
        .toBe(url);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("/app/main.js");
      // No sign-in: the demo's numbers are there.
      const check = await fetch(`${url}api/check`);
      expect(check.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });

  test("demo refuses a workspace that holds imported data", async () => {
    const db = join(dir, "mixed.duckdb");
    expect((await verity(["--db", db, "import", join(root, "test", "fixtures", "canonical-small")])).code).toBe(0);
    const { code, stderr } = await verity(["--db", db, "demo"]);
    expect(code).toBe(1);
    expect(stderr).toContain('Workspace "default" holds imported data');
    expect(JSON.parse((await verity(["--db", db, "status", "--json"])).stdout).counts.leads).toBe(3);
  });
});
