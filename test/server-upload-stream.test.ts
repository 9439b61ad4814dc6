/**
 * An upload sent chunked (no Content-Length, as `curl -T -` or a streaming client sends it)
 * streams to disk and imports like any other; its bytes are counted as they arrive instead
 * of being held in memory first.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../src/accounts/keys.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { createServer, type VerityServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const FILE = join(import.meta.dirname, "fixtures", "crm", "hubspot", "hubspot-crm-exports-all-deals-2024-03-20.csv");

describe("chunked upload", () => {
  let db: TestStore;
  let dir: string;
  let server: VerityServer;
  let key: string;
  beforeAll(async () => {
    db = await openTestStore("duckdb");
    dir = await mkdtemp(join(tmpdir(), "verity-upload-"));
    await ensureWorkspace(db.store, "w");
    key = (await createKey(db.store, { workspace: "w", name: "up", scopes: ["data:write"] })).secret;
    server = await createServer({ store: db.store, dataDir: dir, logLevel: "silent" });
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("gives the importers' advice as query parameters", async () => {
    const response = await server.app.request("/api/import?format=hubspot&filename=deals.csv", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: await readFile(FILE),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toContain("currency=EUR");
    expect(error.message).not.toContain("--currency");
  });

  it("imports a body sent in chunks without a length", async () => {
    const bytes = await readFile(FILE);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.subarray(i, i + 1000));
        controller.close();
      },
    });
    const response = await server.app.request("/api/import?format=hubspot&filename=deals.csv&currency=EUR", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "transfer-encoding": "chunked" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status, await response.clone().text()).toBe(200);
    const summary = (await response.json()) as { tables: { leads?: { created: number } } };
    const [leads] = await db.store.query<{ n: number }>(sql`SELECT count(*) AS n FROM leads WHERE workspace_id = 'w'`);
    expect(summary.tables.leads?.created).toBe(leads?.n);
    expect(leads?.n).toBeGreaterThan(0);
  });
});
