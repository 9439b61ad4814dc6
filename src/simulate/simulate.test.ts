import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type Column,
  LEAD_STATUSES,
  SOURCE_CHANNELS,
  TABLE_ORDER,
  TABLES,
  type TableName,
} from "../model/canonical.js";
import { PLANTED_PATTERNS, type PlantedPattern, RANGE_END_ISO, RANGE_START_ISO, simulate } from "./simulate.js";

type Row = Record<string, string>;
type Data = Record<TableName, Row[]>;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DAY = 86_400_000;

const dirs: string[] = [];
let data: Data;
let summaryRows: Record<TableName, number>;
let shapeDir = "";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "verity-sim-test-"));
  dirs.push(dir);
  return dir;
}

async function digest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const name of (await readdir(dir)).sort()) {
    hash.update(name);
    hash.update(await readFile(join(dir, name)));
  }
  return hash.digest("hex");
}

async function readTables(dir: string): Promise<Data> {
  const entries = await Promise.all(
    TABLE_ORDER.map(async (table) => {
      const text = await readFile(join(dir, TABLES[table].file), "utf8");
      const parsed = Papa.parse<Row>(text, { header: true, skipEmptyLines: true });
      expect(parsed.errors, `${table}: ${JSON.stringify(parsed.errors.slice(0, 3))}`).toEqual([]);
      expect(parsed.meta.fields, table).toEqual(TABLES[table].columns.map((c) => c.name));
      return [table, parsed.data] as const;
    }),
  );
  return Object.fromEntries(entries) as Data;
}

function pattern(
  id: PlantedPattern["id"],
): PlantedPattern & { comparedWith: NonNullable<PlantedPattern["comparedWith"]> } {
  const p = PLANTED_PATTERNS.find((x) => x.id === id);
  if (!p?.comparedWith) throw new Error(`pattern ${id} has no comparison period`);
  return { ...p, comparedWith: p.comparedWith };
}

const within = (iso: string | undefined, period: { start: string; end: string }) =>
  iso !== undefined && iso !== "" && iso >= period.start && iso <= period.end;

const ms = (iso: string | undefined) => Date.parse(iso ?? "");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const seed = Number(process.env.VERITY_SIM_SEED ?? 42);

beforeAll(async () => {
  const dir = await tempDir();
  shapeDir = dir;
  const summary = await simulate({ size: "s", seed, outDir: dir });
  summaryRows = summary.rows;
  data = await readTables(dir);
}, 60_000);

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("determinism", () => {
  it("gives byte-identical files for the same size and seed on any date, and different files for another seed", async () => {
    // The data the other tests read was made with seed 42 too (unless VERITY_SIM_SEED says otherwise).
    const a = seed === 42 ? shapeDir : await tempDir();
    const [b, c] = [await tempDir(), await tempDir()];
    if (seed !== 42) await simulate({ size: "s", seed: 42, outDir: a });
    // Another day on the clock must not matter.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-02-03T04:05:06Z"));
    try {
      await simulate({ size: "s", seed: 42, outDir: b });
    } finally {
      vi.useRealTimers();
    }
    await simulate({ size: "s", seed: 43, outDir: c });
    const [ha, hb, hc] = await Promise.all([digest(a), digest(b), digest(c)]);
    expect(ha).toBe(hb);
    expect(hc).not.toBe(ha);
    expect((await readdir(a)).sort()).toEqual(TABLE_ORDER.map((t) => TABLES[t].file).sort());
  }, 60_000);

  it("rejects a seed that is not an integer", async () => {
    await expect(simulate({ size: "s", seed: 1.5, outDir: await tempDir() })).rejects.toThrow(/integer/);
  });
});

describe("file format", () => {
  it("writes every table, non-empty, with as many rows as the summary says", () => {
    // Imported identities and daily totals come from other tools' exports: the simulated
    // company (whose visitors identify through their leads, every visit recorded) has none.
    const fromOtherTools: readonly string[] = ["visit_days", "visitor_identities"];
    for (const table of TABLE_ORDER) {
      if (fromOtherTools.includes(table)) expect(data[table].length, table).toBe(0);
      else expect(data[table].length, table).toBeGreaterThan(0);
      expect(summaryRows[table], table).toBe(data[table].length);
    }
  });

  it("writes valid values: timestamps inside the range, booleans, decimals, allowed codes, unique keys", () => {
    // Problems are collected rather than asserted one by one: a million expect() calls are slow.
    const problems: string[] = [];
    for (const table of TABLE_ORDER) {
      const columns = TABLES[table].columns as readonly Column[];
      const keys = new Set<string>();
      data[table].forEach((row, i) => {
        for (const column of columns) {
          const value = row[column.name] ?? "";
          const where = `${table} row ${i + 1} ${column.name} "${value}"`;
          if (value === "") {
            if (column.required) problems.push(`${where}: required`);
            continue;
          }
          if (column.type === "timestamp") {
            if (!TIMESTAMP.test(value)) problems.push(`${where}: not a timestamp`);
            else if (value < RANGE_START_ISO || value > RANGE_END_ISO) problems.push(`${where}: outside the range`);
          } else if (column.type === "boolean" && value !== "true" && value !== "false")
            problems.push(`${where}: boolean`);
          else if (column.type === "integer" && !/^\d+$/.test(value)) problems.push(`${where}: integer`);
          else if (column.type === "decimal" && !/^\d+(\.\d{1,2})?$/.test(value)) problems.push(`${where}: decimal`);
          if (column.oneOf && !column.oneOf.includes(value))
            problems.push(`${where}: not one of ${column.oneOf.join("/")}`);
        }
        const key = TABLES[table].key.map((k) => row[k]).join("|");
        if (keys.has(key)) problems.push(`${table} key ${key} repeats`);
        keys.add(key);
      });
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

describe("references", () => {
  it("resolves every reference", () => {
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok) problems.push(what);
    };
    const reps = new Set(data.reps.map((r) => r.id));
    const pipelines = new Set(data.pipelines.map((p) => p.id));
    const stagePipeline = new Map(data.stages.map((s) => [s.id ?? "", s.pipeline_id]));
    const leads = new Map(data.leads.map((l) => [l.id ?? "", l]));
    for (const s of data.stages) check(pipelines.has(s.pipeline_id ?? ""), `pipeline of stage ${s.id}`);
    for (const lead of data.leads) {
      check(reps.has(lead.owner_id ?? ""), `owner of ${lead.id}`);
      check(pipelines.has(lead.pipeline_id ?? ""), `pipeline of ${lead.id}`);
      check(stagePipeline.get(lead.stage_id ?? "") === lead.pipeline_id, `stage of ${lead.id}`);
    }
    for (const e of data.stage_events) {
      const lead = leads.get(e.lead_id ?? "");
      check(lead !== undefined, `lead ${e.lead_id} of a stage event`);
      check(stagePipeline.get(e.to_stage_id ?? "") === lead?.pipeline_id, `to_stage of ${e.lead_id}`);
      check(
        e.from_stage_id === "" || stagePipeline.get(e.from_stage_id ?? "") === lead?.pipeline_id,
        `from_stage of ${e.lead_id}`,
      );
      check(e.rep_id === "" || reps.has(e.rep_id ?? ""), `rep of a stage event of ${e.lead_id}`);
    }
    for (const a of data.activities) {
      check(a.lead_id === "" || leads.has(a.lead_id ?? ""), `lead of ${a.id}`);
      check(reps.has(a.rep_id ?? ""), `rep of ${a.id}`);
    }
    for (const v of data.visits) {
      check(v.converted_lead_id === "" || leads.has(v.converted_lead_id ?? ""), `lead of ${v.visit_id}`);
    }
    const posts = new Set(data.social_posts.map((p) => p.id));
    for (const s of data.social_post_snapshots) check(posts.has(s.post_id ?? ""), `post ${s.post_id}`);
    const subscribers = new Set(data.newsletter_subscribers.map((s) => s.id));
    const issues = new Set(data.newsletter_issues.map((i) => i.id));
    for (const e of data.email_events) {
      check(
        subscribers.has(e.subscriber_id ?? "") && issues.has(e.issue_id ?? ""),
        `email event of ${e.subscriber_id}`,
      );
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

describe("company and pipelines", () => {
  it("has reps in two or more teams, and pipelines with ordered open stages and one qualifying stage each", () => {
    expect(data.reps.length).toBeGreaterThanOrEqual(6);
    expect(new Set(data.reps.map((r) => r.team)).size).toBeGreaterThanOrEqual(2);
    expect(data.pipelines.length).toBeGreaterThanOrEqual(2);
    for (const p of data.pipelines) {
      const stages = data.stages.filter((s) => s.pipeline_id === p.id);
      expect(stages.map((s) => Number(s.position))).toEqual(stages.map((_, i) => i));
      expect(stages.filter((s) => s.is_qualifying === "true")).toHaveLength(1);
      expect(stages.every((s) => s.kind === "open")).toBe(true);
    }
  });
});

describe("leads and their stage history", () => {
  it("has every status, closes exactly the closed leads, and gives lost leads a reason", () => {
    const statuses = new Set(data.leads.map((l) => l.status));
    for (const status of LEAD_STATUSES) expect(statuses.has(status), status).toBe(true);
    for (const lead of data.leads) {
      expect(lead.closed_at === "", `closed_at of ${lead.id}`).toBe(lead.status === "open");
      if (lead.closed_at !== "") expect((lead.closed_at ?? "") > (lead.created_at ?? "")).toBe(true);
      if (lead.status === "lost") expect(lead.loss_reason).not.toBe("");
      if (lead.value !== "") expect(lead.currency).toMatch(/^[A-Z]{3}$/);
    }
    expect(data.leads.some((l) => l.competitor !== "")).toBe(true);
    expect(new Set(data.leads.map((l) => l.loss_reason)).size).toBeGreaterThanOrEqual(5);
    // Young cohorts: far more of the leads created in the last month are still open than of
    // those created a year earlier.
    const openShare = (from: string, to: string) => {
      const cohort = data.leads.filter((l) => (l.created_at ?? "") >= from && (l.created_at ?? "") < to);
      return cohort.filter((l) => l.status === "open").length / cohort.length;
    };
    expect(openShare("2026-09-01", "2026-10-01")).toBeGreaterThan(0.3);
    expect(openShare("2026-09-01", "2026-10-01")).toBeGreaterThan(3 * openShare("2025-09-01", "2025-10-01"));
  });

  it("orders each lead's stage events in time within its life, from the first stage to its current one", () => {
    const stages = new Map(data.stages.map((s) => [s.id ?? "", s]));
    const qualifying = new Map(
      data.stages.filter((s) => s.is_qualifying === "true").map((s) => [s.pipeline_id, Number(s.position)]),
    );
    const events = groupBy(data.stage_events, (e) => e.lead_id ?? "");
    let skips = 0;
    let backwards = 0;
    for (const lead of data.leads) {
      const history = events.get(lead.id ?? "") ?? [];
      expect(history.length, `history of ${lead.id}`).toBeGreaterThan(0);
      const first = history[0];
      expect(first?.from_stage_id).toBe("");
      expect(first?.changed_at).toBe(lead.created_at);
      expect(stages.get(first?.to_stage_id ?? "")?.position).toBe("0");
      const end = lead.closed_at === "" ? RANGE_END_ISO : (lead.closed_at ?? "");
      let qualifiedAt = "";
      history.forEach((e, i) => {
        expect((e.changed_at ?? "") <= end, `event of ${lead.id} after its close`).toBe(true);
        const position = Number(stages.get(e.to_stage_id ?? "")?.position);
        if (qualifiedAt === "" && position >= (qualifying.get(lead.pipeline_id) ?? 0)) qualifiedAt = e.changed_at ?? "";
        if (i === 0) return;
        const previous = history[i - 1];
        expect((e.changed_at ?? "") > (previous?.changed_at ?? ""), `events of ${lead.id} out of order`).toBe(true);
        expect(e.from_stage_id).toBe(previous?.to_stage_id);
        const from = Number(stages.get(e.from_stage_id ?? "")?.position);
        if (position > from + 1) skips++;
        if (position < from) backwards++;
      });
      expect(history[history.length - 1]?.to_stage_id, `current stage of ${lead.id}`).toBe(lead.stage_id);
      expect(lead.qualified_at, `qualified_at of ${lead.id}`).toBe(qualifiedAt);
    }
    expect(skips).toBeGreaterThan(0);
    expect(backwards).toBeGreaterThan(0);
    expect(data.stage_events.length / data.leads.length).toBeGreaterThan(2.5);
  });

  it("brings leads from every source channel, with first-touch utm_* that fit the channel", () => {
    const channels = new Set(data.leads.map((l) => l.source_channel));
    for (const channel of SOURCE_CHANNELS) expect(channels.has(channel), channel).toBe(true);
    const postCampaigns = new Set(data.social_posts.map((p) => p.utm_campaign));
    const issueCampaigns = new Set(data.newsletter_issues.map((i) => i.utm_campaign));
    for (const lead of data.leads) {
      const channel = lead.source_channel ?? "";
      if (channel === "paid") {
        expect([lead.utm_source, lead.utm_medium]).toEqual(["google", "cpc"]);
        expect(lead.utm_campaign).not.toBe("");
      } else if (channel.startsWith("social:")) {
        expect([lead.utm_source, lead.utm_medium]).toEqual([channel.slice(7), "social"]);
        expect(postCampaigns.has(lead.utm_campaign)).toBe(true);
      } else if (channel === "newsletter") {
        expect([lead.utm_source, lead.utm_medium]).toEqual(["newsletter", "email"]);
        expect(issueCampaigns.has(lead.utm_campaign)).toBe(true);
      } else {
        expect(lead.utm_source, `${lead.id} from ${channel}`).toBe("");
        expect(lead.utm_campaign).toBe("");
      }
    }
  });
});

describe("activities", () => {
  it("has notes and no notes, lead-less activities, and stays within each lead's life", () => {
    const leads = new Map(data.leads.map((l) => [l.id ?? "", l]));
    const realNotes = data.activities.filter((a) => (a.note ?? "").length >= 40);
    const junkOrEmpty = data.activities.filter((a) => (a.note ?? "").length <= 6);
    expect(realNotes.length).toBeGreaterThan(data.activities.length * 0.1);
    expect(junkOrEmpty.length).toBeGreaterThan(data.activities.length * 0.3);
    expect(data.activities.some((a) => (a.note ?? "").includes("\n"))).toBe(true);
    expect(data.activities.some((a) => a.lead_id === "")).toBe(true);
    expect(new Set(data.activities.map((a) => a.type)).size).toBeGreaterThanOrEqual(6);
    for (const a of data.activities) {
      const lead = leads.get(a.lead_id ?? "");
      if (!lead) continue;
      expect((a.occurred_at ?? "") > (lead.created_at ?? ""), `${a.id} before its lead`).toBe(true);
      if (lead.closed_at !== "") expect(ms(a.occurred_at) - ms(lead.closed_at)).toBeLessThanOrEqual(3 * DAY);
    }
  });

  it("separates rep styles: the most active rep wins less than the rep who wins most", () => {
    const perRep = data.reps.map((rep) => {
      const leads = data.leads.filter((l) => l.owner_id === rep.id);
      const activities = data.activities.filter((a) => a.rep_id === rep.id && a.lead_id !== "");
      const won = leads.filter((l) => l.status === "won").length;
      const closed = leads.filter((l) => l.status === "won" || l.status === "lost").length;
      const noted = activities.filter((a) => (a.note ?? "").length >= 40).length;
      return {
        activitiesPerLead: activities.length / leads.length,
        winRate: won / closed,
        noteShare: noted / activities.length,
      };
    });
    const busiest = perRep.reduce((a, b) => (b.activitiesPerLead > a.activitiesPerLead ? b : a));
    const best = perRep.reduce((a, b) => (b.winRate > a.winRate ? b : a));
    expect(best.activitiesPerLead).toBeLessThan(busiest.activitiesPerLead / 1.5);
    expect(best.noteShare).toBeGreaterThan(busiest.noteShare * 2);
  });
});

describe("web", () => {
  it("has one-off and frequent visitors, and converting visits of the lead's own channel just before it", () => {
    const perVisitor = groupBy(data.visits, (v) => v.visitor_id ?? "");
    const counts = [...perVisitor.values()].map((v) => v.length);
    expect(counts.filter((n) => n === 1).length).toBeGreaterThan(counts.length / 2);
    expect(counts.filter((n) => n >= 50).length).toBeGreaterThan(0);
    const leads = new Map(data.leads.map((l) => [l.id ?? "", l]));
    const converting = data.visits.filter((v) => v.converted_lead_id !== "");
    expect(converting.length).toBeGreaterThan(data.leads.length * 0.2);
    for (const visit of converting) {
      const lead = leads.get(visit.converted_lead_id ?? "");
      const gap = ms(lead?.created_at) - ms(visit.started_at);
      expect(gap, `lead ${lead?.id} vs visit ${visit.visit_id}`).toBeGreaterThanOrEqual(0);
      expect(gap).toBeLessThanOrEqual(3_600_000);
      const source = lead?.source_channel ?? "";
      if (source === "website") expect(visit.utm_medium).toBe("");
      else if (source === "referral") expect(visit.referrer).not.toBe("");
      else {
        const expected = source === "paid" ? "cpc" : source === "newsletter" ? "email" : "social";
        expect(visit.utm_medium, `visit ${visit.visit_id} of a ${source} lead`).toBe(expected);
        expect(visit.utm_campaign).toBe(lead?.utm_campaign);
      }
    }
  });
});

describe("newsletter", () => {
  it("mails only active subscribers, opens after sending, clicks after opening", () => {
    const subscribers = new Map(data.newsletter_subscribers.map((s) => [s.id ?? "", s]));
    const issues = new Map(data.newsletter_issues.map((i) => [i.id ?? "", i]));
    const byPair = groupBy(data.email_events, (e) => `${e.subscriber_id}|${e.issue_id}`);
    const problems: string[] = [];
    for (const [pair, events] of byPair) {
      const at = (type: string) => events.find((e) => e.type === type)?.occurred_at;
      const [sent, open, click] = [at("sent"), at("open"), at("click")];
      const subscriber = subscribers.get(events[0]?.subscriber_id ?? "");
      const issue = issues.get(events[0]?.issue_id ?? "");
      const sentAt = issue?.sent_at ?? "";
      if (!sent || !subscriber || !issue) problems.push(`${pair}: events without a send`);
      else if (subscriber.subscribed_at === undefined || subscriber.subscribed_at > sentAt)
        problems.push(`${pair}: not yet subscribed`);
      else if (subscriber.unsubscribed_at !== "" && (subscriber.unsubscribed_at ?? "") <= sentAt)
        problems.push(`${pair}: had left`);
      if (open !== undefined && !(open > (sent ?? ""))) problems.push(`${pair}: opened before it was sent`);
      if (click !== undefined && !(open !== undefined && click > open))
        problems.push(`${pair}: clicked before opening`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(data.newsletter_subscribers.some((s) => s.unsubscribed_at !== "")).toBe(true);
    for (const type of ["open", "click", "unsubscribe", "bounce"]) {
      expect(
        data.email_events.some((e) => e.type === type),
        type,
      ).toBe(true);
    }
  });

  it("links newsletter leads to a subscriber who clicked the issue within 30 days before", () => {
    const hashOf = (email: string) => createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
    const subscriberByHash = new Map(data.newsletter_subscribers.map((s) => [s.email_hash ?? "", s.id ?? ""]));
    const issueByCampaign = new Map(data.newsletter_issues.map((i) => [i.utm_campaign ?? "", i.id ?? ""]));
    const clicks = groupBy(
      data.email_events.filter((e) => e.type === "click"),
      (e) => `${e.subscriber_id}|${e.issue_id}`,
    );
    const newsletterLeads = data.leads.filter((l) => l.source_channel === "newsletter");
    expect(newsletterLeads.length).toBeGreaterThan(10);
    for (const lead of newsletterLeads) {
      const subscriber = subscriberByHash.get(hashOf(lead.contact ?? ""));
      expect(subscriber, `subscriber behind ${lead.id}`).toBeDefined();
      const click = clicks.get(`${subscriber}|${issueByCampaign.get(lead.utm_campaign ?? "")}`)?.[0];
      expect(click, `click behind ${lead.id}`).toBeDefined();
      const gap = ms(lead.created_at) - ms(click?.occurred_at);
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThanOrEqual(30 * DAY);
    }
  });
});

describe("planted patterns", () => {
  it("documents each pattern with a period inside the range", () => {
    expect(PLANTED_PATTERNS.length).toBeGreaterThanOrEqual(4);
    for (const p of PLANTED_PATTERNS) {
      expect(p.description.length).toBeGreaterThan(20);
      for (const period of [p.period, p.comparedWith]) {
        if (!period) continue;
        expect(period.start >= RANGE_START_ISO && period.end <= RANGE_END_ISO && period.start < period.end).toBe(true);
      }
    }
  });

  it("new leads rise while qualified leads fall", () => {
    const { period, comparedWith } = pattern("lead-quality-drop");
    const created = (p: typeof period) => data.leads.filter((l) => within(l.created_at, p));
    const qualified = (p: typeof period) => data.leads.filter((l) => within(l.qualified_at, p)).length;
    const rate = (p: typeof period) => created(p).filter((l) => l.qualified_at !== "").length / created(p).length;
    expect(created(period).length / created(comparedWith).length).toBeGreaterThan(1.15);
    expect(qualified(period)).toBeLessThan(qualified(comparedWith));
    expect(rate(period)).toBeLessThan(rate(comparedWith) * 0.8);
  });

  it("visits jump on paid traffic while returning visitors stay flat", () => {
    const { period, comparedWith } = pattern("paid-traffic-spike");
    const visits = [...data.visits].sort(
      (a, b) =>
        (a.started_at ?? "").localeCompare(b.started_at ?? "") || (a.visit_id ?? "").localeCompare(b.visit_id ?? ""),
    );
    const seen = new Set<string>();
    const returning = { period: new Set<string>(), comparedWith: new Set<string>() };
    const count = { period: 0, comparedWith: 0 };
    const paid = { period: 0, comparedWith: 0 };
    for (const v of visits) {
      const which = within(v.started_at, period)
        ? "period"
        : within(v.started_at, comparedWith)
          ? "comparedWith"
          : null;
      if (which) {
        count[which]++;
        if (v.utm_medium === "cpc") paid[which]++;
        if (seen.has(v.visitor_id ?? "")) returning[which].add(v.visitor_id ?? "");
      }
      seen.add(v.visitor_id ?? "");
    }
    expect(paid.period / paid.comparedWith).toBeGreaterThan(3);
    expect(count.period / count.comparedWith).toBeGreaterThan(1.4);
    const ratio = returning.period.size / returning.comparedWith.size;
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.15);
  });

  it("followers grow while shares per post do not", () => {
    const { period, comparedWith } = pattern("follower-giveaway");
    const totals = new Map<string, number>();
    for (const s of data.social_follower_snapshots) {
      totals.set(s.captured_at ?? "", (totals.get(s.captured_at ?? "") ?? 0) + Number(s.followers));
    }
    const inPeriod = [...totals.keys()].filter((at) => within(at, period)).sort();
    const growth = (totals.get(inPeriod[inPeriod.length - 1] ?? "") ?? 0) / (totals.get(inPeriod[0] ?? "") ?? 1);
    expect(growth).toBeGreaterThan(1.1);
    const finalShares = new Map<string, number>();
    for (const s of data.social_post_snapshots) finalShares.set(s.post_id ?? "", Number(s.shares));
    const sharesPerPost = (p: typeof period) => {
      const posts = data.social_posts.filter((post) => within(post.published_at, p));
      return posts.reduce((sum, post) => sum + (finalShares.get(post.id ?? "") ?? 0), 0) / posts.length;
    };
    expect(sharesPerPost(period)).toBeLessThan(sharesPerPost(comparedWith));
  });

  it("some reps hold lost deals about twice as long as won ones, others do not", () => {
    const days = (lead: Row) => (ms(lead.closed_at) - ms(lead.qualified_at)) / DAY;
    const ratios = data.reps.map((rep) => {
      const qualified = data.leads.filter((l) => l.owner_id === rep.id && l.qualified_at !== "");
      const won = qualified.filter((l) => l.status === "won").map(days);
      const lost = qualified.filter((l) => l.status === "lost").map(days);
      return won.length >= 10 && lost.length >= 10 ? median(lost) / median(won) : Number.NaN;
    });
    const measured = ratios.filter((r) => !Number.isNaN(r));
    expect(measured.some((r) => r >= 1.6)).toBe(true);
    expect(measured.some((r) => r <= 1.1)).toBe(true);
  });
});
