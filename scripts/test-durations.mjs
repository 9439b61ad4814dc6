// Writes test/durations.json (each test file's seconds, longest first) from a vitest JSON
// report, for test/support/sequencer.ts: `node scripts/test-durations.mjs /tmp/vitest.json`.
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";

const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
const seconds = Object.fromEntries(
  report.testResults
    .map((file) => [relative(process.cwd(), file.name), Math.round((file.endTime - file.startTime) / 100) / 10])
    .sort((a, b) => b[1] - a[1]),
);
writeFileSync("test/durations.json", `${JSON.stringify(seconds, null, 2)}\n`);
