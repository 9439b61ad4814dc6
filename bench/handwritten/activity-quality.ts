/**
 * Activity quality: per rep and for the team, the period's activities (by type, real notes,
 * median note length) and the period's leads (opportunities, first touch, untouched, won,
 * lost, won value, days to win); the top and bottom performers by won value with the same
 * figures pooled; and the activity mix on the leads won or lost in the period.
 */
import type { ActivityQualityResult } from "../../src/metrics/definitions/activity-quality.js";
import type { Row } from "../../src/store/store.js";
import type { Baseline } from "./types.js";

const TYPES = ["call", "email", "meeting", "demo", "note", "task", "other"] as const;

// $1 workspace, $2 / $3 the period, $4 the reporting currency, $5 the performer share.
const inPeriod = (column: string) => `${column} >= CAST($2 AS TIMESTAMP) AND ${column} < CAST($3 AS TIMESTAMP)`;
const median = (expr: string, where: string) =>
  `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expr}) FILTER (WHERE ${where})`;
const hours = "GREATEST(0, EXTRACT(EPOCH FROM (f.first_at - l.created_at)) / 3600.0)";
const days = "EXTRACT(EPOCH FROM (l.closed_at - l.created_at)) / 86400.0";

/** The period's activities: counts by type, real notes (20+ characters trimmed) and their median length. */
const activityColumns = (alias: string) => `count(*) AS activities,
  ${TYPES.map((t) => `count(*) FILTER (WHERE ${alias}.type = '${t}') AS n_${t}`).join(", ")},
  count(*) FILTER (WHERE length(trim(${alias}.note)) >= 20) AS real_notes,
  ${median(`length(trim(${alias}.note))`, `length(trim(${alias}.note)) >= 20`)} AS median_note_length`;

/** The period's leads (alias l, first activity f): created, untouched, hours to first, won/lost, value, days. */
const leadColumns = `count(*) FILTER (WHERE l.is_new) AS opportunities,
  count(*) FILTER (WHERE l.is_new AND f.first_at IS NULL) AS untouched,
  ${median(hours, "l.is_new AND f.first_at IS NOT NULL")} AS median_hours,
  count(*) FILTER (WHERE l.is_won) AS won,
  count(*) FILTER (WHERE l.is_closed AND l.status = 'lost') AS lost,
  COALESCE(sum(l.amount) FILTER (WHERE l.is_won), 0) AS won_value,
  avg(l.amount) FILTER (WHERE l.is_won) AS average_won_value,
  ${median(days, "l.is_won")} AS median_days_to_win`;

const periodLeads = `period_leads AS (
    SELECT id, owner_id, status, created_at, closed_at,
      CASE WHEN currency = $4 THEN CAST(value AS DOUBLE PRECISION) END AS amount,
      ${inPeriod("created_at")} AS is_new,
      COALESCE(${inPeriod("closed_at")}, FALSE) AS is_closed,
      COALESCE(${inPeriod("closed_at")} AND status = 'won', FALSE) AS is_won
    FROM leads
    WHERE workspace_id = $1 AND ((${inPeriod("created_at")}) OR (${inPeriod("closed_at")}))
  ),
  first_touch AS (
    SELECT lead_id, min(occurred_at) AS first_at FROM activities
    WHERE workspace_id = $1 AND lead_id IN (SELECT id FROM period_leads WHERE is_new)
    GROUP BY lead_id
  )`;

const periodActivities = `SELECT * FROM activities WHERE workspace_id = $1 AND ${inPeriod("occurred_at")}`;

export const baseline: Baseline = {
  metric: "activity-quality",
  queries: (p) => {
    const values = [p.workspace, p.start, p.end, p.currency, p.ctx.options.performerShare];
    return [
      // 0: activities per rep and for the team (rep_id NULL with is_total).
      {
        text: `SELECT a.rep_id, GROUPING(a.rep_id) = 1 AS is_total, ${activityColumns("a")}
               FROM activities a WHERE a.workspace_id = $1 AND ${inPeriod("a.occurred_at")}
               GROUP BY GROUPING SETS ((a.rep_id), ())`,
        values,
      },
      // 1: leads per owner and for the team.
      {
        text: `WITH ${periodLeads}
               SELECT l.owner_id, GROUPING(l.owner_id) = 1 AS is_total, ${leadColumns}
               FROM period_leads l LEFT JOIN first_touch f ON f.lead_id = l.id
               GROUP BY GROUPING SETS ((l.owner_id), ())`,
        values,
      },
      // 2: top and bottom performers: reps (owners of the period's leads, or with activities in it)
      // ranked by won value, then rep id; ceil(n x share) each, at most half.
      {
        text: `WITH ${periodLeads},
               won AS (SELECT owner_id AS rep_id, COALESCE(sum(amount) FILTER (WHERE is_won), 0) AS won_value
                       FROM period_leads WHERE owner_id IS NOT NULL GROUP BY owner_id),
               reps AS (SELECT rep_id FROM won
                        UNION SELECT DISTINCT rep_id FROM activities
                        WHERE workspace_id = $1 AND ${inPeriod("occurred_at")} AND rep_id IS NOT NULL),
               ranked AS (SELECT r.rep_id, count(*) OVER () AS n,
                            row_number() OVER (ORDER BY COALESCE(w.won_value, 0) DESC, r.rep_id) AS pos
                          FROM reps r LEFT JOIN won w ON w.rep_id = r.rep_id),
               sized AS (SELECT *, LEAST(ceil(n * CAST($5 AS DOUBLE PRECISION)), floor(n / 2.0)) AS size FROM ranked),
               grp AS (SELECT rep_id, CASE WHEN pos <= size THEN 'top' WHEN pos > n - size THEN 'bottom' END AS g
                       FROM sized WHERE n >= 2),
               acts AS (SELECT g.g AS acts_g, ${activityColumns("a")}
                        FROM (${periodActivities}) a JOIN grp g ON g.rep_id = a.rep_id
                        WHERE g.g IS NOT NULL GROUP BY g.g),
               lds AS (SELECT g.g AS leads_g, ${leadColumns}
                       FROM period_leads l JOIN grp g ON g.rep_id = l.owner_id
                       LEFT JOIN first_touch f ON f.lead_id = l.id
                       WHERE g.g IS NOT NULL GROUP BY g.g),
               members AS (SELECT g, count(*) AS reps FROM grp WHERE g IS NOT NULL GROUP BY g)
               SELECT m.g, m.reps, acts.*, lds.*
               FROM members m LEFT JOIN acts ON acts.acts_g = m.g LEFT JOIN lds ON lds.leads_g = m.g`,
        values,
      },
      // 3: the activity mix on the leads won or lost in the period, over their whole life.
      {
        text: `WITH closed AS (
                 SELECT id, status FROM leads
                 WHERE workspace_id = $1 AND status IN ('won', 'lost') AND ${inPeriod("closed_at")}
               ),
               acts AS (
                 SELECT c.status, count(*) AS activities,
                   ${TYPES.map((t) => `count(*) FILTER (WHERE a.type = '${t}') AS n_${t}`).join(", ")}
                 FROM closed c JOIN activities a ON a.workspace_id = $1 AND a.lead_id = c.id
                 GROUP BY c.status
               )
               SELECT c.status, c.leads, acts.activities, ${TYPES.map((t) => `acts.n_${t}`).join(", ")}
               FROM (SELECT status, count(*) AS leads FROM closed GROUP BY status) c
               LEFT JOIN acts ON acts.status = c.status`,
        values,
      },
    ];
  },
  check: (result, rows) => {
    const r = result as ActivityQualityResult;
    const [activityRows = [], leadRows = [], groupRows = [], mixRows = []] = rows;
    const problems: string[] = [];
    const same = (what: string, ours: unknown, theirs: unknown) => {
      const a = ours === null || ours === undefined ? null : Number(ours);
      const b = theirs === null || theirs === undefined ? null : Number(theirs);
      const ok = a === null || b === null ? a === b : Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
      if (!ok) problems.push(`${what}: baseline ${a}, Verity ${b}`);
    };
    const ratio = (n: unknown, d: unknown) => (Number(d) > 0 ? Number(n) / Number(d) : null);
    type Figures = ActivityQualityResult["team"];
    const compareActivities = (what: string, row: Row | undefined, f: Partial<Figures>) => {
      same(`${what} activities`, row?.activities ?? 0, f.activities);
      for (const t of TYPES) same(`${what} ${t}`, row?.[`n_${t}`] ?? 0, f.activitiesByType?.[t]);
      same(`${what} real note share`, ratio(row?.real_notes, row?.activities), f.realNoteShare);
      same(`${what} median note length`, row?.median_note_length, f.medianNoteLength);
    };
    const compareLeads = (what: string, row: Row | undefined, f: Partial<Figures>) => {
      same(`${what} opportunities`, row?.opportunities ?? 0, f.opportunitiesCreated);
      same(`${what} untouched`, row?.untouched ?? 0, f.leadsWithoutActivity);
      same(`${what} median hours`, row?.median_hours, f.medianHoursToFirstActivity);
      same(`${what} won value`, row?.won_value ?? 0, f.wonValue);
      if ("wonLeads" in f) {
        same(`${what} won`, row?.won ?? 0, f.wonLeads);
        same(`${what} lost`, row?.lost ?? 0, f.lostLeads);
        same(`${what} average won value`, row?.average_won_value, f.averageWonValue);
        same(`${what} median days to win`, row?.median_days_to_win, f.medianDaysToWin);
      }
    };

    compareActivities(
      "team",
      activityRows.find((x) => x.is_total === true),
      r.team,
    );
    compareLeads(
      "team",
      leadRows.find((x) => x.is_total === true),
      r.team,
    );
    const byRep = new Map(r.reps.map((rep) => [rep.repId, rep]));
    const repIds = new Set<string>();
    for (const row of activityRows) if (!row.is_total && row.rep_id !== null) repIds.add(String(row.rep_id));
    for (const row of leadRows) if (!row.is_total && row.owner_id !== null) repIds.add(String(row.owner_id));
    if (repIds.size !== r.reps.length) problems.push(`reps: baseline ${repIds.size}, Verity ${r.reps.length}`);
    for (const id of repIds) {
      const rep = byRep.get(id);
      if (!rep) {
        problems.push(`rep ${id} missing`);
        continue;
      }
      compareActivities(
        id,
        activityRows.find((x) => !x.is_total && x.rep_id === id),
        rep,
      );
      compareLeads(
        id,
        leadRows.find((x) => !x.is_total && x.owner_id === id),
        rep,
      );
    }

    for (const g of ["top", "bottom"] as const) {
      const row = groupRows.find((x) => x.g === g);
      const f = r.performers?.[g];
      if (!row || !f) {
        if (row || f) problems.push(`${g} group: baseline ${row ? "has it" : "none"}, Verity ${f ? "has it" : "none"}`);
        continue;
      }
      same(`${g} reps`, row.reps, f.repIds.length);
      compareActivities(g, row, f);
      compareLeads(g, row, f);
      same(`${g} per opportunity`, ratio(row.activities ?? 0, row.opportunities), f.activitiesPerOpportunity);
      same(`${g} per won lead`, ratio(row.activities ?? 0, row.won), f.activitiesPerWonLead);
    }

    for (const status of ["won", "lost"] as const) {
      const row = mixRows.find((x) => x.status === status);
      const mix = r.mixWonLost?.[status];
      same(`mix ${status} leads`, row?.leads ?? 0, mix?.leads);
      same(`mix ${status} per lead`, ratio(row?.activities ?? 0, row?.leads), mix?.perLead);
      for (const t of TYPES) same(`mix ${status} ${t}`, ratio(row?.[`n_${t}`] ?? 0, row?.leads), mix?.perLeadByType[t]);
    }
    if (problems.length > 0) {
      throw new Error(`activity-quality baseline disagrees: ${problems.slice(0, 10).join("; ")}`);
    }
  },
};
