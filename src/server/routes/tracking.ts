/**
 * Website tracking: the script at /js/verity.js and POST /api/event, which takes a site's
 * public key (it can write tracking events to its workspace and nothing else), checks the
 * page's origin against the site's domains, rate-limits per site and IP, and acknowledges
 * only once the events are in the durable log (src/server/collect/log.ts).
 */
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { sha256Hex } from "../../accounts/secrets.js";
import { originAllowed, type Site, siteByPublicKey } from "../../accounts/sites.js";
import { isConnectionError } from "../../store/errors.js";
import type { Api } from "../api.js";
import { parseJsonBody } from "../api.js";
import { unstorable } from "../collect/storable-text.js";
import {
  isEmail,
  type LoggedEvent,
  type TrackingEvent,
  TrackingRequestSchema,
  TrackingResponseSchema,
} from "../collect/tracking-schema.js";
import { clientIp, rateLimitAddress, type ServerContext } from "../context.js";
import { ApiError, validationError } from "../errors.js";

export const EVENT_BODY_LIMIT = 32 * 1024;

/** Sites are looked up once a minute, not once a request (tracking is the hot path). */
const SITE_CACHE_MS = 60_000;
/** Sites found, kept (least recently used first out) to serve while the database is down. */
const FOUND_MAX = 10_000;
/** Keys no site has, remembered for SITE_CACHE_MS so a repeated made-up key costs no lookup. */
const MISSES_MAX = 1_000;

/**
 * The sites tracking requests name. Found sites and misses are kept apart, each bounded: a
 * flood of made-up keys (anyone can send one) fills only the small miss cache, oldest out,
 * and never evicts a real site, which keeps its events coming while the database restarts.
 */
export class SiteCache {
  /** In use order: the first is the least recently used. */
  private readonly found = new Map<string, { site: Site; at: number }>();
  /** In insertion order, which is age order. */
  private readonly misses = new Map<string, number>();

  constructor(
    private readonly ctx: Pick<ServerContext, "store">,
    private readonly limits = { found: FOUND_MAX, misses: MISSES_MAX },
  ) {}

  /** Whether `publicKey` names a site found before (its requests get a rate bucket of their own). */
  known(publicKey: string): boolean {
    return this.found.has(publicKey);
  }

  /** How many sites and misses are held (tests check the bounds). */
  get size(): { found: number; misses: number } {
    return { found: this.found.size, misses: this.misses.size };
  }

  async get(publicKey: string): Promise<Site | null> {
    const now = Date.now();
    const cached = this.found.get(publicKey);
    if (cached) {
      // Used: to the end of the line.
      this.found.delete(publicKey);
      this.found.set(publicKey, cached);
      if (now - cached.at < SITE_CACHE_MS) return cached.site;
    } else {
      const missedAt = this.misses.get(publicKey);
      if (missedAt !== undefined && now - missedAt < SITE_CACHE_MS) return null;
    }
    let site: Site | null;
    try {
      site = await siteByPublicKey(this.ctx.store, publicKey);
    } catch (error) {
      // The database is restarting: a site known before keeps its events coming (they only
      // need the durable log), rather than losing them to an error.
      if (cached && isConnectionError(error)) return cached.site;
      throw error;
    }
    this.misses.delete(publicKey);
    if (site) {
      this.found.delete(publicKey);
      this.found.set(publicKey, { site, at: now });
      trim(this.found, this.limits.found);
    } else {
      this.found.delete(publicKey);
      this.misses.set(publicKey, now);
      trim(this.misses, this.limits.misses);
    }
    return site;
  }

  forget(): void {
    this.found.clear();
    this.misses.clear();
  }
}

/** Deletes a map's first (oldest) entries down to `max`. */
function trim(map: Map<string, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}

/** The tracking script as served, and gzipped (level 9) for browsers that take it. */
type Script = { body: Uint8Array<ArrayBuffer>; gzipped: Uint8Array<ArrayBuffer> };

/**
 * The tracking script as served: src/web/tracker/verity.js minified. The build writes it to
 * dist/web/tracker/verity.js; run from src/ (tsx, the tests) the source is minified when first
 * asked for, by the build's own step (scripts/tracker.mjs: esbuild, a devDependency), so both
 * serve the same bytes and an edited source needs no build. Null if the built file is missing.
 */
async function loadScript(): Promise<Script | null> {
  let text: string;
  if (import.meta.url.endsWith(".ts")) {
    const tracker = new URL("../../../scripts/tracker.mjs", import.meta.url).href;
    text = await ((await import(tracker)) as { minifyTracker(): Promise<string> }).minifyTracker();
  } else {
    try {
      text = await readFile(new URL("../../web/tracker/verity.js", import.meta.url), "utf8");
    } catch {
      return null;
    }
  }
  const body = Buffer.from(text);
  return { body: new Uint8Array(body), gzipped: new Uint8Array(gzipSync(body, { level: 9 })) };
}

function logged(e: TrackingEvent): LoggedEvent {
  return {
    id: e.id,
    type: e.type,
    visitor: e.visitor,
    visit: e.visit,
    url: e.url,
    referrer: e.referrer,
    utm: e.utm,
    ...(e.email && isEmail(e.email) ? { emailHash: sha256Hex(e.email.trim().toLowerCase()) } : {}),
    ...(e.form ? { form: e.form } : {}),
    ...(e.click ? { click: e.click } : {}),
    ...(e.firstTouch ? { firstTouch: e.firstTouch } : {}),
  };
}

/** A tracking request as it arrived, whichever way it came in (hono, or serve's fast path). */
export type TrackingRequest = {
  text: string;
  origin: string | undefined;
  /** The browser sent Do Not Track or Global Privacy Control. */
  privacySignal: boolean;
  ip: string;
};
export type TrackingAnswer = z.infer<typeof TrackingResponseSchema>;
/** Takes a tracking request; resolves once its events are durable, or throws an ApiError. */
export type TrackingIntake = (request: TrackingRequest) => Promise<TrackingAnswer>;

/** Origins judged per site object (a refreshed site is a new object, judged anew); at most this many a site. */
const ORIGINS_MAX = 100;
const originsJudged = new WeakMap<Site, Map<string, boolean>>();

/**
 * originAllowed, remembered: it parses the origin as a URL (a few µs), once a request, while a
 * site's pages send the same one or few origins. A site's memory is cleared when full, so a
 * flood of made-up origins costs parses, not memory.
 */
function originAllowedCached(site: Site, origin: string): boolean {
  let judged = originsJudged.get(site);
  if (!judged) {
    judged = new Map();
    originsJudged.set(site, judged);
  }
  let allowed = judged.get(origin);
  if (allowed === undefined) {
    allowed = originAllowed(site, origin);
    if (judged.size >= ORIGINS_MAX) judged.clear();
    judged.set(origin, allowed);
  }
  return allowed;
}

/** Takes a tracking token from `bucket`, or refuses the request with 429 and Retry-After. */
function limit(ctx: ServerContext, bucket: string): void {
  const wait = ctx.limits.tracking.take(bucket);
  if (wait > 0) {
    throw new ApiError(429, "rate_limited", "too many events from this address; slow down", null, [], {
      "Retry-After": String(wait),
    });
  }
}

/**
 * POST /api/event without the HTTP framework around it: the route below calls it, and so does
 * `verity serve`'s listener directly (src/server/event-listener.ts), where the framework's
 * per-request cost halved the events a second a core could take.
 */
export function trackingIntake(ctx: ServerContext, sites: SiteCache): TrackingIntake {
  return async ({ text, origin, privacySignal, ip }) => {
    const raw = parseJsonBody(text) as { site?: unknown };
    // Limited before the site is looked up: a known site's key by key and address; any other
    // key (made up, or a real site's first request) by address alone, so a flood of made-up
    // keys is one bucket an address, and its lookups are held to that one rate.
    const presented = typeof raw?.site === "string" ? raw.site.slice(0, 100) : "";
    const address = rateLimitAddress(ip);
    const known = sites.known(presented);
    limit(ctx, `${known ? presented : "?"}|${address}`);
    // Looked up before the body is validated, so checked here: a NUL in a bound parameter
    // fails PostgreSQL's statement (a 500), where it is the caller's mistake.
    const badKey = unstorable(presented);
    if (badKey) throw new ApiError(400, "invalid_request", `body.site: ${badKey}`, "body.site");
    const site = presented ? await sites.get(presented) : null;
    if (!site) throw new ApiError(403, "forbidden", "unknown or revoked site key", "body.site");
    if (!known) {
      // A real site's first request: the address's token for unknown keys back, and the
      // site's own bucket charged, as for every later request.
      ctx.limits.tracking.give(`?|${address}`);
      limit(ctx, `${presented}|${address}`);
    }
    if (origin !== undefined && !originAllowedCached(site, origin)) {
      throw new ApiError(403, "forbidden", `the origin ${origin} is not one of the site's domains`, "header.origin");
    }
    const parsed = TrackingRequestSchema.safeParse(raw);
    if (!parsed.success) throw validationError("body", parsed.error);
    if (site.respectPrivacySignals && privacySignal) return { accepted: 0, ignored: "privacy-signal" };
    if (ctx.writer.overloaded) {
      throw new ApiError(503, "unavailable", "the server is behind on writing events; retry shortly", null, [], {
        "Retry-After": "5",
      });
    }
    await ctx.log.append({
      w: site.workspace,
      s: site.id,
      at: new Date().toISOString(),
      e: parsed.data.events.map(logged),
    });
    return { accepted: parsed.data.events.length };
  };
}

function cors(c: Context, origin: string | undefined): void {
  if (origin) {
    c.header("Access-Control-Allow-Origin", origin);
    c.header("Vary", "Origin");
  }
}

export function registerTrackingRoutes(api: Api, ctx: ServerContext, intake: TrackingIntake): void {
  // Read (or, from src/, minified) once, when first asked for.
  let script: Promise<Script | null> | undefined;

  api.add(
    {
      method: "get",
      path: "/js/verity.js",
      tag: "tracking",
      summary: "The tracking script to add to your website (docs/tracking.md)",
      access: "public",
      responses: { 200: { description: "JavaScript" } },
    },
    async ({ c }) => {
      script ??= loadScript();
      const served = await script;
      if (!served) throw new ApiError(404, "not_found", "the tracking script is not in this build");
      const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
      return c.body(gzip ? served.gzipped : served.body, 200, {
        "Content-Type": "application/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=3600",
        Vary: "Accept-Encoding",
        ...(gzip ? { "Content-Encoding": "gzip" } : {}),
      });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/event",
      tag: "tracking",
      summary: "Tracking events from the website script (pageviews, identify, captured forms)",
      description:
        "Sent by /js/verity.js as text/plain (no CORS preflight). `site` is the site's public key; the Origin must be one of the site's domains. Answered 202 once the events are in the durable log.",
      access: "site",
      body: TrackingRequestSchema,
      bodyKind: "binary",
      bodyLimit: EVENT_BODY_LIMIT,
      responses: { 202: { description: "Stored durably", schema: TrackingResponseSchema } },
    },
    async ({ c }) => {
      const answer = await intake({
        text: await c.req.text(),
        origin: c.req.header("origin"),
        privacySignal: c.req.header("dnt") === "1" || c.req.header("sec-gpc") === "1",
        ip: clientIp(c, ctx.trustProxy),
      });
      return c.json(answer, 202);
    },
  );

  // Preflight for senders that use fetch with JSON; the site's origin is checked on the POST.
  ctx.logger.debug("tracking routes ready");
}

/**
 * CORS on every answer of POST /api/event, errors too (the body limit's among them), so a
 * page's fetch can read why it was refused. Runs before the route's own middleware.
 */
export const trackingCors: MiddlewareHandler = async (c, next) => {
  if (c.req.method === "POST") cors(c, c.req.header("origin"));
  await next();
};

export function trackingPreflight(c: Context): Response {
  const origin = c.req.header("origin");
  cors(c, origin);
  c.header("Access-Control-Allow-Methods", "POST");
  c.header("Access-Control-Allow-Headers", "Content-Type");
  c.header("Access-Control-Max-Age", "86400");
  return c.body(null, 204);
}
