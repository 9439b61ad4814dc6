/**
 * `verity contact` and `verity segment` as a user meets them (in-process CLI), on every
 * engine: a contacts CSV and a Mailchimp audience export imported, a bad row refused naming
 * file, line and column with nothing written, a segment saved, previewed and removed, a typo
 * in a definition refused naming the part. One test runs the real bin for its exit code.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verityInProcess } from "./support/cli-in-process.js";
import { createTestDatabase, engines, type TestDatabase } from "./support/databases.js";
import { BASE, lead, writeFixture } from "./support/metric-fixtures.js";

const ENV = { VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" };
const MAILCHIMP = resolve(import.meta.dirname, "fixtures/marketing/mailchimp/audience");
const BIN = resolve(import.meta.dirname, "../bin/verity.js");

const FIXTURE = {
  ...BASE,
  leads: [
    lead({ id: "l1", contact: "ann.buyer@acme.example", created_at: "2025-03-01", stage_id: "demo" }),
    lead({ id: "l2", contact: "kim@k.example", created_at: "2025-03-02", stage_id: "new" }),
    lead({ id: "l3", contact: "dee@delta.example", created_at: "2025-03-03", stage_id: "new" }),
  ],
};

describe.each(engines())("contacts and segments from the command line on %s", (engine) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  let db: string;
  const verity = (args: string[]) => verityInProcess(["--db", db, ...args], ENV);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-cli-campaigns-"));
    if (engine === "postgres") {
      pg = await createTestDatabase();
      db = pg.url;
    } else {
      db = join(dir, "campaigns.duckdb");
    }
    const files = await writeFixture(FIXTURE);
    try {
      const imported = await verity(["import", files, "--format", "verity"]);
      expect(imported.code, imported.stderr).toBe(0);
    } finally {
      await rm(files, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a bad row stops a contacts import, naming file, line and column, and nothing is written", async () => {
    const file = join(dir, "contacts-bad.csv");
    await writeFile(
      file,
      "email,consent_at,consent_source\nkim@k.example,2025-01-01,webinar\nkim at k.example,2025-01-02,webinar\n",
    );
    const bad = await verity(["contact", "import", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}, line 3, column email: "kim at k.example" is not an email address`);
    const noConsent = join(dir, "no-consent.csv");
    await writeFile(noConsent, "email,first_name\nkim@k.example,Kim\n");
    const refused = await verity(["contact", "import", noConsent]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no column with the time each contact opted in/);
    // An opt-in in the future would outrank later unsubscribes; an invisible character would
    // make an address that never joins its lead.
    const future = join(dir, "future.csv");
    await writeFile(future, "email,consent_at,consent_source\nkim@k.example,2100-01-01,form\n");
    const late = await verity(["contact", "import", future]);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain(`${future}, line 2, column consent_at: 2100-01-01 00:00:00 is in the future`);
    const hidden = join(dir, "hidden.csv");
    await writeFile(hidden, "email,consent_at,consent_source\nkim\u200b@k.example,2025-01-01,form\n");
    expect((await verity(["contact", "import", hidden])).stderr).toContain("line 2, column email");
    expect((await verity(["contact", "status", "--json"])).stdout).toContain('"contacts": 0');
  });

  test("contacts from a CSV and a Mailchimp export, with its unsubscribes and bounces", async () => {
    const file = join(dir, "contacts.csv");
    await writeFile(file, "Email,First Name,Company\nKim@K.example,Kim,K Ltd\n");
    const plain = await verity([
      "contact",
      "import",
      file,
      "--consent-source",
      "fair 2025",
      "--consented-at",
      "2025-01-01",
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain("imported 1 contacts (1 new) and 0 suppressions");
    const mailchimp = await verity(["contact", "import", MAILCHIMP]);
    expect(mailchimp.code, mailchimp.stderr).toBe(0);
    // Subscribed: ann, bo, cy; unsubscribed: dee, eve; cleaned: fay.
    expect(mailchimp.stdout).toContain("imported 3 contacts (3 new) and 3 suppressions");
    const status = await verity(["contact", "status"]);
    expect(status.stdout).toContain("4 contacts with a recorded opt-in; suppressed: 1 bounced, 2 unsubscribed");
  });

  test("a segment saved, previewed, listed and removed; a typo refused naming the part", async () => {
    const typo = await verity(["segment", "add", "demo-stage", "--where", '{"lead":{"stage":["Demoo"]}}']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('definition.lead.stage[0]: no stage is called "Demoo"');
    const shape = await verity(["segment", "add", "x", "--where", '{"lead":{"stage":"Demo"}}']);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toContain("--where.lead.stage");

    const add = await verity(["segment", "add", "open-leads", "--where", '{"lead":{"status":["open"]}}']);
    expect(add.code, add.stderr).toBe(0);
    // l1 (ann: a Mailchimp opt-in), l2 (kim: the CSV's), l3 (dee: unsubscribed in Mailchimp, so
    // only a suppression of the hash, no contact).
    expect(add.stdout, add.stdout).toMatch(
      /saved segment open-leads[^\n]*\n {2}3 people match\n {2}2 can be mailed\n {2}1 without a recorded opt-in/,
    );
    const preview = await verity(["segment", "preview", "open-leads", "--json"]);
    const p = JSON.parse(preview.stdout);
    expect(p).toMatchObject({ matched: 3, mailable: 2, withoutOptIn: 1, suppressed: { unsubscribed: 0 } });
    expect(p.sample.map((s: { address: string }) => s.address).sort()).toEqual([
      "ann.buyer@acme.example",
      "kim@k.example",
    ]);

    const definitionFile = join(dir, "segment.json");
    await writeFile(definitionFile, JSON.stringify({ not: { lead: {} } }));
    const fromFile = await verity(["segment", "preview", "--where", `@${definitionFile}`, "--json"]);
    // Bo and cy (Mailchimp contacts) are no leads; eve and fay are known only as suppressed hashes.
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ matched: 2, mailable: 2 });

    expect((await verity(["segment", "list"])).stdout).toContain('open-leads\t\t{"lead":{"status":["open"]}}');
    const missing = await verity(["segment", "preview", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no segment "nope" (segments: open-leads)');
    expect((await verity(["segment", "remove", "open-leads"])).stdout).toContain("removed segment open-leads");
    expect((await verity(["segment", "list"])).stdout).toContain("has no segments yet");
  });

  test("forget erases the address for good", async () => {
    expect((await verity(["contact", "forget", "KIM@k.example"])).stdout).toContain("forgot KIM@k.example");
    const file = join(dir, "again.csv");
    await writeFile(file, "email,consent_at,consent_source\nkim@k.example,2026-01-01,form\n");
    const again = await verity(["contact", "import", file]);
    expect(again.stdout).toContain("imported 0 contacts (0 new)");
    expect(again.stdout).toContain("1 asked to be forgotten: not stored, never mailed");
  });

  test("campaign bounces --maildir reads a Maildir's new messages; a folder that is none is refused", async () => {
    const none = await verity(["campaign", "bounces", "--maildir", dir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`${dir} is not a Maildir (it has no new/ folder)`);
    expect((await verity(["campaign", "bounces"])).stderr).toContain("or --maildir DIR");
    const maildir = join(dir, "Maildir");
    await mkdir(join(maildir, "new"), { recursive: true });
    await writeFile(join(maildir, "new", "1.host"), "From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n");
    const read = await verity(["campaign", "bounces", "--maildir", maildir]);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain(`1 new messages in ${maildir}`);
    expect(read.stdout).toContain(
      "1 no bounce report (this workspace's reports marked read, the rest left unread in cur/)",
    );
    expect(await readdir(join(maildir, "cur"))).toEqual(["1.host:2,"]);
  });
});

test("the bin exits 1 on a definition that is not JSON, and says where", async () => {
  const dir = await mkdtemp(join(tmpdir(), "verity-cli-campaigns-bin-"));
  try {
    const result = await promisify(execFile)(
      process.execPath,
      [BIN, "--db", join(dir, "x.duckdb"), "segment", "preview", "--where", "{lead"],
      { env: { ...process.env, ...ENV } },
    ).catch((error: { code: number; stderr: string }) => error);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/^verity: --where: is not JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
