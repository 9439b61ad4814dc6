/** Workspaces (companies) as the admin commands create them. */
import { VerityError } from "../model/errors.js";
import { ident, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

export type Workspace = { id: string; name: string; createdAt: string };

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The workspace a command or a program reads and writes when it names none. */
export const DEFAULT_WORKSPACE = "default";

/** A workspace id as every workspace is named; anything else is refused, naming the rule. */
export function checkWorkspaceId(id: string): string {
  if (typeof id !== "string" || !ID.test(id)) {
    throw new VerityError(
      "usage",
      `a workspace id is 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit (got ${JSON.stringify(id)})`,
      "workspace",
    );
  }
  return id;
}

export async function addWorkspace(store: Store, id: string, name: string = id): Promise<Workspace> {
  checkWorkspaceId(id);
  const existing = await store.query(sql`SELECT id FROM workspaces WHERE id = ${id}`);
  if (existing.length > 0) throw new Error(`workspace "${id}" exists already`);
  const at = new Date().toISOString();
  await store.execute(
    sql`INSERT INTO workspaces (id, name, created_at) VALUES (${id}, ${name}, CAST(${at} AS TIMESTAMP))`,
  );
  return { id, name, createdAt: at };
}

export async function listWorkspaces(store: Store): Promise<Workspace[]> {
  const rows = await store.query<{ id: string; name: string; created_at: string }>(
    sql`SELECT id, name, created_at FROM workspaces ORDER BY id`,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}

export async function workspaceExists(store: Store, id: string): Promise<boolean> {
  return (await store.query(sql`SELECT id FROM workspaces WHERE id = ${id}`)).length > 0;
}

/**
 * Marks a live row of `workspace` in `table` (API keys, sites) revoked; false when the
 * workspace has no such live row, so another workspace's id is answered as a missing one.
 */
export async function revokeOwned(
  store: Store,
  table: "api_keys" | "sites",
  workspace: string,
  id: string,
): Promise<boolean> {
  const live = sql`${ident(table)} WHERE id = ${id} AND workspace_id = ${workspace} AND revoked_at IS NULL`;
  const rows = await store.query(sql`SELECT id FROM ${live}`);
  if (rows.length === 0) return false;
  await store.execute(
    sql`UPDATE ${ident(table)} SET revoked_at = CAST(${new Date().toISOString()} AS TIMESTAMP)
        WHERE id = ${id} AND workspace_id = ${workspace}`,
  );
  return true;
}
