/**
 * Made-up site keys (anyone can send one) each had a rate-limit bucket and a database lookup
 * of their own, and at 10,000 entries the site cache was cleared, evicting the real sites it
 * keeps alive while the database is down; the rate limiter's buckets grew without bound
 * within a sweep's minute. Both are bounded now, and a real site survives the flood.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../src/server/rate-limit.js";
import { SiteCache } from "../src/server/routes/tracking.js";
import { engines } from "./support/databases.js";
import { addPrincipals, type Principals, startTestServer, type TestServer } from "./support/server-harness.js";

describe("RateLimiter", () => {
  it("50,000 unique keys within a minute leave at most maxBuckets, and a key in use keeps its count", () => {
    const limiter = new RateLimiter(1, 3, 1_000);
    const now = Date.now();
    for (let i = 0; i < 3; i++) expect(limiter.take("hot", now)).toBe(0);
    for (let i = 0; i < 50_000; i++) {
      limiter.take(`made-up-${i}`, now);
      if (i % 500 === 0) expect(limiter.take("hot", now)).toBeGreaterThan(0);
    }
    expect(limiter.size).toBeLessThanOrEqual(1_000);
    expect(limiter.take("hot", now)).toBeGreaterThan(0);
  });
});

describe.each(engines())("a flood of made-up site keys on %s", (engine) => {
  let t: TestServer;
  let a: Principals;
  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      a = await addPrincipals(store, "a");
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const track = (server: TestServer, site: string, ip: string, id: string) =>
    server.request("/api/event", {
      body: JSON.stringify({
        site,
        events: [
          {
            id: id.padEnd(16, "x"),
            type: "pageview",
            visitor: "v".repeat(16),
            visit: "w".repeat(16),
            url: "https://www.a.example/",
          },
        ],
      }),
      headers: { origin: "https://www.a.example", "content-type": "text/plain", "x-forwarded-for": ip },
    });

  it("50,000 unique made-up keys leave the site cache bounded, and the real site is kept", async () => {
    const sites = new SiteCache({ store: t.store });
    expect(await sites.get(a.site.publicKey)).not.toBeNull();
    // One key in ten well-formed, so it costs a lookup (the rest are refused by their shape
    // alone, and kept as misses just the same): 5,000 lookups, within the test's time.
    const key = (n: number) => (n % 10 === 0 ? `vs_${String(n).padStart(20, "0")}` : `vs_madeup-${n}`);
    for (let i = 0; i < 50_000; i += 250) {
      await Promise.all(Array.from({ length: 250 }, (_, j) => sites.get(key(i + j))));
    }
    expect(sites.size.misses).toBeLessThanOrEqual(1_000);
    expect(sites.size.found).toBe(1);
    expect(sites.known(a.site.publicKey)).toBe(true);
    expect(await sites.get(a.site.publicKey)).toMatchObject({ workspace: "a" });
  });

  it("made-up keys from one address share one rate bucket; the real site from it is still acknowledged", async () => {
    const behind = await t.sibling({ trustProxy: 1 });
    const ip = "203.0.113.9";
    // The real site is known to the server before the flood (its first request).
    expect((await track(behind, a.site.publicKey, ip, "real-1")).status).toBe(202);
    const { tracking } = behind.server.ctx.limits;
    const before = tracking.size;
    const statuses: number[] = [];
    for (let i = 0; i < 500; i++)
      statuses.push(
        (
          await behind.request("/api/event", {
            body: JSON.stringify({ site: `vs_madeup-${i}`, events: [] }),
            headers: { origin: "https://www.a.example", "content-type": "text/plain", "x-forwarded-for": ip },
          })
        ).status,
      );
    expect(statuses).toContain(429);
    expect(tracking.size - before).toBeLessThanOrEqual(2);
    const real = await behind.request("/api/event", {
      body: JSON.stringify({
        site: a.site.publicKey,
        events: [
          {
            id: "real-2".padEnd(16, "x"),
            type: "pageview",
            visitor: "v".repeat(16),
            visit: "w".repeat(16),
            url: "https://www.a.example/",
          },
        ],
      }),
      headers: { origin: "https://www.a.example", "content-type": "text/plain", "x-forwarded-for": ip },
    });
    expect(real.status, real.text).toBe(202);
  });
});
