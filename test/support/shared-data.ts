/**
 * Real data written by others, read from ../shared/data beside the repository and never
 * copied into it. In a user's clone the folder is usually absent: the tests that need it then
 * report themselves skipped by name. In CI (CI set, as .ci/run sets it) the data is part of the
 * run, so its absence is a failure, not a quiet skip.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";

const SHARED_DATA = resolve(import.meta.dirname, "..", "..", "..", "shared", "data");

/** Whether this run is CI's: CI=true (or any value but "" / "false" / "0"). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "false" && value !== "0";
}

/**
 * The path of a dataset under ../shared/data and whether it is there. In CI an absent one
 * adds a failing test naming it, so the suites that need it cannot pass by skipping.
 */
export function sharedDataset(name: string): { path: string; present: boolean } {
  const path = join(SHARED_DATA, name);
  const present = existsSync(path);
  if (!present && inCi()) {
    test(`../shared/data/${name} is present (CI=${process.env.CI})`, () => {
      expect.fail(`${path} is missing: CI runs the tests that read it, so it must be there`);
    });
  }
  return { path, present };
}
