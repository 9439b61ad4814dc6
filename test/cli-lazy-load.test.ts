/**
 * A command loads only the modules it needs (issue 17, target 3: a fresh `verity check` under
 * 1 s): the bin in a child process with every loaded file traced (test/support/module-trace.mjs),
 * and how src/cli/main.ts finds the command a line names. Which packages load is the
 * assertion, not how long it takes (bench/cli-start.ts times it). Needs dist/.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { commandNameOf } from "../src/cli/main.js";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..");

/** What the server, the importers, the simulator and the other engine bring: never needed by `check` on DuckDB. */
const NOT_FOR_CHECK = [
  "hono",
  "@hono/node-server",
  "pino",
  "pg",
  "read-excel-file",
  "yauzl",
  "unzipper-esm",
  "iconv-lite",
  "papaparse",
  "cli-progress",
  "yaml",
  "open",
];

/** The packages a `verity ...args` process loads (by their folder under node_modules). */
async function packagesLoadedBy(dir: string, name: string, args: string[]): Promise<Set<string>> {
  const trace = join(dir, `${name}.txt`);
  await exec(
    process.execPath,
    ["--import", join(root, "test", "support", "module-trace.mjs"), join(root, "bin", "verity.js"), ...args],
    { cwd: root, env: { ...process.env, VERITY_MODULE_TRACE: trace, VERITY_DATABASE_URL: "", VERITY_DB: "" } },
  ).catch((error: { code?: number }) => {
    // `check` on a missing database exits 1 after loading its command: that is the point.
    if (error.code !== 1) throw error;
  });
  const files = (await readFile(trace, "utf8")).split("\n");
  return new Set(files.flatMap((file) => /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? []));
}

describe("the CLI loads what a command needs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-lazy-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("--version loads commander alone; check loads the metrics but no server, importer or other engine", async () => {
    const [version, check] = await Promise.all([
      packagesLoadedBy(dir, "version", ["--version"]),
      packagesLoadedBy(dir, "check", ["--db", join(dir, "missing.duckdb"), "check"]),
    ]);
    expect([...version]).toEqual(["commander"]);
    // The trace sees packages (so an empty set cannot pass): zod comes with the request's fields.
    expect(check).toContain("commander");
    expect(check).toContain("zod");
    expect(NOT_FOR_CHECK.filter((name) => check.has(name))).toEqual([]);
  });

  test("the command a line names is found past the global options and their values", () => {
    const name = (...args: string[]) =>
      commandNameOf(new Command().option("--db <path>").option("-w, --workspace <id>"), args);
    expect(name("--db", "report.duckdb", "-w", "acme", "check", "--period", "2026-Q2")).toBe("check");
    expect(name("--db=x.duckdb", "--workspace", "check", "report")).toBe("report");
    expect(name("-wacme", "status")).toBe("status");
    expect(name("--version")).toBeUndefined();
    expect(name("--", "check")).toBeUndefined();
  });
});
