/**
 * The README is the user's manual: it must document every table file and column of the
 * canonical format, and every command the CLI has.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import { TABLE_ORDER, TABLES } from "../src/model/canonical.js";

const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

test("the README documents every canonical file and column", () => {
  for (const name of TABLE_ORDER) {
    const table = TABLES[name];
    const start = readme.indexOf(`#### ${table.file}`);
    expect(start, table.file).toBeGreaterThan(0);
    const end = readme.indexOf("####", start + 5);
    const section = readme.slice(start, end < 0 ? undefined : end);
    for (const column of table.columns) expect(section, `${table.file} ${column.name}`).toContain(`| ${column.name} |`);
  }
});

test("the README lists every CLI command and the two quick-start commands", async () => {
  for (const command of (await buildProgram()).commands) expect(readme).toContain(`  ${command.name()} `);
  expect(readme).toContain("npm ci && npx verity demo");
  expect(readme).toContain("npm test");
});
