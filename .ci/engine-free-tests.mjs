#!/usr/bin/env node
// Prints the test files that can never reach PostgreSQL, one per line: those that do not
// import test/support/databases.ts, directly or through other modules of the repository (the
// only way a test gets a PostgreSQL: its URL and databases come from there). CI's PostgreSQL 15
// pass leaves them out, since running them again there only repeats what npm test ran.
//
// The imports are read with a regular expression over `import ... from "./x.js"` and
// `import("./x.js")`; only relative imports are followed (packages cannot reach the harness).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const HARNESS = join(root, "test", "support", "databases.ts");

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "fixtures") out.push(...testFiles(path));
    } else if (entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g;

function importsOf(file) {
  const text = readFileSync(file, "utf8");
  const out = [];
  for (const match of text.matchAll(IMPORT)) {
    const target = resolve(dirname(file), match[1]);
    const candidates = [target.replace(/\.js$/, ".ts"), target, `${target}.ts`, join(target, "index.ts")];
    const found = candidates.find((c) => c.endsWith(".ts") && existsSync(c));
    if (found) out.push(found);
  }
  return out;
}

const reaches = new Map();
function reachesHarness(file, seen = new Set()) {
  if (file === HARNESS) return true;
  if (reaches.has(file)) return reaches.get(file);
  if (seen.has(file)) return false;
  seen.add(file);
  const result = importsOf(file).some((next) => reachesHarness(next, seen));
  // A file on a cycle still being walked is not memoised as unreachable.
  if (result || seen.size === 1) reaches.set(file, result);
  return result;
}

if (!existsSync(HARNESS)) {
  console.error(`engine-free-tests: ${relative(root, HARNESS)} is missing; nothing can be called engine-free`);
  process.exit(1);
}
const files = [...testFiles(join(root, "src")), ...testFiles(join(root, "test"))].sort();
for (const file of files) {
  if (!reachesHarness(file)) console.log(relative(root, file));
}
