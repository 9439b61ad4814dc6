/**
 * Websites that send tracking events. Each has a public key (`vs_<id>`, written into the
 * page's script tag, so not a secret) that can write tracking events to its workspace and
 * nothing else, and the domains allowed to send them (checked against the Origin header).
 */
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { randomId } from "./secrets.js";
import { revokeOwned, workspaceExists } from "./workspaces.js";

export type Site = {
  id: string;
  publicKey: string;
  workspace: string;
  name: string;
  /** Hosts, optionally with a port ("example.com", "shop.example.com", "127.0.0.1:5173"). */
  domains: string[];
  respectPrivacySignals: boolean;
  createdAt: string;
};

// Dot-separated labels ("." or "a..b" would be accepted and never match an origin).
const DOMAIN = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

export function normalizeDomain(text: string): string {
  const trimmed = text.trim().toLowerCase();
  // Accept a pasted origin ("https://example.com/") as its host.
  const host = trimmed.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
  if (!DOMAIN.test(host)) throw new Error(`"${text}" is not a domain (example.com, *.example.com or host:port)`);
  return host;
}

export async function createSite(
  store: Store,
  workspace: string,
  input: { name: string; domains: readonly string[]; respectPrivacySignals?: boolean },
): Promise<Site> {
  if (!(await workspaceExists(store, workspace))) {
    throw new Error(`there is no workspace "${workspace}": add it with \`verity workspace add\``);
  }
  const domains = [...new Set(input.domains.map(normalizeDomain))];
  if (domains.length === 0) throw new Error("give at least one domain the site is served from");
  const id = randomId(20);
  const site: Site = {
    id,
    publicKey: `vs_${id}`,
    workspace,
    name: input.name,
    domains,
    respectPrivacySignals: input.respectPrivacySignals ?? false,
    createdAt: new Date().toISOString(),
  };
  await store.execute(
    sql`INSERT INTO sites (id, workspace_id, name, domains, respect_privacy_signals, created_at)
        VALUES (${id}, ${workspace}, ${site.name}, ${domains.join(",")}, ${site.respectPrivacySignals},
                CAST(${site.createdAt} AS TIMESTAMP))`,
  );
  return site;
}

type SiteRow = {
  id: string;
  workspace_id: string;
  name: string;
  domains: string;
  respect_privacy_signals: boolean;
  created_at: string;
};

const toSite = (r: SiteRow): Site => ({
  id: r.id,
  publicKey: `vs_${r.id}`,
  workspace: r.workspace_id,
  name: r.name,
  domains: r.domains.split(","),
  respectPrivacySignals: r.respect_privacy_signals,
  createdAt: r.created_at,
});

export async function listSites(store: Store, workspace: string): Promise<Site[]> {
  const rows = await store.query<SiteRow>(
    sql`SELECT id, workspace_id, name, domains, respect_privacy_signals, created_at FROM sites
        WHERE workspace_id = ${workspace} AND revoked_at IS NULL ORDER BY created_at, id`,
  );
  return rows.map(toSite);
}

export async function siteByPublicKey(store: Store, publicKey: string): Promise<Site | null> {
  const match = /^vs_([a-z0-9]{20})$/.exec(publicKey);
  if (!match) return null;
  const [row] = await store.query<SiteRow>(
    sql`SELECT id, workspace_id, name, domains, respect_privacy_signals, created_at FROM sites
        WHERE id = ${match[1] ?? ""} AND revoked_at IS NULL`,
  );
  return row ? toSite(row) : null;
}

/**
 * Revokes a site of `workspace` by id or public key: tracking with its key is refused from
 * then on (a running server's SiteCache must forget it). False when it has no such site.
 */
export async function revokeSite(store: Store, workspace: string, idOrPublicKey: string): Promise<boolean> {
  const id = idOrPublicKey.replace(/^vs_/, "");
  return revokeOwned(store, "sites", workspace, id);
}

/** Whether a request's Origin header is one of the site's domains (a `*.` domain covers its subdomains). */
export function originAllowed(site: Site, origin: string): boolean {
  let host: string;
  let hostname: string;
  try {
    const url = new URL(origin);
    host = url.host.toLowerCase();
    hostname = url.hostname.toLowerCase();
  } catch {
    return false;
  }
  return site.domains.some((domain) => {
    if (domain.startsWith("*.")) {
      const base = domain.slice(2);
      return hostname === base || hostname.endsWith(`.${base}`);
    }
    return domain.includes(":") ? host === domain : hostname === domain;
  });
}
