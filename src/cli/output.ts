/**
 * How the CLI talks: results on stdout, progress and errors on stderr, errors as one
 * sentence without a stack trace when they are the user's to fix.
 */
import cliProgress from "cli-progress";
import { ImportError } from "../ingest/import-error.js";
import type { ImportProgress } from "../ingest/importer.js";
import { MetricInputError } from "../metrics/context.js";
import { PeriodError } from "../model/period.js";
import { DatabaseLockedError } from "../store/duckdb-store.js";

/** Errors whose message is the whole story for the user. */
export class UserError extends Error {
  override name = "UserError";
}

export function describeError(error: unknown): { message: string; showStack: boolean } {
  if (
    error instanceof ImportError ||
    error instanceof DatabaseLockedError ||
    error instanceof UserError ||
    error instanceof MetricInputError ||
    error instanceof PeriodError
  ) {
    return { message: error.message, showStack: false };
  }
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "28P01" || code === "3D000") {
      return { message: `cannot reach the PostgreSQL server: ${error.message}`, showStack: false };
    }
    return { message: error.message, showStack: process.env.VERITY_DEBUG === "1" };
  }
  return { message: String(error), showStack: false };
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
export function importProgressBar(enabled: boolean): {
  update: (progress: ImportProgress) => void;
  stop: () => void;
} {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "importing {table} |{bar}| {percentage}% {done} of {size} | {duration_formatted}",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
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
