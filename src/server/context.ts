/** What every route of one server shares. */
import { BlockList, isIP } from "node:net";
import type { Context } from "hono";
import type { Store } from "../store/store.js";
import type { CampaignRunner } from "./campaign-runner.js";
import type { IngestLog } from "./collect/log.js";
import type { Writer } from "./collect/writer.js";
import type { HomeWarmer } from "./home-warmer.js";
import type { Logger } from "./logger.js";
import type { RateLimiter } from "./rate-limit.js";

export type ServerContext = {
  store: Store;
  writer: Writer;
  log: IngestLog;
  logger: Logger;
  /** Sends campaigns in the background, and starts the due ones (campaign-runner.ts). */
  campaigns: CampaignRunner;
  /** Prepares a workspace's dashboard home after a write (home-warmer.ts). */
  warmer: HomeWarmer;
  /**
   * "on": every non-public route needs an API key or a session. "open" (--no-auth, only on a
   * loopback address): every request from this machine's browser acts as an admin of
   * `openWorkspace` (other sites' pages and other Host names are refused: app.ts openGuard).
   */
  auth: "on" | "open";
  openWorkspace: string;
  /**
   * Which proxies in front of the server to believe (--trust-proxy), or null: X-Forwarded-*
   * headers are then ignored.
   */
  trustProxy: ProxyTrust | null;
  /** The port the socket listens on, once it does (an open server checks Host against it). */
  port?: number;
  limits: {
    tracking: RateLimiter;
    api: RateLimiter;
    /** Sign-in attempts per client address. */
    login: RateLimiter;
    /** Failed sign-ins per account (the email as typed), whatever the address. */
    loginAccount: RateLimiter;
  };
  version: string;
};

/**
 * Whether the proxy hop `hop` (0 = the socket's peer, 1 = the address that peer forwarded
 * for, ...) at `address` is one the server trusts to tell the truth about the next.
 */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** The address ranges `--trust-proxy` knows by name, as Express's proxy-addr does. */
const NAMED: Record<string, string[]> = {
  loopback: ["127.0.0.1/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

/**
 * The trust a `--trust-proxy` value gives: a number of proxy hops (the client is the Nth
 * address of X-Forwarded-For counted from the right), or a comma-separated list of addresses,
 * CIDR ranges and the names above (the client is the first address from the right that is
 * not in the list). `true` (the flag without a value) is one hop: one proxy you run in front.
 * Throws a sentence naming the bad entry.
 */
export function parseTrustProxy(value: boolean | number | string | undefined | null): ProxyTrust | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return hops(1);
  if (typeof value === "number" || /^\s*\d+\s*$/.test(value)) {
    const count = Number(value);
    if (!Number.isSafeInteger(count) || count < 0) throw new Error(`--trust-proxy: ${value} is not a number of hops`);
    return count === 0 ? null : hops(count);
  }
  const list = new BlockList();
  for (const raw of value.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    for (const item of NAMED[entry] ?? [entry]) addEntry(list, item, value);
  }
  return (address) => {
    const ip = plainIp(address);
    const family = isIP(ip);
    return family !== 0 && list.check(ip, family === 4 ? "ipv4" : "ipv6");
  };
}

function hops(count: number): ProxyTrust {
  return (_address, hop) => hop < count;
}

function addEntry(list: BlockList, entry: string, whole: string): void {
  const [address = "", prefix] = entry.split("/");
  const family = isIP(address);
  const bad = () =>
    new Error(
      `--trust-proxy: "${entry}" in "${whole}" is not an address, a CIDR range or ${Object.keys(NAMED).join(", ")}`,
    );
  if (family === 0) throw bad();
  const type = family === 4 ? "ipv4" : "ipv6";
  if (prefix === undefined) {
    list.addAddress(address, type);
    return;
  }
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw bad();
  list.addSubnet(address, bits, type);
}

/** An IPv4 address a dual-stack socket reports as IPv6 (::ffff:10.0.0.1) in its plain form. */
function plainIp(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * The address a rate limit counts by: an IPv4 address as it is (an IPv4-mapped IPv6 one as
 * IPv4), an IPv6 address by its /64. One subscriber, host or VM is given a /64 and can pick
 * any of its 2^64 addresses, so counting by address would let it try passwords or flood
 * tracking without limit; a /64 is the smallest block one party is commonly given.
 */
export function rateLimitAddress(ip: string): string {
  const plain = plainIp(ip);
  if (isIP(plain) !== 6) return plain;
  // Drop a zone (fe80::1%eth0), then write the :: out so the first four groups are known.
  const address = plain.replace(/%.*$/, "").toLowerCase();
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16));
  return `${prefix.join(":")}::/64`;
}

/** The address of the socket's peer (none under `app.request()`, as in tests). */
export function socketAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/** The client's IP: the socket's, or the one the trusted proxies name in X-Forwarded-For. */
export function clientIp(c: Context, trust: ProxyTrust | null): string {
  return ipOf(c.req.header("x-forwarded-for"), socketAddress(c), trust);
}

/**
 * The same from the header and the socket's address, as Express's proxy-addr walks them: from
 * the socket's peer leftwards through X-Forwarded-For, each trusted hop vouching for the
 * address before it; the first address not trusted (or the leftmost) is the client. Entries
 * left of that were written by whoever the client is and are never read.
 */
export function ipOf(
  forwardedFor: string | undefined,
  remoteAddress: string | undefined,
  trust: ProxyTrust | null,
): string {
  const socket = remoteAddress ?? "unknown";
  if (!trust || !forwardedFor) return socket;
  const chain = [
    socket,
    ...forwardedFor
      .split(",")
      .map((a) => a.trim())
      .reverse(),
  ];
  for (let hop = 0; hop < chain.length - 1; hop++) {
    if (!trust(chain[hop] ?? "", hop)) return chain[hop] ?? socket;
    // A hop vouches for an address only if it is one; junk ends the walk at the hop.
    if (isIP(plainIp(chain[hop + 1] ?? "")) === 0) return chain[hop] ?? socket;
  }
  return chain[chain.length - 1] ?? socket;
}

/**
 * A single-valued X-Forwarded-* header (Proto, Host) when the socket's peer is a trusted
 * proxy: the value it wrote or appended last (the rightmost); what the client sent before
 * it is never read. Undefined when the peer is not trusted or sent none.
 */
export function forwardedValue(c: Context, trust: ProxyTrust | null, header: string): string | undefined {
  if (!trust?.(socketAddress(c) ?? "unknown", 0)) return undefined;
  const value = c.req.header(header)?.split(",").pop()?.trim().toLowerCase();
  return value ? value : undefined;
}
