/**
 * Visits that arrive from a campaign link, joined to the recipient who clicked it (issue 18):
 * the click redirect adds a signed click id to links that lead to the workspace's own tracked
 * sites (links.ts, signVisitClick), the tracker sends it with the landing page's pageview,
 * and the tracking writer calls this with the batch's click ids. A verified id names the
 * campaign and the recipient's number; the outbox gives the recipient's email hash, which
 * becomes the visitor's identity (visitor_identities, source 'campaign'), as the tracker's
 * identify call would: the lead timeline then shows the visitor's visits, and the visit is
 * linked to the lead of that contact (src/derive/visit-leads.ts).
 *
 * An id that does not verify (made up, cut short by a mail client, another workspace's) is
 * ignored, not refused: the pageview it came with is stored either way.
 */
import { linkIdentifiedVisits } from "../derive/visit-leads.js";
import { join, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { findLinkKey, type VisitClick, verifyVisitClick } from "./links.js";

/** A pageview that carried a click id: its visitor and visit (as stored: visitor.visit), when. */
export type SeenClick = { click: string; visitorId: string; visitId: string; at: string; firstTouch: string | null };

/** Rows of a batch are few with a click id; the outbox is asked in chunks of this many pairs. */
const CHUNK = 200;

/**
 * Records the identities the batch's click ids prove, inside the tracking writer's
 * transaction, and links their visits to leads. Returns how many identities were new.
 */
export async function identifyByClicks(store: Store, workspace: string, seen: readonly SeenClick[]): Promise<number> {
  if (seen.length === 0) return 0;
  const key = await findLinkKey(store, workspace);
  if (!key) return 0;
  const verified: (SeenClick & VisitClick)[] = [];
  for (const s of seen) {
    const click = verifyVisitClick(key, workspace, s.click);
    if (click) verified.push({ ...s, ...click });
  }
  if (verified.length === 0) return 0;

  const hashes = new Map<string, string>();
  const pairs = [...new Map(verified.map((v) => [`${v.campaign}.${v.recipient}`, v])).values()];
  for (let i = 0; i < pairs.length; i += CHUNK) {
    const which = pairs
      .slice(i, i + CHUNK)
      .map((p) => sql`(campaign_id = ${p.campaign} AND recipient_id = ${p.recipient})`);
    // An erased person's old click id identifies nobody: their hash is kept only to never mail them.
    const rows = await store.query<{ campaign_id: string; recipient_id: number; email_hash: string }>(
      sql`SELECT o.campaign_id, o.recipient_id, o.email_hash FROM campaign_outbox o
          WHERE o.workspace_id = ${workspace} AND (${join(which, " OR ")})
            AND NOT EXISTS (SELECT 1 FROM mail_suppressions s
              WHERE s.workspace_id = o.workspace_id AND s.email_hash = o.email_hash AND s.reason = 'erased')`,
    );
    for (const r of rows) hashes.set(`${r.campaign_id}.${Number(r.recipient_id)}`, r.email_hash);
  }

  let added = 0;
  const visits = new Set<string>();
  const done = new Set<string>();
  for (const v of verified) {
    const hash = hashes.get(`${v.campaign}.${v.recipient}`);
    if (!hash || done.has(`${v.visitorId}\n${hash}`)) continue;
    done.add(`${v.visitorId}\n${hash}`);
    // The first time this visitor is known as this address, as the tracker's identify keeps it.
    const [existing] = await store.query(
      sql`SELECT 1 AS x FROM visitor_identities
          WHERE workspace_id = ${workspace} AND visitor_id = ${v.visitorId} AND email_hash = ${hash}`,
    );
    if (existing) continue;
    await store.execute(
      sql`INSERT INTO visitor_identities (workspace_id, visitor_id, email_hash, visit_id, identified_at, first_touch, source_system)
          VALUES (${workspace}, ${v.visitorId}, ${hash}, ${v.visitId}, CAST(${v.at} AS TIMESTAMP), ${v.firstTouch}, 'campaign')`,
    );
    visits.add(v.visitId);
    added++;
  }
  if (visits.size > 0) {
    await linkIdentifiedVisits(store, workspace, sql`i.visit_id IN (${join([...visits].map((id) => sql`${id}`))})`);
  }
  return added;
}
