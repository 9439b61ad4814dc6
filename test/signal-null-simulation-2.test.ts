/**
 * The null simulation's second half of seeds, in a file of its own so vitest runs it beside
 * the first: the claim, the company and the cost are in signal-null-simulation.test.ts.
 */
import { describe, expect, test } from "vitest";
import { engines } from "./support/databases.js";
import { NULL_SCALE, nullSimulation } from "./support/simulated-series.js";

// DuckDB only: the null simulation is about the statistics (test/metrics-engines.test.ts and
// test/vanity-check-data.test.ts check that both engines give the same verdicts).
describe.runIf(engines().includes("duckdb"))("null simulation, seeds 7 to 12", () => {
  test("at most 5% of pairs are called a signal, every month", async () => {
    const tally = await nullSimulation([7, 8, 9, 10, 11, 12], NULL_SCALE);
    const rate = tally.signals / tally.pairs;
    console.log(
      `null simulation, seeds 7-12: ${tally.signals} of ${tally.pairs} pairs called a signal (${(100 * rate).toFixed(1)}%); ` +
        `diverging or improving ${tally.verdicts}; with 6 or more earlier months ${tally.withHistory.signals} of ${tally.withHistory.pairs}\n` +
        tally.called.join("\n"),
    );
    expect(tally.pairs).toBeGreaterThan(6 * 35 * 6);
    expect(rate).toBeLessThanOrEqual(0.05);
  }, 600_000);
});
