import { resolveRequest } from "/work/main/src/metrics/context.js";
import { inPeriod, leadFacts } from "/work/main/src/metrics/sql-parts.js";
import { openStore } from "/work/main/src/store/open-store.js";
import { sql } from "/work/main/src/store/sql.js";

const store = await openStore({ engine: "duckdb", path: "bench/out/l.duckdb" });
const req = await resolveRequest(store, { workspace: "bench", period: "2026-Q2" });
const ctx = req.current;
const q = sql`WITH ${leadFacts(ctx)} SELECT count(*) AS n, count(qualified_at) AS q FROM lead_facts WHERE ${inPeriod(ctx, sql`created_at`)}`;
let t = performance.now();
console.log(await store.query(q), performance.now() - t);
t = performance.now();
const rows = await store.query(sql`EXPLAIN ANALYZE ${q}`);
console.log(performance.now() - t);
console.log(String(rows[0]?.explain_value ?? JSON.stringify(rows[0])).slice(0, 100000));
await store.close();
