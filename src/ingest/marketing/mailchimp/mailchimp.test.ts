/**
 * The Mailchimp importer: the audience export (as a directory, as the .zip Mailchimp sends,
 * with a BOM, every field quoted, empty merge fields and quoted tags), the campaigns report and
 * the account export's per-contact opens and clicks convert to hand-worked rows; on both
 * engines they load beside a CRM lead whose contact is a subscriber (same hash, counted by
 * newsletter leads), keep no address in clear text, re-import unchanged, and a broken file
 * stops with its file and line and changes nothing. Auto-detection claims the zip and files.
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
import { writeZip } from "../../../../test/support/zip-writer.js";
import { newsletterLeads } from "../../../metrics/definitions/newsletter-leads.js";
import type { TableName } from "../../../model/canonical.js";
import { ident, sql } from "../../../store/sql.js";
import { detectFormat } from "../../crm/detect.js";
import { type PreparedImport, runImport } from "../../importer.js";
import { mailchimpImporter } from "./index.js";

const FIXTURES = resolve(import.meta.dirname, "../../../../test/fixtures/marketing/mailchimp");
const AUDIENCE = join(FIXTURES, "audience");
const REPORTS = join(FIXTURES, "reports");
const MEMBERS = ["subscribed", "unsubscribed", "cleaned"].map((k) =>
  join(AUDIENCE, `${k}_members_export_3f2a9c1b0d.csv`),
);

const sha = (address: string) => createHash("sha256").update(address).digest("hex");
const sub = (address: string) => `mailchimp:${sha(address)}`;

// Hand-worked from the fixture files (times UTC; see the module comment of index.ts).
const SUBSCRIBERS = [
  {
    id: sub("ann.buyer@acme.example"),
    email_hash: sha("ann.buyer@acme.example"),
    subscribed_at: "2024-11-02 08:05:10",
  },
  // "Bo@Beta.example": hashed lower-cased; no OPTIN_TIME, CONFIRM_TIME set (an imported contact).
  { id: sub("bo@beta.example"), email_hash: sha("bo@beta.example"), subscribed_at: "2025-01-15 12:00:00" },
  // No CONFIRM_TIME: OPTIN_TIME.
  { id: sub("cy@gamma.example"), email_hash: sha("cy@gamma.example"), subscribed_at: "2025-02-01 10:00:00" },
  {
    id: sub("dee@delta.example"),
    email_hash: sha("dee@delta.example"),
    subscribed_at: "2024-06-01 09:00:00",
    unsubscribed_at: "2025-03-05 18:00:00",
  },
  {
    id: sub("eve@eps.example"),
    email_hash: sha("eve@eps.example"),
    subscribed_at: "2024-07-01 00:00:00",
    unsubscribed_at: "2024-12-24 10:00:00",
  },
  // Cleaned: left at CLEAN_TIME.
  {
    id: sub("fay@phi.example"),
    email_hash: sha("fay@phi.example"),
    subscribed_at: "2024-05-05 05:05:05",
    unsubscribed_at: "2025-04-01 14:20:00",
  },
];
const ISSUES = [
  { id: "mailchimp:a1b2c3d4e5", sent_at: "2025-03-04 09:30:00", subject: "Spring launch — 20% off" },
  { id: "mailchimp:f6e5d4c3b2", sent_at: "2025-04-01 14:15:00", subject: "April news" },
];
const SPRING = "mailchimp:a1b2c3d4e5";
const APRIL = "mailchimp:f6e5d4c3b2";
const EVENTS = [
  // dee unsubscribed from Spring launch; fay bounced on April news (cleaned).
  {
    subscriber_id: sub("dee@delta.example"),
    issue_id: SPRING,
    type: "unsubscribe",
    occurred_at: "2025-03-05 18:00:00",
  },
  { subscriber_id: sub("fay@phi.example"), issue_id: APRIL, type: "bounce", occurred_at: "2025-04-01 14:20:00" },
  // Opens of Spring launch: ann (once, her repeated row skipped), dee; ghost@ is no audience member.
  { subscriber_id: sub("ann.buyer@acme.example"), issue_id: SPRING, type: "open", occurred_at: "2025-03-04 10:00:00" },
  { subscriber_id: sub("dee@delta.example"), issue_id: SPRING, type: "open", occurred_at: "2025-03-05 17:00:00" },
  {
    subscriber_id: sub("ann.buyer@acme.example"),
    issue_id: SPRING,
    type: "click",
    occurred_at: "2025-03-04 10:02:00",
    url: "https://shop.example/spring?utm_source=newsletter&utm_campaign=spring",
  },
  { subscriber_id: sub("bo@beta.example"), issue_id: APRIL, type: "open", occurred_at: "2025-04-02 08:00:00" },
];

const NEWSLETTER_TABLES = ["newsletter_subscribers", "newsletter_issues", "email_events"] as const;

async function convertedRows(prepared: PreparedImport, table: TableName): Promise<Comparable[]> {
  const file = prepared.files.find((f) => f.table === table);
  if (!file) return [];
  const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
  return byKey(table, comparable(table, parsed.data));
}

async function convert(paths: string[], timezone?: string) {
  const prepared = await mailchimpImporter.prepare(paths, timezone ? { timezone } : {});
  try {
    const rows = Object.fromEntries(
      await Promise.all(NEWSLETTER_TABLES.map(async (t) => [t, await convertedRows(prepared, t)] as const)),
    ) as Record<(typeof NEWSLETTER_TABLES)[number], Comparable[]>;
    return { prepared, rows };
  } finally {
    await prepared.cleanup();
  }
}

const expected = (table: TableName, rows: Record<string, unknown>[]) => byKey(table, comparable(table, rows));

let temp = "";
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "verity-mailchimp-test-"));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

/** The audience export as Mailchimp sends it: a zip of the three CSVs. */
async function audienceZip(): Promise<string> {
  const zip = join(temp, "customers_export_3f2a9c1b0d.zip");
  await writeZip(
    zip,
    await Promise.all(
      MEMBERS.map(async (file) => ({ name: file.slice(AUDIENCE.length + 1), chunks: [await readFile(file)] })),
    ),
  );
  return zip;
}

describe("Mailchimp conversion", () => {
  test("the audience directory and the reports give the hand-worked rows", async () => {
    const { prepared, rows } = await convert([AUDIENCE, REPORTS]);
    expect(rows.newsletter_subscribers).toEqual(expected("newsletter_subscribers", SUBSCRIBERS));
    expect(rows.newsletter_issues).toEqual(expected("newsletter_issues", ISSUES));
    expect(rows.email_events).toEqual(expected("email_events", EVENTS));
    expect(prepared.skipped).toEqual([
      { reason: "campaigns without a Send Date (not sent)", count: 1 },
      { reason: "opens and clicks of addresses not in the audience files (archived or deleted contacts)", count: 1 },
      { reason: "activity rows repeating one already read", count: 1 },
    ]);
    // eve's unsubscribe names a campaign the report does not have.
    expect(prepared.notes.join("\n")).toMatch(/^1 unsubscribes or bounces name a campaign that is not in this import/m);
    expect(prepared.lacks).toEqual([]);
  });

  test("the audience .zip gives the same subscribers; without the report, no events", async () => {
    const { prepared, rows } = await convert([await audienceZip()]);
    expect(rows.newsletter_subscribers).toEqual(expected("newsletter_subscribers", SUBSCRIBERS));
    expect(rows.newsletter_issues).toEqual([]);
    expect(rows.email_events).toEqual([]);
    expect(prepared.notes.join("\n")).toMatch(/^3 unsubscribes or bounces name a campaign/m);
  });

  test("--timezone places the report's send dates (Berlin: +01:00 in March, +02:00 from 30 March)", async () => {
    const { rows } = await convert([join(REPORTS, "campaigns.csv")], "Europe/Berlin");
    expect(rows.newsletter_issues.map((r) => r.sent_at)).toEqual([
      "2025-03-04T08:30:00.000Z",
      "2025-04-01T12:15:00.000Z",
    ]);
  });

  test("activity without the campaigns report is refused, naming the file", async () => {
    const opens = join(REPORTS, "granular_activity", "opens", "a1b2c3d4e5.csv");
    await expect(mailchimpImporter.prepare([opens], {})).rejects.toMatchObject({
      file: opens,
      reason: expect.stringMatching(/needs the campaigns report/),
    });
  });

  test("a bad address is named by file, line and column, and not repeated", async () => {
    const text = (await readFile(MEMBERS[0] as string, "utf8")).replace("cy@gamma.example", "cy-at-gamma.example");
    const file = join(temp, "subscribed_members_export_bad.csv");
    await writeFile(file, text);
    const error = await mailchimpImporter.prepare([file], {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ file, line: 4, column: "Email Address" });
    expect(String((error as Error).message)).not.toContain("gamma");
  });

  test("detection: the audience zip, a members file and the campaigns report are Mailchimp", async () => {
    expect((await detectFormat([await audienceZip()])).format).toBe("mailchimp");
    expect((await detectFormat([MEMBERS[1] as string])).format).toBe("mailchimp");
    expect((await detectFormat([join(REPORTS, "campaigns.csv")])).format).toBe("mailchimp");
    expect(
      mailchimpImporter.recognise?.({
        name: "x.csv",
        path: "x.csv",
        header: ["Email", "Name"],
        json: null,
        entries: null,
      }),
    ).toBeNull();
  });
});

describe.each(engines())("Mailchimp import on %s", (engine) => {
  let loaded: LoadedFixture;
  beforeAll(async () => {
    // Leads: one whose contact is ann (she clicked Spring launch 16 days before), one whose
    // contact is cy (a subscriber who never clicked), one without a contact.
    loaded = await loadFixture(engine, {
      ...BASE,
      leads: [
        lead({
          id: "l-ann",
          created_at: "2025-03-20T09:00:00Z",
          contact: " Ann.Buyer@ACME.example",
          source_channel: "website",
        }),
        lead({
          id: "l-cy",
          created_at: "2025-03-10T09:00:00Z",
          contact: "cy@gamma.example",
          source_channel: "website",
        }),
        lead({ id: "l-none", created_at: "2025-02-10T09:00:00Z", source_channel: "event" }),
      ],
    });
  });
  afterAll(async () => {
    await loaded?.dispose();
  });

  test("loads, links by hash, counts the newsletter lead, keeps no address, and re-imports unchanged", async () => {
    const { store } = loaded;
    const first = await runImport(store, mailchimpImporter, [AUDIENCE, REPORTS], { workspace: WORKSPACE });
    expect(first.tables.newsletter_subscribers).toMatchObject({ created: 6, updated: 0 });
    expect(first.tables.newsletter_issues).toMatchObject({ created: 2 });
    expect(first.tables.email_events).toMatchObject({ created: 6 });

    const [linked] = await store.query<{ subscriber: string; lead: string }>(
      sql`SELECT s.id AS subscriber, l.id AS lead FROM newsletter_subscribers s
          JOIN leads l ON l.workspace_id = s.workspace_id AND l.contact_hash = s.email_hash
          WHERE s.workspace_id = ${WORKSPACE} AND l.id = ${"l-ann"}`,
    );
    expect(linked?.subscriber).toBe(sub("ann.buyer@acme.example"));

    const r = await report(store, newsletterLeads, { period: "2025-Q1" });
    // l-ann by click (and a subscriber lead); l-cy is a subscriber but never clicked, not a newsletter lead.
    // Active at 2025-04-01: ann, bo, cy, fay (cleaned only on 04-01 14:20); dee and eve had left.
    expect(r.result).toMatchObject({ newsletterLeads: 1, byClick: 1, subscriberLeads: 1, subscribers: 4 });

    for (const table of NEWSLETTER_TABLES) {
      const rows = await store.query(sql`SELECT * FROM ${ident(table)} WHERE workspace_id = ${WORKSPACE}`);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (typeof value === "string" && column !== "url") expect(value, `${table}.${column}`).not.toContain("@");
        }
      }
    }
    const again = await runImport(store, mailchimpImporter, [AUDIENCE, REPORTS], { workspace: WORKSPACE });
    for (const table of NEWSLETTER_TABLES) expect(again.tables[table], table).toMatchObject({ created: 0, updated: 0 });
  });

  test("a truncated members file stops with file and line, and the database is unchanged", async () => {
    const text = await readFile(MEMBERS[1] as string, "utf8");
    const file = join(temp, `unsubscribed_members_export_truncated_${engine}.csv`);
    await writeFile(file, text.slice(0, text.lastIndexOf('"too many') + 4));
    await expectRefusedUnchanged(
      loaded.store,
      () => runImport(loaded.store, mailchimpImporter, [file], { workspace: WORKSPACE }),
      {
        file,
        line: 3,
        column: "UNSUB_REASON_OTHER",
        reason: /ends inside a quoted field/,
      },
    );
  });
});
