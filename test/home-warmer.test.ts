/**
 * The dashboard home prepared after a write (src/server/home-warmer.ts). After a push that
 * changes any period, into a workspace whose check someone asked for, the server computes the
 * home (the check of the default period and the data health) in the background: the home's
 * own requests then run no statement of their own, and answer what a fresh computation of the
 * data after the write answers. A workspace nobody looked at is not prepared. Both engines,
 * on the simulated company.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createKey } from "../src/accounts/keys.js";
import { doctor } from "../src/insights/doctor.js";
import { checkFor, type VanityCheck } from "../src/insights/vanity-check.js";
import { readCacheStats } from "../src/metrics/read-cache.js";
import { requestOf } from "../src/metrics/request.js";
import { createServer, type VerityServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { withEnv } from "./support/env.js";
import {
  loadSimulated,
  type SimulatedCompany,
  simulatedCompany,
  SIMULATED_WORKSPACE as W,
} from "./support/simulated-company.js";
import type { TestStore } from "./support/stores.js";

let company: SimulatedCompany;
beforeAll(async () => {
  company = await simulatedCompany();
});
afterAll(async () => {
  await company?.cleanup();
});

/** The same answers computed from the store itself, nothing kept. */
async function fresh(store: Store, period?: string) {
  return withEnv("VERITY_READ_CACHE", "off", async () => ({
    check: await checkFor(store, requestOf(W, period ? { period } : {})),
    doctor: await doctor(store, W),
  }));
}

describe.each(engines())("the home prepared after a write on %s", (engine) => {
  let db: TestStore;
  let store: Store;
  let dir: string;
  let server: VerityServer;
  let key: string;
  let lead: { pipeline_id: string; stage_id: string; owner_id: string; name: string };

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await server.app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    });
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<unknown>;
  };
  /** A rep renamed and a lead created in the default period (2026-Q3): every period's answers change. */
  let pushes = 0;
  const write = () => {
    pushes++;
    return call("/api/data", {
      method: "POST",
      body: JSON.stringify({
        reps: [{ id: lead.owner_id, name: `${lead.name} (${pushes})` }],
        leads: [
          {
            id: `warm-${pushes}`,
            pipeline_id: lead.pipeline_id,
            stage_id: lead.stage_id,
            status: "open",
            owner_id: lead.owner_id,
            created_at: "2026-08-15T10:00:00Z",
          },
        ],
      }),
    });
  };
  /** The home's two reads, and how many statements they ran. */
  const home = async (period?: string) => {
    const before = readCacheStats(store).misses;
    const [check, health] = await Promise.all([
      call(`/api/check${period ? `?period=${period}` : ""}`),
      call("/api/doctor"),
    ]);
    return { check, doctor: health, ran: readCacheStats(store).misses - before };
  };

  beforeAll(async () => {
    db = await loadSimulated(engine, company);
    store = db.store;
    dir = await mkdtemp(join(tmpdir(), "verity-home-warmer-"));
    key = (await createKey(store, { workspace: W, name: "home", scopes: ["data:write", "metrics:read"] })).secret;
    server = await createServer({ store, dataDir: dir, logLevel: "silent" });
    const [row] = await store.query<{ pipeline_id: string; stage_id: string; owner_id: string; name: string }>(
      sql`SELECT l.pipeline_id, l.stage_id, l.owner_id, r.name FROM leads AS l
          JOIN reps AS r ON r.workspace_id = l.workspace_id AND r.id = l.owner_id
          WHERE l.workspace_id = ${W} AND l.status = 'open' ORDER BY l.id LIMIT 1`,
    );
    if (!row) throw new Error("the simulated company has no open lead with an owner");
    lead = row;
  });
  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a workspace nobody looked at is not prepared: its first view runs the statements", async () => {
    await write();
    await server.ctx.warmer.idle();
    expect(server.ctx.warmer.prepared).toBe(0);
    const first = await home();
    expect(first.ran).toBeGreaterThan(0);
    expect(first.check).toEqual(JSON.parse(JSON.stringify((await fresh(store)).check)));
  });

  test("after a write, the home of a workspace someone looks at answers without a statement, and sees the write", async () => {
    const seen = await home();
    await write();
    await server.ctx.warmer.idle();
    expect(server.ctx.warmer.prepared).toBe(1);
    const after = await home();
    expect(after.ran).toBe(0);
    const now = JSON.parse(JSON.stringify(await fresh(store)));
    expect(after.check).toEqual(now.check);
    expect(after.doctor).toEqual(now.doctor);
    // The write is in it: the period's new leads (the vanity count) rose by the one pushed.
    const newLeads = (check: VanityCheck) => check.findings.find((f) => f.vanity === "new-leads")?.vanityFigure.value;
    expect(newLeads(after.check as VanityCheck)).toBe((newLeads(seen.check as VanityCheck) ?? Number.NaN) + 1);
    expect(after.check).not.toEqual(seen.check);
  });

  test("writes during a preparation queue one more, and the home as last asked then sees the last of them", async () => {
    // Asked for an earlier period (filters in the dashboard's address): that is what is prepared.
    await home("2026-Q2");
    const prepared = server.ctx.warmer.prepared;
    await Promise.all([write(), write(), write()]);
    await server.ctx.warmer.idle();
    // Each write overtaken by the next gives up; the last write's preparation finishes.
    expect(server.ctx.warmer.prepared - prepared).toBeGreaterThanOrEqual(1);
    expect(server.ctx.warmer.prepared - prepared).toBeLessThanOrEqual(3);
    const after = await home("2026-Q2");
    expect(after.ran).toBe(0);
    expect(after.check).toEqual(JSON.parse(JSON.stringify((await fresh(store, "2026-Q2")).check)));
    const [count] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM leads WHERE workspace_id = ${W} AND id LIKE 'warm-%'`,
    );
    expect(Number(count?.n)).toBe(pushes);
  });

  test("closing the server stops a running preparation and waits for it", async () => {
    await home();
    let closed = false;
    const during: string[] = [];
    const after: string[] = [];
    const query = store.query;
    store.query = ((statement) => {
      (closed ? after : during).push(statement.compile().text);
      return query.call(store, statement);
    }) as typeof query;
    try {
      // The preparation has begun when the push answers (written() starts it).
      await write();
      await server.close();
      closed = true;
      expect(during.length).toBeGreaterThan(0);
      // Anything the preparation still ran would come now, before the store is closed.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(after).toEqual([]);
    } finally {
      store.query = query;
    }
  });
});
