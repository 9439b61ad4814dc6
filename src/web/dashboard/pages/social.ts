/**
 * Social: shares per post beside followers and impressions (by network and over time), and
 * the leads and won value social media brought.
 */
import type { ContentSharesResult } from "../../../metrics/results/content-shares.js";
import type { SocialConversionsResult } from "../../../metrics/results/social-conversions.js";
import type { Filters } from "../filters.js";
import { formatDate, t } from "../i18n.js";
import { bars, element, lines, loadMetric, metricHeading, section, sortableTable } from "./common.js";

export async function socialPage(main: HTMLElement, filters: Filters): Promise<void> {
  const [shares, conversions] = await Promise.all([
    loadMetric<ContentSharesResult>("content-shares", filters),
    loadMetric<SocialConversionsResult>("social-conversions", filters),
  ]);
  const byNetwork = {
    columns: [
      { key: "network", label: t("social.network"), format: "text" as const },
      { key: "sharesPerPost", label: t("headline.sharesPerPost"), format: "number" as const },
      { key: "posts", label: t("headline.posts"), format: "count" as const },
      { key: "shares", label: t("headline.shares"), format: "count" as const },
      { key: "followers", label: t("social.followers"), format: "count" as const },
      { key: "impressions", label: t("social.impressions"), format: "count" as const },
    ],
    rows: shares.result.byNetwork.map((n) => ({ ...n })),
  };
  const leads = {
    columns: [
      { key: "network", label: t("social.network"), format: "text" as const },
      { key: "leads", label: t("social.leads"), format: "count" as const },
      { key: "wonValue", label: t("social.wonValue"), format: "money" as const },
      { key: "visits", label: t("social.visits"), format: "count" as const },
      { key: "convertedVisits", label: t("social.convertedVisits"), format: "count" as const },
      { key: "visitToLeadRate", label: t("social.visitToLead"), format: "percent" as const },
    ],
    rows: conversions.result.byNetwork.map((n) => ({ ...n })),
    currency: conversions.currency,
  };
  const grid = element("div", "charts");
  grid.append(
    bars({
      title: t("social.byNetwork"),
      name: "shares-by-network",
      dataset: byNetwork,
      category: "network",
      series: [{ key: "sharesPerPost", label: t("headline.sharesPerPost") }],
    }),
    lines({
      title: t("social.trend"),
      name: "shares-per-post-over-time",
      dataset: {
        columns: [
          { key: "bucket", label: t("qualified.from"), format: "date" },
          { key: "sharesPerPost", label: t("headline.sharesPerPost"), format: "number" },
          { key: "posts", label: t("headline.posts"), format: "count" },
          { key: "shares", label: t("headline.shares"), format: "count" },
        ],
        rows: shares.result.trend.map((x) => ({ ...x })),
      },
      x: "bucket",
      xFormat: formatDate,
      series: [{ key: "sharesPerPost", label: t("headline.sharesPerPost") }],
    }),
    bars({
      title: t("social.leadsByNetwork"),
      name: "social-leads-by-network",
      dataset: leads,
      category: "network",
      series: [{ key: "leads", label: t("social.leads") }],
    }),
  );
  main.replaceChildren(
    ...metricHeading(shares),
    grid,
    section(t("social.byNetwork"), sortableTable({ name: "social-networks", dataset: byNetwork })),
    ...metricHeading(conversions).map((node) =>
      node.tagName === "H1" ? Object.assign(element("h2", "", node.textContent ?? "")) : node,
    ),
    section(t("social.leadsByNetwork"), sortableTable({ name: "social-leads", dataset: leads })),
  );
  main.dataset.ready = "all";
}
