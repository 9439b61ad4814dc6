/**
 * The HTTP application: routes, authentication, the one error shape, request logs. Built
 * without a socket, so tests call `app.request()` directly; src/server/server.ts listens.
 */
import { isIP } from "node:net";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { z } from "zod";
import { type Principal, SCOPES } from "../accounts/access.js";
import { authenticateKey } from "../accounts/keys.js";
import { ERROR_TABLE, type ErrorCode, VerityError } from "../model/errors.js";
import { isConnectionError, StoreClosedError } from "../store/errors.js";
import { Api, type Authenticator, type RouteSpec } from "./api.js";
import { renewSession, SESSION_COOKIE, sessionPrincipal } from "./auth/sessions.js";
import { clientIp, forwardedValue, type ProxyTrust, type ServerContext } from "./context.js";
import { ApiError } from "./errors.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerCampaignRoutes } from "./routes/campaigns.js";
import { registerDashboard } from "./routes/dashboard.js";
import { registerDataRoutes } from "./routes/data.js";
import { registerDoctorRoutes } from "./routes/doctor.js";
import { registerMailLinkRoutes } from "./routes/mail-links.js";
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

  // Before any route: an open server answers this machine's own pages only.
  if (ctx.auth === "open") app.use(openGuard(ctx));

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
      limitApi(`key|${principal.id}`, "with this key");
    } else {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) {
        const found = await sessionPrincipal(ctx.store, token);
        principal = found?.principal ?? null;
        // A cookie rides along on requests from other sites' forms: refuse writes whose
        // Origin is not this server (SameSite=Lax already keeps it off cross-site POSTs).
        const origin = c.req.header("origin");
        if (principal && c.req.method !== "GET" && origin && !sameHost(origin, requestHosts(c, ctx.trustProxy))) {
          throw new ApiError(403, "forbidden", "a signed-in request from another site is refused", "header.origin");
        }
        if (found) {
          // A dashboard's requests count against its user's budget, as a key's do.
          limitApi(`user|${found.user.id}`, "from this user");
          c.set("session" as never, found as never);
          if (found.renewTo) renew(found.tokenHash, found.renewTo);
        }
      }
    }
    if (!principal && ctx.auth === "open") {
      principal = { workspace: ctx.openWorkspace, scopes: new Set(SCOPES), via: "open", id: null, role: "admin" };
    }
    if (principal) c.set("principal" as never, principal as never);
    return principal;
  };

  const limitApi = (bucket: string, who: string) => {
    const wait = ctx.limits.api.take(bucket);
    if (wait > 0) {
      throw new ApiError(429, "rate_limited", `too many requests ${who}; slow down`, null, [], {
        "Retry-After": String(wait),
      });
    }
  };

  // The idle deadline moves forward in the background: the request does not wait for the
  // writer (it may be applying a batch), and one renewal per session is in flight at most.
  const renewing = new Set<string>();
  const renew = (tokenHash: string, to: Date) => {
    if (renewing.has(tokenHash)) return;
    renewing.add(tokenHash);
    ctx.writer
      .exclusive(() => renewSession(ctx.store, tokenHash, to))
      .catch((error: unknown) => ctx.logger.warn({ err: error }, "a session's idle deadline was not moved"))
      .finally(() => renewing.delete(tokenHash));
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
      "Anyone learns the status and version. An admin (a key with the admin scope or an admin's session) also sees the engine, the workspace's own events waiting for the writer and dead-lettered tracking records, and whether applying events fails, as a category and since when (the error itself is in the server's log: it may name another workspace or the database's host). An open server (--no-auth, this machine only) also shows the raw error and the ingest log's sequence numbers.",
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
              pendingEvents: z.number().describe("the workspace's tracking events not yet applied"),
              appliedSeq: z.number().optional().describe("open server only: the ingest log's last applied record"),
              durableSeq: z.number().optional().describe("open server only: the ingest log's last record on disk"),
              deadLetters: z
                .number()
                .describe("tracking records of the workspace the engine refused (verity deadletter)"),
              lastError: z
                .string()
                .nullable()
                .describe("null, or that applying events fails and since when; the raw error on an open server only"),
              lastErrorSince: z.string().nullable(),
            })
            .optional(),
        }),
      },
    },
  };
  api.add(health, async ({ c }) => {
    const degraded = ctx.writer.status().lastError !== null || ctx.writer.overloaded;
    // The engine's errors and the ingest's counts are an admin's business (issue 13 found raw
    // database errors shown to anyone); a wrong or missing key just gets the short answer.
    const principal = await authenticate(c, health).catch(() => null);
    const body = principal?.scopes.has("admin")
      ? {
          status: degraded ? "degraded" : "ok",
          version: ctx.version,
          engine: ctx.store.engine,
          ingest: ingestHealth(ctx, principal.workspace),
        }
      : { status: degraded ? "degraded" : "ok", version: ctx.version };
    return c.json(body, degraded ? 503 : 200);
  });

  registerMetricRoutes(api, ctx);
  registerDataRoutes(api, ctx);
  registerDoctorRoutes(api, ctx);
  registerCampaignRoutes(api, ctx);
  registerDashboard(app);
  registerMailLinkRoutes(app, ctx);
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
 * What an admin of `workspace` learns of the ingest. The writer is shared by every workspace,
 * and its raw error may name another one (a key violation's "Key (workspace_id, ...)=(acme,
 * ...)"), the PostgreSQL host and user, or the ingest log's path; the log's sequence numbers
 * move with every workspace's traffic. One workspace must never learn another exists, so an
 * admin gets the workspace's own counts and the failure as a category; the raw text is in the
 * server's log. An open server is one user on one machine, the operator: it gets it all.
 */
function ingestHealth(ctx: ServerContext, workspace: string) {
  const status = ctx.writer.status(workspace);
  const deadLetters = ctx.writer.deadLetterCount(workspace);
  if (ctx.auth === "open") return { ...status, logId: undefined, deadLetters };
  return {
    pendingEvents: status.pendingEvents,
    deadLetters,
    lastError:
      status.lastErrorSince === null
        ? null
        : `applying tracking events has failed since ${status.lastErrorSince} (the database or the ingest log is unavailable); the server's log has the error`,
    lastErrorSince: status.lastErrorSince,
  };
}

/**
 * The hosts a request was addressed to: the one it names, and behind a proxy we trust the one
 * the browser used (X-Forwarded-Host; a proxy may pass its upstream's name as Host, as
 * nginx does unless told otherwise).
 */
function requestHosts(c: Context, trust: ProxyTrust | null): string[] {
  const hosts = [new URL(c.req.url).host];
  const forwarded = forwardedValue(c, trust, "x-forwarded-host");
  if (forwarded) hosts.push(forwarded);
  return hosts;
}

/**
 * An open server (--no-auth) makes everyone an admin, so "everyone" must be this machine's
 * user at this server's own pages (issue 13, defect 3):
 * - the Host must name a loopback address (and the server's port once it listens): a
 *   rebound DNS name (evil.example resolving to 127.0.0.1) arrives with its own name as Host;
 * - a browser request from another site is refused: an Origin other than this server's, or
 *   Sec-Fetch-Site cross-site or same-site (another port of localhost is same-site yet another
 *   origin). Browsers already keep other sites from reading the answers; this also stops the
 *   requests that act without reading them. It covers every API route and every write; pages
 *   and the tracking script may still be linked or embedded from elsewhere.
 * POST /api/event (and its preflight) is cross-origin by design and checks the Origin
 * against the site's own domains instead.
 */
function openGuard(ctx: ServerContext): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (path === "/api/event") return next();
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!isLoopbackHost(host, ctx.port)) {
      throw new ApiError(
        403,
        "forbidden",
        "a server without sign-in (--no-auth) answers requests addressed to this machine only: use http://127.0.0.1 or http://localhost with its port",
        "header.host",
      );
    }
    if (!path.startsWith("/api/") && (c.req.method === "GET" || c.req.method === "HEAD")) return next();
    const site = c.req.header("sec-fetch-site")?.toLowerCase();
    const origin = c.req.header("origin");
    if (site === "cross-site" || site === "same-site" || (origin !== undefined && !sameHost(origin, [host]))) {
      throw new ApiError(
        403,
        "forbidden",
        "a server without sign-in (--no-auth) refuses requests from other sites' pages",
        origin !== undefined ? "header.origin" : "header.sec-fetch-site",
      );
    }
    return next();
  };
}

/** Whether a Host header names this machine's loopback (127.0.0.0/8, [::1], localhost), on `port` when known. */
export function isLoopbackHost(host: string, port: number | undefined): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const [, name = "", portText] = match;
  const loopback = name === "localhost" || name === "[::1]" || (isIP(name) === 4 && name.startsWith("127."));
  if (!loopback) return false;
  return port === undefined || (portText === undefined ? 80 : Number(portText)) === port;
}

/** Whether an Origin header names one of `hosts`. "null" (sandboxed frames, file: pages) and junk do not. */
function sameHost(origin: string, hosts: readonly string[]): boolean {
  try {
    return hosts.includes(new URL(origin).host);
  } catch {
    return false;
  }
}

/**
 * Any error as the API's answer: a route's own ApiError as it is; a Verity error by its
 * code's row in the one table (model/errors.ts); hono's own HTTPException (body limit,
 * malformed cookie) with its status; a lost database connection or a store closing as 503;
 * anything else 500.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof VerityError) return fromTable(error.code, error);
  const status = (error as { status?: number } | null)?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new ApiError(status as 400, "invalid_request", (error as Error).message);
  }
  // A store closing under the request (the server shutting down): the next process answers it.
  const unreachable = isConnectionError(error) || error instanceof StoreClosedError;
  return fromTable(unreachable ? "database_unreachable" : "internal", null);
}

/** The answer in `code`'s row, with the error's message, parameter and subject where the row uses them. */
function fromTable(code: ErrorCode, error: VerityError | null): ApiError {
  const { http } = ERROR_TABLE[code];
  const said = { message: error?.message ?? "", subject: error?.subject ?? null };
  const message = http.message ? http.message(said) : said.message;
  const field =
    http.field === "body" ? "body" : http.field === "parameter" && error?.parameter ? `query.${error.parameter}` : null;
  return new ApiError(http.status, http.code, message, field, [], { ...http.headers });
}
