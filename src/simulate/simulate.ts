/**
 * The seeded B2B company simulator: three years (2023-10-01 .. 2026-09-30) of a field-service
 * software vendor's CRM, website, social accounts and newsletter, written as Verity's canonical
 * CSV files (one per table, canonical.ts). The same size and seed give byte-identical files
 * on any machine and any day; nothing reads the clock or Math.random.
 *
 * Phases run in dependency order and stream to disk: plans (company, social posts, newsletter
 * list) -> leads with stage events and activities -> newsletter events -> visits -> social
 * counters. What a later phase needs from an earlier one travels as compact integer columns
 * (phase-handoffs.ts), so memory stays bounded at every size.
 */
import { mkdir } from "node:fs/promises";
import { TABLE_ORDER, type TableName } from "../model/canonical.js";
import { ACTIVITY_FIELDS } from "./activities.js";
import { UtmCatalog } from "./channels.js";
import { buildCompany, isActiveAtEnd } from "./company.js";
import { CsvTableWriter } from "./csv-writer.js";
import { AccountBook, PeopleBook } from "./identities.js";
import { LEAD_FIELDS, STAGE_EVENT_FIELDS, writeLeads } from "./leads.js";
import { EMAIL_EVENT_FIELDS, ISSUE_FIELDS, planNewsletter, SUBSCRIBER_FIELDS, writeNewsletter } from "./newsletter.js";
import { ClickLog, ConversionLog, ForcedClicks } from "./phase-handoffs.js";
import { FOLLOWER_FIELDS, POST_FIELDS, POST_SNAPSHOT_FIELDS, planSocial, writeSocial } from "./social.js";
import { SIZE_PRESETS, type SimulationSize } from "./sizes.js";
import { RANGE_END_ISO, RANGE_START_ISO } from "./time.js";
import { VISIT_FIELDS, writeVisits } from "./web.js";

export { PLANTED_PATTERNS, type PlantedPattern, type PlantedPeriod } from "./planted-patterns.js";
export { SIZE_PRESETS, type SimulationSize, type SizePreset } from "./sizes.js";
export { RANGE_END_ISO, RANGE_START_ISO } from "./time.js";

/** The simulator's field order per table (csv-writer maps it onto the canonical columns). */
const FIELDS: Record<TableName, readonly string[]> = {
  reps: ["id", "name", "email", "team", "region", "active"],
  pipelines: ["id", "name"],
  stages: ["id", "pipeline_id", "name", "position", "is_qualifying", "kind"],
  leads: LEAD_FIELDS,
  stage_events: STAGE_EVENT_FIELDS,
  activities: ACTIVITY_FIELDS,
  visits: VISIT_FIELDS,
  social_posts: POST_FIELDS,
  social_post_snapshots: POST_SNAPSHOT_FIELDS,
  social_follower_snapshots: FOLLOWER_FIELDS,
  newsletter_subscribers: SUBSCRIBER_FIELDS,
  newsletter_issues: ISSUE_FIELDS,
  email_events: EMAIL_EVENT_FIELDS,
};

export type SimulationOptions = {
  size: SimulationSize;
  seed: number;
  /** Created if missing; existing files of the same names are replaced. */
  outDir: string;
  /** Called now and then while a table is written, with the rows written so far. */
  onProgress?: (table: TableName, rows: number) => void;
};

export type SimulationSummary = {
  size: SimulationSize;
  seed: number;
  outDir: string;
  /** Rows written per table (header excluded), in load order. */
  rows: Record<TableName, number>;
  /** The simulated period; every timestamp in the files lies within it. */
  range: { start: string; end: string };
};

/** Writes a simulated company into `outDir` and says how much of it there is. */
export async function simulate(options: SimulationOptions): Promise<SimulationSummary> {
  const { size, seed, outDir } = options;
  const preset = SIZE_PRESETS[size];
  if (!preset) throw new Error(`unknown size "${size}"; use s, m or l`);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const progress = options.onProgress ?? (() => {});
  await mkdir(outDir, { recursive: true });

  const company = buildCompany(preset, seed);
  const accounts = new AccountBook(preset.accounts, seed);
  const people = new PeopleBook(accounts, seed);
  const social = planSocial(preset, seed);
  const newsletter = planNewsletter(preset, seed);
  const utm = new UtmCatalog({
    postCampaigns: social.campaign,
    postNetworks: Array.from(social.network),
    issueCampaigns: newsletter.issues.map((issue) => issue.campaign),
  });

  const writers = new Map<TableName, CsvTableWriter>(
    TABLE_ORDER.map((t) => [t, new CsvTableWriter(t, outDir, FIELDS[t])]),
  );
  const w = (table: TableName): CsvTableWriter => {
    const writer = writers.get(table);
    if (!writer) throw new Error(`no writer for ${table}`);
    return writer;
  };
  const finish = async (...tables: TableName[]) => {
    for (const table of tables) {
      await w(table).close();
      progress(table, w(table).rows);
    }
  };
  try {
    for (const rep of company.reps) {
      w("reps").values([rep.id, rep.name, rep.email, rep.team, rep.region, isActiveAtEnd(rep)]);
    }
    for (const pipeline of company.pipelines) {
      w("pipelines").values([pipeline.id, pipeline.name]);
      for (const stage of pipeline.stages) {
        w("stages").values([stage.id, pipeline.id, stage.name, stage.position, stage.isQualifying, "open"]);
      }
    }
    await finish("reps", "pipelines", "stages");

    const conversions = new ConversionLog();
    const forced = new ForcedClicks(newsletter.subscribedAt.length);
    await writeLeads({
      preset,
      seed,
      company,
      accounts,
      people,
      social,
      newsletter,
      utm,
      conversions,
      forced,
      out: { leads: w("leads"), stageEvents: w("stage_events"), activities: w("activities") },
      onProgress: progress,
    });
    await finish("leads", "stage_events", "activities");

    const clicks = new ClickLog();
    await writeNewsletter(
      newsletter,
      people,
      forced,
      seed,
      { subscribers: w("newsletter_subscribers"), issues: w("newsletter_issues"), events: w("email_events") },
      clicks,
      (rows) => progress("email_events", rows),
    );
    await finish("newsletter_subscribers", "newsletter_issues", "email_events");

    await writeVisits({
      preset,
      seed,
      social,
      newsletter,
      utm,
      conversions,
      clicks,
      out: w("visits"),
      onProgress: (rows) => progress("visits", rows),
    });
    await finish("visits");

    await writeSocial(social, preset, seed, {
      posts: w("social_posts"),
      postSnapshots: w("social_post_snapshots"),
      followerSnapshots: w("social_follower_snapshots"),
    });
    await finish("social_posts", "social_post_snapshots", "social_follower_snapshots");
  } catch (error) {
    for (const writer of writers.values()) writer.discard();
    throw error;
  }

  const rows = Object.fromEntries(TABLE_ORDER.map((t) => [t, w(t).rows])) as Record<TableName, number>;
  return { size, seed, outDir, rows, range: { start: RANGE_START_ISO, end: RANGE_END_ISO } };
}
