import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defineConfig } from "vitest/config";
import { DurationSequencer } from "./test/support/sequencer.js";

/**
 * Test files that replace a module (vi.mock: node:crypto at a test cost, test/support/test-scrypt.ts)
 * or the clock (vi.useFakeTimers, vi.setSystemTime), and files that say `// vitest: own process`
 * (they depend on something of the whole process, such as the umask DuckDB's open files narrow):
 * each runs in a process of its own, where what it replaced cannot reach another file, nor
 * another file reach it. Every other file shares its worker's modules with the files before it
 * (isolate: false): importing Verity's modules, DuckDB and the server once per worker instead of
 * once per file took the suite from 716 to 631 s (the files' import time 179 -> 52 s). Those
 * files restore what they change of the process (process.env, TZ, the umask: in a finally).
 * The lists are made when the config loads: a test file added under `vitest --watch` runs
 * after a restart.
 */
const OWN_PROCESS =
  /\bvi\.(mock|doMock|useFakeTimers|setSystemTime|stubGlobal|stubEnv|resetModules)\(|^\/\/ vitest: own process\b/m;
const ROOT = import.meta.dirname;
function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}
// Lists of files rather than globs with an exclude: a project's exclude would override the one
// the command line gives (.ci/run's PostgreSQL 15 pass leaves files out with --exclude).
const files = ["src", "test"].flatMap(testFiles).sort();
const ownProcess = files.filter((file) => OWN_PROCESS.test(readFileSync(join(ROOT, file), "utf8")));
const sharing = files.filter((file) => !ownProcess.includes(file));

const shared = {
  // Starts an embedded PostgreSQL unless VERITY_TEST_DATABASE_URL is set (once, in the root
  // config below); tests get the URL with inject('postgresUrl') (see test/support/databases.ts).
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // Child processes rather than worker threads: the DuckDB native addon is
  // not safe to load in several worker_threads of one process.
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    globalSetup: ["test/support/postgres-global-setup.ts"],
    // CI machines have 2 cores. Three files at a time keep them busy: with two, a quarter of
    // the CPU sat idle while test files waited on PostgreSQL, child processes and Chromium
    // (CI=true .ci/run: 21.5 CPU-minutes in 14.1 minutes on 2 cores).
    maxWorkers: 3,
    // Longest files first, also in a fresh clone (test/support/sequencer.ts).
    sequence: { sequencer: DurationSequencer },
    projects: [
      { extends: false, test: { ...shared, name: "own-process", include: ownProcess, isolate: true } },
      { extends: false, test: { ...shared, name: "shared", include: sharing, isolate: false } },
    ],
  },
});
