/**
 * Dashboard sessions: a random token in an httpOnly, SameSite=Lax cookie; the database
 * keeps its SHA-256, the user and the expiry. Logging out deletes the row.
 */
import { sql } from "../../store/sql.js";
import type { Store } from "../../store/store.js";
import { type Principal, ROLE_SCOPES } from "./access.js";
import { randomToken, sha256Hex } from "./secrets.js";
import { type User, userById } from "./users.js";

export const SESSION_COOKIE = "verity_session";
/** Sessions last a working fortnight. */
export const SESSION_SECONDS = 14 * 24 * 3600;

export async function createSession(store: Store, user: User): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken(32);
  const now = new Date();
  // Expired sessions go when someone signs in, so the table holds live ones only.
  await store.execute(sql`DELETE FROM sessions WHERE expires_at <= CAST(${now.toISOString()} AS TIMESTAMP)`);
  const expiresAt = new Date(now.getTime() + SESSION_SECONDS * 1000);
  await store.execute(
    sql`INSERT INTO sessions (token_hash, user_id, workspace_id, created_at, expires_at)
        VALUES (${sha256Hex(token)}, ${user.id}, ${user.workspace}, CAST(${now.toISOString()} AS TIMESTAMP),
                CAST(${expiresAt.toISOString()} AS TIMESTAMP))`,
  );
  return { token, expiresAt };
}

export async function sessionPrincipal(
  store: Store,
  token: string,
): Promise<{ principal: Principal; user: User } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const [row] = await store.query<{ user_id: string; workspace_id: string }>(
    sql`SELECT user_id, workspace_id FROM sessions
        WHERE token_hash = ${sha256Hex(token)} AND expires_at > CAST(${new Date().toISOString()} AS TIMESTAMP)`,
  );
  if (!row) return null;
  const user = await userById(store, row.user_id);
  if (!user || user.workspace !== row.workspace_id) return null;
  return {
    user,
    principal: {
      workspace: user.workspace,
      scopes: new Set(ROLE_SCOPES[user.role]),
      via: "session",
      id: user.id,
      role: user.role,
    },
  };
}

export async function deleteSession(store: Store, token: string): Promise<void> {
  await store.execute(sql`DELETE FROM sessions WHERE token_hash = ${sha256Hex(token)}`);
}
