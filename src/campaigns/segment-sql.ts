/**
 * A segment definition (segment-definition.ts) as one SQL statement over the workspace's
 * people. Every value is a bound parameter and every table read is tied to the workspace;
 * the SQL is written once for both engines.
 *
 * A person is an email hash: a contact with an opt-in (mail_contacts), a lead's contact
 * (leads.contact_hash), a newsletter subscriber, or an identified website visitor. Each
 * condition is a set of hashes (`IN (SELECT ...)`, a semi-join both engines plan as one hash
 * join, not a subquery a person), combined with AND, OR and NOT.
 *
 * Relative windows ("within 30 days", "days in stage") are measured back from `asOf` (now,
 * when a campaign is sent) in whole days, as the stalled list counts them.
 */
import { join, raw, type Sql, sql, timestamp } from "../store/sql.js";
import { SOURCE as MIRROR_SOURCE } from "./newsletter-mirror.js";
import type { Condition, LeadFilter, VisitsFilter } from "./segment-definition.js";

const DAY_MS = 86_400_000;

export type SegmentScope = {
  workspace: string;
  /** The moment relative windows are measured back from. */
  asOf: Date;
};

function daysBefore(scope: SegmentScope, days: number): Sql {
  return timestamp(new Date(scope.asOf.getTime() - days * DAY_MS));
}

/** `lower(column) IN (lower($1), ...)`: names are matched ignoring case, as the CLI's --rep is. */
function inLower(column: Sql, values: readonly string[]): Sql {
  return sql`lower(${column}) IN (${join(values.map((v) => sql`${v.toLowerCase()}`))})`;
}

function leadSet(scope: SegmentScope, f: LeadFilter): Sql {
  const w = scope.workspace;
  const asOf = timestamp(scope.asOf);
  // As of asOf: leads created by then, open if they closed after it. Their stage is the
  // current one (stage history is not replayed here), so days in stage leave out a lead whose
  // stage changed after asOf.
  const where: Sql[] = [sql`l.workspace_id = ${w}`, sql`l.contact_hash IS NOT NULL`, sql`l.created_at <= ${asOf}`];
  const status = sql`CASE WHEN l.closed_at > ${asOf} THEN 'open' ELSE l.status END`;
  if (f.status) where.push(sql`${status} IN (${join(f.status.map((s) => sql`${s}`))})`);
  if (f.stage) {
    where.push(
      sql`l.stage_id IN (SELECT st.id FROM stages st WHERE st.workspace_id = ${w} AND ${inLower(sql`st.name`, f.stage)})`,
    );
  }
  if (f.owner) {
    const byId = join(f.owner.map((o) => sql`${o}`));
    where.push(
      sql`l.owner_id IN (SELECT r.id FROM reps r WHERE r.workspace_id = ${w} AND (r.id IN (${byId}) OR ${inLower(sql`r.name`, f.owner)}))`,
    );
  }
  if (f.team) {
    where.push(
      sql`l.owner_id IN (SELECT r.id FROM reps r WHERE r.workspace_id = ${w} AND ${inLower(sql`r.team`, f.team)})`,
    );
  }
  if (f.source) where.push(inLower(sql`l.source_channel`, f.source));
  if (f.loss_reason) where.push(inLower(sql`l.loss_reason`, f.loss_reason));
  if (f.value?.min !== undefined) where.push(sql`l.value >= ${f.value.min}`);
  if (f.value?.max !== undefined) where.push(sql`l.value <= ${f.value.max}`);
  if (f.days_in_stage) {
    // Days in the current stage, as the stalled list counts them: since the lead's last
    // stage change, or since it was created when it has none. Open leads only: a closed
    // lead is in no stage any more.
    const since = sql`COALESCE(l.last_event_at, l.created_at)`;
    where.push(sql`${status} = 'open'`, sql`${since} <= ${asOf}`);
    if (f.days_in_stage.min !== undefined) where.push(sql`${since} <= ${daysBefore(scope, f.days_in_stage.min)}`);
    if (f.days_in_stage.max !== undefined) where.push(sql`${since} > ${daysBefore(scope, f.days_in_stage.max + 1)}`);
  }
  if (f.created_within_days !== undefined) {
    where.push(
      sql`l.created_at > ${daysBefore(scope, f.created_within_days)}`,
      sql`l.created_at <= ${timestamp(scope.asOf)}`,
    );
  }
  if (f.closed_within_days !== undefined) {
    where.push(
      sql`l.closed_at > ${daysBefore(scope, f.closed_within_days)}`,
      sql`l.closed_at <= ${timestamp(scope.asOf)}`,
    );
  }
  return sql`SELECT l.contact_hash FROM leads l WHERE ${join(where, " AND ")}`;
}

/**
 * A newsletter tool's subscriber rows only: the rows Verity writes for its own contacts
 * (newsletter-mirror.ts) repeat the contacts and their suppressions, and read back here they
 * would decide a suppression by itself (a contact's row "still subscribed" overruling the
 * tool's unsubscribe). A segment's `subscriber` is a subscriber of the tool.
 */
function toolRows(alias: string): Sql {
  return sql`${raw(alias)}.source_system <> ${MIRROR_SOURCE}`;
}

function subscriberSet(scope: SegmentScope, since: number | undefined): Sql {
  const asOf = timestamp(scope.asOf);
  return sql`SELECT s.email_hash FROM newsletter_subscribers s
    WHERE s.workspace_id = ${scope.workspace} AND s.email_hash IS NOT NULL AND ${toolRows("s")} AND s.subscribed_at <= ${asOf}
      AND (s.unsubscribed_at IS NULL OR s.unsubscribed_at > ${asOf})${
        since === undefined ? sql`` : sql` AND s.subscribed_at > ${daysBefore(scope, since)}`
      }`;
}

/**
 * The visitors that are a person: those who identified with the address (tracked or imported),
 * and those whose visit became a lead with that contact (a form filled in). Built once per
 * statement (a materialized CTE, PERSON_VISITORS) however many visit conditions use it: each
 * rebuilt it before, a scan of every visit of the workspace (issue 18 review: 10 s a
 * condition at a million leads).
 */
const PERSON_VISITORS = "verity_person_visitors";

function personVisitors(w: string): Sql {
  return sql`SELECT i.email_hash, i.visitor_id FROM visitor_identities i WHERE i.workspace_id = ${w}
    UNION
    SELECT cl.contact_hash, cv.visitor_id FROM visits cv
      JOIN leads cl ON cl.workspace_id = cv.workspace_id AND cl.id = cv.converted_lead_id
    WHERE cv.workspace_id = ${w} AND cl.contact_hash IS NOT NULL AND cv.converted_lead_id IS NOT NULL`;
}

/** The lower bound a visits filter means: as given; 0 when only a maximum is given; else 1. */
export function visitsMin(f: VisitsFilter): number {
  return f.min ?? (f.max !== undefined ? 0 : 1);
}

/**
 * The people whose visits in the window fall in the range (and the recency): grouped by
 * person, so both bounds and the last visit are one pass. A lower bound of 0 is the
 * complement of "more than max" (people with no visit at all included); recency needs a
 * visit, so the definition refuses it with a lower bound of 0 (segment-definition.ts).
 */
function visitsCondition(scope: SegmentScope, f: VisitsFilter, person: Sql): Sql {
  const w = scope.workspace;
  const where: Sql[] = [
    sql`v.workspace_id = ${w}`,
    sql`v.started_at > ${daysBefore(scope, f.within_days)}`,
    sql`v.started_at <= ${timestamp(scope.asOf)}`,
  ];
  if (f.page !== undefined) {
    // A page is matched in the landing URL, or in a tracked page view of the visit. strpos,
    // not LIKE: a % or _ in the text typed is a character, not a pattern.
    const page = f.page.toLowerCase();
    where.push(sql`(strpos(lower(v.landing_url), ${page}) > 0 OR v.visit_id IN (
      SELECT e.visit_id FROM tracked_events e
      WHERE e.workspace_id = ${w} AND e.type = 'pageview' AND strpos(lower(e.url), ${page}) > 0))`);
  }
  const from = sql`FROM ${raw(PERSON_VISITORS)} pv
    JOIN visits v ON v.workspace_id = ${w} AND v.visitor_id = pv.visitor_id
    WHERE ${join(where, " AND ")}
    GROUP BY pv.email_hash`;
  const min = visitsMin(f);
  const having: Sql[] = [];
  if (f.max !== undefined) having.push(sql`count(DISTINCT v.visit_id) <= ${f.max}`);
  if (min > 1) having.push(sql`count(DISTINCT v.visit_id) >= ${min}`);
  if (f.last_visit_within_days !== undefined) {
    having.push(sql`max(v.started_at) > ${daysBefore(scope, f.last_visit_within_days)}`);
  }
  const havingSql = having.length > 0 ? sql` HAVING ${join(having, " AND ")}` : sql``;
  if (min >= 1) return sql`${person} IN (SELECT pv.email_hash ${from}${havingSql})`;
  // min 0: everyone but those with more than max visits (or, without max, everyone).
  if (f.max === undefined) return sql`TRUE`;
  return sql`${person} NOT IN (SELECT pv.email_hash ${from} HAVING count(DISTINCT v.visit_id) > ${f.max})`;
}

/** Whether a definition has a visits condition (it then needs PERSON_VISITORS). */
function usesVisits(c: Condition): boolean {
  if ("all" in c) return c.all.some(usesVisits);
  if ("any" in c) return c.any.some(usesVisits);
  if ("not" in c) return usesVisits(c.not);
  return "visits" in c;
}

/** The condition as a boolean expression over `person` (an email hash column). */
export function conditionSql(scope: SegmentScope, condition: Condition, person: Sql): Sql {
  if ("all" in condition)
    return sql`(${join(
      condition.all.map((c) => conditionSql(scope, c, person)),
      " AND ",
    )})`;
  if ("any" in condition)
    return sql`(${join(
      condition.any.map((c) => conditionSql(scope, c, person)),
      " OR ",
    )})`;
  if ("not" in condition) return sql`NOT (${conditionSql(scope, condition.not, person)})`;
  if ("lead" in condition) return sql`${person} IN (${leadSet(scope, condition.lead)})`;
  if ("subscriber" in condition) {
    return sql`${person} IN (${subscriberSet(scope, condition.subscriber.subscribed_within_days)})`;
  }
  return visitsCondition(scope, condition.visits, person);
}

/** Every person the workspace knows of: contacts, leads' contacts, subscribers, identified visitors. */
export function everyone(w: string): Sql {
  return sql`SELECT email_hash FROM mail_contacts WHERE workspace_id = ${w}
    UNION SELECT contact_hash FROM leads WHERE workspace_id = ${w} AND contact_hash IS NOT NULL
    UNION SELECT email_hash FROM newsletter_subscribers WHERE workspace_id = ${w} AND email_hash IS NOT NULL
    UNION SELECT email_hash FROM visitor_identities WHERE workspace_id = ${w}`;
}

/**
 * Each person's suppressions, one row a person at most (joined to a set of people): the
 * latest unsubscribe, Verity's own or a newsletter tool's (unsubscribed_at), and the first
 * other reason (bounced, complained, erased, manual). Sets grouped once, not a subquery a
 * person: a million people were a million lookups on PostgreSQL.
 */
export function suppressionJoins(w: string, person: Sql, among?: Sql): Sql {
  // `among`: the hashes that matter (a page of the outbox): the sets are grouped for those
  // only, not for the whole workspace once per page (a send of 100,000 grouped 100,000
  // subscribers 200 times).
  const x = among ? sql` AND x.email_hash IN (${among})` : sql``;
  const ns = among ? sql` AND ns.email_hash IN (${among})` : sql``;
  return sql`LEFT JOIN (
      SELECT x.email_hash, max(CASE WHEN x.reason = 'unsubscribed' THEN x.since END) AS unsubscribed_at,
        min(CASE WHEN x.reason <> 'unsubscribed' THEN x.reason END) AS other_reason
      FROM mail_suppressions x WHERE x.workspace_id = ${w}${x} GROUP BY x.email_hash
    ) sx ON sx.email_hash = ${person}
    LEFT JOIN (
      SELECT ns.email_hash, max(ns.unsubscribed_at) AS unsubscribed_at
      FROM newsletter_subscribers ns
      WHERE ns.workspace_id = ${w} AND ns.email_hash IS NOT NULL AND ${toolRows("ns")}${ns}
      GROUP BY ns.email_hash
      -- Every subscription of theirs ended: one still running (subscribed again in the
      -- newsletter tool after an unsubscribe) is an opt-in of its own.
      HAVING count(*) = count(ns.unsubscribed_at)
    ) sn ON sn.email_hash = ${person}`;
}

/**
 * Why a contact may not be mailed, or NULL when it may (over suppressionJoins' sx and sn). A
 * bounce, a complaint, an erasure or a suppression by hand counts always; an unsubscribe
 * counts unless the contact's opt-in was recorded after it (they subscribed again).
 */
export function suppressedSql(consentAt: Sql): Sql {
  return sql`CASE
      WHEN sx.other_reason IS NOT NULL THEN sx.other_reason
      WHEN sx.unsubscribed_at IS NOT NULL AND (${consentAt} IS NULL OR sx.unsubscribed_at >= ${consentAt}) THEN 'unsubscribed'
      WHEN sn.unsubscribed_at IS NOT NULL AND (${consentAt} IS NULL OR sn.unsubscribed_at >= ${consentAt}) THEN 'unsubscribed'
    END`;
}

/**
 * The segment's people, each with their contact (NULL without a recorded opt-in) and the
 * suppression that keeps them from being mailed (NULL when none): columns email_hash,
 * address, first_name, last_name, company, consent_at, suppressed. `among` "contacts" reads
 * only the contacts with an opt-in (what a send needs); "everyone" every person known (what
 * a preview counts, to say how many match without an opt-in).
 */
export function segmentPeople(scope: SegmentScope, condition: Condition, among: "everyone" | "contacts"): Sql {
  const w = scope.workspace;
  const people =
    among === "everyone" ? everyone(w) : sql`SELECT email_hash FROM mail_contacts WHERE workspace_id = ${w}`;
  const cte = usesVisits(condition) ? sql`WITH ${raw(PERSON_VISITORS)} AS MATERIALIZED (${personVisitors(w)}) ` : sql``;
  return sql`${cte}SELECT p.email_hash, c.address, c.first_name, c.last_name, c.company, c.consent_at,
      ${suppressedSql(sql`c.consent_at`)} AS suppressed
    FROM (${people}) p
    LEFT JOIN mail_contacts c ON c.workspace_id = ${w} AND c.email_hash = p.email_hash
    ${suppressionJoins(w, sql`p.email_hash`)}
    WHERE ${conditionSql(scope, condition, sql`p.email_hash`)}`;
}
