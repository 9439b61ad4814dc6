/**
 * `verity serve` answers POST /api/event in its own node:http listener (src/server/event-listener.ts),
 * not through the hono app that `app.request()` drives in the other server tests. Every kind of
 * tracking request goes both ways here, and the two answers must be the same: status, JSON
 * body, CORS and Retry-After headers. Events sent to the socket must be stored.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite } from "../src/accounts/sites.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { startServer, type VerityServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import { openTestStore, type TestStore } from "./support/stores.js";

type Answer = { status: number; body: unknown; headers: Record<string, string | undefined> };

const COMPARED_HEADERS = ["content-type", "access-control-allow-origin", "vary", "retry-after"];

describe("POST /api/event on the socket answers as the app does", () => {
  let db: TestStore;
  let dir: string;
  let server: VerityServer & { url: string; port: number };
  let site: string;
  let privateSite: string;
  let counter = 0;

  beforeAll(async () => {
    db = await openTestStore("duckdb");
    dir = await mkdtemp(join(tmpdir(), "verity-listener-"));
    await ensureWorkspace(db.store, "w");
    site = (await createSite(db.store, "w", { name: "web", domains: ["shop.example"] })).publicKey;
    privateSite = (
      await createSite(db.store, "w", { name: "quiet", domains: ["quiet.example"], respectPrivacySignals: true })
    ).publicKey;
    server = await startServer({
      store: db.store,
      dataDir: join(dir, "a"),
      port: 0,
      logLevel: "silent",
      trackingRate: 1000,
    });
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const event = (extra: object = {}) => ({
    id: `event${String(++counter).padStart(14, "0")}`,
    type: "pageview",
    visitor: "visitor00000000001",
    visit: "visit0000000000001",
    url: "https://shop.example/",
    ...extra,
  });

  const pick = (get: (name: string) => string | undefined) =>
    Object.fromEntries(COMPARED_HEADERS.map((name) => [name, get(name)]));

  async function viaApp(
    target: VerityServer,
    body: string | Uint8Array,
    headers: Record<string, string>,
    chunked: boolean,
  ) {
    const init: RequestInit & { duplex?: "half" } = { method: "POST", headers, body };
    if (chunked) {
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      init.body = new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.slice(i, i + 4096));
          controller.close();
        },
      });
      init.duplex = "half";
    }
    const response = await target.app.request("/api/event", init);
    const text = await response.text();
    return {
      status: response.status,
      body: JSON.parse(text),
      headers: pick((n) => response.headers.get(n) ?? undefined),
    };
  }

  function viaSocket(
    target: { port: number },
    body: string | Uint8Array,
    headers: Record<string, string>,
    chunked: boolean,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: "127.0.0.1", port: target.port, method: "POST", path: "/api/event", headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
              headers: pick((n) => {
                const value = res.headers[n];
                return Array.isArray(value) ? value.join(", ") : value;
              }),
            }),
          );
        },
      );
      req.on("error", reject);
      if (chunked) {
        // No Content-Length: node sends the body chunked.
        const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
        for (let i = 0; i < bytes.length; i += 4096) req.write(bytes.subarray(i, i + 4096));
        req.end();
      } else {
        req.setHeader("Content-Length", Buffer.byteLength(body));
        req.end(body);
      }
    });
  }

  /** Sends the same request both ways (each with fresh event ids) and returns both answers. */
  async function both(
    make: () => string | Uint8Array,
    headers: Record<string, string> = { origin: "https://shop.example", "content-type": "text/plain" },
    chunked = false,
    target = server,
  ) {
    const app = await viaApp(target, make(), headers, chunked);
    const socket = await viaSocket(target, make(), headers, chunked);
    expect(socket).toEqual(app);
    return socket;
  }

  const json = (value: unknown) => () => JSON.stringify(value);

  it("accepts an event, with CORS for the page's origin, and stores what came over the socket", async () => {
    const before = await db.store.query<{ n: number }>(sql`SELECT count(*) AS n FROM tracked_events`);
    const answer = await both(() =>
      JSON.stringify({ site, events: [event(), event({ url: "https://shop.example/a" })] }),
    );
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ accepted: 2 });
    expect(answer.headers["access-control-allow-origin"]).toBe("https://shop.example");
    await server.drain();
    const [after] = await db.store.query<{ n: number }>(sql`SELECT count(*) AS n FROM tracked_events`);
    expect(Number(after?.n) - Number(before[0]?.n)).toBe(4);
  });

  it("reads a body that starts with a UTF-8 byte order mark as fetch does", async () => {
    const answer = await both(() => `\uFEFF${JSON.stringify({ site, events: [event()] })}`);
    expect(answer.status).toBe(202);
  });

  it("refuses an empty body, a body that is not JSON and an event with a bad field, naming the field", async () => {
    expect((await both(() => "")).body).toMatchObject({ error: { status: 400, field: "body" } });
    expect((await both(() => "{not json")).body).toMatchObject({ error: { status: 400, field: "body" } });
    const bad = await both(() => JSON.stringify({ site, events: [event({ id: "short" })] }));
    expect(bad.body).toMatchObject({ error: { status: 400, code: "invalid_request", field: "body.events[0].id" } });
  });

  it("refuses an unknown key and an origin that is not one of the site's domains", async () => {
    const unknown = await both(json({ site: "vs_nosuchsite00000000", events: [event()] }));
    expect(unknown.body).toMatchObject({ error: { status: 403, field: "body.site" } });
    const elsewhere = await both(() => JSON.stringify({ site, events: [event()] }), {
      origin: "https://evil.example",
      "content-type": "text/plain",
    });
    expect(elsewhere.body).toMatchObject({ error: { status: 403, field: "header.origin" } });
    expect(elsewhere.headers["access-control-allow-origin"]).toBe("https://evil.example");
  });

  it("refuses a body over 32 KB, stated or chunked", async () => {
    const big = () => JSON.stringify({ site, events: [event({ url: `https://shop.example/${"x".repeat(40_000)}` })] });
    expect((await both(big)).body).toMatchObject({ error: { status: 413, code: "payload_too_large" } });
    expect((await both(big, { origin: "https://shop.example" }, true)).body).toMatchObject({
      error: { status: 413, code: "payload_too_large" },
    });
  });

  it("takes a chunked body under the limit", async () => {
    const answer = await both(
      () => JSON.stringify({ site, events: [event()] }),
      { origin: "https://shop.example" },
      true,
    );
    expect(answer).toMatchObject({ status: 202, body: { accepted: 1 } });
  });

  it("stores nothing from a browser that sends Global Privacy Control where the site says so", async () => {
    const answer = await both(() => JSON.stringify({ site: privateSite, events: [event()] }), {
      origin: "https://quiet.example",
      "sec-gpc": "1",
    });
    expect(answer).toMatchObject({ status: 202, body: { accepted: 0, ignored: "privacy-signal" } });
  });

  it("limits the rate per key and address, with Retry-After", async () => {
    // One a second with bursts of 4, per key and address.
    const slow = await startServer({
      store: db.store,
      dataDir: join(dir, "b"),
      port: 0,
      logLevel: "silent",
      trackingRate: 1,
    });
    try {
      const send = () => JSON.stringify({ site, events: [event()] });
      const headers = { origin: "https://shop.example" };
      // The app and the socket are different addresses ("unknown" and 127.0.0.1): a bucket each.
      for (let i = 0; i < 4; i++) expect((await both(send, headers, false, slow)).status).toBe(202);
      const refused = await both(send, headers, false, slow);
      expect(refused.body).toMatchObject({ error: { status: 429, code: "rate_limited" } });
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  it("leaves every other route to the app", async () => {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    const preflight = await fetch(`${server.url}/api/event`, {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("POST");
  });
});
