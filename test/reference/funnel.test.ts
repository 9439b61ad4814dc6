/**
 * Conversion rate per stage and the lead requirement plan (METRICS.md 2) on the simulated
 * company, against a slow plain-TypeScript reference over its CSV rows, on every engine.
 * The reference re-derives progress (furthest open stage from the events and the current
 * stage), the stage counts, entry times and medians without any of the metric's SQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { planLeads } from "../../src/insights/lead-plan.js";
import { resolveRequest } from "../../src/metrics/context.js";
import { type FunnelResult, funnel, MIN_FLAG_TRIALS } from "../../src/metrics/definitions/funnel.js";
import type { MetricReport } from "../../src/metrics/metric.js";
import { credibleDifference, median, wilsonInterval } from "../../src/metrics/statistics.js";
import { parsePeriod } from "../../src/model/period.js";
import { engines } from "../support/databases.js";
import { report } from "../support/metric-fixtures.js";
import {
  type CsvRow,
  loadSimulated,
  ms,
  SIMULATED_WORKSPACE,
  type SimulatedCompany,
  simulatedCompany,
} from "../support/simulated-company.js";
import type { TestStore } from "../support/stores.js";

type Stage = { id: string; pipeline: string; name: string; position: number; kind: string };
type Counts = { reached: number; advanced: number; lostAt: number; openAt: number; cancelledAt: number };
type Lead = {
  id: string;
  owner: string | null;
  pipeline: string;
  status: string;
  created: number;
  closed: number | null;
  value: number | null;
  currency: string | null;
  progress: number;
};

class Reference {
  readonly stages: Stage[];
  readonly stageById: Map<string, Stage>;
  readonly leads: Lead[];
  readonly eventsByLead = new Map<string, CsvRow[]>();
  readonly currency: string | null;

  constructor(readonly tables: SimulatedCompany["tables"]) {
    this.stages = tables.stages.map((s) => ({
      id: s.id as string,
      pipeline: s.pipeline_id as string,
      name: s.name as string,
      position: Number(s.position),
      kind: s.kind ?? "open",
    }));
    this.stageById = new Map(this.stages.map((s) => [s.id, s]));
    for (const e of tables.stage_events) {
      const list = this.eventsByLead.get(e.lead_id as string) ?? [];
      list.push(e);
      this.eventsByLead.set(e.lead_id as string, list);
    }
    this.leads = tables.leads.map((l) => ({
      id: l.id as string,
      owner: l.owner_id ?? null,
      pipeline: l.pipeline_id as string,
      status: l.status as string,
      created: ms(l.created_at ?? null) as number,
      closed: ms(l.closed_at ?? null),
      value: l.value ? Number(l.value) : null,
      currency: l.currency ?? null,
      progress: this.progressOf(l),
    }));
    const currencies = new Map<string, number>();
    for (const l of tables.leads) {
      if (l.value && l.currency) currencies.set(l.currency, (currencies.get(l.currency) ?? 0) + 1);
    }
    this.currency = [...currencies].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
  }

  openStages(pipeline: string): Stage[] {
    return this.stages
      .filter((s) => s.pipeline === pipeline && s.kind === "open")
      .sort((a, b) => a.position - b.position);
  }

  /** The furthest open stage the lead ever entered or is in; the first stage when none. */
  private progressOf(l: CsvRow): number {
    const positions = this.openStages(l.pipeline_id as string).map((s) => s.position);
    let furthest = -Infinity;
    for (const e of this.eventsByLead.get(l.id as string) ?? []) {
      const s = this.stageById.get(e.to_stage_id as string);
      if (s?.kind === "open") furthest = Math.max(furthest, s.position);
    }
    const current = l.stage_id ? this.stageById.get(l.stage_id) : undefined;
    if (current?.kind === "open") furthest = Math.max(furthest, current.position);
    if (furthest === -Infinity) furthest = Math.min(...positions);
    return Math.min(Math.max(furthest, Math.min(...positions)), Math.max(...positions));
  }

  cohort(start: number, end: number, rep?: string, pipeline?: string): Lead[] {
    return this.leads.filter((l) => {
      return (
        l.created >= start &&
        l.created < end &&
        (rep === undefined || l.owner === rep) &&
        (pipeline === undefined || l.pipeline === pipeline)
      );
    });
  }

  stageCounts(leads: Lead[], stage: Stage): Counts {
    const c: Counts = { reached: 0, advanced: 0, lostAt: 0, openAt: 0, cancelledAt: 0 };
    for (const l of leads) {
      if (l.pipeline !== stage.pipeline) continue;
      const won = l.status === "won";
      if (won || l.progress >= stage.position) c.reached++;
      if (won || l.progress > stage.position) c.advanced++;
      else if (l.progress === stage.position) {
        if (l.status === "lost") c.lostAt++;
        if (l.status === "open") c.openAt++;
        if (l.status === "cancelled") c.cancelledAt++;
      }
    }
    return c;
  }

  /** Days from entering each stage to won, over leads of the pipeline won in [start, end). */
  daysToWon(start: number, end: number, pipeline: string): Map<string, number[]> {
    const stages = this.openStages(pipeline);
    const out = new Map<string, number[]>(stages.map((s) => [s.id, []]));
    for (const l of this.leads) {
      const closed = l.closed;
      if (l.status !== "won" || l.pipeline !== pipeline || closed === null || closed < start || closed >= end) {
        continue;
      }
      for (const [i, stage] of stages.entries()) {
        let entered: number | null = i === 0 ? l.created : null;
        if (i > 0) {
          for (const e of this.eventsByLead.get(l.id) ?? []) {
            const s = this.stageById.get(e.to_stage_id as string);
            if (!s || s.pipeline !== pipeline) continue;
            if (s.kind === "won" || (s.kind === "open" && s.position >= stage.position)) {
              const t = ms(e.changed_at ?? null) as number;
              if (entered === null || t < entered) entered = t;
            }
          }
        }
        if (entered !== null) out.get(stage.id)?.push((closed - entered) / 86_400_000);
      }
    }
    return out;
  }

  averageWon(start: number, end: number, pipeline: string): number | null {
    const values = this.leads
      .filter((l) => {
        return (
          l.status === "won" &&
          l.pipeline === pipeline &&
          l.closed !== null &&
          l.closed >= start &&
          l.closed < end &&
          l.value !== null &&
          l.currency === this.currency
        );
      })
      .map((l) => l.value as number);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  }
}

const rateOf = (c: Counts) => (c.advanced + c.lostAt > 0 ? c.advanced / (c.advanced + c.lostAt) : null);

function close(actual: number | null | undefined, expected: number | null, what: string, digits = 6) {
  if (expected === null) expect(actual, what).toBeNull();
  else expect(actual, what).toBeCloseTo(expected, digits);
}

const CASES: { period: string; rep?: string }[] = [
  { period: "2026-Q2" },
  { period: "2025-11" },
  { period: "2026-Q2", rep: "first" },
];

describe.each(engines())("funnel against the reference on %s", (engine) => {
  let company: SimulatedCompany;
  let ref: Reference;
  let db: TestStore;
  let firstRep: string;
  beforeAll(async () => {
    company = await simulatedCompany();
    ref = new Reference(company.tables);
    firstRep = company.tables.reps[0]?.id as string;
    db = await loadSimulated(engine, company);
  }, 240_000);
  afterAll(async () => {
    await db?.dispose();
    await company?.cleanup();
  });

  test.each(CASES)("stage counts $period $rep", async ({ period, rep }) => {
    const repId = rep ? firstRep : undefined;
    const r: MetricReport<FunnelResult> = await report(db.store, funnel, {
      workspace: SIMULATED_WORKSPACE,
      period,
      rep: repId,
    });
    const p = parsePeriod(period);
    const cohort = ref.cohort(p.start.getTime(), p.end.getTime(), repId);
    expect(cohort.length).toBeGreaterThan(rep ? 5 : 50);
    expect(r.result.cohort).toBe(cohort.length);
    const pipelines = [...new Set(ref.stages.map((s) => s.pipeline))];
    expect(r.result.pipelines.map((x) => x.pipelineId).sort()).toEqual(pipelines.sort());
    let won = 0;
    let lost = 0;
    for (const pipeline of r.result.pipelines) {
      const leads = cohort.filter((l) => l.pipeline === pipeline.pipelineId);
      const stages = ref.openStages(pipeline.pipelineId);
      expect(pipeline.stages.map((s) => s.stageId)).toEqual(stages.map((s) => s.id));
      for (const [i, stage] of stages.entries()) {
        const expected = ref.stageCounts(leads, stage);
        const actual = pipeline.stages[i];
        const what = `${period} ${pipeline.pipelineId} ${stage.name}`;
        expect(
          {
            reached: actual?.reached,
            advanced: actual?.advanced,
            lostAt: actual?.lostAt,
            openAt: actual?.openAt,
            cancelledAt: actual?.cancelledAt,
          },
          what,
        ).toEqual(expected);
        close(actual?.conversion, rateOf(expected), what);
      }
      const pWon = leads.filter((l) => l.status === "won").length;
      const pLost = leads.filter((l) => l.status === "lost").length;
      expect([pipeline.cohort, pipeline.won, pipeline.lost]).toEqual([leads.length, pWon, pLost]);
      expect(pipeline.open).toBe(leads.filter((l) => l.status === "open").length);
      expect(pipeline.cancelled).toBe(leads.filter((l) => l.status === "cancelled").length);
      won += pWon;
      lost += pLost;
    }
    expect([r.result.won, r.result.lost]).toEqual([won, lost]);
    close(r.result.winRate, won + lost > 0 ? won / (won + lost) : null, "win rate");

    // Per rep: counts and flags against the rest of the team (other reps' leads).
    const owners = [...new Set(cohort.map((l) => l.owner).filter((o): o is string => o !== null))].sort();
    expect(r.result.reps.map((x) => x.repId).sort()).toEqual(owners);
    const expectedFlags: string[] = [];
    for (const owner of owners) {
      const mine = cohort.filter((l) => l.owner === owner);
      const rest = cohort.filter((l) => l.owner !== null && l.owner !== owner);
      const actualRep = r.result.reps.find((x) => x.repId === owner);
      for (const pipeline of pipelines) {
        if (!mine.some((l) => l.pipeline === pipeline)) continue;
        for (const stage of ref.openStages(pipeline)) {
          const a = ref.stageCounts(mine, stage);
          const b = ref.stageCounts(rest, stage);
          const actual = actualRep?.stages.find((s) => s.stageId === stage.id);
          expect([actual?.advanced, actual?.lostAt, actual?.team.advanced, actual?.team.lostAt]).toEqual([
            a.advanced,
            a.lostAt,
            b.advanced,
            b.lostAt,
          ]);
          const ia = wilsonInterval(a.advanced, a.advanced + a.lostAt);
          const ib = wilsonInterval(b.advanced, b.advanced + b.lostAt);
          // Never on a handful: both rates rest on at least MIN_FLAG_TRIALS decided leads.
          const enough = a.advanced + a.lostAt >= MIN_FLAG_TRIALS && b.advanced + b.lostAt >= MIN_FLAG_TRIALS;
          if (enough && credibleDifference(ia, ib)) {
            expectedFlags.push(`${owner} ${stage.id} ${(rateOf(a) ?? 0) > (rateOf(b) ?? 0) ? "above" : "below"}`);
          }
        }
      }
    }
    expect(r.result.flags.map((x) => `${x.repId} ${x.stageId} ${x.flag}`).sort()).toEqual(expectedFlags.sort());
  });

  test("the lead plan for 2026-Q1 (new business)", async () => {
    const ctx = (
      await resolveRequest(db.store, { workspace: SIMULATED_WORKSPACE, period: "2026-Q1", pipeline: "new-business" })
    ).current;
    const [start, end] = [Date.parse("2025-01-01T00:00:00Z"), Date.parse("2026-01-01T00:00:00Z")];
    const cohort = ref.cohort(start, end, undefined, "new-business");
    const stages = ref.openStages("new-business");
    const rates = stages.map((s) => rateOf(ref.stageCounts(cohort, s)) as number);
    const durations = ref.daysToWon(start, end, "new-business");

    const plan = await planLeads(ctx, { wonLeads: 40 });
    expect(plan.measuredOn).toBe(cohort.length);
    expect(plan.wonNeeded).toBe(40);
    expect(plan.stages.map((s) => s.stageId)).toEqual(stages.map((s) => s.id));
    const planEnd = Date.parse("2026-04-01T00:00:00Z");
    for (const [i, stage] of stages.entries()) {
      const toWon = rates.slice(i).reduce((a, b) => a * b, 1);
      const actual = plan.stages[i];
      close(actual?.conversion, rates[i] as number, `${stage.name} conversion`);
      close(actual?.expected, 40 / toWon, `${stage.name} expected`, 4);
      expect(actual?.leads, stage.name).toBe(Math.ceil(40 / toWon - 1e-9));
      const days = median(durations.get(stage.id) ?? []);
      close(actual?.medianDaysToWon, days, `${stage.name} days`, 5);
      expect(actual?.timedLeads).toBe(durations.get(stage.id)?.length);
      if (days !== null)
        expect(Math.abs(Date.parse(actual?.enterBy ?? "") - (planEnd - days * 86_400_000))).toBeLessThan(2);
    }

    const average = ref.averageWon(start, end, "new-business") as number;
    expect(average).toBeGreaterThan(0);
    const revenue = await planLeads(ctx, { revenue: 1_000_000 });
    close(revenue.averageWonValue, average, "average won", 4);
    expect(revenue.wonNeeded).toBe(Math.ceil(1_000_000 / average - 1e-9));
  });
});
