/**
 * Plausible's CSV export (issue 16, aggregate-only analytics): its daily visitors file becomes
 * visit_days, counted by the website-visits vanity figure (with noise judged from each day's
 * visitors) for days no visit is loaded, while the per-visitor metric says why the totals do
 * not do. The zip as Plausible writes it, re-import, a bad day, and detection, on both engines.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../../test/support/databases.js";
import { report, WORKSPACE, writeFixture } from "../../../../test/support/metric-fixtures.js";
import { openTestStore, type TestStore } from "../../../../test/support/stores.js";
import { engagement } from "../../../metrics/definitions/engagement.js";
import { sql } from "../../../store/sql.js";
import { detectFormat } from "../../crm/detect.js";
import { ImportError } from "../../import-error.js";
import { runImport } from "../../importer.js";
import { verityImporter } from "../../verity-importer.js";
import { plausibleImporter } from "./index.js";

// As Plausible's export writes them (plausible/analytics lib/plausible/exports.ex): a header,
// then one row per day in UTC; a day without sessions may lack bounces and visit_duration.
const VISITORS = [
  "date,visitors,pageviews,bounces,visits,visit_duration",
  "2024-01-10,10,30,4,12,600",
  "2024-02-05,5,8,1,5,100",
  "2024-03-20,7,9,2,8,200",
  "2024-04-02,3,3,,3,",
].join("\n");
const SOURCES = [
  "date,source,utm_medium,utm_campaign,utm_content,utm_term,visitors,visits,visit_duration,bounces",
  "2024-01-10,Google,,,,,6,7,300,2",
].join("\n");

let dir: string;
let zip: string;
const encode = (text: string) => new TextEncoder().encode(`${text}\n`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-plausible-"));
  zip = join(dir, "example_com_20240101_20240402.zip");
  await writeFile(
    zip,
    zipSync({
      "imported_visitors_20240101_20240402.csv": encode(VISITORS),
      "imported_sources_20240101_20240402.csv": encode(SOURCES),
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("the export is detected from its zip and from its visitors file", async () => {
  expect((await detectFormat([zip])).format).toBe("plausible");
  const csv = join(dir, "imported_visitors_20240101_20240402.csv");
  await writeFile(csv, VISITORS);
  expect((await detectFormat([csv])).format).toBe("plausible");
});

describe.each(engines())("Plausible's export on %s", (engine) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(engine);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  test("each day becomes a visit_days row; the tables it does not read are named; again changes nothing", async () => {
    const summary = await runImport(t.store, plausibleImporter, zip, { workspace: WORKSPACE });
    expect(summary.tables.visit_days).toMatchObject({ rows: 4, created: 4 });
    expect(summary.notes.join("\n")).toMatch(/not read: imported_sources_20240101_20240402\.csv/);
    expect(summary.lacks).toEqual([]);
    const days = await t.store.query(
      sql`SELECT day, visitors, visits, pageviews FROM visit_days WHERE workspace_id = ${WORKSPACE} ORDER BY day`,
    );
    expect(days.map((d) => ({ ...d, day: new Date(String(d.day)).toISOString().slice(0, 10) }))).toEqual([
      { day: "2024-01-10", visitors: 10, visits: 12, pageviews: 30 },
      { day: "2024-02-05", visitors: 5, visits: 5, pageviews: 8 },
      { day: "2024-03-20", visitors: 7, visits: 8, pageviews: 9 },
      { day: "2024-04-02", visitors: 3, visits: 3, pageviews: 3 },
    ]);
    const again = await runImport(t.store, plausibleImporter, zip, { workspace: WORKSPACE });
    expect(again.tables.visit_days).toMatchObject({ rows: 4, created: 0, updated: 0, unchanged: 4 });
  });

  test("the visits figure counts the totals, judged by each day's visitors; frequency and recency say why not", async () => {
    const r = await report(t.store, engagement, { period: "2024-Q1" });
    // 12 + 5 + 8 visits; clusters 10 + 5 + 7 visitors; squares floor(144/10) + 25/5 + floor(64/7) = 14 + 5 + 9.
    expect(r.vanity).toEqual([
      expect.objectContaining({
        id: "visits",
        value: 25,
        evidence: { kind: "count", n: 25, clusters: 22, sumOfSquares: 28 },
      }),
    ]);
    expect(r.unsupported.map((u) => u.capability)).toEqual(["web_visits"]);
    expect(r.unsupported[0]?.message).toMatch(
      /only daily website totals are loaded .*Plausible.*each visit with its visitor/,
    );
    expect(r.unsupported[0]?.message).toMatch(/--format matomo/);
  });

  test("once visits are loaded, a day counts from them and the totals only before the first visit's day", async () => {
    const visits = await writeFixture({
      visits: [
        { visit_id: "v1", visitor_id: "x", started_at: "2024-03-20T15:00:00Z" },
        { visit_id: "v2", visitor_id: "x", started_at: "2024-03-25T09:00:00Z" },
        { visit_id: "v3", visitor_id: "y", started_at: "2024-03-26T09:00:00Z" },
      ],
    });
    try {
      await runImport(t.store, verityImporter, visits, { workspace: WORKSPACE });
    } finally {
      await rm(visits, { recursive: true, force: true });
    }
    const r = await report(t.store, engagement, { period: "2024-Q1" });
    // Totals of 01-10 and 02-05 (17 visits, 15 visitors, squares 14 + 5) and three visits by
    // x (2) and y (1): the 8 of 03-20 are not counted twice.
    expect(r.vanity).toEqual([
      expect.objectContaining({
        id: "visits",
        value: 20,
        evidence: { kind: "count", n: 20, clusters: 17, sumOfSquares: 24 },
      }),
    ]);
    expect(r.unsupported).toEqual([]);
    expect(r.result.visits).toBe(3);
  });

  test("a day that is no date is named by file, line and column, and nothing is written", async () => {
    const bad = join(dir, "bad");
    await rm(bad, { recursive: true, force: true });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(bad);
    await writeFile(
      join(bad, "imported_visitors_20240101_20240131.csv"),
      "date,visitors,pageviews,bounces,visits,visit_duration\n2024-01-01,1,1,0,1,0\n2024-13-01,1,1,0,1,0\n",
    );
    const before = await t.store.query(sql`SELECT count(*) AS n FROM visit_days WHERE workspace_id = 'bad'`);
    const error = await runImport(t.store, plausibleImporter, bad, { workspace: "bad" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).message).toBe(
      'imported_visitors_20240101_20240131.csv, line 3, column date: "2024-13-01" is not a date (YYYY-MM-DD)',
    );
    expect(await t.store.query(sql`SELECT count(*) AS n FROM visit_days WHERE workspace_id = 'bad'`)).toEqual(before);
  });

  test("a ragged row inside the zip is named by the zip and its entry, not by the temporary file it was unpacked to", async () => {
    const ragged = join(dir, "ragged_20240101_20240131.zip");
    await writeFile(
      ragged,
      zipSync({
        "imported_visitors_20240101_20240131.csv": encode(
          "date,visitors,pageviews,bounces,visits,visit_duration\n2024-01-01,1,1,0,1,0\n2024-01-02\n",
        ),
      }),
    );
    const error = await runImport(t.store, plausibleImporter, ragged, { workspace: "bad" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).file).toBe("ragged_20240101_20240131.zip: imported_visitors_20240101_20240131.csv");
    expect((error as ImportError).line).toBe(3);
    expect((error as ImportError).message).not.toContain(tmpdir());
  });
});
