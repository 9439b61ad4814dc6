/**
 * The import pipeline every format shares: a format's importer turns the user's files into
 * canonical table files (Verity's own format needs no conversion), then all of them load in
 * one transaction. A bad row anywhere aborts the whole import and the database is unchanged.
 */

import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { mirrorInTransaction } from "../campaigns/newsletter-mirror.js";
import { refreshDerivedFacts } from "../derive/derived-facts.js";
import { TABLE_ORDER, type TableName } from "../model/canonical.js";
import type { DataCapability } from "../model/capabilities.js";
import { VerityError } from "../model/errors.js";
import { touchData } from "../store/data-versions.js";
import { raw, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { ImportError } from "./import-error.js";
import { FastLoadFailed, type LoadMode, loadTableFile, type TableCounts } from "./table-loader.js";
import { SCOPED_FILE_BYTES, type ScopedWrite, scopeOfFiles } from "./write-scope.js";

/** One canonical table file ready to load. */
export type TableFile = {
  table: TableName;
  /** A canonical CSV (the user's own file, or one the importer converted). */
  file: string;
  /** The header names in file order. */
  columns: readonly string[];
  /** How to name the file in messages. */
  displayName: string;
};

export type PreparedImport = {
  sourceSystem: string;
  /** With FormatOptions.collectProblems: every problem found (the files are then a preview). */
  problems?: ImportError[];
  files: TableFile[];
  /** Input rows deliberately not imported, and why (reported, never silent). */
  skipped: { reason: string; count: number }[];
  /** Facts about the data worth telling the user (choices the importer made). */
  notes: string[];
  /**
   * What the source cannot provide, so metrics say so instead of showing a wrong number
   * (for example `stage_history` for an export with only the current stage).
   */
  lacks: DataCapability[];
  cleanup(): Promise<void>;
};

/** What a user can tell an importer about their export (`verity import` options). */
export type FormatOptions = {
  /** A rates file converting every amount into one reporting currency (src/ingest/crm/rates.ts). */
  rates?: string;
  /** How slashed dates are ordered when the file cannot tell (`iso`, `dmy`, `mdy`). */
  dateFormat?: "iso" | "dmy" | "mdy";
  /** The currency of amounts when the export has no currency column. */
  currency?: string;
  /** The mapping file of a generic CSV import. */
  mapping?: string;
  /** The export's column holding loss reasons, when not one the importer knows. */
  lossReasonField?: string;
  /** Stage order for exports that only name stages (comma-separated names). */
  stages?: string;
  /**
   * The stage that makes a lead qualified (METRICS.md 6), when not the format's default
   * (Salesforce "Qualification", HubSpot "Qualified To Buy"; none for Pipedrive and Nutshell).
   */
  qualifyingStage?: string;
  /**
   * Minutes of inactivity that end a visit, for event exports Verity builds visits from
   * (Segment-style): default 30, as Google Analytics and Matomo use.
   */
  sessionGap?: string;
  /**
   * The IANA time zone (Europe/Stockholm) that times without an offset are in, for exports
   * written in the site's or account's zone (Matomo's CSV, LinkedIn's dates); default UTC.
   */
  timezone?: string;
  /**
   * Dry run: collect every problem found instead of stopping at the first (in
   * PreparedImport.problems); the import is then only previewed, never loaded.
   */
  collectProblems?: boolean;
  /**
   * `--skip-invalid` (only formats whose importer says `skipsInvalid`): refuse each row with a
   * problem, list it in the `rejects` file, import the rest; import nothing when more than
   * `maxRejectedPercent` of the rows read are refused.
   */
  skipInvalid?: { rejects: string; maxRejectedPercent: number };
};

/** What auto-detection reads of a file (src/ingest/crm/detect.ts) for `Importer.recognise`. */
export type FileSample = {
  /** The file's name, without its directory. */
  name: string;
  path: string;
  /** The header cells, when the file reads as delimited text (CSV, TSV); else null. */
  header: readonly string[] | null;
  /** The first record, when the file is JSON (an array's first element) or JSON lines; else null. */
  json: Record<string, unknown> | null;
  /** The entry names of a zip; else null. */
  entries: readonly string[] | null;
};

export type Importer = {
  format: string;
  description: string;
  /** `paths` are the files or directories the user named. */
  prepare(paths: readonly string[], options: FormatOptions): Promise<PreparedImport>;
  /**
   * Auto-detection: a sentence saying why the file is unmistakably this format (a signature
   * no other format shares), or null. Formats without it must be named with --format.
   */
  recognise?(sample: FileSample): string | null;
  /** Whether it can refuse single bad rows (FormatOptions.skipInvalid); others stop at the first. */
  skipsInvalid?: boolean;
};

/** --skip-invalid given for a format that cannot refuse single rows: say so rather than ignore it. */
export function checkSkipInvalid(importer: Importer, options: FormatOptions | undefined): void {
  if (!options?.skipInvalid || importer.skipsInvalid) return;
  throw new VerityError(
    "usage",
    `--skip-invalid is not supported by the ${importer.format} format, which imports all or nothing (only --format csv with a mapping refuses single rows); use --dry-run to list every problem`,
  );
}

/** The one path of a format that reads one file or directory. */
export function onePath(format: string, paths: readonly string[]): string {
  const [path, ...more] = paths;
  if (path === undefined || more.length > 0) {
    throw new ImportError(
      paths.join(", "),
      null,
      null,
      `the ${format} format reads one file or directory at a time (got ${paths.length})`,
    );
  }
  return path;
}

export type ImportProgress = { table: TableName; bytesDone: number; bytesTotal: number };

export type ImportSummary = {
  workspace: string;
  format: string;
  sourceSystem: string;
  path: string;
  tables: Partial<Record<TableName, TableCounts>>;
  skipped: { reason: string; count: number }[];
  notes: string[];
  lacks: DataCapability[];
  durationMs: number;
  /**
   * What the import redid: only the leads and months its rows touch ("touched": a push, a
   * small import into a workspace holding leads, write-scope.ts) or the whole workspace.
   */
  scope: "touched" | "workspace";
};

export type ImportOptions = {
  workspace: string;
  /** What the user told the importer (rates, date format, mapping, ...). */
  format?: FormatOptions;
  onProgress?: (progress: ImportProgress) => void;
  /** Record the rows under this source system instead of the importer's (the demo's data). */
  sourceSystem?: string;
  /** Runs first inside the import's transaction (the demo clears its earlier company there). */
  before?: () => Promise<void>;
  /** Add stage events to the leads' stored histories instead of replacing them (API pushes). */
  appendChildren?: boolean;
  /**
   * What a small write touched (write-scope.ts): its derived facts are redone for that only,
   * and the data versions changed from the month it begins in. Default: the import's files
   * when they are small and add to a workspace that holds leads, otherwise the workspace,
   * any time.
   */
  scope?: ScopedWrite;
};

export async function runImport(
  store: Store,
  importer: Importer,
  paths: string | readonly string[],
  options: ImportOptions,
): Promise<ImportSummary> {
  const list = typeof paths === "string" ? [paths] : paths;
  checkSkipInvalid(importer, options.format);
  const prepared = await importer.prepare(list, { ...options.format, collectProblems: false });
  return loadPrepared(store, importer, prepared, list, options);
}

/**
 * Loads what `importer.prepare` converted (and cleans it up). The CLI converts before it
 * opens the database, so a bad file never creates one.
 */
export async function loadPrepared(
  store: Store,
  importer: Importer,
  prepared: PreparedImport,
  paths: readonly string[],
  options: ImportOptions,
): Promise<ImportSummary> {
  const path = paths.join(", ");
  if (options.sourceSystem) prepared.sourceSystem = options.sourceSystem;
  try {
    try {
      return await load(store, importer, prepared, path, options, "fast");
    } catch (error) {
      // Nothing was written (the transaction rolled back): run it again exact, which either
      // names the bad value exactly or, if the fast path tripped on something else, loads.
      if (!(error instanceof FastLoadFailed)) throw error;
      return await load(store, importer, prepared, path, options, "exact");
    }
  } finally {
    await prepared.cleanup();
  }
}

/** A scoped write of at most this many rows leaves the planner's statistics to autovacuum. */
const SMALL_WRITE_ROWS = 1_000;

/**
 * An import's own scope: its files, when they are small, carry only tables a scope can name,
 * and add to a workspace that already holds leads (a first import derives everything anyway).
 * Not for a load that clears the workspace first (the demo's `before`).
 */
async function importScope(
  store: Store,
  options: ImportOptions,
  files: readonly TableFile[],
  sizes: readonly number[],
): Promise<ScopedWrite | null> {
  if (options.before || files.length === 0) return null;
  if (sizes.reduce((a, b) => a + b, 0) > SCOPED_FILE_BYTES) return null;
  const [lead] = await store.query(sql`SELECT 1 AS x FROM leads WHERE workspace_id = ${options.workspace} LIMIT 1`);
  if (!lead) return null;
  return scopeOfFiles(store, options.workspace, files);
}

async function load(
  store: Store,
  importer: Importer,
  prepared: PreparedImport,
  path: string,
  options: ImportOptions,
  mode: LoadMode,
): Promise<ImportSummary> {
  const started = new Date();
  const files = [...prepared.files].sort((a, b) => TABLE_ORDER.indexOf(a.table) - TABLE_ORDER.indexOf(b.table));
  const sizes = await Promise.all(files.map(async (f) => (await stat(f.file)).size));
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  let bytesDone = 0;
  const tables: Partial<Record<TableName, TableCounts>> = {};
  let derived: string[] = [];
  let analyze = true;
  const summary = await store.transaction(async () => {
    await ensureWorkspace(store, options.workspace, started);
    await options.before?.();
    const scope = options.scope ?? (await importScope(store, options, files, sizes));
    await scope?.before();
    for (const [i, file] of files.entries()) {
      const context = {
        store,
        workspace: options.workspace,
        sourceSystem: prepared.sourceSystem,
        displayName: file.displayName,
        appendChildren: options.appendChildren ?? false,
      };
      options.onProgress?.({ table: file.table, bytesDone, bytesTotal });
      const size = sizes[i] ?? 0;
      const start = bytesDone;
      // A large file is one statement: poll the engine for how far it has got.
      const poll = options.onProgress
        ? setInterval(() => {
            const fraction = store.statementProgress();
            if (fraction !== null)
              options.onProgress?.({ table: file.table, bytesDone: start + fraction * size, bytesTotal });
          }, 200)
        : null;
      try {
        tables[file.table] = await loadTableFile(context, file.table, file.file, file.columns, mode);
      } finally {
        if (poll) clearInterval(poll);
      }
      bytesDone += size;
      options.onProgress?.({ table: file.table, bytesDone, bytesTotal });
    }
    // Statistics for what was loaded before the derived facts are computed from it: the
    // planner otherwise plans them by the tables' statistics from before the import, which for
    // a workspace that is new (or grew) say it holds nothing, and picks nested loops over
    // everything it loaded (bench:soak: a 20,000-deal HubSpot upload into a second workspace on
    // PostgreSQL ran its lead-progress UPDATE for minutes, and the tracking writer, which runs
    // imports in turn, waited behind it). ANALYZE counts the transaction's own rows. Not for a
    // small scoped write (a webhook's few rows: 1.5 s of ANALYZE at size l, for statistics it
    // cannot move; autovacuum's own ANALYZE follows a stream of them).
    const written = Object.values(tables).reduce(
      (n, t) => n + (t?.created ?? 0) + (t?.updated ?? 0) + (t?.removed ?? 0),
      0,
    );
    analyze = !scope || written > SMALL_WRITE_ROWS;
    for (const table of analyze ? new Set(files.map((f) => f.table)) : []) {
      const statement = store.dialect.afterBulkWrite(table);
      if (statement) await store.execute(raw(statement));
    }
    await scope?.afterLoad();
    const facts = await refreshDerivedFacts(
      store,
      options.workspace,
      files.map((f) => f.table),
      scope?.derived,
    );
    derived = facts.written;
    const done: ImportSummary = {
      workspace: options.workspace,
      format: importer.format,
      sourceSystem: prepared.sourceSystem,
      path,
      tables,
      skipped: prepared.skipped,
      notes: [...prepared.notes, ...facts.notes],
      lacks: prepared.lacks,
      durationMs: Date.now() - started.getTime(),
      scope: scope ? "touched" : "workspace",
    };
    // A newsletter tool's subscribers take the place of Verity's own rows for the same address.
    if (files.some((f) => f.table === "newsletter_subscribers")) await mirrorInTransaction(store, options.workspace);
    await store.execute(
      sql`INSERT INTO imports (workspace_id, id, format, source_system, path, started_at, finished_at, summary)
          VALUES (${options.workspace}, ${randomUUID()}, ${importer.format}, ${prepared.sourceSystem}, ${path},
                  CAST(${started.toISOString()} AS TIMESTAMP), CAST(${new Date().toISOString()} AS TIMESTAMP), ${JSON.stringify(done)})`,
    );
    // Last, so the workspace's row is held only until the commit just after (data-versions.ts).
    // Links and rollups an import derives can touch visits too: both tokens change, for any
    // time, unless the caller knows better (a push of some leads).
    const changed = (await scope?.changed()) ?? { groups: ["data", "tracking"], scope: {} };
    await touchData(store, options.workspace, changed.groups, changed.scope);
    return done;
  });
  // The derived tables after the commit: the import has landed, so a failure here only costs
  // planning quality.
  const analyzed = new Set<string>(files.map((f) => f.table));
  for (const table of analyze ? new Set(derived.filter((t) => !analyzed.has(t))) : []) {
    const statement = store.dialect.afterBulkWrite(table);
    if (!statement) continue;
    try {
      await store.execute(raw(statement));
    } catch (error) {
      process.emitWarning(`${statement} failed after the import: ${String(error)}`);
    }
  }
  return summary;
}

/** Workspaces come into being with their first import. */
export async function ensureWorkspace(store: Store, workspace: string, at: Date = new Date()): Promise<void> {
  const existing = await store.query(sql`SELECT id FROM workspaces WHERE id = ${workspace}`);
  if (existing.length === 0) {
    await store.execute(
      sql`INSERT INTO workspaces (id, name, created_at) VALUES (${workspace}, ${workspace}, CAST(${at.toISOString()} AS TIMESTAMP))`,
    );
  }
}
