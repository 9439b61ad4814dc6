/**
 * What every command shares: which database, which workspace.
 */
import { openStore, resolveStoreTarget, type StoreTarget } from "../store/open-store.js";
import type { Store } from "../store/store.js";

export type GlobalOptions = { db?: string; workspace?: string };

import { DEFAULT_WORKSPACE } from "../accounts/workspaces.js";

export { DEFAULT_WORKSPACE };

export function workspaceOf(options: GlobalOptions): string {
  return options.workspace ?? (process.env.VERITY_WORKSPACE || DEFAULT_WORKSPACE);
}

export function targetOf(options: GlobalOptions): StoreTarget {
  return resolveStoreTarget({ db: options.db });
}

export function describeTarget(target: StoreTarget): string {
  return target.engine === "duckdb" ? target.path : "PostgreSQL (VERITY_DATABASE_URL)";
}

/** Opens the store, runs `work`, and always closes it. */
export async function withStore<T>(options: GlobalOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(targetOf(options));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
