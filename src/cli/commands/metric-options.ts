/**
 * The flags every metric command shares (period, comparison, filters, output format and
 * the metric options), declared once, and how they become a MetricRequest.
 */
import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { MetricRequest } from "../../metrics/context.js";
import { GRAINS, type Grain } from "../../metrics/metric.js";
import type { Comparison } from "../../model/period.js";
import { type GlobalOptions, targetOf, workspaceOf } from "../context.js";
import { UserError } from "../output.js";
import { parseInteger } from "./parse.js";

export type OutputFormat = "table" | "json" | "csv";

export type MetricFlags = {
  period?: string;
  compare?: Comparison;
  pipeline?: string;
  team?: string;
  rep?: string;
  source?: string;
  grain?: Grain;
  format: OutputFormat;
  k?: number;
  windowDays?: number;
  from?: "qualification" | "creation";
  topShare?: number;
};

function parsePositive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} takes a number above 0, not ${value}`);
    return n;
  };
}

/** Adds the shared flags; `compare` only where a comparison means something. */
export function addMetricOptions(command: Command, { compare = true } = {}): Command {
  command
    .option(
      "-p, --period <period>",
      "2025-Q3, 2025-H1, 2025-07, 2025, 2025-07-14 or 2025-07-01..2025-09-30 (default: the quarter of the latest data)",
    )
    .option("--pipeline <pipeline>", "only this pipeline (id or name)")
    .option("--team <team>", "only leads owned by this team's reps")
    .option("--rep <rep>", "only leads owned by this rep (id or name)")
    .option(
      "--source <source>",
      "only leads from this source channel (website, social, social:linkedin, paid, ..., unknown)",
    )
    .addOption(new Option("--grain <grain>", "trend buckets (default: by period length)").choices(GRAINS))
    .addOption(new Option("--format <format>", "output").choices(["table", "json", "csv"]).default("table"));
  if (compare) {
    command.addOption(
      new Option(
        "-c, --compare <comparison>",
        "also compute the previous period or the same one a year earlier",
      ).choices(["previous", "year"]),
    );
  }
  return command;
}

export function addTuningOptions(command: Command): Command {
  return command
    .option(
      "-k, --k <factor>",
      "stalled: flag open leads past k x the won-lead median of their stage (default 2)",
      parsePositive("--k"),
    )
    .option(
      "--window-days <days>",
      "newsletter: attribution window in days (default 30)",
      parseInteger("--window-days"),
    )
    .addOption(
      new Option("--from <start>", "velocity: count days from qualification (default) or creation").choices([
        "qualification",
        "creation",
      ]),
    )
    .option(
      "--top-share <share>",
      "activity quality: share of reps in the top and bottom groups (default 0.25)",
      parsePositive("--top-share"),
    );
}

export function requestFrom(flags: MetricFlags, globals: GlobalOptions): MetricRequest {
  const options: MetricRequest["options"] = {};
  if (flags.k !== undefined) options.stalledFactor = flags.k;
  if (flags.windowDays !== undefined) options.attributionDays = flags.windowDays;
  if (flags.from !== undefined) options.velocityFrom = flags.from;
  if (flags.topShare !== undefined) options.performerShare = flags.topShare;
  return {
    workspace: workspaceOf(globals),
    period: flags.period,
    compare: flags.compare ?? null,
    pipeline: flags.pipeline,
    team: flags.team,
    rep: flags.rep,
    source: flags.source,
    grain: flags.grain,
    options,
  };
}

/** Reading commands never create a database: a missing DuckDB file is named. */
export function requireDatabase(globals: GlobalOptions): void {
  const target = targetOf(globals);
  if (target.engine === "duckdb" && !existsSync(target.path)) {
    throw new UserError(
      `There is no database at ${target.path} yet: run \`verity demo\` or \`verity import DIR\` first.`,
    );
  }
}
