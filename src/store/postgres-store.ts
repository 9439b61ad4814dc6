/**
 * The server engine: PostgreSQL through a connection pool. A transaction holds one pooled
 * client; queries issued inside it (found through AsyncLocalStorage) run on that client.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import Papa from "papaparse";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Column } from "../model/canonical.js";
import { DIALECTS } from "./dialect.js";
import { normalizeRow } from "./normalize.js";
import type { Sql } from "./sql.js";
import {
  describeType,
  type Row,
  STAGE_SLICE,
  type StagedColumn,
  type StagedRow,
  StagingError,
  type Store,
  sqlType,
} from "./store.js";

// Both engines hand back plain numbers and ISO timestamps (see normalize.ts).
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    switch (oid) {
      case 20: // int8
      case 1700: // numeric
        return (text: string) => {
          const n = Number(text);
          return oid === 20 && !Number.isSafeInteger(n) ? text : n;
        };
      case 1114: // timestamp: stored in UTC
        return (text: string) => `${text.slice(0, 19).replace(" ", "T")}${fraction(text)}Z`;
      case 1184: // timestamptz, session zone UTC: 2025-01-02 03:04:05.678+00
        return (text: string) => new Date(text.replace(" ", "T").replace(/\+00$/, "Z")).toISOString();
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
};

/** '2025-01-02 03:04:05.5' -> '.500'; no fraction -> '.000' (as Date.toISOString writes it). */
function fraction(text: string): string {
  const dot = text.indexOf(".");
  return dot < 0 ? ".000" : `.${text.slice(dot + 1, dot + 4).padEnd(3, "0")}`;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://…";
  }
}

export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    types,
    // Timestamps are UTC everywhere (see canonical.ts); TIMESTAMPTZ -> TIMESTAMP casts use it.
    // DateStyle: an ambiguous 03/01/2025 is an error, not a guess by the server's locale.
    options: "-c TimeZone=UTC -c DateStyle=ISO,YMD",
  });
  // Fail here, with the server's own words, rather than at the first query.
  const client = await pool.connect();
  client.release();
  return new PostgresStore(pool, redactUrl(url));
}

type Queryable = pg.Pool | pg.PoolClient;

class PostgresStore implements Store {
  readonly engine = "postgres" as const;
  readonly dialect = DIALECTS.postgres;
  private readonly current = new AsyncLocalStorage<pg.PoolClient>();
  /** Share of the file a running COPY has read (the only statement whose progress we know). */
  private copied: number | null = null;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {}

  private get db(): Queryable {
    return this.current.getStore() ?? this.pool;
  }

  async query<T extends Row = Row>(statement: Sql): Promise<T[]> {
    const { text, values } = statement.compile();
    const result = await this.db.query(text, values as unknown[]);
    return result.rows.map((row: Record<string, unknown>) => normalizeRow(row) as T);
  }

  async execute(statement: Sql): Promise<void> {
    const { text, values } = statement.compile();
    await this.db.query(text, values as unknown[]);
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) throw new Error("transactions do not nest");
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await this.current.run(client, work);
      await client.query("COMMIT");
      client.release();
      return result;
    } catch (error) {
      // A client whose ROLLBACK failed is broken: release(error) discards it from the pool.
      await client.query("ROLLBACK").then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw error;
    }
  }

  async stageRows(staging: string, columns: readonly StagedColumn[], rows: readonly StagedRow[]): Promise<void> {
    const client = this.current.getStore();
    if (!client) throw new Error("stageRows runs inside a transaction (temporary tables live on one connection)");
    const definitions = columns.map((c) => `${quoteIdent(c.name)} ${c.type === "integer" ? "BIGINT" : "TEXT"}`);
    await client.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`);
    await client.query(`CREATE TEMP TABLE ${quoteIdent(staging)} (${definitions.join(", ")}) ON COMMIT DROP`);
    const list = columns.map((c) => quoteIdent(c.name)).join(", ");
    // CSV, a slice at a time: an unquoted empty cell is NULL, a quoted one an empty string.
    async function* csv() {
      for (let start = 0; start < rows.length; start += STAGE_SLICE) {
        if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        yield `${Papa.unparse(rows.slice(start, start + STAGE_SLICE) as StagedRow[] as unknown[][], { newline: "\n", quotes: (value: unknown) => value !== null && value !== undefined })}\n`;
      }
    }
    await pipeline(
      Readable.from(csv()),
      client.query(copyFrom(`COPY ${quoteIdent(staging)} (${list}) FROM STDIN WITH (FORMAT csv)`)),
    );
  }

  async stageCsv(
    staging: string,
    file: string,
    columns: readonly Column[],
    fileColumns: readonly string[],
  ): Promise<number> {
    const client = this.current.getStore();
    if (!client) throw new Error("stageCsv runs inside a transaction (temporary tables live on one connection)");
    const known = new Set(columns.map((c) => c.name));
    for (const name of fileColumns) if (!known.has(name)) throw new Error(`unknown column ${name}`);
    // Staged timestamps are TIMESTAMPTZ so that explicit offsets convert to UTC; they
    // compare and insert into TIMESTAMP columns through the session zone (UTC).
    const definitions = columns.map(
      (c) => `${quoteIdent(c.name)} ${c.type === "timestamp" ? "TIMESTAMPTZ" : sqlType(c.type)}`,
    );
    // The checks and the upsert that follow group and join whole files: give them memory
    // for the rest of this transaction instead of the 4 MB default, which sorts on disk.
    await client.query("SET LOCAL work_mem = '256MB'");
    await client.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`);
    await client.query(
      `CREATE TEMP TABLE ${quoteIdent(staging)} (_rec BIGINT GENERATED ALWAYS AS IDENTITY, ${definitions.join(", ")}) ON COMMIT DROP`,
    );
    const list = fileColumns.map(quoteIdent).join(", ");
    // FORCE_NULL: a quoted empty cell is NULL too, as DuckDB's read_csv reads it.
    const copy = client.query(
      copyFrom(`COPY ${quoteIdent(staging)} (${list}) FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NULL (${list}))`),
    );
    try {
      const { size } = await stat(file);
      const input = createReadStream(file);
      let read = 0;
      input.on("data", (chunk) => {
        read += chunk.length;
        this.copied = size > 0 ? read / size : 1;
      });
      this.copied = 0;
      await pipeline(input, copy);
    } catch (error) {
      throw toStagingError(error, columns);
    } finally {
      this.copied = null;
    }
    return Number(copy.rowCount ?? 0);
  }

  async bulkInsert(table: string, rows: number, insert: () => Promise<void>): Promise<void> {
    const client = this.current.getStore();
    if (!client) throw new Error("bulkInsert runs inside a transaction");
    // Index builds get more memory than the 64 MB default.
    await client.query("SET LOCAL maintenance_work_mem = '512MB'");
    // Only a first load into an empty table drops its indexes: the rebuild then costs no more
    // than the load, and the exclusive lock it takes keeps out nobody else's rows.
    const [empty] = (
      await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${quoteIdent(table)}) AS empty`)
    ).rows;
    if (rows < 50_000 || !empty?.empty) {
      await insert();
      return;
    }
    const indexes = (
      await client.query<{ name: string; definition: string; constraint: string | null; kind: string | null }>(
        `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition, c.conname AS constraint, c.contype AS kind
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype IN ('p', 'u')
         WHERE x.indrelid = $1::regclass`,
        [table],
      )
    ).rows;
    for (const index of indexes) {
      await client.query(
        index.constraint
          ? `ALTER TABLE ${quoteIdent(table)} DROP CONSTRAINT ${quoteIdent(index.constraint)}`
          : `DROP INDEX ${quoteIdent(index.name)}`,
      );
    }
    await insert();
    for (const index of indexes) {
      await client.query(index.definition);
      if (index.constraint) {
        await client.query(
          `ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(index.constraint)} ${index.kind === "p" ? "PRIMARY KEY" : "UNIQUE"} USING INDEX ${quoteIdent(index.name)}`,
        );
      }
    }
  }

  statementProgress(): number | null {
    return this.copied;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function toStagingError(error: unknown, columns: readonly Column[]): unknown {
  if (!(error instanceof Error) || !("where" in error)) return error;
  const where = String((error as { where?: string }).where ?? "");
  // CONTEXT: COPY staging, line 3, column created_at: "notadate"
  const match = /line (\d+)(?:, column ([^:]+))?(?:: "(.*)")?/s.exec(where);
  if (!match) return error;
  const line = Number(match[1]); // physical line, the header being line 1
  const column = match[2] ?? null;
  const value = match[3] ?? null;
  const type = columns.find((c) => c.name === column)?.type;
  if (value === "" && /missing data for column/.test(error.message)) {
    return new StagingError("the line is blank (remove it)", { line }, null, "");
  }
  const reason =
    column && value !== null && /invalid input|out of range/.test(error.message)
      ? `${JSON.stringify(value)} is not ${describeType(type)}`
      : error.message;
  return new StagingError(reason, { line }, column, value);
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
