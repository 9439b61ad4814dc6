/**
 * Activities stored on each lead (src/derive/lead-activity.ts), filled in for data imported
 * before the columns existed. Frozen like every migration.
 */
import type { Dialect } from "../dialect.js";

const STATEMENTS = [
  `ALTER TABLE leads ADD COLUMN first_activity_at TIMESTAMP`,
  `ALTER TABLE leads ADD COLUMN activity_calls BIGINT DEFAULT 0`,
  `ALTER TABLE leads ADD COLUMN activity_emails BIGINT DEFAULT 0`,
  `ALTER TABLE leads ADD COLUMN activity_meetings BIGINT DEFAULT 0`,
  `ALTER TABLE leads ADD COLUMN activity_demos BIGINT DEFAULT 0`,
  `ALTER TABLE leads ADD COLUMN activity_notes BIGINT DEFAULT 0`,
  `ALTER TABLE leads ADD COLUMN activity_tasks BIGINT DEFAULT 0`,
  `ALTER TABLE leads ADD COLUMN activity_others BIGINT DEFAULT 0`,
  `UPDATE leads AS l SET first_activity_at = p.first_activity_at, activity_calls = p.activity_calls, activity_emails = p.activity_emails, activity_meetings = p.activity_meetings, activity_demos = p.activity_demos, activity_notes = p.activity_notes, activity_tasks = p.activity_tasks, activity_others = p.activity_others
    FROM (
    SELECT a.workspace_id, a.lead_id, min(a.occurred_at) AS first_activity_at, count(CASE WHEN a.type = 'call' THEN 1 END) AS activity_calls, count(CASE WHEN a.type = 'email' THEN 1 END) AS activity_emails, count(CASE WHEN a.type = 'meeting' THEN 1 END) AS activity_meetings, count(CASE WHEN a.type = 'demo' THEN 1 END) AS activity_demos, count(CASE WHEN a.type = 'note' THEN 1 END) AS activity_notes, count(CASE WHEN a.type = 'task' THEN 1 END) AS activity_tasks, count(CASE WHEN a.type = 'other' THEN 1 END) AS activity_others
    FROM activities a
    WHERE TRUE AND a.lead_id IS NOT NULL
    GROUP BY a.workspace_id, a.lead_id) AS p
    WHERE TRUE AND l.workspace_id = p.workspace_id AND l.id = p.lead_id AND (l.first_activity_at IS DISTINCT FROM p.first_activity_at OR l.activity_calls IS DISTINCT FROM p.activity_calls OR l.activity_emails IS DISTINCT FROM p.activity_emails OR l.activity_meetings IS DISTINCT FROM p.activity_meetings OR l.activity_demos IS DISTINCT FROM p.activity_demos OR l.activity_notes IS DISTINCT FROM p.activity_notes OR l.activity_tasks IS DISTINCT FROM p.activity_tasks OR l.activity_others IS DISTINCT FROM p.activity_others)`,
];

export function leadActivitySchema(_d: Dialect): string[] {
  return [...STATEMENTS];
}
