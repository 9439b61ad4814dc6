/**
 * Sessions made before the idle timeout (src/server/auth/sessions.ts) were stored with their
 * fortnight's end as `expires_at`. The sliding idle deadline only ever moves `expires_at`
 * forward, so such a session never met the half-day idle timeout until its fortnight ended.
 * Every existing session is deleted: users sign in again once, and each new session has the
 * idle deadline from the start. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function sessionsIdleSchema(_d: Dialect): string[] {
  return ["DELETE FROM sessions"];
}
