/** Newsletter: the leads it brought per month, and subscribers against newsletter leads over the last periods. */
import type { VanityTrend } from "../../../metrics/results/check.js";
import type { NewsletterLeadsResult } from "../../../metrics/results/newsletter-leads.js";
import { get } from "../api.js";
import { chartBlock, type Dataset, LINE_STYLES, PALETTE } from "../chart.js";
import type { Filters } from "../filters.js";
import { formatDate, formatValue, t } from "../i18n.js";
import { element, lines, loadMetric, metricHeading } from "./common.js";

export async function newsletterPage(main: HTMLElement, filters: Filters): Promise<void> {
  const { compare: _, ...trendFilters } = filters;
  const [report, trend] = await Promise.all([
    loadMetric<NewsletterLeadsResult>("newsletter-leads", filters, { grain: "month" }),
    get<VanityTrend>("/api/check/trend", trendFilters),
  ]);
  const pair = trend.pairs.find((p) => p.vanity === "subscribers");
  const against: Dataset = {
    columns: [
      { key: "period", label: t("chart.period"), format: "text" },
      { key: "subscribers", label: t("newsletter.subscribers"), format: "count" },
      { key: "leads", label: t("newsletter.leads"), format: "count" },
    ],
    rows: trend.periods.map((p, i) => ({
      period: p.label,
      subscribers: pair?.vanityValues[i] ?? null,
      leads: pair?.realValues[i] ?? null,
    })),
  };
  const grid = element("div", "charts");
  grid.append(
    lines({
      title: t("newsletter.perMonth"),
      name: "newsletter-leads-per-month",
      dataset: {
        columns: [
          { key: "bucket", label: t("qualified.from"), format: "date" },
          { key: "leads", label: t("newsletter.leads"), format: "count" },
        ],
        rows: report.result.trend.map((x) => ({ bucket: x.bucket, leads: x.newsletterLeads })),
      },
      x: "bucket",
      xFormat: formatDate,
      series: [{ key: "leads", label: t("newsletter.leads") }],
    }),
    chartBlock({
      title: t("newsletter.against", { count: trend.periods.length }),
      name: "newsletter-subscribers-against-leads",
      dataset: against,
      option: (d) => ({
        grid: { left: 64, right: 56, top: 34, bottom: 32 },
        legend: { top: 0 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.rows.map((r) => r.period) },
        yAxis: [
          { type: "value", scale: true, axisLabel: { formatter: (v: number) => formatValue(v, "count") } },
          {
            type: "value",
            scale: true,
            splitLine: { show: false },
            axisLabel: { formatter: (v: number) => formatValue(v, "count") },
          },
        ],
        series: [
          {
            name: t("newsletter.subscribers"),
            type: "line",
            data: d.rows.map((r) => r.subscribers),
            color: PALETTE[1],
            lineStyle: { type: LINE_STYLES[1] },
            symbol: "rect",
          },
          {
            name: t("newsletter.leads"),
            type: "line",
            yAxisIndex: 1,
            data: d.rows.map((r) => r.leads),
            color: PALETTE[0],
            lineStyle: { width: 3 },
            symbol: "circle",
          },
        ],
      }),
    }),
  );
  main.replaceChildren(...metricHeading(report), grid);
  main.dataset.ready = "all";
}
