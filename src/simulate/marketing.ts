/**
 * The marketing side, written after (or beside) the leads are planned: newsletter subscribers,
 * issues and email events, then website visits, then social posts and their counters. It
 * needs from the sales side only the lead arrivals' hand-offs (conversions and forced
 * clicks), so it can run in a worker thread while the main thread writes leads.
 */
import type { TableName } from "../model/canonical.js";
import { UtmCatalog } from "./channels.js";
import { CsvTableWriter } from "./csv-writer.js";
import { AccountBook, PeopleBook } from "./identities.js";
import { EMAIL_EVENT_FIELDS, ISSUE_FIELDS, planNewsletter, SUBSCRIBER_FIELDS, writeNewsletter } from "./newsletter.js";
import {
  ClickLog,
  type ConversionColumns,
  ConversionLog,
  type ForcedClickColumns,
  ForcedClicks,
} from "./phase-handoffs.js";
import type { SizePreset } from "./sizes.js";
import { FOLLOWER_FIELDS, POST_FIELDS, POST_SNAPSHOT_FIELDS, planSocial, writeSocial } from "./social.js";
import { VISIT_FIELDS, writeVisits } from "./web.js";

export const MARKETING_TABLES = [
  "newsletter_subscribers",
  "newsletter_issues",
  "email_events",
  "visits",
  "social_posts",
  "social_post_snapshots",
  "social_follower_snapshots",
] as const satisfies readonly TableName[];
export type MarketingTable = (typeof MARKETING_TABLES)[number];

/** Everything the marketing side needs; plain data, so it can be posted to a worker. */
export type MarketingInput = {
  /** The size's preset as simulate() shaped it (scale, steady). */
  preset: SizePreset;
  seed: number;
  outDir: string;
  conversions: ConversionColumns;
  forced: ForcedClickColumns;
  /** False: none of the planted stories (planted-patterns.ts). */
  planted: boolean;
};

export async function writeMarketing(
  input: MarketingInput,
  onProgress: (table: MarketingTable, rows: number) => void,
): Promise<Record<MarketingTable, number>> {
  const preset = input.preset;
  // The plans are pure functions of size and seed: rebuilding them here is cheaper than
  // sending them across threads, and gives the same plans the lead arrivals used.
  const accounts = new AccountBook(preset.accounts, input.seed);
  const people = new PeopleBook(accounts, input.seed);
  const social = planSocial(preset, input.seed, input.planted);
  const newsletter = planNewsletter(preset, input.seed);
  const utm = new UtmCatalog({
    postCampaigns: social.campaign,
    postNetworks: Array.from(social.network),
    issueCampaigns: newsletter.issues.map((issue) => issue.campaign),
  });
  const conversions = new ConversionLog(input.conversions);
  const forced = new ForcedClicks(input.forced.subscribers, input.forced);

  const fields: Record<MarketingTable, readonly string[]> = {
    newsletter_subscribers: SUBSCRIBER_FIELDS,
    newsletter_issues: ISSUE_FIELDS,
    email_events: EMAIL_EVENT_FIELDS,
    visits: VISIT_FIELDS,
    social_posts: POST_FIELDS,
    social_post_snapshots: POST_SNAPSHOT_FIELDS,
    social_follower_snapshots: FOLLOWER_FIELDS,
  };
  const writers = new Map(MARKETING_TABLES.map((t) => [t, new CsvTableWriter(t, input.outDir, fields[t])]));
  const w = (table: MarketingTable): CsvTableWriter => {
    const writer = writers.get(table);
    if (!writer) throw new Error(`no writer for ${table}`);
    return writer;
  };
  const finish = async (...tables: MarketingTable[]) => {
    for (const table of tables) {
      await w(table).close();
      onProgress(table, w(table).rows);
    }
  };
  try {
    const clicks = new ClickLog();
    await writeNewsletter(
      newsletter,
      people,
      forced,
      input.seed,
      { subscribers: w("newsletter_subscribers"), issues: w("newsletter_issues"), events: w("email_events") },
      clicks,
      (rows) => onProgress("email_events", rows),
    );
    await finish("newsletter_subscribers", "newsletter_issues", "email_events");
    await writeVisits({
      preset,
      seed: input.seed,
      social,
      newsletter,
      utm,
      conversions,
      clicks,
      planted: input.planted,
      out: w("visits"),
      onProgress: (rows) => onProgress("visits", rows),
    });
    await finish("visits");
    await writeSocial(social, preset, input.seed, {
      posts: w("social_posts"),
      postSnapshots: w("social_post_snapshots"),
      followerSnapshots: w("social_follower_snapshots"),
    });
    await finish("social_posts", "social_post_snapshots", "social_follower_snapshots");
  } catch (error) {
    for (const writer of writers.values()) writer.discard();
    throw error;
  }
  return Object.fromEntries(MARKETING_TABLES.map((t) => [t, w(t).rows])) as Record<MarketingTable, number>;
}
