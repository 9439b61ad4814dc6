/**
 * The HTTP application: routes, authentication, the one error shape, request logs. Built
 * without a socket, so tests call `app.request()` directly; src/server/server.ts listens.
 */
import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { z } from "zod";
import { ImportError } from "../ingest/import-error.js";
import { MetricInputError } from "../metrics/context.js";
import { PeriodError } from "../model/period.js";
import { isConnectionError } from "../store/errors.js";
import { Api, type Authenticator, type RouteSpec } from "./api.js";
import { type Principal, SCOPES } from "./auth/access.js";
import { authenticateKey } from "./auth/keys.js";
import { SESSION_COOKIE, sessionPrincipal } from "./auth/sessions.js";
import { clientIp, type ServerContext } from "./context.js";
import { ApiError } from "./errors.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerDashboard } from "./routes/dashboard.js";
import { registerDataRoutes } from "./routes/data.js";
import { registerMetricRoutes } from "./routes/metrics.js";
import {
  registerTrackingRoutes,
  SiteCache,
  type TrackingIntake,
  trackingCors,
  trackingIntake,
  trackingPreflight,
} from "./routes/tracking.js";

export function buildApp(ctx: ServerContext): { app: Hono; api: Api; intake: TrackingIntake } {
  const app = new Hono();

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const path = c.req.path;
    // Tracking requests are too many to log one by one; errors among them still are.
    if (path === "/api/event" && c.res.status < 400) return;
    ctx.logger.info(
      {
        method: c.req.method,
        path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        workspace: (c.get("principal" as never) as Principal | undefined)?.workspace,
        ip: clientIp(c, ctx.trustProxy),
      },
      "request",
    );
  });

  app.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) ctx.logger.error({ err: error, path: c.req.path }, "request failed");
    for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
    // HTTP requires a 401 to name the scheme that would work (RFC 9110 11.6.1).
    if (apiError.status === 401 && apiError.field === "header.authorization") c.header("WWW-Authenticate", "Bearer");
    return c.json(apiError.toJSON(), apiError.status);
  });
  app.notFound((c) =>
    c.json(new ApiError(404, "not_found", `there is no route ${c.req.method} ${c.req.path}`).toJSON(), 404),
  );

  const authenticate: Authenticator = async (c) => {
    let principal: Principal | null = null;
    const header = c.req.header("authorization");
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      principal = match?.[1] ? await authenticateKey(ctx.store, match[1]) : null;
      // A wrong key is an error even where the server is open: the caller meant to use it.
      if (!principal)
        throw new ApiError(
          401,
          "unauthenticated",
          "the API key is not valid (unknown, revoked or mistyped)",
          "header.authorization",
        );
      const wait = ctx.limits.api.take(`key|${principal.id}`);
      if (wait > 0) {
        throw new ApiError(429, "rate_limited", "too many requests with this key; slow down", null, [], {
          "Retry-After": String(wait),
        });
      }
    } else {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) {
        principal = (await sessionPrincipal(ctx.store, token))?.principal ?? null;
        // A cookie rides along on requests from other sites' forms: refuse writes whose
        // Origin is not this server (SameSite=Lax already keeps it off cross-site POSTs).
        const origin = c.req.header("origin");
        if (principal && c.req.method !== "GET" && origin && !sameHost(origin, requestHosts(c, ctx.trustProxy))) {
          throw new ApiError(403, "forbidden", "a signed-in request from another site is refused", "header.origin");
        }
      }
    }
    if (!principal && ctx.auth === "open") {
      principal = { workspace: ctx.openWorkspace, scopes: new Set(SCOPES), via: "open", id: null, role: "admin" };
    }
    if (principal) c.set("principal" as never, principal as never);
    return principal;
  };

  const api = new Api(app, authenticate);
  const sites = new SiteCache(ctx);
  const intake = trackingIntake(ctx, sites);

  const health: RouteSpec = {
    method: "get",
    path: "/api/health",
    tag: "server",
    summary: "Whether the server is up and its ingest keeping up",
    description:
      "Anyone learns the status and version. An admin (a key with the admin scope, an admin's session, or an open server) also sees the engine, the ingest's state, the workspace's dead-lettered tracking records and the engine's last error.",
    access: "public",
    responses: {
      200: {
        description: "Healthy",
        schema: z.object({
          status: z.enum(["ok", "degraded"]),
          version: z.string(),
          engine: z.enum(["duckdb", "postgres"]).optional(),
          ingest: z
            .object({
              pendingEvents: z.number(),
              appliedSeq: z.number(),
              durableSeq: z.number(),
              deadLetters: z
                .number()
                .describe("tracking records of the workspace the engine refused (verity deadletter)"),
              lastError: z.string().nullable(),
            })
            .optional(),
        }),
      },
    },
  };
  api.add(health, async ({ c }) => {
    const status = ctx.writer.status();
    const degraded = status.lastError !== null || ctx.writer.overloaded;
    // The engine's errors and the ingest's counts are an admin's business (issue 13 found raw
    // database errors shown to anyone); a wrong or missing key just gets the short answer.
    const principal = await authenticate(c, health).catch(() => null);
    const body = principal?.scopes.has("admin")
      ? {
          status: degraded ? "degraded" : "ok",
          version: ctx.version,
          engine: ctx.store.engine,
          ingest: {
            pendingEvents: status.pendingEvents,
            appliedSeq: status.appliedSeq,
            durableSeq: status.durableSeq,
            deadLetters: ctx.writer.deadLetterCount(principal.workspace),
            lastError: status.lastError,
          },
        }
      : { status: degraded ? "degraded" : "ok", version: ctx.version };
    return c.json(body, degraded ? 503 : 200);
  });

  registerMetricRoutes(api, ctx);
  registerDataRoutes(api, ctx);
  registerDashboard(app);
  app.use("/api/event", trackingCors);
  registerTrackingRoutes(api, ctx, intake);
  registerAdminRoutes(api, ctx, sites);
  app.options("/api/event", (c) => trackingPreflight(c));

  const document = () =>
    api.openapi({
      title: "Verity",
      version: ctx.version,
      description:
        "The sales and marketing metrics that matter, next to the vanity metrics they replace. Every route acts on the workspace of the API key or session that calls it.",
    });
  let cached: object | null = null;
  api.add(
    {
      method: "get",
      path: "/api/openapi.json",
      tag: "server",
      summary: "This document: OpenAPI 3.1, generated from the schemas that validate the requests",
      access: "public",
      responses: { 200: { description: "OpenAPI 3.1" } },
    },
    async () => {
      cached ??= document();
      return cached;
    },
  );
  return { app, api, intake };
}

/**
 * The hosts a request was addressed to: the one it names, and behind a proxy we trust the one
 * the browser used (X-Forwarded-Host; a proxy may pass its upstream's name as Host, as
 * nginx does unless told otherwise).
 */
function requestHosts(c: Context, trustProxy: boolean): string[] {
  const hosts = [new URL(c.req.url).host];
  const forwarded = trustProxy ? c.req.header("x-forwarded-host")?.split(",")[0]?.trim().toLowerCase() : undefined;
  if (forwarded) hosts.push(forwarded);
  return hosts;
}

/** Whether an Origin header names one of `hosts`. "null" (sandboxed frames, file: pages) and junk do not. */
function sameHost(origin: string, hosts: readonly string[]): boolean {
  try {
    return hosts.includes(new URL(origin).host);
  } catch {
    return false;
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PeriodError) return new ApiError(400, "invalid_request", error.message, "query.period");
  if (error instanceof MetricInputError) {
    const field = error.parameter ? `query.${error.parameter}` : null;
    return new ApiError(400, "invalid_request", error.message, field);
  }
  if (error instanceof ImportError) return new ApiError(400, "invalid_request", error.message, "body");
  // hono's own HTTPException (body limit, malformed cookie): keep its status.
  const status = (error as { status?: number } | null)?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new ApiError(status as 400, "invalid_request", (error as Error).message);
  }
  // The database restarting or failing over: the request may be repeated once it is back.
  if (isConnectionError(error)) {
    return new ApiError(
      503,
      "unavailable",
      "the database is not reachable right now (restarting?); retry shortly",
      null,
      [],
      {
        "Retry-After": "5",
      },
    );
  }
  return new ApiError(500, "internal", "something went wrong on the server; it is logged");
}
