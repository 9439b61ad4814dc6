/**
 * Sessions made before the idle timeout were stored with their fortnight's end as the
 * deadline, which the sliding idle logic only ever moves forward: they had no idle timeout
 * for up to 14 days. Migration 016 ends them (users sign in again), on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomToken, sha256Hex } from "../src/accounts/secrets.js";
import { SESSION_SECONDS, sessionPrincipal } from "../src/server/auth/sessions.js";
import { migrate } from "../src/store/migrate.js";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { addPrincipals, type Principals } from "./support/server-harness.js";
import { openTestStore, type TestStore } from "./support/stores.js";

describe.each(engines())("sessions from before the idle timeout on %s", (engine) => {
  let t: TestStore;
  let a: Principals;
  beforeAll(async () => {
    t = await openTestStore(engine);
    a = await addPrincipals(t.store, "a");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("a session stored with its fortnight's end as the deadline is ended by migration 016", async () => {
    const token = randomToken(32);
    const now = new Date();
    // As the version before the idle timeout stored it: expires_at 14 days after sign-in.
    await t.store.execute(
      sql`INSERT INTO sessions (token_hash, user_id, workspace_id, created_at, expires_at)
          VALUES (${sha256Hex(token)}, ${a.users.manager.id}, 'a', CAST(${now.toISOString()} AS TIMESTAMP),
                  CAST(${new Date(now.getTime() + SESSION_SECONDS * 1000).toISOString()} AS TIMESTAMP))`,
    );
    // Unused for a day it would still be good: the idle deadline never applied to it.
    const dayLater = new Date(now.getTime() + 24 * 3600_000);
    expect(await sessionPrincipal(t.store, token, dayLater)).not.toBeNull();

    // The database as the version before: migration 016 not yet applied.
    await t.store.execute(sql`DELETE FROM schema_migrations WHERE version = 16`);
    expect(await migrate(t.store)).toContain(16);
    expect(await sessionPrincipal(t.store, token, now)).toBeNull();
    expect(await t.store.query(sql`SELECT token_hash FROM sessions`)).toEqual([]);
  });
});
