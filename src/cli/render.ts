/**
 * Metric results in the terminal: numbers formatted as people read them (thousands,
 * percent, currency, days), tables that fit 100 columns, and CSV for spreadsheets.
 */
import { createRequire } from "node:module";
import type Papa from "papaparse";
import type { Evidence, FigureUnsupported, Format, View } from "../metrics/metric.js";
import { wilsonInterval } from "../metrics/statistics.js";
import { escapeFormula } from "../web/dashboard/csv-formula.js";

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
 * Columns keyed `id` hold identifiers people copy into another command (`verity timeline
 * salesforce:0065g00000XyZabAAB`): a cut id cannot be found, so they are never shortened.
 */
function isIdentifier(key: string): boolean {
  return key === "id";
}

/** The narrowest a text column is shortened to: below that, names stop being recognisable. */
const MIN_TEXT_WIDTH = 8;

/** A column label in lines of at most `width` (a word longer than that keeps its own line). */
function labelLines(label: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && `${lines[last]} ${word}`.length <= width) lines[last] = `${lines[last]} ${word}`;
    else lines.push(word);
  }
  return lines;
}

const longestWord = (label: string) => Math.max(...label.split(" ").map((w) => w.length));

/**
 * A view as an aligned text table no wider than `width`: numbers right-aligned, text left.
 * When too wide, in this order, each step only as far as needed: column labels wider than
 * their values wrap onto more header lines (nothing is lost); the widest text column is
 * shortened with an ellipsis, down to 8 characters (identifiers never are); the columns close
 * up to one space apart. Past that the table is wider than `width` rather than cut an
 * identifier.
 */
export function renderTable(view: View, currency: string | null, width = TERMINAL_WIDTH): string {
  const cells = view.rows.map((row) => view.columns.map((c) => formatValue(row[c.key], c.format, currency)));
  const valueWidths = view.columns.map((_, i) => Math.max(0, ...cells.map((r) => (r[i] ?? "").length)));
  const widths = view.columns.map((c, i) => Math.max(c.label.length, valueWidths[i] ?? 0));
  let gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  // First wrap labels: a character at a time from the column whose label has the most room
  // to give above its values and its longest word.
  while (total() > width) {
    let roomiest = -1;
    let room = 0;
    view.columns.forEach((c, i) => {
      const give = (widths[i] ?? 0) - Math.max(valueWidths[i] ?? 0, longestWord(c.label));
      if (give > room) [roomiest, room] = [i, give];
    });
    if (roomiest < 0) break;
    widths[roomiest] = (widths[roomiest] ?? 0) - 1;
  }
  // Then take a character at a time from the widest text column, so long names share the cut
  // instead of one column losing everything.
  while (total() > width) {
    let widest = -1;
    view.columns.forEach((c, i) => {
      if (c.format !== "text" || isIdentifier(c.key)) return;
      if (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0)) widest = i;
    });
    if (widest < 0 || (widths[widest] ?? 0) <= MIN_TEXT_WIDTH) {
      if (gap > 1 && widths.length > 1) {
        gap = 1;
        continue;
      }
      break;
    }
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        const column = view.columns[i];
        const text = column && isIdentifier(column.key) ? v : truncate(v, w);
        const numeric = column?.format !== "text" && column?.format !== "date";
        return numeric ? text.padStart(w) : text.padEnd(w);
      })
      .join(" ".repeat(gap))
      .trimEnd();
  // Wrapped labels sit on the rule: their last line is the one next to the values.
  const labels = view.columns.map((c, i) => labelLines(c.label, widths[i] ?? 0));
  const depth = Math.max(1, ...labels.map((l) => l.length));
  const header = Array.from({ length: depth }, (_, row) => line(labels.map((l) => l[row - (depth - l.length)] ?? "")));
  const out = [wrap(view.title, "", width), ...header, line(widths.map((w) => "─".repeat(w)))];
  if (cells.length === 0) out.push("(nothing in this period)");
  for (const row of cells) out.push(line(row));
  return out.join("\n");
}

/**
 * papaparse, loaded by the first CSV written: the table and JSON outputs never need it, and
 * require() spares Node the export scan an ESM import of a CommonJS file costs.
 */
const papa = (): typeof Papa => createRequire(import.meta.url)("papaparse");

/** A view as CSV: raw values (fractions, not percent text), so spreadsheets can compute with them. */
export function renderCsv(view: View): string {
  // For a spreadsheet too: formula-looking text (a lead named "=HYPERLINK(...)") as text.
  return papa().unparse({
    fields: view.columns.map((c) => c.key),
    data: view.rows.map((row) => view.columns.map((c) => escapeFormula(row[c.key] ?? ""))),
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

/** The nouns of a "per" figure: "shares" per "post". */
export type PerWords = { events: string; exposure: string };

/**
 * The nouns of a per figure from its label: "Shares per post" gives shares and post. Null
 * when the label does not read "<events> per <exposure>".
 */
export function perWords(label: string): PerWords | null {
  const match = /^(.+?)\s+per\s+(.+)$/i.exec(label.trim());
  if (!match?.[1] || !match[2]) return null;
  return { events: match[1].toLowerCase(), exposure: match[2].toLowerCase() };
}

/** "post" for one, "posts" for more (the last word only: "won lead", "won leads"). */
function plural(noun: string, n: number): string {
  if (n === 1) return noun;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

/** A bound of an interval in the figure's format, without the unit the figure already shows. */
function bound(value: number, format: Format): string {
  switch (format) {
    case "percent":
      return (value * 100).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    case "days":
      return value.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    case "money":
      return formatValue(value, "money", null);
    default:
      return formatValue(value, format, null);
  }
}

/** A rate's 95% interval as "95% 7.6–34.5%": Wilson, as the funnel's intervals. */
function rateInterval(successes: number, trials: number): string | null {
  const interval = wilsonInterval(successes, trials);
  if (!interval) return null;
  return `95% ${bound(interval.low, "percent")}–${bound(interval.high, "percent")}%`;
}

/**
 * The n behind a figure, as it follows the figure (METRICS.md, "Signal or noise": every rate
 * with numerator, denominator and 95% interval, every median with how many leads it is
 * over). Without the parentheses and without the value itself:
 * - rate: "5 of 29, 95% 7.6–34.5%" (Wilson interval)
 * - median: "median of 41 leads, 95% 28.0–44.1" (bounds in the figure's format, no unit)
 * - per: "720 shares / 90 posts" (nouns from `words`; without them "720 / 90")
 * - sum: "16 leads"
 * - count and level: "" (the figure is its own n).
 */
export function formatEvidence(
  evidence: Evidence,
  format: Format,
  currency: string | null = null,
  words: PerWords | null = null,
): string {
  switch (evidence.kind) {
    case "rate": {
      const counts = `${formatValue(evidence.successes, "count")} of ${formatValue(evidence.trials, "count")}`;
      const interval = rateInterval(evidence.successes, evidence.trials);
      return interval ? `${counts}, ${interval}` : counts;
    }
    case "median": {
      const over = `median of ${formatValue(evidence.n, "count")} ${plural("lead", evidence.n)}`;
      if (evidence.low === null || evidence.high === null) {
        return evidence.n === 0 ? over : `${over}, too few for an interval`;
      }
      const interval = `95% ${bound(evidence.low, format)}–${bound(evidence.high, format)}`;
      return `${over}, ${format === "money" && currency ? `${interval} ${currency}` : interval}`;
    }
    case "per": {
      const events = formatValue(evidence.events, "count");
      const exposure = formatValue(evidence.exposure, "count");
      if (!words) return `${events} / ${exposure}`;
      return `${events} ${words.events} / ${exposure} ${plural(words.exposure, evidence.exposure)}`;
    }
    case "sum":
      return `${formatValue(evidence.n, "count")} ${plural("lead", evidence.n)}`;
    case "count":
    case "level":
      return "";
  }
}

/** "cannot tell: no losses are recorded (import the lost deals)", shown instead of a number. */
export function formatUnsupported(unsupported: FigureUnsupported): string {
  return `cannot tell: ${unsupported.reason}${unsupported.fix ? ` (${unsupported.fix})` : ""}`;
}

/** What a figure needs to be printed with its n: a Headline has all of it. */
export type FigureToFormat = {
  label: string;
  value: number | null;
  format: Format;
  evidence?: Evidence | null;
  unsupported?: FigureUnsupported;
};

/**
 * A figure's value and its n apart, for layouts that align the values in a column:
 * { value: "8.0 per post", n: "720 shares / 90 posts" }. `n` is "" when there is nothing to
 * add (a count, no evidence); a figure the data cannot support has value "cannot tell" and
 * the reason (and fix) as `n`.
 */
export function figureParts(figure: FigureToFormat, currency: string | null = null): { value: string; n: string } {
  if (figure.unsupported) {
    const { reason, fix } = figure.unsupported;
    return { value: "cannot tell", n: fix ? `${reason} (${fix})` : reason };
  }
  const { evidence, format } = figure;
  if (!evidence || figure.value === null) return { value: formatValue(figure.value, format, currency), n: "" };
  if (evidence.kind === "per") {
    const words = perWords(figure.label);
    // A per figure reads with one decimal at least: "8.0 per post", not "8". One shown as a
    // percent (meetings per call) keeps its percent.
    const value =
      format === "number"
        ? figure.value.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 2 })
        : formatValue(figure.value, format, currency);
    return {
      value: words ? `${value} per ${words.exposure}` : value,
      n: formatEvidence(evidence, format, currency, words),
    };
  }
  return { value: formatValue(figure.value, format, currency), n: formatEvidence(evidence, format, currency) };
}

/**
 * A figure with its n, as the report prints it: "17.2% (5 of 29, 95% 7.6–34.5%)",
 * "35.2 d (median of 41 leads, 95% 28.0–44.1)", "8.0 per post (720 shares / 90 posts)",
 * "154,142 EUR (16 leads)", a count as is; a figure the data cannot support as
 * "cannot tell: <reason> (<fix>)" instead of a number.
 */
export function formatFigure(figure: FigureToFormat, currency: string | null = null): string {
  if (figure.unsupported) return formatUnsupported(figure.unsupported);
  const { value, n } = figureParts(figure, currency);
  return n ? `${value} (${n})` : value;
}
