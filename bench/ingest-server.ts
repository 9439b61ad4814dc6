/**
 * `verity serve` for the ingest bench, in a process of its own: startServer on a free port
 * (port 0) with a high tracking rate, printing `{"url":...}` as one JSON line on stdout once
 * it listens. The logger runs at debug level so that the writer's "applied tracking batch"
 * lines (events, ms) are kept for the bench; only warnings and errors are printed (stderr).
 * SIGTERM stops it as `verity serve` stops (every acknowledged event applied, the rollups
 * rebuilt, the log closed), then it prints `{"batches":[...],"closeMs":...}` and exits.
 *
 *   tsx bench/ingest-server.ts '{"target":{"engine":"duckdb","path":"x.duckdb"},"dataDir":"x.ingest"}'
 */
import { createLogger } from "../src/server/logger.js";
import { startServer } from "../src/server/server.js";
import { openStore, type StoreTarget } from "../src/store/open-store.js";

type Config = { target: StoreTarget; dataDir: string; trackingRate?: number };
export type Batch = { at: number; events: number; records: number; ms: number };

const config = JSON.parse(process.argv[2] ?? "{}") as Config;
const batches: Batch[] = [];
const logger = createLogger("debug", {
  write(line: string) {
    const entry = JSON.parse(line) as { level: number; msg?: string; events?: number; records?: number; ms?: number };
    if (entry.msg === "applied tracking batch") {
      batches.push({ at: Date.now(), events: entry.events ?? 0, records: entry.records ?? 0, ms: entry.ms ?? 0 });
    } else if (entry.level >= 40) process.stderr.write(line);
  },
});

const store = await openStore(config.target);
const server = await startServer({
  store,
  dataDir: config.dataDir,
  host: "127.0.0.1",
  port: 0,
  logger,
  trackingRate: config.trackingRate ?? 1_000_000,
  apiRate: 1_000_000,
});
process.stdout.write(`${JSON.stringify({ url: server.url, startedAt: Date.now() })}\n`);

process.once("SIGTERM", () => {
  const started = performance.now();
  server
    .close()
    .then(() => store.close())
    .then(
      () => {
        process.stdout.write(`${JSON.stringify({ batches, closeMs: performance.now() - started })}\n`);
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`ingest-server: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
      },
    );
});
