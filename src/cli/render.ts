/**
 * Metric results in the terminal: numbers formatted as people read them (thousands,
 * percent, currency, days), tables that fit 100 columns, and CSV for spreadsheets.
 */
import Papa from "papaparse";
import type { Format, View } from "../metrics/metric.js";

export const TERMINAL_WIDTH = 100;

/** A value as a person reads it; `currency` is the reporting currency for money. */
export function formatValue(value: unknown, format: Format, currency: string | null = null): string {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") {
    if (format === "date" && typeof value === "string") return value.slice(0, 10);
    return String(value);
  }
  switch (format) {
    case "count":
      return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
    case "percent":
      return `${(value * 100).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })}%`;
    case "money": {
      const amount = value.toLocaleString("en-US", { maximumFractionDigits: 0 });
      return currency ? `${amount} ${currency}` : amount;
    }
    case "days":
      return `${value.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} d`;
    case "number":
      return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
    case "date":
      return new Date(value).toISOString().slice(0, 10);
    case "text":
      return String(value);
  }
}

/** A relative change as "+25.0%" (null: nothing to compare with). */
export function formatChange(change: number | null): string {
  if (change === null) return "";
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${sign}${Math.abs(change * 100).toLocaleString("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 })}%`;
}

function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/**
 * A view as an aligned text table no wider than `width`: numbers right-aligned, text left;
 * when too wide, the widest text column is shortened with an ellipsis.
 */
export function renderTable(view: View, currency: string | null, width = TERMINAL_WIDTH): string {
  const cells = view.rows.map((row) => view.columns.map((c) => formatValue(row[c.key], c.format, currency)));
  const widths = view.columns.map((c, i) => Math.max(c.label.length, ...cells.map((r) => (r[i] ?? "").length)));
  const gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  // Too wide: take a character at a time from the widest text column, so long names share
  // the cut instead of one column losing everything.
  while (total() > width) {
    let widest = -1;
    view.columns.forEach((c, i) => {
      if (c.format === "text" && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0 || (widths[widest] ?? 0) <= 8) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        const text = truncate(v, w);
        const numeric = view.columns[i]?.format !== "text" && view.columns[i]?.format !== "date";
        return numeric ? text.padStart(w) : text.padEnd(w);
      })
      .join(" ".repeat(gap))
      .trimEnd();
  const out = [view.title, line(view.columns.map((c) => c.label)), line(widths.map((w) => "─".repeat(w)))];
  if (cells.length === 0) out.push("(nothing in this period)");
  for (const row of cells) out.push(line(row));
  return out.join("\n");
}

/** A view as CSV: raw values (fractions, not percent text), so spreadsheets can compute with them. */
export function renderCsv(view: View): string {
  return Papa.unparse({
    fields: view.columns.map((c) => c.key),
    data: view.rows.map((row) => view.columns.map((c) => row[c.key] ?? "")),
  });
}

/** Wraps text at `width` columns, indenting every line. */
export function wrap(text: string, indent = "", width = TERMINAL_WIDTH): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let current = indent;
  for (const word of words) {
    if (current.length + word.length + 1 > width && current.trim()) {
      lines.push(current.trimEnd());
      current = indent;
    }
    current += `${word} `;
  }
  if (current.trim()) lines.push(current.trimEnd());
  return lines.join("\n");
}
