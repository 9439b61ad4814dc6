/**
 * Structured logs: one JSON object per line on stdout (pino), for whatever collects the
 * server's output. Requests are logged with method, path, status, duration and workspace;
 * never bodies, keys, cookies or emails.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export function createLogger(level: LogLevel = "info", destination?: DestinationStream): Logger {
  return pino({ level, base: { service: "verity" }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
