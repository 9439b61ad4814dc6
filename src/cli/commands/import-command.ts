/**
 * `verity import FILES... [--format F]`: load CRM exports, Verity's own files or any CSV
 * through a mapping into the database, atomically. Without --format the format is detected
 * from the files' names and headers (and said); `--dry-run` converts and checks everything
 * but writes nothing.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { type Command, Option } from "commander";
import { DEFAULT_MAX_REJECTED_PERCENT, parseMaxRejected } from "../../ingest/crm/csv-mapping/rejects.js";
import { detectFormat, UnknownFormat } from "../../ingest/crm/detect.js";
import { previewRows } from "../../ingest/crm/preview.js";
import { ImportError } from "../../ingest/import-error.js";
import { formatOptionsOf } from "../../ingest/import-options.js";
import { checkSkipInvalid, type FormatOptions, type ImportSummary, loadPrepared } from "../../ingest/importer.js";
import { IMPORTERS, importerFor } from "../../ingest/importers.js";
import { checkFor } from "../../insights/vanity-check.js";
import { MetricInputError } from "../../metrics/context.js";
import { keptAnswer } from "../../metrics/kept-answers.js";
import { requestOf } from "../../metrics/request.js";
import { TABLE_ORDER } from "../../model/canonical.js";
import { openStore } from "../../store/open-store.js";
import type { Store } from "../../store/store.js";
import { type GlobalOptions, withStore, workspaceOf } from "../context.js";
import { formatCount, importProgressBar, UserError, whileConverting } from "../output.js";

type ImportFlags = {
  format?: string;
  json?: boolean;
  dryRun?: boolean;
  rates?: string;
  dateFormat?: FormatOptions["dateFormat"];
  currency?: string;
  mapping?: string;
  lossReasonField?: string;
  stages?: string;
  qualifyingStage?: string;
  sessionGap?: string;
  timezone?: string;
  skipInvalid?: boolean;
  rejects?: string;
  maxRejected?: string;
};

export function registerImport(program: Command): void {
  program
    .command("import")
    .description("import CRM exports and marketing data (atomic: a bad row changes nothing)")
    .argument("<paths...>", "the export's files, or a directory holding them")
    .option(
      "-f, --format <format>",
      `input format: ${Object.keys(IMPORTERS).join(", ")} (default: detected from the files)`,
    )
    .option("--rates <file>", "convert every amount with this rates file (currency,rate_to_EUR)")
    .addOption(
      new Option("--date-format <order>", "how slashed dates are written, when the file cannot tell").choices([
        "iso",
        "dmy",
        "mdy",
      ]),
    )
    .option("--currency <code>", "the currency of amounts when the export has no currency column")
    .option("--mapping <file>", "the column mapping (JSON or YAML) of a --format csv import")
    .option(
      "--loss-reason-field <column>",
      "the Salesforce field holding loss reasons (default Loss_Reason__c, LossReason__c)",
    )
    .option("--stages <list>", "stage order for exports that only name stages (comma-separated)")
    .option("--qualifying-stage <name>", "the stage that makes a lead qualified (default: the format's own)")
    .option("--session-gap <minutes>", "minutes of inactivity that end a visit, for event exports (default 30)")
    .option("--timezone <zone>", "the IANA time zone of times written without an offset (default UTC)")
    .option("--skip-invalid", "refuse rows with a problem (listed in --rejects) and import the rest (--format csv)")
    .option("--rejects <file>", "with --skip-invalid: the CSV the refused rows are written to")
    .option(
      "--max-rejected <percent>",
      `with --skip-invalid: import nothing when more of the rows are refused (default ${DEFAULT_MAX_REJECTED_PERCENT}%)`,
    )
    .option("--dry-run", "convert and check everything, show the first rows and every problem, write nothing")
    .option("--json", "print a JSON summary instead of a table")
    .action(async (paths: string[], flags: ImportFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Before the database is opened (and, for DuckDB, created): a typo creates nothing.
      for (const path of paths) if (!existsSync(path)) throw new UserError(`${path}: no such file or directory`);
      for (const file of [flags.rates, flags.mapping]) {
        if (file && !existsSync(file)) throw new UserError(`${file}: no such file`);
      }
      let format = flags.format;
      if (!format) {
        try {
          const detected = await detectFormat(paths);
          format = detected.format;
          process.stderr.write(`format: ${format} (${detected.reason}; --format to choose another)\n`);
        } catch (error) {
          if (error instanceof UnknownFormat) throw new UserError(error.message);
          throw error;
        }
      }
      if (format === "csv" && !flags.mapping) {
        throw new UserError("--format csv needs --mapping FILE (see docs/csv-mapping.md)");
      }
      const importer = importerFor(format);
      // One table of options for the CLI and the API (import-options.ts).
      const options = formatOptionsOf(flags);
      const skipInvalid = skipInvalidOf(flags);
      if (skipInvalid) options.skipInvalid = skipInvalid;
      checkSkipInvalid(importer, options);
      if (flags.dryRun) {
        const code = await dryRun(paths, format, options, flags.json === true);
        process.exitCode = code;
        return;
      }
      // Converted before the database is opened: a bad file creates and changes nothing.
      const prepared = await whileConverting(!flags.json, `${format} ${paths.map((p) => basename(p)).join(", ")}`, () =>
        importer.prepare(paths, options),
      );
      const bar = importProgressBar(!flags.json);
      await withStore(globals, async (store) => {
        let summary: ImportSummary;
        try {
          summary = await loadPrepared(store, importer, prepared, paths, {
            workspace: workspaceOf(globals),
            format: options,
            onProgress: bar.update,
          });
        } finally {
          bar.stop();
        }
        process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : formatImportSummary(summary));
        // Said on a terminal only, as the progress bar is: scripts read stderr for errors.
        if (summary.scope === "workspace")
          await keepPlainCheck(store, summary.workspace, !flags.json && process.stderr.isTTY === true);
      }).finally(() => prepared.cleanup());
    });
}

/**
 * After an import that redid the whole workspace, the answer a plain `verity check` gives is
 * computed and kept (kept-answers.ts), so the first check after the import answers at once
 * instead of taking the seconds it takes at a million leads (issue 17, target 3). The import
 * has landed by then: a failure here is a warning, not a failed import. Not after a small
 * import that redid only what it touched (a sync every few minutes would pay a whole check
 * each time), nor with VERITY_READ_CACHE=off (nothing is kept).
 */
async function keepPlainCheck(store: Store, workspace: string, say: boolean): Promise<void> {
  if (process.env.VERITY_READ_CACHE === "off") return;
  const started = Date.now();
  if (say) process.stderr.write("Preparing `verity check` ...\n");
  try {
    const request = requestOf(workspace, {});
    const check = await keptAnswer(store, workspace, ["check", request], () => checkFor(store, request));
    if (say) {
      process.stderr.write(
        `Prepared \`verity check\` (${check.period.label}) in ${((Date.now() - started) / 1000).toFixed(1)} s: it now answers at once.\n`,
      );
    }
  } catch (error) {
    // A workspace the check cannot be asked of yet (no leads): `verity check` says why itself.
    if (error instanceof MetricInputError) return;
    process.stderr.write(`note: the import landed, but preparing \`verity check\` failed: ${String(error)}\n`);
  }
}

/** --skip-invalid with its --rejects file and --max-rejected share, checked; undefined without it. */
function skipInvalidOf(flags: ImportFlags): FormatOptions["skipInvalid"] {
  if (!flags.skipInvalid) {
    if (flags.rejects !== undefined || flags.maxRejected !== undefined) {
      throw new UserError("--rejects and --max-rejected go with --skip-invalid");
    }
    return undefined;
  }
  if (!flags.rejects) {
    throw new UserError("--skip-invalid needs --rejects FILE: the CSV the refused rows are written to");
  }
  const percent = flags.maxRejected === undefined ? DEFAULT_MAX_REJECTED_PERCENT : parseMaxRejected(flags.maxRejected);
  if (percent === null) {
    throw new UserError(`--max-rejected ${flags.maxRejected}: give a percentage from 0 to 100, such as 5 or 5%`);
  }
  return { rejects: flags.rejects, maxRejectedPercent: percent };
}

/**
 * Converts with every problem collected, shows the first rows of each table and the
 * problems, then (when there are none) loads the converted files into a throwaway in-memory
 * database, so the loader's own checks (references, keys, rules) run too. The user's
 * database is never opened. Exit code 1 when a problem was found.
 */
async function dryRun(paths: string[], format: string, options: FormatOptions, json: boolean): Promise<number> {
  const importer = importerFor(format);
  const prepared = await importer.prepare(paths, { ...options, collectProblems: true });
  try {
    const problems: string[] = (prepared.problems ?? []).map((p) => p.message);
    const preview = await previewRows(prepared);
    if (problems.length === 0) {
      const scratch = await openStore({ engine: "duckdb", path: ":memory:" });
      try {
        // The files just converted (no problems, so they are the whole import); loadPrepared
        // cleans them up, and the finally below finds nothing left to remove.
        await loadPrepared(scratch, importer, prepared, paths, { workspace: "dry-run", format: options });
      } catch (error) {
        if (!(error instanceof ImportError)) throw error;
        problems.push(error.message);
      } finally {
        await scratch.close();
      }
    }
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ format, tables: preview, problems, skipped: prepared.skipped, notes: prepared.notes, lacks: prepared.lacks }, null, 2)}\n`,
      );
    } else {
      const lines = [`Dry run of ${paths.join(", ")} (${format}): nothing was written.`, ""];
      for (const table of preview) {
        lines.push(
          `${table.table}: ${formatCount(table.total)} rows${table.total > table.rows.length ? `, the first ${table.rows.length}:` : ":"}`,
        );
        lines.push(`  ${table.columns.join(" | ")}`);
        for (const row of table.rows) lines.push(`  ${row.join(" | ")}`);
        lines.push("");
      }
      for (const skipped of prepared.skipped) lines.push(`would skip ${formatCount(skipped.count)}: ${skipped.reason}`);
      for (const note of prepared.notes) lines.push(`note: ${note}`);
      if (problems.length === 0)
        lines.push("No problems found: `verity import` without --dry-run would load all of it.");
      else lines.push(`${formatCount(problems.length)} problem(s):`, ...problems.map((p) => `  ${p}`));
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return problems.length === 0 ? 0 : 1;
  } finally {
    await prepared.cleanup();
  }
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
