/**
 * What the tracking endpoint does with what visitors type: a form's email field holding
 * something that is not an email keeps the event (without an email); identify, which the
 * site's own code calls, is refused with the field named. Refusals carry CORS headers so
 * the page can read them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite } from "../src/accounts/sites.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { createServer, type VerityServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import { openTestStore, type TestStore } from "./support/stores.js";

describe("tracking input", () => {
  let db: TestStore;
  let dir: string;
  let server: VerityServer;
  let site: string;
  beforeAll(async () => {
    db = await openTestStore("duckdb");
    dir = await mkdtemp(join(tmpdir(), "verity-tracking-"));
    await ensureWorkspace(db.store, "w");
    site = (await createSite(db.store, "w", { name: "web", domains: ["shop.example"] })).publicKey;
    server = await createServer({ store: db.store, dataDir: dir, logLevel: "silent" });
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (origin: string, event: object) =>
    server.app.request("/api/event", {
      method: "POST",
      headers: { origin, "content-type": "text/plain" },
      body: JSON.stringify({
        site,
        events: [
          {
            id: "event0000000000001",
            visitor: "visitor00000000001",
            visit: "visit0000000000001",
            url: "https://shop.example/",
            ...event,
          },
        ],
      }),
    });

  it("keeps a form event whose email field holds no email, without an email", async () => {
    const response = await send("https://shop.example", { type: "form", email: "call me maybe", form: "contact" });
    expect(response.status).toBe(202);
    await server.drain();
    const rows = await db.store.query(sql`SELECT type, form, email_hash FROM tracked_events WHERE workspace_id = 'w'`);
    expect(rows).toEqual([{ type: "form", form: "contact", email_hash: null }]);
    expect(await db.store.query(sql`SELECT * FROM visitor_identities`)).toEqual([]);
  });

  it("refuses identify without an email address, naming the field", async () => {
    const response = await send("https://shop.example", { id: "event0000000000002", type: "identify", email: "nope" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { field: string } };
    expect(body.error.field).toBe("body.events[0].email");
    expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example");
  });

  it("says why an origin is refused, readable by the page", async () => {
    const response = await send("https://elsewhere.example", { type: "pageview" });
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://elsewhere.example");
    expect(((await response.json()) as { error: { field: string } }).error.field).toBe("header.origin");
  });
});
