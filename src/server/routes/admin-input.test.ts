/**
 * Text the engines cannot take, in the routes that sign in and manage access: a NUL in the
 * email of POST /api/login (anyone may send one), in an id of a key, site or user, or in the
 * name of a new key, site or user reached PostgreSQL as a bound value, which it refuses, and
 * answered 500 (DuckDB took it: 401, 404 or 201). Now a 400 naming the field on both engines,
 * and nothing is written. (Issue 13: the same text intake refuses in tracking and /api/data.)
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../test/support/databases.js";
import {
  addPrincipals,
  countRows,
  type Principals,
  startTestServer,
  type TestServer,
} from "../../../test/support/server-harness.js";

describe.each(engines())("a NUL in sign-in and admin text on %s", (engine) => {
  let t: TestServer;
  let A: Principals;

  beforeAll(async () => {
    t = await startTestServer(engine, async () => {});
    A = await addPrincipals(t.store, "a");
  });
  afterAll(async () => {
    await t?.close();
  });

  test("signing in with a NUL in the email or the workspace is a 400 naming it", async () => {
    const email = await t.request("/api/login", { body: { email: `${A.users.admin.email}\u0000`, password: "x" } });
    expect(email.status).toBe(400);
    expect(email.body.error.field).toBe("body.email");
    const workspace = await t.request("/api/login", {
      body: { email: A.users.admin.email, password: "x", workspace: "a\u0000" },
    });
    expect(workspace.status).toBe(400);
    expect(workspace.body.error.field).toBe("body.workspace");
  });

  test("an id with a NUL in an admin route's path is a 400 naming it", async () => {
    const key = A.keys.all.secret;
    for (const [method, path] of [
      ["DELETE", "/api/keys/a%00"],
      ["POST", "/api/keys/a%00/rotate"],
      ["DELETE", "/api/sites/a%00"],
      ["POST", "/api/users/a%00/disable"],
      ["POST", "/api/users/a%00/enable"],
    ] as const) {
      const res = await t.request(path, { method, key });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error.field, `${method} ${path}`).toBe("path.id");
    }
    const password = await t.request("/api/users/a%00/password", { key, body: { password: "a long new password" } });
    expect(password.status).toBe(400);
    expect(password.body.error.field).toBe("path.id");
  });

  test("a new key, site or user named with a NUL is a 400 naming the field, and nothing is added", async () => {
    const key = A.keys.all.secret;
    const before = {
      keys: await countRows(t.store, "api_keys", "a"),
      sites: await countRows(t.store, "sites", "a"),
      users: await countRows(t.store, "users", "a"),
    };
    const newKey = await t.request("/api/keys", { key, body: { name: "k\u0000", scopes: ["metrics:read"] } });
    expect([newKey.status, newKey.body.error.field]).toEqual([400, "body.name"]);
    const newSite = await t.request("/api/sites", { key, body: { name: "s\u0000", domains: ["www.a.example"] } });
    expect([newSite.status, newSite.body.error.field]).toEqual([400, "body.name"]);
    const newUser = await t.request("/api/users", {
      key,
      body: { email: "new@a.example", name: "n\u0000", role: "rep", password: "a long new password" },
    });
    expect([newUser.status, newUser.body.error.field]).toEqual([400, "body.name"]);
    expect({
      keys: await countRows(t.store, "api_keys", "a"),
      sites: await countRows(t.store, "sites", "a"),
      users: await countRows(t.store, "users", "a"),
    }).toEqual(before);
  });
});
