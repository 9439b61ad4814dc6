/**
 * `verity import PATH --format verity|maven`: load files into the database, atomically.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { type ImportSummary, runImport } from "../../ingest/importer.js";
import { IMPORTERS, importerFor } from "../../ingest/importers.js";
import { TABLE_ORDER } from "../../model/canonical.js";
import { type GlobalOptions, withStore, workspaceOf } from "../context.js";
import { formatCount, importProgressBar, UserError } from "../output.js";

export function registerImport(program: Command): void {
  program
    .command("import")
    .description("import CRM and marketing data (atomic: a bad row changes nothing)")
    .argument("<path>", "a directory of files (or one file) to import")
    .option("-f, --format <format>", `input format: ${Object.keys(IMPORTERS).join(", ")}`, "verity")
    .option("--json", "print a JSON summary instead of a table")
    .action(async (path: string, options: { format: string; json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const importer = importerFor(options.format);
      // Before the database is opened (and, for DuckDB, created): a typo creates nothing.
      if (!existsSync(path)) throw new UserError(`${path}: no such file or directory`);
      const bar = importProgressBar(!options.json);
      const summary = await withStore(globals, async (store) => {
        try {
          return await runImport(store, importer, path, { workspace: workspaceOf(globals), onProgress: bar.update });
        } finally {
          bar.stop();
        }
      });
      process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatImportSummary(summary));
    });
}

export function formatImportSummary(summary: ImportSummary): string {
  const lines = [
    `Imported ${summary.path} (${summary.format}) into workspace "${summary.workspace}" in ${(summary.durationMs / 1000).toFixed(1)} s`,
    "",
    `${"table".padEnd(26)}${"rows".padStart(12)}${"created".padStart(12)}${"updated".padStart(12)}${"unchanged".padStart(12)}`,
  ];
  for (const name of TABLE_ORDER) {
    const t = summary.tables[name];
    if (!t) continue;
    const removed = t.removed > 0 ? `  (${formatCount(t.removed)} removed)` : "";
    lines.push(
      `${name.padEnd(26)}${formatCount(t.rows).padStart(12)}${formatCount(t.created).padStart(12)}${formatCount(t.updated).padStart(12)}${formatCount(t.unchanged).padStart(12)}${removed}`,
    );
  }
  for (const skipped of summary.skipped) lines.push(`skipped ${formatCount(skipped.count)}: ${skipped.reason}`);
  if (summary.notes.length > 0) lines.push("", ...summary.notes.map((n) => `note: ${n}`));
  if (summary.lacks.length > 0) {
    lines.push(
      `This source has no ${summary.lacks.join(", ").replaceAll("_", " ")}: metrics that need them will say so.`,
    );
  }
  return `${lines.join("\n")}\n`;
}
