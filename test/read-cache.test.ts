/**
 * Results kept per data version (src/metrics/read-cache.ts) are never stale: on each engine, a
 * read after a write through the API's data push, an import and a tracking batch sees the
 * write, while a repeated read is answered from memory and a tracking batch leaves the sales
 * statements in memory. Also: every table of the schema is classified (a new table must say
 * which writes change it), and rows handed out cannot be changed by a caller.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dataRangeOf } from "../src/metrics/context.js";
import {
  cachedReads,
  gate,
  primeReads,
  READS_AT_ONCE,
  readCacheStats,
  rememberByReads,
} from "../src/metrics/read-cache.js";
import { METRICS } from "../src/metrics/registry.js";
import { runReport } from "../src/metrics/report-envelope.js";
import { type DataGroup, groupsRead, TABLE_GROUPS, touchData, UNVERSIONED_TABLES } from "../src/store/data-versions.js";
import { raw, type Sql, sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { BASE, lead } from "./support/metric-fixtures.js";
import { statementsRun } from "./support/pairs.js";
import {
  addPrincipals,
  importFixture,
  type Principals,
  startTestServer,
  type TestServer,
} from "./support/server-harness.js";
import { openTestStore } from "./support/stores.js";

const W = "cache";
const now = new Date();
const month = (offset: number) => {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 7);
};
/** Last month: whole, so its counts are comparable; this month: where tracked visits land. */
const LAST = month(-1);
const THIS = month(0);

const wonLead = (id: string) =>
  lead({
    id,
    status: "won",
    created_at: `${LAST}-03T09:00:00Z`,
    qualified_at: `${LAST}-04T09:00:00Z`,
    closed_at: `${LAST}-20T09:00:00Z`,
    value: 100,
    currency: "EUR",
    stage_id: "prop",
  });

type Body = {
  vanity: { id: string; value: number | null }[];
};
const vanity = (body: Body, id: string) => body.vanity.find((v) => v.id === id)?.value;

describe.each(engines())("read cache on %s", (engine) => {
  let t: TestServer;
  let p: Principals;
  beforeAll(async () => {
    t = await startTestServer(engine, async (store) => {
      await importFixture(store, W, {
        ...BASE,
        leads: [wonLead("won-1"), lead({ id: "open-1", created_at: `${LAST}-05T09:00:00Z`, stage_id: "new" })],
        visits: [{ visit_id: "v-old", visitor_id: "old", started_at: `${THIS}-01T08:00:00Z`, pageviews: 1 }],
      });
      p = await addPrincipals(store, W);
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const metric = async (id: string, period: string): Promise<Body> => {
    const res = await t.request(`/api/metrics/${id}`, { key: p.keys.all.secret, query: { period } });
    expect(res.status, res.text).toBe(200);
    return res.body as Body;
  };

  test("a repeated read is answered from memory; a push through /api/data is seen at once", async () => {
    const first = await metric("velocity", LAST);
    expect(vanity(first, "total-sales")).toBe(100);
    const before = readCacheStats(t.store);
    expect(await metric("velocity", LAST)).toEqual(first);
    const after = readCacheStats(t.store);
    expect(after.misses).toBe(before.misses);
    expect(after.hits).toBeGreaterThan(before.hits);

    const push = await t.request("/api/data", { key: p.keys.all.secret, body: { leads: [wonLead("won-2")] } });
    expect(push.status, push.text).toBe(200);
    expect(vanity(await metric("velocity", LAST), "total-sales")).toBe(200);
  });

  test("an import is seen at once", async () => {
    expect(vanity(await metric("velocity", LAST), "total-sales")).toBe(200);
    await importFixture(t.store, W, { leads: [wonLead("won-3")] });
    expect(vanity(await metric("velocity", LAST), "total-sales")).toBe(300);
  });

  test("a tracking batch is seen at once, and leaves the sales figures in memory", async () => {
    const visitsBefore = vanity(await metric("engagement", THIS), "visits");
    expect(visitsBefore).toBe(1);
    const sales = await metric("velocity", LAST);
    const res = await t.request("/api/event", {
      headers: { origin: `https://${p.site.domains[0]}`, "content-type": "text/plain" },
      body: JSON.stringify({
        site: p.site.publicKey,
        events: [
          {
            id: "event0000000000001",
            type: "pageview",
            visitor: "visitor00000000001",
            visit: "visit0000000000001",
            url: `https://${p.site.domains[0]}/pricing`,
          },
        ],
      }),
    });
    expect(res.status, res.text).toBe(202);
    await t.server.drain();
    expect(vanity(await metric("engagement", THIS), "visits")).toBe(2);
    // The sales statements ran against the same data token: none runs again.
    const before = readCacheStats(t.store);
    expect(await metric("velocity", LAST)).toEqual(sales);
    expect(readCacheStats(t.store).misses).toBe(before.misses);
  });

  test("the check's kept periods see a tracking batch and a push at once", async () => {
    type Trend = { pairs: { vanity: string; vanityValues: (number | null)[] }[] };
    const trend = async () => {
      const res = await t.request("/api/check/trend", { key: p.keys.all.secret, query: { period: THIS, periods: 2 } });
      expect(res.status, res.text).toBe(200);
      const pairs = (res.body as Trend).pairs;
      const values = (vanity: string) => pairs.find((pair) => pair.vanity === vanity)?.vanityValues;
      // This month's: the current period is always measured (the earlier one starts before the leads).
      return { visits: values("visits")?.[1], newLeads: values("new-leads")?.[1] };
    };
    const before = await trend();
    expect(before).toEqual({ visits: 2, newLeads: 0 });
    const res = await t.request("/api/event", {
      headers: { origin: `https://${p.site.domains[0]}`, "content-type": "text/plain" },
      body: JSON.stringify({
        site: p.site.publicKey,
        events: [
          {
            id: "event0000000000002",
            type: "pageview",
            visitor: "visitor00000000002",
            visit: "visit0000000000002",
            url: `https://${p.site.domains[0]}/`,
          },
        ],
      }),
    });
    expect(res.status, res.text).toBe(202);
    await t.server.drain();
    expect(await trend()).toEqual({ visits: 3, newLeads: 0 });
    const push = await t.request("/api/data", {
      key: p.keys.all.secret,
      body: { leads: [lead({ id: "open-2", created_at: `${THIS}-01T00:00:01Z`, stage_id: "new" })] },
    });
    expect(push.status, push.text).toBe(200);
    expect(await trend()).toEqual({ visits: 3, newLeads: 1 });
  });

  test("a value kept by what it read outlives a write to other data, not one to its own", async () => {
    let runs = 0;
    const visitsOnly = async () => {
      const view = await cachedReads(t.store, W);
      return rememberByReads(view, "test: visits alone", async (reads) => {
        runs++;
        const [row] = await reads.query<{ n: number }>(sql`SELECT count(*) AS n FROM visits WHERE workspace_id = ${W}`);
        return Number(row?.n);
      });
    };
    const first = await visitsOnly();
    expect(first).toBeGreaterThan(0);
    expect(await visitsOnly()).toBe(first);
    expect(runs).toBe(1);
    await t.store.transaction(() => touchData(t.store, W, ["data"]));
    expect(await visitsOnly()).toBe(first);
    expect(runs).toBe(1);
    await t.store.transaction(() => touchData(t.store, W, ["tracking"]));
    expect(await visitsOnly()).toBe(first);
    expect(runs).toBe(2);
  });

  test("kept values hold at most 400,000 rows between them: a large one pushes the least recent out", async () => {
    const runs = new Map<string, number>();
    const big = async (name: string, rows: number) => {
      const view = await cachedReads(t.store, W);
      return rememberByReads(
        view,
        `test: big ${name}`,
        async (reads) => {
          runs.set(name, (runs.get(name) ?? 0) + 1);
          const [row] = await reads.query<{ n: number }>(
            sql`SELECT count(*) AS n FROM leads WHERE workspace_id = ${W}`,
          );
          return { n: Number(row?.n), rows };
        },
        { rows: (value) => value.rows },
      );
    };
    await big("a", 250_000);
    await big("a", 250_000);
    expect(runs.get("a")).toBe(1);
    // 250,000 + 250,000 is over the budget: a goes.
    await big("b", 250_000);
    await big("b", 250_000);
    expect(runs.get("b")).toBe(1);
    await big("a", 250_000);
    expect(runs.get("a")).toBe(2);
    // Small values stay beside one large one.
    await big("c", 100_000);
    await big("a", 250_000);
    expect(runs.get("a")).toBe(2);
    // One value over the budget by itself is still kept, alone.
    await big("d", 500_000);
    await big("d", 500_000);
    expect(runs.get("d")).toBe(1);
    expect(readCacheStats(t.store).values).toBe(1);
  });

  test("the stalled list is one kept list whatever the options it does not read; k is another", async () => {
    const list = async (query: Record<string, string>) => {
      const res = await t.request("/api/stalled", { key: p.keys.all.secret, query: { period: LAST, ...query } });
      expect(res.status, res.text).toBe(200);
    };
    await list({});
    const before = readCacheStats(t.store);
    await list({ windowDays: "7" });
    await list({ windowDays: "90", topShare: "0.5" });
    expect(readCacheStats(t.store).values).toBe(before.values);
    await list({ k: "3" });
    expect(readCacheStats(t.store).values).toBe(before.values + 1);
  });

  test("a tracking batch asks again for the website data's range only, a CRM write for the CRM's", async () => {
    const range = async () => dataRangeOf(await cachedReads(t.store, W), W);
    const first = await range();
    expect(first.web).not.toBeNull();
    expect(first.sales).not.toBeNull();
    // What runs against the database again after a write (the view calls the store's query on a miss).
    // Which side's tables a statement reads: the CRM's, the website's (the visits and their rollup).
    const readsOf = (text: string) =>
      [
        ...new Set(
          (text.match(/\b(leads|stage_events|activities|activity_months|visits|visit_months)\b/g) ?? []).map((table) =>
            table.startsWith("visit") ? "website" : "crm",
          ),
        ),
      ].sort();
    const afterWrite = async (groups: DataGroup[]) => {
      await t.store.transaction(() => touchData(t.store, W, groups));
      const { value, ran } = await statementsRun(t.store, range);
      expect(value).toEqual(first);
      return ran.filter((text) => !text.includes("data_version")).map(readsOf);
    };
    // The visits' range ran again (their months from the rollup, then the two ends); the CRM's
    // came from memory.
    expect(await afterWrite(["tracking"])).toEqual([["website"], ["website"]]);
    // And a write of CRM data asks again for the CRM's range only (a push of leads): the
    // activities' months, then the range.
    expect(await afterWrite(["data"])).toEqual([["crm"], ["crm"]]);
  });

  test(`a request runs at most ${READS_AT_ONCE} statements at once, and still more than one`, async () => {
    // What the report asks of the store itself (its misses), counted while they run: all nine
    // metrics at once ask some thirty; unbounded, they held every connection of the pool.
    let running = 0;
    let most = 0;
    const query = t.store.query;
    t.store.query = (async (statement: Sql) => {
      running++;
      most = Math.max(most, running);
      try {
        return await query.call(t.store, statement);
      } finally {
        running--;
      }
    }) as typeof query;
    try {
      // A period nothing else here reads: every statement is a miss.
      const report = await runReport(t.store, METRICS, { workspace: W, period: month(-4), compare: "previous" });
      expect(report.metrics).toHaveLength(METRICS.length);
      expect(most).toBeLessThanOrEqual(READS_AT_ONCE);
      expect(most).toBeGreaterThan(1);
      // Values kept by what they read are computed through views of their own, in the request's
      // places too: two such values, each asking ten statements at once, still run four at most.
      most = 0;
      const view = await cachedReads(t.store, W);
      const tenAtOnce = (name: string) =>
        rememberByReads(view, `test: ${name}`, (reads) =>
          Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              reads.query(sql`SELECT count(*) + ${i} AS n FROM leads WHERE workspace_id = ${W} AND id <> ${name}`),
            ),
          ),
        );
      const [one, two] = await Promise.all([tenAtOnce("one"), tenAtOnce("two")]);
      expect([one.length, two.length]).toEqual([10, 10]);
      expect(most).toBe(READS_AT_ONCE);
    } finally {
      t.store.query = query;
    }
  });

  test("rows handed out are frozen: a caller cannot change what later reads get", async () => {
    const reads = await cachedReads(t.store, W);
    const rows = await reads.query<{ id: string }>(sql`SELECT id FROM leads WHERE workspace_id = ${W} ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual(["open-1", "open-2", "won-1", "won-2", "won-3"]);
    // The same rows again, from memory.
    expect(await reads.query(sql`SELECT id FROM leads WHERE workspace_id = ${W} ORDER BY id`)).toBe(rows);
    expect(() => {
      (rows[0] as { id: string }).id = "changed";
    }).toThrow(TypeError);
    expect(() => rows.pop()).toThrow(TypeError);
  });
});

describe("a gate", () => {
  test("never runs more works at once than its width, however their arrivals interleave", async () => {
    for (const width of [1, 2, READS_AT_ONCE]) {
      const through = gate(width);
      let running = 0;
      let most = 0;
      const work = async (ticks: number) => {
        running++;
        most = Math.max(most, running);
        for (let i = 0; i < ticks; i++) await Promise.resolve();
        running--;
        return ticks;
      };
      // Works arriving after 0-11 microtasks, each lasting 0-3: some arrive in the very turn a
      // place is handed from an ending work to a waiting one (freeing the place let both in).
      const done: Promise<number>[] = [];
      const arrive = async (delay: number, ticks: number) => {
        for (let i = 0; i < delay; i++) await Promise.resolve();
        done.push(through(() => work(ticks)));
      };
      const arrivals: Promise<void>[] = [];
      for (let delay = 0; delay < 12; delay++)
        for (let ticks = 0; ticks < 4; ticks++) arrivals.push(arrive(delay, ticks));
      await Promise.all(arrivals);
      expect((await Promise.all(done)).length).toBe(48);
      expect(most, `width ${width}`).toBeLessThanOrEqual(width);
      expect(most, `width ${width}`).toBeGreaterThan(width > 1 ? 1 : 0);
    }
  });
});

describe("what a statement reads", () => {
  test("every table of the schema is either versioned data or never kept", async () => {
    const db = await openTestStore("duckdb");
    try {
      const tables = await db.store.query<{ name: string }>(
        sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`,
      );
      const unclassified = tables
        .map((t) => t.name)
        .filter((name) => !TABLE_GROUPS.has(name) && !(UNVERSIONED_TABLES as readonly string[]).includes(name));
      expect(unclassified).toEqual([]);
    } finally {
      await db.dispose();
    }
  });

  test("the groups of a statement come from the tables it names; accounts and temporary tables are never kept", () => {
    expect(groupsRead("SELECT count(*) FROM leads l JOIN stage_events e ON e.lead_id = l.id")).toEqual(["data"]);
    expect(groupsRead("SELECT * FROM visits v JOIN leads l ON l.id = v.converted_lead_id")).toEqual([
      "data",
      "tracking",
    ]);
    expect(groupsRead("SELECT * FROM sessions s JOIN leads l ON true")).toBeNull();
    expect(groupsRead("SELECT * FROM verity_batch")).toBeNull();
    expect(groupsRead("SELECT 1")).toBeNull();
  });
});

// Statements read for several periods at once (src/metrics/across-periods.ts): one run gives
// each its rows, kept as if it had run, and a second request finds them under way.
describe.each(engines())("primed reads on %s", (engine) => {
  test("are read together in even runs, each kept as its own statement's rows, once", async () => {
    const t = await openTestStore(engine);
    try {
      await importFixture(t.store, "prime", { ...BASE, leads: [wonLead("won-1"), wonLead("won-2")] });
      const view = await cachedReads(t.store, "prime");
      const base = t.store.query.bind(t.store);
      const ran: string[] = [];
      t.store.query = (statement) => {
        ran.push(statement.compile().text);
        return base(statement);
      };
      const own = (i: number) =>
        sql`SELECT ${raw(String(i * 10))} AS i, count(*) AS n FROM leads WHERE workspace_id = ${"prime"}`;
      const together = (missing: readonly number[]) => {
        const rows = missing.map((index, position) => `(${position}, ${index * 10})`).join(", ");
        return sql`SELECT p.period_index, p.i, c.n FROM (VALUES ${raw(rows)}) AS p(period_index, i)
          CROSS JOIN (SELECT count(*) AS n FROM leads WHERE workspace_id = ${"prime"}) c`;
      };
      const statements = Array.from({ length: 9 }, (_, i) => own(i));
      // Kept already: not read again.
      await view.query(statements[4] as Sql);
      ran.length = 0;
      expect(primeReads(view, statements, together, { chunk: 4 })).toBe(8);
      // Eight in runs of at most four, even: two runs of four.
      expect(ran).toHaveLength(2);
      // A second request priming the same finds every one kept or under way.
      expect(primeReads(view, statements, together, { chunk: 4 })).toBe(0);
      const answers = await Promise.all(statements.map((s) => view.query(s)));
      expect(ran).toHaveLength(2);
      expect(answers).toEqual(await Promise.all(statements.map((s) => base(s))));
      expect(answers.map((rows) => rows.map((row) => Number(row.i)))).toEqual(statements.map((_, i) => [i * 10]));
      expect(answers.every((rows) => Number(rows[0]?.n) === 2)).toBe(true);
      // A run that fails gives way to each statement alone: the right rows, not the error.
      const broken = [own(30), own(31), own(32)];
      expect(
        primeReads(view, broken, () => sql`SELECT no_such_column FROM leads WHERE workspace_id = ${"prime"}`),
      ).toBe(3);
      expect(await Promise.all(broken.map((s) => view.query(s)))).toEqual(
        await Promise.all(broken.map((s) => base(s))),
      );
      // The failed run, then each of the three alone.
      expect(ran.slice(2)).toHaveLength(4);
      ran.length = 0;
      // Fewer missing than asked for: nothing is primed.
      const more = [own(20), own(21)];
      expect(primeReads(view, more, together, { atLeast: 3 })).toBe(0);
      expect(ran).toHaveLength(0);
    } finally {
      await t.dispose();
    }
  });
});
