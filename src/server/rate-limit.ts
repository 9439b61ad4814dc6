/**
 * Token buckets in memory, one per key (a site and an IP, an API key or user, a login IP, an
 * account's failed sign-ins): `rate`
 * requests a second on average, bursts up to `burst`. One process serves a workspace, so
 * memory is where the counts belong; idle buckets are swept so the map stays small.
 *
 * A flood of new keys (made-up emails, many addresses) within a sweep's minute must not grow
 * memory without bound either: past `maxBuckets` the least recently used buckets go. A bucket
 * dropped that way was the longest unused, and anyone it held back starts with a full burst.
 */
export const MAX_BUCKETS = 100_000;

export class RateLimiter {
  /** In use order: the first is the least recently used. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweepAt = Date.now();

  constructor(
    readonly rate: number,
    readonly burst: number,
    readonly maxBuckets = MAX_BUCKETS,
  ) {}

  /** How many buckets are held (tests check the bound). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string, now = Date.now()): number {
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    // Used: to the end of the line; the least recently used go first when full.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    for (const old of this.buckets.keys()) {
      if (this.buckets.size <= this.maxBuckets) break;
      this.buckets.delete(old);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.rate);
  }

  /** Gives back a token `take` took (an attempt that turned out not to count, as a right password). */
  give(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }

  /** The seconds to wait before `take` would allow `key` (0: now), without taking a token. */
  wait(key: string, now = Date.now()): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.rate);
  }

  private sweep(now: number): void {
    if (now - this.sweepAt < 60_000) return;
    this.sweepAt = now;
    const full = (this.burst / this.rate) * 1000;
    for (const [key, bucket] of this.buckets) if (now - bucket.at > full) this.buckets.delete(key);
  }
}
