/**
 * API keys: `vk_<id>_<secret>`. Only the secret's SHA-256 is stored; the whole key is shown
 * once, when it is created. A key belongs to one workspace and carries scopes.
 */
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import type { Principal, Scope } from "./access.js";
import { randomId, randomToken, sameDigest, sha256Hex } from "./secrets.js";
import { revokeOwned, workspaceExists } from "./workspaces.js";

export type ApiKey = { id: string; workspace: string; name: string; scopes: Scope[]; createdAt: string };

const KEY = /^vk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export async function createKey(
  store: Store,
  input: { workspace: string; name: string; scopes: readonly Scope[] },
): Promise<{ key: ApiKey; secret: string }> {
  if (!(await workspaceExists(store, input.workspace))) {
    throw new Error(`there is no workspace "${input.workspace}": add it with \`verity workspace add\``);
  }
  const id = randomId(12);
  const secret = randomToken(32);
  const key: ApiKey = {
    id,
    workspace: input.workspace,
    name: input.name,
    scopes: [...input.scopes],
    createdAt: new Date().toISOString(),
  };
  await store.execute(
    sql`INSERT INTO api_keys (id, workspace_id, name, secret_hash, scopes, created_at)
        VALUES (${id}, ${key.workspace}, ${key.name}, ${sha256Hex(secret)}, ${key.scopes.join(",")}, CAST(${key.createdAt} AS TIMESTAMP))`,
  );
  return { key, secret: `vk_${id}_${secret}` };
}

type KeyRow = {
  id: string;
  workspace_id: string;
  name: string;
  scopes: string;
  created_at: string;
  secret_hash: string;
};

const toKey = (r: KeyRow): ApiKey => ({
  id: r.id,
  workspace: r.workspace_id,
  name: r.name,
  scopes: r.scopes.split(",") as Scope[],
  createdAt: r.created_at,
});

export async function listKeys(store: Store, workspace: string): Promise<ApiKey[]> {
  const rows = await store.query<KeyRow>(
    sql`SELECT id, workspace_id, name, scopes, created_at, secret_hash FROM api_keys
        WHERE workspace_id = ${workspace} AND revoked_at IS NULL ORDER BY created_at, id`,
  );
  return rows.map(toKey);
}

/** Revokes a key of `workspace`; false when it has no such key (another workspace's key included). */
export async function revokeKey(store: Store, workspace: string, id: string): Promise<boolean> {
  return revokeOwned(store, "api_keys", workspace, id);
}

/** A live key of `workspace` by id, or null (another workspace's key included). */
export async function keyById(store: Store, workspace: string, id: string): Promise<ApiKey | null> {
  const [row] = await store.query<KeyRow>(
    sql`SELECT id, workspace_id, name, scopes, created_at, secret_hash FROM api_keys
        WHERE id = ${id} AND workspace_id = ${workspace} AND revoked_at IS NULL`,
  );
  return row ? toKey(row) : null;
}

/**
 * A new secret for a live key of `workspace`: same id, name and scopes, and the old secret
 * stops working at once. Null when the workspace has no such key.
 */
export async function rotateKey(
  store: Store,
  workspace: string,
  id: string,
): Promise<{ key: ApiKey; secret: string } | null> {
  const key = await keyById(store, workspace, id);
  if (!key) return null;
  const secret = randomToken(32);
  await store.execute(
    sql`UPDATE api_keys SET secret_hash = ${sha256Hex(secret)}
        WHERE id = ${id} AND workspace_id = ${workspace} AND revoked_at IS NULL`,
  );
  return { key, secret: `vk_${id}_${secret}` };
}

/** The principal a presented key stands for, or null for an unknown, malformed or revoked key. */
export async function authenticateKey(store: Store, presented: string): Promise<Principal | null> {
  const match = KEY.exec(presented);
  if (!match) return null;
  const [, id, secret] = match as unknown as [string, string, string];
  const [row] = await store.query<KeyRow>(
    sql`SELECT id, workspace_id, name, scopes, created_at, secret_hash FROM api_keys
        WHERE id = ${id} AND revoked_at IS NULL`,
  );
  if (!row || !sameDigest(row.secret_hash, sha256Hex(secret))) return null;
  const key = toKey(row);
  return { workspace: key.workspace, scopes: new Set(key.scopes), via: "key", id: key.id, role: null };
}
