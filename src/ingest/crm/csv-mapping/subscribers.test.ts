/**
 * The mapped CSV's newsletter_subscribers section: the generic-subscribers example
 * (test/fixtures/marketing/generic-subscribers: semicolons, CRLF, dd.mm.yyyy HH:mm, a status
 * column whose `cleaned` means left, a returning subscriber's old leaving time, an address in
 * mixed case with spaces) converts to hand-worked rows with the addresses hashed; ids, hashes
 * and a row's problems without an address repeated; --skip-invalid refusing a bad row without
 * writing its address; mapping mistakes named by path. On both engines: it imports beside a
 * canonical lead whose contact is one of the addresses (same hash: newsletter leads count it),
 * keeps no address, re-imports unchanged, stops at a bad date with the database unchanged, and a
 * subscribers file of a CRM's source system leaves that source's missing data as it was.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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
import { report, WORKSPACE } from "../../../../test/support/metric-fixtures.js";
import { capabilitiesOf } from "../../../metrics/context.js";
import { newsletterLeads } from "../../../metrics/definitions/newsletter-leads.js";
import { sql } from "../../../store/sql.js";
import type { FormatOptions, PreparedImport } from "../../importer.js";
import { runImport } from "../../importer.js";
import { verityImporter } from "../../verity-importer.js";
import { csvMappingImporter } from "./index.js";
import { readMapping } from "./mapping-file.js";
import { ADDRESS_NOT_SHOWN } from "./rejects.js";

const DIR = resolve(import.meta.dirname, "../../../../test/fixtures/marketing/generic-subscribers");
const CSV = join(DIR, "subscribers.csv");
const OPTIONS: FormatOptions = { mapping: join(DIR, "mapping.yaml") };

/** The hash Verity keeps of an address: SHA-256 hex of it trimmed and lower-cased. */
const sha = (address: string) => createHash("sha256").update(address.trim().toLowerCase(), "utf8").digest("hex");
const sub = (address: string) => `sheet:${sha(address)}`;

// Hand-worked from subscribers.csv (times UTC).
const EXAMPLE = comparable("newsletter_subscribers", [
  {
    id: sub("ann.buyer@acme.example"),
    email_hash: sha("ann.buyer@acme.example"),
    subscribed_at: "2024-11-02 08:05:00",
  },
  {
    id: sub("hal@heth.example"),
    email_hash: sha("hal@heth.example"),
    subscribed_at: "2024-09-01 10:00:00",
    unsubscribed_at: "2025-02-20 16:30:00",
  },
  // " Ivy.Ng@Iota.Example ", cleaned: left at its Left time.
  {
    id: sub(" Ivy.Ng@Iota.Example "),
    email_hash: sha(" Ivy.Ng@Iota.Example "),
    subscribed_at: "2025-01-15 09:00:00",
    unsubscribed_at: "2025-03-03 12:00:00",
  },
  // Active with a Left of 01.06.2024: came back, so subscribed.
  { id: sub("joe@kappa.example"), email_hash: sha("joe@kappa.example"), subscribed_at: "2024-05-05 07:30:00" },
]);

let temp = "";
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "verity-csv-subscribers-test-"));
});
afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

const write = async (name: string, text: string) => {
  const file = join(temp, name);
  await writeFile(file, text, "utf8");
  return file;
};

/** The example's mapping, reading the file `name` instead. */
const exampleMappingFor = async (name: string) =>
  write(
    `${name}.yaml`,
    (await readFile(join(DIR, "mapping.yaml"), "utf8")).replace("file: subscribers.csv", `file: ${name}`),
  );

/** The converted subscribers of a prepared import, comparable and by id. */
async function subscribersOf(prepared: PreparedImport): Promise<Comparable[]> {
  const file = prepared.files.find((f) => f.table === "newsletter_subscribers");
  if (!file) return [];
  const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
  return byKey("newsletter_subscribers", comparable("newsletter_subscribers", parsed.data));
}

async function convert(paths: string[], options: FormatOptions) {
  const prepared = await csvMappingImporter.prepare(paths, options);
  try {
    return { prepared, subscribers: await subscribersOf(prepared) };
  } finally {
    await prepared.cleanup();
  }
}

describe("mapped newsletter subscribers, converted", () => {
  test("the example converts to the hand-worked rows; nothing of leads, and nothing lacking", async () => {
    const { prepared, subscribers } = await convert([CSV], OPTIONS);
    expect(subscribers).toEqual(byKey("newsletter_subscribers", EXAMPLE));
    expect(prepared.files.map((f) => f.table)).toEqual(["newsletter_subscribers"]);
    expect(prepared.sourceSystem).toBe("sheet");
    expect(prepared.lacks).toEqual([]);
    expect(prepared.skipped).toEqual([]);
    expect(prepared.notes).toEqual([
      "1 subscriber whose status is subscribed has a Left time: ignored, they are subscribed (they left earlier and came back)",
    ]);
  });

  test("an id column (an address as id is hashed) and a hash column (lower-cased)", async () => {
    const mapping = await write(
      "ids.yaml",
      "source_system: news\nnewsletter_subscribers:\n  columns: { id: Member, email_hash: Hash, subscribed_at: Joined }\n",
    );
    const upper = sha("bo@beta.example").toUpperCase();
    const file = await write(
      "ids.csv",
      `Member,Hash,Joined\nM-1,${upper},2024-01-02 03:04:05\n Cy@Gamma.example ,,2024-02-01\n`,
    );
    const { prepared, subscribers } = await convert([file], { mapping });
    expect(subscribers).toEqual(
      byKey(
        "newsletter_subscribers",
        comparable("newsletter_subscribers", [
          { id: "news:M-1", email_hash: sha("bo@beta.example"), subscribed_at: "2024-01-02 03:04:05" },
          { id: `news:${sha("cy@gamma.example")}`, email_hash: null, subscribed_at: "2024-02-01 00:00:00" },
        ]),
      ),
    );
    expect(prepared.notes).toEqual([]);
  });

  test("a dry run lists each row's problem at its line and column, never repeating an address", async () => {
    const file = await write(
      "problems.csv",
      [
        "Email;Name;Status;Signed up;Left",
        "ann at acme.example;Ann;active;02.11.2024 08:05;", // 2: not an address
        ";Nobody;active;02.11.2024 08:05;", // 3: no address, and no id to name the row
        "hal@heth.example;Hal;active;01.09.2024 10:00;", // 4
        "HAL@heth.example ;Hal again;active;01.09.2024 10:00;", // 5: the same address as line 4
        "ivy@iota.example;Ivy;pending;15.01.2025 09:00;", // 6: a status the map lacks
        "joe@kappa.example;Joe;unsubscribed;05.05.2024 07:30;", // 7: left, but when?
        "kim@kappa.example;Kim;unsubscribed;05.05.2024 07:30;01.05.2024 09:00", // 8: left before joining
        "lu@lambda.example;Lu;active;;", // 9: no subscription time
      ].join("\n"),
    );
    const mapping = await exampleMappingFor("problems.csv");
    const { prepared, subscribers } = await convert([file], { mapping, collectProblems: true });
    const problems = (prepared.problems ?? []).map((p) => [p.file, p.line, p.column, p.reason]);
    expect(problems).toEqual([
      [file, 2, "Email", "not an email address (the value is not shown: addresses are never repeated)"],
      [file, 3, "Email", "the address is empty: it is the subscriber's id (map id to name subscribers without one)"],
      [file, 5, "Email", `the subscriber ${sub("hal@heth.example")} is on line 4 already`],
      [file, 6, "Status", expect.stringMatching(/^"pending" is not a value the mapping's map lists/)],
      [file, 7, "Left", "an unsubscribed subscriber needs the time they left"],
      [file, 8, "Left", "unsubscribed 2024-05-01 09:00:00 before subscribing (2024-05-05 07:30:00)"],
      [
        file,
        9,
        "Signed up",
        "the subscription time is empty (the mapping's newsletter_subscribers.columns.subscribed_at)",
      ],
    ]);
    expect(JSON.stringify(problems)).not.toContain("@");
    // The preview holds the one good row.
    expect(subscribers.map((s) => s.id)).toEqual([sub("hal@heth.example")]);
  });

  test("a hash column that holds addresses, MD5s or other text is refused without repeating an address", async () => {
    const mapping = await write(
      "hash.yaml",
      "source_system: news\nnewsletter_subscribers:\n  columns: { email_hash: Hash, subscribed_at: Joined }\n",
    );
    const md5 = createHash("md5").update("bo@beta.example").digest("hex");
    const file = await write(
      "hash.csv",
      `Hash,Joined\nbo@beta.example,2024-01-02\n${md5},2024-01-02\nxyz,2024-01-02\n`,
    );
    const { prepared } = await convert([file], { mapping, collectProblems: true });
    expect((prepared.problems ?? []).map((p) => [p.line, p.column, p.reason])).toEqual([
      [2, "Hash", expect.stringMatching(/^an email address, not a hash: map the column as email .*not shown/)],
      [3, "Hash", expect.stringMatching(/^an MD5 hash .*map the address as email instead$/)],
      [4, "Hash", '"xyz" is not a SHA-256 hash (64 hexadecimal digits)'],
    ]);
    expect(JSON.stringify(prepared.problems?.map((p) => p.reason))).not.toContain("@");
  });

  test("--skip-invalid refuses a bad row into the rejects file without its address, and imports the rest", async () => {
    const file = await write(
      "skip.csv",
      `${(await readFile(CSV, "utf8")).trimEnd()}\r\nmo@mu.example;"Mo; the bad";active;31.02.2025 10:00;\r\n`,
    );
    const rejects = join(temp, "rejects.csv");
    const { prepared, subscribers } = await convert([file], {
      mapping: await exampleMappingFor("skip.csv"),
      skipInvalid: { rejects, maxRejectedPercent: 25 },
    });
    expect(subscribers).toEqual(byKey("newsletter_subscribers", EXAMPLE));
    expect(prepared.skipped).toEqual([{ reason: `rows refused by --skip-invalid (listed in ${rejects})`, count: 1 }]);
    const written = await readFile(rejects, "utf8");
    expect(Papa.parse(written.trim(), { header: true }).data).toEqual([
      {
        file,
        line: "6",
        column: "Signed up",
        reason: '"31.02.2025 10:00" is not a date in the calendar',
        record: `${ADDRESS_NOT_SHOWN};"Mo; the bad";active;31.02.2025 10:00;`,
      },
    ]);
    expect(written).not.toContain("@");
  });

  test("mapping mistakes name their path in the mapping", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "newsletter_subscribers:\n  columns: { email: E, email_hash: H, subscribed_at: S }",
        "newsletter_subscribers.columns.email_hash",
        /^map email \(an address, hashed on import\) or email_hash .*, not both$/,
      ],
      [
        "newsletter_subscribers:\n  columns: { subscribed_at: S }",
        "newsletter_subscribers.columns.email",
        /^newsletter_subscribers needs email .*, email_hash or id/,
      ],
      [
        "newsletter_subscribers:\n  columns: { email: E, subscribed_at: S, name: N }",
        "newsletter_subscribers.columns.name",
        /^"name" is not a field of newsletter_subscribers \(fields: id, email_hash, subscribed_at, unsubscribed_at, email, status\)$/,
      ],
      [
        "newsletter_subscribers:\n  columns: { email: E }",
        "newsletter_subscribers.columns.subscribed_at",
        /^newsletter_subscribers needs subscribed_at/,
      ],
      [
        "newsletter_subscribers:\n  columns: { email: E, subscribed_at: { column: S, transform: [{ date: DD.MM.YYYY HH:MM }] } }",
        "newsletter_subscribers.columns.subscribed_at.transform[0].date",
        /names the month twice/,
      ],
      [
        "newsletter_subscribers:\n  columns: { email: E, subscribed_at: S }\nactivities:\n  columns: { id: I, type: T, occurred_at: O }",
        "activities",
        /^activities belongs to leads, which the mapping does not map/,
      ],
      ["leads:\n  columns: { id: I, status: S, created_at: C }", "pipelines", /^pipelines is required with leads/],
      ["", "leads", /^the mapping needs leads \(with pipelines.*\) or newsletter_subscribers/],
    ];
    for (const [i, [body, path, reason]] of cases.entries()) {
      const mapping = await write(`mistake-${i}.yaml`, `source_system: sheet\n${body}\n`);
      const { problems } = await readMapping(mapping);
      expect(
        problems.map((p) => [p.file, p.column]),
        body,
      ).toEqual([[mapping, path]]);
      expect(problems[0]?.reason).toMatch(reason);
    }
    // The import stops at it, naming the mapping file and path.
    const mapping = await write(`mistake-0.yaml`, `source_system: sheet\n${cases[0]?.[0]}\n`);
    const error = await importErrorOf(csvMappingImporter.prepare([CSV], { mapping }));
    expect([error.file, error.line, error.column]).toEqual([mapping, 3, "newsletter_subscribers.columns.email_hash"]);
  });
});

describe.each(engines())("mapped newsletter subscribers on %s", (engine) => {
  const t = storeForTests(engine);

  test("imports beside a canonical lead: the rows, no address kept, the lead's contact hash is the subscriber's", async () => {
    // A CRM's leads in Verity's canonical files: l-ivy's contact is Ivy's address written otherwise.
    const crm = join(temp, `crm-${engine}`);
    await rm(crm, { recursive: true, force: true });
    await mkdir(crm);
    await writeFile(join(crm, "pipelines.csv"), "id,name\np,Sales\n");
    await writeFile(
      join(crm, "leads.csv"),
      [
        "id,pipeline_id,status,created_at,contact,source_channel",
        "l-ivy,p,open,2025-02-10 10:00:00,IVY.NG@iota.example,newsletter",
        "l-zed,p,open,2025-02-11 10:00:00,zed@zeta.example,newsletter",
      ].join("\n"),
    );
    await runImport(t.store, verityImporter, crm, { workspace: WORKSPACE });

    const summary = await runImport(t.store, csvMappingImporter, [CSV], { workspace: WORKSPACE, format: OPTIONS });
    expect(summary.tables).toEqual({
      newsletter_subscribers: { rows: 4, created: 4, updated: 0, unchanged: 0, removed: 0 },
    });
    expect(summary.lacks).toEqual([]);
    const stored = await t.store.query(
      sql`SELECT * FROM newsletter_subscribers WHERE workspace_id = ${WORKSPACE} ORDER BY id`,
    );
    expect(byKey("newsletter_subscribers", comparable("newsletter_subscribers", stored))).toEqual(
      byKey("newsletter_subscribers", EXAMPLE),
    );
    // No address anywhere in the table (every workspace, every column).
    const everything = await t.store.query(sql`SELECT * FROM newsletter_subscribers`);
    expect(everything.length).toBe(4);
    expect(JSON.stringify(everything)).not.toContain("@");

    const [linked] = await t.store.query<{ lead: string; subscriber: string; hash: string }>(
      sql`SELECT l.id AS lead, s.id AS subscriber, l.contact_hash AS hash FROM leads l
          JOIN newsletter_subscribers s ON s.workspace_id = l.workspace_id AND s.email_hash = l.contact_hash
          WHERE l.workspace_id = ${WORKSPACE}`,
    );
    expect(linked).toEqual({ lead: "l-ivy", subscriber: sub("ivy.ng@iota.example"), hash: sha("ivy.ng@iota.example") });
    // Newsletter leads of 2025-Q1: both by their source, l-ivy a subscriber (since 15 Jan, before
    // the lead); active at 1 April: ann and joe (hal left 20 Feb, ivy 3 Mar).
    const r = await report(t.store, newsletterLeads, { period: "2025-Q1" });
    expect(r.result).toMatchObject({ newsletterLeads: 2, subscriberLeads: 1, subscribers: 2 });
  });

  test("a re-import changes nothing", async () => {
    const before = await rowCounts(t.store);
    const summary = await runImport(t.store, csvMappingImporter, [CSV], { workspace: WORKSPACE, format: OPTIONS });
    expect(summary.tables.newsletter_subscribers).toEqual({
      rows: 4,
      created: 0,
      updated: 0,
      unchanged: 4,
      removed: 0,
    });
    expect(await rowCounts(t.store)).toEqual({ ...before, imports: (before.imports ?? 0) + 1 });
  });

  test("a bad date stops the import at its file, line and column; the database is unchanged", async () => {
    const bad = await write(
      `bad-date-${engine}.csv`,
      (await readFile(CSV, "utf8")).replace("15.01.2025 09:00", "31.02.2025 09:00"),
    );
    const mapping = await exampleMappingFor(`bad-date-${engine}.csv`);
    await expectRefusedUnchanged(
      t.store,
      () => runImport(t.store, csvMappingImporter, [bad], { workspace: WORKSPACE, format: { mapping } }),
      { file: bad, line: 4, column: "Signed up", reason: /^"31.02.2025 09:00" is not a date in the calendar$/ },
    );
  });

  test("subscribers of a CRM's source system leave what that CRM's import lacks as it was", async () => {
    const workspace = "csv-subscribers-caps";
    // A stage, so the import derives a stage event per lead: a table that is not empty, but no history.
    const leads = await write(`sheet-leads-${engine}.csv`, "Id;Stage;Status;Created\nS-1;New;open;2025-01-02\n");
    const leadsMapping = await write(
      `sheet-leads-${engine}.yaml`,
      [
        "source_system: sheet",
        "pipelines: [{ name: Sales, stages: [New, Won] }]",
        "leads:",
        "  columns: { id: Id, stage_id: Stage, status: Status, created_at: Created }",
      ].join("\n"),
    );
    const first = await runImport(t.store, csvMappingImporter, [leads], {
      workspace,
      format: { mapping: leadsMapping },
    });
    expect(first.lacks).toEqual(
      expect.arrayContaining(["stage_history", "activities", "newsletter", "loss_reasons", "qualification"]),
    );
    await runImport(t.store, csvMappingImporter, [CSV], { workspace, format: OPTIONS });
    const capabilities = await capabilitiesOf(t.store, workspace);
    // The leads' one derived stage event each is still no stage history; the subscribers are a newsletter.
    expect(capabilities.has("stage_history")).toBe(false);
    expect(capabilities.has("qualification")).toBe(false);
    expect(capabilities.has("newsletter")).toBe(true);
  });
});
