/**
 * POST /api/event straight on node:http, in front of the hono app that answers everything else.
 *
 * Tracking is the one route called once per pageview of every visitor. Through
 * @hono/node-server each request builds a web Request, runs the middleware chain and copies a
 * web Response back: about 75 µs of the main thread per request, against about 35 µs for this
 * listener doing the same work (bench/ingest.ts; the 10,000 events/s target on two cores
 * needs the difference). The work itself is shared: the request goes to the same
 * TrackingIntake the hono route calls (src/server/routes/tracking.ts), and errors leave in the
 * same JSON shape, with the same CORS headers and request log lines. The hono route stays for
 * `app.request()` (tests, createServer without a socket) and the OpenAPI document;
 * test/server-event-listener.test.ts checks that both answer every kind of request alike.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { toApiError } from "./app.js";
import { ipOf, type ServerContext } from "./context.js";
import { ApiError } from "./errors.js";
import { EVENT_BODY_LIMIT, type TrackingIntake } from "./routes/tracking.js";

const PATH = "/api/event";

/** `fallback` (the hono app's listener) answers every request but POST /api/event. */
export function withEventListener(
  ctx: ServerContext,
  intake: TrackingIntake,
  fallback: RequestListener,
): RequestListener {
  return (req, res) => {
    const url = req.url ?? "";
    if (req.method === "POST" && (url === PATH || url.startsWith(`${PATH}?`))) {
      void handle(ctx, intake, req, res);
    } else {
      fallback(req, res);
    }
  };
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

async function handle(ctx: ServerContext, intake: TrackingIntake, req: IncomingMessage, res: ServerResponse) {
  const started = performance.now();
  const origin = first(req.headers.origin);
  // Errors too carry CORS headers, so a page's fetch can read why it was refused.
  const headers: Record<string, string> = origin ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : {};
  const ip = ipOf(first(req.headers["x-forwarded-for"]), req.socket.remoteAddress, ctx.trustProxy);
  try {
    const text = await readBody(req, EVENT_BODY_LIMIT);
    const answer = await intake({
      text,
      origin,
      privacySignal: req.headers.dnt === "1" || req.headers["sec-gpc"] === "1",
      ip,
    });
    send(res, 202, headers, answer);
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError.status >= 500) ctx.logger.error({ err: error, path: PATH }, "request failed");
    // A body over the limit is not read to its end: the connection closes after the answer.
    if (apiError.status === 413) res.shouldKeepAlive = false;
    send(res, apiError.status, { ...headers, ...apiError.headers }, apiError.toJSON());
    // Tracking requests are too many to log one by one; errors among them still are.
    ctx.logger.info(
      { method: "POST", path: PATH, status: apiError.status, ms: Math.round(performance.now() - started), ip },
      "request",
    );
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: object): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, "payload_too_large", `the body is over the limit of ${limit} bytes`, "body");
}

/**
 * The body as text, up to `limit` bytes: judged by Content-Length when the request states one
 * (before reading anything), counted as it arrives when it is chunked.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const length = req.headers["content-length"];
  if (length !== undefined && req.headers["transfer-encoding"] === undefined && Number.parseInt(length, 10) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        reject(tooLarge(limit));
      } else {
        chunks.push(chunk);
      }
    };
    req.on("data", onData);
    req.on("end", () => {
      const text =
        chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
      // As fetch's Request.text() reads it (the hono route): a UTF-8 byte order mark is not text.
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    req.on("error", reject);
  });
}
