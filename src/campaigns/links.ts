/**
 * Signed links in campaign messages: a click redirect (`/c/TOKEN`) and an unsubscribe
 * (`/u/TOKEN`, RFC 8058 one-click). A token names the workspace, the campaign, the
 * recipient's number in its outbox and, for a click, the link's number; it carries an
 * HMAC-SHA256 tag (128 bits) under the workspace's own key, so nobody can forge a click or an
 * unsubscribe, or make Verity redirect anywhere: the target is read from the campaign's
 * stored links by number, never from the request.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

/** c: a click, u: an unsubscribe, o: the open pixel (a campaign that tracks opens). */
export type LinkKind = "c" | "u" | "o";

export type LinkClaim = { kind: LinkKind; workspace: string; campaign: string; recipient: number; link: number };

const TAG_BYTES = 16;
/** Tokens are short and of a known alphabet: anything else is refused before any lookup. */
export const TOKEN = /^[A-Za-z0-9_-]{8,400}\.[A-Za-z0-9_-]{22}$/;

function tag(key: string, payload: string): Buffer {
  return createHmac("sha256", Buffer.from(key, "hex")).update(payload).digest().subarray(0, TAG_BYTES);
}

function payloadOf(c: LinkClaim): string {
  return [c.kind, c.workspace, c.campaign, String(c.recipient), String(c.link)].join("\n");
}

export function signLink(key: string, claim: LinkClaim): string {
  const payload = payloadOf(claim);
  return `${Buffer.from(payload).toString("base64url")}.${tag(key, payload).toString("base64url")}`;
}

/**
 * What a token claims, unverified (the workspace it names gives the key to verify it with),
 * or null when it is not a token at all.
 */
export function readLink(token: string, kind: LinkKind): LinkClaim | null {
  if (!TOKEN.test(token)) return null;
  const [body = ""] = token.split(".");
  const parts = Buffer.from(body, "base64url").toString("utf8").split("\n");
  if (parts.length !== 5 || parts[0] !== kind) return null;
  const [, workspace = "", campaign = "", recipient = "", link = ""] = parts;
  if (!/^\d{1,12}$/.test(recipient) || !/^\d{1,4}$/.test(link) || !/^c[0-9a-f]{12}$/.test(campaign)) return null;
  // Anyone can write a token: a workspace with a NUL or another control character would reach
  // PostgreSQL as a bound value it refuses (a 500 on a public route). Refused as no token.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (workspace === "" || workspace.length > 200 || /[\u0000-\u001f\u007f\ufffd]/.test(workspace)) return null;
  return { kind, workspace, campaign, recipient: Number(recipient), link: Number(link) };
}

/** Whether `token` carries the right tag for `claim` under `key` (constant time). */
export function verifyLink(key: string, claim: LinkClaim, token: string): boolean {
  const text = token.split(".")[1] ?? "";
  const given = Buffer.from(text, "base64url");
  // One spelling per tag: base64's last character carries bits the decoder drops, so other
  // endings would decode to the same tag.
  if (given.toString("base64url") !== text) return false;
  const want = tag(key, payloadOf(claim));
  return given.length === want.length && timingSafeEqual(given, want);
}

/** The workspace's signing key, made on first use (inside the caller's transaction or not). */
export async function linkKey(store: Store, workspace: string): Promise<string> {
  const existing = await findLinkKey(store, workspace);
  if (existing) return existing;
  const key = randomBytes(32).toString("hex");
  await store.execute(
    sql`INSERT INTO campaign_keys (workspace_id, key_id, secret, created_at)
        VALUES (${workspace}, 'k1', ${key}, CAST(${new Date().toISOString()} AS TIMESTAMP))
        ON CONFLICT DO NOTHING`,
  );
  return (await findLinkKey(store, workspace)) as string;
}

export async function findLinkKey(store: Store, workspace: string): Promise<string | null> {
  const [row] = await store.query<{ secret: string }>(
    sql`SELECT secret FROM campaign_keys WHERE workspace_id = ${workspace} AND key_id = 'k1'`,
  );
  return row?.secret ?? null;
}

/**
 * The click id a click redirect adds to a link that leads to one of the workspace's own
 * tracked sites (`verity_click`): the tracker sends it with the landing page's pageview, and
 * the visit is then the recipient's (visitor_identities, src/server/collect/tracking.ts), as an
 * identify call would make it. It names no workspace (the site's key says which one) and no
 * address, only the campaign and the recipient's number, under its own tag: nobody can make
 * one up, and a forwarded message's click makes the forwardee's visit the recipient's, as
 * every email tool's click identification does (docs/campaigns.md).
 */
export const VISIT_CLICK_PARAM = "verity_click";
const VISIT_CLICK = /^(c[0-9a-f]{12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/;

export type VisitClick = { campaign: string; recipient: number };

function visitTag(key: string, workspace: string, click: VisitClick): string {
  return tag(key, ["v", workspace, click.campaign, String(click.recipient)].join("\n")).toString("base64url");
}

export function signVisitClick(key: string, workspace: string, click: VisitClick): string {
  return `${click.campaign}.${click.recipient}.${visitTag(key, workspace, click)}`;
}

/** The campaign and recipient a click id names when its tag holds under the workspace's key. */
export function verifyVisitClick(key: string, workspace: string, text: string): VisitClick | null {
  const match = VISIT_CLICK.exec(text);
  if (!match) return null;
  const click = { campaign: match[1] as string, recipient: Number(match[2]) };
  const want = Buffer.from(visitTag(key, workspace, click));
  const given = Buffer.from(match[3] as string);
  return given.length === want.length && timingSafeEqual(given, want) ? click : null;
}
