/**
 * The null simulation's second half of seeds, in a file of its own so vitest runs it beside
 * the first: the claim, the company and the cost are in signal-null-simulation.test.ts.
 */
import { describe, expect, test } from "vitest";
import { NULL_SCALE, nullSimulation, simulationEngine } from "./support/simulated-series.js";

const SEEDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
const ENGINE = simulationEngine();

describe(`null simulation, seeds 11 to 20 (${ENGINE})`, () => {
  test("at most 5% of pairs are called a signal, every month", async () => {
    const tally = await nullSimulation(SEEDS, NULL_SCALE, ENGINE);
    const rate = tally.signals / tally.pairs;
    console.log(
      `null simulation, seeds 11-20 on ${ENGINE}: ${tally.signals} of ${tally.pairs} pairs called a signal (${(100 * rate).toFixed(1)}%); ` +
        `diverging or improving ${tally.verdicts}; with 6 or more earlier months ${tally.withHistory.signals} of ${tally.withHistory.pairs}\n` +
        tally.called.join("\n"),
    );
    expect(tally.pairs).toBeGreaterThan(SEEDS.length * 35 * 6);
    expect(rate).toBeLessThanOrEqual(0.05);
  }, 600_000);
});
