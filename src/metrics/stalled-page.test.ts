/**
 * stalled-page.ts without a database: the orders (nulls last both ways, ties by id), pages cut
 * from one sorted copy kept beside the list, and the list itself left as it was.
 */
import { describe, expect, test } from "vitest";
import type { StalledLead, StalledLeadsResult } from "./results/stalled-leads.js";
import { byCodePoints, DEFAULT_STALLED_SORT, STALLED_SORTS, sortedStalledLeads, stalledPage } from "./stalled-page.js";

function lead(id: string, over: Partial<StalledLead> = {}): StalledLead {
  return {
    id,
    name: `Lead ${id}`,
    account: null,
    owner: null,
    stage: null,
    value: null,
    days: 10,
    medianDays: 4,
    daysOver: 2,
    lastActivity: null,
    ...over,
  };
}

const LIST: StalledLeadsResult = {
  asOf: "2026-06-30T00:00:00.000Z",
  basis: "stage",
  basisNote: null,
  factor: 2,
  openLeads: 9,
  withoutBenchmark: 1,
  leads: [
    lead("c", { name: "Örebro AB", value: 300, daysOver: 9, owner: { id: "r1", name: "Zed" } }),
    lead("a", {
      name: "alpha",
      value: null,
      daysOver: 9,
      lastActivity: { date: "2026-05-01T10:00:00Z", type: "call" },
    }),
    lead("b", { name: null, value: 100, daysOver: 5, owner: { id: "r2", name: "Ann" } }),
    lead("e", { name: "Beta", value: 100, daysOver: 5, lastActivity: { date: "2026-06-01T10:00:00Z", type: "email" } }),
    lead("d", { name: "alpha", value: -50, daysOver: 1, owner: { id: "r2", name: "Ann" } }),
  ],
};
Object.freeze(LIST.leads);

const ids = (leads: readonly StalledLead[]) => leads.map((l) => l.id);

describe("the stalled list's orders", () => {
  test("each column both ways: by value, leads without one last either way, ties by id", () => {
    expect(ids(sortedStalledLeads(LIST, "daysOver:desc"))).toEqual(["a", "c", "b", "e", "d"]);
    expect(ids(sortedStalledLeads(LIST, "daysOver:asc"))).toEqual(["d", "b", "e", "a", "c"]);
    expect(ids(sortedStalledLeads(LIST, "value:asc"))).toEqual(["d", "b", "e", "c", "a"]);
    expect(ids(sortedStalledLeads(LIST, "value:desc"))).toEqual(["c", "b", "e", "d", "a"]);
    // Names by collation (case does not split "alpha" from "Beta"), the nameless last.
    expect(ids(sortedStalledLeads(LIST, "name:asc"))).toEqual(["a", "d", "e", "c", "b"]);
    expect(ids(sortedStalledLeads(LIST, "name:desc"))).toEqual(["c", "e", "a", "d", "b"]);
    expect(ids(sortedStalledLeads(LIST, "owner:asc"))).toEqual(["b", "d", "c", "a", "e"]);
    expect(ids(sortedStalledLeads(LIST, "lastActivity:desc"))).toEqual(["e", "a", "b", "c", "d"]);
    expect(ids(sortedStalledLeads(LIST, "stage:asc"))).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("a sort is done once per list: the next page is a slice of the same sorted copy", () => {
    const first = sortedStalledLeads(LIST, "name:asc");
    expect(sortedStalledLeads(LIST, "name:asc")).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // Another list (a new data version) is sorted afresh.
    const next = { ...LIST, leads: [...LIST.leads] };
    expect(sortedStalledLeads(next, "name:asc")).not.toBe(first);
    expect(sortedStalledLeads(next, "name:asc")).toEqual(first);
    // The list keeps its own order.
    expect(ids(LIST.leads)).toEqual(["c", "a", "b", "e", "d"]);
  });

  test("a page: the list's fields, the total, and its slice; past the end, no leads", () => {
    const { leads: _, ...fields } = LIST;
    expect(stalledPage(LIST, { offset: 1, limit: 2, sort: "value:asc" })).toEqual({
      ...fields,
      total: 5,
      offset: 1,
      limit: 2,
      sort: "value:asc",
      leads: [LIST.leads[2], LIST.leads[3]],
    });
    expect(stalledPage(LIST, { offset: 5, limit: 2, sort: DEFAULT_STALLED_SORT }).leads).toEqual([]);
    for (const sort of STALLED_SORTS) {
      const pages = [0, 2, 4].flatMap((offset) => stalledPage(LIST, { offset, limit: 2, sort }).leads);
      expect(ids(pages).sort(), sort).toEqual(["a", "b", "c", "d", "e"]);
    }
    expect(STALLED_SORTS).toHaveLength(14);
  });

  test("ids compare by code points, as SQL's binary order: past U+FFFF after U+E000-U+FFFF", () => {
    const texts = ["b", "a\u{1F600}", "a\uFF5E", "a", "ab", "A", "a\uFF5Ez"];
    expect([...texts].sort(byCodePoints)).toEqual(["A", "a", "ab", "a\uFF5E", "a\uFF5Ez", "a\u{1F600}", "b"]);
    // JavaScript's own order of code units puts the emoji (a surrogate pair) first.
    expect([...texts].sort().indexOf("a\u{1F600}")).toBeLessThan([...texts].sort().indexOf("a\uFF5E"));
    expect(byCodePoints("x", "x")).toBe(0);
  });
});
