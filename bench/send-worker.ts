/**
 * One measured run of bench:send, in a process of its own (so its peak memory is its own):
 *
 *   send-worker.ts verity PORT N DB      Verity's `campaign send` work: the outbox snapshot of N
 *                                        opted-in contacts, the journal, signed links, merge
 *                                        fields, outcomes written back, through its pool
 *   send-worker.ts baseline PORT N       nodemailer alone: the same pool settings and the same
 *                                        messages (subject, both bodies, headers, the same
 *                                        sizes), sent in a plain loop that hands one over
 *                                        whenever the pool has a free connection
 *
 * Prints `{"ms":..., "sent":..., "peakRssMb":...}`. The verity mode first sets up the database
 * (contacts, segment, settings, campaign: not timed); DB is a DuckDB file, or with
 * BENCH_DATABASE_URL that PostgreSQL database (made afresh by the driver).
 */
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool";
import { createCampaign } from "../src/campaigns/campaigns.js";
import { writeContacts } from "../src/campaigns/contacts.js";
import { saveSegment } from "../src/campaigns/segments.js";
import { sendCampaign } from "../src/campaigns/sender.js";
import { checkSettings, saveSmtpSettings, transportOptions } from "../src/campaigns/smtp-settings.js";
import { openStore } from "../src/store/open-store.js";
import { sql } from "../src/store/sql.js";

export const CONNECTIONS = 5;
export const SUBJECT = "{{first_name|Hello}}, the scheduling module is out";
export const HTML = `<html><body><p>Hi {{first_name|there}},</p>
<p>Field teams at {{company}} lose an hour a day to double bookings. Our new scheduling module ends that:
every visit planned once, seen by the whole team, moved with a drag.</p>
<p><a href="https://www.brightwater.example/demo?from=newsletter">Book a 20-minute demo</a> or
<a href="https://www.brightwater.example/pricing">see what it costs</a>.</p>
<p>Regards,<br>Anna Berg, Brightwater</p></body></html>`;
export const TEXT = `Hi {{first_name|there}},

Field teams at {{company}} lose an hour a day to double bookings. Our new scheduling module ends that.

Book a 20-minute demo: https://www.brightwater.example/demo?from=newsletter
See what it costs: https://www.brightwater.example/pricing
`;

const address = (i: number) => `person.${i}@company-${i % 997}.example`;
const first = (i: number) => ["Anna", "Lars", "Maja", "Erik", "Sara"][i % 5] as string;
const company = (i: number) => `Company ${i % 997} AB`;

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function verity(port: number, n: number, db: string): Promise<void> {
  const store = await openStore(
    db.startsWith("postgres") ? { engine: "postgres", url: db } : { engine: "duckdb", path: db },
  );
  const w = "bench";
  await writeContacts(store, w, {
    contacts: Array.from({ length: n }, (_, i) => ({
      address: address(i),
      firstName: first(i),
      lastName: null,
      company: company(i),
      consentAt: "2025-01-01 00:00:00",
      consentSource: "bench",
    })),
    suppressions: [],
    notes: [],
  });
  await store.execute(
    sql`INSERT INTO newsletter_subscribers (workspace_id, id, source_system, email_hash, subscribed_at)
        SELECT workspace_id, email_hash, 'bench', email_hash, consent_at FROM mail_contacts WHERE workspace_id = ${w}`,
  );
  await saveSegment(store, w, { name: "subscribers", definition: { subscriber: {} } }, { by: null });
  await saveSmtpSettings(
    store,
    w,
    checkSettings({
      host: "127.0.0.1",
      port,
      security: "none",
      fromAddress: "news@brightwater.example",
      fromName: "Brightwater",
      publicUrl: "https://verity.brightwater.example",
      maxConnections: CONNECTIONS,
    }),
  );
  await createCampaign(
    store,
    w,
    { name: "launch", segment: "subscribers", subject: SUBJECT, html: HTML, text: TEXT },
    null,
  );
  const journalDir = await mkdtemp(join(tmpdir(), "verity-bench-journal-"));
  const started = performance.now();
  const result = await sendCampaign(store, w, "launch", { journalDir });
  const ms = performance.now() - started;
  await store.close();
  process.stdout.write(`${JSON.stringify({ ms, sent: result.counts.sent, peakRssMb: peakRssMb() })}\n`);
}

/** The same message Verity builds, made by plain string work (links and unsubscribe URLs of the same length). */
function plainMessage(i: number) {
  const token = `${Buffer.from(`c\nbench\nc0123456789ab\n${i}\n0`).toString("base64url")}.${"x".repeat(22)}`;
  const link = `https://verity.brightwater.example/c/${token}`;
  const unsubscribe = `https://verity.brightwater.example/u/${token}`;
  const fill = (text: string) =>
    text
      .replaceAll(/\{\{first_name\|[^}]*\}\}/g, first(i))
      .replaceAll("{{company}}", company(i))
      .replaceAll(/https:\/\/www\.brightwater\.example\/[a-z?=]+/g, link);
  return {
    from: { name: "Brightwater", address: "news@brightwater.example" },
    to: address(i),
    subject: fill(SUBJECT),
    html: `${fill(HTML)}\n<p style="font-size:12px;color:#666">To stop these emails, <a href="${unsubscribe}">unsubscribe</a>.</p>`,
    text: `${fill(TEXT)}\n--\nTo stop these emails: ${unsubscribe}\n`,
    messageId: `<verity.c0123456789ab.${i}@brightwater.example>`,
    headers: {
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "X-Verity-Campaign": "c0123456789ab",
    },
  };
}

async function baseline(port: number, n: number): Promise<void> {
  const settings = checkSettings({
    host: "127.0.0.1",
    port,
    security: "none",
    fromAddress: "news@brightwater.example",
    publicUrl: "https://verity.brightwater.example",
    maxConnections: CONNECTIONS,
  });
  const transport = createTransport(transportOptions(settings) as SMTPPool.Options);
  const started = performance.now();
  let sent = 0;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  for (let i = 0; i < n; i++) {
    while (inFlight >= CONNECTIONS)
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    inFlight += 1;
    transport
      .sendMail(plainMessage(i))
      .then(() => {
        sent += 1;
      })
      .finally(() => {
        inFlight -= 1;
        const w = wake;
        wake = null;
        w?.();
      });
  }
  while (inFlight > 0)
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  const ms = performance.now() - started;
  transport.close();
  process.stdout.write(`${JSON.stringify({ ms, sent, peakRssMb: peakRssMb() })}\n`);
}

const [mode, port, n, db] = process.argv.slice(2);
if (mode === "verity") await verity(Number(port), Number(n), db as string);
else if (mode === "baseline") await baseline(Number(port), Number(n));
else throw new Error("usage: send-worker.ts verity|baseline PORT N [DB]");
