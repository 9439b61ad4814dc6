/**
 * The campaigns:send scope (issue 18): an API key made with every scope there was (metrics:read,
 * data:write, admin) gets it too, so a key that could do everything still can (routes that
 * hand out any scope need every one). Keys with fewer scopes do not send campaigns until given
 * a key that may. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

export function campaignScopeSchema(_d: Dialect): string[] {
  const has = (scope: string) => `(',' || scopes || ',') LIKE '%,${scope},%'`;
  return [
    `UPDATE api_keys SET scopes = scopes || ',campaigns:send'
     WHERE ${has("metrics:read")} AND ${has("data:write")} AND ${has("admin")} AND NOT ${has("campaigns:send")}`,
  ];
}
