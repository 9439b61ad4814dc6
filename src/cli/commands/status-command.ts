/**
 * `verity status`: what the database holds for the workspace, and the latest imports.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { TABLE_ORDER, type TableName } from "../../model/canonical.js";
import { ident, type Sql, sql } from "../../store/sql.js";
import { describeTarget, type GlobalOptions, targetOf, withStore, workspaceOf } from "../context.js";
import { formatCount, UserError } from "../output.js";

/**
 * How many rows a table holds for the workspace. Visits and activities are counted from their
 * monthly rollups, which every import rebuilds from all of them (exact, and a few thousand
 * rows instead of tens of millions: 7.8 s for 20M visits on PostgreSQL).
 */
function countOf(table: TableName, workspace: string): Sql {
  if (table === "visits") {
    return sql`SELECT CAST(COALESCE(sum(visits), 0) AS BIGINT) AS n FROM visit_months WHERE workspace_id = ${workspace}`;
  }
  if (table === "activities") {
    return sql`SELECT CAST(COALESCE(sum(activities), 0) AS BIGINT) AS n FROM activity_months WHERE workspace_id = ${workspace}`;
  }
  return sql`SELECT count(*) AS n FROM ${ident(table)} WHERE workspace_id = ${workspace}`;
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("show what is loaded in the workspace")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const target = targetOf(globals);
      if (target.engine === "duckdb" && !existsSync(target.path)) {
        throw new UserError(
          `There is no database at ${target.path} yet: run \`verity demo\` or \`verity import DIR\` first.`,
        );
      }
      const result = await withStore(globals, async (store) => {
        const counts: Record<string, number> = {};
        for (const name of TABLE_ORDER) {
          const [row] = await store.query<{ n: number }>(countOf(name, workspace));
          counts[name] = Number(row?.n ?? 0);
        }
        const imports = await store.query<{ format: string; path: string; finished_at: string }>(
          sql`SELECT format, path, finished_at FROM imports WHERE workspace_id = ${workspace} ORDER BY finished_at DESC LIMIT 5`,
        );
        return { database: describeTarget(targetOf(globals)), workspace, counts, imports };
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const lines = [`Database ${result.database}, workspace "${workspace}"`, ""];
      for (const [name, n] of Object.entries(result.counts))
        lines.push(`  ${name.padEnd(28)}${formatCount(n).padStart(12)}`);
      if (result.imports.length > 0) {
        lines.push("", "Latest imports:");
        for (const i of result.imports)
          lines.push(`  ${i.finished_at.slice(0, 19).replace("T", " ")}  ${i.format.padEnd(8)} ${i.path}`);
      } else lines.push("", "Nothing imported yet: try `verity demo` or `verity import DIR`.");
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
