/**
 * Velocity: days to win and to lose (median and upper percentiles, overall and by rep), days
 * in each stage, and the stalled leads, each linked to its timeline: a page at a time, paged
 * and sorted by the API (52,324 leads at size l are about 10 MB), the whole list as the API's CSV.
 */
import type { StalledLeadsPage, StalledSortColumn } from "../../../metrics/results/stalled-leads.js";
import type { VelocityResult } from "../../../metrics/results/velocity.js";
import { get } from "../api.js";
import type { Dataset } from "../chart.js";
import { type Filters, hrefWith } from "../filters.js";
import { currentLocale, t } from "../i18n.js";
import { bars, element, loadMetric, metricHeading, section } from "./common.js";
import { pagedTable } from "./paged-table.js";

/** Stalled leads a page shows. */
const STALLED_PAGE_SIZE = 100;

/** The API's sort column for each column of the stalled table ("Lead" shows the name). */
const STALLED_SORT: Record<string, StalledSortColumn> = {
  lead: "name",
  owner: "owner",
  stage: "stage",
  value: "value",
  days: "days",
  daysOver: "daysOver",
  lastActivity: "lastActivity",
};

/** The lead's timeline, keeping the filters for the way back. */
export function timelineHref(filters: Filters, lead: string): string {
  const url = new URL(hrefWith("/timeline", filters), location.origin);
  url.searchParams.set("lead", lead);
  return `${url.pathname}${url.search}`;
}

export async function velocityPage(main: HTMLElement, filters: Filters): Promise<void> {
  // The list's filters: the stalled list compares with nothing.
  const listFilters = { ...filters, compare: undefined };
  const stalledPage = (offset: number, sort?: string) =>
    get<StalledLeadsPage>("/api/stalled", {
      ...listFilters,
      limit: String(STALLED_PAGE_SIZE),
      offset: offset > 0 ? String(offset) : undefined,
      sort,
    });
  const [report, stalled] = await Promise.all([loadMetric<VelocityResult>("velocity", filters), stalledPage(0)]);
  const r = report.result;
  const spread: Dataset = {
    columns: [
      { key: "outcome", label: t("velocity.outcome"), format: "text" },
      { key: "leads", label: t("velocity.leads"), format: "count" },
      { key: "median", label: t("velocity.median"), format: "days" },
      { key: "low", label: t("velocity.medianLow"), format: "days" },
      { key: "high", label: t("velocity.medianHigh"), format: "days" },
      { key: "p75", label: t("velocity.p75"), format: "days" },
      { key: "p90", label: t("velocity.p90"), format: "days" },
    ],
    rows: [
      { outcome: t("velocity.wonRow"), ...r.won },
      { outcome: t("velocity.lostRow"), ...r.lost },
    ],
  };
  const byRep: Dataset = {
    columns: [
      { key: "rep", label: t("funnel.rep"), format: "text" },
      { key: "toWin", label: t("velocity.toWin"), format: "days" },
      { key: "wonLeads", label: t("velocity.wonLeads"), format: "count" },
      { key: "toLose", label: t("velocity.toLose"), format: "days" },
      { key: "lostLeads", label: t("velocity.lostLeads"), format: "count" },
    ],
    // Each median with the leads it is over (in the table and the CSV; the bars are the medians).
    rows: r.byRep.map((x) => ({
      rep: x.repName,
      toWin: x.won.median,
      wonLeads: x.won.leads,
      toLose: x.lost.median,
      lostLeads: x.lost.leads,
    })),
  };
  const stages: Dataset = {
    columns: [
      { key: "stage", label: t("funnel.stage"), format: "text" },
      { key: "days", label: t("velocity.median"), format: "days" },
      { key: "leads", label: t("velocity.leads"), format: "count" },
    ],
    // Null without stage history (the report's `unsupported` says so above): no bars then.
    rows: (r.daysInStage ?? []).map((s) => ({
      stage: `${s.pipelineName}: ${s.stageName}`,
      days: s.medianDays,
      leads: s.leads ?? null,
    })),
  };
  const stalledColumns = [
    { key: "lead", label: t("stalled.lead"), format: "text" },
    { key: "owner", label: t("stalled.owner"), format: "text" },
    { key: "stage", label: t("stalled.stage"), format: "text" },
    { key: "value", label: t("stalled.value"), format: "money" },
    { key: "days", label: t("stalled.days"), format: "number" },
    { key: "daysOver", label: t("stalled.daysOver"), format: "number" },
    { key: "lastActivity", label: t("stalled.lastActivity"), format: "date" },
  ] satisfies Dataset["columns"];
  const stalledRows = (page: StalledLeadsPage): Dataset["rows"] =>
    page.leads.map((l) => ({
      id: l.id,
      lead: l.name,
      owner: l.owner?.name ?? null,
      stage: l.stage?.name ?? null,
      value: l.value,
      days: Math.round(l.days * 10) / 10,
      daysOver: Math.round(l.daysOver * 10) / 10,
      lastActivity: l.lastActivity?.date ?? null,
    }));
  /** The whole list as CSV, with the same filters, in `sort`, its header in the reader's language. */
  const csvHref = (sort: string) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(listFilters)) if (value) params.set(name, value);
    params.set("sort", sort);
    params.set("lang", currentLocale());
    return `/api/stalled.csv?${params}`;
  };
  const distribution: Dataset = {
    columns: [
      { key: "range", label: t("velocity.range"), format: "text" },
      { key: "won", label: t("velocity.wonRow"), format: "count" },
      { key: "lost", label: t("velocity.lostRow"), format: "count" },
    ],
    rows: r.distribution.map((d) => ({ ...d })),
  };
  const grid = element("div", "charts");
  grid.append(
    bars({
      title: t("velocity.distribution"),
      name: "velocity-distribution",
      dataset: distribution,
      category: "range",
      series: [
        { key: "won", label: t("velocity.wonRow") },
        { key: "lost", label: t("velocity.lostRow") },
      ],
    }),
    bars({
      title: t("velocity.quantiles"),
      name: "velocity-days",
      dataset: spread,
      category: "outcome",
      series: [
        { key: "median", label: t("velocity.median") },
        { key: "p75", label: t("velocity.p75") },
        { key: "p90", label: t("velocity.p90") },
      ],
    }),
    bars({
      title: t("velocity.byRep"),
      name: "velocity-by-rep",
      dataset: byRep,
      category: "rep",
      horizontal: true,
      series: [
        { key: "toWin", label: t("velocity.toWin") },
        { key: "toLose", label: t("velocity.toLose") },
      ],
    }),
    bars({
      title: t("velocity.daysInStage"),
      name: "velocity-days-in-stage",
      dataset: stages,
      category: "stage",
      horizontal: true,
      series: [{ key: "days", label: t("velocity.median") }],
    }),
  );
  main.replaceChildren(
    ...metricHeading(report),
    grid,
    section(
      t("stalled.heading"),
      element("p", "muted", t("stalled.intro", { k: stalled.factor })),
      stalled.total > 0
        ? pagedTable({
            first: stalled,
            columns: stalledColumns,
            sortOf: (column) => STALLED_SORT[column] ?? null,
            rows: stalledRows,
            currency: report.currency,
            load: stalledPage,
            csvHref,
            link: (row, column) => (column === "lead" ? timelineHref(filters, String(row.id)) : null),
          })
        : element("p", "muted", t("stalled.none")),
    ),
  );
  main.dataset.ready = "all";
}
