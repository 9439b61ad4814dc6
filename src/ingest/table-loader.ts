/**
 * Loads one canonical CSV file into its table: stage it through the engine's bulk loader,
 * check every rule in SQL over the staged rows, then upsert by key. The same statements run
 * on DuckDB and PostgreSQL. The caller holds the transaction, so a failure anywhere leaves
 * the database as it was.
 *
 * An import first runs `fast`, trusting the engine where it can: a first load into an empty
 * table on an engine that reads CSV files in SQL (DuckDB) is one INSERT straight from the
 * file, with the checks run over the inserted rows; an engine that enforces keys itself
 * (PostgreSQL's primary keys) is not asked to look for duplicate keys first. That halves the
 * work of the largest loads. Any data error there is reported as `FastLoadFailed`, and the
 * caller runs the import again `exact`, which stages every file, checks everything and words
 * the exact error.
 */

import { deriveVisitAttributes } from "../derive/visit-attributes.js";
import { type Column, type Table, type TableName, table as tableOf } from "../model/canonical.js";
import { ident, join, raw, type Sql, sql } from "../store/sql.js";
import { StagingError, type Store } from "../store/store.js";
import { findNul, lineOfRecord } from "./csv-lines.js";
import { ImportError } from "./import-error.js";

export type TableCounts = { rows: number; created: number; updated: number; unchanged: number; removed: number };

export type LoadContext = {
  store: Store;
  workspace: string;
  sourceSystem: string;
  /** The name shown in error messages (the user's file, not a temporary copy). */
  displayName: string;
  /**
   * Add child rows (a lead's stage events) to what is stored instead of replacing the
   * parent's rows as a whole: data pushed through the API arrives one change at a time.
   */
  appendChildren?: boolean;
};

const STAGING = "verity_staging";

export type LoadMode = "fast" | "exact";

/** A fast load failed; the import must be run again exact to say exactly why. */
export class FastLoadFailed extends Error {
  constructor(cause: unknown) {
    super("fast load failed", { cause });
    this.name = "FastLoadFailed";
  }
}

/** Rows to check: a FROM item aliased `s` and a condition selecting the rows of this load. */
type CheckedRows = { from: Sql; where: Sql };

export async function loadTableFile(
  context: LoadContext,
  tableName: TableName,
  file: string,
  fileColumns: readonly string[],
  mode: LoadMode = "exact",
): Promise<TableCounts> {
  const { store } = context;
  const table = tableOf(tableName);
  await refuseNul(context.displayName, file);
  if (mode === "fast" && store.csvRelation) {
    const [stored] = await store.query(
      sql`SELECT 1 AS x FROM ${ident(table.name)} WHERE workspace_id = ${context.workspace} LIMIT 1`,
    );
    if (!stored) {
      try {
        return await loadDirect(context, table, file, fileColumns, store.csvRelation(file, table.columns, fileColumns));
      } catch (error) {
        if (isDataError(error)) throw new FastLoadFailed(error);
        throw error;
      }
    }
  }
  let rows: number;
  try {
    rows = await store.stageCsv(STAGING, file, table.columns, fileColumns);
  } catch (error) {
    if (error instanceof StagingError) throw await stagingImportError(context.displayName, file, error);
    throw error;
  }
  // No cleanup on failure: the transaction rolls back, which removes the staging table too
  // (and a statement in a failed transaction would only hide the real error).
  // An engine that enforces keys refuses a duplicate at the INSERT, so the fast mode leaves
  // that (costly) check to it; the exact rerun then finds the two lines.
  const checkDuplicates = mode === "exact" || !store.dialect.enforcesKeys;
  const staged = { from: sql`${ident(STAGING)} AS s`, where: raw("TRUE") };
  try {
    if (rows > 0) await validate(context, table, file, fileColumns, staged, checkDuplicates);
    const counts = await upsert(context, table, rows);
    await store.execute(sql`DROP TABLE IF EXISTS ${ident(STAGING)}`);
    return counts;
  } catch (error) {
    if (mode === "fast" && !checkDuplicates && isDuplicateKey(error)) throw new FastLoadFailed(error);
    throw error;
  }
}

/** Refuses a file holding a NUL character, naming where (both engines alike; PostgreSQL cannot store it). */
export async function refuseNul(displayName: string, file: string): Promise<void> {
  const nul = await findNul(file);
  if (nul) {
    throw new ImportError(
      displayName,
      nul.line,
      nul.column,
      "holds a NUL character (U+0000), which Verity does not store (PostgreSQL cannot): remove it from the file",
    );
  }
}

/** A file the engine's CSV loader refused, as the user reads it: file, line and column. */
export async function stagingImportError(displayName: string, file: string, error: StagingError): Promise<ImportError> {
  const where = error.where;
  const line = where === null ? null : "line" in where ? where.line : await lineOfRecord(file, where.record);
  return new ImportError(displayName, line, error.column, error.message);
}

/** PostgreSQL's unique_violation: a key the fast mode did not check appeared twice. */
function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "23505";
}

/**
 * Errors the staged path can word better: a value that did not convert, a broken line, a
 * failed check. Anything else (out of memory, a full disk) is not retried.
 */
function isDataError(error: unknown): boolean {
  if (error instanceof ImportError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /^(Conversion Error|Invalid Input Error|Constraint Error)|CSV Error/.test(message);
}

/** The whole file in one INSERT into a table that holds nothing of the workspace yet. */
async function loadDirect(
  context: LoadContext,
  table: Table,
  file: string,
  fileColumns: readonly string[],
  relation: Sql,
): Promise<TableCounts> {
  const { store, workspace } = context;
  const target = ident(table.name);
  await store.execute(insertStatement(context, table, relation, null));
  const [count] = await store.query<{ n: number }>(
    sql`SELECT count(*) AS n FROM ${target} WHERE workspace_id = ${workspace}`,
  );
  const rows = Number(count?.n ?? 0);
  // A file of only a header has no value to check; its lookups would still hash the looked-up
  // table (an empty visitor_identities.csv: 7 s joined to 20 million visits at size l).
  if (rows > 0) {
    await validate(context, table, file, fileColumns, {
      from: sql`${target} AS s`,
      where: sql`s.workspace_id = ${workspace}`,
    });
  }
  return { rows, created: rows, updated: 0, unchanged: 0, removed: 0 };
}

/**
 * INSERT INTO the table from `source` (aliased `s`, canonical columns), with the workspace,
 * the source system, defaults and derived columns; `skipExisting` keeps rows whose key is
 * already stored.
 */
function insertStatement(context: LoadContext, table: Table, source: Sql, skipExisting: Sql | null): Sql {
  const { store, workspace, sourceSystem } = context;
  const derived = table.name === "visits" ? deriveVisitAttributes.insertColumns(store.dialect) : null;
  const names = [
    sql`workspace_id`,
    sql`source_system`,
    ...table.columns.map((c) => ident(c.name)),
    ...(derived?.names ?? []),
  ];
  const values = [
    sql`${workspace}`,
    sql`${sourceSystem}`,
    ...table.columns.map((c) => storedValue(c, sql`s.${ident(c.name)}`)),
    ...(derived?.values ?? []),
  ];
  return sql`INSERT INTO ${ident(table.name)} (${join(names)})
             SELECT ${join(values)} FROM ${source} AS s
             ${skipExisting ? sql`WHERE NOT EXISTS (SELECT 1 FROM ${ident(table.name)} AS t WHERE ${skipExisting})` : raw("")}`;
}

/** One SQL condition per rule; the first failing record (in file order) is reported. */
async function validate(
  context: LoadContext,
  table: Table,
  file: string,
  fileColumns: readonly string[],
  rows: CheckedRows,
  checkDuplicates = true,
): Promise<void> {
  const { store, workspace } = context;
  // `lookup` rules read other tables (`on` joins the row aliased s to the looked-up row,
  // aliased k; the rule fails when the value is there and no row matches); the rest look at
  // one staged row.
  type Lookup = { table: string; value: Sql; on: (k: string) => Sql };
  const rules: { column: string; failsWhen?: Sql; reason: (value: string | null) => string; lookup?: Lookup }[] = [];
  for (const column of table.columns) {
    const c = ident(column.name);
    if (column.required) {
      const missing = !fileColumns.includes(column.name);
      rules.push({
        column: column.name,
        failsWhen: sql`${c} IS NULL`,
        reason: () => (missing ? "the column is missing from the header" : "a value is required"),
      });
    }
    if (column.oneOf) {
      rules.push({
        column: column.name,
        failsWhen: sql`${c} NOT IN (${join(column.oneOf.map((v) => sql`${v}`))})`,
        reason: (value) => `${JSON.stringify(value)} is not one of ${column.oneOf?.join(", ")}`,
      });
    }
    if (column.type === "timestamp") {
      // Both engines read `infinity` (and PostgreSQL `epoch`, `now`) as timestamps; no CRM
      // date lies outside these years, and such a value would wreck every duration.
      rules.push({
        column: column.name,
        failsWhen: sql`(${c} < CAST(${"1900-01-01"} AS TIMESTAMP) OR ${c} >= CAST(${"2200-01-01"} AS TIMESTAMP))`,
        reason: (value) => `${JSON.stringify(value)} is not a date between 1900 and 2199`,
      });
    }
    if (column.min !== undefined) {
      rules.push({
        column: column.name,
        failsWhen: sql`${c} < ${column.min}`,
        reason: (value) => `${value} is below the minimum of ${column.min}`,
      });
    }
    if (column.max !== undefined) {
      rules.push({
        column: column.name,
        failsWhen: sql`${c} > ${column.max}`,
        reason: (value) => `${value} is above the maximum of ${column.max}`,
      });
    }
    if (column.references) {
      const target = tableOf(column.references);
      const key = target.key[0] ?? "id";
      rules.push({
        column: column.name,
        reason: (value) =>
          `${JSON.stringify(value)} is not a known ${singular(target.name)} (not in ${target.file} nor stored)`,
        lookup: {
          table: target.name,
          value: sql`s.${c}`,
          on: (k) => sql`${raw(k)}.${ident(key)} = s.${c}`,
        },
      });
    }
  }
  for (const check of table.checks ?? []) {
    rules.push({ column: check.column, failsWhen: raw(`(${check.failsWhen})`), reason: () => check.reason });
  }
  if (table.name === "leads") {
    rules.push({
      column: "stage_id",
      reason: (value) => `stage ${JSON.stringify(value)} is not a stage of the lead's pipeline`,
      lookup: {
        table: "stages",
        value: sql`s.stage_id`,
        on: (k) => raw(`${k}.id = s.stage_id AND ${k}.pipeline_id = s.pipeline_id`),
      },
    });
  }

  // Every rule in one scan of the rows: rules over one row as conditions, lookups as LEFT
  // JOINs of the looked-up tables (hash joins on both engines; a correlated lookup per row
  // would be slow on PostgreSQL), each marking its misses in the inner select. One scan
  // instead of one anti-join statement per reference (bench:load). The error reported is the
  // first bad record in file order.
  const recordNumber = store.dialect.recordNumber("s");
  const { from, where } = rows;
  const firstFailures: { rule: (typeof rules)[number]; record: number }[] = [];
  if (rules.length > 0) {
    const joins: Sql[] = [];
    const marks: Sql[] = [];
    const failsWhen = rules.map((rule, i) => {
      if (!rule.lookup) return rule.failsWhen ?? raw("FALSE");
      const k = `verity_k${i}`;
      // Several matches for one row (a key stored twice) repeat the row; min() is the same.
      joins.push(
        sql`LEFT JOIN ${ident(rule.lookup.table)} AS ${raw(k)} ON ${raw(k)}.workspace_id = ${workspace} AND ${rule.lookup.on(k)}`,
      );
      marks.push(
        sql`(${rule.lookup.value} IS NOT NULL AND ${raw(k)}.workspace_id IS NULL) AS ${raw(`verity_miss${i}`)}`,
      );
      return raw(`verity_miss${i}`);
    });
    const scanned =
      joins.length === 0
        ? sql`(SELECT s.*, ${recordNumber} AS verity_rec FROM ${from} WHERE ${where})`
        : sql`(SELECT s.*, ${recordNumber} AS verity_rec, ${join(marks)} FROM ${from} ${join(joins, " ")} WHERE ${where})`;
    const [firsts] = await store.query<Record<string, number | null>>(
      sql`SELECT ${join(failsWhen.map((condition, i) => sql`min(verity_rec) FILTER (WHERE ${condition}) AS ${ident(`r${i}`)}`))}
          FROM ${scanned} AS s`,
    );
    rules.forEach((rule, i) => {
      const record = firsts?.[`r${i}`];
      if (record !== null && record !== undefined) firstFailures.push({ rule, record: Number(record) });
    });
  }
  // A record that breaks several rules is named by its first rule over the row itself, then
  // by its first lookup, as when the lookups ran after the row rules (the same error as ever).
  const rank = (f: (typeof firstFailures)[number]) => (f.rule.lookup ? 1 : 0);
  const failure = firstFailures.sort((a, b) => a.record - b.record || rank(a) - rank(b))[0];
  if (failure) {
    const [bad] = await store.query<{ value: string | null }>(
      sql`SELECT CAST(${ident(failure.rule.column)} AS TEXT) AS value FROM ${from} WHERE ${where} AND ${recordNumber} = ${failure.record}`,
    );
    throw new ImportError(
      context.displayName,
      await lineOfRecord(file, failure.record),
      failure.rule.column,
      failure.rule.reason(bad?.value ?? null),
    );
  }

  if (!checkDuplicates) return;
  // Duplicate keys: a cheap GROUP BY first, the exact records only when there is one.
  const keys = join(table.key.map((k) => ident(k)));
  const [dup] = await store.query<{ first: number }>(
    sql`SELECT min(${recordNumber}) AS first FROM ${from} WHERE ${where} GROUP BY ${keys} HAVING count(*) > 1 ORDER BY 1 LIMIT 1`,
  );
  if (dup) {
    const sameKey = join(
      table.key.map((k) => sql`s.${ident(k)} = f.${ident(k)}`),
      " AND ",
    );
    const [second] = await store.query<{ record: number }>(
      sql`SELECT min(${recordNumber}) AS record
          FROM ${from} JOIN (SELECT * FROM ${from} WHERE ${where} AND ${recordNumber} = ${dup.first}) AS f ON ${sameKey}
          WHERE ${where} AND ${recordNumber} > ${dup.first}`,
    );
    throw new ImportError(
      context.displayName,
      await lineOfRecord(file, Number(second?.record)),
      table.key.join(", "),
      `the same ${table.key.length > 1 ? "key" : table.key[0]} appears twice in the file (first on line ${await lineOfRecord(file, dup.first)})`,
    );
  }
}

async function upsert(context: LoadContext, table: Table, rows: number): Promise<TableCounts> {
  const { store, workspace, sourceSystem } = context;
  const target = ident(table.name);
  const keyMatch = join(
    [sql`t.workspace_id = ${workspace}`, ...table.key.map((k) => sql`t.${ident(k)} = s.${ident(k)}`)],
    " AND ",
  );
  const sameRow = join(
    [
      sql`t.source_system = ${sourceSystem}`,
      ...table.columns.map(
        (c) => sql`t.${ident(c.name)} IS NOT DISTINCT FROM ${storedValue(c, sql`s.${ident(c.name)}`)}`,
      ),
    ],
    " AND ",
  );
  const staging = ident(STAGING);

  // An empty cell of such a column means the source does not know: the stored value stays
  // (a visit linked through an identity keeps its lead when its source is imported again).
  const kept = table.columns.filter((c) => c.keepWhenEmpty);
  for (const column of kept) {
    const c = ident(column.name);
    await store.execute(
      sql`UPDATE ${staging} AS s SET ${c} = t.${c} FROM ${target} AS t
          WHERE ${keyMatch} AND s.${c} IS NULL AND t.${c} IS NOT NULL`,
    );
  }

  const [counts] = await store.query<{ existing: number; unchanged: number }>(
    sql`SELECT count(*) AS existing, count(*) FILTER (WHERE ${sameRow}) AS unchanged
        FROM ${staging} AS s JOIN ${target} AS t ON ${keyMatch}`,
  );
  const existing = Number(counts?.existing ?? 0);
  const unchanged = Number(counts?.unchanged ?? 0);

  let removed = 0;
  if (table.replaceByParent && !context.appendChildren) {
    // Rows of the same parent that the new file no longer has.
    const parent = ident(table.replaceByParent);
    const gone = sql`t.workspace_id = ${workspace}
        AND t.${parent} IN (SELECT ${parent} FROM ${staging})
        AND NOT EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${keyMatch})`;
    const [n] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM ${target} AS t WHERE ${gone}`);
    removed = Number(n?.n ?? 0);
    if (removed > 0) await store.execute(sql`DELETE FROM ${target} AS t WHERE ${gone}`);
  }
  if (table.name === "visits" && existing > 0) {
    // Visits that move to another visitor leave a gap in their old visitor's numbering too.
    await store.execute(
      sql`CREATE TEMP TABLE verity_moved_visitors AS
          SELECT DISTINCT t.visitor_id FROM ${staging} AS s JOIN ${target} AS t ON ${keyMatch}
          WHERE t.visitor_id <> s.visitor_id`,
    );
  }
  if (existing > unchanged) {
    await store.execute(
      sql`DELETE FROM ${target} AS t WHERE EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${keyMatch} AND NOT (${sameRow}))`,
    );
  }

  const hadVisits =
    table.name === "visits" &&
    (await store.query(sql`SELECT 1 AS x FROM visits WHERE workspace_id = ${workspace} LIMIT 1`)).length > 0;

  // With no stored row sharing a key, every staged row is new: no anti-join needed (the
  // common case of a first load, and most of the cost of one).
  await store.bulkInsert(table.name, rows - existing, () =>
    store.execute(insertStatement(context, table, staging, existing === 0 ? null : keyMatch)),
  );
  const moved = table.name === "visits" && existing > 0 ? "verity_moved_visitors" : null;
  if (hadVisits) await deriveVisitAttributes.refresh(store, workspace, STAGING, moved);
  if (moved) await store.execute(sql`DROP TABLE ${ident(moved)}`);

  return { rows, created: rows - existing, updated: existing - unchanged, unchanged, removed };
}

/** A staged value as stored: the column's default (canonical.ts) for an empty cell, times as UTC. */
function storedValue(column: Column, value: Sql): Sql {
  const fallback = column.default;
  if (fallback !== undefined) {
    return sql`COALESCE(${value}, ${typeof fallback === "object" ? sql`s.${ident(fallback.column)}` : sql`${fallback}`})`;
  }
  if (column.type === "timestamp") return sql`CAST(${value} AS TIMESTAMP)`;
  return value;
}

function singular(name: string): string {
  return name.replace(/_/g, " ").replace(/ies$/, "y").replace(/s$/, "");
}
