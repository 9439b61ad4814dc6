import { resolveRequest } from "/work/main/src/metrics/context.js";
import { METRICS } from "/work/main/src/metrics/registry.js";
import { runMetric } from "/work/main/src/metrics/run-metric.js";
import { openStore } from "/work/main/src/store/open-store.js";

const db = process.argv[2]!;
const ws = process.argv[3]!;
const period = process.argv[4];
const store = await openStore(
  db.startsWith("postgres") ? ({ engine: "postgres", url: db } as never) : ({ engine: "duckdb", path: db } as never),
);
for (let round = 0; round < 2; round++) {
  let t0 = performance.now();
  const req = await resolveRequest(store, { workspace: ws, period });
  console.log("resolve", (performance.now() - t0).toFixed(0));
  let total = 0;
  for (const m of METRICS) {
    t0 = performance.now();
    await runMetric(m, req);
    const ms = performance.now() - t0;
    total += ms;
    console.log(m.id.padEnd(20), ms.toFixed(0));
  }
  console.log("total", total.toFixed(0));
}
await store.close();
