/**
 * The stalled list in pages and orders (GET /api/stalled, its CSV): sorted and sliced from the
 * list `stalledLeads` keeps per data version (a page sorted by a number is read by SQL until
 * that list is kept: stalled-leads.ts stalledLeadsPage, in the same order). Each order of
 * a kept list is sorted once and kept beside it (a WeakMap on the kept, frozen result), so the
 * next page in the same order is a slice; a new data version is a new result, and its orders
 * are sorted afresh. Pure and free of Node.
 */
import type {
  StalledLead,
  StalledLeadsPage,
  StalledLeadsResult,
  StalledSort,
  StalledSortColumn,
} from "./results/stalled-leads.js";

export const STALLED_SORT_COLUMNS = [
  "name",
  "owner",
  "stage",
  "value",
  "days",
  "daysOver",
  "lastActivity",
] as const satisfies readonly StalledSortColumn[];

/** Every sort the list takes: each column ascending and descending. */
export const STALLED_SORTS = STALLED_SORT_COLUMNS.flatMap((column) => [
  `${column}:asc` as const,
  `${column}:desc` as const,
]) as [StalledSort, ...StalledSort[]];

/** The list's own order: most days over first. */
export const DEFAULT_STALLED_SORT: StalledSort = "daysOver:desc";
/** Leads per page unless asked otherwise, and the most a page holds. */
export const STALLED_PAGE_DEFAULT = 100;
export const STALLED_PAGE_MAX = 1_000;

type Key = string | number | null;

/** What each column sorts by: the value the dashboard shows in it. */
const KEYS: Record<StalledSortColumn, (lead: StalledLead) => Key> = {
  name: (l) => l.name,
  owner: (l) => l.owner?.name ?? null,
  stage: (l) => l.stage?.name ?? null,
  value: (l) => l.value,
  days: (l) => l.days,
  daysOver: (l) => l.daysOver,
  lastActivity: (l) => {
    if (!l.lastActivity) return null;
    const time = Date.parse(l.lastActivity.date);
    return Number.isNaN(time) ? null : time;
  },
};

/** Names in one fixed collation (not the server's locale), so the order is the same everywhere. */
const collator = new Intl.Collator("en");

/**
 * Two texts by their code points: the order of their UTF-8 bytes, which DuckDB and PostgreSQL's
 * "C" collation sort by. JavaScript's `<` compares UTF-16 code units, which puts a character
 * past U+FFFF (a surrogate pair, from U+D800) before one in U+E000-U+FFFF.
 */
export function byCodePoints(a: string, b: string): number {
  // Equal code points take equal code units, so one index walks both.
  for (let i = 0; i < a.length && i < b.length; ) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const sorted = new WeakMap<StalledLeadsResult, Map<StalledSort, readonly StalledLead[]>>();

/**
 * The list's leads in `sort`: by the column's value (text by collation, numbers and dates by
 * size), leads without one last in both directions, and leads alike by their id (by code
 * points, as SQL's binary order of the same text), so the order is total and a page never
 * repeats or skips a lead, whether read by SQL or cut from the kept list.
 */
export function sortedStalledLeads(result: StalledLeadsResult, sort: StalledSort): readonly StalledLead[] {
  let orders = sorted.get(result);
  if (!orders) {
    orders = new Map();
    sorted.set(result, orders);
  }
  const known = orders.get(sort);
  if (known) return known;
  const [column, direction] = sort.split(":") as [StalledSortColumn, "asc" | "desc"];
  const sign = direction === "desc" ? -1 : 1;
  const key = KEYS[column];
  // The keys once per lead; text keys as their rank among the distinct values (one collation
  // per distinct pair, not per comparison: a few owners and stages, 52,324 names at size l).
  const raw = result.leads.map(key);
  const texts = [...new Set(raw.filter((k): k is string => typeof k === "string"))].sort(collator.compare);
  const rank = new Map(texts.map((text, i) => [text, i]));
  const keys = raw.map((k) => (typeof k === "string" ? (rank.get(k) ?? 0) : k));
  const compare = (a: number, b: number) => {
    const x = keys[a] ?? null;
    const y = keys[b] ?? null;
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return sign * (x - y);
    }
    return byCodePoints(result.leads[a]?.id ?? "", result.leads[b]?.id ?? "");
  };
  // The list's own order (most days over first) is usually the one asked: checked in one pass
  // instead of sorted (52,324 leads: 11-22 ms of CPU against 30-70 ms), and then the kept list
  // itself is the answer.
  let inOrder = true;
  for (let i = 1; i < raw.length && inOrder; i += 1) inOrder = compare(i - 1, i) < 0;
  const leads = inOrder
    ? result.leads
    : Object.freeze(
        result.leads
          .map((_, i) => i)
          .sort(compare)
          .map((i) => result.leads[i] as StalledLead),
      );
  orders.set(sort, leads);
  return leads;
}

/** One page of the list: everything but the leads as the list has it, the total, and the page's leads. */
export function stalledPage(
  result: StalledLeadsResult,
  page: { offset: number; limit: number; sort: StalledSort },
): StalledLeadsPage {
  const { leads, ...rest } = result;
  const { offset, limit, sort } = page;
  return {
    ...rest,
    total: leads.length,
    offset,
    limit,
    sort,
    leads: sortedStalledLeads(result, sort).slice(offset, offset + limit),
  };
}
