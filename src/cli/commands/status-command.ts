/**
 * `verity status`: what the database holds for the workspace, and the latest imports.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { TABLE_ORDER } from "../../model/canonical.js";
import { ident, sql } from "../../store/sql.js";
import { describeTarget, type GlobalOptions, targetOf, withStore, workspaceOf } from "../context.js";
import { formatCount, UserError } from "../output.js";

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
          const [row] = await store.query<{ n: number }>(
            sql`SELECT count(*) AS n FROM ${ident(name)} WHERE workspace_id = ${workspace}`,
          );
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
