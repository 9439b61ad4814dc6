/**
 * Sending a campaign to a real SMTP server on loopback (test/support/smtp-sink.ts), on every
 * engine, checked message by message: headers (RFC 8058's two exact lines, a stable
 * Message-ID), both bodies with their merge fields, signed links that verify and point at the
 * campaign's stored links; suppressed and unconsented people not mailed; the server's answers
 * (a bounce, temporary refusals then success, a policy refusal, refusals until the retries run
 * out); bad SMTP settings that send nothing and write nothing.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ParsedMail, simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { applyMaildir, applyReports, readReport } from "../src/campaigns/bounces.js";
import { campaignNamed, createCampaign, outboxCounts } from "../src/campaigns/campaigns.js";
import { forgetContact, writeContacts } from "../src/campaigns/contacts.js";
import { findLinkKey, readLink, verifyLink } from "../src/campaigns/links.js";
import { snapshotRecipients } from "../src/campaigns/outbox.js";
import { campaignResults } from "../src/campaigns/results.js";
import { saveSegment } from "../src/campaigns/segments.js";
import { classify, sendCampaign } from "../src/campaigns/sender.js";
import { checkSettings, saveSmtpSettings } from "../src/campaigns/smtp-settings.js";
import { hashIdentity } from "../src/ingest/identity.js";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { complaint, dsn } from "./support/dsn.js";
import { BASE, type LoadedFixture, lead, loadFixture, WORKSPACE } from "./support/metric-fixtures.js";
import { type Sink, startSink } from "./support/smtp-sink.js";

const PUBLIC = "http://127.0.0.1:8787";
const HTML = `<html><body><p>Hi {{first_name|there}},</p>
<p>Our scheduling module is out: <a href="https://www.brand.example/demo?x=1&amp;y=2">book a demo</a>
or <a href='https://www.brand.example/pricing'>see prices</a>.</p></body></html>`;
const TEXT = "Hi {{first_name|there}} from {{company}},\nBook a demo: https://www.brand.example/demo?x=1&y=2.\n";

const who = ["ann", "bob", "cy", "dee", "eve"];
const addr = (w: string) => `${w}@x.test`;

const FIXTURE = {
  ...BASE,
  leads: who.map((w, i) => lead({ id: `l-${w}`, contact: addr(w), created_at: `2025-0${i + 1}-01`, stage_id: "new" })),
};

describe.each(engines())("sending a campaign on %s", (engine) => {
  let f: LoadedFixture;
  let sink: Sink;
  let journalDir: string;
  let n = 0;

  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
    journalDir = await mkdtemp(join(tmpdir(), "verity-journal-"));
    await writeContacts(f.store, WORKSPACE, {
      contacts: who
        .filter((w) => w !== "eve") // eve never opted in
        .map((w) => ({
          address: addr(w),
          firstName: w === "ann" ? "Ann <b>" : w === "bob" ? null : w.toUpperCase(),
          lastName: null,
          company: w === "ann" ? "Acme & Co" : null,
          consentAt: "2025-01-01 00:00:00",
          consentSource: "test",
        })),
      // dee unsubscribed after opting in.
      suppressions: [{ address: addr("dee"), reason: "unsubscribed", since: "2025-06-01 00:00:00", source: "test" }],
      notes: [],
    });
    await saveSegment(f.store, WORKSPACE, { name: "everyone", definition: { lead: {} } }, { by: null });
  }, 120_000);
  afterAll(async () => {
    await f?.dispose();
    await rm(journalDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await sink?.close();
  });

  /** A fresh sink, settings pointing at it, and a new campaign to the segment. */
  const prepare = async (settings: Record<string, unknown> = {}, trackOpens = false) => {
    sink = await startSink();
    await saveSmtpSettings(
      f.store,
      WORKSPACE,
      checkSettings({
        host: "127.0.0.1",
        port: sink.port,
        security: "none",
        fromAddress: "news@brand.example",
        fromName: "Brand",
        publicUrl: PUBLIC,
        ...settings,
      }),
    );
    n += 1;
    const { campaign } = await createCampaign(
      f.store,
      WORKSPACE,
      { name: `c${n}`, segment: "everyone", subject: "{{first_name|Hello}}, news", html: HTML, text: TEXT, trackOpens },
      null,
    );
    // Earlier campaigns' bounces suppress addresses for later ones: each test starts clean.
    await f.store.execute(sql`DELETE FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND reason = 'bounced'`);
    return campaign;
  };
  const parse = (raw: string): Promise<ParsedMail> => simpleParser(raw);
  const headerLine = (m: ParsedMail, name: string) =>
    // Unfolded (a long header is folded onto the next line, RFC 5322 2.2.3).
    m.headerLines.filter((h) => h.key === name.toLowerCase()).map((h) => h.line.replace(/\r?\n[ \t]+/g, " "));

  test("each consenting, unsuppressed contact gets one message, checked header by header", async () => {
    const campaign = await prepare();
    const result = await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir });
    expect(result).toMatchObject({ status: "sent", snapshot: 3 });
    expect(result.counts).toMatchObject({ sent: 3, queued: 0, retry: 0, failed: 0, bounced: 0, uncertain: 0 });
    // A run that ended cleanly leaves no journal to be applied again over later changes.
    expect(await readdir(journalDir)).toEqual([]);
    // ann, bob, cy: dee unsubscribed, eve never opted in.
    expect(sink.received.map((r) => r.to[0]).sort()).toEqual([addr("ann"), addr("bob"), addr("cy")]);
    const key = (await findLinkKey(f.store, WORKSPACE)) as string;
    const stored = (await campaignNamed(f.store, WORKSPACE, campaign.name)).links;
    expect(stored).toEqual(["https://www.brand.example/demo?x=1&y=2", "https://www.brand.example/pricing"]);
    const recipients = new Set<number>();
    for (const r of sink.received) {
      expect(r.from).toBe("news@brand.example");
      const m = await parse(r.raw);
      const to = r.to[0] as string;
      // RFC 8058: exactly one of each, byte for byte; the URL is https or this machine's.
      expect(headerLine(m, "List-Unsubscribe-Post")).toEqual(["List-Unsubscribe-Post: List-Unsubscribe=One-Click"]);
      const unsubscribe = headerLine(m, "List-Unsubscribe");
      expect(unsubscribe).toHaveLength(1);
      const url = /^List-Unsubscribe: +<(http:\/\/127\.0\.0\.1:8787\/u\/([^>]+))>$/.exec(unsubscribe[0] as string);
      expect(url, unsubscribe[0]).not.toBeNull();
      const claim = readLink(url?.[2] as string, "u");
      expect(claim).toMatchObject({ workspace: WORKSPACE, campaign: campaign.id });
      expect(verifyLink(key, claim as NonNullable<typeof claim>, url?.[2] as string)).toBe(true);
      recipients.add(claim?.recipient as number);
      expect(m.messageId).toBe(`<verity.${campaign.id}.${claim?.recipient}@brand.example>`);
      expect(m.headers.get("x-verity-campaign")).toBe(campaign.id);
      expect((m.from?.value ?? [])[0]).toEqual({ address: "news@brand.example", name: "Brand" });
      // Merge fields: ann's name HTML-escaped in the HTML, as is in the subject and text.
      const first = to === addr("ann") ? "Ann <b>" : to === addr("cy") ? "CY" : null;
      expect(m.subject).toBe(`${first ?? "Hello"}, news`);
      expect(m.text).toContain(`Hi ${first ?? "there"} from ${to === addr("ann") ? "Acme & Co" : ""},`);
      expect(m.html).toContain(`Hi ${to === addr("ann") ? "Ann &lt;b&gt;" : (first ?? "there")},`);
      expect(m.html).not.toContain("{{");
      // Links: every brand link is a signed redirect to this recipient's click of its index.
      expect(m.html).not.toContain("https://www.brand.example");
      expect(m.text).not.toContain("https://www.brand.example");
      const clicks = [
        ...`${m.html}\n${m.text}`.matchAll(/http:\/\/127\.0\.0\.1:8787\/c\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22})/g),
      ];
      expect(clicks.length).toBe(3); // two in the HTML, one in the text
      for (const [, token] of clicks) {
        const c = readLink(token as string, "c");
        expect(c && verifyLink(key, c, token as string)).toBe(true);
        expect(c?.recipient).toBe(claim?.recipient);
      }
      expect(clicks.map(([, t]) => readLink(t as string, "c")?.link)).toEqual([0, 1, 0]);
      // The visible unsubscribe link (added to both bodies) is the header's.
      expect(m.html).toContain(`href="${url?.[1]}"`);
      expect(m.text).toContain(url?.[1]);
    }
    expect(recipients.size).toBe(3);
    // Sending again: the campaign was sent.
    await expect(sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir })).rejects.toThrow(/was sent already/);
    expect(sink.received).toHaveLength(3);
  });

  test("results by what matters: clicks, visits, and the leads the clickers became within the window", async () => {
    const campaign = await prepare();
    await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir });
    const sent = await campaignNamed(f.store, WORKSPACE, campaign.name);
    const started = Date.parse(sent.startedAt as string);
    const at = (days: number) => new Date(started + days * 86_400_000).toISOString();
    const recipient = async (who: string) =>
      Number(
        (
          await f.store.query<{ r: number }>(
            sql`SELECT recipient_id AS r FROM campaign_outbox WHERE workspace_id = ${WORKSPACE} AND campaign_id = ${campaign.id}
                AND email_hash = ${hashIdentity(addr(who))}`,
          )
        )[0]?.r,
      );
    const click = async (who: string, days: number, link = 0) =>
      f.store.execute(
        sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
            VALUES (${WORKSPACE}, ${campaign.id}, ${await recipient(who)}, 'click', ${link}, CAST(${at(days)} AS TIMESTAMP))`,
      );
    // ann clicks twice (two links), cy once; bob unsubscribes.
    await click("ann", 1);
    await click("ann", 1.1, 1);
    await click("cy", 2);
    await f.store.execute(
      sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
          VALUES (${WORKSPACE}, ${campaign.id}, ${await recipient("bob")}, 'unsubscribe', -1, CAST(${at(1)} AS TIMESTAMP))`,
    );
    const newLead = (id: string, contact: string | null, days: number, extra: Record<string, unknown> = {}) =>
      f.store.execute(
        sql`INSERT INTO leads (workspace_id, id, source_system, external_id, contact, contact_hash, pipeline_id, stage_id,
              status, created_at, qualified_at, closed_at, value, currency, utm_medium, utm_campaign)
            VALUES (${WORKSPACE}, ${id}, 'test', ${id}, ${contact}, ${contact ? hashIdentity(contact) : null}, 'p', 'new',
              ${(extra.status as string) ?? "open"}, CAST(${at(days)} AS TIMESTAMP),
              ${extra.qualified ? sql`CAST(${at(days + 1)} AS TIMESTAMP)` : null},
              ${extra.status === "won" ? sql`CAST(${at(days + 5)} AS TIMESTAMP)` : null},
              ${(extra.value as number) ?? null}, ${extra.value ? "EUR" : null},
              ${(extra.medium as string) ?? null}, ${(extra.campaign as string) ?? null})`,
      );
    await newLead(`r-ann-${campaign.id}`, addr("ann"), 3, { status: "won", value: 1200, qualified: true }); // clicked 2 days before
    await newLead(`r-cy-${campaign.id}`, addr("cy"), 40); // 38 days after the click: outside the window
    await newLead(`r-bob-${campaign.id}`, addr("bob"), 3); // no click
    await newLead(`r-utm-${campaign.id}`, null, 4, {
      medium: "email",
      campaign: campaign.utmCampaign,
      qualified: true,
    });
    await newLead(`r-old-${campaign.id}`, addr("ann"), -1); // before sending started
    await f.store.execute(
      sql`INSERT INTO visits (workspace_id, visit_id, source_system, visitor_id, started_at, utm_medium, utm_campaign, visit_number)
          VALUES (${WORKSPACE}, ${`v1-${campaign.id}`}, 'test', 'x', CAST(${at(1)} AS TIMESTAMP), 'email', ${campaign.utmCampaign}, 1),
                 (${WORKSPACE}, ${`v2-${campaign.id}`}, 'test', 'y', CAST(${at(1)} AS TIMESTAMP), 'social', ${campaign.utmCampaign}, 1)`,
    );
    expect(await campaignResults(f.store, WORKSPACE, sent)).toEqual({
      attributionDays: 30,
      sent: 3,
      delivered: 3,
      bounced: 0,
      complaints: 0,
      unsubscribed: 1,
      clicks: 3,
      uniqueClickers: 2,
      visits: 1,
      leads: 2,
      qualifiedLeads: 2,
      wonLeads: 1,
      wonValue: 1200,
      opens: null,
      uniqueOpeners: null,
    });
    // A wider window takes cy's lead in.
    expect((await campaignResults(f.store, WORKSPACE, sent, 45)).leads).toBe(3);
  });

  test("a campaign that tracks opens carries a signed pixel before </body>; its loads count, beside the rest, as opens", async () => {
    const campaign = await prepare({}, true);
    await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir });
    const key = (await findLinkKey(f.store, WORKSPACE)) as string;
    const recipients: number[] = [];
    for (const r of sink.received) {
      const m = await parse(r.raw);
      const pixel = /<img src="http:\/\/127\.0\.0\.1:8787\/o\/([^"]+)" width="1" height="1" alt=""[^>]*><\/body>/.exec(
        String(m.html),
      );
      expect(pixel, String(m.html)).not.toBeNull();
      const claim = readLink(pixel?.[1] as string, "o");
      expect(claim).toMatchObject({ kind: "o", workspace: WORKSPACE, campaign: campaign.id, link: 0 });
      expect(verifyLink(key, claim as NonNullable<typeof claim>, pixel?.[1] as string)).toBe(true);
      // Not a click link: a pixel token does not pass as one.
      expect(readLink(pixel?.[1] as string, "c")).toBeNull();
      // The text body has no pixel.
      expect(m.text).not.toContain("/o/");
      recipients.push(claim?.recipient as number);
    }
    expect(recipients).toHaveLength(3);
    const open = (recipient: number, minutes: number) =>
      f.store.execute(
        sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
            VALUES (${WORKSPACE}, ${campaign.id}, ${recipient}, 'open', -1,
              CAST(${new Date(Date.now() + minutes * 60_000).toISOString()} AS TIMESTAMP))`,
      );
    await open(recipients[0] as number, 1);
    await open(recipients[0] as number, 2);
    await open(recipients[1] as number, 1);
    const results = await campaignResults(f.store, WORKSPACE, await campaignNamed(f.store, WORKSPACE, campaign.name));
    expect(results).toMatchObject({ sent: 3, opens: 3, uniqueOpeners: 2, clicks: 0, leads: 0 });
  });

  test("bounce reports that come back later: hard bounces and complaints suppress, others count, strangers do nothing", async () => {
    const campaign = await prepare();
    await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir });
    const idOf = async (who: string) => {
      const m = sink.received.find((r) => r.to[0] === addr(who));
      return (await parse(m?.raw as string)).messageId as string;
    };
    const reports = [
      await readReport(dsn({ messageId: await idOf("ann"), recipient: addr("ann") })),
      await readReport(
        dsn({
          messageId: await idOf("bob"),
          recipient: addr("bob"),
          status: "5.7.1",
          diagnostic: "smtp; 550 5.7.1 spam",
        }),
      ),
      await readReport(dsn({ messageId: await idOf("cy"), recipient: addr("cy"), action: "delayed", status: "4.4.1" })),
      // Another address than the message's: not applied.
      await readReport(dsn({ messageId: await idOf("cy"), recipient: "someone@else.test" })),
      // A message not of Verity's.
      await readReport(dsn({ messageId: "<abc@elsewhere.test>", recipient: addr("cy") })),
      await readReport(complaint({ messageId: await idOf("cy"), recipient: addr("cy") })),
      // Naming no recipient: anyone could send it (a Message-ID of Verity's form is easy to
      // make), so it suppresses nobody.
      await readReport(
        dsn({ messageId: await idOf("bob"), recipient: addr("bob") }).replace(
          /^(Final|Original)-Recipient:.*\r\n/gm,
          "",
        ),
      ),
    ];
    expect(reports.map((r) => r?.kind)).toEqual(["dsn", "dsn", "dsn", "dsn", "dsn", "complaint", "dsn"]);
    expect(reports[6]?.recipients.map((r) => r.finalRecipient)).toEqual([null]);
    expect(reports[0]?.recipients).toEqual([
      {
        finalRecipient: addr("ann"),
        action: "failed",
        status: "5.1.1",
        diagnostic: `smtp; 550 5.1.1 <${addr("ann")}>: Recipient address rejected: User unknown`,
      },
    ]);
    expect(await readReport("From: a@b.example\r\nSubject: hi\r\n\r\nJust a message.\r\n")).toBeNull();
    const summary = await applyReports(f.store, WORKSPACE, reports as NonNullable<(typeof reports)[number]>[]);
    expect(summary).toEqual({ reports: 7, hard: 1, soft: 1, complaints: 1, unmatched: 3, ignored: 1 });
    const suppressed = await f.store.query<{ email_hash: string; reason: string }>(
      sql`SELECT email_hash, reason FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND reason IN ('bounced', 'complained')
          ORDER BY reason`,
    );
    expect(suppressed).toEqual([
      { email_hash: hashIdentity(addr("ann")), reason: "bounced" },
      { email_hash: hashIdentity(addr("cy")), reason: "complained" },
    ]);
    const results = await campaignResults(f.store, WORKSPACE, await campaignNamed(f.store, WORKSPACE, campaign.name));
    expect(results).toMatchObject({ sent: 3, delivered: 1, bounced: 2, complaints: 1 });
    // The same reports again change nothing.
    await applyReports(f.store, WORKSPACE, reports as NonNullable<(typeof reports)[number]>[]);
    expect(
      (await campaignResults(f.store, WORKSPACE, await campaignNamed(f.store, WORKSPACE, campaign.name))).bounced,
    ).toBe(2);
    await f.store.execute(
      sql`DELETE FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND reason IN ('bounced', 'complained')`,
    );
  });

  test("a bounce mailbox as a Maildir: new messages read, applied, and marked read; the next run reads only what came since", async () => {
    const campaign = await prepare();
    await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir });
    const idOf = async (who: string) =>
      (await parse(sink.received.find((r) => r.to[0] === addr(who))?.raw as string)).messageId as string;
    const maildir = await mkdtemp(join(tmpdir(), "verity-maildir-"));
    try {
      await expect(applyMaildir(f.store, WORKSPACE, maildir)).rejects.toThrow(
        /is not a Maildir \(it has no new\/ folder\)/,
      );
      await mkdir(join(maildir, "new"));
      await writeFile(
        join(maildir, "new", "1700000000.1.host"),
        dsn({ messageId: await idOf("ann"), recipient: addr("ann") }),
      );
      await writeFile(
        join(maildir, "new", "1700000000.2.host"),
        "From: a@b.example\r\nSubject: hi\r\n\r\nout of office\r\n",
      );
      await writeFile(join(maildir, "new", ".hidden"), "not a message");
      expect(await applyMaildir(f.store, WORKSPACE, maildir)).toEqual({
        reports: 1,
        hard: 1,
        soft: 0,
        complaints: 0,
        unmatched: 0,
        ignored: 0,
        messages: 2,
        notReports: 1,
      });
      expect((await readdir(join(maildir, "new"))).sort()).toEqual([".hidden"]);
      // The report read and applied is marked seen; the message that is none is left unseen.
      expect((await readdir(join(maildir, "cur"))).sort()).toEqual(["1700000000.1.host:2,S", "1700000000.2.host:2,"]);
      expect(
        (await campaignResults(f.store, WORKSPACE, await campaignNamed(f.store, WORKSPACE, campaign.name))).bounced,
      ).toBe(1);
      // Read again: nothing new.
      expect(await applyMaildir(f.store, WORKSPACE, maildir)).toMatchObject({ messages: 0, reports: 0 });
    } finally {
      await rm(maildir, { recursive: true, force: true });
      await f.store.execute(
        sql`DELETE FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND reason = 'bounced'`,
      );
    }
  });

  test("the server's answers: a bounce suppresses, temporary refusals are retried, a policy refusal fails", async () => {
    const campaign = await prepare();
    sink.script.set(addr("ann"), {
      rcpt: { code: 550, text: "5.1.1 <ann@x.test>: Recipient address rejected: User unknown" },
    });
    sink.script.set(addr("bob"), { rcpt: { code: 451, text: "4.3.0 Try again later", times: 2 } });
    sink.script.set(addr("cy"), { data: { code: 554, text: "5.7.1 Message rejected as spam" } });
    const result = await sendCampaign(f.store, WORKSPACE, campaign.name, {
      journalDir,
      retryDelaysMs: [30, 30, 30],
      waitForRetries: true,
    });
    expect(result.counts).toMatchObject({ sent: 1, bounced: 1, failed: 1, retry: 0, queued: 0 });
    expect(result.status).toBe("sent");
    expect(sink.received.map((r) => r.to[0])).toEqual([addr("bob")]);
    expect(sink.rcpts.get(addr("bob"))).toBe(3);
    const rows = await f.store.query<{ recipient_id: number; status: string; attempts: number; error: string | null }>(
      sql`SELECT o.recipient_id, o.status, o.attempts, o.error FROM campaign_outbox o
          WHERE o.workspace_id = ${WORKSPACE} AND o.campaign_id = ${campaign.id} ORDER BY o.status`,
    );
    expect(rows.map((r) => [r.status, Number(r.attempts)])).toEqual([
      ["bounced", 1],
      ["failed", 1],
      ["sent", 3],
    ]);
    expect(rows.find((r) => r.status === "failed")?.error).toContain("5.7.1");
    // The bounce suppresses ann for every later campaign; the spam refusal does not suppress cy.
    const suppressed = await f.store.query<{ reason: string; source: string }>(
      sql`SELECT reason, source FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND reason = 'bounced'`,
    );
    expect(suppressed).toEqual([{ reason: "bounced", source: "smtp" }]);
    // Forgetting ann also clears the server's texts that repeat the address.
    await forgetContact(f.store, WORKSPACE, addr("ann"));
    const texts = await f.store.query<{ t: string | null }>(
      sql`SELECT error AS t FROM campaign_outbox WHERE workspace_id = ${WORKSPACE} AND email_hash = ${hashIdentity(addr("ann"))}
          UNION ALL SELECT detail FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND email_hash = ${hashIdentity(addr("ann"))}`,
    );
    expect(texts.filter((r) => r.t?.includes("ann@x.test"))).toEqual([]);
    // ann back as a contact, for the tests after this one.
    await f.store.execute(
      sql`DELETE FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND email_hash = ${hashIdentity(addr("ann"))} AND reason = 'erased'`,
    );
    await f.store.execute(
      sql`INSERT INTO mail_contacts (workspace_id, email_hash, address, first_name, consent_at, consent_source, imported_at)
          VALUES (${WORKSPACE}, ${hashIdentity(addr("ann"))}, ${addr("ann")}, 'Ann <b>', CAST('2025-01-01' AS TIMESTAMP), 'test', CAST('2025-01-01' AS TIMESTAMP))`,
    );
  });

  test("temporary refusals until the retries run out fail the row without suppressing it", async () => {
    const campaign = await prepare();
    sink.script.set(addr("cy"), { rcpt: { code: 452, text: "4.2.2 Mailbox full" } });
    const first = await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir, retryDelaysMs: [60_000, 40] });
    // Without --wait the retry is left for a later run, and said.
    expect(first).toMatchObject({ status: "sending", counts: { sent: 2, retry: 1 } });
    expect(Date.parse(first.nextRetryAt as string)).toBeGreaterThan(Date.now() + 30_000);
    // Its time comes.
    await f.store.execute(
      sql`UPDATE campaign_outbox SET next_attempt_at = CAST(${new Date().toISOString()} AS TIMESTAMP)
          WHERE workspace_id = ${WORKSPACE} AND campaign_id = ${campaign.id} AND status = 'retry'`,
    );
    const done = await sendCampaign(f.store, WORKSPACE, campaign.name, {
      journalDir,
      retryDelaysMs: [40, 40],
      waitForRetries: true,
    });
    expect(done).toMatchObject({ status: "sent", counts: { sent: 2, failed: 1, retry: 0 } });
    expect(sink.rcpts.get(addr("cy"))).toBe(3);
    expect(sink.received).toHaveLength(2);
  });

  test("the sender refused, or policy refusals one after another: the campaign pauses, nobody is suppressed", async () => {
    const campaign = await prepare();
    sink.mailFrom.refuse = { code: 553, text: "5.1.8 <news@brand.example>: Sender address rejected: Domain not found" };
    const paused = await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir });
    expect(paused.status).toBe("paused");
    expect(paused.pausedReason).toMatch(/refuses the sender news@brand\.example: 553 5\.1\.8/);
    expect(paused.counts).toMatchObject({ queued: 3, bounced: 0, failed: 0, sent: 0 });
    expect(
      await f.store.query(
        sql`SELECT * FROM mail_suppressions WHERE workspace_id = ${WORKSPACE} AND reason = 'bounced'`,
      ),
    ).toEqual([]);
    // Mended: sent.
    sink.mailFrom.refuse = null;
    expect((await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir })).counts.sent).toBe(3);
  });

  test("a status code is read only at the start of the reply, in the reply's class", () => {
    const s = checkSettings({
      host: "127.0.0.1",
      port: 25,
      security: "none",
      fromAddress: "a@b.example",
      publicUrl: PUBLIC,
    });
    const err = (responseCode: number, response: string, command = "RCPT TO") => ({ responseCode, response, command });
    expect(classify(err(550, "550 5.1.1 <x@y>: unknown user"), false, s)).toEqual({ kind: "bounced", suppress: true });
    // An address in the text that looks like a status code is not one.
    expect(classify(err(554, "554 client host 5.1.1.20 blocked", "DATA"), false, s)).toEqual({ kind: "failed" });
    expect(classify(err(552, "552 5.2.2 mailbox full"), false, s)).toEqual({ kind: "retry", connection: false });
    expect(classify(err(550, "550 5.7.1 Relaying denied"), false, s)).toEqual({ kind: "failed" });
    expect(classify(err(451, "451 4.3.0 try later"), false, s)).toEqual({ kind: "retry", connection: false });
    expect(classify(err(550, "550 5.7.1 blocked", "MAIL FROM"), false, s).kind).toBe("pause");
    expect(classify({ code: "ECONNECTION" }, true, s)).toEqual({ kind: "uncertain" });
    expect(classify({ code: "ECONNECTION" }, false, s)).toEqual({ kind: "retry", connection: true });
  });

  test("a run elsewhere refuses while the journal of an unfinished run is out of its reach", async () => {
    const campaign = await prepare();
    // As a run on another machine that stopped mid-send leaves it.
    await snapshotRecipients(f.store, WORKSPACE, campaign, new Date());
    await f.store.execute(
      sql`UPDATE campaigns SET journal = 'elsewhere:/srv/verity/outbox/x.journal' WHERE workspace_id = ${WORKSPACE} AND id = ${campaign.id}`,
    );
    await expect(sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir })).rejects.toThrow(
      /did not end cleanly, and its journal .* is on elsewhere at \/srv\/verity\/outbox\/x\.journal: run the send there with --journal-dir \/srv\/verity\/outbox/,
    );
    expect(sink.received).toHaveLength(0);
    const goOn = await sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir, journalLost: true });
    expect(goOn).toMatchObject({ status: "sent", counts: { sent: 3 } });
    const [row] = await f.store.query<{ journal: string | null }>(
      sql`SELECT journal FROM campaigns WHERE workspace_id = ${WORKSPACE} AND id = ${campaign.id}`,
    );
    expect(row?.journal).toBeNull();
  });

  test("bad SMTP settings send nothing and write nothing", async () => {
    const campaign = await prepare();
    await sink.close();
    // Nothing listens on the port any more.
    await expect(sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir })).rejects.toThrow(
      /nothing answers SMTP at 127\.0\.0\.1:\d+.*nothing was sent/,
    );
    // A user whose password variable is not set.
    sink = await startSink({ auth: { user: "u", pass: "right" } });
    await saveSmtpSettings(
      f.store,
      WORKSPACE,
      checkSettings({
        host: "127.0.0.1",
        port: sink.port,
        security: "none",
        username: "u",
        passwordEnv: "VERITY_TEST_SMTP_PASSWORD",
        fromAddress: "news@brand.example",
        publicUrl: PUBLIC,
      }),
    );
    await expect(sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir, env: {} })).rejects.toThrow(
      /needs its password in the environment variable VERITY_TEST_SMTP_PASSWORD/,
    );
    await expect(
      sendCampaign(f.store, WORKSPACE, campaign.name, { journalDir, env: { VERITY_TEST_SMTP_PASSWORD: "wrong" } }),
    ).rejects.toThrow(/refused the user name or password/);
    expect(sink.received).toHaveLength(0);
    expect((await campaignNamed(f.store, WORKSPACE, campaign.name)).status).toBe("draft");
    expect(await outboxCounts(f.store, WORKSPACE, campaign.id)).toMatchObject({ queued: 0, sent: 0 });
    // The right password: sent.
    const ok = await sendCampaign(f.store, WORKSPACE, campaign.name, {
      journalDir,
      env: { VERITY_TEST_SMTP_PASSWORD: "right" },
    });
    expect(ok.counts.sent).toBe(3);
  });

  test("settings that would leak are refused", () => {
    const base = { host: "smtp.example.com", port: 587, fromAddress: "a@b.example", publicUrl: "https://v.example" };
    expect(() => checkSettings({ ...base, security: "none" })).toThrow(/in the clear/);
    expect(() => checkSettings({ ...base, security: "starttls", publicUrl: "http://v.example" })).toThrow(
      /must be https/,
    );
    expect(() => checkSettings({ ...base, security: "tls", fromAddress: "nobody" })).toThrow(/fromAddress/);
    expect(checkSettings({ ...base, security: "starttls", username: "me" }).passwordEnv).toBe("VERITY_SMTP_PASSWORD");
  });
});
