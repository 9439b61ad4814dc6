/**
 * The null simulation's test over a range of seeds, one file per range so vitest runs them
 * side by side: the claim, the company and the cost are in test/signal-null-simulation.test.ts.
 */
import { describe, expect, test } from "vitest";
import { NULL_SCALE, nullSimulation, simulationEngine } from "./simulated-series.js";

/** Each seed's company has 36 months; the first has no month before it. */
const JUDGED_MONTHS = 35;

export function nullSimulationSuite(first: number, last: number): void {
  const seeds = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const engine = simulationEngine();
  describe(`null simulation, seeds ${first} to ${last} (${engine})`, () => {
    test("at most 5% of pairs are called a signal, every month", async () => {
      const tally = await nullSimulation(seeds, NULL_SCALE, engine);
      const rate = tally.signals / tally.pairs;
      console.log(
        `null simulation, seeds ${first}-${last} on ${engine}: ${tally.signals} of ${tally.pairs} pairs called a signal ` +
          `(${(100 * rate).toFixed(1)}%); diverging or improving ${tally.verdicts}; with 6 or more earlier months ` +
          `${tally.withHistory.signals} of ${tally.withHistory.pairs}\n${tally.called.join("\n")}`,
      );
      // Most of the eight pairs are judged in every month of every seed (not a vacuous rate).
      expect(tally.pairs).toBeGreaterThan(seeds.length * JUDGED_MONTHS * 6);
      expect(rate).toBeLessThanOrEqual(0.05);
    }, 600_000);
  });
}
