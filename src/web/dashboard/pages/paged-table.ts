/**
 * A table the API pages and sorts (as CRM list views do): it shows one page, a click on a
 * column asks the API for the first page in that order (again: the other way), Previous and
 * Next step through the pages, "1–100 of 52,324" says where the reader is, and the CSV link
 * downloads the whole list from the API in the order shown. For lists too long to send whole
 * (the stalled leads); short tables sort in the browser (common.ts, sortableTable).
 */
import { ApiFailure, SignInNeeded } from "../api.js";
import { type Column, tableOf } from "../chart.js";
import { formatValue, t } from "../i18n.js";
import { element, linkCells } from "./common.js";

/** What a page of such a list says besides its rows (GET /api/stalled's page). */
export type ListPage = { total: number; offset: number; limit: number; sort: string };

type Row = Record<string, string | number | null>;

export function pagedTable<P extends ListPage>(options: {
  first: P;
  columns: Column[];
  /** The API's sort column for a table column (null: the column does not sort). */
  sortOf: (column: string) => string | null;
  rows: (page: P) => Row[];
  currency?: string | null;
  /** The page at `offset` in `sort` (the page size is the first page's limit). */
  load: (offset: number, sort: string) => Promise<P>;
  /** The whole list's CSV in `sort`. */
  csvHref: (sort: string) => string;
  link?: (row: Row, column: string) => string | null;
}): HTMLElement {
  const holder = element("div", "sortable paged");
  let page = options.first;
  let asked = 0;

  const go = async (offset: number, sort: string) => {
    const mine = ++asked;
    holder.setAttribute("aria-busy", "true");
    for (const button of holder.querySelectorAll("button")) button.disabled = true;
    try {
      const next = await options.load(offset, sort);
      if (mine !== asked) return;
      page = next;
      draw();
    } catch (error) {
      if (mine !== asked) return;
      if (error instanceof SignInNeeded) {
        location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
        return;
      }
      draw();
      const message = element("p", "error");
      message.setAttribute("role", "alert");
      message.textContent = t("state.error", {
        message: error instanceof ApiFailure || error instanceof Error ? error.message : String(error),
      });
      holder.prepend(message);
    }
  };

  const draw = () => {
    const [sortedBy, direction] = page.sort.split(":");
    const table = tableOf({ columns: options.columns, rows: options.rows(page), currency: options.currency ?? null });
    const heads = table.tHead?.rows[0]?.cells ?? [];
    options.columns.forEach((column, i) => {
      const th = heads[i];
      const sort = options.sortOf(column.key);
      if (!th || !sort) return;
      const button = element("button", "link sort", th.textContent ?? "");
      button.type = "button";
      th.replaceChildren(button);
      const current = sort === sortedBy;
      th.setAttribute("aria-sort", current ? (direction === "desc" ? "descending" : "ascending") : "none");
      button.addEventListener("click", () => {
        // A number or date column starts largest first, a text column from A; again: the other way.
        const descending = current ? direction !== "desc" : column.format !== "text";
        void go(0, `${sort}:${descending ? "desc" : "asc"}`);
      });
    });
    if (options.link) linkCells(table, options.rows(page), options.columns, options.link);
    const wrapper = element("div", "chart-table");
    wrapper.append(table);

    const count = (n: number) => formatValue(n, "count");
    const shown = options.rows(page).length;
    const range = element(
      "span",
      "page-range",
      t("table.range", {
        // An empty page (the list shrank under it) says 0-0, not offset-offset.
        from: count(shown > 0 ? page.offset + 1 : 0),
        to: count(shown > 0 ? page.offset + shown : 0),
        total: count(page.total),
      }),
    );
    range.setAttribute("aria-live", "polite");
    const previous = element("button", "link", t("table.previous"));
    previous.type = "button";
    previous.disabled = page.offset <= 0;
    previous.addEventListener("click", () => void go(Math.max(0, page.offset - page.limit), page.sort));
    const next = element("button", "link", t("table.next"));
    next.type = "button";
    next.disabled = page.offset + page.limit >= page.total;
    next.addEventListener("click", () => void go(page.offset + page.limit, page.sort));
    const download = element("a", "", t("chart.downloadCsv"));
    download.href = options.csvHref(page.sort);
    // The server names the file (the list's as-of day).
    download.setAttribute("download", "");
    download.title = t("table.downloadAll", { total: count(page.total) });
    const tools = element("div", "chart-tools");
    // On a phone the four wrap rather than widen the page (set through the CSSOM, which the
    // page's Content-Security-Policy allows, unlike a style attribute).
    tools.style.flexWrap = "wrap";
    tools.style.alignItems = "baseline";
    tools.append(previous, range, next, download);
    holder.replaceChildren(wrapper, tools);
    holder.removeAttribute("aria-busy");
  };
  draw();
  return holder;
}
