/**
 * Null simulation (issue 14, "Null simulations"): on a company where nothing changes but
 * chance, at most 5% of pairs are called a signal, every month of every seed.
 *
 * The claim is about `finding.signal`: either figure of the pair moved beyond normal variation
 * (the broader of the two readings: a diverging or improving verdict needs such a signal, so
 * its rate is at most this one; both are printed). A pair counts when at least one of its
 * figures was judged at all.
 *
 * The company: simulate({ planted: false, steady: true, scale: 0.1 }).
 * - planted: false leaves out the four planted stories;
 * - steady: true also leaves out what the simulator otherwise models as real change over time,
 *   which the check is right to call a signal and which would make a null test meaningless:
 *   growth of 20% a year (visits, leads, activities over 12 earlier months), quiet Christmas and
 *   summer weeks, three trade fairs a year (list imports of about 16 leads at once at size s).
 *   What is left that still moves: website visitors accumulate from the range's start (regular
 *   visitors come back for months), followers grow slowly, a rookie rep joins in 2025-03 and one
 *   rep leaves in 2025.
 * - scale: 0.1 (about 200 leads, 8,000 visits over three years): measuring a month costs
 *   about the same at any size (some 20 queries), and the simulation and the import get ten
 *   times cheaper. The tests are calibrated for any n, so a small company is a fair null test.
 *
 * Fifty seeds: 1 to 17 here, 18 to 34 in signal-null-simulation-2.test.ts and 35 to 50 in
 * -3.test.ts, which vitest runs side by side (test/support/null-simulation-suite.ts); a file's
 * seeds share one store, a workspace each (simulated-series.ts nullSimulation). Cost:
 * about 2 s a seed on PostgreSQL (36 months measured on one engine: this test is about the
 * statistics, and test/metrics-engines.test.ts checks the engines agree; on DuckDB, when the
 * run has no PostgreSQL, about 6 s). bench/null-simulation.ts runs any number of seeds, also
 * by quarter, and shows which pairs and periods a rate comes from.
 */
import { nullSimulationSuite } from "./support/null-simulation-suite.js";

nullSimulationSuite(1, 17);
