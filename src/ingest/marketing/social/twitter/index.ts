/**
 * X (Twitter) post analytics exports, CSV, in either of the two layouts X has had:
 *
 * - The tweet activity export of analytics.twitter.com (`tweet_activity_metrics_<handle>_
 *   <yyyymmdd>_<yyyymmdd>_<lang>.csv`): "Tweet id", "Tweet permalink", "Tweet text", "time"
 *   (`2019-01-02 15:04 +0000`), "impressions", "engagements", "engagement rate", "retweets",
 *   "replies", "likes" (older files: "favorites"), ... and the same as "promoted ..." columns.
 * - The post analytics export of X's current analytics (`account_analytics_content_
 *   <yyyy-mm-dd>_<yyyy-mm-dd>.csv`): "Post id", "Date" (`Tue, Jul 14, 2026`: a day, no time),
 *   "Post text", "Post Link", "Impressions", "Likes", "Engagements", "Bookmarks", "Shares",
 *   "New follows", "Replies", "Reposts", "Profile visits", ...
 *
 * Each row is a post: id `twitter:<id>`, published_at = time (its own offset) or Date (the day,
 * 00:00 in --timezone, default UTC), url = the permalink; one snapshot, shares = retweets or
 * Reposts (X's newer "Shares" counts a post sent by message or copied link, not a repost, and
 * is not counted), impressions = impressions (organic: the promoted columns are not added),
 * captured at the end of the last day of the period the file name gives (csv-export.ts).
 * The file carries no follower count, so it gives no follower snapshot.
 */
import { basename } from "node:path";
import { readSourceFile, type SourceFile } from "../../../crm/source-file.js";
import type { Importer, PreparedImport } from "../../../importer.js";
import { capturedAt, nameDay, origin, rowTime } from "../csv-export.js";
import { exportFiles, importError, parseCount, postIdText, SocialRows, zoneOption } from "../social-rows.js";
import { canonicalTime, toUtc, type WallClock } from "../times.js";

export const TWITTER_SOURCE = "twitter";

type Layout = { id: string; link: string; time: string; impressions: string; shares: string; timed: boolean };

const ACTIVITY: Layout = {
  id: "Tweet id",
  link: "Tweet permalink",
  time: "time",
  impressions: "impressions",
  shares: "retweets",
  timed: true,
};
const CONTENT: Layout = {
  id: "Post id",
  link: "Post Link",
  time: "Date",
  impressions: "Impressions",
  shares: "Reposts",
  timed: false,
};

const isActivity = (header: readonly string[]) => header.includes("Tweet id") && header.includes("Tweet permalink");
const isContent = (header: readonly string[]) =>
  header.includes("Post id") && header.includes("Post Link") && header.includes("Post text");

/** The last day of the period an export's file name gives, or null. */
function periodEnd(file: string): WallClock | null {
  const name = basename(file);
  const activity = /tweet_activity_metrics_.*_(\d{4})(\d{2})(\d{2})_[a-z]{2}(?:[-_][a-z]+)?\b/i.exec(name);
  if (activity) return nameDay(Number(activity[1]), Number(activity[2]), Number(activity[3]));
  const content = /account_analytics_content_\d{4}-\d{2}-\d{2}_(\d{4})-(\d{2})-(\d{2})/i.exec(name);
  if (content) return nameDay(Number(content[1]), Number(content[2]), Number(content[3]));
  return null;
}

export const twitterImporter: Importer = {
  format: "twitter",
  description: "X/Twitter post analytics export (tweet_activity_metrics_*.csv or account_analytics_content_*.csv)",
  recognise(sample) {
    const header = sample.header;
    if (!header) return null;
    if (isActivity(header)) return `${sample.name} has X's tweet activity columns (Tweet id, Tweet permalink, ...)`;
    if (isContent(header)) return `${sample.name} has X's post analytics columns (Post id, Post text, Post Link, ...)`;
    return null;
  },
  async prepare(paths, options): Promise<PreparedImport> {
    const files = await exportFiles("X", paths, /\.csv$/i);
    const zone = zoneOption(options);
    const dayFirst = options.dateFormat === "dmy";
    const out = new SocialRows("twitter", options);
    let untimed = false;
    for (const file of files) {
      const source = await out.readFile(() => readSourceFile(file));
      if (!source) continue;
      const layout = isActivity(source.header) ? ACTIVITY : isContent(source.header) ? CONTENT : null;
      if (!layout) {
        out.problems.add(
          importError(
            { file, line: 1, column: null },
            "not an X post analytics export: the header has neither Tweet id and Tweet permalink nor Post id, Post text and Post Link",
          ),
        );
        continue;
      }
      out.problems.row(() => {
        untimed ||= !layout.timed;
        convert(source, layout, zone, dayFirst, out);
      });
    }
    if (untimed && zone === null) {
      out.tables.note(
        "X's post analytics export dates posts by day only; they are read as 00:00 UTC (give --timezone for the account's zone)",
      );
    }
    return out.prepare(TWITTER_SOURCE);
  },
};

function convert(source: SourceFile, layout: Layout, zone: string | null, dayFirst: boolean, out: SocialRows): void {
  for (const column of [layout.time, layout.impressions, layout.shares]) {
    if (!source.has(column)) {
      throw importError(
        { file: source.file, line: 1, column },
        `the column is missing from the header (this layout needs ${layout.id}, ${layout.time}, ${layout.impressions} and ${layout.shares})`,
      );
    }
  }
  const rows: {
    id: string;
    at: ReturnType<typeof origin>;
    time: WallClock;
    url: string;
    shares: number | null;
    impressions: number | null;
  }[] = [];
  for (const row of source.rows) {
    out.problems.row(() => {
      const at = origin(source, row, layout.id);
      const id = postIdText(row.get(layout.id), at);
      rows.push({
        id: `twitter:${id}`,
        at,
        time: rowTime(source, row, layout.time, dayFirst),
        url: row.get(layout.link),
        shares: parseCount(row.get(layout.shares), origin(source, row, layout.shares)),
        impressions: parseCount(row.get(layout.impressions), origin(source, row, layout.impressions)),
      });
    });
  }
  const captured = capturedAt(
    source.file,
    periodEnd(source.file),
    rows.map((r) => r.time),
    zone,
    (text) => out.tables.note(text),
  );
  if (captured === null) return;
  for (const r of rows) {
    out.problems.row(() =>
      out.add(
        {
          id: r.id,
          publishedAt: canonicalTime(toUtc(r.time, zone)),
          url: r.url === "" ? null : r.url,
          shares: r.shares,
          impressions: r.impressions,
          capturedAt: captured,
        },
        r.at,
        basename(source.file),
      ),
    );
  }
}
