/**
 * Dashboard users: one workspace and one role each, signing in with email and password. An
 * email is unique within its workspace only (migration 015), so the same person may be a user
 * of two workspaces, and nobody adding a user learns who uses another workspace.
 */
import { raw, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { ROLES, type Role } from "./access.js";
import { decoyHash, hashPassword, randomId, verifyPassword } from "./secrets.js";
import { workspaceExists } from "./workspaces.js";

export type User = {
  id: string;
  workspace: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: string;
  /** Disabled users cannot sign in; their sessions ended when they were disabled. */
  disabled: boolean;
};

export const MIN_PASSWORD_LENGTH = 10;

/**
 * Accounts a sign-in without a workspace tries the password against, oldest first. Each try
 * is a password hash, so the count is bounded; someone in more workspaces than this names the
 * workspace when signing in.
 */
export const MAX_ACCOUNTS_PER_SIGN_IN = 4;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

export async function addUser(
  store: Store,
  input: { workspace: string; email: string; name?: string | null; role: string; password: string },
  /** The password's hash made beforehand (the server hashes outside the writer's turn). */
  passwordHash?: string,
): Promise<User> {
  const email = normalizeEmail(input.email);
  if (!EMAIL.test(email)) throw new Error(`"${input.email}" is not an email address`);
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new Error(`unknown role "${input.role}"; roles: ${ROLES.join(", ")}`);
  }
  checkPassword(input.password);
  if (!(await workspaceExists(store, input.workspace))) {
    throw new Error(`there is no workspace "${input.workspace}": add it with \`verity workspace add\``);
  }
  // Within the workspace only: its admins see its users anyway, and another workspace's are
  // none of their business.
  if (await userByEmail(store, input.workspace, email)) {
    throw new Error(`a user with the email ${email} exists already in this workspace`);
  }
  const user: User = {
    id: `u_${randomId(16)}`,
    workspace: input.workspace,
    email,
    name: input.name ?? null,
    role: input.role as Role,
    createdAt: new Date().toISOString(),
    disabled: false,
  };
  const hash = passwordHash ?? (await hashPassword(input.password));
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
  disabled_at: string | null;
  password_hash: string;
};

const COLUMNS = sql`id, workspace_id, email, name, role, created_at, disabled_at, password_hash`;

const toUser = (r: UserRow): User => ({
  id: r.id,
  workspace: r.workspace_id,
  email: r.email,
  name: r.name,
  role: r.role as Role,
  createdAt: r.created_at,
  disabled: r.disabled_at !== null,
});

/** The workspace's users, disabled ones included (`disabled` says which). */
export async function listUsers(store: Store, workspace: string): Promise<User[]> {
  const rows = await store.query<UserRow>(
    sql`SELECT ${COLUMNS} FROM users WHERE workspace_id = ${workspace} ORDER BY email`,
  );
  return rows.map(toUser);
}

/** An enabled user by id, or null. */
export async function userById(store: Store, id: string): Promise<User | null> {
  const [row] = await store.query<UserRow>(sql`SELECT ${COLUMNS} FROM users WHERE id = ${id} AND disabled_at IS NULL`);
  return row ? toUser(row) : null;
}

/** A user of `workspace` (disabled or not) by id or email, or null; another workspace's never. */
export async function findUser(store: Store, workspace: string, idOrEmail: string): Promise<User | null> {
  const key = idOrEmail.includes("@") ? normalizeEmail(idOrEmail) : idOrEmail;
  const [row] = await store.query<UserRow>(
    sql`SELECT ${COLUMNS} FROM users WHERE workspace_id = ${workspace} AND (id = ${key} OR email = ${key})`,
  );
  return row ? toUser(row) : null;
}

async function userByEmail(store: Store, workspace: string, email: string): Promise<User | null> {
  const [row] = await store.query<UserRow>(
    sql`SELECT ${COLUMNS} FROM users WHERE workspace_id = ${workspace} AND email = ${email}`,
  );
  return row ? toUser(row) : null;
}

/**
 * The user whose email and password these are, or null. With no workspace named, the
 * password is tried against each enabled account with that email (oldest first, at most
 * MAX_ACCOUNTS_PER_SIGN_IN); the first it opens signs in. Someone unknown costs one hash, like
 * someone known, so the answer's time does not tell whether the email is a user's.
 */
export async function authenticateUser(
  store: Store,
  email: string,
  password: string,
  workspace?: string,
): Promise<User | null> {
  const normalized = normalizeEmail(email);
  const rows = await store.query<UserRow>(
    workspace === undefined
      ? sql`SELECT ${COLUMNS} FROM users WHERE email = ${normalized} AND disabled_at IS NULL
            ORDER BY created_at, id LIMIT ${raw(String(MAX_ACCOUNTS_PER_SIGN_IN))}`
      : sql`SELECT ${COLUMNS} FROM users WHERE email = ${normalized} AND workspace_id = ${workspace}
            AND disabled_at IS NULL`,
  );
  if (rows.length === 0) {
    await verifyPassword(password, await decoyHash());
    return null;
  }
  for (const row of rows) if (await verifyPassword(password, row.password_hash)) return toUser(row);
  return null;
}

/** Whether `password` is the user's (changing one's own password asks for the current one). */
export async function passwordMatches(store: Store, userId: string, password: string): Promise<boolean> {
  const [row] = await store.query<{ password_hash: string }>(sql`SELECT password_hash FROM users WHERE id = ${userId}`);
  return row ? verifyPassword(password, row.password_hash) : false;
}

/**
 * Sets a user's password hash (hashPassword, outside any lock: it takes ~0.1 s) and ends
 * their sessions, all but `keepSession` (the token hash of the session that changed its own
 * password). The caller has checked the user is theirs to change.
 */
export async function setPasswordHash(
  store: Store,
  userId: string,
  hash: string,
  keepSession: string | null = null,
): Promise<void> {
  await store.transaction(async () => {
    await store.execute(sql`UPDATE users SET password_hash = ${hash} WHERE id = ${userId}`);
    await store.execute(
      keepSession === null
        ? sql`DELETE FROM sessions WHERE user_id = ${userId}`
        : sql`DELETE FROM sessions WHERE user_id = ${userId} AND token_hash <> ${keepSession}`,
    );
  });
}

/** The same from the password itself, checked and hashed (the CLI's way). */
export async function setPassword(store: Store, userId: string, password: string): Promise<void> {
  checkPassword(password);
  await setPasswordHash(store, userId, await hashPassword(password));
}

/** Disables (true) or enables (false) a user; disabling ends their sessions at once. */
export async function setUserDisabled(store: Store, userId: string, disabled: boolean): Promise<void> {
  await store.transaction(async () => {
    await store.execute(
      disabled
        ? sql`UPDATE users SET disabled_at = CAST(${new Date().toISOString()} AS TIMESTAMP) WHERE id = ${userId}`
        : sql`UPDATE users SET disabled_at = NULL WHERE id = ${userId}`,
    );
    if (disabled) await store.execute(sql`DELETE FROM sessions WHERE user_id = ${userId}`);
  });
}
