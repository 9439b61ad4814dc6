/**
 * The `verity` command line. Each command lives in commands/; this file wires them up and
 * turns errors into one clear sentence and an exit code.
 *
 * A command's module is loaded only when that command runs: `verity check` loads the
 * metrics and DuckDB, not the server (hono, pino), the importers (spreadsheet and zip
 * readers) or the simulator. Loading every module took about half of a fresh
 * `verity check`'s second (issue 17). Help, an unknown name or no command at all still
 * register every command, so commander lists them and suggests the nearest.
 */
import { Command, CommanderError } from "commander";
import { DEFAULT_DB_FILE } from "../store/open-store.js";
import { DEFAULT_WORKSPACE } from "./context.js";
import { describeError } from "./output.js";

type Register = (program: Command) => void;

/** Every command module, in the order help lists them, with the top-level names it registers. */
export const COMMAND_MODULES: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ["demo"], load: async () => (await import("./commands/demo-command.js")).registerDemo },
  { names: ["check"], load: async () => (await import("./commands/check-command.js")).registerCheck },
  { names: ["import"], load: async () => (await import("./commands/import-command.js")).registerImport },
  { names: ["report"], load: async () => (await import("./commands/report-command.js")).registerReport },
  {
    names: ["stalled", "plan", "timeline"],
    load: async () => (await import("./commands/insight-commands.js")).registerInsightCommands,
  },
  { names: ["simulate"], load: async () => (await import("./commands/simulate-command.js")).registerSimulate },
  { names: ["status"], load: async () => (await import("./commands/status-command.js")).registerStatus },
  { names: ["doctor"], load: async () => (await import("./commands/doctor-command.js")).registerDoctor },
  {
    names: ["serve", "workspace", "user", "key", "site"],
    load: async () => (await import("./commands/server-commands.js")).registerServerCommands,
  },
  { names: ["deadletter"], load: async () => (await import("./commands/deadletter-command.js")).registerDeadLetter },
  {
    names: ["contact", "segment", "smtp", "campaign"],
    load: async () => (await import("./commands/campaign-commands.js")).registerCampaignCommands,
  },
];

/** The program with its global options and no commands yet. */
function programBase(): Command {
  return new Command()
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
}

/**
 * The command a command line names: its first word that is neither an option nor a global
 * option's value (`verity --db x.duckdb -w acme check ...` names `check`).
 */
export function commandNameOf(program: Command, args: readonly string[]): string | undefined {
  const takesValue = new Set(
    program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter(Boolean)),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return undefined;
    if (takesValue.has(arg)) i += 1;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * The program for a command line (`argv` as process.argv gives it): with the module of the
 * command it names; with none for `--version` alone; with every one otherwise (help, a
 * typo, nothing), as without a command line. A module that turns out not to register the
 * name (the table above out of date) is followed by all the others: slower, never wrong.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = programBase();
  const args = argv?.slice(2) ?? [];
  const name = commandNameOf(program, args);
  const named = name === undefined ? undefined : COMMAND_MODULES.find((m) => m.names.includes(name));
  if (named) {
    (await named.load())(program);
    if (program.commands.some((c) => c.name() === name)) return program;
  } else if (name === undefined && args.some(isVersionFlag) && !args.some(isHelpFlag)) return program;
  for (const module of COMMAND_MODULES) if (module !== named) (await module.load())(program);
  return program;
}

const isVersionFlag = (arg: string) => arg === "-V" || arg === "--version";
const isHelpFlag = (arg: string) => arg === "-h" || arg === "--help";

/** Runs the CLI; returns the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
