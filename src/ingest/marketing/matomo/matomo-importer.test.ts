/**
 * The Matomo importer: the JSON and the CSV export of the same visits (fixtures made in the
 * shapes Matomo's renderers write: one-line JSON with escaped slashes; UTF-16LE CSV with
 * flattened actionDetails_N_* columns and formula-guarded cells) give the same hand-worked
 * rows; detection picks matomo for both; a visit without firstActionTimestamp starts at its
 * first action's time in the site's zone; on both engines the import links the userId's visit
 * to the lead with the same contact, re-importing changes nothing, and a broken file is named
 * with file, line and JSON path or column while the database stays as it was.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../../test/support/databases.js";
import {
  byKey,
  type Comparable,
  comparable,
  expectRefusedUnchanged,
  importErrorOf,
  rowCounts,
  storeForTests,
} from "../../../../test/support/importer-tests.js";
import type { TableName } from "../../../model/canonical.js";
import { sql } from "../../../store/sql.js";
import { detectFormat } from "../../crm/detect.js";
import { type FormatOptions, type PreparedImport, runImport } from "../../importer.js";
import { verityImporter } from "../../verity-importer.js";
import { matomoImporter } from "./index.js";

const FIXTURES = resolve(import.meta.dirname, "../../../../test/fixtures/marketing/matomo");
const JSON_FILE = join(FIXTURES, "visits-log.json");
const CSV_FILE = join(FIXTURES, "visits-log.csv");
const LEADS = join(FIXTURES, "leads");
/** SHA-256 of "anna@example.com", the userId `Anna@Example.com` trimmed and lower-cased. */
const ANNA = "f7d54c22dda5b1780276601cd005909b70543fc4a6ba72d735b4cb9bbb611f01";

const none = { utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null };

/** Worked out by hand from the fixture (its README lists the visits). */
const VISITS: Comparable[] = byKey("visits", [
  {
    visit_id: "matomo:3:101",
    visitor_id: "matomo:a1b2c3d4e5f60718",
    started_at: "2024-06-01T09:00:00.000Z",
    landing_url: "https://shop.example/",
    referrer: "https://www.google.com/",
    ...none,
    utm_source: "Google",
    utm_medium: "organic",
    pageviews: 2,
    converted_lead_id: null,
  },
  {
    visit_id: "matomo:3:102",
    visitor_id: "matomo:a1b2c3d4e5f60718",
    started_at: "2024-06-02T10:20:00.000Z",
    landing_url: "https://shop.example/sale?mtm_campaign=summer-sale&mtm_source=newsletter",
    referrer: null,
    utm_source: "newsletter",
    utm_medium: "email",
    utm_campaign: "summer-sale",
    utm_content: "hero, banner",
    utm_term: "shoes",
    pageviews: 2,
    converted_lead_id: null,
  },
  {
    // A download first: the landing page is the first pageview.
    visit_id: "matomo:3:103",
    visitor_id: "matomo:ffee000011112222",
    started_at: "2024-06-03T09:00:00.000Z",
    landing_url: "https://shop.example/blog/shoe-care",
    referrer: "https://www.linkedin.com/",
    ...none,
    utm_source: "LinkedIn",
    utm_medium: "social",
    pageviews: 3,
    converted_lead_id: null,
  },
  {
    // Another site's idVisit 101: its own visit.
    visit_id: "matomo:5:101",
    visitor_id: "matomo:0123456789abcdef",
    started_at: "2024-06-04T14:30:00.000Z",
    landing_url: "https://www.example.org/",
    referrer: "https://partner.example/links?a=1&b=2",
    ...none,
    utm_source: "partner.example",
    utm_medium: "referral",
    pageviews: 1,
    converted_lead_id: null,
  },
  {
    // A campaign in core Matomo (no campaign plugin fields); the CSV writes it '-20% off.
    visit_id: "matomo:5:102",
    visitor_id: "matomo:0123456789abcdef",
    started_at: "2024-06-05T12:00:00.000Z",
    landing_url: "https://www.example.org/offers",
    referrer: null,
    ...none,
    utm_campaign: "-20% off",
    pageviews: 1,
    converted_lead_id: null,
  },
]);

const IDENTITIES: Comparable[] = [
  {
    visitor_id: "matomo:a1b2c3d4e5f60718",
    email_hash: ANNA,
    visit_id: "matomo:3:102",
    identified_at: "2024-06-02T10:20:00.000Z",
  },
];

const SKIPPED = [{ reason: expect.stringMatching(/without a visitorId/), count: 1 }];

/** The converted rows of a table, comparable and by key. */
async function rowsOf(prepared: PreparedImport, table: TableName): Promise<Comparable[]> {
  const file = prepared.files.find((f) => f.table === table);
  if (!file) return [];
  const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
  expect(parsed.errors).toEqual([]);
  return byKey(table, comparable(table, parsed.data));
}

async function convert(paths: readonly string[], options: FormatOptions = {}) {
  const prepared = await matomoImporter.prepare(paths, options);
  try {
    return {
      prepared,
      visits: await rowsOf(prepared, "visits"),
      identities: await rowsOf(prepared, "visitor_identities"),
    };
  } finally {
    await prepared.cleanup();
  }
}

let temp = "";
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "verity-matomo-test-"));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

/** A copy of the JSON fixture with text replaced (each replacement must match once). */
async function editedJson(name: string, edits: [string, string][]): Promise<string> {
  let text = await readFile(JSON_FILE, "utf8");
  for (const [from, to] of edits) {
    if (text.split(from).length !== 2) throw new Error(`${from} is not in the fixture once`);
    text = text.replace(from, to);
  }
  const file = join(temp, name);
  await writeFile(file, text, "utf8");
  return file;
}

describe("Matomo conversion", () => {
  test("the JSON export gives the hand-worked visits, identity, skips and notes", async () => {
    const { prepared, visits, identities } = await convert([JSON_FILE]);
    expect(visits).toEqual(VISITS);
    expect(identities).toEqual(IDENTITIES);
    expect(prepared.sourceSystem).toBe("matomo");
    expect(prepared.skipped).toEqual(SKIPPED);
    expect(prepared.notes).toEqual([
      "1 visitor identity from Matomo's userId (hashed; linked to the lead whose contact is the same email or CRM id)",
      expect.stringMatching(/^1 visitor's earliest visit in the export is not their first by Matomo's visitCount/),
      expect.stringMatching(/^1 visitor has visits missing between those in the export/),
    ]);
  });

  test("the CSV export of the same visits (UTF-16LE, flattened actions) gives the same rows", async () => {
    const bytes = await readFile(CSV_FILE);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    const { prepared, visits, identities } = await convert([CSV_FILE]);
    expect(visits).toEqual(VISITS);
    expect(identities).toEqual(IDENTITIES);
    expect(prepared.skipped).toEqual(SKIPPED);
  });

  test("both files together are the same visits once", async () => {
    const { prepared, visits } = await convert([JSON_FILE, CSV_FILE]);
    expect(visits).toEqual(VISITS);
    expect(prepared.skipped).toContainEqual({ reason: expect.stringMatching(/listed twice/), count: 5 });
  });

  test("a UTF-8 CSV with translated column names (`url (actionDetails 0)`) reads the same way", async () => {
    const file = join(temp, "translated.csv");
    await writeFile(
      file,
      [
        "idSite,idVisit,visitorId,firstActionTimestamp,referrerType,referrerName,userId,visitCount,type (actionDetails 0),url (actionDetails 0),type (actionDetails 1),url (actionDetails 1)",
        "3,7,ABCDEFABCDEFABCD,1717232400,direct,,,1,download,https://x.example/a.pdf,action,https://x.example/",
        "3,8,abcdefabcdefabcd,1717236000,direct,,,2,action,https://x.example/b,,",
      ].join("\n"),
      "utf8",
    );
    const { visits } = await convert([file]);
    expect(visits.map((v) => [v.visit_id, v.visitor_id, v.started_at, v.landing_url, v.pageviews])).toEqual([
      ["matomo:3:7", "matomo:abcdefabcdefabcd", "2024-06-01T09:00:00.000Z", "https://x.example/", 1],
      ["matomo:3:8", "matomo:abcdefabcdefabcd", "2024-06-01T10:00:00.000Z", "https://x.example/b", 1],
    ]);
  });

  test("detection picks matomo for the JSON and the CSV", async () => {
    expect((await detectFormat([JSON_FILE])).format).toBe("matomo");
    expect((await detectFormat([CSV_FILE])).format).toBe("matomo");
  });

  test("without firstActionTimestamp a visit starts at its first action, in the site's zone (--timezone)", async () => {
    // Visit 3:101 started 09:00 UTC; its first action's timestamp is Stockholm's 11:00 written as if UTC.
    const file = await editedJson("no-first.json", [['"firstActionTimestamp":1717232400,', ""]]);
    const zoned = await convert([file], { timezone: "Europe/Stockholm" });
    expect(zoned.visits.find((v) => v.visit_id === "matomo:3:101")?.started_at).toBe("2024-06-01T09:00:00.000Z");
    expect(zoned.prepared.notes).toContainEqual(
      expect.stringMatching(/1 visit has no firstActionTimestamp.*Europe\/Stockholm/),
    );
    const utc = await convert([file]);
    expect(utc.visits.find((v) => v.visit_id === "matomo:3:101")?.started_at).toBe("2024-06-01T11:00:00.000Z");
    expect(utc.prepared.notes).toContainEqual(expect.stringMatching(/read as UTC \(give --timezone/));
  });

  test("a time that is not a time is refused with the JSON path, and a dry run lists every problem", async () => {
    const file = await editedJson("bad-times.json", [
      ['"firstActionTimestamp":1717405200', '"firstActionTimestamp":"2024-06-03 09:00"'],
      ['"visitCount":5', '"visitCount":"five"'],
    ]);
    const error = await importErrorOf(matomoImporter.prepare([file], {}));
    expect([error.file, error.line, error.column]).toEqual([file, 1, "[3].firstActionTimestamp"]);
    expect(error.reason).toMatch(/"2024-06-03 09:00" is not a time/);
    const dry = await matomoImporter.prepare([file], { collectProblems: true });
    await dry.cleanup();
    expect(dry.problems?.map((p) => p.column)).toEqual(["[3].firstActionTimestamp", "[4].visitCount"]);
  });

  test("a truncated JSON names its line; a CSV without visitorId names the column", async () => {
    const text = await readFile(JSON_FILE, "utf8");
    const truncated = join(temp, "truncated.json");
    await writeFile(truncated, text.slice(0, 5000), "utf8");
    const cut = await importErrorOf(matomoImporter.prepare([truncated], {}));
    expect([cut.file, cut.line]).toEqual([truncated, 1]);
    expect(cut.reason).toMatch(/truncated|not valid JSON/);
    const noVisitor = join(temp, "no-visitor.csv");
    await writeFile(noVisitor, "idSite,idVisit,firstActionTimestamp\n3,1,1717232400\n", "utf8");
    const missing = await importErrorOf(matomoImporter.prepare([noVisitor], {}));
    expect([missing.file, missing.line, missing.column]).toEqual([noVisitor, 1, "visitorId"]);
  });
  test("an export without a single visit (`[]`, or a CSV cut inside its header) is refused, not imported as nothing", async () => {
    const emptyAnswer = join(temp, "empty-answer.json");
    await writeFile(emptyAnswer, "[]", "utf8");
    const empty = await importErrorOf(matomoImporter.prepare([emptyAnswer], {}));
    expect([empty.file, empty.line]).toEqual([emptyAnswer, null]);
    expect(empty.reason).toMatch(/^holds no visits/);
    const cut = join(temp, "cut-in-header.csv");
    await writeFile(cut, "idSite,idVisit,visitorId,firstActionTimestamp,referrerTy", "utf8");
    expect((await importErrorOf(matomoImporter.prepare([cut], {}))).reason).toMatch(/^holds no visits/);
    const dry = await matomoImporter.prepare([emptyAnswer], { collectProblems: true });
    await dry.cleanup();
    expect(dry.problems?.map((p) => p.reason)).toEqual([expect.stringMatching(/^holds no visits/)]);
  });
});

describe.each(engines())("Matomo import on %s", (engine) => {
  const db = storeForTests(engine);
  const workspace = "matomo-test";

  test("links the userId's visit to the lead, derives visit numbers, re-imports unchanged, refuses a broken file", async () => {
    await runImport(db.store, verityImporter, LEADS, { workspace });
    const first = await runImport(db.store, matomoImporter, JSON_FILE, { workspace });
    expect(first.tables.visits).toMatchObject({ rows: 5, created: 5 });
    expect(first.tables.visitor_identities).toMatchObject({ rows: 1, created: 1 });
    expect(first.notes).toContainEqual(expect.stringMatching(/^1 visit was linked to the lead with the same contact/));

    const stored = await db.store.query<{ visit_id: string; converted_lead_id: string | null; visit_number: number }>(
      sql`SELECT visit_id, converted_lead_id, visit_number FROM visits WHERE workspace_id = ${workspace} ORDER BY visit_id`,
    );
    expect(stored.map((v) => [v.visit_id, v.converted_lead_id, Number(v.visit_number)])).toEqual([
      ["matomo:3:101", null, 1],
      ["matomo:3:102", "L1", 2],
      ["matomo:3:103", null, 1],
      ["matomo:5:101", null, 1],
      ["matomo:5:102", null, 2],
    ]);

    // The CSV export of the same visits: nothing new, nothing changed.
    const before = await rowCounts(db.store, ["visits", "visitor_identities"]);
    const again = await runImport(db.store, matomoImporter, CSV_FILE, { workspace });
    expect(again.tables.visits).toMatchObject({ rows: 5, created: 0, updated: 0, unchanged: 5 });
    expect(again.tables.visitor_identities).toMatchObject({ rows: 1, created: 0 });
    expect(await rowCounts(db.store, ["visits", "visitor_identities"])).toEqual(before);

    const broken = await editedJson("broken.json", [['"visitorId":"ffee000011112222"', '"visitorId":"not-hex"']]);
    await expectRefusedUnchanged(db.store, () => runImport(db.store, matomoImporter, broken, { workspace }), {
      file: broken,
      line: 1,
      column: "[3].visitorId",
      reason: /not a Matomo visitor id/,
    });
  });
});
