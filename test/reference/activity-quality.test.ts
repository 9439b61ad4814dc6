/**
 * Activity quality (METRICS.md 1) on the simulated company, against a plain TypeScript
 * reference that re-derives every figure from the CSV rows, on every engine, for two periods
 * and a team and a source filter.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { REAL_NOTE_MIN_LENGTH } from "../../src/derive/activity-rollup.js";
import { type ActivityQualityResult, activityQuality } from "../../src/metrics/definitions/activity-quality.js";
import type { MetricReport } from "../../src/metrics/metric.js";
import { ACTIVITY_TYPES } from "../../src/model/canonical.js";
import { parsePeriod } from "../../src/model/period.js";
import { engines } from "../support/databases.js";
import { report } from "../support/metric-fixtures.js";
import {
  type CsvRow,
  loadSimulated,
  ms as msOf,
  SIMULATED_WORKSPACE,
  type SimulatedCompany,
  simulatedCompany,
} from "../support/simulated-company.js";
import type { TestStore } from "../support/stores.js";

type Filters = { team?: string; source?: string };

type Figures = {
  activities: number;
  byType: Record<string, number>;
  opportunities: number;
  perOpportunity: number | null;
  perWon: number | null;
  realNoteShare: number | null;
  medianNoteLength: number | null;
  medianHours: number | null;
  untouched: number;
  won: number;
  lost: number;
  wonValue: number;
  winRate: number | null;
  averageWonValue: number | null;
  medianDaysToWin: number | null;
};

/** Milliseconds of a CSV timestamp (a missing column reads as empty). */
const ms = (value: string | null | undefined) => msOf(value ?? null);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  const lo = s[Math.floor(mid)] as number;
  const hi = s[Math.ceil(mid)] as number;
  return (lo + hi) / 2;
}

/** The reference: slow, obvious, and independent of the SQL. */
class Reference {
  private readonly repTeam = new Map<string, string | null>();
  private readonly leadById = new Map<string, CsvRow>();
  private readonly activitiesByLead = new Map<string, CsvRow[]>();
  readonly currency: string | null;

  constructor(private readonly tables: SimulatedCompany["tables"]) {
    for (const r of tables.reps) this.repTeam.set(r.id as string, r.team ?? null);
    for (const l of tables.leads) this.leadById.set(l.id as string, l);
    for (const a of tables.activities) {
      if (!a.lead_id) continue;
      const list = this.activitiesByLead.get(a.lead_id) ?? [];
      list.push(a);
      this.activitiesByLead.set(a.lead_id, list);
    }
    // The reporting currency: the one most valued leads carry.
    const counts = new Map<string, number>();
    for (const l of tables.leads)
      if (l.value !== null && l.currency) counts.set(l.currency, (counts.get(l.currency) ?? 0) + 1);
    this.currency = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
  }

  leadPasses(l: CsvRow, f: Filters): boolean {
    if (f.team && (!l.owner_id || this.repTeam.get(l.owner_id) !== f.team)) return false;
    if (f.source && l.source_channel !== f.source) return false;
    return true;
  }

  activityInScope(a: CsvRow, start: number, end: number, f: Filters): boolean {
    const t = ms(a.occurred_at) as number;
    if (t < start || t >= end) return false;
    if (f.team && (!a.rep_id || this.repTeam.get(a.rep_id) !== f.team)) return false;
    if (f.source) {
      const l = a.lead_id ? this.leadById.get(a.lead_id) : undefined;
      if (!l || !this.leadPasses(l, f)) return false;
    }
    return true;
  }

  /** Figures over the activities whose rep and the leads whose owner `member` admits. */
  figures(start: number, end: number, f: Filters, member: (rep: string | null) => boolean): Figures {
    const inP = (v: string | null | undefined) => {
      const t = ms(v);
      return t !== null && t >= start && t < end;
    };
    const byType: Record<string, number> = Object.fromEntries(ACTIVITY_TYPES.map((t) => [t, 0]));
    let activities = 0;
    const noteLengths: number[] = [];
    for (const a of this.tables.activities) {
      if (!this.activityInScope(a, start, end, f) || !member(a.rep_id ?? null)) continue;
      activities++;
      byType[a.type as string] = (byType[a.type as string] ?? 0) + 1;
      const length = [...(a.note ?? "").replace(/^ +| +$/g, "")].length;
      if (length >= REAL_NOTE_MIN_LENGTH) noteLengths.push(length);
    }
    let opportunities = 0;
    let untouched = 0;
    let won = 0;
    let lost = 0;
    let wonCents = 0;
    const wonValues: number[] = [];
    const hours: number[] = [];
    const daysToWin: number[] = [];
    for (const l of this.tables.leads) {
      if (!this.leadPasses(l, f) || !member(l.owner_id ?? null)) continue;
      const created = ms(l.created_at) as number;
      if (inP(l.created_at)) {
        opportunities++;
        const touches = (this.activitiesByLead.get(l.id as string) ?? []).map((a) => ms(a.occurred_at) as number);
        if (touches.length === 0) untouched++;
        else hours.push(Math.max(0, (Math.min(...touches) - created) / 3_600_000));
      }
      if (inP(l.closed_at) && l.status === "won") {
        won++;
        daysToWin.push(((ms(l.closed_at) as number) - created) / 86_400_000);
        if (l.value !== null && l.currency === this.currency) {
          wonCents += Math.round(Number(l.value) * 100);
          wonValues.push(Number(l.value));
        }
      }
      if (inP(l.closed_at) && l.status === "lost") lost++;
    }
    return {
      activities,
      byType,
      opportunities,
      perOpportunity: opportunities > 0 ? activities / opportunities : null,
      perWon: won > 0 ? activities / won : null,
      realNoteShare: activities > 0 ? noteLengths.length / activities : null,
      medianNoteLength: median(noteLengths),
      medianHours: median(hours),
      untouched,
      won,
      lost,
      wonValue: wonCents / 100,
      winRate: won + lost > 0 ? won / (won + lost) : null,
      averageWonValue: wonValues.length > 0 ? wonValues.reduce((s, v) => s + v, 0) / wonValues.length : null,
      medianDaysToWin: median(daysToWin),
    };
  }

  reps(start: number, end: number, f: Filters): string[] {
    const ids = new Set<string>();
    for (const l of this.tables.leads) {
      if (!l.owner_id || !this.leadPasses(l, f)) continue;
      const c = ms(l.created_at) as number;
      const d = ms(l.closed_at);
      if ((c >= start && c < end) || (d !== null && d >= start && d < end)) ids.add(l.owner_id);
    }
    for (const a of this.tables.activities) if (a.rep_id && this.activityInScope(a, start, end, f)) ids.add(a.rep_id);
    return [...ids];
  }

  mix(start: number, end: number, f: Filters, status: "won" | "lost") {
    let leads = 0;
    const byType: Record<string, number> = Object.fromEntries(ACTIVITY_TYPES.map((t) => [t, 0]));
    let total = 0;
    for (const l of this.tables.leads) {
      const d = ms(l.closed_at);
      if (l.status !== status || d === null || d < start || d >= end || !this.leadPasses(l, f)) continue;
      leads++;
      for (const a of this.activitiesByLead.get(l.id as string) ?? []) {
        total++;
        byType[a.type as string] = (byType[a.type as string] ?? 0) + 1;
      }
    }
    return { leads, total, byType };
  }
}

function close(actual: number | null | undefined, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual ?? null, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-6);
}

type ActivitySide = ActivityQualityResult["team"];

function compareFigures(actual: ActivitySide, expected: Figures, what: string): void {
  expect(actual.activities, `${what} activities`).toBe(expected.activities);
  expect(actual.activitiesByType, `${what} by type`).toEqual(expected.byType);
  expect(actual.opportunitiesCreated, `${what} opportunities`).toBe(expected.opportunities);
  close(actual.activitiesPerOpportunity, expected.perOpportunity, `${what} per opportunity`);
  close(actual.activitiesPerWonLead, expected.perWon, `${what} per won`);
  close(actual.realNoteShare, expected.realNoteShare, `${what} note share`);
  close(actual.medianNoteLength, expected.medianNoteLength, `${what} note length`);
  close(actual.medianHoursToFirstActivity, expected.medianHours, `${what} hours to first`);
  expect(actual.leadsWithoutActivity, `${what} untouched`).toBe(expected.untouched);
  expect(actual.wonLeads, `${what} won`).toBe(expected.won);
  expect(actual.lostLeads, `${what} lost`).toBe(expected.lost);
  close(actual.wonValue, expected.wonValue, `${what} won value`);
  close(actual.winRate, expected.winRate, `${what} win rate`);
  close(actual.averageWonValue, expected.averageWonValue, `${what} average won`);
  close(actual.medianDaysToWin, expected.medianDaysToWin, `${what} days to win`);
}

const CASES: { period: string; filters: Filters }[] = [
  { period: "2026-Q2", filters: {} },
  { period: "2025-11", filters: {} },
  { period: "2026-Q2", filters: { team: "DACH" } },
  { period: "2025-11", filters: { source: "website" } },
];

describe.each(engines())("activity quality against the reference on %s", (engine) => {
  let company: SimulatedCompany;
  let ref: Reference;
  let db: TestStore;
  beforeAll(async () => {
    company = await simulatedCompany();
    ref = new Reference(company.tables);
    db = await loadSimulated(engine, company);
  }, 240_000);
  afterAll(async () => {
    await db?.dispose();
    await company?.cleanup();
  });

  test.each(CASES)("$period $filters", async ({ period, filters }) => {
    const r: MetricReport<ActivityQualityResult> = await report(db.store, activityQuality, {
      workspace: SIMULATED_WORKSPACE,
      period,
      ...filters,
    });
    const p = parsePeriod(period);
    const [start, end] = [p.start.getTime(), p.end.getTime()];
    expect(r.currency).toBe(ref.currency);

    // Team.
    compareFigures(
      r.result.team,
      ref.figures(start, end, filters, () => true),
      "team",
    );
    expect(r.result.team.activities).toBeGreaterThan(100);

    // Every rep, and the order of the sales leaderboard (won value, then rep id).
    const repIds = ref.reps(start, end, filters);
    const expected = repIds
      .map((id) => ({ id, f: ref.figures(start, end, filters, (rep) => rep === id) }))
      .sort((a, b) => b.f.wonValue - a.f.wonValue || (a.id < b.id ? -1 : 1));
    expect(r.result.reps.map((x) => x.repId)).toEqual(expected.map((x) => x.id));
    expect(expected.length).toBeGreaterThanOrEqual(filters.team ? 2 : 6);
    for (const [i, e] of expected.entries()) compareFigures(r.result.reps[i] as ActivitySide, e.f, `rep ${e.id}`);

    // Top vs bottom: ceil(n x 0.25) capped at n / 2, pooled figures of each group.
    const n = expected.length;
    const size = Math.min(Math.ceil(n * 0.25), Math.floor(n / 2));
    const top = expected.slice(0, size).map((x) => x.id);
    const bottom = expected.slice(n - size).map((x) => x.id);
    const performers = r.result.performers;
    expect(performers?.groupSize).toBe(size);
    expect(performers?.top.repIds).toEqual(top);
    expect(performers?.bottom.repIds).toEqual(bottom);
    const topRef = ref.figures(start, end, filters, (rep) => rep !== null && top.includes(rep));
    const bottomRef = ref.figures(start, end, filters, (rep) => rep !== null && bottom.includes(rep));
    for (const [side, f] of [
      ["top", topRef],
      ["bottom", bottomRef],
    ] as const) {
      const g = performers?.[side];
      close(g?.wonValue, f.wonValue, `${side} won value`);
      expect(g?.activities, `${side} activities`).toBe(f.activities);
      close(g?.activitiesPerOpportunity, f.perOpportunity, `${side} per opportunity`);
      close(g?.activitiesPerWonLead, f.perWon, `${side} per won`);
      close(g?.realNoteShare, f.realNoteShare, `${side} note share`);
      close(g?.medianNoteLength, f.medianNoteLength, `${side} note length`);
      close(g?.medianHoursToFirstActivity, f.medianHours, `${side} hours`);
    }
    // The differences: every feature both groups have and differ on, largest relative difference first.
    const feature = (f: Figures): [string, number | null][] => [
      ["activitiesPerOpportunity", f.perOpportunity],
      ["activitiesPerWonLead", f.perWon],
      ["realNoteShare", f.realNoteShare],
      ["medianNoteLength", f.medianNoteLength],
      ["medianHoursToFirstActivity", f.medianHours],
      ...ACTIVITY_TYPES.map((t): [string, number | null] => [
        `${t}Share`,
        f.activities > 0 ? (f.byType[t] ?? 0) / f.activities : null,
      ]),
    ];
    const bottomFeatures = new Map(feature(bottomRef));
    const diffs = feature(topRef)
      .map(([name, t]) => ({ name, t, b: bottomFeatures.get(name) ?? null }))
      .filter((d): d is { name: string; t: number; b: number } => d.t !== null && d.b !== null && d.t !== d.b)
      .map((d) => ({ ...d, rel: Math.abs(d.t - d.b) / Math.max(Math.abs(d.b), 1e-9) }))
      .sort((a, b) => b.rel - a.rel);
    expect(performers?.differences.map((d) => d.feature)).toEqual(diffs.map((d) => d.name));
    for (const [i, d] of diffs.entries()) {
      const got = performers?.differences[i];
      close(got?.top, d.t, `${d.name} top`);
      close(got?.bottom, d.b, `${d.name} bottom`);
      // Relative sizes against a bottom of 0 are huge; compare those relatively.
      if (d.b !== 0) close(got?.relativeDifference, d.rel, `${d.name} relative`);
    }

    // Activity mix on won vs lost leads.
    for (const status of ["won", "lost"] as const) {
      const m = ref.mix(start, end, filters, status);
      const got = r.result.mixWonLost?.[status];
      expect(got?.leads, `${status} leads`).toBe(m.leads);
      close(got?.perLead, m.leads > 0 ? m.total / m.leads : null, `${status} per lead`);
      for (const t of ACTIVITY_TYPES) {
        close(got?.perLeadByType[t], m.leads > 0 ? (m.byType[t] ?? 0) / m.leads : null, `${status} ${t} per lead`);
      }
    }
    // The headlines and the vanity count beside them.
    const team = ref.figures(start, end, filters, () => true);
    expect(r.headlines.map((h) => h.key)).toEqual(["activities", "activitiesPerWonLead", "wonLeads", "wonValue"]);
    expect(r.vanity[0]?.value).toBe(team.activities);
  });
});
