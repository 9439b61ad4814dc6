/**
 * LinkedIn Page analytics exports (a Page's admin view: Analytics, Export), as workbooks.
 *
 * - The content export (`<page>_content_<number>.xls`): sheet "Metrics" (one row per day,
 *   Date and the Page's aggregate impressions, clicks, reactions, comments and reposts) and
 *   sheet "All posts" (one row per post: Post title, Post link, Post type, Campaign name,
 *   Posted by, Created date, ..., Impressions, Views, Offsite Views, Clicks, ..., Likes,
 *   Comments, Reposts, Follows, Engagement rate, Content Type). Each sheet has a description
 *   sentence in row 1 and its header in row 2; dates are text `mm/dd/yyyy`, and the description
 *   says "All dates and times are in UTC".
 * - Each post: social_posts id = its URN from the Post link (`urn:li:activity:<n>`),
 *   published_at = Created date (a day, 00:00), url = Post link; one snapshot of its counters
 *   (shares = Reposts, impressions = Impressions) captured at the end (23:59:59) of the last
 *   day the export covers: the Metrics sheet's last Date (LinkedIn reads the counters when the
 *   export is made; its data is "delayed by up to 2 days", so the last Date is the day they
 *   are complete to), or a later Created date.
 * - The followers export (`<page>_followers_<number>.xls`): its "New followers" sheet counts
 *   new followers per day (Sponsored, Organic, Auto-invited and their sum, headed "Total
 *   followers"); no sheet gives the Page's follower total at any date, so nothing of it can
 *   be a follower snapshot (a level): its rows are reported as skipped, with a note.
 * - LinkedIn downloads legacy binary .xls files, which no maintained JavaScript reader without
 *   advisories reads: the import asks for the file saved as .xlsx (docs: doc16-social.md).
 *
 * Layout verified on a real content export (Bini-fish/Ethioware-ETL, "Linkedin 1 year
 * stat.xls"); the followers layout from public parsers of it (see the docs).
 */
import { basename } from "node:path";
import type { Importer, PreparedImport } from "../../../importer.js";
import { exportFiles, importError, type Origin, parseCount, SocialRows, zoneOption } from "../social-rows.js";
import { canonicalTime, endOfDay, NotATime, toUtc, type WallClock, wallClock } from "../times.js";
import { type Cell, readWorkbook, type Sheet, type SheetTable, sheetTable } from "../workbook.js";

export const LINKEDIN_SOURCE = "linkedin";

const LINK = ["Post link", "Update link"] as const;
const SHARES = ["Reposts", "Shares"] as const;
const URN = /urn:li:(?:activity|share|ugcPost):\d+/;
const STATES_UTC = /all dates and times are in utc/i;
/** LinkedIn's export names: `<page>_content_<number>`, `<page>_updates_<number>`, `<page>_followers_<number>`. */
const EXPORT_NAME = /_(content|updates|followers)_\d+.*\.xlsx?$/i;

type PendingPost = {
  id: string;
  created: WallClock;
  url: string;
  shares: number | null;
  impressions: number | null;
  at: Origin;
};

export const linkedinImporter: Importer = {
  format: "linkedin",
  description: "LinkedIn Page analytics exports (content and followers workbooks, saved as .xlsx)",
  recognise(sample) {
    if (!EXPORT_NAME.test(sample.name)) return null;
    return `${sample.name} is named as LinkedIn's Page analytics exports are (<page>_content_<number>.xls, <page>_followers_<number>.xls)`;
  },
  async prepare(paths, options): Promise<PreparedImport> {
    const files = await exportFiles("LinkedIn", paths, /\.xlsx?$/i);
    const zone = zoneOption(options);
    const dayFirst = options.dateFormat === "dmy";
    const out = new SocialRows("linkedin", options);
    let zoneIgnored = false;
    let followerRows = 0;
    for (const file of files) {
      // A dry run reports a broken workbook and goes on with the next file.
      const sheets = await out.readFile(() => readWorkbook(file));
      if (!sheets) continue;
      const find = (name: string) => sheets.find((s) => s.name.trim().toLowerCase() === name.toLowerCase());
      const posts = find("All posts");
      const followers = find("New followers");
      if (!posts && !followers) {
        out.problems.add(
          importError(
            { file, line: null, column: null },
            `not a LinkedIn content export (sheets "Metrics" and "All posts") nor a followers export (sheet "New followers"); its sheets are ${sheets.map((s) => JSON.stringify(s.name)).join(", ")}`,
          ),
        );
        continue;
      }
      if (posts) {
        const metrics = find("Metrics");
        if (!metrics) {
          out.problems.add(
            importError(
              { file, line: null, column: null },
              'the content export has an "All posts" sheet but no "Metrics" sheet, whose last Date dates the post counters; use the workbook as downloaded',
            ),
          );
        } else {
          out.problems.row(() => {
            const result = content(file, metrics, posts, zone, dayFirst, out);
            zoneIgnored ||= result.zoneIgnored;
          });
        }
      }
      if (followers) {
        const table = out.problems.row(() => sheetTable(file, followers, ["Date"]));
        followerRows += table?.rows.length ?? 0;
      }
    }
    if (zoneIgnored) {
      out.tables.note(`--timezone ${zone} was not applied: LinkedIn's sheets say their dates are in UTC`);
    }
    if (followerRows > 0) {
      out.tables.skip("LinkedIn follower rows (new followers per day, not the follower total)", followerRows);
      out.tables.note(
        "LinkedIn's followers export counts new followers per day (its \"Total followers\" column is the day's sum of sponsored, organic and auto-invited ones), never the Page's follower total, so no follower snapshot is imported from it; the follower figures stay empty for LinkedIn",
      );
    }
    return out.prepare(LINKEDIN_SOURCE);
  },
};

/** The posts of a content export and their counters as of its last day. */
function content(
  file: string,
  metricsSheet: Sheet,
  postsSheet: Sheet,
  zone: string | null,
  dayFirst: boolean,
  out: SocialRows,
): { zoneIgnored: boolean } {
  const metrics = sheetTable(file, metricsSheet, ["Date"]);
  const posts = sheetTable(file, postsSheet, ["Created date", "Impressions"]);
  const link = column(posts, LINK);
  const shares = column(posts, SHARES);
  const statesUtc = [...metrics.preamble, ...posts.preamble].some((text) => STATES_UTC.test(text));
  const rowZone = statesUtc ? null : zone;

  let last: WallClock | null = null;
  const later = (t: WallClock) => {
    if (last === null || Date.UTC(t.year, t.month - 1, t.day) > Date.UTC(last.year, last.month - 1, last.day)) last = t;
  };
  for (const row of metrics.rows) {
    const day = out.problems.row(() => time(row.cell("Date"), row.at("Date"), dayFirst));
    if (day) later(day);
  }

  const pending: PendingPost[] = [];
  for (const row of posts.rows) {
    out.problems.row(() => {
      const url = row.text(link);
      if (url === "") throw importError(row.at(link), "a post link is required");
      const urn = URN.exec(url)?.[0];
      if (!urn)
        throw importError(row.at(link), `${JSON.stringify(url)} is not a LinkedIn post link (no urn:li:activity:...)`);
      const created = time(row.cell("Created date"), row.at("Created date"), dayFirst);
      later(created);
      pending.push({
        id: urn,
        created,
        url,
        shares: parseCount(row.cell(shares), row.at(shares)),
        impressions: parseCount(row.cell("Impressions"), row.at("Impressions")),
        at: row.at(link),
      });
    });
  }
  if (last === null) return { zoneIgnored: false };
  const capturedAt = canonicalTime(toUtc(endOfDay(last), rowZone));
  for (const post of pending) {
    out.problems.row(() =>
      out.add(
        {
          id: post.id,
          publishedAt: canonicalTime(toUtc(post.created, rowZone)),
          url: post.url,
          shares: post.shares,
          impressions: post.impressions,
          capturedAt,
        },
        post.at,
        basename(file),
      ),
    );
  }
  return { zoneIgnored: statesUtc && zone !== null && zone !== "UTC" };
}

/** The header's name for one of a column's known names; none is an error at the header row. */
function column(table: SheetTable, names: readonly string[]): string {
  const found = names.find((n) => table.has(n));
  if (found) return found;
  throw importError(
    { file: table.file, line: table.headerLine, column: names[0] ?? null },
    `the column is missing from the header (this sheet needs ${names.join(" or ")})`,
  );
}

function time(cell: Cell, at: Origin, dayFirst: boolean): WallClock {
  if (cell === null || (typeof cell === "string" && cell.trim() === "")) throw importError(at, "a date is required");
  if (typeof cell === "number" || typeof cell === "boolean") throw importError(at, `${cell} is not a date`);
  try {
    return wallClock(cell, dayFirst);
  } catch (error) {
    if (error instanceof NotATime) throw importError(at, error.message);
    throw error;
  }
}
