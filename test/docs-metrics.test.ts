/**
 * docs/metrics.md is the repository's metrics specification (what source comments cite as
 * METRICS.md). Where it is cheap to check, it must not drift from the code: every metric of
 * the registry and every vanity metric has its place in it, and the worked examples' numbers
 * are what the statistics code computes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { METRICS } from "../src/metrics/registry.js";
import { poissonAcceptance, poissonExactTest, XMR_SCALE, xmrLimits } from "../src/metrics/statistics.js";
import { VANITY } from "../src/metrics/vanity.js";

const doc = readFileSync(join(import.meta.dirname, "..", "docs", "metrics.md"), "utf8");
const lines = doc.split("\n");

/** Whether `id` appears, in backticks, in a heading or in a table row. */
function listed(id: string): boolean {
  return lines.some((line) => (line.startsWith("#") || line.startsWith("|")) && line.includes(`\`${id}\``));
}

/** The text of the section under the heading that starts with `heading`, up to the next heading. */
function section(heading: string): string {
  const start = lines.findIndex((line) => line.startsWith("#") && line.replace(/^#+ /, "").startsWith(heading));
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith("#"));
  return (end < 0 ? rest : rest.slice(0, end)).join("\n");
}

test("every metric of the registry and every vanity metric is documented by its id", () => {
  for (const metric of METRICS) expect(listed(metric.id), metric.id).toBe(true);
  for (const vanity of VANITY) expect(listed(vanity.id), vanity.id).toBe(true);
  // Each of the nine metrics under its own numbered heading, in the registry's order (the
  // numbers source comments cite as "METRICS.md 2").
  METRICS.forEach((metric, i) => {
    const heading = lines.find((line) => line.startsWith("### ") && line.includes(`(\`${metric.id}\`)`));
    expect(heading, metric.id).toMatch(new RegExp(`^### ${i + 1}\\. `));
  });
});

test("the doc says it is the repository's version of the contract the code cites", () => {
  const intro = doc.slice(0, doc.indexOf("\n## "));
  expect(intro).toContain("`METRICS.md`");
  expect(intro).toContain("repository's own version");
});

test("the 3-to-7 worked example prints the exact test's p-value and normal range", () => {
  const text = section("Worked example: 3 leads become 7");
  const printed = text.match(/p = [^\n]*?= (0\.\d+)\n/)?.[1];
  expect(printed, "the p-value line").toBeDefined();
  const digits = (printed as string).length - 2;
  expect(poissonExactTest(7, 3).pValue.toFixed(digits)).toBe(printed);
  expect(text).toContain("The normal range against 3 is 0 to 11");
  expect(poissonAcceptance(3)).toEqual({ low: 0, high: 11 });
});

test("the XmR worked example's limits are what xmrLimits computes from its values", () => {
  const text = section("Worked example: natural process limits");
  const values = text
    .match(/\n {4}([\d, ]+)\n/)?.[1]
    ?.split(",")
    .map((v) => Number(v.trim()));
  expect(values).toHaveLength(12);
  const limits = xmrLimits(values as number[]);
  expect(limits?.centre).toBe(200);
  expect(limits?.movingRange).toBe(30);
  expect(XMR_SCALE).toBe(2.66);
  expect(text).toContain(`from ${(limits?.low ?? 0).toFixed(1)} to ${(limits?.high ?? 0).toFixed(1)}`);
  expect(text).toContain("centre is 200");
  expect(text).toContain("mean moving range of 30");
  // 260 against 180 is beyond sampling noise but inside the limits; 280 is beyond both.
  expect(poissonExactTest(260, 180).pValue.toFixed(5)).toBe("0.00016");
  expect(text).toContain("p = 0.00016");
  expect(poissonAcceptance(180)).toEqual({ low: 144, high: 220 });
  expect(text).toContain("144 to 220");
});
