/**
 * Activities reps log: on leads (from shortly after creation until the lead closes, plus a
 * little wrap-up after) and without a lead (prospecting calls, internal tasks). How many, of
 * which type, how long and how well noted depends on the rep's style (company.ts), which is
 * what METRICS.md 1 (activity quality) has to surface.
 */
import type { ACTIVITY_TYPES, LeadStatus } from "../model/canonical.js";
import type { Rep } from "./company.js";
import { type CsvTableWriter, csvField } from "./csv-writer.js";
import { junkNote, realNote } from "./notes.js";
import { type Random, WeightedList } from "./random.js";
import { DAY_SECONDS, formatTimestamp, HOUR_SECONDS, isWeekend, MINUTE_SECONDS, RANGE_END } from "./time.js";

type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const ACTIVITY_FIELDS = [
  "id",
  "lead_id",
  "contact",
  "rep_id",
  "type",
  "occurred_at",
  "duration_seconds",
  "outcome",
  "note",
] as const;
type Mix = WeightedList<ActivityType>;

const mix = (weights: Partial<Record<ActivityType, number>>): Mix =>
  new WeightedList<ActivityType>(Object.entries(weights) as [ActivityType, number][]);

/** Type mixes by phase of the lead (early, middle, late), for reps who work leads properly. */
const WORKED: readonly Mix[] = [
  mix({ call: 35, email: 35, meeting: 8, note: 12, task: 10, other: 1 }),
  mix({ call: 15, email: 25, meeting: 22, demo: 15, note: 13, task: 8, other: 1 }),
  mix({ call: 15, email: 35, meeting: 18, demo: 3, note: 17, task: 15, other: 1 }),
];
/** Leads that never got past the first conversations: no meetings or demos to speak of. */
const UNQUALIFIED = mix({ call: 45, email: 38, meeting: 2, note: 8, task: 7, other: 0.5 });
/** The busy style: dial, dial, dial. */
const BUSY = mix({ call: 58, email: 26, task: 9, note: 5, meeting: 2, demo: 0.5, other: 0.5 });
const LEADLESS = mix({ call: 55, email: 25, task: 12, note: 8 });

const CALL_MISSES = new WeightedList<[string, number, number]>([
  [["no answer", 0, 30], 60],
  [["left voicemail", 30, 90], 30],
  [["wrong number", 10, 30], 5],
  [["busy", 0, 5], 5],
]);

/** How many activities a lead of this kind gets from an ordinary rep, on average. */
export function expectedActivities(status: LeadStatus, qualified: boolean, activeDays: number): number {
  if (status === "won") return 17;
  if (status === "lost") return qualified ? 10.5 : 4;
  if (status === "cancelled") return 2.5;
  return Math.min(15, 2 + activeDays * (qualified ? 0.15 : 0.06));
}

export type LeadActivities = {
  leadId: string;
  /** Contact, already CSV-safe. */
  contact: string;
  owner: Rep;
  /** Who takes over after the owner leaves. */
  successor: Rep | undefined;
  createdAt: number;
  /** Activities stop here (the close, or when an open lead went quiet). */
  endAt: number;
  closed: boolean;
  qualified: boolean;
  count: number;
};

export class ActivityLog {
  private nextId = 1;
  /** Reused for every row: millions of short-lived arrays cost GC time. */
  private readonly cells: string[] = new Array<string>(ACTIVITY_FIELDS.length).fill("");

  constructor(
    private readonly out: CsvTableWriter,
    private readonly rng: Random,
  ) {}

  forLead(lead: LeadActivities): void {
    const rng = this.rng;
    const n = lead.count;
    if (n <= 0) return;
    const owner = lead.owner;
    const first = Math.min(
      lead.endAt,
      lead.createdAt + MINUTE_SECONDS + Math.floor(rng.exponential(owner.responseHours * HOUR_SECONDS)),
    );
    // Some reps log a last note or email a day or two after closing.
    const wrapUp = lead.closed && rng.chance(0.2) ? rng.int(3 * DAY_SECONDS) : 0;
    const last = Math.min(RANGE_END, Math.max(first, lead.endAt + wrapUp));
    const times: number[] = [first];
    for (let i = 1; i < n; i++) times.push(first + Math.floor(rng.next() * (last - first)));
    times.sort((a, b) => a - b);
    const span = Math.max(1, last - lead.createdAt);
    for (const raw of times) {
      const t = this.workingTime(raw, lead.createdAt + 1, last);
      const rep = lead.successor && t >= owner.leavesAt ? lead.successor : owner;
      const phase = Math.min(2, Math.floor(((t - lead.createdAt) / span) * 3));
      const table = rep.profile === "busy" ? BUSY : lead.qualified ? (WORKED[phase] ?? UNQUALIFIED) : UNQUALIFIED;
      this.write(lead.leadId, lead.contact, rep, table.pick(rng), t);
    }
  }

  withoutLead(rep: Rep, contact: string, t: number): void {
    this.write("", contact, rep, LEADLESS.pick(this.rng), t);
  }

  /** Moves a time onto a working day, 06:30-16:30 UTC, if that stays within [low, high]. */
  private workingTime(t: number, low: number, high: number): number {
    let day = Math.floor(t / DAY_SECONDS);
    if (isWeekend(day) && this.rng.chance(0.85)) day += isWeekend(day + 1) ? -1 : 1;
    const moved = day * DAY_SECONDS + 6 * HOUR_SECONDS + 30 * MINUTE_SECONDS + this.rng.int(10 * HOUR_SECONDS);
    return moved >= low && moved <= high ? moved : Math.max(low, Math.min(high, t));
  }

  private write(leadId: string, contact: string, rep: Rep, type: ActivityType, t: number): void {
    const rng = this.rng;
    const good = rep.realNoteShare;
    let duration = "";
    let outcome = "";
    let noteChance = 0;
    let junkChance = 0;
    switch (type) {
      case "call": {
        const connected = rng.chance(rep.profile === "busy" ? 0.3 : 0.5);
        if (connected) {
          outcome = "connected";
          const minutes = rep.profile === "busy" ? 2.5 : 7;
          duration = String(Math.max(20, Math.floor(rng.logNormal(minutes * 60, 0.6))));
          noteChance = good;
        } else {
          const [what, shortest, longest] = CALL_MISSES.pick(rng);
          outcome = what;
          duration = String(rng.intBetween(shortest, longest));
          noteChance = good * 0.2;
        }
        junkChance = 0.4;
        break;
      }
      case "email":
        outcome = rng.chance(0.25) ? "replied" : "sent";
        noteChance = good * 0.5;
        break;
      case "meeting":
        outcome = rng.chance(0.85) ? "held" : rng.chance(0.5) ? "no-show" : "rescheduled";
        duration = String(rng.pick([1800, 2700, 3600]) + rng.intBetween(-300, 300));
        noteChance = Math.min(0.95, good + 0.2);
        junkChance = 0.3;
        break;
      case "demo":
        outcome = rng.chance(0.88) ? "completed" : rng.chance(0.5) ? "no-show" : "rescheduled";
        duration = String(rng.pick([2700, 3600, 5400]) + rng.intBetween(-300, 300));
        noteChance = Math.min(0.95, good + 0.2);
        junkChance = 0.3;
        break;
      case "note":
        noteChance = Math.max(0.5, good);
        junkChance = 1;
        break;
      case "task":
        outcome = rng.chance(0.85) ? "done" : "skipped";
        if (rng.chance(0.5)) duration = String(rng.int(1800));
        noteChance = good * 0.4;
        junkChance = 0.3;
        break;
      case "other":
        outcome = "linkedin message";
        noteChance = good * 0.3;
        break;
    }
    const note = rng.chance(noteChance)
      ? csvField(realNote(rng))
      : rng.chance(junkChance)
        ? csvField(junkNote(rng))
        : "";
    const cells = this.cells;
    cells[0] = `A${this.nextId++}`;
    cells[1] = leadId;
    cells[2] = contact;
    cells[3] = rep.id;
    cells[4] = type;
    cells[5] = formatTimestamp(t);
    cells[6] = duration;
    cells[7] = outcome;
    cells[8] = note;
    this.out.row(cells);
  }
}
