/**
 * Google Analytics 4's BigQuery export (`events_YYYYMMDD` tables, extracted as
 * newline-delimited JSON or Parquet) as canonical visits: one visit per (user_pseudo_id,
 * ga_session_id), and a visitor identity wherever a user_id was set. The engine does the
 * work (./sessions-sql.ts): an export of a year is tens of millions of events, far too many
 * to parse row by row in JavaScript.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import { ImportError } from "../../import-error.js";
import type { FileSample, FormatOptions, Importer, PreparedImport } from "../../importer.js";
import { type ExportFiles, exportFiles } from "./export-files.js";
import { brokenLines } from "./locate.js";
import {
  COUNTS_QUERY,
  eventOk,
  eventsQuery,
  IDENTITY_COLUMNS,
  identitiesCopy,
  jsonSource,
  MACROS,
  parquetSource,
  sessionsStatement,
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

async function prepareGa4(paths: readonly string[], options: FormatOptions): Promise<PreparedImport> {
  const files = await exportFiles(paths);
  const dir = await mkdtemp(join(tmpdir(), "verity-ga4-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      return await convert(connection, files, dir, options, cleanup);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function convert(
  connection: DuckDBConnection,
  files: ExportFiles,
  dir: string,
  options: FormatOptions,
  cleanup: () => Promise<void>,
): Promise<PreparedImport> {
  // The same budget as Verity's own DuckDB (VERITY_DUCKDB_MEMORY, 1 GB): beyond it the
  // grouping spills into the import's temporary directory instead of growing.
  await connection.run(`SET memory_limit = '${(process.env.VERITY_DUCKDB_MEMORY ?? "1GB").replaceAll("'", "")}'`);
  await connection.run(`SET temp_directory = '${join(dir, "spill").replaceAll("'", "''")}'`);
  await connection.run("SET TimeZone = 'UTC'");
  // Nothing here needs the rows in file order; without it the scan and grouping run freely in parallel.
  await connection.run("SET preserve_insertion_order = false");
  for (const macro of MACROS) await connection.run(macro);

  const problems: ImportError[] = [];
  const collect = options.collectProblems === true;
  try {
    await connection.run(
      sessionsStatement(eventsQuery(await sourceOf(connection, files, false))),
      ...parameters(files),
    );
  } catch (error) {
    // A file DuckDB cannot read as JSON lines: find the line(s) in JavaScript.
    const found = await unreadable(files, error, collect ? PROBLEM_LIMIT : 1);
    if (!collect) throw found[0];
    problems.push(...found);
    // The preview goes on without the unreadable lines, to find what else is wrong.
    await connection.run(sessionsStatement(eventsQuery(await sourceOf(connection, files, true))), ...parameters(files));
  }
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

  const visitsFile = join(dir, "visits.csv");
  const identitiesFile = join(dir, "visitor_identities.csv");
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
  const named = /in file "([^"]+)"/.exec(message)?.[1];
  const candidates = named ? [named] : files.json;
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
