import { defineConfig } from "vitest/config";

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
    // CI machines have 2 cores and PostgreSQL needs some CPU too.
    maxWorkers: 2,
  },
});
