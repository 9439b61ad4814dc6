/**
 * The tracking ingest on both engines: visits built from events (numbering, entry utm,
 * pageviews), resent events stored once, identities linked to leads, the rollups the
 * metrics read, and the log replayed exactly once after a restart.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshVisitRollup } from "../src/derive/visit-rollup.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { IngestLog } from "../src/server/collect/log.js";
import type { LoggedEvent } from "../src/server/collect/tracking-schema.js";
import { Writer } from "../src/server/collect/writer.js";
import { createLogger } from "../src/server/logger.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const logger = createLogger((process.env.VERITY_TEST_LOG as "error" | undefined) ?? "silent");
const pad = (s: string) => s.padEnd(16, "x");

function event(id: string, visitor: string, visit: string, extra: Partial<LoggedEvent> = {}): LoggedEvent {
  return {
    id: pad(id),
    type: "pageview",
    visitor: pad(visitor),
    visit: pad(visit),
    url: `https://example.com/${id}`,
    referrer: "",
    utm: {},
    ...extra,
  };
}

async function appendAll(log: IngestLog, records: { w: string; at: string; e: LoggedEvent[] }[]): Promise<void> {
  for (const r of records) await log.append({ w: r.w, s: "site", at: r.at, e: r.e });
}

async function visitsOf(store: Store, w: string) {
  return store.query<{
    visit_id: string;
    visitor_id: string;
    pageviews: number;
    visit_number: number;
    seconds_since_previous: number | null;
    utm_source: string | null;
    referrer: string | null;
    landing_url: string;
    started_at: string;
    converted_lead_id: string | null;
  }>(
    sql`SELECT visit_id, visitor_id, pageviews, visit_number, seconds_since_previous, utm_source, referrer, landing_url,
          started_at, converted_lead_id
        FROM visits WHERE workspace_id = ${w} ORDER BY visitor_id, visit_number`,
  );
}

/** The rollups tracking maintained by adding to them equal a rebuild from the visits. */
async function expectRollupsAsRebuilt(store: Store, w: string): Promise<void> {
  const snapshot = async () => ({
    visitors: await store.query(
      sql`SELECT month, visitor_id, visits, last_start, last_number, converted FROM visitor_months
          WHERE workspace_id = ${w} ORDER BY month, visitor_id`,
    ),
    visits: await store.query(
      sql`SELECT month, visit_number, days_since_previous, sum(visits) AS visits, sum(pageviews) AS pageviews
          FROM visit_months WHERE workspace_id = ${w}
          GROUP BY month, visit_number, days_since_previous ORDER BY month, visit_number, days_since_previous`,
    ),
    sources: await store.query(
      sql`SELECT month, utm_source, utm_medium, referrer_host, sum(visits) AS visits,
            sum(converted_visits) AS converted_visits
          FROM visit_source_months WHERE workspace_id = ${w}
          GROUP BY month, utm_source, utm_medium, referrer_host
          ORDER BY month, utm_source, utm_medium, referrer_host`,
    ),
  });
  const maintained = await snapshot();
  expect(maintained.visitors.length).toBeGreaterThan(0);
  await store.transaction(() => refreshVisitRollup(store, w));
  expect(await snapshot()).toEqual(maintained);
}

describe.each(engines())("tracking ingest on %s", (engine) => {
  let db: TestStore;
  let dir: string;
  beforeAll(async () => {
    db = await openTestStore(engine);
    dir = await mkdtemp(join(tmpdir(), "verity-ingest-"));
    await ensureWorkspace(db.store, "a");
    await ensureWorkspace(db.store, "b");
  });
  afterAll(async () => {
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("builds visits from events, numbers a visitor's visits and keeps the entry's utm", async () => {
    const { store } = db;
    const { log } = await IngestLog.open(join(dir, "visits"));
    const writer = await Writer.start(store, log, logger);
    const entry = { utm: { source: "linkedin", medium: "social" }, referrer: "https://www.linkedin.com/" };
    await appendAll(log, [
      { w: "a", at: "2026-03-01T10:00:00.000Z", e: [event("e1", "ann", "v1", entry)] },
      { w: "a", at: "2026-03-01T10:05:00.000Z", e: [event("e2", "ann", "v1", entry), event("e3", "bob", "w1")] },
    ]);
    await writer.drain();
    // Next batch: a browser resends e2 (it must not count again); Ann comes back two days later.
    await appendAll(log, [
      { w: "a", at: "2026-03-01T10:06:00.000Z", e: [event("e2", "ann", "v1", entry)] },
      { w: "a", at: "2026-03-03T09:00:00.000Z", e: [event("e4", "ann", "v2")] },
      { w: "b", at: "2026-03-03T09:00:00.000Z", e: [event("e5", "ann", "v9")] },
    ]);
    await writer.drain();
    // A tab of Ann's first visit, left open, sends one more page view into that visit (no
    // longer her last one).
    await appendAll(log, [{ w: "a", at: "2026-03-03T09:10:00.000Z", e: [event("e6", "ann", "v1")] }]);
    await writer.stop();
    await log.close();

    const visits = await visitsOf(store, "a");
    expect(
      visits.map((v) => [v.visit_id, v.pageviews, v.visit_number, v.seconds_since_previous, v.utm_source]),
    ).toEqual([
      [`${pad("ann")}.${pad("v1")}`, 3, 1, null, "linkedin"],
      [`${pad("ann")}.${pad("v2")}`, 1, 2, 2 * 86400 - 3600, null],
      [`${pad("bob")}.${pad("w1")}`, 1, 1, null, null],
    ]);
    expect(visits[0]?.referrer).toBe("https://www.linkedin.com/");
    expect(visits[0]?.landing_url).toBe("https://example.com/e1");
    expect(visits[0]?.started_at).toBe("2026-03-01T10:00:00.000Z");
    const [events] = await store.query<{ n: number; distinct_ids: number }>(
      sql`SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_ids FROM tracked_events WHERE workspace_id = 'a'`,
    );
    expect(events).toEqual({ n: 5, distinct_ids: 5 });
    // Workspace b got its own event only.
    expect((await visitsOf(store, "b")).map((v) => v.visit_number)).toEqual([1]);
    // The rollups the engagement metric reads are current after drain.
    const rollup = await store.query<{ visitor_id: string; visits: number; last_number: number }>(
      sql`SELECT visitor_id, visits, last_number FROM visitor_months WHERE workspace_id = 'a' ORDER BY visitor_id`,
    );
    expect(rollup).toEqual([
      { visitor_id: pad("ann"), visits: 2, last_number: 2 },
      { visitor_id: pad("bob"), visits: 1, last_number: 1 },
    ]);
    const months = await store.query<{
      visit_number: number;
      days_since_previous: number | null;
      visits: number;
      pageviews: number;
    }>(
      sql`SELECT visit_number, days_since_previous, visits, pageviews FROM visit_months WHERE workspace_id = 'a'
          ORDER BY visit_number`,
    );
    expect(months).toEqual([
      { visit_number: 1, days_since_previous: null, visits: 2, pageviews: 4 },
      { visit_number: 2, days_since_previous: 1, visits: 1, pageviews: 1 },
    ]);
    await expectRollupsAsRebuilt(store, "a");
    await expectRollupsAsRebuilt(store, "b");
  });

  it("links the visit where a visitor gave an email to the lead with that contact, whichever arrives first", async () => {
    const { store } = db;
    const { log } = await IngestLog.open(join(dir, "identify"));
    const writer = await Writer.start(store, log, logger);
    const { createHash } = await import("node:crypto");
    const hash = (email: string) => createHash("sha256").update(email).digest("hex");
    await store.execute(sql`INSERT INTO pipelines (workspace_id, id, source_system, name) VALUES ('a', 'p', 't', 'P')`);
    const lead = (id: string, contact: string) =>
      sql`INSERT INTO leads (workspace_id, id, source_system, external_id, pipeline_id, status, created_at, contact, contact_hash)
          VALUES ('a', ${id}, 't', ${id}, 'p', 'open', CAST('2026-04-01 12:00:00' AS TIMESTAMP), ${contact}, ${hash(contact)})`;
    // The lead exists before the visitor identifies.
    await store.execute(lead("L1", "ada@example.com"));
    await appendAll(log, [
      {
        w: "a",
        at: "2026-04-01T11:00:00.000Z",
        e: [
          event("i1", "cyd", "c1"),
          event("i2", "cyd", "c1", { type: "form", emailHash: hash("ada@example.com"), form: "demo" }),
          event("i3", "dan", "d1", { type: "identify", emailHash: hash("eve@example.com") }),
        ],
      },
    ]);
    await writer.drain();
    let visits = await visitsOf(store, "a");
    expect(visits.find((v) => v.visitor_id === pad("cyd"))?.converted_lead_id).toBe("L1");
    expect(visits.find((v) => v.visitor_id === pad("dan"))?.converted_lead_id).toBeNull();
    // A form event is not a pageview.
    expect(visits.find((v) => v.visitor_id === pad("cyd"))?.pageviews).toBe(1);
    expect(visits.find((v) => v.visitor_id === pad("dan"))?.pageviews).toBe(0);

    // Eve's lead arrives later from the CRM: the data routes link it then.
    await store.execute(lead("L2", "eve@example.com"));
    const { linkIdentifiedVisits } = await import("../src/derive/visit-leads.js");
    const linked = await store.transaction(() => linkIdentifiedVisits(store, "a"));
    expect(linked.linked).toBe(1);
    // Where the write's changes to visits begin: the linked visit's start.
    const [visit] = await store.query<{ started_at: string }>(
      sql`SELECT started_at FROM visits WHERE workspace_id = ${"a"} AND converted_lead_id IS NOT NULL`,
    );
    expect(linked.first).toBe(visit?.started_at);
    expect(await store.transaction(() => linkIdentifiedVisits(store, "a"))).toEqual({ linked: 0, first: null });
    await expectRollupsAsRebuilt(store, "a");
    visits = await visitsOf(store, "a");
    expect(visits.find((v) => v.visitor_id === pad("dan"))?.converted_lead_id).toBe("L2");
    const identities = await store.query<{ visitor_id: string; email_hash: string }>(
      sql`SELECT visitor_id, email_hash FROM visitor_identities WHERE workspace_id = 'a' ORDER BY visitor_id`,
    );
    expect(identities).toEqual([
      { visitor_id: pad("cyd"), email_hash: hash("ada@example.com") },
      { visitor_id: pad("dan"), email_hash: hash("eve@example.com") },
    ]);
    await writer.stop();
    await log.close();
  });

  it("replays after a restart exactly the records the engine had not applied", async () => {
    const { store } = db;
    const logDir = join(dir, "replay");
    await ensureWorkspace(store, "r");
    // Records written while no writer ran (the server died before applying them).
    {
      const { log } = await IngestLog.open(logDir);
      await appendAll(log, [
        { w: "r", at: "2026-05-01T10:00:00.000Z", e: [event("r1", "fay", "f1")] },
        { w: "r", at: "2026-05-01T10:01:00.000Z", e: [event("r2", "fay", "f1")] },
      ]);
      await log.close();
    }
    // First restart applies both.
    {
      const { log } = await IngestLog.open(logDir);
      expect(log.lastSeq).toBe(2);
      const writer = await Writer.start(store, log, logger);
      await writer.drain();
      expect(writer.status().appliedSeq).toBe(2);
      await log.append({ w: "r", s: "site", at: "2026-05-01T10:02:00.000Z", e: [event("r3", "fay", "f1")] });
      await writer.stop();
      await log.close();
    }
    // Second restart: all three are in the log file still; none is applied again.
    {
      const { log } = await IngestLog.open(logDir);
      expect(log.lastSeq).toBe(3);
      const writer = await Writer.start(store, log, logger);
      await writer.drain();
      expect(writer.status()).toMatchObject({ appliedSeq: 3, durableSeq: 3, pendingEvents: 0 });
      await writer.stop();
      await log.close();
    }
    const visits = await visitsOf(store, "r");
    expect(visits.map((v) => [v.visit_number, v.pageviews])).toEqual([[1, 3]]);
    await expectRollupsAsRebuilt(store, "r");
  });
});
