/**
 * The filters every page shares, kept in the URL's query so that a view can be bookmarked,
 * shared and reloaded: period, comparison, pipeline, team, rep and source (the API's and the
 * CLI's parameters by the same names).
 */
import { t } from "./i18n.js";

export const FILTER_NAMES = ["period", "compare", "pipeline", "team", "rep", "source"] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type Filters = Partial<Record<FilterName, string>>;

export function readFilters(url: URL = new URL(location.href)): Filters {
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    const value = url.searchParams.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** The URL of `path` with the filters (and nothing else) in its query. */
export function hrefWith(path: string, filters: Filters): string {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value) params.set(name, value);
  }
  const text = params.toString();
  return `${path}${text ? `?${text}` : ""}`;
}

/** The values the filters take in this workspace (GET /api/filters). */
export type Choices = {
  pipelines: { id: string; name: string }[];
  teams: string[];
  reps: { id: string; name: string; team: string | null }[];
  sources: string[];
};

/** A list of choices, "All" first; a value in the URL that is not among them stays, as written. */
function choose(options: { value: string; label: string }[], current: string | undefined): HTMLSelectElement {
  const select = document.createElement("select");
  select.append(new Option(t("filters.all"), ""));
  for (const o of options) select.append(new Option(o.label, o.value));
  if (current && !options.some((o) => o.value === current)) select.append(new Option(current, current));
  return select;
}

/**
 * The filter bar; `onChange` gets the new filters when the reader applies them. With the
 * workspace's choices the filters are lists; without (the call failed) free text.
 */
export function filterBar(
  filters: Filters,
  onChange: (next: Filters) => void,
  choices: Choices | null = null,
): HTMLElement {
  const form = document.createElement("form");
  form.className = "filters";
  form.setAttribute("aria-label", t("filters.label"));
  const field = (name: FilterName, label: string, control: HTMLInputElement | HTMLSelectElement) => {
    const wrapper = document.createElement("label");
    wrapper.className = "filter";
    const caption = document.createElement("span");
    caption.textContent = label;
    control.name = name;
    control.value = filters[name] ?? "";
    wrapper.append(caption, control);
    form.append(wrapper);
  };
  const text = (placeholder = "") => {
    const input = document.createElement("input");
    input.type = "text";
    input.placeholder = placeholder;
    input.autocomplete = "off";
    return input;
  };
  field("period", t("filters.period"), text(t("filters.periodHint")));
  const compare = document.createElement("select");
  for (const [value, key] of [
    ["", "filters.compare.previous"],
    ["year", "filters.compare.year"],
  ] as const) {
    compare.append(new Option(t(key), value));
  }
  field("compare", t("filters.compare"), compare);
  if (choices) {
    field(
      "pipeline",
      t("filters.pipeline"),
      choose(
        choices.pipelines.map((p) => ({ value: p.id, label: p.name })),
        filters.pipeline,
      ),
    );
    field(
      "team",
      t("filters.team"),
      choose(
        choices.teams.map((team) => ({ value: team, label: team })),
        filters.team,
      ),
    );
    field(
      "rep",
      t("filters.rep"),
      choose(
        choices.reps.map((r) => ({ value: r.id, label: r.name })),
        filters.rep,
      ),
    );
    field(
      "source",
      t("filters.source"),
      choose(
        choices.sources.map((s) => ({ value: s, label: s })),
        filters.source,
      ),
    );
  } else {
    field("pipeline", t("filters.pipeline"), text(t("filters.all")));
    field("team", t("filters.team"), text(t("filters.all")));
    field("rep", t("filters.rep"), text(t("filters.all")));
    field("source", t("filters.source"), text(t("filters.all")));
  }
  const apply = document.createElement("button");
  apply.type = "submit";
  apply.textContent = t("filters.apply");
  const reset = document.createElement("button");
  reset.type = "button";
  reset.className = "secondary";
  reset.textContent = t("filters.reset");
  reset.addEventListener("click", () => onChange({}));
  form.append(apply, reset);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next: Filters = {};
    for (const name of FILTER_NAMES) {
      const value = String(data.get(name) ?? "").trim();
      if (value) next[name] = value;
    }
    onChange(next);
  });
  return form;
}
