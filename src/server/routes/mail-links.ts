/**
 * The public links in campaign messages (campaigns/links.ts): `/c/TOKEN`, a click, redirected
 * to the campaign's stored link; `/o/TOKEN`, the open pixel of a campaign that tracks opens;
 * `/u/TOKEN`, the unsubscribe: a page with a button (GET never
 * unsubscribes: mail scanners and link previews fetch links), and RFC 8058's one-click POST,
 * which mail providers send without cookies or credentials and which must not answer with a
 * redirect.
 *
 * Anyone may call them, so they answer every bad token the same way (404, no hint whether
 * the workspace, campaign or recipient exists), are rate-limited per client address like
 * tracking, and never redirect anywhere but to a link the campaign stored. They are pages for
 * people, not API routes: they answer HTML and are not in the OpenAPI document.
 */
import type { Context, Hono } from "hono";
import { listSites, originAllowed } from "../../accounts/sites.js";
import {
  findLinkKey,
  type LinkClaim,
  type LinkKind,
  readLink,
  signVisitClick,
  VISIT_CLICK_PARAM,
  verifyLink,
} from "../../campaigns/links.js";
import { escapeHtml } from "../../campaigns/template.js";
import { sql } from "../../store/sql.js";
import { clientIp, rateLimitAddress, type ServerContext } from "../context.js";

function page(title: string, body: string, status = 200): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.5rem 1.2rem;cursor:pointer}</style></head><body>${body}</body></html>`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    },
  });
}

/** A transparent 1x1 GIF. */
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const INVALID = () =>
  page("Link not valid", "<h1>This link is not valid</h1><p>It may have been copied incompletely.</p>", 404);

const LIMITED = (wait: number) => {
  const res = page("Too many requests", "<h1>Too many requests</h1><p>Wait a moment and try again.</p>", 429);
  res.headers.set("retry-after", String(wait));
  return res;
};

export function registerMailLinkRoutes(app: Hono, ctx: ServerContext): void {
  /** The token's claim when its signature holds; else a page to answer (every failure alike). */
  const verified = async (c: Context, kind: LinkKind): Promise<{ claim: LinkClaim; key: string } | Response> => {
    const wait = ctx.limits.tracking.take(`mail|${rateLimitAddress(clientIp(c, ctx.trustProxy))}`);
    if (wait > 0) return LIMITED(wait);
    const token = c.req.param("token") ?? "";
    const claim = readLink(token, kind);
    if (!claim) return INVALID();
    const key = await findLinkKey(ctx.store, claim.workspace);
    return key && verifyLink(key, claim, token) ? { claim, key } : INVALID();
  };
  const event = async (claim: LinkClaim, type: "click" | "unsubscribe" | "open") => {
    const at = new Date();
    await ctx.store.execute(
      sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
          VALUES (${claim.workspace}, ${claim.campaign}, ${claim.recipient}, ${type}, ${type === "click" ? claim.link : -1},
            CAST(${at.toISOString()} AS TIMESTAMP))
          ON CONFLICT DO NOTHING`,
    );
    // Into the newsletter figures at the runner's next tick (opens are not email events there).
    if (type !== "open") ctx.campaigns.noteEvent(claim.workspace, at);
  };

  // A click: recorded, then redirected to the link the campaign stored.
  app.get("/c/:token", async (c) => {
    const checked = await verified(c, "c");
    if (checked instanceof Response) return checked;
    const { claim, key } = checked;
    const [link] = await ctx.store.query<{ url: string; utm_campaign: string }>(
      sql`SELECT l.url, m.utm_campaign FROM campaign_links l
            JOIN campaigns m ON m.workspace_id = l.workspace_id AND m.id = l.campaign_id
            WHERE l.workspace_id = ${claim.workspace} AND l.campaign_id = ${claim.campaign} AND l.link_index = ${claim.link}`,
    );
    if (!link) return INVALID();
    // Recorded after the answer, not before it: the redirect waits for no write (a click
    // behind an import or a tracking batch would), and a lost click is a lost count only.
    void ctx.writer
      .exclusive(() => event(claim, "click"))
      .catch((error) => ctx.logger.error({ err: error }, "recording a campaign click failed"));
    const target = new URL(link.url);
    // Parameters are appended to the link's query as it is written: URLSearchParams would
    // write the whole query again (`?ref` as `?ref=`, `%20` as `+`), and some links are signed
    // or compared byte for byte.
    const added: [string, string][] = [];
    // Visits from the link arrive attributed to the campaign (the newsletter-leads metric's
    // email medium), unless the link says otherwise itself.
    if (!target.searchParams.has("utm_source")) added.push(["utm_source", "verity"]);
    if (!target.searchParams.has("utm_medium")) added.push(["utm_medium", "email"]);
    if (!target.searchParams.has("utm_campaign")) added.push(["utm_campaign", link.utm_campaign]);
    // To the workspace's own tracked sites only, the click id that makes the visit the
    // recipient's (links.ts, signVisitClick); another site never learns it.
    const sites = await listSites(ctx.store, claim.workspace);
    if (sites.some((site) => originAllowed(site, target.origin))) {
      added.push([
        VISIT_CLICK_PARAM,
        signVisitClick(key, claim.workspace, { campaign: claim.campaign, recipient: claim.recipient }),
      ]);
    }
    if (added.length > 0) {
      const more = added.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&");
      target.search = target.search ? `${target.search}&${more}` : `?${more}`;
    }
    return new Response(null, {
      status: 302,
      headers: { location: target.toString(), "cache-control": "no-store", "referrer-policy": "no-referrer" },
    });
  });

  // The open pixel of a campaign that tracks opens: recorded after the answer, as a click is.
  // An unreliable figure (mail clients that fetch images ahead "open" every message, others
  // never load images): results show it only beside the others, said to be unreliable.
  app.get("/o/:token", async (c) => {
    const checked = await verified(c, "o");
    if (checked instanceof Response) return checked;
    const { claim } = checked;
    void ctx.writer
      .exclusive(() => event(claim, "open"))
      .catch((error) => ctx.logger.error({ err: error }, "recording a campaign open failed"));
    return new Response(PIXEL, {
      status: 200,
      headers: { "content-type": "image/gif", "cache-control": "no-store", "referrer-policy": "no-referrer" },
    });
  });

  // The unsubscribe page: a button (opening it unsubscribes nobody).
  app.get("/u/:token", async (c) => {
    const token = c.req.param("token");
    const checked = await verified(c, "u");
    if (checked instanceof Response) return checked;
    return page(
      "Unsubscribe",
      `<h1>Unsubscribe</h1><p>Stop receiving these emails?</p>
<form method="post" action="/u/${escapeHtml(token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
  });

  // Unsubscribe: RFC 8058's one-click POST or the page's button. A 200 page, never a
  // redirect (RFC 8058); the body, if any, is not read.
  app.post("/u/:token", async (c) => {
    const checked = await verified(c, "u");
    if (checked instanceof Response) return checked;
    const { claim } = checked;
    const now = new Date().toISOString();
    const done = await ctx.writer.exclusive(() =>
      ctx.store.transaction(async () => {
        const [row] = await ctx.store.query<{ email_hash: string }>(
          sql`SELECT email_hash FROM campaign_outbox
                WHERE workspace_id = ${claim.workspace} AND campaign_id = ${claim.campaign} AND recipient_id = ${claim.recipient}`,
        );
        if (!row) return false;
        await ctx.store.execute(
          sql`INSERT INTO mail_suppressions (workspace_id, email_hash, reason, since, source, detail)
                VALUES (${claim.workspace}, ${row.email_hash}, 'unsubscribed', CAST(${now} AS TIMESTAMP), 'campaign', ${claim.campaign})
                ON CONFLICT (workspace_id, email_hash, reason) DO UPDATE SET since = excluded.since, source = excluded.source,
                  detail = excluded.detail`,
        );
        await event(claim, "unsubscribe");
        return true;
      }),
    );
    if (!done) return INVALID();
    return page("Unsubscribed", "<h1>You are unsubscribed</h1><p>You will get no more of these emails.</p>");
  });
}
