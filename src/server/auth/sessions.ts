/**
 * Dashboard sessions: a random token in an httpOnly, SameSite=Lax cookie; the database
 * keeps its SHA-256, the user and the expiry. A session ends after SESSION_IDLE_SECONDS
 * unused or SESSION_SECONDS after sign-in, whichever comes first; logging out, disabling the
 * user or changing their password deletes the row.
 *
 * The idle timeout slides `expires_at` forward as the session is used: no new column, since
 * the fortnight's end is `created_at` plus SESSION_SECONDS. The slide is written at most once
 * a minute per session (SESSION_RENEW_SECONDS), not on every request.
 */

import { type Principal, ROLE_SCOPES } from "../../accounts/access.js";
import { randomToken, sha256Hex } from "../../accounts/secrets.js";
import { type User, userById } from "../../accounts/users.js";
import { sql } from "../../store/sql.js";
import type { Store } from "../../store/store.js";

export const SESSION_COOKIE = "verity_session";
/** Sessions last a working fortnight at most. */
export const SESSION_SECONDS = 14 * 24 * 3600;
/** ... and end after half a day unused (a laptop left signed in overnight is signed out). */
export const SESSION_IDLE_SECONDS = 12 * 3600;
/** How stale the idle deadline may get before a request writes it forward. */
export const SESSION_RENEW_SECONDS = 60;

export async function createSession(store: Store, user: User): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken(32);
  const now = new Date();
  // Expired sessions go when someone signs in, so the table holds live ones only.
  await store.execute(sql`DELETE FROM sessions WHERE expires_at <= CAST(${now.toISOString()} AS TIMESTAMP)`);
  const expiresAt = new Date(now.getTime() + SESSION_IDLE_SECONDS * 1000);
  await store.execute(
    sql`INSERT INTO sessions (token_hash, user_id, workspace_id, created_at, expires_at)
        VALUES (${sha256Hex(token)}, ${user.id}, ${user.workspace}, CAST(${now.toISOString()} AS TIMESTAMP),
                CAST(${expiresAt.toISOString()} AS TIMESTAMP))`,
  );
  return { token, expiresAt };
}

export type SessionFound = {
  principal: Principal;
  user: User;
  /** The session's token hash (to keep it when its user changes their password). */
  tokenHash: string;
  /** A later idle deadline to write (renewSession) when the stored one is over a minute old; else null. */
  renewTo: Date | null;
};

export async function sessionPrincipal(store: Store, token: string, now = new Date()): Promise<SessionFound | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = sha256Hex(token);
  const [row] = await store.query<{ user_id: string; workspace_id: string; created_at: string; expires_at: string }>(
    sql`SELECT user_id, workspace_id, created_at, expires_at FROM sessions
        WHERE token_hash = ${tokenHash} AND expires_at > CAST(${now.toISOString()} AS TIMESTAMP)`,
  );
  if (!row) return null;
  const user = await userById(store, row.user_id);
  if (!user || user.workspace !== row.workspace_id) return null;
  const end = Date.parse(row.created_at) + SESSION_SECONDS * 1000;
  const wanted = Math.min(end, now.getTime() + SESSION_IDLE_SECONDS * 1000);
  const renewTo = wanted - Date.parse(row.expires_at) >= SESSION_RENEW_SECONDS * 1000 ? new Date(wanted) : null;
  return {
    user,
    tokenHash,
    renewTo,
    principal: {
      workspace: user.workspace,
      scopes: new Set(ROLE_SCOPES[user.role]),
      via: "session",
      id: user.id,
      role: user.role,
    },
  };
}

/** Moves a session's idle deadline forward (never back: two renewals may cross). */
export async function renewSession(store: Store, tokenHash: string, expiresAt: Date): Promise<void> {
  const at = expiresAt.toISOString();
  await store.execute(
    sql`UPDATE sessions SET expires_at = CAST(${at} AS TIMESTAMP)
        WHERE token_hash = ${tokenHash} AND expires_at < CAST(${at} AS TIMESTAMP)`,
  );
}

export async function deleteSession(store: Store, token: string): Promise<void> {
  await store.execute(sql`DELETE FROM sessions WHERE token_hash = ${sha256Hex(token)}`);
}
