/**
 * `verity stalled`, `verity plan` and `verity timeline`: the lists and plans people act on,
 * next to the metrics they come from.
 */
import { type Command, Option } from "commander";
import { type LeadPlans, planPipelines, views as planViews } from "../../insights/lead-plan.js";
import { MetricInputError, resolveRequest } from "../../metrics/context.js";
import { leadTimeline, timelineView } from "../../metrics/lead-timeline.js";
import type { View } from "../../metrics/metric.js";
import { PLAN_FIELDS } from "../../metrics/request.js";
import { stalledLeads, stalledViews } from "../../metrics/stalled-leads.js";
import { parsePeriod } from "../../model/period.js";
import { type GlobalOptions, withStore, workspaceOf } from "../context.js";
import { renderCsv, renderTable, wrap } from "../render.js";
import {
  addMetricOptions,
  type MetricFlags,
  type OutputFormat,
  requestFrom,
  requireDatabase,
} from "./metric-options.js";

function print(format: OutputFormat, json: unknown, views: View[], currency: string | null): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  if (format === "csv") {
    process.stdout.write(`${views.map((v) => renderCsv(v)).join("\n\n")}\n`);
    return;
  }
  process.stdout.write(`${views.map((v) => renderTable(v, currency)).join("\n\n")}\n`);
}

/**
 * `verity plan`'s output: one plan per pipeline, each under its pipeline's name. JSON is
 * always `{ plans, unplanned, notes }`, one plan or several, so a script reads one shape;
 * CSV has one section per plan, headed by its title.
 */
export function formatPlans(result: LeadPlans, format: OutputFormat, currency: string | null): string {
  if (format === "json") return `${JSON.stringify(result, null, 2)}\n`;
  if (format === "csv") {
    const sections = result.plans.flatMap((plan) => planViews(plan).map((v) => `# ${v.title}\n${renderCsv(v)}`));
    return `${sections.join("\n\n")}\n`;
  }
  const several = result.plans.length + result.unplanned.length > 1;
  const heading = (name: string) => `━━ Pipeline ${name} ${"━".repeat(Math.max(2, 60 - name.length))}`;
  const parts: string[] = [];
  for (const plan of result.plans) {
    const tables = planViews(plan).map((v) => renderTable(v, currency));
    const notes = plan.notes.map((n) => wrap(`· ${n}`, "  ")).join("\n");
    parts.push([...(several ? [heading(plan.pipeline.name)] : []), ...tables, "", notes].join("\n"));
  }
  for (const { pipeline, reason } of result.unplanned) {
    parts.push(`${heading(pipeline.name)}\n${wrap(`no plan: ${reason}`, "  ")}`);
  }
  if (result.notes.length > 0) parts.push(result.notes.map((n) => wrap(`· ${n}`, "  ")).join("\n"));
  return `${parts.join("\n\n")}\n`;
}

function parseAmount(flag: string) {
  return (value: string): number => {
    const n = Number(value.replaceAll(",", "").replaceAll("_", ""));
    if (!Number.isFinite(n) || n <= 0) throw new MetricInputError(`${flag} takes a number above 0, not ${value}`);
    return n;
  };
}

export function registerInsightCommands(program: Command): void {
  const stalled = program
    .command("stalled")
    .description("open leads stuck past k x the time won leads spend in their stage, to work or drop")
    .option("-k, --k <factor>", "flag past k x the won-lead median (default 2)", parseAmount("--k"));
  addMetricOptions(stalled, { compare: false }).action(async (flags: MetricFlags, cmd: Command) => {
    const globals = cmd.optsWithGlobals<GlobalOptions>();
    requireDatabase(globals);
    const { result, currency } = await withStore(globals, async (store) => {
      const request = await resolveRequest(store, requestFrom(flags, globals));
      return { result: await stalledLeads(request.current), currency: request.current.currency };
    });
    print(flags.format, result, stalledViews(result), currency);
  });

  const plan = program
    .command("plan")
    .description("the leads needed at each stage, and by when, to reach a target of won leads or revenue")
    .option(PLAN_FIELDS.targetWon.flag, PLAN_FIELDS.targetWon.description, parseAmount("--target-won"))
    .option(PLAN_FIELDS.targetRevenue.flag, PLAN_FIELDS.targetRevenue.description, parseAmount("--target-revenue"))
    .option(PLAN_FIELDS.history.flag, PLAN_FIELDS.history.description);
  addMetricOptions(plan, { compare: false }).action(
    async (flags: MetricFlags & { targetWon?: number; targetRevenue?: number; history?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      if (!flags.period) throw new MetricInputError("give the period to plan for, e.g. --period 2027-Q1");
      requireDatabase(globals);
      const { result, currency } = await withStore(globals, async (store) => {
        const request = await resolveRequest(store, requestFrom(flags, globals));
        const history = flags.history ? parsePeriod(flags.history) : undefined;
        const target = { wonLeads: flags.targetWon, revenue: flags.targetRevenue };
        return { result: await planPipelines(request.current, target, history), currency: request.current.currency };
      });
      process.stdout.write(formatPlans(result, flags.format, currency));
    },
  );

  program
    .command("timeline")
    .description("everything that happened to one lead, in order")
    .argument("<lead>", "lead id (or its id in the source CRM)")
    .addOption(new Option("--format <format>", "output").choices(["table", "json", "csv"]).default("table"))
    .action(async (lead: string, flags: { format: OutputFormat }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      requireDatabase(globals);
      const result = await withStore(globals, (store) => leadTimeline(store, workspaceOf(globals), lead));
      print(flags.format, result, [timelineView(result)], result.lead.currency ?? null);
    });
}
