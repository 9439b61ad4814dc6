/**
 * Pairs of the vanity check kept across tracking batches that began after their period
 * (src/metrics/read-cache.ts, TrackingReads; migration 020). The promise each pair makes, that
 * its statements read only visits of its period and before, is held here on both engines
 * against the simulated company: after batches of visits, identities and lead links from
 * after the period the kept pairs are served without a statement and equal a fresh
 * computation; a batch that reaches into the period (a replayed old event, a pageview of a
 * visit that started in it) is measured again and seen.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { measurePairs, PAIRS } from "../src/insights/vanity-check.js";
import { resolveRequest } from "../src/metrics/context.js";
import { applyTrackingRecords } from "../src/server/collect/tracking.js";
import type { LoggedEvent, TrackingRecord } from "../src/server/collect/tracking-schema.js";
import { readVersions, tokenBefore, touchData } from "../src/store/data-versions.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { engines } from "./support/databases.js";
import { freshPairs, type Measures, servedPairs } from "./support/pairs.js";
import {
  loadSimulated,
  type SimulatedCompany,
  simulatedCompany,
  SIMULATED_WORKSPACE as W,
} from "./support/simulated-company.js";
import type { TestStore } from "./support/stores.js";

/** The simulated company's data runs to 2026-09-30; the period ends on 2026-07-01. */
const PERIOD = "2026-Q2";
const AFTER = "2026-08-15T10:00:00.000Z";
const INSIDE = "2026-05-20T10:00:00.000Z";

const TRACKING_TABLES = /\b(visits|visitor_months|visit_months|visit_source_months|visitor_identities)\b/;

let company: SimulatedCompany;
beforeAll(async () => {
  company = await simulatedCompany();
});
afterAll(async () => {
  await company?.cleanup();
});

describe.each(engines())("pairs kept across later tracking on %s", (engine) => {
  let db: TestStore;
  let store: Store;
  let q = 0;
  beforeAll(async () => {
    db = await loadSimulated(engine, company);
    store = db.store;
  });
  afterAll(async () => {
    await db?.dispose();
  });

  const served = () => servedPairs(store, { workspace: W, period: PERIOD });
  const fresh = () => freshPairs(store, { workspace: W, period: PERIOD });
  const batch = async (at: string, events: LoggedEvent[]) => {
    const record: TrackingRecord = { q: ++q, w: W, s: "site", at, e: events };
    await store.transaction(() => applyTrackingRecords(store, [record]));
  };
  const pageview = (id: string, visitor: string, visit: string): LoggedEvent => ({
    id: `event-${id}-0000000000`,
    type: "pageview",
    visitor: `visitor-${visitor}-000000000`,
    visit: `visit-${visit}-0000000000`,
    url: "https://example.com/pricing",
    referrer: "https://www.linkedin.com/feed/",
    utm: { source: "linkedin", medium: "social" },
  });
  const visitsOf = (pairs: Measures) => pairs[PAIRS.findIndex((p) => p.vanity === "visits")]?.vanity.value;

  test("a batch from after the period leaves its pairs in memory, equal to a fresh computation", async () => {
    // A visitor of the period (a visit replayed into it before the pairs are measured), to come back later.
    await batch(INSIDE, [pageview("w1", "was", "w1")]);
    const first = await served();
    expect(first.ran.some((text) => TRACKING_TABLES.test(text))).toBe(true);
    expect(first.pairs).toEqual(await fresh());
    expect(visitsOf(first.pairs)).toBeGreaterThan(0);

    // A lead created after the period whose contact then identifies on the website: the
    // identity links that later visit to the lead.
    const [later] = await store.query<{ contact: string }>(
      sql`SELECT contact FROM leads WHERE workspace_id = ${W} AND contact LIKE '%@%'
            AND created_at >= CAST(${"2026-08-14 00:00:00"} AS TIMESTAMP) ORDER BY created_at, id LIMIT 1`,
    );
    expect(later?.contact).toContain("@");
    const emailHash = createHash("sha256")
      .update((later?.contact ?? "").trim().toLowerCase())
      .digest("hex");
    await batch(AFTER, [
      pageview("a1", "new", "a1"),
      pageview("a2", "back", "a2"),
      { ...pageview("a3", "back", "a2"), type: "identify", emailHash },
      // The period's visitor comes back: a second visit, numbered after the first.
      pageview("a5", "was", "a5"),
    ]);
    await batch(new Date().toISOString(), [pageview("a4", "back", "a4")]);
    const linked = await store.query(
      sql`SELECT 1 AS x FROM visits WHERE workspace_id = ${W} AND visit_id = ${"visitor-back-000000000.visit-a2-0000000000"}
            AND converted_lead_id IS NOT NULL`,
    );
    expect(linked).toHaveLength(1);
    const [second] = await store.query<{ n: number }>(
      sql`SELECT visit_number AS n FROM visits WHERE workspace_id = ${W} AND visit_id = ${"visitor-was-000000000.visit-a5-0000000000"}`,
    );
    expect(Number(second?.n)).toBe(2);

    const after = await served();
    expect(after.ran.filter((text) => TRACKING_TABLES.test(text))).toEqual([]);
    expect(after.pairs).toEqual(first.pairs);
    expect(after.pairs).toEqual(await fresh());
  });

  test("a batch that reaches into the period is measured again and seen", async () => {
    const before = await served();
    // A replayed event from inside the period: a new visit there.
    await batch(INSIDE, [pageview("i1", "old", "i1")]);
    const replayed = await served();
    expect(replayed.ran.some((text) => TRACKING_TABLES.test(text))).toBe(true);
    expect(visitsOf(replayed.pairs)).toBe((visitsOf(before.pairs) ?? 0) + 1);
    expect(replayed.pairs).toEqual(await fresh());

    // Today, another pageview of that visit (it started in the period, and is the visitor's last): measured again.
    await batch(new Date().toISOString(), [pageview("i2", "old", "i1")]);
    const again = await served();
    expect(again.ran.some((text) => TRACKING_TABLES.test(text))).toBe(true);
    expect(again.pairs).toEqual(await fresh());

    // The visitor comes back today (its last visit now today's), then the period's visit gets
    // another pageview: an earlier visit, found by looking it up. Measured again.
    await batch(new Date().toISOString(), [pageview("i3", "old", "i3")]);
    await served();
    await batch(new Date().toISOString(), [pageview("i4", "old", "i1")]);
    const earlier = await served();
    expect(earlier.ran.some((text) => TRACKING_TABLES.test(text))).toBe(true);
    expect(earlier.pairs).toEqual(await fresh());
  });

  test("a batch into the period committed while a request is under way is not kept under the new tokens", async () => {
    const before = await served();
    // A request reads the tokens (resolveRequest) ...
    const request = await resolveRequest(store, { workspace: W, period: PERIOD });
    // ... the writer commits a new visit inside the period ...
    await batch(INSIDE, [pageview("r1", "race", "r1")]);
    // ... and the request measures the pairs (from the data of its tokens, or newer).
    await measurePairs(request.current);
    const later = await served();
    expect(visitsOf(later.pairs)).toBe((visitsOf(before.pairs) ?? 0) + 1);
    expect(later.pairs).toEqual(await fresh());
  });

  test("an import may change any time: every pair reading visits is measured again", async () => {
    await served();
    const [row] = await store.query<{ month: string }>(
      sql`SELECT month FROM tracking_since WHERE workspace_id = ${W} AND month = ''`,
    );
    // The import that loaded the company left the row for 'any time'.
    expect(row?.month).toBe("");
    await store.transaction(() => touchData(store, W, ["data", "tracking"]));
    const after = await served();
    expect(after.ran.some((text) => TRACKING_TABLES.test(text))).toBe(true);
  });
});

describe("the tracking token of writes before a time", () => {
  /** The month tokens as readVersions reads them, from a workspace row answering `rows`. */
  const since = async (rows: { month: string; version: string }[]) => {
    const joined = rows.map((r) => `${r.month}=${r.version}`).join(",");
    const row = {
      data_version: "d",
      tracking_version: "t",
      data_since: null,
      tracking_since: rows.length > 0 ? joined : null,
    };
    const store = { query: async () => [row] } as unknown as Store;
    return (await readVersions(store, "w"))?.since.tracking ?? [];
  };
  const end = new Date("2026-07-01T00:00:00.000Z");

  test("a write that began in the month the period ends at, or later, leaves the token", async () => {
    const base = await since([{ month: "", version: "import" }]);
    const later = await since([
      { month: "", version: "import" },
      { month: "2026-07", version: "b1" },
      { month: "2026-12", version: "b2" },
    ]);
    expect(tokenBefore(later, end)).toBe(tokenBefore(base, end));
  });

  test("a write that began before the end, an import, or an unreadable month changes it", async () => {
    const base = tokenBefore(await since([{ month: "", version: "import" }]), end);
    for (const rows of [
      [
        { month: "", version: "import" },
        { month: "2026-06", version: "b1" },
      ],
      [{ month: "", version: "import-2" }],
      [
        { month: "", version: "import" },
        { month: "garbled", version: "b1" },
      ],
    ]) {
      expect(tokenBefore(await since(rows), end)).not.toBe(base);
    }
    // A period ending mid-month: a write from the start of that month reaches into it.
    const midMonth = new Date("2026-06-15T00:00:00.000Z");
    const june = await since([{ month: "2026-06", version: "b1" }]);
    expect(tokenBefore(june, midMonth)).not.toBe(tokenBefore(await since([]), midMonth));
  });
});
