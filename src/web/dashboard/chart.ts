/**
 * A chart with the numbers behind it: every chart is drawn from a dataset (columns and
 * rows), and the same dataset is the table the reader can switch to and the CSV they can
 * download, so the three never disagree. ECharts and Papa Parse are served from the installed
 * packages (/assets/), never from a CDN.
 *
 * Colours: the Okabe-Ito palette, which stays distinguishable for the common forms of colour
 * blindness; series also differ by line style and symbol, so no chart relies on colour alone.
 */
import { escapeFormula } from "./csv-formula.js";
import { type Format, formatValue, t } from "./i18n.js";

declare const echarts: {
  init(element: HTMLElement, theme?: null, options?: { renderer?: "canvas" | "svg" }): EChart;
};
declare const Papa: { unparse(data: { fields: string[]; data: unknown[][] }): string };

export type EChart = {
  setOption(option: object): void;
  resize(): void;
  dispose(): void;
};

export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
export const LINE_STYLES = ["solid", "dashed", "dotted"] as const;
export const SYMBOLS = ["circle", "rect", "triangle", "diamond"] as const;

export type Column = { key: string; label: string; format: Format };
export type Dataset = { columns: Column[]; rows: Record<string, string | number | null>[]; currency?: string | null };

const charts = new Set<EChart>();
addEventListener("resize", () => {
  for (const chart of charts) chart.resize();
});

/** Disposes every chart (before a page is drawn anew). */
export function disposeCharts(): void {
  for (const chart of charts) chart.dispose();
  charts.clear();
}

/**
 * The dataset as CSV for a spreadsheet: raw values, and text that starts like a formula (a
 * CRM's loss reason, competitor, lead name or rep, a column named after one) with a leading
 * apostrophe, as GET /api/stalled.csv writes it (csv-formula.ts).
 */
export function csvOf(dataset: Dataset): string {
  return Papa.unparse({
    fields: dataset.columns.map((c) => escapeFormula(c.label)),
    // Raw values, not formatted ones: a spreadsheet should get 0.25, not "25 %".
    data: dataset.rows.map((row) => dataset.columns.map((c) => escapeFormula(row[c.key] ?? ""))),
  });
}

/** Saves the dataset as `<name>.csv` through the browser's download. */
export function downloadCsv(name: string, dataset: Dataset): void {
  const blob = new Blob([csvOf(dataset)], { type: "text/csv;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${name}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export function tableOf(dataset: Dataset): HTMLTableElement {
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const column of dataset.columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = column.label;
    if (column.format !== "text" && column.format !== "date") th.className = "number";
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of dataset.rows) {
    const tr = body.insertRow();
    for (const column of dataset.columns) {
      const td = tr.insertCell();
      td.textContent = formatValue(row[column.key] ?? null, column.format, dataset.currency ?? null);
      if (column.format !== "text" && column.format !== "date") td.className = "number";
    }
  }
  return table;
}

/**
 * A figure: title, the chart drawn by `option(dataset)`, and below it the buttons to show
 * the numbers as a table and to download them as CSV (file name from `name`).
 */
export function chartBlock(options: {
  title: string;
  name: string;
  dataset: Dataset;
  option: (dataset: Dataset) => object;
  height?: number;
  className?: string;
}): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = `chart ${options.className ?? ""}`.trim();
  const caption = document.createElement("figcaption");
  caption.textContent = options.title;
  const canvas = document.createElement("div");
  canvas.className = "chart-canvas";
  canvas.style.height = `${options.height ?? 260}px`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", options.title);
  const tableHolder = document.createElement("div");
  tableHolder.className = "chart-table";
  tableHolder.hidden = true;
  const tools = document.createElement("div");
  tools.className = "chart-tools";
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "link";
  toggle.textContent = t("chart.showTable");
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", () => {
    const showTable = tableHolder.hidden;
    if (showTable && tableHolder.childElementCount === 0) tableHolder.append(tableOf(options.dataset));
    tableHolder.hidden = !showTable;
    canvas.hidden = showTable;
    toggle.textContent = showTable ? t("chart.showChart") : t("chart.showTable");
    toggle.setAttribute("aria-expanded", String(showTable));
  });
  const download = document.createElement("button");
  download.type = "button";
  download.className = "link";
  download.textContent = t("chart.downloadCsv");
  download.addEventListener("click", () => downloadCsv(options.name, options.dataset));
  tools.append(toggle, download);
  figure.append(caption, canvas, tableHolder, tools);
  // Drawn once the figure is in the page (ECharts measures its box).
  requestAnimationFrame(() => {
    if (!canvas.isConnected) return;
    const chart = echarts.init(canvas, null, { renderer: "svg" });
    chart.setOption({ color: PALETTE, animation: false, ...options.option(options.dataset) });
    charts.add(chart);
  });
  return figure;
}
