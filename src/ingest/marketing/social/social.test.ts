/**
 * The social formats (LinkedIn workbooks, X and Meta CSVs): each fixture converts to the rows
 * worked out by hand below, the imports load on both engines, a second import changes
 * nothing, content shares reads the stored counters, broken files stop with file, sheet, row
 * and column and leave the database as it was, and detection claims each export by its own
 * signature.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
// The fixtures' writers are plain ESM (run by `node`, and imported here for broken variants).
// @ts-expect-error: a .mjs module without type declarations
import * as makeLinkedin from "../../../../test/fixtures/marketing/social/make-linkedin.mjs";
// @ts-expect-error: a .mjs module without type declarations
import { xlsxBytes } from "../../../../test/fixtures/marketing/social/xlsx-writer.mjs";
import { engines } from "../../../../test/support/databases.js";
import {
  byKey,
  type Comparable,
  comparable,
  expectRefusedUnchanged,
  importErrorOf,
  storeForTests,
} from "../../../../test/support/importer-tests.js";
import { report } from "../../../../test/support/metric-fixtures.js";
import { contentShares } from "../../../metrics/definitions/content-shares.js";
import type { TableName } from "../../../model/canonical.js";
import { ident, sql } from "../../../store/sql.js";
import type { Store } from "../../../store/store.js";
import { detectFormat } from "../../crm/detect.js";
import { type Importer, type PreparedImport, runImport } from "../../importer.js";
import { facebookImporter } from "./facebook/index.js";
import { linkedinImporter } from "./linkedin/index.js";
import { twitterImporter } from "./twitter/index.js";

type SheetSpec = { name: string; rows: unknown[][] };
const make = makeLinkedin as {
  contentSheets(): SheetSpec[];
  CONTENT_NAME: string;
  FOLLOWERS_NAME: string;
};
const writeXlsx = xlsxBytes as (sheets: SheetSpec[]) => Uint8Array;

const FIXTURES = resolve(import.meta.dirname, "../../../../test/fixtures/marketing/social");
const CONTENT = join(FIXTURES, "linkedin", make.CONTENT_NAME);
const FOLLOWERS = join(FIXTURES, "linkedin", make.FOLLOWERS_NAME);
const TWEETS = join(FIXTURES, "twitter", "tweet_activity_metrics_acmehq_20250701_20250729_en.csv");
const X_POSTS = join(FIXTURES, "twitter", "account_analytics_content_2025-07-01_2025-07-29.csv");
const META = join(FIXTURES, "facebook", "Jul-01-2025_Jul-29-2025_1098765432.csv");

// A directory for the tests' broken variants of the fixtures.
const suite = { temp: "" };
beforeAll(async () => {
  suite.temp = await mkdtemp(join(tmpdir(), "verity-social-test-"));
});
afterAll(async () => {
  await rm(suite.temp, { recursive: true, force: true });
});

// Hand-worked from the fixtures. LinkedIn: the Metrics sheet's last Date is 07/29/2025, so the
// counters are read at its end; Created date is a day (00:00 UTC, as the sheets say UTC);
// shares = Reposts, impressions = Impressions (an empty cell stays empty, not 0).
const LINKEDIN_AT = "2025-07-29T23:59:59.000Z";
const LINKEDIN_POSTS = [
  ["urn:li:activity:7355562008013860867", "2025-07-28T00:00:00.000Z", 1, 532],
  ["urn:li:activity:7353764451306590208", "2025-07-23T00:00:00.000Z", 0, null],
  ["urn:li:activity:7347312417686626306", "2025-07-05T00:00:00.000Z", 6, 4172],
] as const;
// X: the old layout's time has its offset; the new layout's Date is a day (00:00 UTC); both
// files' names end their period on 2025-07-29. shares = retweets / Reposts (not X's "Shares").
const X_AT = "2025-07-29T23:59:59.000Z";
const X_ROWS = [
  [
    "twitter:1950000000000000001",
    "2025-07-02T14:05:00.000Z",
    "https://twitter.com/acmehq/status/1950000000000000001",
    12,
    1200,
  ],
  [
    "twitter:1950000000000000002",
    "2025-07-15T09:30:00.000Z",
    "https://twitter.com/acmehq/status/1950000000000000002",
    0,
    300,
  ],
  [
    "twitter:1950000000000000003",
    "2025-07-28T23:10:00.000Z",
    "https://twitter.com/acmehq/status/1950000000000000003",
    null,
    null,
  ],
  [
    "twitter:1950000000000000004",
    "2025-07-15T00:00:00.000Z",
    "https://x.com/acmehq/status/1950000000000000004",
    4,
    1234,
  ],
] as const;
// Meta: Publish time read in UTC (no --timezone), the lifetime rows only, no Impressions column.
const META_AT = "2025-07-29T23:59:59.000Z";
const META_ROWS = [
  [
    "facebook:122158000000000001",
    "2025-07-03T09:15:00.000Z",
    "https://www.facebook.com/61571000000001/posts/122158000000000001",
    12,
  ],
  [
    "facebook:122158000000000002",
    "2025-07-20T18:40:00.000Z",
    "https://www.facebook.com/61571000000001/posts/122158000000000002",
    0,
  ],
] as const;

const post = (id: string, network: string, published: string, url: string | null): Comparable => ({
  id,
  network,
  published_at: published,
  url,
  utm_campaign: null,
});
const snapshot = (id: string, at: string, shares: number | null, impressions: number | null): Comparable => ({
  post_id: id,
  captured_at: at,
  shares,
  impressions,
});

const linkedinPosts = LINKEDIN_POSTS.map(([id, at]) =>
  post(id, "linkedin", at, `https://www.linkedin.com/feed/update/${id}`),
);
const linkedinSnapshots = LINKEDIN_POSTS.map(([id, , shares, imp]) => snapshot(id, LINKEDIN_AT, shares, imp));
const xPosts = X_ROWS.map(([id, at, url]) => post(id, "twitter", at, url));
const xSnapshots = X_ROWS.map(([id, , , shares, imp]) => snapshot(id, X_AT, shares, imp));
const metaPosts = META_ROWS.map(([id, at, url]) => post(id, "facebook", at, url));
const metaSnapshots = META_ROWS.map(([id, , , shares]) => snapshot(id, META_AT, shares, null));

/** The converted rows of a social table. */
async function converted(prepared: PreparedImport, table: TableName): Promise<Comparable[]> {
  const file = prepared.files.find((f) => f.table === table);
  if (!file) return [];
  const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
  return byKey(table, comparable(table, parsed.data));
}

async function convert(importer: Importer, paths: string[], options = {}) {
  const prepared = await importer.prepare(paths, options);
  try {
    return {
      prepared,
      posts: await converted(prepared, "social_posts"),
      snapshots: await converted(prepared, "social_post_snapshots"),
      followers: await converted(prepared, "social_follower_snapshots"),
    };
  } finally {
    await prepared.cleanup();
  }
}

async function stored(store: Store, workspace: string, table: TableName): Promise<Comparable[]> {
  const rows = await store.query(sql`SELECT * FROM ${ident(table)} WHERE workspace_id = ${workspace}`);
  return byKey(table, comparable(table, rows));
}

/** The content workbook with its sheets changed by `edit`, written to the test's directory. */
async function contentVariant(name: string, edit: (sheets: SheetSpec[]) => void): Promise<string> {
  const sheets = structuredClone(make.contentSheets());
  edit(sheets);
  const file = join(suite.temp, name);
  await writeFile(file, writeXlsx(sheets));
  return file;
}

describe("LinkedIn conversion", () => {
  test("the content workbook gives the hand-worked posts and snapshots; the followers workbook none", async () => {
    const { prepared, posts, snapshots, followers } = await convert(linkedinImporter, [CONTENT, FOLLOWERS]);
    expect(posts).toEqual(byKey("social_posts", linkedinPosts));
    expect(snapshots).toEqual(byKey("social_post_snapshots", linkedinSnapshots));
    expect(followers).toEqual([]);
    expect(prepared.skipped).toEqual([
      { reason: "LinkedIn follower rows (new followers per day, not the follower total)", count: 3 },
    ]);
    expect(prepared.notes.join("\n")).toMatch(/never the Page's follower total/);
  });

  test("the sheets say UTC, so --timezone is not applied (and a note says so); a directory reads the same", async () => {
    const { prepared, snapshots } = await convert(linkedinImporter, [join(FIXTURES, "linkedin")], {
      timezone: "Europe/Stockholm",
    });
    expect(snapshots).toEqual(byKey("social_post_snapshots", linkedinSnapshots));
    expect(prepared.notes.join("\n")).toMatch(/--timezone Europe\/Stockholm was not applied/);
  });

  test("without the UTC sentence, dates are in --timezone; Excel date cells read as the same day", async () => {
    const file = await contentVariant("zoned.xlsx", (sheets) => {
      for (const sheet of sheets) sheet.rows[0] = ["Engagement metrics."];
      const posts = sheets[1] as SheetSpec;
      (posts.rows[2] as unknown[])[5] = { date: new Date(Date.UTC(2025, 6, 28)) };
    });
    const { snapshots, posts } = await convert(linkedinImporter, [file], { timezone: "Europe/Stockholm" });
    // 07/29/2025 23:59:59 in Stockholm (UTC+2 in summer) and 07/28/2025 00:00 there.
    expect(snapshots.map((s) => s.captured_at)).toEqual([
      "2025-07-29T21:59:59.000Z",
      "2025-07-29T21:59:59.000Z",
      "2025-07-29T21:59:59.000Z",
    ]);
    expect(posts.find((p) => p.id === LINKEDIN_POSTS[0][0])?.published_at).toBe("2025-07-27T22:00:00.000Z");
  });

  test("broken workbooks name the file, the sheet, the row and the column", async () => {
    const noMetrics = await contentVariant("no-metrics.xlsx", (sheets) => sheets.splice(0, 1));
    let error = await importErrorOf(linkedinImporter.prepare([noMetrics], {}));
    expect([error.file, error.line, error.column]).toEqual([noMetrics, null, null]);
    expect(error.reason).toMatch(/no "Metrics" sheet/);

    const noReposts = await contentVariant("no-reposts.xlsx", (sheets) => {
      const header = (sheets[1] as SheetSpec).rows[1] as string[];
      header[16] = "Repost count";
    });
    error = await importErrorOf(linkedinImporter.prepare([noReposts], {}));
    expect([error.file, error.line, error.column]).toEqual([`${noReposts} (sheet "All posts")`, 2, "Reposts"]);

    const badDate = await contentVariant("bad-date.xlsx", (sheets) => {
      ((sheets[1] as SheetSpec).rows[3] as unknown[])[5] = "23/07/2025";
    });
    error = await importErrorOf(linkedinImporter.prepare([badDate], {}));
    expect([error.file, error.line, error.column]).toEqual([`${badDate} (sheet "All posts")`, 4, "Created date"]);
    expect(error.reason).toMatch(/not month-first/);

    const notAWorkbook = join(suite.temp, "acme_content_1.xlsx");
    await writeFile(notAWorkbook, "Date,Impressions\n");
    error = await importErrorOf(linkedinImporter.prepare([notAWorkbook], {}));
    expect(error.reason).toMatch(/not a readable .xlsx workbook/);

    // A legacy .xls (an OLE compound file, as LinkedIn downloads it): asked to be saved as .xlsx.
    const xls = join(suite.temp, "acme_content_2.xls");
    await writeFile(xls, Buffer.concat([Buffer.from("d0cf11e0a1b11ae1", "hex"), Buffer.alloc(504)]));
    error = await importErrorOf(linkedinImporter.prepare([xls], {}));
    expect(error.reason).toMatch(/legacy binary Excel file .*save it as an Excel Workbook \(\.xlsx\)/);
  });

  test("a dry run lists every problem instead of stopping at the first", async () => {
    const file = await contentVariant("two-problems.xlsx", (sheets) => {
      const rows = (sheets[1] as SheetSpec).rows;
      (rows[2] as unknown[])[1] = "https://www.linkedin.com/company/acme";
      (rows[4] as unknown[])[16] = "six";
    });
    const prepared = await linkedinImporter.prepare([file], { collectProblems: true });
    await prepared.cleanup();
    expect(prepared.problems?.map((p) => [p.line, p.column])).toEqual([
      [3, "Post link"],
      [5, "Reposts"],
    ]);
  });
});

describe("X and Meta conversion", () => {
  test("both X layouts (BOM, quoted text with commas and line breaks) give the hand-worked rows", async () => {
    const { prepared, posts, snapshots } = await convert(twitterImporter, [TWEETS, X_POSTS]);
    expect(posts).toEqual(byKey("social_posts", xPosts));
    expect(snapshots).toEqual(byKey("social_post_snapshots", xSnapshots));
    expect(prepared.notes.join("\n")).toMatch(/dates posts by day only/);
  });

  test("a renamed X file is dated by its latest post, with a note", async () => {
    const renamed = join(suite.temp, "tweets.csv");
    await copyFile(TWEETS, renamed);
    const { prepared, snapshots } = await convert(twitterImporter, [renamed]);
    expect(new Set(snapshots.map((s) => s.captured_at))).toEqual(new Set(["2025-07-28T23:59:59.000Z"]));
    expect(prepared.notes.join("\n")).toMatch(/tweets\.csv does not carry the export's date range/);
  });

  test("the Meta export gives its lifetime rows, no impressions (reach is not impressions) and --timezone applies", async () => {
    const { prepared, posts, snapshots } = await convert(facebookImporter, [META]);
    expect(posts).toEqual(byKey("social_posts", metaPosts));
    expect(snapshots).toEqual(byKey("social_post_snapshots", metaSnapshots));
    expect(prepared.skipped).toEqual([
      { reason: "Facebook rows of one day's numbers (Date is not Lifetime)", count: 1 },
    ]);
    expect(prepared.notes.join("\n")).toMatch(/no Impressions column/);

    const zoned = await convert(facebookImporter, [META], { timezone: "America/New_York" });
    // 09:15 in New York (UTC-4 in summer) is 13:15 UTC; the period's end 07/29 23:59:59 is 07/30 03:59:59.
    expect(zoned.posts.map((p) => p.published_at)).toEqual(["2025-07-03T13:15:00.000Z", "2025-07-20T22:40:00.000Z"]);
    expect(zoned.snapshots[0]?.captured_at).toBe("2025-07-30T03:59:59.000Z");
  });

  test("bad CSV cells stop with file, line and column", async () => {
    const text = await readFile(META, "utf8");
    const rounded = join(suite.temp, "Jul-01-2025_Jul-29-2025_1.csv");
    await writeFile(
      rounded,
      text.replace("122158000000000002,61571000000001,Acme,,Short one", "1.22158E+17,61571000000001,Acme,,Short one"),
    );
    let error = await importErrorOf(facebookImporter.prepare([rounded], {}));
    // The first post's quoted description spans lines 2-3, so the second post is on line 4.
    expect([error.file, error.line, error.column]).toEqual([rounded, 4, "Post ID"]);
    expect(error.reason).toMatch(/scientific notation/);

    const tweets = await readFile(TWEETS, "utf8");
    const negative = join(suite.temp, "tweet_activity_metrics_acmehq_20250701_20250729_en.csv");
    await writeFile(negative, tweets.replace('"300","9"', '"-3","9"'));
    error = await importErrorOf(twitterImporter.prepare([negative], {}));
    expect([error.file, error.line, error.column]).toEqual([negative, 4, "impressions"]);
  });

  test("detection claims each export by its own signature", async () => {
    await expect(detectFormat([TWEETS])).resolves.toMatchObject({ format: "twitter" });
    await expect(detectFormat([X_POSTS])).resolves.toMatchObject({ format: "twitter" });
    await expect(detectFormat([META])).resolves.toMatchObject({ format: "facebook" });
    await expect(detectFormat([CONTENT])).resolves.toMatchObject({ format: "linkedin" });
    await expect(detectFormat([join(FIXTURES, "linkedin")])).resolves.toMatchObject({ format: "linkedin" });
  });
});

describe.each(engines())("social imports on %s", (engine) => {
  const t = storeForTests(engine);
  const WORKSPACE = "social-test";
  const options = { workspace: WORKSPACE };

  test("all three import, re-import unchanged, and content shares reads the counters", async () => {
    const first = await runImport(t.store, linkedinImporter, [CONTENT, FOLLOWERS], options);
    expect(first.tables.social_posts).toMatchObject({ rows: 3, created: 3 });
    await runImport(t.store, twitterImporter, [TWEETS, X_POSTS], options);
    await runImport(t.store, facebookImporter, [META], options);
    const all = {
      posts: [...linkedinPosts, ...xPosts, ...metaPosts],
      snaps: [...linkedinSnapshots, ...xSnapshots, ...metaSnapshots],
    };
    expect(await stored(t.store, WORKSPACE, "social_posts")).toEqual(byKey("social_posts", all.posts));
    expect(await stored(t.store, WORKSPACE, "social_post_snapshots")).toEqual(
      byKey("social_post_snapshots", all.snaps),
    );
    expect(await stored(t.store, WORKSPACE, "social_follower_snapshots")).toEqual([]);

    const again = await runImport(t.store, linkedinImporter, [CONTENT, FOLLOWERS], options);
    expect(again.tables.social_posts).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3 });
    expect(again.tables.social_post_snapshots).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3 });
    expect(await stored(t.store, WORKSPACE, "social_post_snapshots")).toEqual(
      byKey("social_post_snapshots", all.snaps),
    );

    // July 2025: 9 posts. Shares: LinkedIn 1+0+6, X 12+0+0+4, Meta 12+0 = 35. Impressions:
    // LinkedIn 532+4172, X 1200+300+1234, Meta none = 7438 (an empty counter counts 0).
    const july = await report(t.store, contentShares, { workspace: WORKSPACE, period: "2025-07" });
    expect(july.result).toMatchObject({ posts: 9, shares: 35, impressions: 7438 });
    expect(july.result.byNetwork.map((n) => [n.network, n.posts, n.shares])).toEqual(
      expect.arrayContaining([
        ["linkedin", 3, 7],
        ["twitter", 4, 16],
        ["facebook", 2, 12],
      ]),
    );
  });

  test("a followers workbook alone imports nothing and says why", async () => {
    const summary = await runImport(t.store, linkedinImporter, [FOLLOWERS], { workspace: "social-followers" });
    expect(summary.tables).toEqual({});
    expect(summary.skipped).toEqual([
      { reason: "LinkedIn follower rows (new followers per day, not the follower total)", count: 3 },
    ]);
    expect(await stored(t.store, "social-followers", "social_follower_snapshots")).toEqual([]);
  });

  test("a broken workbook stops the import and leaves the database unchanged", async () => {
    const broken = await contentVariant("broken.xlsx", (sheets) => {
      ((sheets[1] as SheetSpec).rows[4] as unknown[])[9] = 12.5;
    });
    await expectRefusedUnchanged(t.store, () => runImport(t.store, linkedinImporter, [broken], options), {
      file: `${broken} (sheet "All posts")`,
      line: 5,
      column: "Impressions",
      reason: /12\.5 is not a count/,
    });
  });
});
