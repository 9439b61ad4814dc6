/**
 * Visits and identities from a Segment-style export's events. Sessions need each visitor's
 * events in time order, and an export is in no such order and may not fit in memory; so the
 * events go into a scratch in-memory DuckDB database that spills to a temporary directory
 * past its memory budget (512 MB), and visits are cut there with window functions, then written out as the
 * canonical visits.csv and visitor_identities.csv the loader reads.
 *
 * The rules (docs: the segment format's section):
 * - Events with the same messageId are one event (Segment delivers at least once).
 * - Visitor: the anonymousId; an event with only a userId (server-side calls, PostHog's
 *   identified events) belongs to the anonymousId that userId was first seen with (on an
 *   event carrying both, an identify or an alias), else the userId stands for the visitor.
 * - Views (page, screen) and tracks make visits, in order of time: a new one after more than
 *   `gapMinutes` without any, or at an event whose campaign (utm_*) differs from the last one
 *   the visitor carried (as Google Analytics does). A visit without a view (server-side
 *   tracks alone) is not a website visit: left out and counted.
 * - visit_id `segment:<visitor>:<first event's messageId, or its time>`: the same export
 *   gives the same ids, so a re-import changes nothing.
 * - Identities: the first time a visitor's event names an email (traits.email,
 *   context.traits.email, PostHog $set.email) or a userId, each hashed, in the visitor's visit
 *   begun last before that time (else their first).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { FlatEvent } from "./events.js";

export const VISIT_COLUMNS = [
  "visit_id",
  "visitor_id",
  "started_at",
  "landing_url",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_content",
  "utm_term",
  "pageviews",
] as const;
export const IDENTITY_COLUMNS = ["visitor_id", "email_hash", "visit_id", "identified_at"] as const;

export type SessionCounts = {
  visits: number;
  identities: number;
  duplicates: number;
  /** Events in runs without a view (server-side tracks alone). */
  withoutView: number;
  /** Identities of visitors with no visit. */
  identitiesWithoutVisit: number;
  /** Group calls and PostHog's other bookkeeping events. */
  other: number;
};

/** The events of one import, in a scratch DuckDB database until the visits are written. */
export class EventStore {
  private constructor(
    private readonly dir: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly appender: DuckDBAppender,
  ) {}

  private seq = 0;

  /** A scratch database: in memory (a file made it 2-3 times slower), spilling to `dir`. */
  static async open(): Promise<EventStore> {
    const dir = await mkdtemp(join(tmpdir(), "verity-segment-"));
    try {
      const instance = await DuckDBInstance.create(":memory:", {
        memory_limit: "512MB",
        temp_directory: join(dir, "spill"),
        preserve_insertion_order: "false",
      });
      const connection = await instance.connect();
      await connection.run(`CREATE TABLE events (
        seq BIGINT, kind VARCHAR, ts BIGINT, message_id VARCHAR, anon VARCHAR, user_id VARCHAR, person VARCHAR,
        url VARCHAR, referrer VARCHAR, utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR,
        utm_content VARCHAR, utm_term VARCHAR, campaign_key VARCHAR, email_hash VARCHAR, user_hash VARCHAR)`);
      const appender = await connection.createAppender("events");
      return new EventStore(dir, instance, connection, appender);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Adds an event; `seq` (the order read) breaks ties between events at the same time. */
  add(e: FlatEvent): void {
    const a = this.appender;
    const varchar = (value: string | null) => (value === null ? a.appendNull() : a.appendVarchar(value));
    a.appendBigInt(BigInt(this.seq++));
    a.appendVarchar(e.kind);
    a.appendBigInt(BigInt(e.ts));
    for (const value of [e.messageId, e.anon, e.userId, e.person, e.url, e.referrer]) varchar(value);
    const { source, medium, campaign, content, term } = e.utm;
    for (const value of [source, medium, campaign, content, term]) varchar(value);
    const anyUtm = source ?? medium ?? campaign ?? content ?? term;
    varchar(anyUtm === null ? null : JSON.stringify([source, medium, campaign, content, term]));
    varchar(e.emailHash);
    varchar(e.userHash);
    a.endRow();
  }

  /** Cuts the visits and writes visits.csv and visitor_identities.csv into `outDir`. */
  async sessionize(gapMinutes: number, outDir: string): Promise<SessionCounts> {
    this.appender.closeSync();
    const run = (statement: string) => this.connection.run(statement);
    const count = async (query: string) => {
      const reader = await this.connection.runAndReadAll(query);
      return Number(reader.getRows()[0]?.[0] ?? 0);
    };
    const gapMs = gapMinutes * 60_000;

    const duplicates = await count(
      "SELECT count(*) - count(DISTINCT message_id) FROM events WHERE message_id IS NOT NULL",
    );
    await run(`CREATE TABLE unique_events AS
      SELECT * FROM events
      QUALIFY message_id IS NULL OR row_number() OVER (PARTITION BY message_id ORDER BY seq) = 1`);
    // userId -> the anonymousId it was first seen with.
    await run(`CREATE TABLE links AS
      SELECT user_id AS id, anon FROM unique_events
      WHERE anon IS NOT NULL AND user_id IS NOT NULL
      QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts, seq) = 1`);
    await run(`CREATE TABLE resolved AS
      SELECT e.*, coalesce(e.anon, l.anon, e.user_id, e.person) AS visitor
      FROM unique_events e LEFT JOIN links l ON l.id = coalesce(e.user_id, e.person)`);
    const other = await count("SELECT count(*) FROM resolved WHERE kind = 'other'");

    // A campaign change: an event's campaign differs from the visitor's previous campaign
    // (a lag over the events that carry one; events without one change nothing).
    await run(`CREATE TABLE activity AS
      WITH acts AS (
        SELECT * FROM resolved WHERE kind IN ('view', 'track')
      ), changes AS (
        SELECT seq, campaign_key IS DISTINCT FROM lag(campaign_key) OVER (PARTITION BY visitor ORDER BY ts, seq) AS changed
        FROM acts WHERE campaign_key IS NOT NULL
      ), marked AS (
        SELECT a.*, CASE WHEN lag(a.ts) OVER (PARTITION BY a.visitor ORDER BY a.ts, a.seq) IS NULL
          OR a.ts - lag(a.ts) OVER (PARTITION BY a.visitor ORDER BY a.ts, a.seq) > ${gapMs}
          OR coalesce(c.changed, false) THEN 1 ELSE 0 END AS starts
        FROM acts a LEFT JOIN changes c ON c.seq = a.seq
      )
      SELECT *, sum(starts) OVER (PARTITION BY visitor ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) AS n FROM marked`);
    await run(`CREATE TABLE runs AS
      SELECT c.visitor, c.n, c.views, c.events, f.message_id AS first_message, f.ts AS started
      FROM (SELECT visitor, n, count(*) FILTER (WHERE kind = 'view') AS views, count(*) AS events
            FROM activity GROUP BY visitor, n) c
      JOIN (SELECT visitor, n, message_id, ts FROM activity
            QUALIFY row_number() OVER (PARTITION BY visitor, n ORDER BY ts, seq) = 1) f
        ON f.visitor = c.visitor AND f.n = c.n`);
    const withoutView = await count("SELECT coalesce(sum(events), 0) FROM runs WHERE views = 0");
    await run(`CREATE TABLE visits AS
      WITH first_views AS (
        SELECT * FROM activity WHERE kind = 'view'
        QUALIFY row_number() OVER (PARTITION BY visitor, n ORDER BY ts, seq) = 1
      )
      SELECT 'segment:' || r.visitor || ':' || coalesce(r.first_message, ${isoOf("r.started")}) AS visit_id,
        r.visitor AS visitor_id, r.started, f.url AS landing_url, f.referrer,
        f.utm_source, f.utm_medium, f.utm_campaign, f.utm_content, f.utm_term, r.views AS pageviews
      FROM runs r JOIN first_views f ON f.visitor = r.visitor AND f.n = r.n
      WHERE r.views > 0`);
    await run(`CREATE TABLE identities AS
      WITH named AS (
        SELECT visitor, hash, min(ts) AS named_at FROM (
          SELECT visitor, ts, email_hash AS hash FROM resolved WHERE email_hash IS NOT NULL
          UNION ALL SELECT visitor, ts, user_hash AS hash FROM resolved WHERE user_hash IS NOT NULL)
        GROUP BY visitor, hash
      )
      SELECT i.visitor AS visitor_id, i.hash AS email_hash, v.visit_id, i.named_at
      FROM named i JOIN visits v ON v.visitor_id = i.visitor
      QUALIFY row_number() OVER (
        PARTITION BY i.visitor, i.hash
        ORDER BY CASE WHEN v.started <= i.named_at THEN 0 ELSE 1 END,
                 CASE WHEN v.started <= i.named_at THEN -v.started ELSE v.started END) = 1`);
    const identitiesWithoutVisit = await count(`SELECT count(*) FROM (
        SELECT DISTINCT visitor, hash FROM (
          SELECT visitor, email_hash AS hash FROM resolved WHERE email_hash IS NOT NULL
          UNION ALL SELECT visitor, user_hash FROM resolved WHERE user_hash IS NOT NULL)) n
      WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.visitor_id = n.visitor)`);

    await run(`COPY (
        SELECT visit_id, visitor_id, ${timeOf("started")} AS started_at, landing_url, referrer,
          utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews
        FROM visits ORDER BY visitor_id, started
      ) TO ${literal(join(outDir, "visits.csv"))} (HEADER, DELIMITER ',')`);
    await run(`COPY (
        SELECT visitor_id, email_hash, visit_id, ${timeOf("named_at")} AS identified_at
        FROM identities ORDER BY visitor_id, named_at, email_hash
      ) TO ${literal(join(outDir, "visitor_identities.csv"))} (HEADER, DELIMITER ',')`);
    return {
      visits: await count("SELECT count(*) FROM visits"),
      identities: await count("SELECT count(*) FROM identities"),
      duplicates,
      withoutView,
      identitiesWithoutVisit,
      other,
    };
  }

  async close(): Promise<void> {
    try {
      this.connection.closeSync();
      this.instance.closeSync();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

/** Epoch milliseconds as the canonical files' UTC time (milliseconds kept). */
const timeOf = (column: string) => `strftime(epoch_ms(${column}), '%Y-%m-%d %H:%M:%S.%g')`;
const isoOf = (column: string) => `strftime(epoch_ms(${column}), '%Y-%m-%dT%H:%M:%S.%gZ')`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
