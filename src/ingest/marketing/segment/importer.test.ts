/**
 * The Segment-style event importer. The fixture (test/fixtures/marketing/segment/events.jsonl)
 * holds two visitors over four days in analytics.js's and RudderStack's shapes, worked by hand:
 *
 * Visitor A (anonymousId 5f1b…aaaa), 2024-03-04 (UTC):
 *   a1 09:00 page, campaign newsletter/email/spring      -> visit 1
 *   a2 09:10 page                                        -> visit 1
 *   a3 09:39 track (29 minutes after a2)                 -> visit 1
 *   a4 12:10+02:00 = 10:10 page (31 minutes after a3)    -> visit 2
 *   a5 10:15 page, campaign google/cpc/brand             -> visit 3 (the campaign changed)
 *   a6 10:20 identify, userId u-ada, email " Ada@Example.com"
 *   a7 10:25 page, userId u-ada                          -> visit 3
 *   2024-03-06: a8 08:00 page -> visit 4; a9 08:20 server-side track, userId u-ada only -> visit 4
 * Visitor B (anonymousId c0ffee…bbbb), RudderStack:
 *   b1 2024-03-05 14:00 (timestamp; originalTimestamp 13:55), b2 14:29 (originalTimestamp
 *   only), b3 16:58+02:00 = 14:58, b4 15:08 -> visit 5 (gaps of 29, 29, 10 minutes)
 *   b5 2024-03-07 09:00 with context.traits.email bob@example.net -> visit 6, delivered twice;
 *   a group call.
 * u-server: one server-side track, never on the site -> no visit.
 *
 * With --session-gap 10: A {a1,a2} {a3: a track alone, dropped} {a4} {a5,a7} {a8} {a9: dropped},
 * B {b1} {b2} {b3,b4} {b5}: 8 visits, 3 events in no visit.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../../test/support/databases.js";
import {
  comparable,
  expectRefusedUnchanged,
  importErrorOf,
  rowCounts,
  storeForTests,
} from "../../../../test/support/importer-tests.js";
import type { TableName } from "../../../model/canonical.js";
import { sql } from "../../../store/sql.js";
import type { Store } from "../../../store/store.js";
import { detectFormat } from "../../crm/detect.js";
import { type PreparedImport, runImport } from "../../importer.js";
import { verityImporter } from "../../verity-importer.js";
import { segmentImporter } from "./index.js";

const FIXTURES = resolve(import.meta.dirname, "../../../../test/fixtures/marketing/segment");
const EVENTS = join(FIXTURES, "events.jsonl");
const POSTHOG = join(FIXTURES, "posthog-events.json");
const CRM = join(FIXTURES, "crm");

const A = "5f1b8c2e-0a44-4c1e-9d4f-aaaaaaaaaaaa";
const B = "c0ffee00-7d1a-4b2b-8e3e-bbbbbbbbbbbb";
const PH = "018e9a1b-ffff-7aaa-bbbb-cccccccccccc";
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

const visit = (row: Record<string, unknown>) => ({
  landing_url: null,
  referrer: null,
  utm_source: null,
  utm_medium: null,
  utm_campaign: null,
  utm_content: null,
  utm_term: null,
  converted_lead_id: null,
  ...row,
});

const EXPECTED_VISITS = comparable("visits", [
  visit({
    visit_id: `segment:${A}:ajs-a1`,
    visitor_id: A,
    started_at: "2024-03-04T09:00:00Z",
    landing_url: "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
    referrer: "https://mail.example/",
    utm_source: "newsletter",
    utm_medium: "email",
    utm_campaign: "spring",
    pageviews: 2,
  }),
  visit({
    visit_id: `segment:${A}:ajs-a4`,
    visitor_id: A,
    started_at: "2024-03-04T10:10:00Z",
    landing_url: "https://shop.example/blog",
    pageviews: 1,
  }),
  visit({
    visit_id: `segment:${A}:ajs-a5`,
    visitor_id: A,
    started_at: "2024-03-04T10:15:00Z",
    landing_url: "https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=example+shop",
    referrer: "https://www.google.com/",
    utm_source: "google",
    utm_medium: "cpc",
    utm_campaign: "brand",
    utm_term: "example shop",
    pageviews: 2,
  }),
  visit({
    visit_id: `segment:${A}:ajs-a8`,
    visitor_id: A,
    started_at: "2024-03-06T08:00:00Z",
    landing_url: "https://shop.example/",
    pageviews: 1,
  }),
  visit({
    visit_id: `segment:${B}:rs-b1`,
    visitor_id: B,
    started_at: "2024-03-05T14:00:00Z",
    landing_url: "https://shop.example/",
    referrer: "https://news.ycombinator.com/",
    pageviews: 4,
  }),
  visit({
    visit_id: `segment:${B}:rs-b5`,
    visitor_id: B,
    started_at: "2024-03-07T09:00:00Z",
    landing_url: "https://shop.example/contact",
    pageviews: 1,
  }),
]);

const EXPECTED_IDENTITIES = comparable("visitor_identities", [
  {
    visitor_id: A,
    email_hash: sha("ada@example.com"),
    visit_id: `segment:${A}:ajs-a5`,
    identified_at: "2024-03-04T10:20:00Z",
  },
  { visitor_id: A, email_hash: sha("u-ada"), visit_id: `segment:${A}:ajs-a5`, identified_at: "2024-03-04T10:20:00Z" },
  {
    visitor_id: B,
    email_hash: sha("bob@example.net"),
    visit_id: `segment:${B}:rs-b5`,
    identified_at: "2024-03-07T09:00:00Z",
  },
]);

const sortBy = (keys: string[]) => (rows: Record<string, unknown>[]) =>
  [...rows].sort((x, y) => {
    const a = keys.map((k) => String(x[k])).join("\u0000");
    const b = keys.map((k) => String(y[k])).join("\u0000");
    return a < b ? -1 : a > b ? 1 : 0;
  });
const byVisit = sortBy(["visit_id"]);
const byIdentity = sortBy(["visitor_id", "email_hash"]);

/** The converted rows of one table (none without a file). */
async function converted(prepared: PreparedImport, table: TableName): Promise<Record<string, unknown>[]> {
  const file = prepared.files.find((f) => f.table === table);
  if (!file) return [];
  const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
  expect(parsed.errors).toEqual([]);
  return comparable(table, parsed.data);
}

async function convert(paths: string[], options = {}) {
  const prepared = await segmentImporter.prepare(paths, options);
  try {
    return {
      prepared,
      visits: byVisit(await converted(prepared, "visits")),
      identities: byIdentity(await converted(prepared, "visitor_identities")),
    };
  } finally {
    await prepared.cleanup();
  }
}

let temp = "";
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "verity-segment-test-"));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});
const fixture = {
  get temp() {
    return temp;
  },
};

/** A copy of the events fixture with lines replaced (1-based line -> new text). */
async function editedEvents(name: string, lines: Record<number, string>): Promise<string> {
  const text = (await readFile(EVENTS, "utf8")).split("\n");
  for (const [line, replacement] of Object.entries(lines)) text[Number(line) - 1] = replacement;
  const file = join(fixture.temp, name);
  await writeFile(file, text.join("\n"));
  return file;
}

describe("segment: conversion", () => {
  test("visits and identities as worked by hand (gap, campaign change, offsets, userId-only events, duplicates)", async () => {
    const { prepared, visits, identities } = await convert([EVENTS]);
    expect(visits).toEqual(byVisit(EXPECTED_VISITS));
    expect(identities).toEqual(byIdentity(EXPECTED_IDENTITIES));
    expect(prepared.skipped).toEqual([
      { reason: "events delivered twice (the same messageId)", count: 1 },
      { reason: "track or screen events in no visit with a page view (server-side calls alone)", count: 1 },
      { reason: "group calls and PostHog bookkeeping events (they tell no visit)", count: 1 },
      { reason: "identities of visitors without a visit", count: 1 },
    ]);
    // No address in clear text anywhere in the converted files.
    for (const file of prepared.files)
      expect(file.table === "visits" || file.table === "visitor_identities").toBe(true);
    expect(JSON.stringify(identities)).not.toMatch(/@/);
  });

  test("--session-gap 10 cuts the visits as worked by hand; the gap is checked", async () => {
    const { prepared, visits } = await convert([EVENTS], { sessionGap: "10" });
    expect(visits.map((v) => [v.visit_id, v.pageviews])).toEqual(
      byVisit(
        [
          [`segment:${A}:ajs-a1`, 2],
          [`segment:${A}:ajs-a4`, 1],
          [`segment:${A}:ajs-a5`, 2],
          [`segment:${A}:ajs-a8`, 1],
          [`segment:${B}:rs-b1`, 1],
          [`segment:${B}:rs-b2`, 1],
          [`segment:${B}:rs-b3`, 2],
          [`segment:${B}:rs-b5`, 1],
        ].map(([visit_id, pageviews]) => ({ visit_id, pageviews })),
      ).map((v) => [v.visit_id, v.pageviews]),
    );
    expect(prepared.skipped).toContainEqual({
      reason: "track or screen events in no visit with a page view (server-side calls alone)",
      count: 3,
    });
    for (const bad of ["0", "1441", "2.5", "ten"]) {
      const error = await importErrorOf(segmentImporter.prepare([EVENTS], { sessionGap: bad }));
      expect([error.file, error.line, error.column]).toEqual(["--session-gap", null, null]);
      expect(error.reason).toMatch(/from 1 to 1440/);
    }
  });

  test("PostHog's events (a JSON array): $identify links the anonymous distinct_id, $set.email and the user id are identities", async () => {
    const { prepared, visits, identities } = await convert([POSTHOG]);
    expect(visits).toEqual(
      comparable("visits", [
        visit({
          visit_id: `segment:${PH}:018e9a1c-0000-7000-8000-000000000001`,
          visitor_id: PH,
          started_at: "2024-04-01T10:00:00Z",
          landing_url: "https://shop.example/?utm_source=linkedin&utm_medium=social",
          utm_source: "linkedin",
          utm_medium: "social",
          pageviews: 2,
        }),
      ]),
    );
    const at = "2024-04-01T10:05:00Z";
    const visitId = `segment:${PH}:018e9a1c-0000-7000-8000-000000000001`;
    expect(identities).toEqual(
      byIdentity(
        comparable("visitor_identities", [
          { visitor_id: PH, email_hash: sha("cleo@example.org"), visit_id: visitId, identified_at: at },
          { visitor_id: PH, email_hash: sha("cust-42"), visit_id: visitId, identified_at: at },
        ]),
      ),
    );
    expect(prepared.skipped).toEqual([
      { reason: "track or screen events in no visit with a page view (server-side calls alone)", count: 1 },
      { reason: "group calls and PostHog bookkeeping events (they tell no visit)", count: 1 },
    ]);
  });

  test("times without an offset are UTC, or in --timezone", async () => {
    const file = join(fixture.temp, "local-times.jsonl");
    await writeFile(
      file,
      '{"type":"page","anonymousId":"v","messageId":"m1","timestamp":"2024-07-01 12:00:00","context":{"page":{"url":"https://shop.example/"}}}\n',
    );
    const started = async (timezone?: string) => (await convert([file], { timezone })).visits[0]?.started_at;
    expect(await started()).toBe("2024-07-01T12:00:00.000Z");
    expect(await started("Europe/Stockholm")).toBe("2024-07-01T10:00:00.000Z");
    const error = await importErrorOf(segmentImporter.prepare([file], { timezone: "Mars/Olympus" }));
    expect([error.file, error.line]).toEqual(["--timezone", null]);
  });

  test("gzipped JSON lines with a byte order mark read the same", async () => {
    const file = join(fixture.temp, "events.jsonl.gz");
    await writeFile(file, gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), await readFile(EVENTS)])));
    const { visits } = await convert([file]);
    expect(visits).toEqual(byVisit(EXPECTED_VISITS));
  });

  test("bad records are named by file and line (JSON lines) or JSON path (an array); a dry run lists them all", async () => {
    const broken = await editedEvents("broken.jsonl", { 3: '{"type":"track","anonymousId":"x",' });
    let error = await importErrorOf(segmentImporter.prepare([broken], {}));
    expect([error.file, error.line, error.column]).toEqual([broken, 3, null]);
    expect(error.reason).toMatch(/not a JSON record/);

    const noTime = await editedEvents("no-time.jsonl", {
      5: '{"type":"page","anonymousId":"x","messageId":"m","sentAt":"2024-03-04T10:00:00Z"}',
      7: '{"type":"page","anonymousId":"x","messageId":"n","timestamp":"04/03/2024 10:00"}',
    });
    error = await importErrorOf(segmentImporter.prepare([noTime], {}));
    expect([error.file, error.line, error.column]).toEqual([noTime, 5, "timestamp"]);
    expect(error.reason).toMatch(/a value is required \(timestamp, or originalTimestamp, or receivedAt\)/);
    const dry = await segmentImporter.prepare([noTime], { collectProblems: true });
    await dry.cleanup();
    expect(dry.problems?.map((p) => [p.line, p.column])).toEqual([
      [5, "timestamp"],
      [7, "timestamp"],
    ]);

    const array = JSON.parse(await readFile(POSTHOG, "utf8")) as Record<string, unknown>[];
    (array[1] as Record<string, unknown>).timestamp = "yesterday";
    const badArray = join(fixture.temp, "posthog-bad.json");
    const pretty = JSON.stringify(array, null, 2);
    await writeFile(badArray, pretty);
    error = await importErrorOf(segmentImporter.prepare([badArray], {}));
    // The array is read an element at a time: the line is where element [1] starts.
    const secondStart = pretty.split("\n").findIndex((l, i) => i > 1 && l === "  {") + 1;
    expect([error.file, error.line, error.column]).toEqual([badArray, secondStart, "[1].timestamp"]);
    expect(error.reason).toMatch(/"yesterday" is not an ISO 8601 time/);

    const latin1 = join(fixture.temp, "latin1.jsonl");
    const text = await readFile(EVENTS);
    await writeFile(latin1, Buffer.concat([text, Buffer.from('{"type":"page","name":"Caf\xe9"}\n', "latin1")]));
    error = await importErrorOf(segmentImporter.prepare([latin1], {}));
    expect([error.file, error.line]).toEqual([latin1, 18]);
    expect(error.reason).toMatch(/not UTF-8/);

    // UTF-16 without a byte order mark, little- and big-endian: said as such, not "not JSON".
    for (const [name, bytes] of [
      ["utf16le.jsonl", Buffer.from(text.toString("utf8"), "utf16le")],
      ["utf16be.jsonl", Buffer.from(text.toString("utf8"), "utf16le").swap16()],
    ] as const) {
      const utf16 = join(fixture.temp, name);
      await writeFile(utf16, bytes);
      error = await importErrorOf(segmentImporter.prepare([utf16], {}));
      expect([error.file, error.line]).toEqual([utf16, 1]);
      expect(error.reason).toMatch(/UTF-16 without a byte order mark/);
    }
  });

  test("detection: Segment-spec and PostHog records are claimed, other JSON is not", async () => {
    await expect(detectFormat([EVENTS])).resolves.toMatchObject({ format: "segment" });
    await expect(detectFormat([POSTHOG])).resolves.toMatchObject({ format: "segment" });
    const other = join(fixture.temp, "other.jsonl");
    await writeFile(other, '{"type":"page","timestamp":"2024-03-04T10:00:00Z","url":"/"}\n');
    await expect(detectFormat([other])).rejects.toThrow(/cannot tell the format/);
  });
});

async function storedVisits(store: Store, workspace: string) {
  return byVisit(comparable("visits", await store.query(sql`SELECT * FROM visits WHERE workspace_id = ${workspace}`)));
}

for (const engine of engines()) {
  describe(`segment: import (${engine})`, () => {
    const db = storeForTests(engine, true);
    const workspace = "segment-test";

    test("leads first, then the events: 1 visit linked to Ada's lead; re-import changes nothing; a bad file changes nothing", async () => {
      const { store } = db;
      await runImport(store, verityImporter, CRM, { workspace });
      const summary = await runImport(store, segmentImporter, EVENTS, { workspace });
      expect(summary.tables.visits?.created).toBe(6);
      expect(summary.tables.visitor_identities?.created).toBe(3);
      expect(summary.notes).toContain("1 visit was linked to the lead with the same contact (by email or CRM id)");
      const expected = byVisit(
        EXPECTED_VISITS.map((v) => (v.visit_id === `segment:${A}:ajs-a5` ? { ...v, converted_lead_id: "L-ada" } : v)),
      );
      expect(await storedVisits(store, workspace)).toEqual(expected);
      const identities = await store.query(
        sql`SELECT visitor_id, email_hash, visit_id, identified_at FROM visitor_identities WHERE workspace_id = ${workspace}`,
      );
      expect(byIdentity(comparable("visitor_identities", identities))).toEqual(byIdentity(EXPECTED_IDENTITIES));

      const before = await rowCounts(store);
      const again = await runImport(store, segmentImporter, EVENTS, { workspace });
      expect(again.tables.visits).toMatchObject({ created: 0, updated: 0, unchanged: 6 });
      expect(await storedVisits(store, workspace)).toEqual(expected);
      expect({ ...(await rowCounts(store)), imports: before.imports }).toEqual(before);

      const broken = join(fixture.temp, `broken-${engine}.jsonl`);
      await copyFile(EVENTS, broken);
      await writeFile(
        broken,
        `${await readFile(EVENTS, "utf8")}{"type":"page","anonymousId":"z","timestamp":"soon"}\n`,
      );
      await expectRefusedUnchanged(store, () => runImport(store, segmentImporter, broken, { workspace }), {
        file: broken,
        line: 18,
        column: "timestamp",
        reason: /"soon" is not an ISO 8601 time/,
      });
    });
  });
}
