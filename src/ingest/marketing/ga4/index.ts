/**
 * Google Analytics 4's BigQuery export (`events_YYYYMMDD` tables, extracted as
 * newline-delimited JSON or Parquet) as canonical visits: one visit per (user_pseudo_id,
 * ga_session_id), and a visitor identity wherever a user_id was set. The engine does the
 * work (./sessions-sql.ts): an export of a year is tens of millions of events, far too many
 * to parse row by row in JavaScript.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import { ImportError } from "../../import-error.js";
import type { FileSample, FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { engineFailure, type Scratch } from "./engine-failure.js";
import { type ExportFiles, exportFiles } from "./export-files.js";
import { brokenLines } from "./locate.js";
import {
  COUNTS_QUERY,
  EMPTY_SOURCE,
  eventOk,
  eventsQuery,
  IDENTITY_COLUMNS,
  identitiesCopy,
  jsonSource,
  MACROS,
  parquetSource,
  STAGED_SOURCE,
  sessionsQuery,
  stageCopy,
  VISIT_COLUMNS,
  visitsCopy,
} from "./sessions-sql.js";

const SOURCE_SYSTEM = "ga4";
/** How many problems a dry run lists at most (a broken export can have millions). */
const PROBLEM_LIMIT = 100;

export const ga4Importer: Importer = {
  format: "ga4",
  description: "Google Analytics 4 BigQuery export (events_* as JSON lines or Parquet)",
  prepare: (paths, options) => prepareGa4(paths, options),
  recognise,
};

function recognise(sample: FileSample): string | null {
  const json = sample.json;
  if (json && "event_name" in json && "event_timestamp" in json && "user_pseudo_id" in json) {
    return `${sample.name} holds GA4 BigQuery export events (event_name, event_timestamp, user_pseudo_id)`;
  }
  if (/^events_(intraday_)?\d{8}.*\.(parquet|json\.gz|jsonl\.gz|ndjson\.gz)$/i.test(sample.name)) {
    return `${sample.name} is named as a GA4 BigQuery export table (events_YYYYMMDD)`;
  }
  return null;
}

/** How the events are split for grouping (see stageCopy). Tests pass a tiny size to split their fixture. */
export type Ga4Tuning = { eventsPerSplit?: number };

/** The most splits one staging writes at once: the Parquet writer keeps a row group open per split. */
const MAX_SPLITS = 64;

export async function prepareGa4(
  paths: readonly string[],
  options: FormatOptions,
  tuning: Ga4Tuning = {},
): Promise<PreparedImport> {
  const files = await exportFiles(paths);
  const scratch = { memory: scratchMemory(), directory: await mkdtemp(join(tmpdir(), "verity-ga4-")) };
  const dir = scratch.directory;
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    // A database file, not :memory:, so that ga4_sessions (one row per session: millions) lives
    // on disk under the buffer manager instead of in the 1 GB; removed with the staged events.
    const instance = await DuckDBInstance.create(join(dir, "scratch.duckdb"));
    const connection = await instance.connect();
    try {
      return await convert(connection, files, scratch, options, tuning, cleanup);
    } catch (error) {
      if (error instanceof ImportError) throw error;
      throw engineFailure(error, scratch) ?? error;
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(join(dir, "scratch.duckdb"), { force: true });
      await rm(join(dir, "scratch.duckdb.wal"), { force: true });
      await rm(join(dir, "staged"), { recursive: true, force: true });
      await rm(join(dir, "spill"), { recursive: true, force: true });
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** `VERITY_DUCKDB_MEMORY` (for example `4GB`), else 1GB: the budget of Verity's own DuckDB. */
function scratchMemory(): string {
  const configured = process.env.VERITY_DUCKDB_MEMORY?.trim();
  if (!configured) return "1GB";
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(configured)) {
    throw new Error(`VERITY_DUCKDB_MEMORY must be a size such as 2GB, not ${JSON.stringify(configured)}`);
  }
  return configured;
}

/** A size as DuckDB reads it (KB = 1000 bytes, KiB = 1024), in bytes. */
function bytesOf(size: string): number {
  const [, number, unit] = /^(\d+(?:\.\d+)?)\s*([KMGT])(i?)B$/i.exec(size) ?? [];
  const binary = /iB$/i.test(size);
  const power = "KMGT".indexOf((unit ?? "G").toUpperCase()) + 1;
  return Number(number ?? 1) * (binary ? 1024 : 1000) ** power;
}

/**
 * How many events one GROUP BY takes: about 1,000 bytes of budget an event. Measured: 2M
 * events in sessions of five grouped at once peaked at ~450 MB; sessions of two events would
 * double the sessions per event, still within the budget.
 */
function eventsPerSplit(memory: string): number {
  return Math.max(1, Math.floor(bytesOf(memory) / 1000));
}

/**
 * A guess at the number of events before reading them, to choose the number of splits: about
 * 1 KB an event in JSON (BigQuery's events are 1-3 KB), ten times that gzipped, 50 bytes an
 * event in Parquet. A guess too low makes splits too large; those are split again after.
 */
async function estimatedEvents(files: ExportFiles): Promise<number> {
  let events = 0;
  for (const file of files.json) events += ((await stat(file)).size * (/\.gz$/i.test(file) ? 10 : 1)) / 1000;
  for (const file of files.parquet) events += (await stat(file)).size / 50;
  return events;
}

async function convert(
  connection: DuckDBConnection,
  files: ExportFiles,
  scratch: Scratch,
  options: FormatOptions,
  tuning: Ga4Tuning,
  cleanup: () => Promise<void>,
): Promise<PreparedImport> {
  const dir = scratch.directory;
  // The same budget as Verity's own DuckDB (VERITY_DUCKDB_MEMORY, 1 GB). The staging COPY and
  // the sessions table spill into the import's temporary directory (an explicit
  // temp_directory: DuckDB's default is beside the database file, here the same directory).
  await connection.run(`SET memory_limit = '${scratch.memory}'`);
  await connection.run(`SET temp_directory = '${join(dir, "spill").replaceAll("'", "''")}'`);
  await connection.run("SET TimeZone = 'UTC'");
  // Nothing here needs the rows in file order; without it the scan and grouping run freely in
  // parallel, and the COPYs need not buffer rows to keep their order.
  await connection.run("SET preserve_insertion_order = false");
  for (const macro of MACROS) await connection.run(macro);

  const perSplit = tuning.eventsPerSplit ?? eventsPerSplit(scratch.memory);
  const splits = Math.min(MAX_SPLITS, Math.max(1, Math.ceil((await estimatedEvents(files)) / perSplit)));
  const staged = join(dir, "staged");
  const stage = async (ignoreErrors: boolean) => {
    await rm(staged, { recursive: true, force: true });
    await mkdir(staged);
    await connection.run(
      stageCopy(eventsQuery(await sourceOf(connection, files, ignoreErrors)), join(staged, "all"), splits, 0),
      ...parameters(files),
    );
  };

  const problems: ImportError[] = [];
  const collect = options.collectProblems === true;
  try {
    await stage(false);
  } catch (error) {
    // Out of memory or disk, an internal error: not the files' fault, and no line to find.
    const failure = engineFailure(error, scratch);
    if (failure) throw failure;
    // A file DuckDB cannot read as JSON lines: find the line(s) in JavaScript.
    const found = await unreadable(files, error, collect ? PROBLEM_LIMIT : 1);
    if (!collect) throw found[0];
    problems.push(...found);
    // The preview goes on without the unreadable lines, to find what else is wrong.
    await stage(true);
  }
  await groupSessions(connection, staged, perSplit);
  const [counts] = (await connection.runAndReadAll(COUNTS_QUERY)).getRowObjectsJS() as {
    broken: bigint | number;
    without_visitor: bigint | number;
    without_session: bigint | number;
    visits: bigint | number;
    first_touch_used: bigint | number;
  }[];
  const broken = Number(counts?.broken ?? 0);
  if (broken > 0) {
    const found = await brokenEvents(connection, files, collect ? PROBLEM_LIMIT : 1, broken);
    if (!collect) throw found[0];
    // A dry run that met an unreadable line has read those files already: each problem once.
    const seen = new Set(problems.map((p) => p.message));
    problems.push(...found.filter((p) => !seen.has(p.message)).slice(0, PROBLEM_LIMIT - problems.length));
  }

  const visitsFile = join(scratch.directory, "visits.csv");
  const identitiesFile = join(scratch.directory, "visitor_identities.csv");
  await connection.run(visitsCopy(visitsFile));
  await connection.run(identitiesCopy(identitiesFile));

  const skipped: { reason: string; count: number }[] = [];
  const withoutVisitor = Number(counts?.without_visitor ?? 0);
  const withoutSession = Number(counts?.without_session ?? 0);
  if (withoutVisitor > 0) {
    skipped.push({
      reason: "events without a user_pseudo_id (consent mode's cookieless pings): no visitor to count them for",
      count: withoutVisitor,
    });
  }
  if (withoutSession > 0) {
    skipped.push({ reason: "events without a ga_session_id: no session to put them in", count: withoutSession });
  }
  const notes = [
    `${Number(counts?.visits ?? 0).toLocaleString("en-US")} visits from the sessions (user_pseudo_id, ga_session_id) of ${files.json.length + files.parquet.length} export file(s)`,
  ];
  const firstTouch = Number(counts?.first_touch_used ?? 0);
  if (firstTouch > 0) {
    notes.push(
      `${firstTouch.toLocaleString("en-US")} first visits without a collected campaign took the visitor's first-touch traffic_source`,
    );
  }
  return {
    sourceSystem: SOURCE_SYSTEM,
    ...(collect ? { problems } : {}),
    files: [
      { table: "visits", file: visitsFile, columns: VISIT_COLUMNS, displayName: "GA4 events (converted visits)" },
      {
        table: "visitor_identities",
        file: identitiesFile,
        columns: IDENTITY_COLUMNS,
        displayName: "GA4 events (converted user_id identities)",
      },
    ],
    skipped,
    notes,
    lacks: [],
    cleanup,
  };
}

/**
 * ga4_sessions from the staged events, one GROUP BY per split (each holds whole visitors). A
 * split with more than twice the events one GROUP BY should take (the estimate was low) is
 * split again by a differently salted hash, up to three times.
 */
async function groupSessions(connection: DuckDBConnection, staged: string, perSplit: number): Promise<void> {
  // An empty table of the right shape first: an export of no events stages no files at all.
  await connection.run(`CREATE TABLE ga4_sessions AS ${sessionsQuery(eventsQuery(EMPTY_SOURCE))}`);
  const queue = await splitsUnder(connection, join(staged, "all"), 0);
  while (queue.length > 0) {
    const split = queue.shift() as Split;
    if (split.events > 2 * perSplit && split.level < 3) {
      const target = join(staged, `${split.level + 1}-${split.name}`);
      await connection.run(
        `COPY (SELECT *, CAST(hash(visitor, ${split.level + 1}) % ${Math.min(MAX_SPLITS, Math.ceil(split.events / perSplit))} AS INTEGER) AS bucket
          FROM (${STAGED_SOURCE})) TO '${target.replaceAll("'", "''")}' (FORMAT parquet, PARTITION_BY (bucket), ROW_GROUP_SIZE 16384)`,
        { staged: listValue(split.files) },
        { staged: LIST(VARCHAR) },
      );
      for (const file of split.files) await rm(file, { force: true });
      queue.unshift(...(await splitsUnder(connection, target, split.level + 1)));
      continue;
    }
    await connection.run(
      `INSERT INTO ga4_sessions ${sessionsQuery(STAGED_SOURCE)}`,
      { staged: listValue(split.files) },
      {
        staged: LIST(VARCHAR),
      },
    );
  }
}

type Split = { name: string; files: string[]; events: number; level: number };

/** The splits a staging COPY wrote under `dir` (bucket=N/*.parquet), with their numbers of events. */
async function splitsUnder(connection: DuckDBConnection, dir: string, level: number): Promise<Split[]> {
  const splits = new Map<string, Split>();
  const names = existsSync(dir) ? await readdir(dir) : [];
  for (const name of names.filter((n) => n.startsWith("bucket=")).sort()) {
    const parquet = (await readdir(join(dir, name)))
      .filter((n) => n.endsWith(".parquet"))
      .map((n) => join(dir, name, n));
    if (parquet.length === 0) continue;
    const rows = await connection.runAndReadAll(
      "SELECT sum(num_rows) AS events FROM parquet_file_metadata($files)",
      {
        files: listValue(parquet),
      },
      { files: LIST(VARCHAR) },
    );
    const events = Number((rows.getRowObjectsJS()[0] as { events: bigint | null }).events ?? 0);
    splits.set(name, { name: name.replace("bucket=", ""), files: parquet, events, level });
  }
  return [...splits.values()];
}

/** The flat events of every file: the JSON lines and the Parquet files together. */
async function sourceOf(connection: DuckDBConnection, files: ExportFiles, ignoreErrors: boolean): Promise<string> {
  const parts: string[] = [];
  if (files.json.length > 0) parts.push(jsonSource(ignoreErrors));
  if (files.parquet.length > 0) {
    const described = await connection.runAndReadAll(
      "DESCRIBE SELECT * FROM read_parquet($parquet, union_by_name = true)",
      { parquet: listValue(files.parquet) },
      { parquet: LIST(VARCHAR) },
    );
    const schema = new Map(
      (described.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((r) => [
        r.column_name,
        r.column_type,
      ]),
    );
    parts.push(parquetSource(schema));
  }
  return parts.join(" UNION ALL ");
}

function parameters(files: ExportFiles) {
  const values: Record<string, ReturnType<typeof listValue>> = {};
  const types: Record<string, ReturnType<typeof LIST>> = {};
  if (files.json.length > 0) {
    values.json = listValue(files.json);
    types.json = LIST(VARCHAR);
  }
  if (files.parquet.length > 0) {
    values.parquet = listValue(files.parquet);
    types.parquet = LIST(VARCHAR);
  }
  return [values, types] as const;
}

/**
 * The ImportErrors of a read DuckDB refused: the file it names (else every JSON file) read
 * line by line. If JavaScript finds nothing wrong, DuckDB's own sentence is the reason.
 */
async function unreadable(files: ExportFiles, error: unknown, limit: number): Promise<ImportError[]> {
  const message = error instanceof Error ? error.message : String(error);
  // DuckDB names a JSON file `in file "…"`, a Parquet file in other words: any export file it names.
  const named =
    /in file "([^"]+)"/.exec(message)?.[1] ?? [...files.json, ...files.parquet].find((f) => message.includes(f));
  // Only JSON lines can be read line by line; a Parquet file is named with DuckDB's reason.
  const candidates = named ? files.json.filter((f) => f === named) : files.json;
  const found: ImportError[] = [];
  for (const file of candidates) {
    if (found.length >= limit) break;
    for (const p of await brokenLines(file, limit - found.length))
      found.push(new ImportError(file, p.line, p.column, p.reason));
  }
  if (found.length > 0) return found;
  const line = /in line (\d+)/.exec(message)?.[1];
  const reason = message.split("\n")[0]?.replace(/^[A-Za-z ]*Error: /, "") ?? message;
  return [new ImportError(named ?? files.json.join(", "), line ? Number(line) : null, null, reason)];
}

/** The events without a name or a usable timestamp: their lines (JSON) or rows (Parquet). */
async function brokenEvents(
  connection: DuckDBConnection,
  files: ExportFiles,
  limit: number,
  total: number,
): Promise<ImportError[]> {
  const found: ImportError[] = [];
  for (const file of files.json) {
    if (found.length >= limit) return found;
    for (const p of await brokenLines(file, limit - found.length))
      found.push(new ImportError(file, p.line, p.column, p.reason));
  }
  for (const file of files.parquet) {
    if (found.length >= limit) return found;
    const rows = await connection
      .runAndReadAll(
        `SELECT file_row_number AS row, event_name, event_timestamp FROM read_parquet($file, file_row_number = true)
         WHERE NOT (${eventOk("event_name", "event_timestamp")}) ORDER BY file_row_number LIMIT ${limit - found.length}`,
        { file },
      )
      .catch(() => null);
    if (!rows) {
      found.push(new ImportError(file, null, null, "has no event_name or no event_timestamp column"));
      continue;
    }
    for (const r of rows.getRowObjectsJS() as { row: bigint; event_name: unknown; event_timestamp: unknown }[]) {
      const column = r.event_name === null || String(r.event_name).trim() === "" ? "event_name" : "event_timestamp";
      const reason =
        column === "event_name"
          ? `row ${Number(r.row) + 1}: event_name is missing`
          : `row ${Number(r.row) + 1}: ${JSON.stringify(r.event_timestamp === null ? null : String(r.event_timestamp))} is not a time in microseconds since 1970 (between the years 2000 and 2199)`;
      found.push(new ImportError(file, null, column, reason));
    }
  }
  if (found.length === 0) {
    found.push(
      new ImportError(
        [...files.json, ...files.parquet].join(", "),
        null,
        null,
        `${total} events have no event_name or no event_timestamp in microseconds`,
      ),
    );
  }
  return found;
}
