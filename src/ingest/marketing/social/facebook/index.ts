/**
 * Meta Business Suite's Facebook posts export (Insights, Content, Export data: CSV), one row
 * per post: "Post ID", "Page ID", "Page name", "Title", "Description", "Duration (sec)",
 * "Publish time" (`01/31/2024 10:15`, month-first), "Caption type", "Permalink", ...,
 * "Post type", ..., "Date" ("Lifetime": the row holds the post's totals), then the metrics:
 * older exports "Impressions", "Reach", ...; since Meta replaced impressions with views,
 * "Views", "Reach", "Reactions, Comments and Shares", "Reactions", "Comments", "Shares",
 * "Total clicks", ... The layout is an assumption from public code that reads these files
 * (docs: doc16-social.md): Meta documents no export layout.
 *
 * Each lifetime row is a post: id `facebook:<Post ID>`, published_at = Publish time (in
 * --timezone, default UTC: the file does not say its zone), url = Permalink; one snapshot,
 * shares = Shares, impressions = Impressions when the export has that column, else empty:
 * Reach counts people, not impressions, and is never used in its place. Captured at the end of
 * the last day of the period the file name gives (`Jan-01-2024_Mar-31-2024_<number>.csv`),
 * else of the latest post's day (csv-export.ts). Rows for one day (Date not "Lifetime") hold a
 * day's numbers, not cumulative ones: skipped and counted.
 */
import { basename } from "node:path";
import { readSourceFile, type SourceFile } from "../../../crm/source-file.js";
import type { Importer, PreparedImport } from "../../../importer.js";
import { capturedAt, nameDay, origin, rowTime } from "../csv-export.js";
import { exportFiles, type Origin, parseCount, postIdText, SocialRows, zoneOption } from "../social-rows.js";
import { canonicalTime, toUtc, type WallClock } from "../times.js";

export const FACEBOOK_SOURCE = "facebook";

const REQUIRED = ["Post ID", "Publish time", "Permalink", "Shares"] as const;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

const isMeta = (header: readonly string[]) =>
  header.includes("Post ID") &&
  header.includes("Page ID") &&
  header.includes("Publish time") &&
  header.includes("Permalink");

/** The last day of the period in a Meta export's name (`Jan-01-2024_Mar-31-2024_...`), or null. */
function periodEnd(file: string): WallClock | null {
  const m = /[A-Za-z]{3}-\d{1,2}-\d{4}_([A-Za-z]{3})-(\d{1,2})-(\d{4})/.exec(basename(file));
  if (!m) return null;
  const month = MONTHS.indexOf((m[1] ?? "").toLowerCase());
  return month < 0 ? null : nameDay(Number(m[3]), month + 1, Number(m[2]));
}

export const facebookImporter: Importer = {
  format: "facebook",
  description: "Facebook posts export of Meta Business Suite (CSV with Post ID, Page ID, Publish time, Permalink, ...)",
  recognise(sample) {
    if (!sample.header || !isMeta(sample.header)) return null;
    return `${sample.name} has Meta Business Suite's post export columns (Post ID, Page ID, Publish time, Permalink)`;
  },
  async prepare(paths, options): Promise<PreparedImport> {
    const files = await exportFiles("Facebook", paths, /\.csv$/i);
    const zone = zoneOption(options);
    const dayFirst = options.dateFormat === "dmy";
    const out = new SocialRows("facebook", options);
    let withoutImpressions = false;
    for (const file of files) {
      const source = await out.readFile(() => readSourceFile(file, REQUIRED));
      if (!source) continue;
      withoutImpressions ||= !source.has("Impressions");
      out.problems.row(() => convert(source, zone, dayFirst, out));
    }
    if (zone === null) {
      out.tables.note("Publish times are read as UTC: the export does not say its time zone (give --timezone)");
    }
    if (withoutImpressions) {
      out.tables.note(
        "The export has no Impressions column (Meta reports Views and Reach instead), so impressions are left empty: reach counts people, not impressions",
      );
    }
    return out.prepare(FACEBOOK_SOURCE);
  },
};

function convert(source: SourceFile, zone: string | null, dayFirst: boolean, out: SocialRows): void {
  const hasImpressions = source.has("Impressions");
  const rows: {
    id: string;
    at: Origin;
    time: WallClock;
    url: string;
    shares: number | null;
    impressions: number | null;
  }[] = [];
  let daily = 0;
  for (const row of source.rows) {
    out.problems.row(() => {
      const date = row.get("Date");
      if (date !== "" && date.toLowerCase() !== "lifetime") {
        daily += 1;
        return;
      }
      const at = origin(source, row, "Post ID");
      rows.push({
        id: `facebook:${postIdText(row.get("Post ID"), at)}`,
        at,
        time: rowTime(source, row, "Publish time", dayFirst),
        url: row.get("Permalink"),
        shares: parseCount(row.get("Shares"), origin(source, row, "Shares")),
        impressions: hasImpressions ? parseCount(row.get("Impressions"), origin(source, row, "Impressions")) : null,
      });
    });
  }
  if (daily > 0) out.tables.skip("Facebook rows of one day's numbers (Date is not Lifetime)", daily);
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
