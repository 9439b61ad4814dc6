/**
 * Campaigns (issue 18): the list, one campaign's results (the leads, qualified leads and value
 * it brought first; clicks beside how many it reached; opens never, and said why) and those
 * results over time, and a saved segment's preview (who a campaign to it would reach, who
 * not and why). The figures are the API's (GET /api/campaigns, /api/campaigns/{name},
 * /api/segments/{name}/preview); a rep sees a preview's addresses masked, as the API sends them.
 */
import type { CampaignDay, CampaignResults } from "../../../campaigns/results-types.js";
import { ApiFailure, get } from "../api.js";
import type { Dataset } from "../chart.js";
import type { Filters } from "../filters.js";
import { hrefWith } from "../filters.js";
import { formatDate, formatValue, type MessageKey, t } from "../i18n.js";
import { element, lines, section, sortableTable, stat } from "./common.js";

type Counts = { queued: number; sent: number; retry: number; failed: number; bounced: number; uncertain: number };

type CampaignRow = {
  name: string;
  segment: string;
  subject: string;
  status: string;
  recipients: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: Counts;
  running: boolean;
};

type Detail = CampaignRow & { results: CampaignResults; daily: CampaignDay[] };

type Preview = {
  asOf: string;
  matched: number;
  mailable: number;
  withoutOptIn: number;
  suppressed: Record<string, number>;
  sample: { address: string; firstName: string | null; lastName: string | null; company: string | null }[];
};

const STATUSES = ["draft", "scheduled", "sending", "paused", "sent", "cancelled"];

const statusText = (status: string) =>
  STATUSES.includes(status) ? t(`campaigns.status.${status}` as MessageKey) : status;

const count = (n: number) => formatValue(n, "count");

/** The campaign named in the address (?campaign=), else the one that began sending last. */
function chosen(list: readonly CampaignRow[]): string | null {
  const asked = new URLSearchParams(location.search).get("campaign");
  if (asked && list.some((c) => c.name === asked)) return asked;
  let latest: CampaignRow | null = null;
  for (const c of list)
    if (c.startedAt !== null && (latest === null || c.startedAt > (latest.startedAt ?? ""))) latest = c;
  return latest?.name ?? null;
}

function hrefOf(name: string, filters: Filters): string {
  const base = hrefWith("/campaigns", filters);
  return `${base}${base.includes("?") ? "&" : "?"}campaign=${encodeURIComponent(name)}`;
}

function listSection(list: readonly CampaignRow[], filters: Filters): HTMLElement {
  const dataset: Dataset = {
    columns: [
      { key: "name", label: t("campaigns.name"), format: "text" },
      { key: "status", label: t("campaigns.statusColumn"), format: "text" },
      { key: "segment", label: t("campaigns.segment"), format: "text" },
      { key: "recipients", label: t("campaigns.recipients"), format: "count" },
      { key: "sent", label: t("campaigns.sent"), format: "count" },
      { key: "started", label: t("campaigns.started"), format: "date" },
    ],
    rows: list.map((c) => ({
      name: c.name,
      status: statusText(c.status),
      segment: c.segment,
      recipients: c.recipients,
      sent: c.counts.sent,
      started: c.startedAt?.slice(0, 10) ?? null,
    })),
  };
  return section(
    t("campaigns.list"),
    sortableTable({
      name: "campaigns",
      dataset,
      link: (row, column) => (column === "name" ? hrefOf(String(row.name), filters) : null),
    }),
  );
}

/** The results: what matters first, reach beside it, opens only as "not measured" and why. */
function resultStats(r: CampaignResults): HTMLElement {
  const stats = element("div", "stats");
  stats.setAttribute("aria-label", t("campaigns.results"));
  stats.append(
    stat(t("campaigns.leads"), count(r.leads), [t("campaigns.leadsNote", { days: r.attributionDays })], "real"),
    stat(t("campaigns.qualified"), count(r.qualifiedLeads), [t("campaigns.ofLeads", { n: count(r.leads) })], "real"),
    stat(
      t("campaigns.wonValue"),
      formatValue(r.wonValue, "number"),
      [t("campaigns.wonLeads", { n: count(r.wonLeads) })],
      "real",
    ),
    stat(
      t("campaigns.clickers"),
      count(r.uniqueClickers),
      [t("campaigns.clicks", { n: count(r.clicks) })],
      "real",
      t("campaigns.ofDelivered", { n: count(r.delivered) }),
    ),
    stat(t("campaigns.visits"), count(r.visits), [t("campaigns.visitsNote")], "real"),
    stat(
      t("campaigns.delivered"),
      count(r.delivered),
      [t("campaigns.bouncedNote", { bounced: count(r.bounced), unsubscribed: count(r.unsubscribed) })],
      "real",
      t("campaigns.ofSent", { n: count(r.sent) }),
    ),
  );
  // Opens last, dashed as a vanity figure, and always with why they mislead.
  if (r.opens === null || r.uniqueOpeners === null) {
    const opens = stat(t("campaigns.opens"), t("campaigns.notMeasured"), [t("campaigns.opensWhy")], "vanity");
    opens.classList.add("unsupported");
    stats.append(opens);
  } else {
    stats.append(
      stat(
        t("campaigns.opensUnreliable"),
        count(r.uniqueOpeners),
        [t("campaigns.opensLoads", { n: count(r.opens) }), t("campaigns.opensWhy")],
        "vanity",
        t("campaigns.ofDelivered", { n: count(r.delivered) }),
      ),
    );
  }
  return stats;
}

function overTime(detail: Detail): HTMLElement {
  if (detail.daily.length === 0) return element("p", "notice", t("campaigns.notStarted"));
  const columns: Dataset["columns"] = [
    { key: "day", label: t("campaigns.day"), format: "date" },
    { key: "sent", label: t("campaigns.sent"), format: "count" },
    { key: "newClickers", label: t("campaigns.newClickers"), format: "count" },
    { key: "clicks", label: t("campaigns.clicksColumn"), format: "count" },
    { key: "visits", label: t("campaigns.visits"), format: "count" },
    { key: "leads", label: t("campaigns.leads"), format: "count" },
    { key: "unsubscribed", label: t("campaigns.unsubscribed"), format: "count" },
  ];
  // Sent is in the table, not on the chart: a send's day would flatten every other line.
  return lines({
    title: t("campaigns.overTime"),
    name: `campaign-${detail.name}-by-day`,
    dataset: { columns, rows: detail.daily },
    x: "day",
    xFormat: formatDate,
    series: [
      { key: "leads", label: t("campaigns.leads") },
      { key: "visits", label: t("campaigns.visits") },
      { key: "newClickers", label: t("campaigns.newClickers") },
    ],
  });
}

async function detailSection(name: string): Promise<HTMLElement> {
  const detail = await get<Detail>(`/api/campaigns/${encodeURIComponent(name)}`);
  const part = section(t("campaigns.one", { name: detail.name }));
  part.dataset.campaign = detail.name;
  const facts = element(
    "p",
    "why",
    t("campaigns.facts", {
      subject: detail.subject,
      segment: detail.segment,
      status: statusText(detail.status),
      started: detail.startedAt ? formatDate(detail.startedAt.slice(0, 10)) : "–",
    }),
  );
  part.append(facts, resultStats(detail.results), overTime(detail));
  return part;
}

/** A saved segment's preview, asked when one is chosen. */
function previewSection(segments: readonly { name: string }[]): HTMLElement {
  const part = section(t("campaigns.preview"));
  if (segments.length === 0) {
    part.append(element("p", "notice", t("campaigns.noSegments")));
    return part;
  }
  const label = element("label", "", t("campaigns.segment"));
  const select = element("select");
  select.id = "segment-preview";
  label.htmlFor = select.id;
  for (const s of segments) select.append(new Option(s.name, s.name));
  const out = element("div", "segment-preview");
  let asked = 0;
  const show = async () => {
    const mine = ++asked;
    out.setAttribute("aria-busy", "true");
    try {
      const p = await get<Preview>(`/api/segments/${encodeURIComponent(select.value)}/preview`, { sample: "10" });
      if (mine !== asked) return;
      const stats = element("div", "stats");
      stats.append(
        stat(t("campaigns.mailable"), count(p.mailable), [t("campaigns.mailableNote")], "real"),
        stat(t("campaigns.matched"), count(p.matched), [t("campaigns.matchedNote")], "real"),
        stat(t("campaigns.withoutOptIn"), count(p.withoutOptIn), [t("campaigns.withoutOptInNote")], "real"),
      );
      const reasons = Object.entries(p.suppressed).filter(([, n]) => n > 0);
      stats.append(
        stat(
          t("campaigns.suppressed"),
          count(reasons.reduce((a, [, n]) => a + n, 0)),
          [reasons.map(([reason, n]) => `${t(`campaigns.reason.${reason}` as MessageKey)} ${count(n)}`).join(" · ")],
          "real",
        ),
      );
      const sample = sortableTable({
        name: `segment-${select.value}-sample`,
        dataset: {
          columns: [
            { key: "address", label: t("campaigns.address"), format: "text" },
            { key: "name", label: t("campaigns.personName"), format: "text" },
            { key: "company", label: t("campaigns.company"), format: "text" },
          ],
          rows: p.sample.map((s) => ({
            address: s.address,
            name: [s.firstName, s.lastName].filter(Boolean).join(" ") || null,
            company: s.company,
          })),
        },
      });
      out.replaceChildren(stats, element("h3", "", t("campaigns.sample", { n: count(p.sample.length) })), sample);
      out.dataset.segment = select.value;
    } catch (error) {
      if (mine !== asked) return;
      const message = element("p", "error");
      message.setAttribute("role", "alert");
      message.textContent = t("state.error", {
        message: error instanceof ApiFailure || error instanceof Error ? error.message : String(error),
      });
      out.replaceChildren(message);
    } finally {
      if (mine === asked) out.removeAttribute("aria-busy");
    }
  };
  select.addEventListener("change", () => void show());
  const bar = element("div", "preview-bar");
  bar.append(label, select);
  part.append(bar, out);
  void show();
  return part;
}

export async function campaignsPage(main: HTMLElement, filters: Filters): Promise<void> {
  const [{ campaigns }, { segments }] = await Promise.all([
    get<{ campaigns: CampaignRow[] }>("/api/campaigns"),
    get<{ segments: { name: string }[] }>("/api/segments"),
  ]);
  const heading = [element("h1", "", t("campaigns.title")), element("p", "why", t("campaigns.why"))];
  const parts: HTMLElement[] = [];
  if (campaigns.length === 0) {
    parts.push(element("p", "notice", t("campaigns.none")));
  } else {
    const name = chosen(campaigns);
    if (name) parts.push(await detailSection(name));
    parts.push(listSection(campaigns, filters));
  }
  parts.push(previewSection(segments));
  main.replaceChildren(...heading, ...parts);
  main.dataset.ready = "all";
}
