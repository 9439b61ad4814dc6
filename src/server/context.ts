/** What every route of one server shares. */
import type { Context } from "hono";
import type { Store } from "../store/store.js";
import type { IngestLog } from "./ingest/log.js";
import type { Writer } from "./ingest/writer.js";
import type { Logger } from "./logger.js";
import type { RateLimiter } from "./rate-limit.js";

export type ServerContext = {
  store: Store;
  writer: Writer;
  log: IngestLog;
  logger: Logger;
  /**
   * "on": every non-public route needs an API key or a session. "open" (--no-auth, only on a
   * loopback address): every request acts as an admin of `openWorkspace`.
   */
  auth: "on" | "open";
  openWorkspace: string;
  /** Read the client's address from X-Forwarded-For (behind a reverse proxy you run). */
  trustProxy: boolean;
  limits: { tracking: RateLimiter; api: RateLimiter; login: RateLimiter };
  version: string;
};

/** The client's IP: the socket's, or the proxy's X-Forwarded-For when trusted. */
export function clientIp(c: Context, trustProxy: boolean): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return ipOf(c.req.header("x-forwarded-for"), incoming?.socket?.remoteAddress, trustProxy);
}

/** The same from the header and the socket's address. */
export function ipOf(forwardedFor: string | undefined, remoteAddress: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = forwardedFor?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return remoteAddress ?? "unknown";
}
