/**
 * Home: the vanity check. The eight pairs side by side, largest divergence first (the API's
 * order), each with both numbers and their change, the finding in plain words, and a small
 * chart of both over the last periods (loaded after the pairs are on screen).
 */
import { get } from "../api.js";
import { chartBlock, type Dataset, LINE_STYLES, PALETTE } from "../chart.js";
import type { Filters } from "../filters.js";
import { type Format, formatChange, formatDate, formatValue, t, tKey } from "../i18n.js";

type Figure = { label: string; format: Format; value: number | null; previous: number | null; change: number | null };
type Finding = {
  vanity: string;
  metric: string;
  vanityFigure: Figure;
  realFigure: Figure;
  verdict: "diverging" | "improving" | "aligned" | "unknown";
  kind: "falls" | "flat" | "improving" | "real-fell" | "real-improved" | "steady" | "no-change" | "unsupported";
  finding: string;
};
type Span = { label: string; start: string; end: string };
type Check = { period: Span; comparison: Span; findings: Finding[]; currency?: string | null };
type Trend = {
  periods: Span[];
  pairs: { vanity: string; metric: string; vanityValues: (number | null)[]; realValues: (number | null)[] }[];
};

/** The finding in the reader's language, from what the API measured. */
export function findingText(f: Finding): string {
  const vanity = tKey(`vanity.${f.vanity}`);
  const real = tKey(`words.${f.vanity}`);
  switch (f.kind) {
    case "unsupported":
      return t("finding.unsupported", { detail: f.finding.replace(/^Cannot check: /, "").replace(/\.$/, "") });
    case "no-change":
      return t("finding.noChange", { missing: f.vanityFigure.change === null ? vanity.toLowerCase() : real });
    default: {
      const meaning =
        f.kind === "falls"
          ? tKey(`falls.${f.vanity}`)
          : f.kind === "flat"
            ? tKey(`flat.${f.vanity}`)
            : f.kind === "improving"
              ? t("finding.improving")
              : f.kind === "real-fell"
                ? t("finding.realFell", { real })
                : f.kind === "real-improved"
                  ? t("finding.realImproved", { real })
                  : t("finding.steady", { real });
      return t("finding.sentence", {
        vanity,
        vanityChange: formatChange(f.vanityFigure.change),
        real,
        realChange: formatChange(f.realFigure.change),
        meaning,
      });
    }
  }
}

const VERDICT_MARK: Record<Finding["verdict"], string> = { diverging: "≠", improving: "↑", aligned: "=", unknown: "?" };

function figureBlock(kind: "vanity" | "real", label: string, figure: Figure, currency: string | null): HTMLElement {
  const block = document.createElement("div");
  block.className = `figure ${kind}`;
  const caption = document.createElement("div");
  caption.className = "figure-kind";
  caption.textContent = kind === "vanity" ? t("home.vanity") : t("home.real");
  const name = document.createElement("div");
  name.className = "figure-label";
  name.textContent = label;
  const value = document.createElement("div");
  value.className = "figure-value";
  value.textContent = formatValue(figure.value, figure.format, currency);
  const change = document.createElement("div");
  change.className = "figure-change";
  change.textContent = `${formatChange(figure.change)} · ${t("home.was", { value: formatValue(figure.previous, figure.format, currency) })}`;
  block.append(caption, name, value, change);
  return block;
}

function card(f: Finding, currency: string | null): HTMLElement {
  const article = document.createElement("article");
  article.className = `pair verdict-${f.verdict}`;
  article.dataset.vanity = f.vanity;
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
  finding.textContent = findingText(f);
  const trend = document.createElement("div");
  trend.className = "trend";
  article.append(head, figures, finding, trend);
  return article;
}

function trendChart(f: Finding, trend: Trend, pair: Trend["pairs"][number], currency: string | null): HTMLElement {
  const vanity = tKey(`vanity.${f.vanity}`);
  const real = tKey(`real.${f.vanity}`);
  const dataset: Dataset = {
    columns: [
      { key: "period", label: t("chart.period"), format: "text" },
      { key: "vanity", label: vanity, format: f.vanityFigure.format },
      { key: "real", label: real, format: f.realFigure.format },
    ],
    rows: trend.periods.map((p, i) => ({
      period: p.label,
      vanity: pair.vanityValues[i] ?? null,
      real: pair.realValues[i] ?? null,
    })),
    currency,
  };
  const axis = (format: Format) => ({
    type: "value",
    scale: true,
    splitLine: { show: false },
    axisLabel: { formatter: (v: number) => formatValue(v, format === "days" ? "number" : format, currency) },
  });
  return chartBlock({
    title: t("home.trend", { vanity, real, count: trend.periods.length }),
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
        },
      ],
    }),
  });
}

export async function homePage(main: HTMLElement, filters: Filters): Promise<void> {
  const query = { ...filters };
  const check = await get<Check>("/api/check", query);
  const currency = check.currency ?? null;
  const heading = document.createElement("h1");
  heading.textContent = t("home.heading", { period: check.period.label, comparison: check.comparison.label });
  const range = document.createElement("p");
  range.className = "muted";
  range.textContent = `${formatDate(check.period.start)} – ${formatDate(new Date(Date.parse(check.period.end) - 1).toISOString())}. ${t("home.intro")}`;
  const grid = document.createElement("div");
  grid.className = "pairs";
  const cards = new Map<string, HTMLElement>();
  for (const finding of check.findings) {
    const element = card(finding, currency);
    cards.set(finding.vanity, element);
    grid.append(element);
  }
  main.replaceChildren(heading, range, grid);
  main.dataset.ready = "pairs";

  // The trends take a run of every metric per period: drawn when they come.
  const { compare: _, ...trendQuery } = query;
  const trend = await get<Trend>("/api/check/trend", trendQuery);
  for (const finding of check.findings) {
    const pair = trend.pairs.find((p) => p.vanity === finding.vanity);
    const holder = cards.get(finding.vanity)?.querySelector(".trend");
    if (pair && holder) holder.replaceChildren(trendChart(finding, trend, pair, currency));
  }
  main.dataset.ready = "all";
}
