/**
 * `verity simulate --size s|m|l --seed N --out DIR`: write a simulated company as canonical files.
 */
import { type Command, Option } from "commander";
import { simulate } from "../../simulate/simulate.js";
import { formatCount } from "../output.js";
import { parseInteger } from "./parse.js";

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description("write a simulated B2B company (about three years) as Verity CSV files")
    .addOption(
      new Option("-s, --size <size>", "s: ~2,000 leads; m: ~100,000 leads; l: ~1M leads")
        .choices(["s", "m", "l"])
        .default("s"),
    )
    .option("--seed <n>", "random seed (same seed, same data)", parseInteger("--seed"), 1)
    .requiredOption("-o, --out <dir>", "directory to write the CSV files to")
    .action(async (options: { size: "s" | "m" | "l"; seed: number; out: string }) => {
      const started = Date.now();
      const summary = await simulate({ size: options.size, seed: options.seed, outDir: options.out });
      const rows = Object.entries(summary.rows)
        .map(([table, n]) => `  ${table.padEnd(28)}${formatCount(n).padStart(12)}`)
        .join("\n");
      process.stdout.write(
        `Wrote size ${options.size} (seed ${options.seed}) to ${options.out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n${rows}\n` +
          `Load it with: verity import ${options.out}\n`,
      );
    });
}
