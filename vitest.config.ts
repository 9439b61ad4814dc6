import { defineConfig } from "vitest/config";
import { DurationSequencer } from "./test/support/sequencer.js";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Starts an embedded PostgreSQL unless VERITY_TEST_DATABASE_URL is set;
    // tests get the URL with inject('postgresUrl') (see test/support/databases.ts).
    globalSetup: ["test/support/postgres-global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child processes rather than worker threads: the DuckDB native addon is
    // not safe to load in several worker_threads of one process.
    pool: "forks",
    // CI machines have 2 cores. Three files at a time keep them busy: with two, a quarter of
    // the CPU sat idle while test files waited on PostgreSQL, child processes and Chromium
    // (CI=true .ci/run: 21.5 CPU-minutes in 14.1 minutes on 2 cores).
    maxWorkers: 3,
    // Longest files first, also in a fresh clone (test/support/sequencer.ts).
    sequence: { sequencer: DurationSequencer },
  },
});
