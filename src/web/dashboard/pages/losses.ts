/** Losses: lost leads and their value by reason, stage reached, competitor and rep, and the value lost over time. */
import type { LossesResult } from "../../../metrics/results/losses.js";
import type { Dataset } from "../chart.js";
import type { Filters } from "../filters.js";
import { formatDate, t } from "../i18n.js";
import { bars, element, lines, loadMetric, metricHeading } from "./common.js";

export async function lossesPage(main: HTMLElement, filters: Filters): Promise<void> {
  const report = await loadMetric<LossesResult>("losses", filters);
  const r = report.result;
  const columns = (key: string, label: string) => [
    { key, label, format: "text" as const },
    { key: "leads", label: t("losses.leads"), format: "count" as const },
    { key: "value", label: t("losses.value"), format: "money" as const },
  ];
  const data = (key: string, label: string, rows: Record<string, string | number | null>[]): Dataset => ({
    columns: columns(key, label),
    rows,
    currency: report.currency,
  });
  const series = [{ key: "value", label: t("losses.value") }];
  const grid = element("div", "charts");
  grid.append(
    bars({
      title: t("losses.byReason"),
      name: "losses-by-reason",
      dataset: data(
        "reason",
        t("losses.reason"),
        // Null without loss reasons (the report's `unsupported` says so above): no bars then.
        (r.byReason ?? []).map((x) => ({ reason: x.reason, leads: x.leads, value: x.value })),
      ),
      category: "reason",
      horizontal: true,
      series,
    }),
    bars({
      title: t("losses.byStage"),
      name: "losses-by-stage",
      dataset: data(
        "stage",
        t("funnel.stage"),
        r.byStage.map((x) => ({ stage: `${x.pipelineName}: ${x.stage}`, leads: x.leads, value: x.value })),
      ),
      category: "stage",
      horizontal: true,
      series,
    }),
    bars({
      title: t("losses.byCompetitor"),
      name: "losses-by-competitor",
      dataset: data(
        "competitor",
        t("losses.competitor"),
        r.byCompetitor.map((x) => ({ competitor: x.competitor, leads: x.leads, value: x.value })),
      ),
      category: "competitor",
      horizontal: true,
      series,
    }),
    bars({
      title: t("losses.byRep"),
      name: "losses-by-rep",
      dataset: data(
        "rep",
        t("funnel.rep"),
        r.byRep.map((x) => ({ rep: x.repName, leads: x.leads, value: x.value })),
      ),
      category: "rep",
      horizontal: true,
      series,
    }),
    lines({
      title: t("losses.trend"),
      name: "losses-over-time",
      dataset: {
        columns: [{ key: "bucket", label: t("losses.week"), format: "date" }, ...columns("x", "").slice(1)],
        rows: r.trend.map((x) => ({ bucket: x.bucket, leads: x.leads, value: x.value })),
        currency: report.currency,
      },
      x: "bucket",
      xFormat: formatDate,
      series,
    }),
  );
  main.replaceChildren(...metricHeading(report), grid);
  main.dataset.ready = "all";
}
