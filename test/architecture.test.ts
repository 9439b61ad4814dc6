/**
 * The layer rules of docs/architecture.md, checked on the imports of every module in src/
 * (parsed, not run: no database, a second or so). A rule broken names the importing file and
 * what it imports, so review sees the boundary crossed. Test files beside the code are left
 * out: a metric's test may load its data through an importer.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

/** One import of a module: the file it resolves to (relative to the repository), and whether only types come in. */
type Import = { from: string; to: string; typeOnly: boolean };

/** Every .ts file under `dir`, tests left out. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The relative imports of one file, static, re-exported and dynamic. Only `import type` and
 * `export type` count as type-only: under verbatimModuleSyntax an `import { type X }` still
 * loads its module.
 */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) return;
    const target = resolve(dirname(file), specifier.text).replace(/\.js$/, ".ts");
    found.push({ from: relative(ROOT, file), to: relative(ROOT, target), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const inside = (path: string, folder: string) => path.startsWith(`${folder}/`);

/** The rules: each takes one import and says what is wrong with it, or null. */
const RULES: { name: string; broken: (i: Import) => string | null }[] = [
  {
    name: "metrics read derived facts, never ingest",
    broken: (i) => (inside(i.from, "src/metrics") && inside(i.to, "src/ingest") ? "metrics imports ingest" : null),
  },
  {
    name: "the CLI reaches the server only through its public module",
    broken: (i) =>
      inside(i.from, "src/cli") && inside(i.to, "src/server") && i.to !== "src/server/index.ts"
        ? "cli imports a server internal (use src/server/index.ts)"
        : null,
  },
  {
    name: "the dashboard loads no code from outside itself (types only)",
    broken: (i) =>
      inside(i.from, "src/web/dashboard") && !inside(i.to, "src/web/dashboard") && !i.typeOnly
        ? "the browser bundle would load server code"
        : null,
  },
];

function violations(imports: readonly Import[]): string[] {
  return imports.flatMap((i) =>
    RULES.flatMap((rule) => {
      const wrong = rule.broken(i);
      return wrong ? [`${i.from} -> ${i.to}: ${wrong}`] : [];
    }),
  );
}

describe("the layers", () => {
  const imports = sourceFiles(SRC).flatMap((file) => importsOf(file, readFileSync(file, "utf8")));

  test("the parse finds the imports (so an empty list cannot pass for a clean one)", () => {
    expect(imports.length).toBeGreaterThan(500);
    expect(imports).toContainEqual({
      from: "src/cli/commands/server-commands.ts",
      to: "src/server/index.ts",
      typeOnly: false,
    });
  });

  test("every rule holds in src/", () => {
    expect(violations(imports)).toEqual([]);
  });

  test("each rule catches its crossing", () => {
    const crossings = [
      `import { runImport } from "../ingest/importer.js";`,
      `import { ApiError } from "../server/errors.js";`,
      `import { SCOPES } from "../../../accounts/access.js";`,
    ];
    const files = ["src/metrics/x.ts", "src/cli/x.ts", "src/web/dashboard/pages/x.ts"];
    const found = files.flatMap((file, n) => importsOf(join(ROOT, file), crossings[n] ?? ""));
    expect(violations(found)).toEqual([
      "src/metrics/x.ts -> src/ingest/importer.ts: metrics imports ingest",
      "src/cli/x.ts -> src/server/errors.ts: cli imports a server internal (use src/server/index.ts)",
      "src/web/dashboard/pages/x.ts -> src/accounts/access.ts: the browser bundle would load server code",
    ]);
    // What the rules allow: the server's public module, types into the dashboard, a dynamic import too.
    const allowed = [
      importsOf(join(ROOT, "src/cli/y.ts"), `import { startServer } from "../server/index.js";`),
      importsOf(join(ROOT, "src/web/dashboard/y.ts"), `import type { Funnel } from "../../metrics/results/funnel.js";`),
    ].flat();
    expect(violations(allowed)).toEqual([]);
    expect(violations(importsOf(join(ROOT, "src/cli/z.ts"), `await import("../server/app.js");`))).toHaveLength(1);
  });
});

/**
 * What keeps src/metrics/results/ importable by the dashboard's browser build
 * (tsconfig.web.json: no Node types, its own output): each module there declares types only
 * and imports types only, from that folder or src/model/capabilities.ts. A constant or a
 * runtime import would also make the browser build write JS over the server build's (the
 * comment in tsconfig.web.json says why they are the same bytes today).
 */
function resultsModuleProblems(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const where = relative(ROOT, file);
  const problems: string[] = [];
  for (const statement of source.statements) {
    const typeOnly =
      ts.isTypeAliasDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly === true) ||
      (ts.isExportDeclaration(statement) && statement.isTypeOnly);
    if (!typeOnly) {
      const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1;
      problems.push(`${where}:${line}: runtime code (only import type, export type and type declarations)`);
    }
  }
  for (const i of importsOf(file, text)) {
    if (!inside(i.to, "src/metrics/results") && i.to !== "src/model/capabilities.ts") {
      problems.push(`${where} -> ${i.to}: imports from outside src/metrics/results and src/model/capabilities.ts`);
    }
  }
  // A bare specifier (a package) is no relative import, so importsOf leaves it out: none is allowed.
  for (const statement of source.statements) {
    const specifier =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (specifier && ts.isStringLiteral(specifier) && !specifier.text.startsWith(".")) {
      problems.push(`${where} -> ${specifier.text}: imports a package`);
    }
  }
  return problems;
}

describe("the result types the dashboard shares", () => {
  const folder = join(SRC, "metrics", "results");

  test("every module in src/metrics/results is types only, importing only its folder and model/capabilities.ts", () => {
    const files = sourceFiles(folder);
    // The envelope and one module per metric at least: an empty folder cannot pass for a clean one.
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap((file) => resultsModuleProblems(file, readFileSync(file, "utf8")))).toEqual([]);
  });

  test("the check catches runtime code and imports from elsewhere", () => {
    const file = join(folder, "x.ts");
    const text = [
      `import type { Format } from "./common.js";`,
      `import type { DataCapability } from "../../model/capabilities.js";`,
      `export type { Funnel } from "./funnel.js";`,
      `export type A = { format: Format; capability: DataCapability };`,
      `import type { TableName } from "../../model/canonical.js";`,
      `import { z } from "zod";`,
      `export const FORMATS = ["text"];`,
      `export { PAIRS } from "../../insights/pairs.js";`,
    ].join("\n");
    expect(resultsModuleProblems(file, text)).toEqual([
      "src/metrics/results/x.ts:6: runtime code (only import type, export type and type declarations)",
      "src/metrics/results/x.ts:7: runtime code (only import type, export type and type declarations)",
      "src/metrics/results/x.ts:8: runtime code (only import type, export type and type declarations)",
      "src/metrics/results/x.ts -> src/model/canonical.ts: imports from outside src/metrics/results and src/model/capabilities.ts",
      "src/metrics/results/x.ts -> src/insights/pairs.ts: imports from outside src/metrics/results and src/model/capabilities.ts",
      "src/metrics/results/x.ts -> zod: imports a package",
    ]);
  });
});
