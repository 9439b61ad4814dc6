/**
 * Home: the vanity check. The eight pairs side by side, what needs attention first (the API's
 * order), each with both numbers, the n behind them and whether their change is beyond normal
 * variation, the finding in the reader's language as the API words it, and a small chart of
 * both over the periods the check judged them against (the check's own `history`: one
 * request draws the whole page).
 */
import type { Figure, Span, VanityCheck, VanityFinding, Verdict } from "../../../metrics/results/check.js";
import type { DoctorReport } from "../../../metrics/results/doctor.js";
import { get } from "../api.js";
import { chartBlock, type Dataset, LINE_STYLES, PALETTE } from "../chart.js";
import { evidenceText, judgementText, unsupportedText } from "../figures.js";
import type { Filters } from "../filters.js";
import { currentLocale, type Format, formatChange, formatDate, formatValue, hasMessage, t, tKey } from "../i18n.js";

/** The verdict's mark (the same as `verity check` prints), beside its word: never colour alone. */
const VERDICT_MARK: Record<Verdict, string> = {
  diverging: "✗",
  improving: "✓",
  aligned: "·",
  noise: "~",
  unknown: "?",
};
const VERDICTS = Object.keys(VERDICT_MARK) as Verdict[];

function line(className: string, text: string): HTMLElement {
  const part = document.createElement("div");
  part.className = className;
  part.textContent = text;
  return part;
}

/**
 * One figure: its value and n, its change and earlier value, and whether the change is beyond
 * normal variation; or "cannot tell" with the reason and the fix instead of a number.
 */
function figureBlock(kind: "vanity" | "real", label: string, figure: Figure, currency: string | null): HTMLElement {
  const block = document.createElement("div");
  block.className = `figure ${kind}`;
  block.append(line("figure-kind", kind === "vanity" ? t("home.vanity") : t("home.real")), line("figure-label", label));
  if (figure.unsupported) {
    block.classList.add("unsupported");
    block.append(
      line("figure-value", t("figure.cannotTell")),
      line("figure-unsupported", unsupportedText(figure.unsupported)),
    );
    return block;
  }
  block.append(line("figure-value", formatValue(figure.value, figure.format, currency)));
  if (figure.evidence) block.append(line("figure-n", evidenceText(figure.evidence, figure.format, currency)));
  const was = t("home.was", { value: formatValue(figure.previous, figure.format, currency) });
  // A count's n is its value: the earlier n is worth repeating only for rates, medians and sums.
  const earlier = figure.previousEvidence;
  const before =
    earlier && earlier.kind !== "count" && earlier.kind !== "level"
      ? `${was} (${evidenceText(earlier, figure.format, currency, true)})`
      : was;
  block.append(line("figure-change", `${formatChange(figure.change)} · ${before}`));
  const judged = judgementText(figure.judgement, figure.format, currency);
  if (judged) {
    const signal = figure.judgement?.movement === "up" || figure.judgement?.movement === "down";
    block.append(line(`figure-judgement ${signal ? "signal" : "within"}`, judged));
  }
  return block;
}

function card(f: VanityFinding, periods: Span[], currency: string | null): HTMLElement {
  const article = document.createElement("article");
  article.className = `pair verdict-${f.verdict}`;
  article.dataset.vanity = f.vanity;
  article.dataset.verdict = f.verdict;
  const head = document.createElement("header");
  const title = document.createElement("h2");
  title.textContent = `${tKey(`vanity.${f.vanity}`)} → ${tKey(`real.${f.vanity}`)}`;
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = `${VERDICT_MARK[f.verdict]} ${t(`verdict.${f.verdict}`)}`;
  head.append(title, badge);
  const figures = document.createElement("div");
  figures.className = "figures";
  figures.append(
    figureBlock("vanity", tKey(`vanity.${f.vanity}`), f.vanityFigure, currency),
    figureBlock("real", tKey(`real.${f.vanity}`), f.realFigure, currency),
  );
  const finding = document.createElement("p");
  finding.className = "finding";
  finding.textContent = f.words[currentLocale()];
  const trend = document.createElement("div");
  trend.className = "trend";
  const chart = trendChart(f, periods, currency);
  if (chart) trend.append(chart);
  article.append(head, figures, finding, trend);
  return article;
}

/** The legend of the marks, in the order the findings come. */
function legend(): HTMLElement {
  const holder = document.createElement("details");
  holder.className = "legend";
  // Open where there is room; on a phone a tap away, so the pairs come first.
  holder.open = !matchMedia("(max-width: 640px)").matches;
  const summary = document.createElement("summary");
  summary.textContent = t("legend.heading");
  const list = document.createElement("ul");
  for (const verdict of VERDICTS) {
    const item = document.createElement("li");
    item.className = `verdict-${verdict}`;
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.textContent = VERDICT_MARK[verdict];
    item.append(mark, ` ${t(`legend.${verdict}`)}`);
    list.append(item);
  }
  holder.append(summary, list);
  return holder;
}

/**
 * Both figures over the check's periods (leading periods where neither has data left out),
 * the real figure's normal range (its natural process limits) shaded. Null when neither
 * figure has a value before the current period.
 */
function trendChart(f: VanityFinding, periods: Span[], currency: string | null): HTMLElement | null {
  const vanity = tKey(`vanity.${f.vanity}`);
  const real = tKey(`real.${f.vanity}`);
  const at = (values: (number | null)[], i: number) => values[i] ?? null;
  const first = periods.findIndex(
    (_, i) => at(f.vanityFigure.history, i) !== null || at(f.realFigure.history, i) !== null,
  );
  // One period is a point, not a trend.
  if (first < 0 || first > periods.length - 2) return null;
  const shown = periods.slice(first);
  const dataset: Dataset = {
    columns: [
      { key: "period", label: t("chart.period"), format: "text" },
      { key: "vanity", label: vanity, format: f.vanityFigure.format },
      { key: "real", label: real, format: f.realFigure.format },
    ],
    rows: shown.map((p, i) => ({
      period: p.label,
      vanity: at(f.vanityFigure.history, first + i),
      real: at(f.realFigure.history, first + i),
    })),
    currency,
  };
  const axis = (format: Format) => ({
    type: "value",
    scale: true,
    // Counts in whole steps: a handful of leads would otherwise read "0, 0, 1, 1".
    minInterval: format === "count" ? 1 : undefined,
    splitLine: { show: false },
    axisLabel: { formatter: (v: number) => formatValue(v, format === "days" ? "number" : format, currency) },
  });
  const limits = f.realFigure.unsupported ? null : (f.realFigure.judgement?.variation ?? null);
  const band = limits ? { low: Math.max(0, limits.low), high: limits.high } : null;
  const title = t("home.trend", { vanity, real, count: shown.length });
  return chartBlock({
    title: band ? `${title}. ${t("home.normalBand", { real: real.toLowerCase() })}` : title,
    name: `vanity-check-${f.vanity}`,
    dataset,
    height: 170,
    className: "small",
    option: (d) => ({
      grid: { left: 56, right: 56, top: 34, bottom: 24 },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      tooltip: {
        trigger: "axis",
        valueFormatter: undefined,
        formatter: (items: { seriesIndex: number; axisValueLabel: string; value: number | null; marker: string }[]) =>
          [
            items[0]?.axisValueLabel ?? "",
            ...items.map(
              (item) =>
                `${item.marker} ${item.seriesIndex === 0 ? vanity : real}: ${formatValue(
                  item.value,
                  item.seriesIndex === 0 ? f.vanityFigure.format : f.realFigure.format,
                  currency,
                )}`,
            ),
          ].join("<br>"),
      },
      xAxis: { type: "category", data: d.rows.map((r) => r.period) },
      yAxis: [axis(f.vanityFigure.format), axis(f.realFigure.format)],
      series: [
        {
          name: vanity,
          type: "line",
          yAxisIndex: 0,
          data: d.rows.map((r) => r.vanity),
          color: PALETTE[1],
          lineStyle: { type: LINE_STYLES[1] },
          symbol: "rect",
        },
        {
          name: real,
          type: "line",
          yAxisIndex: 1,
          data: d.rows.map((r) => r.real),
          color: PALETTE[0],
          lineStyle: { type: LINE_STYLES[0], width: 3 },
          symbol: "circle",
          // The band the real figure's value would have to leave to count as a signal over time.
          markArea: band
            ? {
                silent: true,
                itemStyle: { color: "rgba(0, 114, 178, 0.1)" },
                data: [[{ yAxis: band.low }, { yAxis: band.high }]],
              }
            : undefined,
        },
      ],
    }),
  });
}

/**
 * Data health: what the loaded data lacks and what fixes it, one line per missing thing with
 * the metrics it takes away from. Null when every metric is supported. The doctor gives each
 * message and fix in English (as `verity doctor` prints them) and in Swedish.
 */
function healthBanner(report: DoctorReport): HTMLElement | null {
  const lacking = new Map<string, { message: string; fix: string; unsupported: boolean; names: string[] }>();
  for (const entry of [...report.metrics, ...report.vanity]) {
    const key = entry.kind === "metric" ? `metric.${entry.id}.title` : `vanity.${entry.id}`;
    const name = hasMessage(key) ? tKey(key) : entry.title;
    for (const missing of entry.missing) {
      // The same need reads the same everywhere, but for history, which names its data's area.
      const id = `${missing.need}: ${missing.message}`;
      const words = currentLocale() === "sv" && missing.sv ? missing.sv : missing;
      const line = lacking.get(id) ?? { message: words.message, fix: words.fix, unsupported: false, names: [] };
      line.unsupported ||= missing.effect === "unsupported";
      if (!line.names.includes(name)) line.names.push(name);
      lacking.set(id, line);
    }
  }
  if (lacking.size === 0) return null;
  const banner = document.createElement("aside");
  banner.className = "notice health";
  banner.setAttribute("role", "status");
  const lead = document.createElement("p");
  const heading = document.createElement("strong");
  heading.textContent = `${t("health.heading")}: `;
  lead.append(
    heading,
    t("health.summary", {
      unsupported: report.summary.unsupported,
      partly: report.summary.partly,
      total: report.summary.supported + report.summary.partly + report.summary.unsupported,
    }),
  );
  const list = document.createElement("ul");
  // What takes whole metrics away first.
  const lines = [...lacking.values()].sort((a, b) => Number(b.unsupported) - Number(a.unsupported));
  for (const line of lines) {
    const item = document.createElement("li");
    item.textContent = t("health.line", {
      message: line.message.replace(/\.$/, ""),
      names: line.names.join(", "),
      fix: line.fix.replace(/\.$/, ""),
    });
    list.append(item);
  }
  // A few lines are read at once; a long list is a tap away, so the banner stays short.
  const more = document.createElement("details");
  more.open = lines.length <= 3;
  const summary = document.createElement("summary");
  summary.textContent = t("health.more", { count: lines.length });
  more.append(summary, list);
  banner.append(lead, more);
  return banner;
}

export async function homePage(main: HTMLElement, filters: Filters): Promise<void> {
  // Data health beside the check; the page does without it should it fail.
  const health = get<DoctorReport>("/api/doctor").catch(() => null);
  const check = await get<VanityCheck>("/api/check", { ...filters });
  const currency = check.currency ?? null;
  const heading = document.createElement("h1");
  heading.textContent = t("home.heading", { period: check.period.label, comparison: check.comparison.label });
  const range = document.createElement("p");
  range.className = "muted";
  range.textContent = `${formatDate(check.period.start)} – ${formatDate(new Date(Date.parse(check.period.end) - 1).toISOString())}. ${t("home.intro")}`;
  const grid = document.createElement("div");
  grid.className = "pairs";
  for (const finding of check.findings) grid.append(card(finding, check.history.periods, currency));
  const doctor = await health;
  const banner = doctor ? healthBanner(doctor) : null;
  main.replaceChildren(heading, range, ...(banner ? [banner] : []), legend(), grid);
  // "all" once the charts are drawn: each draws in the animation frame after it joins the page.
  main.dataset.ready = "pairs";
  requestAnimationFrame(() => {
    if (main.isConnected) main.dataset.ready = "all";
  });
}
