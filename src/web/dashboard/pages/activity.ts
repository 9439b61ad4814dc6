/**
 * Activity quality: the activity leaderboard beside the sales leaderboard (same rep order, so
 * the busiest and the best are seen apart), each rep's activities against results, the top
 * against the bottom performers, and the activity mix of won against lost leads.
 */
import type {
  ActivityQualityResult,
  ActivityType,
  PerformerComparison,
} from "../../../metrics/results/activity-quality.js";
import type { Dataset } from "../chart.js";
import type { Filters } from "../filters.js";
import { t } from "../i18n.js";
import { bars, element, loadMetric, metricHeading, section, sortableTable } from "./common.js";

/** The measures the top and bottom performers are shown side by side on, each in its own unit. */
type Measure = keyof Pick<
  PerformerComparison["top"],
  | "activities"
  | "activitiesPerOpportunity"
  | "activitiesPerWonLead"
  | "realNoteShare"
  | "medianHoursToFirstActivity"
  | "wonValue"
>;

export async function activityPage(main: HTMLElement, filters: Filters): Promise<void> {
  const report = await loadMetric<ActivityQualityResult>("activity-quality", filters);
  const r = report.result;
  const reps = [...r.reps].sort((a, b) => (b.wonValue ?? 0) - (a.wonValue ?? 0));
  const table: Dataset = {
    columns: [
      { key: "rep", label: t("funnel.rep"), format: "text" },
      { key: "activities", label: t("headline.activities"), format: "count" },
      { key: "opportunities", label: t("activity.opportunities"), format: "count" },
      { key: "wonLeads", label: t("headline.wonLeads"), format: "count" },
      { key: "wonValue", label: t("headline.wonValue"), format: "money" },
      { key: "perWon", label: t("headline.activitiesPerWonLead"), format: "number" },
      { key: "lostLeads", label: t("activity.lostLeads"), format: "count" },
      { key: "winRate", label: t("activity.winRate"), format: "percent" },
      { key: "realNoteCount", label: t("activity.realNoteCount"), format: "count" },
      { key: "realNotes", label: t("activity.realNotes"), format: "percent" },
      { key: "firstResponse", label: t("activity.firstResponse"), format: "number" },
    ],
    rows: reps.map((x) => ({
      rep: x.repName,
      activities: x.activities,
      opportunities: x.opportunitiesCreated,
      wonLeads: x.wonLeads,
      wonValue: x.wonValue,
      perWon: x.activitiesPerWonLead,
      lostLeads: x.lostLeads ?? null,
      winRate: x.winRate,
      realNoteCount: x.realNotes ?? null,
      realNotes: x.realNoteShare,
      firstResponse: x.medianHoursToFirstActivity,
    })),
    currency: report.currency,
  };
  const grid = element("div", "charts");
  grid.append(
    bars({
      title: t("activity.leaderboard"),
      name: "activity-leaderboard",
      dataset: table,
      category: "rep",
      horizontal: true,
      series: [{ key: "activities", label: t("headline.activities") }],
    }),
    bars({
      title: t("activity.sales"),
      name: "sales-leaderboard",
      dataset: table,
      category: "rep",
      horizontal: true,
      series: [{ key: "wonValue", label: t("headline.wonValue") }],
    }),
  );
  // No groups with fewer than 2 reps, without activity data or without amounts: empty rows then.
  const top = r.performers?.top ?? null;
  const bottom = r.performers?.bottom ?? null;
  const measures: [string, Measure, "count" | "number" | "percent" | "money"][] = [
    [t("headline.activities"), "activities", "count"],
    [t("activity.perOpportunity"), "activitiesPerOpportunity", "number"],
    [t("headline.activitiesPerWonLead"), "activitiesPerWonLead", "number"],
    [t("activity.realNotes"), "realNoteShare", "percent"],
    [t("activity.firstResponse"), "medianHoursToFirstActivity", "number"],
    [t("headline.wonValue"), "wonValue", "money"],
  ];
  // A row per group, a column per measure: each measure keeps its own unit.
  const performers: Dataset = {
    columns: [
      { key: "group", label: t("activity.group"), format: "text" },
      ...measures.map(([label, key, format]) => ({ key, label, format })),
    ],
    rows: [
      { group: t("activity.top"), ...Object.fromEntries(measures.map(([, key]) => [key, top?.[key] ?? null])) },
      { group: t("activity.bottom"), ...Object.fromEntries(measures.map(([, key]) => [key, bottom?.[key] ?? null])) },
    ],
    currency: report.currency,
  };
  // Null without activity data: no bars then.
  const mixWonLost = r.mixWonLost;
  const types = mixWonLost ? (Object.keys(mixWonLost.won.perLeadByType) as ActivityType[]) : [];
  const mix: Dataset = {
    columns: [
      { key: "type", label: t("activity.type"), format: "text" },
      { key: "won", label: t("activity.won"), format: "number" },
      { key: "lost", label: t("activity.lost"), format: "number" },
    ],
    rows: types.map((type) => ({
      type,
      won: mixWonLost?.won.perLeadByType[type] ?? 0,
      lost: mixWonLost?.lost.perLeadByType[type] ?? 0,
    })),
  };
  grid.append(
    bars({
      title: t("activity.mix"),
      name: "activity-mix-won-lost",
      dataset: mix,
      category: "type",
      series: [
        { key: "won", label: t("activity.won") },
        { key: "lost", label: t("activity.lost") },
      ],
    }),
  );
  main.replaceChildren(
    ...metricHeading(report),
    grid,
    section(t("activity.performers"), sortableTable({ name: "top-bottom-performers", dataset: performers })),
    section(t("activity.reps"), sortableTable({ name: "activity-by-rep", dataset: table })),
  );
  main.dataset.ready = "all";
}
