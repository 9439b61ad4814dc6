/**
 * The null simulation's seeds 18 to 34, in a file of its own so vitest runs it beside the
 * others: the claim, the company and the cost are in signal-null-simulation.test.ts.
 */
import { nullSimulationSuite } from "./support/null-simulation-suite.js";

nullSimulationSuite(18, 34);
