/**
 * `verity simulate --size s|m|l|xl --seed N --out DIR [--no-planted]`: write a simulated company
 * as canonical files, with its planted stories (the default) or without them.
 */
import { type Command, Option } from "commander";
import { type SimulationSize, simulate } from "../../simulate/simulate.js";
import { formatCount } from "../output.js";
import { parseInteger } from "./parse.js";

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description("write a simulated B2B company (about three years) as Verity CSV files")
    .addOption(
      new Option("-s, --size <size>", "s: ~2,000 leads; m: ~100,000 leads; l: ~1M leads; xl: ~4M leads (about 19 GB)")
        .choices(["s", "m", "l", "xl"])
        .default("s"),
    )
    .option("--seed <n>", "random seed (same seed, same data)", parseInteger("--seed"), 1)
    .requiredOption("-o, --out <dir>", "directory to write the CSV files to")
    .option(
      "--no-planted",
      "leave out the four planted stories the vanity check should find (a company with no change)",
    )
    .action(async (options: { size: SimulationSize; seed: number; out: string; planted: boolean }) => {
      const started = Date.now();
      const summary = await simulate({
        size: options.size,
        seed: options.seed,
        outDir: options.out,
        planted: options.planted,
      });
      const rows = Object.entries(summary.rows)
        .map(([table, n]) => `  ${table.padEnd(28)}${formatCount(n).padStart(12)}`)
        .join("\n");
      process.stdout.write(
        `Wrote size ${options.size} (seed ${options.seed}${options.planted ? "" : ", no planted stories"}) to ${options.out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n${rows}\n` +
          `Load it with: verity import ${options.out}\n`,
      );
    });
}
