/**
 * Who is asking, and what they may do. Every request resolves to a Principal bound to one
 * workspace; routes never take a workspace from the URL or the body, so a key or user of
 * workspace A cannot even name workspace B.
 */

export const SCOPES = ["metrics:read", "data:write", "campaigns:send", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ["admin", "manager", "rep"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each dashboard role may do. Reps read; managers also push data and send campaigns
 * (test sends too: a message to thousands of customers is a manager's decision); admins
 * manage keys, sites, users and the SMTP settings.
 */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  admin: ["metrics:read", "data:write", "campaigns:send", "admin"],
  manager: ["metrics:read", "data:write", "campaigns:send"],
  rep: ["metrics:read"],
};

export type Principal = {
  workspace: string;
  scopes: ReadonlySet<Scope>;
  /** How the request proved who it is. `open`: the server runs with --no-auth on loopback. */
  via: "key" | "session" | "open";
  /** The API key's id or the user's id (for logs); null when open. */
  id: string | null;
  role: Role | null;
};

export function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new Error(`unknown scope "${scope}"; scopes: ${SCOPES.join(", ")}`);
    }
  }
  if (scopes.length === 0) throw new Error(`give at least one scope: ${SCOPES.join(", ")}`);
  return [...new Set(scopes)] as Scope[];
}
