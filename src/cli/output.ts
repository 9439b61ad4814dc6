/**
 * How the CLI talks: results on stdout, progress and errors on stderr, errors as one
 * sentence without a stack trace when they are the user's to fix.
 */
import { createRequire } from "node:module";
import type CliProgress from "cli-progress";
import type { ImportProgress } from "../ingest/importer.js";
import { ERROR_TABLE, type ErrorCode, VerityError } from "../model/errors.js";

/**
 * cli-progress (16 CommonJS modules) is loaded when a bar is drawn, on a terminal only:
 * every command loads this file, few draw a bar.
 */
const cliProgress = (): typeof CliProgress => createRequire(import.meta.url)("cli-progress");

/** A command used wrongly (a missing file, a flag out of range): its message is the whole story. */
export class UserError extends VerityError {
  override name = "UserError";

  constructor(message: string) {
    super("usage", message);
  }
}

/**
 * How the CLI ends on an error: the line it prints, whether the stack may follow (under
 * VERITY_DEBUG=1) and the exit code, all from the error's row in the one table
 * (model/errors.ts).
 */
export function describeError(error: unknown): { message: string; showStack: boolean; exitCode: number } {
  const { cli } = ERROR_TABLE[cliCodeOf(error)];
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: cli.message ? cli.message({ message }) : message,
    showStack: cli.stack && error instanceof Error && process.env.VERITY_DEBUG === "1",
    exitCode: cli.exit,
  };
}

/** The PostgreSQL driver's codes of a server the CLI could not reach or sign in to. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "28P01", "3D000"]);

/** A Verity error's own code; a driver's error that could not reach PostgreSQL; else internal. */
function cliCodeOf(error: unknown): ErrorCode {
  if (error instanceof VerityError) return error.code;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && UNREACHABLE.has(code) ? "database_unreachable" : "internal";
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A progress bar over the bytes of an import, only when stderr is a terminal. */
/**
 * While an importer converts the user's files (a large event export takes a while before
 * anything loads), a terminal shows that it is working and for how long; how far it has got
 * only the load can tell (importProgressBar). Nothing when not a terminal.
 */
export async function whileConverting<T>(enabled: boolean, what: string, work: () => Promise<T>): Promise<T> {
  if (!enabled || !process.stderr.isTTY) return work();
  const bar = new (cliProgress().SingleBar)({
    stream: process.stderr,
    format: `converting ${what} | {duration_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
  });
  // The bar redraws itself on a timer, so the elapsed time moves while the work runs.
  bar.start(1, 0);
  try {
    return await work();
  } finally {
    bar.stop();
  }
}

export function importProgressBar(enabled: boolean): {
  update: (progress: ImportProgress) => void;
  stop: () => void;
} {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new (cliProgress().SingleBar)(
    {
      stream: process.stderr,
      format: "importing {table} |{bar}| {percentage}% {done} of {size} | {duration_formatted}",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress().Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const payload = {
        table: progress.table.padEnd(26),
        done: formatBytes(progress.bytesDone),
        size: formatBytes(progress.bytesTotal),
      };
      if (!started) {
        bar.start(progress.bytesTotal, progress.bytesDone, payload);
        started = true;
      } else bar.update(progress.bytesDone, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
