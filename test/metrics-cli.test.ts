/**
 * The metric commands as a user meets them: `verity demo`, then report, check, stalled,
 * plan and timeline through the built bin, in every output format, and the mistakes people
 * make (an unknown metric, a misspelt period, a rep that does not exist, no database yet).
 *
 * Each command (report, check, stalled, timeline, plan) runs at least once in a real process
 * (the built bin); the other calls run the same command in-process
 * (test/support/cli-in-process.ts), sparing a Node start each. DuckDB files only: not in the
 * PostgreSQL-only pass of CI, which would run the same again.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { METRICS } from "../src/metrics/registry.js";
import { verityInProcess } from "./support/cli-in-process.js";
import { engines } from "./support/databases.js";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "verity.js");

let dir: string;
let db: string;

/** `verity --db DB ...args` through the built bin, in a child process. */
async function verityProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, "--db", db, ...args], {
      cwd: root,
      env: { ...process.env, VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" },
      maxBuffer: 1 << 24,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The same command in this process, with the same environment. */
const verity = (args: string[]) =>
  verityInProcess(["--db", db, ...args], { VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" });

describe.runIf(engines().includes("duckdb"))("metric commands", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-metrics-cli-"));
    db = join(dir, "demo.duckdb");
    const demo = await verity(["demo"]);
    expect(demo.code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("report prints every metric with its vanity counterpart, in 100 columns", async () => {
    const { code, stdout } = await verityProcess(["report", "--period", "2026-Q2"]);
    expect(code).toBe(0);
    for (const metric of METRICS) expect(stdout).toContain(`━━ ${metric.title} · 2026-Q2`);
    expect(stdout).toContain("beside it, vanity: New leads");
    expect(stdout).toMatch(/Qualified leads\s+\d+/);
    const widest = Math.max(...stdout.split("\n").map((line) => [...line].length));
    expect(widest).toBeLessThanOrEqual(100);
  });

  test("report --format json has the documented shape and --compare fills the previous period", async () => {
    const { code, stdout } = await verity([
      "report",
      "qualified-leads",
      "funnel",
      "-p",
      "2026-Q2",
      "-c",
      "previous",
      "--format",
      "json",
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(["period", "comparison", "filters", "currency", "asOf", "metrics"]);
    expect(json.period).toEqual({
      label: "2026-Q2",
      start: "2026-04-01T00:00:00.000Z",
      end: "2026-07-01T00:00:00.000Z",
    });
    expect(json.comparison.label).toBe("2026-Q1");
    expect(json.metrics.map((m: { metric: string }) => m.metric)).toEqual(["qualified-leads", "funnel"]);
    const qualified = json.metrics[0];
    expect(qualified.headlines[0].key).toBe("qualifiedLeads");
    expect(qualified.headlines[0].previous).toBe(qualified.previous.qualifiedLeads);
    expect(qualified.vanity[0]).toMatchObject({ id: "new-leads", value: qualified.result.newLeads });
  });

  test("report --format csv gives one section per table, with raw numbers", async () => {
    const { code, stdout } = await verity(["report", "losses", "-p", "2026-Q2", "--format", "csv"]);
    expect(code).toBe(0);
    const sections = stdout.trim().split("\n\n");
    expect(sections[0]).toMatch(/^# losses: /);
    const table = Papa.parse<Record<string, string>>(sections[0]?.split("\n").slice(1).join("\n") ?? "", {
      header: true,
    });
    expect(table.data.length).toBeGreaterThan(0);
    expect(table.errors).toEqual([]);
  });

  test("filters narrow the numbers", async () => {
    const all = JSON.parse((await verity(["report", "qualified-leads", "-p", "2026-Q2", "--format", "json"])).stdout);
    const paid = JSON.parse(
      (await verity(["report", "qualified-leads", "-p", "2026-Q2", "--source", "paid", "--format", "json"])).stdout,
    );
    expect(paid.metrics[0].result.newLeads).toBeGreaterThan(0);
    expect(paid.metrics[0].result.newLeads).toBeLessThan(all.metrics[0].result.newLeads);
    expect(paid.filters.source).toBe("paid");
    // The table says which slice it shows.
    const table = await verity(["report", "qualified-leads", "-p", "2026-Q2", "--source", "paid", "--rep", "rep-001"]);
    expect(table.stdout.split("\n")[1]).toBe("  only: rep Mateo Esposito, source paid");
  });

  test("check warns about new leads rising without qualified leads in 2026-Q2, with n and normal variation", async () => {
    const { code, stdout } = await verityProcess(["check", "-p", "2026-Q2"]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe("Vanity check · 2026-Q2 against 2026-Q1");
    // New leads rose beyond normal variation while qualified leads fell: a warning, whose
    // words depend on whether the fall is beyond normal variation too.
    expect(stdout).toMatch(
      /✗ New leads \+\d+%, qualified leads −\d+%.*: (lead quality is falling|the extra leads are not the\s+kind that qualify)\./s,
    );
    expect(stdout).toMatch(/New leads .*\n\s+n \d+; beyond normal variation \(p /);
    // Every line fits 100 columns.
    for (const line of stdout.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(100);
    const json = JSON.parse((await verity(["check", "-p", "2026-Q2", "--format", "json"])).stdout);
    expect(json.findings).toHaveLength(8);
  });

  test("stalled lists leads over k x the median, and a lead links to its timeline", async () => {
    const json = JSON.parse((await verity(["stalled", "--format", "json"])).stdout);
    expect(json.leads.length).toBeGreaterThan(0);
    const stricter = JSON.parse((await verityProcess(["stalled", "-k", "4", "--format", "json"])).stdout);
    expect(stricter.leads.length).toBeLessThan(json.leads.length);
    const first = json.leads[0];
    const timeline = await verityProcess(["timeline", first.id]);
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toContain(first.id);
    expect(timeline.stdout).toMatch(/created/);
  });

  test("plan gives the leads needed per stage for a revenue target", async () => {
    const { code, stdout } = await verityProcess([
      "plan",
      "-p",
      "2026-Q4",
      "--pipeline",
      "New business",
      "--target-revenue",
      "1,000,000",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Leads needed for \d+ won leads in 2026-Q4 \(New business\)/);
    expect(stdout).toContain("Enter by");
  });

  test.each([
    [["report", "vanity"], /^verity: there is no metric "vanity"; metrics: activity-quality, /],
    [["report", "-p", "2025-Q5"], /^verity: "2025-Q5" is not a period; write 2025-Q3, /],
    [["report", "--rep", "Nobody"], /^verity: no rep "Nobody" \(by id or name\) in this workspace\n$/],
    [["report", "--team", "Mars"], /^verity: no team "Mars" in workspace "default"; teams: /],
    [["plan", "-p", "2026-Q4", "--pipeline", "new-business"], /^verity: .*target/],
    [["plan", "--target-won", "10"], /^verity: give the period to plan for/],
    [["timeline", "NOPE"], /NOPE/],
  ])("%j fails with one clear sentence", async (args, message) => {
    const { code, stdout, stderr } = await verity(args);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });

  test("no database yet: says so and creates none", async () => {
    const missing = join(dir, "nothing.duckdb");
    const { code, stderr } = await exec(process.execPath, [bin, "--db", missing, "report"], { cwd: root }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `verity: There is no database at ${missing} yet: run \`verity demo\` or \`verity import DIR\` first.\n`,
    );
  });
});
