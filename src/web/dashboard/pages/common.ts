/**
 * What the area pages share: a metric's heading (title, why, its headline numbers with their
 * change, and the vanity metrics it replaces beside them), bar and line charts drawn from a
 * dataset, and a sortable table with its CSV download.
 */
import type { MetricReport } from "../../../metrics/results/common.js";
import { get } from "../api.js";
import { chartBlock, type Dataset, downloadCsv, LINE_STYLES, PALETTE, SYMBOLS, tableOf } from "../chart.js";
import { evidenceText, samplingText, unsupportedText } from "../figures.js";
import type { Filters } from "../filters.js";
import { formatChange, formatValue, hasMessage, t, tKey } from "../i18n.js";

/** A metric as GET /api/metrics/{id} answers it: the server's envelope (MetricReport). */
export type Report<R> = MetricReport<R>;
/** A headline with its earlier value, change and judgement, as the report carries it. */
export type Headline = MetricReport["headlines"][number];

/** A metric for the page's filters, compared with the previous period unless the filters say a year. */
export function loadMetric<R>(id: string, filters: Filters, extra: Record<string, string> = {}): Promise<Report<R>> {
  return get<Report<R>>(`/api/metrics/${id}`, { ...filters, compare: filters.compare ?? "previous", ...extra });
}

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text = "",
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

export function section(title: string, ...children: HTMLElement[]): HTMLElement {
  const part = element("section", "area");
  part.append(element("h2", "", title), ...children);
  return part;
}

/** A figure's box: label, value (with its n beside it, smaller), notes under it. */
export function stat(label: string, value: string, notes: string[], kind: "real" | "vanity", n = ""): HTMLElement {
  const box = element("div", `stat ${kind}`);
  const shown = element("div", "stat-value", value);
  // The n beside the number, smaller: "17.2% · 5 of 29".
  if (n) shown.append(element("span", "stat-n", ` · ${n}`));
  box.append(element("div", "stat-label", label), shown);
  for (const note of notes) if (note) box.append(element("div", "stat-note", note));
  return box;
}

/**
 * A headline's or vanity entry's box: its value and n ("17.2% · 5 of 29"), its change and
 * earlier value; or "cannot tell" with the reason and the fix instead of a number.
 */
function figureStat(
  label: string,
  figure: Pick<Headline, "value" | "format" | "previous" | "change" | "evidence" | "unsupported" | "judgement">,
  report: { currency: string | null; comparison: unknown },
  kind: "real" | "vanity",
): HTMLElement {
  if (figure.unsupported) {
    const box = stat(label, t("figure.cannotTell"), [unsupportedText(figure.unsupported)], kind);
    box.classList.add("unsupported");
    return box;
  }
  const value = formatValue(figure.value, figure.format, report.currency);
  const n = figure.evidence ? evidenceText(figure.evidence, figure.format, report.currency) : "";
  const noise = report.comparison ? samplingText(figure.judgement ?? null) : null;
  const change = report.comparison
    ? [
        formatChange(figure.change),
        t("home.was", { value: formatValue(figure.previous, figure.format, report.currency) }),
        ...(noise ? [noise] : []),
      ].join(" · ")
    : "";
  return stat(label, value, [change], kind, n);
}

/** Title, why, headline numbers and the vanity metrics they replace. */
export function metricHeading<R>(report: Report<R>): HTMLElement[] {
  const title = element("h1", "", `${tKey(`metric.${report.metric}.title`)}: ${report.period.label}`);
  const why = element("p", "muted", tKey(`metric.${report.metric}.why`));
  const stats = element("div", "stats");
  for (const h of report.headlines) {
    // A headline the dashboard has no words for yet is shown under the API's own (English) label.
    const key = `headline.${h.key}`;
    stats.append(figureStat(hasMessage(key) ? tKey(key) : h.label, h, report, "real"));
  }
  for (const v of report.vanity) {
    stats.append(figureStat(`${t("metric.replaces")}: ${tKey(`vanity.${v.id}`)}`, v, report, "vanity"));
  }
  const parts: HTMLElement[] = [title, why, stats];
  for (const u of report.unsupported)
    parts.push(element("p", "notice", t("metric.unsupported", { message: u.message })));
  if (report.ignoredFilters.length > 0) {
    parts.push(element("p", "notice", t("metric.ignored", { filters: report.ignoredFilters.join(", ") })));
  }
  return parts;
}

type Series = { key: string; label: string; stack?: string };

/** Bars per category (horizontal when the labels are long), one bar a series. */
export function bars(options: {
  title: string;
  name: string;
  dataset: Dataset;
  category: string;
  series: Series[];
  horizontal?: boolean;
}): HTMLElement {
  const { dataset, category, series } = options;
  const format = (key: string) => dataset.columns.find((c) => c.key === key)?.format ?? "number";
  const valueAxis = {
    type: "value",
    axisLabel: {
      formatter: (v: number) => formatValue(v, format(series[0]?.key ?? ""), dataset.currency ?? null),
      hideOverlap: true,
    },
    splitNumber: 4,
  };
  const categoryAxis = {
    type: "category",
    data: dataset.rows.map((r) => String(r[category] ?? "")),
    axisLabel: { interval: 0 },
  };
  const height = options.horizontal
    ? Math.max(180, 60 + dataset.rows.length * 26 * Math.max(1, series.length * 0.7))
    : 280;
  return chartBlock({
    title: options.title,
    name: options.name,
    dataset,
    height,
    option: () => ({
      grid: {
        left: options.horizontal ? 150 : 56,
        right: 24,
        top: series.length > 1 ? 34 : 12,
        bottom: options.horizontal ? 24 : 56,
      },
      legend: series.length > 1 ? { top: 0 } : undefined,
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: undefined,
        formatter: (items: { seriesIndex: number; axisValueLabel: string; value: number | null; marker: string }[]) =>
          [
            items[0]?.axisValueLabel ?? "",
            ...items.map(
              (i) =>
                `${i.marker} ${series[i.seriesIndex]?.label}: ${formatValue(i.value, format(series[i.seriesIndex]?.key ?? ""), dataset.currency ?? null)}`,
            ),
          ].join("<br>"),
      },
      xAxis: options.horizontal
        ? valueAxis
        : { ...categoryAxis, axisLabel: { interval: 0, rotate: dataset.rows.length > 3 ? 30 : 0, hideOverlap: true } },
      yAxis: options.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
      series: series.map((s, i) => ({
        name: s.label,
        type: "bar",
        stack: s.stack,
        data: dataset.rows.map((r) => r[s.key]),
        color: PALETTE[i % PALETTE.length],
        // A pattern-free way to tell bars apart without colour: each series keeps its order and legend.
        itemStyle: { borderColor: "#1d232a", borderWidth: i === 0 ? 0 : 1 },
      })),
    }),
  });
}

/** Lines over time, one a series, each with its own dash and symbol. */
export function lines(options: {
  title: string;
  name: string;
  dataset: Dataset;
  x: string;
  series: Series[];
  xFormat?: (v: string) => string;
}): HTMLElement {
  const { dataset, series } = options;
  const format = (key: string) => dataset.columns.find((c) => c.key === key)?.format ?? "number";
  return chartBlock({
    title: options.title,
    name: options.name,
    dataset,
    option: () => ({
      grid: { left: 64, right: 24, top: 34, bottom: 32 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "category",
        data: dataset.rows.map((r) => (options.xFormat ? options.xFormat(String(r[options.x])) : String(r[options.x]))),
      },
      yAxis: {
        type: "value",
        // Counts have no ticks between whole numbers (a small count's axis would read 0, 0, 1, 1).
        ...(format(series[0]?.key ?? "") === "count" ? { minInterval: 1 } : {}),
        axisLabel: { formatter: (v: number) => formatValue(v, format(series[0]?.key ?? ""), dataset.currency ?? null) },
      },
      series: series.map((s, i) => ({
        name: s.label,
        type: "line",
        data: dataset.rows.map((r) => r[s.key]),
        color: PALETTE[i % PALETTE.length],
        lineStyle: { type: LINE_STYLES[i % LINE_STYLES.length], width: 2 },
        symbol: SYMBOLS[i % SYMBOLS.length],
      })),
    }),
  });
}

/**
 * A table that sorts by the column clicked (again: the other way), with a CSV download of
 * its rows as shown. `link(row, column)` may turn a cell into a link.
 */
export function sortableTable(options: {
  name: string;
  dataset: Dataset;
  link?: (row: Record<string, string | number | null>, column: string) => string | null;
}): HTMLElement {
  const holder = element("div", "sortable");
  let rows = [...options.dataset.rows];
  let sortedBy: string | null = null;
  let descending = false;
  const draw = () => {
    const table = tableOf({ ...options.dataset, rows });
    const heads = table.tHead?.rows[0]?.cells ?? [];
    options.dataset.columns.forEach((column, i) => {
      const th = heads[i];
      if (!th) return;
      const button = element("button", "link sort", th.textContent ?? "");
      button.type = "button";
      th.replaceChildren(button);
      th.setAttribute("aria-sort", sortedBy === column.key ? (descending ? "descending" : "ascending") : "none");
      button.addEventListener("click", () => {
        descending = sortedBy === column.key ? !descending : column.format !== "text";
        sortedBy = column.key;
        rows = [...options.dataset.rows].sort((a, b) => {
          const x = a[column.key] ?? null;
          const y = b[column.key] ?? null;
          if (x === y) return 0;
          if (x === null) return 1;
          if (y === null) return -1;
          const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
          return descending ? -order : order;
        });
        draw();
      });
    });
    if (options.link) linkCells(table, rows, options.dataset.columns, options.link);
    const download = element("button", "link", t("chart.downloadCsv"));
    download.type = "button";
    download.addEventListener("click", () => downloadCsv(options.name, { ...options.dataset, rows }));
    const wrapper = element("div", "chart-table");
    wrapper.append(table);
    const tools = element("div", "chart-tools");
    tools.append(download);
    holder.replaceChildren(wrapper, tools);
  };
  draw();
  return holder;
}

/** Makes each cell of `table`'s body whose row and column `link` gives an address a link to it. */
export function linkCells<R>(
  table: HTMLTableElement,
  rows: readonly R[],
  columns: readonly { key: string }[],
  link: (row: R, key: string) => string | null | undefined,
): void {
  const body = table.tBodies[0];
  rows.forEach((row, r) => {
    columns.forEach((column, c) => {
      const href = link(row, column.key);
      const cell = body?.rows[r]?.cells[c];
      if (!href || !cell) return;
      const a = element("a", "", cell.textContent ?? "");
      a.href = href;
      cell.replaceChildren(a);
    });
  });
}
