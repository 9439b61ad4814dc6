/**
 * A lead's timeline: find a lead by id, name, account or contact (GET /api/leads), then see
 * everything that happened to it, in order (GET /api/leads/{id}/timeline).
 */
import type { LeadSearch } from "../../../metrics/results/lead-search.js";
import type { LeadTimeline, TimelineEvent } from "../../../metrics/results/lead-timeline.js";
import { ApiFailure, get } from "../api.js";
import type { Dataset } from "../chart.js";
import { type Filters, hrefWith } from "../filters.js";
import { formatValue, hasMessage, type MessageKey, t, tKey } from "../i18n.js";
import { element, sortableTable } from "./common.js";

const KINDS = ["visit", "created", "stage", "qualified", "activity", "subscription", "email", "closed"];

/** The event's own fields, in words: what the API says about it beyond its kind and time. */
function details(event: TimelineEvent): string {
  return Object.entries(event)
    .filter(
      ([key, value]) =>
        key !== "kind" &&
        key !== "time" &&
        value !== null &&
        value !== undefined &&
        value !== "" &&
        typeof value !== "object",
    )
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(" · ");
}

const statusText = (status: string) => (hasMessage(`status.${status}`) ? tKey(`status.${status}`) : status);

/** This page with `name=value` added to the filters. */
function selfHref(filters: Filters, name: "lead" | "search", value: string): string {
  const url = new URL(hrefWith("/timeline", filters), location.origin);
  url.searchParams.set(name, value);
  return `${url.pathname}${url.search}`;
}

async function results(filters: Filters, search: string): Promise<HTMLElement[]> {
  const found = await get<LeadSearch>("/api/leads", { search });
  if (found.leads.length === 0) return [element("p", "muted", t("timeline.noMatch", { search }))];
  const dataset: Dataset = {
    columns: [
      { key: "name", label: t("stalled.lead"), format: "text" },
      { key: "account", label: t("timeline.account"), format: "text" },
      { key: "status", label: t("timeline.statusColumn"), format: "text" },
      { key: "created", label: t("timeline.created"), format: "date" },
    ],
    rows: found.leads.map((l) => ({
      id: l.id,
      name: l.name ?? l.id,
      account: l.account,
      status: statusText(l.status),
      created: l.createdAt,
    })),
  };
  return [
    element("h2", "", t("timeline.results", { search })),
    sortableTable({
      name: "leads-found",
      dataset,
      link: (row, column) => (column === "name" ? selfHref(filters, "lead", String(row.id)) : null),
    }),
  ];
}

export async function timelinePage(main: HTMLElement, filters: Filters): Promise<void> {
  const params = new URLSearchParams(location.search);
  const lead = params.get("lead") ?? "";
  const search = params.get("search")?.trim() ?? "";
  const form = element("form", "filters search");
  const wrapper = element("label", "filter");
  const input = element("input");
  input.name = "search";
  input.value = search || lead;
  input.required = true;
  wrapper.append(element("span", "", t("timeline.find")), input);
  const show = element("button", "", t("timeline.show"));
  show.type = "submit";
  form.append(wrapper, show);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.pushState(null, "", selfHref(filters, "search", input.value.trim()));
    dispatchEvent(new PopStateEvent("popstate"));
  });
  const parts: HTMLElement[] = [element("h1", "", t("timeline.heading")), form];
  if (search && !lead) parts.push(...(await results(filters, search)));
  if (lead) {
    try {
      const timeline = await get<LeadTimeline>(`/api/leads/${encodeURIComponent(lead)}/timeline`);
      const l = timeline.lead;
      parts.push(
        element("h2", "", `${l.name}${l.account ? ` (${l.account})` : ""}`),
        element(
          "p",
          "muted",
          `${t("timeline.status", { status: statusText(l.status), stage: l.stage ?? "–", owner: l.owner?.name ?? "–" })} · ${formatValue(l.value, "money", l.currency)}`,
        ),
      );
      const dataset: Dataset = {
        columns: [
          { key: "time", label: t("timeline.when"), format: "date" },
          { key: "what", label: t("timeline.what"), format: "text" },
          { key: "details", label: t("timeline.details"), format: "text" },
        ],
        rows: timeline.events.map((e) => ({
          time: e.time,
          what: t(`timeline.kind.${KINDS.includes(e.kind) ? e.kind : "other"}` as MessageKey),
          details: details(e),
        })),
      };
      parts.push(sortableTable({ name: `timeline-${l.id}`, dataset }));
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404)
        parts.push(element("p", "error", t("timeline.notFound")));
      else throw error;
    }
  }
  main.replaceChildren(...parts);
  main.dataset.ready = "all";
}
