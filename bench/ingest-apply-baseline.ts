/**
 * The ingest bench's engine baseline, in a process of its own: the same tracking events
 * applied with plain hand-written code on the same engine and tables, in batches of the
 * writer's size (10,000 events, one transaction each): every event into tracked_events, the
 * batch's new visits into visits, and one UPDATE of the pageviews of visits already stored.
 * Each visit's number and the time since the visitor's previous visit come from counts kept
 * in memory; no resent-event check, no identities, no lead links, no applied sequence number:
 * the least an application must write to keep these two tables. Two ways to write the rows:
 *
 * - insert: multi-row INSERT ... VALUES with bound parameters, 400 rows a statement (as
 *   Verity stages its batches), on either engine;
 * - appender (DuckDB): the engine's Appender, its bulk path for rows from a program.
 *
 * Prints one JSON line.
 *
 *   tsx bench/ingest-apply-baseline.ts insert|appender TARGET_JSON RECORDS.jsonl WORKSPACE [MAX_EVENTS]
 *
 * MAX_EVENTS applies the first records only (the multi-row INSERT is slow on DuckDB).
 */
import { readFile } from "node:fs/promises";
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { openStore, type StoreTarget } from "../src/store/open-store.js";
import { Sql, type SqlValue, sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import type { LoggedEvent } from "./ingest-events.js";

const [mode, targetJson, recordsFile, workspaceArg, maxArg] = process.argv.slice(2);
if ((mode !== "insert" && mode !== "appender") || !targetJson || !recordsFile || !workspaceArg) {
  throw new Error("usage: ingest-apply-baseline insert|appender TARGET RECORDS WORKSPACE");
}
const workspace: string = workspaceArg;
const target = JSON.parse(targetJson) as StoreTarget;
if (mode === "appender" && target.engine !== "duckdb") throw new Error("the appender is DuckDB's");

type Record = { s: string; at: string; e: LoggedEvent[] };
const BATCH_EVENTS = 10_000;
const ROWS_PER_INSERT = 400;

const maxEvents = maxArg ? Number(maxArg) : Number.POSITIVE_INFINITY;
const records: Record[] = [];
let expectedEvents = 0;
let expectedPageviews = 0;
for (const line of (await readFile(recordsFile, "utf8")).split("\n")) {
  if (line === "") continue;
  const record = JSON.parse(line) as Record;
  if (expectedEvents + record.e.length > maxEvents) break;
  records.push(record);
  expectedEvents += record.e.length;
  expectedPageviews += record.e.filter((e) => e.type === "pageview").length;
}

type Update = [visitId: string, pageviews: number];

/** Multi-row INSERTs with bound parameters through the store, in one transaction. */
async function writeInserts(store: Store, eventRows: SqlValue[][], visitRows: SqlValue[][], updates: Update[]) {
  await store.transaction(async () => {
    const eventCasts = eventRows[0]?.map((_, c) => (c === 6 ? "TIMESTAMP" : null)) ?? [];
    for (let r = 0; r < eventRows.length; r += ROWS_PER_INSERT) {
      await store.execute(
        insert(
          `tracked_events (workspace_id, event_id, site_id, type, visitor_id, visit_id, occurred_at, url, referrer,
            utm_source, utm_medium, utm_campaign, utm_content, utm_term, email_hash, form)`,
          eventRows.slice(r, r + ROWS_PER_INSERT),
          eventCasts,
        ),
      );
    }
    const visitCasts = visitRows[0]?.map((_, c) => (c === 4 ? "TIMESTAMP" : c >= 12 ? "BIGINT" : null)) ?? [];
    for (let r = 0; r < visitRows.length; r += ROWS_PER_INSERT) {
      await store.execute(
        insert(
          `visits (workspace_id, visit_id, source_system, visitor_id, started_at, landing_url, referrer, utm_source,
            utm_medium, utm_campaign, utm_content, utm_term, pageviews, converted_lead_id, visit_number,
            seconds_since_previous)`,
          visitRows.slice(r, r + ROWS_PER_INSERT),
          visitCasts,
        ),
      );
    }
    for (let r = 0; r < updates.length; r += ROWS_PER_INSERT) {
      const list = updates.slice(r, r + ROWS_PER_INSERT).map(([id, add]) => sql`(${id}, CAST(${add} AS BIGINT))`);
      await store.execute(
        sql`UPDATE visits AS v SET pageviews = v.pageviews + u.n
            FROM (VALUES ${list.reduce((a, b) => sql`${a}, ${b}`)}) AS u(visit_id, n)
            WHERE v.workspace_id = ${workspace} AND v.visit_id = u.visit_id`,
      );
    }
  });
}

/** Rows in the table's column order through DuckDB's Appender (numbers as BIGINT, text as VARCHAR). */
function append(appender: DuckDBAppender, rows: SqlValue[][]): void {
  for (const row of rows) {
    for (const value of row) {
      if (value === null) appender.appendNull();
      else if (typeof value === "number") appender.appendBigInt(BigInt(value));
      else appender.appendVarchar(String(value));
    }
    appender.endRow();
  }
  appender.closeSync();
}

/** The same rows through DuckDB's Appender, the increments through a temporary table, in one transaction. */
async function writeAppender(
  connection: DuckDBConnection,
  eventRows: SqlValue[][],
  visitRows: SqlValue[][],
  updates: Update[],
) {
  await connection.run("BEGIN TRANSACTION");
  try {
    append(await connection.createAppender("tracked_events"), eventRows);
    append(await connection.createAppender("visits"), visitRows);
    if (updates.length > 0) {
      await connection.run("CREATE OR REPLACE TEMP TABLE increments (visit_id TEXT, n BIGINT)");
      append(await connection.createAppender("increments", "main", "temp"), updates);
      await connection.run(
        `UPDATE visits AS v SET pageviews = v.pageviews + u.n FROM increments AS u
         WHERE v.workspace_id = '${workspace.replaceAll("'", "''")}' AND v.visit_id = u.visit_id`,
      );
    }
    await connection.run("COMMIT");
  } catch (error) {
    await connection.run("ROLLBACK");
    throw error;
  }
}

let store = await openStore(target);
let write: (events: SqlValue[][], visits: SqlValue[][], updates: Update[]) => Promise<void> = (e, v, u) =>
  writeInserts(store, e, v, u);
let instance: DuckDBInstance | null = null;
if (mode === "appender" && target.engine === "duckdb") {
  // One DuckDB instance per file: the store (which made the schema) is closed first.
  await store.close();
  instance = await DuckDBInstance.create(target.path);
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  write = (e, v, u) => writeAppender(connection, e, v, u);
}

/** `INSERT INTO <head> VALUES (...), (...)` with each row's cells as parameters (`cast` wraps some). */
function insert(head: string, rows: SqlValue[][], casts: (string | null)[]): Sql {
  const strings: string[] = [];
  const values: SqlValue[] = [];
  let text = `INSERT INTO ${head} VALUES `;
  rows.forEach((row, r) => {
    text += r === 0 ? "(" : ", (";
    row.forEach((value, c) => {
      if (c > 0) text += ", ";
      const cast = casts[c];
      text += cast ? "CAST(" : "";
      strings.push(text);
      values.push(value);
      text = cast ? ` AS ${cast})` : "";
    });
    text += ")";
  });
  strings.push(text);
  return new Sql(strings, values);
}

const utc = (iso: string) => iso.replace("T", " ").replace("Z", "");
const orNull = (text: string | undefined) => (text === undefined || text === "" ? null : text);
const known = new Set<string>();
const visitors = new Map<string, { visits: number; lastAt: number }>();

let applyMs = 0;
let batches = 0;
let events = 0;
const wallStarted = performance.now();
for (let i = 0; i < records.length; ) {
  const batch: Record[] = [];
  let n = 0;
  while (i < records.length && (batch.length === 0 || n + (records[i]?.e.length ?? 0) <= BATCH_EVENTS)) {
    const record = records[i++] as Record;
    batch.push(record);
    n += record.e.length;
  }
  const started = performance.now();
  {
    const eventRows: SqlValue[][] = [];
    const newVisits = new Map<string, SqlValue[]>();
    const increments = new Map<string, number>();
    for (const record of batch) {
      for (const e of record.e) {
        const visitId = `${e.visitor}.${e.visit}`;
        eventRows.push([
          workspace,
          e.id,
          record.s,
          e.type,
          e.visitor,
          visitId,
          utc(record.at),
          e.url,
          orNull(e.referrer),
          orNull(e.utm.source),
          orNull(e.utm.medium),
          orNull(e.utm.campaign),
          orNull(e.utm.content),
          orNull(e.utm.term),
          e.emailHash ?? null,
          e.form ?? null,
        ]);
        const pageview = e.type === "pageview" ? 1 : 0;
        const fresh = newVisits.get(visitId);
        if (fresh) fresh[12] = (fresh[12] as number) + pageview;
        else if (known.has(visitId)) increments.set(visitId, (increments.get(visitId) ?? 0) + pageview);
        else {
          known.add(visitId);
          const at = Date.parse(record.at);
          const visitor = visitors.get(e.visitor) ?? { visits: 0, lastAt: Number.NaN };
          const since = Number.isNaN(visitor.lastAt) ? null : Math.max(0, Math.round((at - visitor.lastAt) / 1000));
          visitors.set(e.visitor, { visits: visitor.visits + 1, lastAt: at });
          newVisits.set(visitId, [
            workspace,
            visitId,
            "tracker",
            e.visitor,
            utc(record.at),
            e.url,
            orNull(e.referrer),
            orNull(e.utm.source),
            orNull(e.utm.medium),
            orNull(e.utm.campaign),
            orNull(e.utm.content),
            orNull(e.utm.term),
            pageview,
            null,
            visitor.visits + 1,
            since,
          ]);
        }
      }
    }
    await write(
      eventRows,
      [...newVisits.values()],
      [...increments].filter(([, add]) => add > 0),
    );
  }
  applyMs += performance.now() - started;
  batches += 1;
  events += n;
}
const wallMs = performance.now() - wallStarted;
if (instance) {
  instance.closeSync();
  store = await openStore(target);
}
const [check] = await store.query<{ events: number; pageviews: number }>(
  sql`SELECT (SELECT count(*) FROM tracked_events WHERE workspace_id = ${workspace}) AS events,
        (SELECT COALESCE(sum(pageviews), 0) FROM visits WHERE workspace_id = ${workspace}) AS pageviews`,
);
await store.close();
process.stdout.write(
  `${JSON.stringify({
    events,
    batches,
    applyMs,
    wallMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    ok: Number(check?.events) === expectedEvents && Number(check?.pageviews) === expectedPageviews,
    stored: check,
    expected: { events: expectedEvents, pageviews: expectedPageviews },
  })}\n`,
);
