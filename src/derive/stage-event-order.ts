/**
 * The order of a lead's stage events, declared once: by time, and events at the same moment
 * by the position of the stage they entered, then its id. Every reader (the latest event
 * stored on the lead, a won lead's days in each stage, the stalled list's stage at a past
 * date, a lead's timeline) must agree on which event came first and which came last, and
 * the result must not depend on the order the engine happens to read rows in.
 */
import { raw, type Sql } from "../store/sql.js";

/**
 * The ORDER BY terms: the first event first, or the latest first. `event` is the alias of
 * stage_events, `stage` that of the stage it entered (aliases Verity writes, never input).
 */
export function stageEventOrder(direction: "first" | "latest", event = "e", stage = "s"): Sql {
  const d = direction === "latest" ? " DESC" : "";
  return raw(`${event}.changed_at${d}, ${stage}.position${d}, ${event}.to_stage_id${d}`);
}
