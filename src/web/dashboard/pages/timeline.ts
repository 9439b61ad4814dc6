/** A lead's timeline: find a lead by its id, see everything that happened to it, in order. */
import { ApiFailure, get } from "../api.js";
import type { Dataset } from "../chart.js";
import { type Filters, hrefWith } from "../filters.js";
import { formatValue, type MessageKey, t } from "../i18n.js";
import { element, sortableTable } from "./common.js";

type Event = { kind: string; time: string } & Record<string, unknown>;
type Timeline = {
  lead: {
    id: string;
    name: string;
    account: string | null;
    owner: { name: string } | null;
    stage: string | null;
    status: string;
    value: number | null;
    currency: string | null;
  };
  events: Event[];
};

const KINDS = ["visit", "created", "stage", "activity", "email", "closed"];

/** The event's own fields, in words: what the API says about it beyond its kind and time. */
function details(event: Event): string {
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

export async function timelinePage(main: HTMLElement, filters: Filters): Promise<void> {
  const lead = new URLSearchParams(location.search).get("lead") ?? "";
  const form = element("form", "filters");
  const wrapper = element("label", "filter");
  const input = element("input");
  input.name = "lead";
  input.value = lead;
  input.required = true;
  wrapper.append(element("span", "", t("timeline.find")), input);
  const show = element("button", "", t("timeline.show"));
  show.type = "submit";
  form.append(wrapper, show);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = new URL(hrefWith("/timeline", filters), location.origin);
    url.searchParams.set("lead", input.value.trim());
    history.pushState(null, "", `${url.pathname}${url.search}`);
    dispatchEvent(new PopStateEvent("popstate"));
  });
  const parts: HTMLElement[] = [element("h1", "", t("timeline.heading")), form];
  if (lead) {
    try {
      const timeline = await get<Timeline>(`/api/leads/${encodeURIComponent(lead)}/timeline`);
      const l = timeline.lead;
      parts.push(
        element("h2", "", `${l.name}${l.account ? ` (${l.account})` : ""}`),
        element(
          "p",
          "muted",
          `${t("timeline.status", { status: l.status, stage: l.stage ?? "–", owner: l.owner?.name ?? "–" })} · ${formatValue(l.value, "money", l.currency)}`,
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
