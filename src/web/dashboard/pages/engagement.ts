/**
 * Website engagement: visitors by how often (rows) and how recently (columns) they came, as a
 * heat map, the returning share, and the share of each group that became leads.
 */
import type { EngagementBucketRow, EngagementResult } from "../../../metrics/results/engagement.js";
import { chartBlock, type Dataset } from "../chart.js";
import type { Filters } from "../filters.js";
import { formatValue, t } from "../i18n.js";
import { bars, element, loadMetric, metricHeading } from "./common.js";

function heatmap(r: EngagementResult): HTMLElement {
  // The table (and CSV): one row per frequency bucket, one column per recency bucket.
  const dataset: Dataset = {
    columns: [
      { key: "visits", label: t("engagement.visits"), format: "text" },
      ...r.dayBuckets.map((d) => ({ key: `d${d}`, label: `${t("engagement.days")}: ${d}`, format: "count" as const })),
    ],
    rows: r.grid.map((row) => ({
      visits: row.visits,
      ...Object.fromEntries(r.dayBuckets.map((d, i) => [`d${d}`, row.visitors[i] ?? 0])),
    })),
  };
  const cells = r.grid.flatMap((row, y) => r.dayBuckets.map((_, x) => [x, y, row.visitors[x] ?? 0]));
  const max = Math.max(1, ...cells.map((c) => c[2] as number));
  return chartBlock({
    title: t("engagement.heatmap"),
    name: "engagement-frequency-recency",
    dataset,
    height: 420,
    option: () => ({
      grid: { left: 72, right: 24, top: 16, bottom: 90 },
      tooltip: {
        formatter: (p: { value: number[] }) =>
          `${t("engagement.visits")}: ${r.visitBuckets[p.value[1] as number]}<br>${t("engagement.days")}: ${r.dayBuckets[p.value[0] as number]}<br>${t("engagement.visitors")}: ${formatValue(p.value[2] ?? 0, "count")}`,
      },
      xAxis: {
        type: "category",
        data: r.dayBuckets,
        name: t("engagement.days"),
        nameLocation: "middle",
        nameGap: 30,
        splitArea: { show: true },
      },
      yAxis: {
        type: "category",
        data: r.visitBuckets,
        name: t("engagement.visits"),
        nameLocation: "middle",
        nameGap: 50,
        splitArea: { show: true },
      },
      // One hue from light to dark (readable without telling hues apart), numbers in the cells.
      visualMap: {
        min: 0,
        max,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        inRange: { color: ["#f0f6fb", "#56B4E9", "#0072B2", "#00294a"] },
      },
      series: [
        {
          type: "heatmap",
          data: cells,
          label: {
            show: true,
            fontSize: 10,
            formatter: (p: { value: number[] }) => (p.value[2] ? String(p.value[2]) : ""),
          },
        },
      ],
    }),
  });
}

function conversion(title: string, name: string, label: string, buckets: EngagementBucketRow[]): HTMLElement {
  return bars({
    title,
    name,
    dataset: {
      columns: [
        { key: "bucket", label, format: "text" },
        { key: "rate", label: t("engagement.rate"), format: "percent" },
        { key: "visitors", label: t("engagement.visitors"), format: "count" },
        { key: "converted", label: t("engagement.converted"), format: "count" },
      ],
      rows: buckets.map((b) => ({
        bucket: b.bucket,
        rate: b.conversionRate,
        visitors: b.visitors,
        converted: b.convertedVisitors,
      })),
    },
    category: "bucket",
    series: [{ key: "rate", label: t("engagement.rate") }],
  });
}

export async function engagementPage(main: HTMLElement, filters: Filters): Promise<void> {
  const report = await loadMetric<EngagementResult>("engagement", filters);
  const r = report.result;
  const grid = element("div", "charts");
  grid.append(
    conversion(
      t("engagement.byFrequency"),
      "engagement-conversion-by-frequency",
      t("engagement.visits"),
      r.byFrequency,
    ),
    conversion(t("engagement.byRecency"), "engagement-conversion-by-recency", t("engagement.days"), r.byRecency),
  );
  main.replaceChildren(...metricHeading(report), heatmap(r), grid);
  main.dataset.ready = "all";
}
