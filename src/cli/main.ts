/**
 * The `verity` command line. Each command lives in commands/; this file wires them up and
 * turns errors into one clear sentence and an exit code.
 */
import { Command, CommanderError } from "commander";
import { DEFAULT_DB_FILE } from "../store/open-store.js";
import { registerCheck } from "./commands/check-command.js";
import { registerDeadLetter } from "./commands/deadletter-command.js";
import { registerDemo } from "./commands/demo-command.js";
import { registerDoctor } from "./commands/doctor-command.js";
import { registerImport } from "./commands/import-command.js";
import { registerInsightCommands } from "./commands/insight-commands.js";
import { registerReport } from "./commands/report-command.js";
import { registerServerCommands } from "./commands/server-commands.js";
import { registerSimulate } from "./commands/simulate-command.js";
import { registerStatus } from "./commands/status-command.js";
import { DEFAULT_WORKSPACE } from "./context.js";
import { describeError } from "./output.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("verity")
    .description("The sales and marketing metrics that matter, next to the vanity metrics they replace.")
    .version("0.1.0")
    .option(
      "--db <path>",
      `DuckDB file to use (default: $VERITY_DB or ./${DEFAULT_DB_FILE}; $VERITY_DATABASE_URL selects PostgreSQL)`,
    )
    .option(
      "-w, --workspace <id>",
      `workspace (company) to work in (default: $VERITY_WORKSPACE or "${DEFAULT_WORKSPACE}")`,
    )
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerCheck(program);
  registerImport(program);
  registerReport(program);
  registerInsightCommands(program);
  registerSimulate(program);
  registerStatus(program);
  registerDoctor(program);
  registerServerCommands(program);
  registerDeadLetter(program);
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    process.exitCode = undefined;
    await program.parseAsync(argv as string[]);
    // A command that printed its own outcome may still fail (a dry run that found problems).
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const { message, showStack, exitCode } = describeError(error);
    process.stderr.write(`verity: ${message}\n`);
    if (showStack && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}
