/**
 * Funnel: per pipeline, the leads created in the period reaching each stage, each stage's
 * conversion with its 95% interval, the reps credibly above or below the team at a stage,
 * and the lead requirement planner (GET /api/plan) with its inputs.
 */
import type { FunnelResult } from "../../../metrics/results/funnel.js";
import type { LeadPlan } from "../../../metrics/results/lead-plan.js";
import { ApiFailure, get } from "../api.js";
import type { Dataset } from "../chart.js";
import type { Filters } from "../filters.js";
import { t } from "../i18n.js";
import { bars, element, loadMetric, metricHeading, section, sortableTable } from "./common.js";

function planner(filters: Filters): HTMLElement {
  const part = section(t("plan.heading"), element("p", "muted", t("plan.intro")));
  const form = element("form", "filters plan");
  const field = (name: string, label: string, value: string, type = "text") => {
    const wrapper = element("label", "filter");
    const input = element("input");
    input.name = name;
    input.type = type;
    input.value = value;
    if (type === "number") input.min = "1";
    wrapper.append(element("span", "", label), input);
    form.append(wrapper);
  };
  field("period", t("plan.period"), "");
  field("targetWon", t("plan.targetWon"), "10", "number");
  field("targetRevenue", t("plan.targetRevenue"), "", "number");
  field("history", t("plan.history"), "");
  const submit = element("button", "", t("plan.submit"));
  submit.type = "submit";
  form.append(submit);
  const out = element("div", "plan-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const value = (name: string) => String(data.get(name) ?? "").trim() || undefined;
    out.replaceChildren(element("p", "muted", t("state.loading")));
    try {
      const plan = await get<LeadPlan>("/api/plan", {
        pipeline: filters.pipeline,
        team: filters.team,
        rep: filters.rep,
        source: filters.source,
        period: value("period") ?? filters.period ?? "",
        targetWon: value("targetRevenue") ? undefined : value("targetWon"),
        targetRevenue: value("targetRevenue"),
        history: value("history"),
      });
      const dataset: Dataset = {
        columns: [
          { key: "stage", label: t("funnel.stage"), format: "text" },
          { key: "toWon", label: t("funnel.conversion"), format: "percent" },
          { key: "leads", label: t("plan.expected"), format: "count" },
          { key: "low", label: `${t("plan.range")}: ${t("funnel.low")}`, format: "count" },
          { key: "high", label: `${t("plan.range")}: ${t("funnel.high")}`, format: "count" },
          { key: "enterBy", label: t("plan.enterBy"), format: "date" },
        ],
        rows: plan.stages.map((s) => ({
          stage: s.stageName,
          toWon: s.conversionToWon,
          leads: s.leads,
          low: s.low,
          high: s.high,
          enterBy: s.enterBy,
        })),
        currency: plan.currency,
      };
      out.replaceChildren(
        bars({
          title: t("plan.table", { period: plan.period.label }),
          name: `plan-${plan.period.label}`,
          dataset,
          category: "stage",
          series: [{ key: "leads", label: t("plan.expected") }],
        }),
      );
    } catch (error) {
      const message = error instanceof ApiFailure ? error.message : String(error);
      out.replaceChildren(
        element(
          "p",
          "error",
          /pipeline/.test(message) && !filters.pipeline ? t("plan.needsPipeline") : t("state.error", { message }),
        ),
      );
    }
  });
  part.append(form, out);
  return part;
}

export async function funnelPage(main: HTMLElement, filters: Filters): Promise<void> {
  const report = await loadMetric<FunnelResult>("funnel", filters);
  const parts: HTMLElement[] = [...metricHeading(report)];
  for (const pipeline of report.result.pipelines) {
    const dataset: Dataset = {
      columns: [
        { key: "stage", label: t("funnel.stage"), format: "text" },
        { key: "reached", label: t("funnel.reached"), format: "count" },
        { key: "advanced", label: t("funnel.advanced"), format: "count" },
        { key: "lostAt", label: t("funnel.lostAt"), format: "count" },
        { key: "conversion", label: t("funnel.conversion"), format: "percent" },
        { key: "low", label: t("funnel.low"), format: "percent" },
        { key: "high", label: t("funnel.high"), format: "percent" },
      ],
      rows: pipeline.stages.map((s) => ({
        stage: s.stageName,
        reached: s.reached,
        advanced: s.advanced,
        lostAt: s.lostAt,
        conversion: s.conversion,
        low: s.interval?.low ?? null,
        high: s.interval?.high ?? null,
      })),
    };
    const grid = element("div", "charts");
    grid.append(
      bars({
        title: t("funnel.pipeline", { pipeline: pipeline.pipelineName }),
        name: `funnel-${pipeline.pipelineId}`,
        dataset,
        category: "stage",
        series: [
          { key: "reached", label: t("funnel.reached") },
          { key: "lostAt", label: t("funnel.lostAt") },
        ],
      }),
      bars({
        title: t("funnel.rates", { pipeline: pipeline.pipelineName }),
        name: `funnel-rates-${pipeline.pipelineId}`,
        dataset: {
          ...dataset,
          columns: dataset.columns.filter((c) => ["stage", "conversion", "low", "high"].includes(c.key)),
        },
        category: "stage",
        series: [
          { key: "low", label: t("funnel.low") },
          { key: "conversion", label: t("funnel.conversion") },
          { key: "high", label: t("funnel.high") },
        ],
      }),
    );
    parts.push(grid);
  }
  const flags: Dataset = {
    columns: [
      { key: "rep", label: t("funnel.rep"), format: "text" },
      { key: "pipeline", label: t("filters.pipeline"), format: "text" },
      { key: "stage", label: t("funnel.stage"), format: "text" },
      { key: "advanced", label: t("funnel.advanced"), format: "count" },
      { key: "decided", label: t("funnel.decided"), format: "count" },
      { key: "conversion", label: t("funnel.conversion"), format: "percent" },
      { key: "low", label: t("funnel.low"), format: "percent" },
      { key: "high", label: t("funnel.high"), format: "percent" },
      { key: "teamAdvanced", label: `${t("funnel.team")}: ${t("funnel.advanced")}`, format: "count" },
      { key: "teamDecided", label: `${t("funnel.team")}: ${t("funnel.decided")}`, format: "count" },
      { key: "team", label: t("funnel.team"), format: "percent" },
      { key: "flag", label: t("funnel.flag"), format: "text" },
    ],
    rows: report.result.flags.map((f) => ({
      rep: f.repName,
      pipeline: f.pipelineName,
      stage: f.stageName,
      advanced: f.advanced ?? null,
      decided: f.decided ?? null,
      teamAdvanced: f.teamAdvanced ?? null,
      teamDecided: f.teamDecided ?? null,
      conversion: f.conversion,
      low: f.interval?.low ?? null,
      high: f.interval?.high ?? null,
      team: f.teamConversion,
      flag: t(f.flag === "above" ? "funnel.flag.above" : "funnel.flag.below"),
    })),
  };
  const pipelineNames = new Map(report.result.pipelines.map((p) => [p.pipelineId, p.pipelineName]));
  const everyRep: Dataset = {
    columns: [
      { key: "rep", label: t("funnel.rep"), format: "text" },
      { key: "stage", label: t("funnel.stage"), format: "text" },
      { key: "reached", label: t("funnel.reached"), format: "count" },
      { key: "advanced", label: t("funnel.advanced"), format: "count" },
      { key: "decided", label: t("funnel.decided"), format: "count" },
      { key: "conversion", label: t("funnel.conversion"), format: "percent" },
      { key: "low", label: t("funnel.low"), format: "percent" },
      { key: "high", label: t("funnel.high"), format: "percent" },
      { key: "teamDecided", label: `${t("funnel.team")}: ${t("funnel.decided")}`, format: "count" },
      { key: "team", label: t("funnel.team"), format: "percent" },
      { key: "teamLow", label: `${t("funnel.team")}: ${t("funnel.low")}`, format: "percent" },
      { key: "teamHigh", label: `${t("funnel.team")}: ${t("funnel.high")}`, format: "percent" },
      { key: "flag", label: t("funnel.flag"), format: "text" },
    ],
    rows: report.result.reps.flatMap((rep) =>
      rep.stages.map((st) => ({
        rep: rep.repName,
        stage: `${pipelineNames.get(st.pipelineId) ?? st.pipelineId}: ${st.stageName}`,
        reached: st.reached,
        advanced: st.advanced,
        decided: st.advanced + st.lostAt,
        teamDecided:
          st.team.advanced === undefined || st.team.lostAt === undefined ? null : st.team.advanced + st.team.lostAt,
        conversion: st.conversion,
        low: st.interval?.low ?? null,
        high: st.interval?.high ?? null,
        team: st.team.conversion,
        teamLow: st.team.interval?.low ?? null,
        teamHigh: st.team.interval?.high ?? null,
        flag: st.flag ? t(st.flag === "above" ? "funnel.flag.above" : "funnel.flag.below") : "",
      })),
    ),
  };
  parts.push(
    section(
      t("funnel.reps"),
      flags.rows.length > 0
        ? sortableTable({ name: "funnel-reps-against-team", dataset: flags })
        : element("p", "muted", t("funnel.noFlags")),
    ),
    section(t("funnel.allReps"), sortableTable({ name: "funnel-every-rep", dataset: everyRep })),
    planner(filters),
  );
  main.replaceChildren(...parts);
  main.dataset.ready = "all";
}
