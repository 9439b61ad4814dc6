/**
 * bench: the null simulation at any number of seeds, with its timings: each seed's company
 * without planted stories (simulate({ planted: false })) imported into DuckDB, every month
 * and quarter measured once and judged against the one before it (test/support/simulated-series.ts).
 * Prints per seed the time to simulate and import, to measure and the share of pairs called a
 * signal; at the end the rates per pair, per figure and per period, so a rate above 5% can be
 * traced to what causes it.
 *
 *   npx tsx bench/null-simulation.ts [--seeds 1-10] [--scale 0.1] [--steady] [--planted]
 *     [--grain month|quarter|both] [--from 2024-10] [--list]
 *
 * --from judges only periods from that label on (the earlier ones still serve as history);
 * --list prints every figure called a signal, with its values, n and normal range.
 */
import { parseArgs } from "node:util";
import type { VanityFinding } from "../src/insights/vanity-check.js";
import {
  judgeSeries,
  measureSeries,
  SIMULATED_MONTHS,
  SIMULATED_QUARTERS,
  simulatedStore,
} from "../test/support/simulated-series.js";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1-10" },
    planted: { type: "boolean", default: false },
    grain: { type: "string", default: "both" },
    scale: { type: "string", default: "1" },
    steady: { type: "boolean", default: false },
    from: { type: "string", default: "" },
    list: { type: "boolean", default: false },
  },
});
const scale = Number(values.scale);
const [from, to] = (values.seeds as string).split("-").map(Number) as [number, number?];
const seeds = Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
const grains = values.grain === "both" ? ["month", "quarter"] : [values.grain as string];

type Tally = { pairs: number; signal: number; verdict: number };
const tally = () => ({ pairs: 0, signal: 0, verdict: 0 });
const byPair = new Map<string, Tally & { vanity: number; real: number }>();
const byPeriod = new Map<string, Tally>();
const total = tally();

const count = (f: VanityFinding, period: string) => {
  // A pair counts when at least one of its figures was judged (not "cannot tell" on both).
  if (f.vanityMovement === null && f.realMovement === null) return;
  const called = f.verdict === "diverging" || f.verdict === "improving";
  const pair = byPair.get(f.vanity) ?? { ...tally(), vanity: 0, real: 0 };
  const per = byPeriod.get(period) ?? tally();
  for (const t of [pair, per, total]) {
    t.pairs++;
    if (f.signal) t.signal++;
    if (called) t.verdict++;
  }
  if (f.vanityMovement === "up" || f.vanityMovement === "down") pair.vanity++;
  if (f.realMovement === "up" || f.realMovement === "down") pair.real++;
  byPair.set(f.vanity, pair);
  byPeriod.set(period, per);
};

function list(seed: number, period: string, f: VanityFinding): void {
  for (const figure of [f.vanityFigure, f.realFigure]) {
    const j = figure.judgement;
    if (!j?.signal) continue;
    const range = j.normalRange ? `${j.normalRange.low.toFixed(2)}..${j.normalRange.high.toFixed(2)}` : "none";
    const xmr = j.variation ? `${j.variation.low.toFixed(2)}..${j.variation.high.toFixed(2)}` : "none";
    console.log(
      `  seed ${seed} ${period} ${f.vanity} / ${figure.label}: ${figure.previous} -> ${figure.value} ` +
        `${JSON.stringify(figure.evidence)} sampling ${j.sampling.method} p=${j.sampling.pValue ?? "-"} XmR ${xmr} normal ${range}`,
    );
  }
}

const pct = (a: number, b: number) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);
const started = Date.now();
for (const seed of seeds) {
  const t0 = Date.now();
  const test = await simulatedStore("duckdb", {
    seed,
    planted: values.planted as boolean,
    scale,
    steady: values.steady as boolean,
  });
  const t1 = Date.now();
  const before = { ...total };
  try {
    for (const grain of grains) {
      const labels = grain === "month" ? SIMULATED_MONTHS : SIMULATED_QUARTERS;
      const series = await measureSeries(test.store, labels);
      for (const judged of judgeSeries(series)) {
        if (judged.period < (values.from as string)) continue;
        for (const f of judged.findings) {
          count(f, judged.period);
          if (values.list && f.signal) list(seed, judged.period, f);
        }
      }
    }
  } finally {
    await test.dispose();
  }
  const t2 = Date.now();
  console.log(
    `seed ${seed}: simulate+import ${((t1 - t0) / 1000).toFixed(1)} s, measure ${((t2 - t1) / 1000).toFixed(1)} s; ` +
      `signal ${total.signal - before.signal}/${total.pairs - before.pairs}`,
  );
}
console.log(`\n${seeds.length} seeds in ${((Date.now() - started) / 1000).toFixed(1)} s (${grains.join(" and ")}s)`);
console.log(
  `pairs called a signal: ${total.signal}/${total.pairs} = ${pct(total.signal, total.pairs)}; verdict diverging or improving: ${pct(total.verdict, total.pairs)}`,
);
console.log("\nper pair: signal (vanity figure, real figure) verdict");
for (const [pair, t] of byPair) {
  console.log(
    `  ${pair.padEnd(22)}${pct(t.signal, t.pairs).padStart(7)} (${pct(t.vanity, t.pairs)}, ${pct(t.real, t.pairs)}) ${pct(t.verdict, t.pairs)}`,
  );
}
console.log("\nper period: signal, verdict");
for (const [period, t] of [...byPeriod].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`  ${period.padEnd(10)}${pct(t.signal, t.pairs).padStart(7)} ${pct(t.verdict, t.pairs).padStart(7)}`);
}
