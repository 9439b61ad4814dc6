/**
 * The order test files start in: longest first, so that the long ones do not start last and
 * run on alone while the other workers stand idle. Vitest does this by itself from its cache of
 * earlier runs (node_modules/.vite), which a fresh clone (CI) does not have; it then starts
 * larger files first, and file size says little of time (a small fuzz file runs for minutes).
 * Without the cache, the durations come from test/durations.json, measured on a full run:
 *
 *   npx vitest run --reporter=json --outputFile=/tmp/vitest.json && node scripts/test-durations.mjs /tmp/vitest.json
 *
 * A file not listed there starts first (its time is unknown). Only the order changes: every
 * file runs, whatever the list says.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const durations = JSON.parse(readFileSync(join(import.meta.dirname, "..", "durations.json"), "utf8")) as Record<
  string,
  number
>;

export class DurationSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const cached = files.some((file) =>
      this.ctx.cache.getFileTestResults(`${file.project.name}:${relative(root, file.moduleId)}`),
    );
    if (cached) return super.sort(files);
    const seconds = (file: TestSpecification) => durations[relative(root, file.moduleId)] ?? Number.POSITIVE_INFINITY;
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
