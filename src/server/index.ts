/**
 * The server's public face: what the rest of Verity (`verity serve`, `verity deadletter`,
 * scripts, benches) may use. Everything else under src/server is the server's own business, so routes,
 * auth and the tracking writer can change without touching a caller;
 * test/architecture.test.ts keeps src/cli to this module.
 */
// Dead letters: tracking records the writer could not store, for `verity deadletter`.
export {
  type DeadLetter,
  dropDeadLetter,
  listDeadLetters,
  type ReplayOutcome,
  replayDeadLetter,
} from "./collect/dead-letters.js";
export { STOP_WAIT_MS } from "./collect/writer.js";
export { type ProxyTrust, parseTrustProxy } from "./context.js";
export { createLogger, type Logger, type LogLevel } from "./logger.js";
export {
  createServer,
  defaultEngineThreads,
  LOOPBACK,
  type ServerOptions,
  startServer,
  VERSION,
  type VerityServer,
} from "./server.js";
