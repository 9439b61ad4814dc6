/**
 * The newsletter: a list that grows faster than the business, an issue every two weeks, and
 * what each subscriber does with each issue. Opens and clicks are rare and concentrated in a
 * minority, so subscriber count (vanity 8) runs far ahead of the leads it brings (real 9).
 */

import { NEWSLETTER_LINKS } from "./channels.js";
import { articleAt, PAGES } from "./content.js";
import type { CsvTableWriter } from "./csv-writer.js";
import { emailHash, type PeopleBook } from "./identities.js";
import type { ClickLog, ForcedClicks } from "./phase-handoffs.js";
import { Random } from "./random.js";
import type { SizePreset } from "./sizes.js";
import {
  DAY_SECONDS,
  dayOfMonth,
  formatDay,
  formatTimestamp,
  growthOf,
  HOUR_SECONDS,
  isWeekend,
  MINUTE_SECONDS,
  RANGE_DAYS,
  RANGE_END,
  seasonOf,
  weekdayOf,
} from "./time.js";

export const SUBSCRIBER_FIELDS = ["id", "email_hash", "subscribed_at", "unsubscribed_at"] as const;
export const ISSUE_FIELDS = ["id", "sent_at", "subject", "utm_campaign"] as const;
export const EMAIL_EVENT_FIELDS = ["subscriber_id", "issue_id", "type", "occurred_at", "url"] as const;

export type Issue = { id: string; sentAt: number; subject: string; campaign: string; articles: number[] };

export type NewsletterPlan = {
  issues: Issue[];
  /** Per subscriber, in order of subscription. */
  subscribedAt: Int32Array;
  /** RANGE_END + 1 when the subscriber never left. */
  unsubscribedAt: Int32Array;
  /** The issue whose unsubscribe link they used (-1: left some other way, or never). */
  unsubscribeIssue: Int32Array;
  openChance: Float32Array;
  clickChance: Float32Array;
};

const NEVER = RANGE_END + 1;

function subscriberId(j: number): string {
  return `sub-${j + 1}`;
}

/**
 * Issues go out on the first and third Tuesday of each month: every month has exactly two,
 * so monthly newsletter traffic has no calendar artefact (every 14 days would give some
 * months three issues).
 */
function planIssues(): Issue[] {
  const issues: Issue[] = [];
  for (let day = 0; day < RANGE_DAYS; day++) {
    const dom = dayOfMonth(day);
    if (weekdayOf(day) !== 2 || !((dom >= 1 && dom <= 7) || (dom >= 15 && dom <= 21))) continue;
    const n = issues.length;
    const articles = [n * 3, n * 3 + 1, n * 3 + 2];
    issues.push({
      id: `issue-${String(n + 1).padStart(3, "0")}`,
      sentAt: day * DAY_SECONDS + 7 * HOUR_SECONDS,
      subject: `Brightwater Notes #${n + 1}: ${articleAt(articles[0] ?? 0).title}`,
      campaign: `nl-${formatDay(day)}`,
      articles,
    });
  }
  return issues;
}

export function planNewsletter(preset: SizePreset, seed: number): NewsletterPlan {
  const rng = new Random(seed, "newsletter-list");
  const issues = planIssues();
  // The list grows faster than the business: sign-up forms on every page, webinars.
  const weights: number[] = [];
  const steady = preset.steady ?? false;
  for (let d = 0; d < RANGE_DAYS; d++) {
    weights.push(growthOf(d, steady) ** 2 * seasonOf(d, steady) * (isWeekend(d) ? 0.4 : 1));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const times: number[] = [];
  for (let d = 0; d < RANGE_DAYS; d++) {
    const n = rng.roundStochastic((preset.subscribers * (weights[d] ?? 0)) / total);
    const day: number[] = [];
    for (let k = 0; k < n; k++) day.push(d * DAY_SECONDS + rng.int(DAY_SECONDS));
    day.sort((a, b) => a - b);
    times.push(...day);
  }
  const count = times.length;
  const plan: NewsletterPlan = {
    issues,
    subscribedAt: Int32Array.from(times),
    unsubscribedAt: new Int32Array(count).fill(NEVER),
    unsubscribeIssue: new Int32Array(count).fill(-1),
    openChance: new Float32Array(count),
    clickChance: new Float32Array(count),
  };
  let firstIssue = 0;
  for (let j = 0; j < count; j++) {
    const subscribed = plan.subscribedAt[j] ?? 0;
    while (firstIssue < issues.length && (issues[firstIssue]?.sentAt ?? NEVER) <= subscribed) firstIssue++;
    // A quarter never open anything; the rest open now and then, a few click.
    const dormant = rng.chance(0.25);
    plan.openChance[j] = dormant ? 0.02 : rng.between(0.15, 0.75);
    plan.clickChance[j] = rng.between(0.04, 0.3);
    // Some leave after the first issue or two; the rest churn slowly.
    const stay = rng.chance(0.08) ? rng.int(2) : Math.floor(rng.exponential(80));
    const lastIssue = firstIssue + stay;
    const issue = issues[lastIssue];
    const next = issues[lastIssue + 1];
    if (!issue) continue;
    if (rng.chance(0.88)) {
      const at = issue.sentAt + Math.max(20 * MINUTE_SECONDS, Math.floor(rng.logNormal(4 * HOUR_SECONDS, 1.1)));
      if (at < (next?.sentAt ?? NEVER) && at <= RANGE_END) {
        plan.unsubscribedAt[j] = at;
        plan.unsubscribeIssue[j] = lastIssue;
      }
    } else {
      // Left through the preference centre or a complaint: no unsubscribe event.
      const at = issue.sentAt + DAY_SECONDS + rng.int(12 * DAY_SECONDS);
      if (at <= RANGE_END && at < (next?.sentAt ?? NEVER)) plan.unsubscribedAt[j] = at;
    }
  }
  return plan;
}

/** Subscribers who had subscribed by `t` (they are numbered in order of subscription). */
function subscribedBy(plan: NewsletterPlan, t: number): number {
  let low = 0;
  let high = plan.subscribedAt.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((plan.subscribedAt[mid] ?? 0) <= t) low = mid + 1;
    else high = mid;
  }
  return low;
}

export type LeadClick = { issue: number; subscriber: number; time: number; link: number };

/**
 * A click that can precede a newsletter lead created at `createdAt`: on an issue sent in the
 * 30 days before the click, by a subscriber who received it and had not left by the click.
 * `delayDays` > 0 places the click that many days before the lead (the lead came later);
 * otherwise the click opens the visit on which the lead is created, minutes later.
 */
export function pickLeadClick(
  plan: NewsletterPlan,
  forced: ForcedClicks,
  createdAt: number,
  delaySeconds: number,
  rng: Random,
): LeadClick | null {
  const click = createdAt - delaySeconds;
  let issue = -1;
  for (let i = plan.issues.length - 1; i >= 0; i--) {
    const sent = plan.issues[i]?.sentAt ?? NEVER;
    if (sent + 10 * MINUTE_SECONDS < click) {
      issue = i > 0 && rng.chance(0.2) ? i - 1 : i;
      break;
    }
  }
  const sentAt = plan.issues[issue]?.sentAt;
  if (sentAt === undefined || click - sentAt > 30 * DAY_SECONDS) return null;
  const audience = subscribedBy(plan, sentAt);
  for (let attempt = 0; attempt < 40 && audience > 0; attempt++) {
    const j = rng.int(audience);
    if ((plan.unsubscribedAt[j] ?? 0) > createdAt && !forced.has(issue, j)) {
      return { issue, subscriber: j, time: click, link: rng.chance(0.5) ? 3 : rng.int(3) };
    }
  }
  return null;
}

export type NewsletterWriters = { subscribers: CsvTableWriter; issues: CsvTableWriter; events: CsvTableWriter };

/**
 * Writes subscribers, issues and email events, and logs every click (with the lead it led to)
 * for the web phase. Forced clicks (those behind newsletter leads) are always written, with an
 * open before them.
 */
export async function writeNewsletter(
  plan: NewsletterPlan,
  people: PeopleBook,
  forced: ForcedClicks,
  seed: number,
  out: NewsletterWriters,
  clicks: ClickLog,
  onProgress: (rows: number) => void,
): Promise<void> {
  const rng = new Random(seed, "newsletter-events");
  const count = plan.subscribedAt.length;
  for (let j = 0; j < count; j++) {
    const left = plan.unsubscribedAt[j] ?? NEVER;
    out.subscribers.row([
      subscriberId(j),
      emailHash(people.email(people.distinctPerson(j))),
      formatTimestamp(plan.subscribedAt[j] ?? 0),
      left > RANGE_END ? "" : formatTimestamp(left),
    ]);
    if ((j & 4095) === 4095) await out.subscribers.drain();
  }
  plan.issues.forEach((issue) => {
    out.issues.values([issue.id, formatTimestamp(issue.sentAt), issue.subject, issue.campaign]);
  });

  const linkUrls = plan.issues.map((issue) =>
    NEWSLETTER_LINKS.map((link, k) => {
      const page = link === "cta-demo" ? PAGES.demo : articleAt(issue.articles[k] ?? 0).url;
      return `${page}?utm_source=newsletter&utm_medium=email&utm_campaign=${issue.campaign}&utm_content=${link}`;
    }),
  );
  for (let i = 0; i < plan.issues.length; i++) {
    const issue = plan.issues[i];
    if (!issue) continue;
    const audience = subscribedBy(plan, issue.sentAt);
    // Later issues lose a little of their pull (list fatigue).
    const pull = 1 - 0.25 * (i / plan.issues.length);
    const event = (subscriber: string, type: string, at: number, url: string) =>
      out.events.row([subscriber, issue.id, type, formatTimestamp(at), url]);
    for (let j = 0; j < audience; j++) {
      if ((plan.unsubscribedAt[j] ?? 0) <= issue.sentAt) continue;
      const subscriber = subscriberId(j);
      const sent = issue.sentAt + (j % 900);
      event(subscriber, "sent", sent, "");
      const forcedAt = forced.find(i, j);
      if (forcedAt >= 0) {
        const click = forced.clicks.at(forcedAt);
        const open = sent + 1 + Math.floor((click.time - sent - 2) * rng.between(0.05, 0.9));
        event(subscriber, "open", open, "");
        event(subscriber, "click", click.time, linkUrls[i]?.[click.link] ?? "");
        clicks.add({ ...click, lead: forced.converted.get(forcedAt) === 1 ? click.lead : -1 });
      } else if ((plan.unsubscribeIssue[j] ?? -1) === i) {
        // Unsubscribing takes opening the issue first.
        const left = plan.unsubscribedAt[j] ?? 0;
        event(subscriber, "open", sent + 1 + Math.floor((left - sent - 2) * rng.next()), "");
      } else if (rng.chance(0.006)) {
        event(subscriber, "bounce", sent + 5 + rng.int(120), "");
      } else if (rng.chance((plan.openChance[j] ?? 0) * pull)) {
        const open = sent + Math.max(30, Math.floor(rng.logNormal(3 * HOUR_SECONDS, 1.3)));
        if (open <= RANGE_END) {
          event(subscriber, "open", open, "");
          if (rng.chance(plan.clickChance[j] ?? 0)) {
            const at = open + Math.max(5, Math.floor(rng.logNormal(90, 1)));
            const link = rng.int(NEWSLETTER_LINKS.length);
            if (at <= RANGE_END) {
              event(subscriber, "click", at, linkUrls[i]?.[link] ?? "");
              clicks.add({ time: at, subscriber: j, issue: i, link, lead: -1 });
            }
          }
        }
      }
      if ((plan.unsubscribeIssue[j] ?? -1) === i) {
        event(subscriber, "unsubscribe", plan.unsubscribedAt[j] ?? 0, "");
      }
    }
    onProgress(out.events.rows);
    await out.events.drain();
  }
}

/** A subscriber as a contact with an opt-in (the demo's contacts for campaigns). */
export type SimulatedContact = {
  address: string;
  firstName: string;
  lastName: string;
  company: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC: when they subscribed (their opt-in). */
  consentAt: string;
};

/**
 * The subscribers of a plan with their addresses, as a newsletter tool's export would give
 * them (the simulated CSVs hold hashes only, as real exports Verity reads do). Addresses are
 * on the reserved .example domain: nothing sent to them can be delivered.
 */
export function subscriberContacts(plan: NewsletterPlan, people: PeopleBook): SimulatedContact[] {
  const out: SimulatedContact[] = [];
  for (let j = 0; j < plan.subscribedAt.length; j++) {
    const person = people.distinctPerson(j);
    const [firstName = "", ...rest] = people.name(person).split(" ");
    out.push({
      address: people.email(person),
      firstName,
      lastName: rest.join(" "),
      company: people.accounts.get(people.accountOf(person)).name,
      consentAt: formatTimestamp(plan.subscribedAt[j] ?? 0),
    });
  }
  return out;
}
