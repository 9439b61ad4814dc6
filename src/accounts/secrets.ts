/**
 * Secrets as Verity keeps them: passwords through scrypt (memory-hard, in node:crypto, no
 * native module to build), API keys and session tokens as random 256-bit strings of which
 * only the SHA-256 is stored (they are long and random, so a fast hash is enough, and a
 * leaked database gives nobody a working key).
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { VerityError } from "../model/errors.js";

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

// OWASP's scrypt recommendation (N=2^17, r=8, p=1) costs 128 MiB and ~0.3 s per login on
// this machine class; 2^15 keeps logins under 0.1 s at 32 MiB.
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

/**
 * scrypt runs on libuv's thread pool (four threads unless UV_THREADPOOL_SIZE says otherwise),
 * which the ingest log's fsync shares: a flood of sign-ins with a hash each filled the pool
 * and tracking fell from 4,123 to 46 requests a second (issue 13). So at most
 * HASH_CONCURRENCY hashes run at once, HASH_QUEUE more wait their turn, and any beyond that
 * are refused at once (PasswordHashingBusy, answered 503), leaving the other threads to disk.
 */
export const HASH_CONCURRENCY = 2;
const HASH_QUEUE = 16;

/** Thrown when the hashing queue is full: the caller answers "busy, retry" without hashing. */
export class PasswordHashingBusy extends VerityError {
  override name = "PasswordHashingBusy";

  constructor() {
    super("busy", "too many sign-ins are being checked at once; retry in a moment");
  }
}

const hashing = { running: 0, peak: 0, refused: 0, waiting: [] as (() => void)[] };

/** How many hashes run now, the most that ever ran at once, and how many were refused (tests, logs). */
export function hashingStats(): { running: number; peak: number; queued: number; refused: number } {
  return { running: hashing.running, peak: hashing.peak, queued: hashing.waiting.length, refused: hashing.refused };
}

/** Runs one scrypt under the bound above. */
async function boundedHash<T>(work: () => Promise<T>): Promise<T> {
  if (hashing.running < HASH_CONCURRENCY) hashing.running += 1;
  else if (hashing.waiting.length >= HASH_QUEUE) {
    hashing.refused += 1;
    throw new PasswordHashingBusy();
  } else {
    // A finishing hash hands its slot over without giving it back, so no newcomer slips in between.
    await new Promise<void>((resolve) => hashing.waiting.push(resolve));
  }
  hashing.peak = Math.max(hashing.peak, hashing.running);
  try {
    return await work();
  } finally {
    const next = hashing.waiting.shift();
    if (next) next();
    else hashing.running -= 1;
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await boundedHash(() =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { ...COST, maxmem: 64 * 1024 * 1024 }),
  );
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await boundedHash(() =>
    scrypt(password.normalize("NFKC"), Buffer.from(salt, "base64url"), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 256 * 1024 * 1024,
    }),
  );
  return timingSafeEqual(actual, expected);
}

/** A hash with the same cost as a real one, compared against when the user does not exist (no timing oracle). */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  // Made under the hashing bound, so it may be refused as busy: that is forgotten, not kept
  // (kept, every later unknown email answered 503 where a known one answered 401).
  decoy ??= hashPassword(randomToken(16)).catch((error: unknown) => {
    decoy = null;
    throw error;
  });
  return decoy;
}

/** `bytes` random bytes as base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** A short random id: letters and digits only, so it reads well inside a key. */
export function randomId(length = 16): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(length);
  let id = "";
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
