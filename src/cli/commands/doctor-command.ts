/**
 * `verity doctor`: data health. For each metric and vanity metric, whether the loaded data
 * supports it, from which tables and which span of time, what is missing, and the import
 * option or data that fixes it (src/insights/doctor.ts; GET /api/doctor answers the same).
 */
import { type Command, Option } from "commander";
import { type DoctorEntry, type DoctorReport, type DoctorStatus, doctor } from "../../insights/doctor.js";
import { type GlobalOptions, withStore, workspaceOf } from "../context.js";
import { formatCount } from "../output.js";
import { wrap } from "../render.js";
import { requireDatabase } from "./metric-options.js";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("data health: which metrics the loaded data supports, what is missing and how to fix it")
    .addOption(new Option("--format <format>", "output").choices(["table", "json"]).default("table"))
    .action(async (flags: { format: "table" | "json" }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      requireDatabase(globals);
      const report = await withStore(globals, (store) => doctor(store, workspaceOf(globals)));
      process.stdout.write(
        flags.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`,
      );
    });
}

const SYMBOL: Record<DoctorStatus, string> = { supported: "✓", partly: "◐", unsupported: "✗" };

const day = (iso: string) => iso.slice(0, 10);

/** The report as a person reads it: the data per area, then metrics and vanity metrics, each with what it lacks. */
export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  const period = report.period ? ` · default period ${report.period.label}` : "";
  lines.push(`Data health of workspace "${report.workspace}"${period}`, "");
  if (!report.period) {
    lines.push(
      "  Nothing is loaded yet: `verity import PATH` (a CRM export or Verity's files), the tracking script, or `verity demo`.",
      "",
    );
  }
  for (const [area, range] of Object.entries(report.areas)) {
    const text = range
      ? `${day(range.start)} to ${day(range.end)}, ${range.earlierQuarters} whole quarters before ${report.period?.label}`
      : "none loaded";
    lines.push(`  ${area.padEnd(12)}${text}`);
  }
  const section = (title: string, entries: DoctorEntry[]) => {
    const counts = (["supported", "partly", "unsupported"] as const)
      .map((s) => [s, entries.filter((e) => e.status === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`);
    lines.push("", `${title} (${counts.join(", ")})`);
    for (const e of entries) lines.push(...formatEntry(e));
  };
  section("Metrics", report.metrics);
  section("Vanity metrics", report.vanity);
  return lines.join("\n");
}

function formatEntry(e: DoctorEntry): string[] {
  const span = e.data
    ? `${e.area} data ${day(e.data.start)} to ${day(e.data.end)}, ${e.history.earlierQuarters} whole quarters before the default period`
    : `no ${e.area} data`;
  const tables = e.tables.map((t) => `${t.name} ${formatCount(t.rows)}`).join(" · ");
  const lines = [`  ${SYMBOL[e.status]} ${e.title} · ${e.status}`, `      ${span}`];
  lines.push(hanging("      reads ", tables));
  for (const m of e.missing) {
    lines.push(
      hanging(`      ${SYMBOL[m.effect]} `, m.message),
      hanging("        without it: ", m.affects),
      hanging("        → ", m.fix),
    );
  }
  return lines;
}

/** `text` wrapped to the terminal after `first`, its further lines indented as far. */
function hanging(first: string, text: string): string {
  const rest = " ".repeat([...first].length);
  return `${first}${wrap(text, rest).slice(rest.length)}`;
}
