/**
 * A user's email is unique within a workspace, no longer across the installation: with one
 * email for all, adding a user answered "exists already" for an email of another workspace,
 * telling an admin of one company who uses another (issue 13). Signing in with an email that
 * several workspaces hold tries the password against each (src/accounts/users.ts).
 *
 * Neither engine can drop the old column constraint the same way (DuckDB has no DROP
 * CONSTRAINT), so the table is rebuilt under the new constraint and renamed; the rebuild
 * runs in the migration's transaction. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function usersEmailPerWorkspaceSchema(d: Dialect): string[] {
  const statements = [
    `CREATE TABLE users_by_workspace (
      id TEXT NOT NULL PRIMARY KEY, workspace_id TEXT NOT NULL, email TEXT NOT NULL, name TEXT,
      role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at TIMESTAMP NOT NULL, disabled_at TIMESTAMP,
      UNIQUE (workspace_id, email))`,
    `INSERT INTO users_by_workspace (id, workspace_id, email, name, role, password_hash, created_at, disabled_at)
      SELECT id, workspace_id, email, name, role, password_hash, created_at, disabled_at FROM users`,
    // PostgreSQL drops users_workspace with the table; the new unique key leads with the workspace.
    "DROP TABLE users",
    "ALTER TABLE users_by_workspace RENAME TO users",
  ];
  // Signing in looks users up by email alone.
  if (d.wantsIndexes) statements.push("CREATE INDEX users_email ON users (email)");
  return statements;
}
