/**
 * Which database a command uses: PostgreSQL when a URL is configured, otherwise the
 * embedded DuckDB file (`--db PATH`, `VERITY_DB`, or ./verity.duckdb).
 */
import type { PostgresStoreOptions } from "./postgres-store.js";
import type { Store } from "./store.js";

export const DEFAULT_DB_FILE = "verity.duckdb";

export type StoreConfig = { db?: string | undefined; databaseUrl?: string | undefined };

export type StoreTarget = { engine: "duckdb"; path: string } | { engine: "postgres"; url: string };

export function resolveStoreTarget(config: StoreConfig, env: NodeJS.ProcessEnv = process.env): StoreTarget {
  const url = config.databaseUrl ?? env.VERITY_DATABASE_URL;
  // `--db postgres://...` means that server, not a DuckDB file named "postgres:".
  if (config.db && /^postgres(ql)?:\/\//.test(config.db)) return { engine: "postgres", url: config.db };
  if (config.db) return { engine: "duckdb", path: config.db };
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new Error(`VERITY_DATABASE_URL must start with postgres:// (got ${url.split(":")[0]}:…)`);
    }
    return { engine: "postgres", url };
  }
  return { engine: "duckdb", path: env.VERITY_DB || DEFAULT_DB_FILE };
}

/**
 * Opens the configured store and brings its schema up to date. `options.warn` hears of
 * connection trouble no caller is waiting for (PostgreSQL; default: a line on stderr).
 */
export async function openStore(target: StoreTarget, options: Pick<PostgresStoreOptions, "warn"> = {}): Promise<Store> {
  // Each engine's driver is loaded when it is opened, not with this module: a command on
  // DuckDB never loads pg, and one that opens no database (`verity --help`) loads neither.
  const store =
    target.engine === "duckdb"
      ? await (await import("./duckdb-store.js")).openDuckDbStore(target.path)
      : await (await import("./postgres-store.js")).openPostgresStore(target.url, options);
  try {
    const { migrate } = await import("./migrate.js");
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
