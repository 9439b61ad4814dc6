/**
 * Metrics on the real Maven CRM dataset (../shared/data/maven-crm, never copied into the
 * repository): win rate, median days from engage to close of won deals and each agent's won
 * value, checked against the same figures recomputed here from the raw CSV. The dataset has
 * no stage history, so stage durations must be reported as unsupported, not computed.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runImport } from "../src/ingest/importer.js";
import { mavenImporter } from "../src/ingest/maven-importer.js";
import { resolveRequest } from "../src/metrics/context.js";
import { type ActivityQualityResult, activityQuality } from "../src/metrics/definitions/activity-quality.js";
import { type VelocityResult, velocity } from "../src/metrics/definitions/velocity.js";
import { runMetric } from "../src/metrics/run-metric.js";
import { stalledLeads } from "../src/metrics/stalled-leads.js";
import { median } from "../src/metrics/statistics.js";
import { engines } from "./support/databases.js";
import { sharedDataset } from "./support/shared-data.js";
import { openTestStore, type TestStore } from "./support/stores.js";

const { path: DATASET, present: HAS_DATASET } = sharedDataset("maven-crm");
const WORKSPACE = "maven";
// Every engage and close date of the dataset lies in 2016-10..2017-12.
const ALL = "2016-01-01..2017-12-31";

type Deal = { sales_agent: string; deal_stage: string; engage_date: string; close_date: string; close_value: string };

async function deals(): Promise<Deal[]> {
  const text = await readFile(join(DATASET, "sales_pipeline.csv"), "utf8");
  return Papa.parse<Deal>(text, { header: true, skipEmptyLines: true }).data;
}

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

describe.skipIf(!HAS_DATASET)("metrics on the Maven dataset (needs ../shared/data/maven-crm)", () => {
  let raw: Deal[];
  beforeAll(async () => {
    raw = await deals();
  });

  describe.each(engines())("on %s", (engine) => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore(engine);
      await runImport(t.store, mavenImporter, DATASET, { workspace: WORKSPACE });
    });
    afterAll(async () => t?.dispose());

    const request = async (extra: Record<string, unknown> = {}) =>
      resolveRequest(t.store, { workspace: WORKSPACE, period: ALL, ...extra });

    test("win rate and each agent's won value match the raw file", async () => {
      const won = raw.filter((d) => d.deal_stage === "Won");
      const lost = raw.filter((d) => d.deal_stage === "Lost");
      const report = await runMetric(activityQuality, await request());
      const result = report.result as ActivityQualityResult;
      expect(result.team.wonLeads).toBe(won.length);
      expect(result.team.lostLeads).toBe(lost.length);
      expect(result.team.winRate).toBeCloseTo(won.length / (won.length + lost.length), 6);
      const byAgent = new Map<string, number>();
      for (const d of won) byAgent.set(d.sales_agent, (byAgent.get(d.sales_agent) ?? 0) + Number(d.close_value));
      const fromVerity = new Map(result.reps.filter((r) => r.wonLeads > 0).map((r) => [r.repName, r.wonValue]));
      expect(fromVerity.size).toBe(byAgent.size);
      for (const [agent, value] of byAgent) expect(fromVerity.get(agent), agent).toBeCloseTo(value, 2);
      // No activities in the dataset: the activity figures are reported missing, not zero.
      expect(report.unsupported.map((u) => u.capability)).toContain("activities");
    });

    test("median days from engage to close of won deals matches the raw file", async () => {
      const days = raw.filter((d) => d.deal_stage === "Won").map((d) => day(d.close_date) - day(d.engage_date));
      const report = await runMetric(velocity, await request());
      const result = report.result as VelocityResult;
      expect(result.from).toBe("qualification");
      expect(result.won.leads).toBe(days.length);
      expect(result.won.median).toBeCloseTo(median(days) as number, 6);
      // Maven's stage events are derived from two dates: no days in stage, and it says why.
      expect(result.daysInStage).toBeNull();
      expect(report.unsupported.map((u) => u.capability)).toContain("stage_history");
    });

    test("stalled leads fall back to total age without stage history", async () => {
      const { current } = await request({ period: "2017-Q4" });
      const stalled = await stalledLeads(current);
      expect(stalled.basis).toBe("age");
      // The engaging deals still open at the as-of date (2017-12-31) are the candidates.
      expect(stalled.openLeads).toBe(
        raw.filter((d) => d.deal_stage === "Engaging" || d.deal_stage === "Prospecting").length,
      );
      for (const lead of stalled.leads) expect(lead.daysOver).toBeGreaterThan(0);
    });
  });
});
