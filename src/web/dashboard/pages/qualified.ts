/** Qualified leads: new against qualified over time and by source, with the qualification rate. */
import type { QualifiedLeadsResult } from "../../../metrics/results/qualified-leads.js";
import type { Filters } from "../filters.js";
import { formatDate, t } from "../i18n.js";
import { bars, element, lines, loadMetric, metricHeading } from "./common.js";

export async function qualifiedPage(main: HTMLElement, filters: Filters): Promise<void> {
  const report = await loadMetric<QualifiedLeadsResult>("qualified-leads", filters);
  const r = report.result;
  const series = [
    { key: "newLeads", label: t("qualified.new") },
    { key: "qualifiedLeads", label: t("qualified.qualified") },
  ];
  const grid = element("div", "charts");
  grid.append(
    lines({
      title: t("qualified.trend"),
      name: "qualified-leads-over-time",
      dataset: {
        columns: [
          { key: "bucket", label: t("qualified.from"), format: "date" },
          { key: "newLeads", label: t("qualified.new"), format: "count" },
          { key: "qualifiedLeads", label: t("qualified.qualified"), format: "count" },
        ],
        rows: r.trend.map((x) => ({ bucket: x.bucket, newLeads: x.newLeads, qualifiedLeads: x.qualifiedLeads })),
      },
      x: "bucket",
      xFormat: formatDate,
      series,
    }),
    bars({
      title: t("qualified.bySource"),
      name: "qualified-leads-by-source",
      dataset: {
        columns: [
          { key: "source", label: t("qualified.source"), format: "text" },
          { key: "newLeads", label: t("qualified.new"), format: "count" },
          { key: "qualifiedLeads", label: t("qualified.qualified"), format: "count" },
          { key: "newQualified", label: t("qualified.newQualified"), format: "count" },
          { key: "rate", label: t("qualified.rate"), format: "percent" },
        ],
        rows: r.bySource.map((x) => ({
          source: x.source,
          newLeads: x.newLeads,
          qualifiedLeads: x.qualifiedLeads,
          // The rate's numerator: new leads of the period that qualified (of newLeads).
          newQualified: x.newLeadsQualified ?? null,
          rate: x.qualificationRate,
        })),
      },
      category: "source",
      horizontal: true,
      series,
    }),
  );
  main.replaceChildren(...metricHeading(report), grid);
  main.dataset.ready = "all";
}
