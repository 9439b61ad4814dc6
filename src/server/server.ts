/**
 * `verity serve`: the app, the durable ingest log and its writer, and the socket. Shutting
 * down stops taking requests, lets the ones in flight finish, applies every acknowledged
 * event to the engine and closes the log, in that order.
 */
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { prepareCheck } from "../insights/vanity-check.js";
import type { MetricRequest } from "../metrics/context.js";
import type { Store } from "../store/store.js";
import type { Api } from "./api.js";
import { buildApp } from "./app.js";
import { CampaignRunner } from "./campaign-runner.js";
import { IngestLog } from "./collect/log.js";
import { Writer } from "./collect/writer.js";
import { parseTrustProxy, type ServerContext } from "./context.js";
import { withEventListener } from "./event-listener.js";
import { HomeWarmer } from "./home-warmer.js";
import { createLogger, type Logger, type LogLevel } from "./logger.js";
import { RateLimiter } from "./rate-limit.js";
import { doctorOf } from "./routes/doctor.js";
import type { TrackingIntake } from "./routes/tracking.js";

export const VERSION = "0.1.0";

export type ServerOptions = {
  store: Store;
  /** Where the ingest log lives (a directory of its own). */
  dataDir: string;
  /** Send due campaigns in the background (default true; tests that do not send turn it off). */
  runCampaigns?: boolean;
  host?: string;
  port?: number;
  /** true (default): keys or sessions on every non-public route. false: --no-auth, loopback only. */
  auth?: boolean;
  /** The workspace an open (--no-auth) server serves. */
  workspace?: string;
  logger?: Logger;
  logLevel?: LogLevel;
  /**
   * Which proxies to believe about the client (X-Forwarded-For, -Proto, -Host): a number of
   * hops, a comma-separated list of addresses, CIDR ranges or loopback/linklocal/uniquelocal,
   * or true for one hop (context.ts parseTrustProxy). Default: none.
   */
  trustProxy?: boolean | number | string;
  /** Tracking requests per second per site and IP, with bursts to 4x (default 20). */
  trackingRate?: number;
  /** API requests per second per key, with bursts to 4x (default 50). */
  apiRate?: number;
  /** DuckDB's query threads (default: the cores less one, at least 1). PostgreSQL: ignored. */
  engineThreads?: number;
};

/**
 * A server leaves a core to HTTP: DuckDB's threads would otherwise take every core while the
 * writer applies a batch, and the writer's statements are small enough that running them on
 * one thread costs ~25% less CPU for the same time (bench/ingest.ts: 40 µs of engine CPU an
 * event against 55 µs, at one event a request on two cores). Metric reads get fewer threads
 * too; on two cores, one.
 */
/**
 * DuckDB's memory budget under `verity serve`, unless VERITY_DUCKDB_MEMORY says otherwise (the
 * command line's is 1 GB). The home bench at size l, in alternating order on the same machine:
 * with 512 MB the server peaked at 926-956 MB against 1,036-1,086 MB with 1 GB, and was not
 * slower (the first view after an ingest batch 380-428 ms against 553-575 ms, after an import
 * 7.5-9.1 s against 9.0-9.6 s): the buffers it gives up are the table blocks it had read,
 * which the operating system's file cache holds anyway (docs/benchmarks.md).
 */
export const SERVER_ENGINE_MEMORY = "512MB";

export function defaultEngineThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

export type VerityServer = {
  app: Hono;
  api: Api;
  ctx: ServerContext;
  /** POST /api/event's work, which the socket's listener calls without the app (event-listener.ts). */
  intake: TrackingIntake;
  /**
   * Resolves when the campaign runs under way have ended and every acknowledged event is in the
   * engine (and the rollups it changes).
   */
  drain(): Promise<void>;
  close(): Promise<void>;
};

/** The addresses an open (--no-auth) server may listen on. */
export const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** The server without a socket (tests call `app.request()`). */
export async function createServer(options: ServerOptions): Promise<VerityServer> {
  const logger = options.logger ?? createLogger(options.logLevel ?? "info");
  await options.store.setThreads?.(options.engineThreads ?? defaultEngineThreads());
  // Requests answered at once (the home's three, a preparation after a write) read side by side.
  await options.store.setReadConnections?.(2);
  if (!process.env.VERITY_DUCKDB_MEMORY?.trim()) await options.store.setMemoryLimit?.(SERVER_ENGINE_MEMORY);
  // The log's records are not read here: the writer reads back those it has not applied, a
  // window at a time, so a restart with a large backlog holds no more than a running server.
  const { log } = await IngestLog.open(options.dataDir);
  let writer: Writer;
  try {
    writer = await Writer.start(options.store, log, logger);
  } catch (error) {
    await log.close();
    throw error;
  }
  const trackingRate = options.trackingRate ?? 20;
  const apiRate = options.apiRate ?? 50;
  const warmer = new HomeWarmer((request, stopped) => prepareHome(options.store, request, stopped), logger);
  const campaigns = new CampaignRunner(options.store, options.dataDir, logger, (work) => writer.exclusive(work));
  const ctx: ServerContext = {
    store: options.store,
    writer,
    log,
    logger,
    warmer,
    campaigns,
    auth: options.auth === false ? "open" : "on",
    openWorkspace: options.workspace ?? "default",
    trustProxy: parseTrustProxy(options.trustProxy),
    limits: {
      tracking: new RateLimiter(trackingRate, trackingRate * 4),
      api: new RateLimiter(apiRate, apiRate * 4),
      // Ten sign-in attempts a minute per address.
      login: new RateLimiter(10 / 60, 10),
      // Twenty failed sign-ins per account, then one more every 45 s (20 in 15 minutes),
      // whatever the addresses: more than a person mistypes, far too few to guess a password.
      loginAccount: new RateLimiter(20 / 900, 20),
    },
    version: VERSION,
  };
  const { app, api, intake } = buildApp(ctx);
  if (options.runCampaigns !== false) campaigns.start();
  let closed = false;
  return {
    app,
    api,
    ctx,
    intake,
    // Background work to its end: campaign runs under way, then the tracking writer's backlog.
    drain: async () => {
      await campaigns.idle();
      await writer.drain();
    },
    async close() {
      if (closed) return;
      closed = true;
      await campaigns.stop();
      await warmer.stop();
      await writer.stop();
      await log.close();
    },
  };
}

/**
 * What the dashboard home asks (pages/home.ts): the check (its history is the trend) as last
 * asked, a period at a time, and the data health. Both go through the kept results, so the
 * home's own requests find them there.
 */
async function prepareHome(store: Store, request: MetricRequest, stopped: () => boolean): Promise<boolean> {
  if (!(await prepareCheck(store, request, stopped)) || stopped()) return false;
  await doctorOf(store, request.workspace);
  return true;
}

/** Listens on `host:port` (port 0: any free port). */
export async function startServer(options: ServerOptions): Promise<VerityServer & { url: string; port: number }> {
  const host = options.host ?? "127.0.0.1";
  if (options.auth === false && !LOOPBACK.has(host)) {
    throw new Error(`--no-auth serves everyone as an admin: it is allowed on a loopback address only, not ${host}`);
  }
  // A proxy in front would bring other machines' requests to it as if from this one.
  if (options.auth === false && parseTrustProxy(options.trustProxy) !== null) {
    throw new Error("--no-auth serves this machine only: it cannot be combined with --trust-proxy");
  }
  const server = await createServer(options);
  const http = createHttpServer(withEventListener(server.ctx, server.intake, getRequestListener(server.app.fetch)));
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? 8787, host, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  const port = (http.address() as AddressInfo).port;
  // An open server checks each request's Host against it (app.ts openGuard).
  server.ctx.port = port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  server.ctx.logger.info({ url, engine: options.store.engine, auth: server.ctx.auth }, "listening");
  return {
    ...server,
    url,
    port,
    async close() {
      // No new connections; idle keep-alive ones closed now, busy ones when their request is done.
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      if ("closeIdleConnections" in http) http.closeIdleConnections();
      const force = setTimeout(() => {
        if ("closeAllConnections" in http) http.closeAllConnections();
      }, 10_000);
      await stopped;
      clearTimeout(force);
      await server.close();
      server.ctx.logger.info("stopped");
    },
  };
}
