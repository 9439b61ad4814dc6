/**
 * The sign-in and tracking limits counted by address, and anyone with an IPv6 /64 (a home
 * line, a VM) has 2^64 of them: each new address got a fresh budget. IPv6 is now counted by
 * its /64 and an IPv4-mapped IPv6 address as the IPv4 address it is.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rateLimitAddress } from "../src/server/context.js";
import { engines } from "./support/databases.js";
import { addPrincipals, type Principals, startTestServer, type TestServer } from "./support/server-harness.js";

// Passwords hash at a test cost: what is tested here does not depend on it (test/support/test-scrypt.ts).
vi.mock("node:crypto", async (importOriginal) =>
  (await import("./support/test-scrypt.js")).withTestScrypt(await importOriginal()),
);

describe("rateLimitAddress", () => {
  it("counts IPv6 by its /64, IPv4-mapped IPv6 as IPv4, IPv4 as it is", () => {
    expect(rateLimitAddress("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(rateLimitAddress("2001:0db8:0001:0002:ffff:eeee:dddd:cccc")).toBe("2001:db8:1:2::/64");
    expect(rateLimitAddress("2001:DB8:1:2:0:0:0:7")).toBe("2001:db8:1:2::/64");
    expect(rateLimitAddress("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(rateLimitAddress("2001:db8:1:3::1")).not.toBe(rateLimitAddress("2001:db8:1:2::1"));
    expect(rateLimitAddress("::1")).toBe("0:0:0:0::/64");
    expect(rateLimitAddress("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(rateLimitAddress("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(rateLimitAddress("192.0.2.7")).toBe("192.0.2.7");
    expect(rateLimitAddress("unknown")).toBe("unknown");
  });
});

describe.each(engines())("limits by IPv6 /64 on %s", (engine) => {
  let t: TestServer;
  let behind: TestServer;
  let a: Principals;
  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      a = await addPrincipals(store, "a");
    });
    behind = await t.sibling({ trustProxy: 1, trackingRate: 1 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("sign-ins from new addresses of one /64 share the address's budget", async () => {
    // The clock stands still (Date only; timers run): the budget refills a sign-in every 6 s,
    // and twelve refused sign-ins (each hashes a password) took longer than that on a busy
    // machine, so the eleventh was let through.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      await signInsShareTheBudget();
    } finally {
      vi.useRealTimers();
    }
  });

  async function signInsShareTheBudget(): Promise<void> {
    const statuses: number[] = [];
    for (let i = 1; i <= 12; i++) {
      const res = await behind.request("/api/login", {
        // Another email each time: the per-account limit stays out of it.
        body: { email: `nobody${i}@nowhere.example`, password: "not the password" },
        headers: { "x-forwarded-for": `2001:db8:77:1:${i.toString(16)}::${i}` },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Another /64 has a budget of its own.
    const other = await behind.request("/api/login", {
      body: { email: "nobody@nowhere.example", password: "not the password" },
      headers: { "x-forwarded-for": "2001:db8:77:2::1" },
    });
    expect(other.status).toBe(401);
  }

  it("tracking from new addresses of one /64 shares the site's budget for it", async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 40; i++) {
      const res = await behind.request("/api/event", {
        body: JSON.stringify({
          site: a.site.publicKey,
          events: [
            {
              id: `v6-${i}`.padEnd(16, "x"),
              type: "pageview",
              visitor: "v".repeat(16),
              visit: "w".repeat(16),
              url: "https://www.a.example/",
            },
          ],
        }),
        headers: {
          origin: "https://www.a.example",
          "content-type": "text/plain",
          "x-forwarded-for": `2001:db8:88:1::${i.toString(16)}`,
        },
      });
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
  });
});
