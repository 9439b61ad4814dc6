/** Dashboard users: one workspace and one role each, signing in with email and password. */
import { sql } from "../../store/sql.js";
import type { Store } from "../../store/store.js";
import { ROLES, type Role } from "./access.js";
import { decoyHash, hashPassword, randomId, verifyPassword } from "./secrets.js";
import { workspaceExists } from "./workspaces.js";

export type User = { id: string; workspace: string; email: string; name: string | null; role: Role; createdAt: string };

export const MIN_PASSWORD_LENGTH = 10;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function addUser(
  store: Store,
  input: { workspace: string; email: string; name?: string | null; role: string; password: string },
): Promise<User> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email)) throw new Error(`"${input.email}" is not an email address`);
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new Error(`unknown role "${input.role}"; roles: ${ROLES.join(", ")}`);
  }
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (!(await workspaceExists(store, input.workspace))) {
    throw new Error(`there is no workspace "${input.workspace}": add it with \`verity workspace add\``);
  }
  if ((await store.query(sql`SELECT id FROM users WHERE email = ${email}`)).length > 0) {
    throw new Error(`a user with the email ${email} exists already`);
  }
  const user: User = {
    id: `u_${randomId(16)}`,
    workspace: input.workspace,
    email,
    name: input.name ?? null,
    role: input.role as Role,
    createdAt: new Date().toISOString(),
  };
  const hash = await hashPassword(input.password);
  await store.execute(
    sql`INSERT INTO users (id, workspace_id, email, name, role, password_hash, created_at)
        VALUES (${user.id}, ${user.workspace}, ${user.email}, ${user.name}, ${user.role}, ${hash}, CAST(${user.createdAt} AS TIMESTAMP))`,
  );
  return user;
}

type UserRow = {
  id: string;
  workspace_id: string;
  email: string;
  name: string | null;
  role: string;
  created_at: string;
  password_hash: string;
};

const toUser = (r: UserRow): User => ({
  id: r.id,
  workspace: r.workspace_id,
  email: r.email,
  name: r.name,
  role: r.role as Role,
  createdAt: r.created_at,
});

export async function listUsers(store: Store, workspace: string): Promise<User[]> {
  const rows = await store.query<UserRow>(
    sql`SELECT id, workspace_id, email, name, role, created_at, password_hash FROM users
        WHERE workspace_id = ${workspace} AND disabled_at IS NULL ORDER BY email`,
  );
  return rows.map(toUser);
}

export async function userById(store: Store, id: string): Promise<User | null> {
  const [row] = await store.query<UserRow>(
    sql`SELECT id, workspace_id, email, name, role, created_at, password_hash FROM users
        WHERE id = ${id} AND disabled_at IS NULL`,
  );
  return row ? toUser(row) : null;
}

/** The user whose email and password these are, or null. Takes as long either way. */
export async function authenticateUser(store: Store, email: string, password: string): Promise<User | null> {
  const [row] = await store.query<UserRow>(
    sql`SELECT id, workspace_id, email, name, role, created_at, password_hash FROM users
        WHERE email = ${email.trim().toLowerCase()} AND disabled_at IS NULL`,
  );
  const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
  return row && ok ? toUser(row) : null;
}
