/**
 * The package as a TypeScript user meets it: a project of their own with Verity in its
 * node_modules, `import { openVerity } from "verity"` run by Node and type-checked by tsc
 * against the built package's declarations (dist/, which `npm test` builds first).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const FIXTURE = join(ROOT, "test", "fixtures", "canonical-small");
let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "verity-library-"));
  await mkdir(join(project, "node_modules"));
  // As `npm install ../verity` links it.
  await symlink(ROOT, join(project, "node_modules", "verity"), "dir");
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "user-project", type: "module" }));
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

/** What a user's script does: import the files, report, check, and ask for what is not there. */
const SCRIPT = `
import { openVerity, METRICS, VerityError } from "verity";

const verity = await openVerity({ database: process.argv[2], workspace: "acme" });
try {
  const summary = await verity.importFiles(process.argv[3]);
  const report = await verity.report({ period: "2025-Q1", compare: "previous", metrics: ["funnel", "engagement"] });
  const check = await verity.check({ period: "2025-Q1" });
  const doctor = await verity.doctor();
  let refused = null;
  try {
    await verity.report({ metrics: ["page-views"] });
  } catch (error) {
    refused = { verityError: error instanceof VerityError, code: error.code ?? null, message: error.message };
  }
  const refusals = [];
  for (const attempt of [
    () => verity.importFiles(process.argv[3] + "-missing"),
    () => verity.importFiles(process.argv[3], { format: "nope" }),
    () => verity.report({ compare: "bogus" }),
    () => verity.check({ options: { k: 0 } }),
    () => openVerity({ database: process.argv[2], workspace: "../Evil WS" }),
  ]) {
    try {
      await attempt();
      refusals.push(null);
    } catch (error) {
      refusals.push({ verityError: error instanceof VerityError, code: error.code ?? null, message: error.message });
    }
  }
  console.log(JSON.stringify({
    refusals,
    metrics: METRICS.length,
    imported: summary.format,
    tables: Object.keys(summary.tables),
    period: report.period?.label,
    reported: report.metrics.map((m) => m.metric),
    wonLeads: report.metrics[0].headlines.map((h) => [h.key, h.value, h.evidence?.kind ?? null]),
    findings: check.findings.length,
    doctorMetrics: doctor.metrics.length,
    refused,
  }));
} finally {
  await verity.close();
}
`;

test("a script imports, reports and checks through the package's entry point", async () => {
  await writeFile(join(project, "script.mjs"), SCRIPT);
  const { stdout } = await run(process.execPath, [
    join(project, "script.mjs"),
    join(project, "verity.duckdb"),
    FIXTURE,
  ]);
  const out = JSON.parse(stdout);
  expect(out.metrics).toBe(9);
  expect(out.imported).toBe("verity");
  expect(out.tables).toContain("leads");
  expect(out.period).toBe("2025-Q1");
  expect(out.reported).toEqual(["funnel", "engagement"]);
  // Each headline carries its n, as the API's do.
  expect(out.wonLeads.length).toBeGreaterThan(0);
  for (const [, value, kind] of out.wonLeads) if (value !== null) expect(kind).not.toBeNull();
  expect(out.findings).toBeGreaterThan(0);
  expect(out.doctorMetrics).toBe(9);
  expect(out.refused?.message).toMatch(/page-views/);
  expect(out.refused?.verityError).toBe(true);
  expect(typeof out.refused?.code).toBe("string");
  // A missing path and an unknown format are refused as the CLI refuses them, as VerityErrors.
  expect(out.refusals[0]).toMatchObject({
    verityError: true,
    code: "usage",
    message: expect.stringMatching(/-missing: no such file/),
  });
  // A request is checked as the CLI's flags are: a bad value or a misspelt option is named.
  expect(out.refusals[2]).toMatchObject({
    verityError: true,
    code: "invalid_input",
    message: expect.stringMatching(/^compare: /),
  });
  expect(out.refusals[3]).toMatchObject({
    verityError: true,
    code: "invalid_input",
    message: expect.stringMatching(/^k: /),
  });
  // A workspace id is one every workspace could have; nothing is created under another name.
  expect(out.refusals[4]).toMatchObject({
    verityError: true,
    code: "usage",
    message: expect.stringMatching(/workspace id/),
  });
  expect(out.refusals[1]).toMatchObject({
    verityError: true,
    code: "unknown_format",
    message: expect.stringMatching(/Unknown import format "nope"/),
  });
});

test("the types a user's TypeScript sees are the API's result types", async () => {
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")],
      },
      files: ["use.ts"],
    }),
  );
  // The README's example, as a user copies it, and a few lines that must hold for the types.
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const example = /## As a library[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toContain('from "verity"');
  await writeFile(
    join(project, "use.ts"),
    `${example}
import type { Headline, ReportEnvelope, VanityCheck } from "verity";

export async function more(verity: Awaited<ReturnType<typeof openVerity>>) {
  const report: ReportEnvelope = await verity.report({ period: "2026-Q2", compare: "year" });
  const first: Headline | undefined = report.metrics[0]?.headlines[0];
  const check: VanityCheck = await verity.check();
  // @ts-expect-error: a request field that does not exist is a type error for the user too
  await verity.report({ perod: "2026-Q2" });
  return [first?.value ?? null, check.findings.length];
}
`,
  );
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const result = await run(process.execPath, [tsc, "-p", join(project, "tsconfig.json")]).catch((e) => e);
  expect(`${result.stdout ?? ""}${result.stderr ?? ""}`).toBe("");
});
