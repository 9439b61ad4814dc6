/**
 * The listmonk importer: the subscribers export (Go's csv writer: quoted only where needed,
 * JSON attributes, Go time strings with zone offsets) and the campaigns API answer convert to
 * hand-worked rows; on both engines they load beside a lead whose contact is a subscriber
 * (same hash), keep no address in clear text and re-import unchanged; a bad file stops with
 * its file and line (or JSON path) and changes nothing. Detection claims both files.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../../test/support/databases.js";
import { byKey, type Comparable, comparable, expectRefusedUnchanged } from "../../../../test/support/importer-tests.js";
import {
  BASE,
  type LoadedFixture,
  lead,
  loadFixture,
  report,
  WORKSPACE,
} from "../../../../test/support/metric-fixtures.js";
import { newsletterLeads } from "../../../metrics/definitions/newsletter-leads.js";
import type { TableName } from "../../../model/canonical.js";
import { ident, sql } from "../../../store/sql.js";
import { detectFormat } from "../../crm/detect.js";
import { type PreparedImport, runImport } from "../../importer.js";
import { listmonkImporter } from "./index.js";

const FIXTURES = resolve(import.meta.dirname, "../../../../test/fixtures/marketing/listmonk");
const SUBSCRIBERS_CSV = join(FIXTURES, "subscribers.csv");
const CAMPAIGNS_JSON = join(FIXTURES, "campaigns.json");

const sha = (address: string) => createHash("sha256").update(address).digest("hex");

// Hand-worked: created_at is the subscription; blocklisted and disabled leave at updated_at;
// offsets applied (+0100 CET, +0530 IST), fractions of a second dropped.
const SUBSCRIBERS = [
  {
    id: "listmonk:6f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c",
    email_hash: sha("ann.buyer@acme.example"),
    subscribed_at: "2024-11-02 08:05:10",
  },
  {
    id: "listmonk:7a2d3c4b-1e5f-4a6b-8c7d-8e9f0a1b2c3d",
    email_hash: sha("gil@gimel.example"),
    subscribed_at: "2025-01-15 12:00:00",
  },
  {
    id: "listmonk:8b3e4d5c-2f6a-4b7c-9d8e-9f0a1b2c3d4e",
    email_hash: sha("hal@heth.example"),
    subscribed_at: "2024-09-01 10:00:00",
    unsubscribed_at: "2025-02-20 16:30:00",
  },
  {
    id: "listmonk:9c4f5e6d-3a7b-4c8d-8e9f-0a1b2c3d4e5f",
    email_hash: sha("ida@iota.example"),
    subscribed_at: "2024-10-09 18:30:00",
    unsubscribed_at: "2025-03-01 06:30:00",
  },
];
// Campaign 3 started 2025-03-03 10:00 +01:00; campaign 4 (scheduled, never started) is skipped.
const ISSUES = [{ id: "listmonk:3", sent_at: "2025-03-03 09:00:00", subject: "March update: what's new" }];

async function rowsOf(prepared: PreparedImport, table: TableName): Promise<Comparable[]> {
  const file = prepared.files.find((f) => f.table === table);
  if (!file) return [];
  const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
  return byKey(table, comparable(table, parsed.data));
}

const expected = (table: TableName, rows: Record<string, unknown>[]) => byKey(table, comparable(table, rows));

let temp = "";
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "verity-listmonk-test-"));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe("listmonk conversion", () => {
  test("the subscribers export and the campaigns give the hand-worked rows", async () => {
    const prepared = await listmonkImporter.prepare([SUBSCRIBERS_CSV, CAMPAIGNS_JSON], {});
    try {
      expect(await rowsOf(prepared, "newsletter_subscribers")).toEqual(expected("newsletter_subscribers", SUBSCRIBERS));
      expect(await rowsOf(prepared, "newsletter_issues")).toEqual(expected("newsletter_issues", ISSUES));
      expect(prepared.files.map((f) => f.table)).not.toContain("email_events");
      expect(prepared.skipped).toEqual([{ reason: "campaigns never started (drafts and scheduled ones)", count: 1 }]);
      expect(prepared.notes.join("\n")).toMatch(/no per-subscriber views or clicks/);
    } finally {
      await prepared.cleanup();
    }
  });

  test("a bad time in the campaigns is named by its JSON path", async () => {
    const file = join(temp, "campaigns-bad.json");
    const text = await readFile(CAMPAIGNS_JSON, "utf8");
    await writeFile(file, text.replace("2025-03-03T10:00:00.000001+01:00", "yesterday"));
    await expect(listmonkImporter.prepare([file], {})).rejects.toMatchObject({
      file,
      line: null,
      column: "data.results[0].started_at",
    });
  });

  test("a syntax error deep in the campaigns JSON is named by its line", async () => {
    const file = join(temp, "campaigns-broken.json");
    const text = await readFile(CAMPAIGNS_JSON, "utf8");
    const at = text.lastIndexOf('"subject":');
    await writeFile(file, `${text.slice(0, at)}"subject" ${text.slice(at + '"subject":'.length)}`);
    const line = text.slice(0, at).split("\n").length;
    expect(line).toBeGreaterThan(1);
    await expect(listmonkImporter.prepare([file], {})).rejects.toMatchObject({
      file,
      line,
      reason: expect.stringMatching(/^not readable JSON/),
    });
  });

  test("campaigns JSON cut off is named by its last line, and said to be cut", async () => {
    const file = join(temp, "campaigns-cut.json");
    const text = await readFile(CAMPAIGNS_JSON, "utf8");
    const at = text.indexOf('"name": "March update"') + '"name": '.length;
    await writeFile(file, text.slice(0, at));
    const line = text.slice(0, at).trimEnd().split("\n").length;
    expect(line).toBeGreaterThan(1);
    await expect(listmonkImporter.prepare([file], {})).rejects.toMatchObject({
      file,
      line,
      reason: expect.stringMatching(/^not readable JSON .*ends before its JSON does/),
    });
  });

  test("detection: the subscribers export and the campaigns JSON are listmonk", async () => {
    expect((await detectFormat([SUBSCRIBERS_CSV])).format).toBe("listmonk");
    expect((await detectFormat([CAMPAIGNS_JSON])).format).toBe("listmonk");
  });
});

describe.each(engines())("listmonk import on %s", (engine) => {
  let loaded: LoadedFixture;
  beforeAll(async () => {
    loaded = await loadFixture(engine, {
      ...BASE,
      leads: [lead({ id: "l-ann", created_at: "2025-03-20T09:00:00Z", contact: "Ann.Buyer@acme.example" })],
    });
  });
  afterAll(async () => {
    await loaded?.dispose();
  });

  test("loads, links by hash, keeps no address, and re-imports unchanged", async () => {
    const { store } = loaded;
    const first = await runImport(store, listmonkImporter, [SUBSCRIBERS_CSV, CAMPAIGNS_JSON], { workspace: WORKSPACE });
    expect(first.tables.newsletter_subscribers).toMatchObject({ created: 4 });
    expect(first.tables.newsletter_issues).toMatchObject({ created: 1 });
    const [link] = await store.query<{ id: string }>(
      sql`SELECT s.id FROM newsletter_subscribers s JOIN leads l
          ON l.workspace_id = s.workspace_id AND l.contact_hash = s.email_hash
          WHERE s.workspace_id = ${WORKSPACE} AND l.id = ${"l-ann"}`,
    );
    expect(link?.id).toBe("listmonk:6f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c");
    // Active at 2025-04-01: ann and gil (hal and ida left before); ann's lead is a subscriber but not a newsletter lead.
    const r = await report(store, newsletterLeads, { period: "2025-Q1" });
    expect(r.result).toMatchObject({ subscribers: 2, newsletterLeads: 0, byClick: 0 });
    for (const table of ["newsletter_subscribers", "newsletter_issues"] as const) {
      for (const row of await store.query(sql`SELECT * FROM ${ident(table)} WHERE workspace_id = ${WORKSPACE}`)) {
        for (const [column, value] of Object.entries(row)) {
          if (typeof value === "string") expect(value, `${table}.${column}`).not.toContain("@");
        }
      }
    }
    const again = await runImport(store, listmonkImporter, [SUBSCRIBERS_CSV, CAMPAIGNS_JSON], { workspace: WORKSPACE });
    expect(again.tables.newsletter_subscribers).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(again.tables.newsletter_issues).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
  });

  test("an unknown status stops with file, line and column, and the database is unchanged", async () => {
    const file = join(temp, `subscribers-${engine}.csv`);
    await writeFile(file, (await readFile(SUBSCRIBERS_CSV, "utf8")).replace(",{},enabled,", ",{},active,"));
    await expectRefusedUnchanged(
      loaded.store,
      () => runImport(loaded.store, listmonkImporter, [file], { workspace: WORKSPACE }),
      {
        file,
        line: 3,
        column: "status",
        reason: /"active" is not a listmonk subscriber status/,
      },
    );
  });
});
