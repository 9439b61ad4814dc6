/**
 * Note text of logged activities. Good reps write what happened and what comes next; busy
 * ones leave nothing or a token ("called", "."). Real notes vary in length, and some carry
 * commas, quotes and line breaks, as exported CRM notes do.
 */
import { COMPETITORS } from "./content.js";
import type { Random } from "./random.js";

// biome-ignore format: word lists read better packed
const JUNK_NOTES = [
  ".", "called", "lvm", "f/u", "x", "ok", "see above", "-", "call", "sent", "done", "tbd",
] as const;

const OPENERS = [
  "Spoke with {who} about their {pain}.",
  "{who} confirmed they run {n} technicians across {m} regions.",
  "Intro call with {who}; they found us via a colleague.",
  "{who} is evaluating us against {rival}.",
  "Demo of scheduling and the mobile app for {who} and two dispatchers.",
  "Follow-up on the proposal sent last week.",
  "{who} asked for references in their sector.",
  "Budget owner is the COO, {who} is the champion.",
  "Walked {who} through pricing for {n} seats.",
] as const;

const DETAILS = [
  "Main pain: {pain}, costs them roughly {k}k a year.",
  "They still plan routes in Excel, two planners full time.",
  "Current contract with {rival} ends in {month}.",
  "IT wants SSO and an EU data centre.",
  "Concerned about rollout time during peak season.",
  'Quote: "we need this before {month}".',
  "Asked about the SAP integration, sent the docs.",
  "Procurement involved, expect a security questionnaire.",
  "Price came up twice, they compare per-seat costs.",
  "Pilot with {m} technicians suggested.",
  "No clear timeline yet, re-engage after {month}.",
] as const;

const NEXT_STEPS = [
  "Next: demo with the ops team on {day}.",
  "Next step: send proposal by {day}.",
  "Will call back {day}.",
  "Agreed to a pilot, start {month}.",
  "Sending case study and pricing today.",
  "Waiting for their budget decision.",
] as const;

// biome-ignore format: word lists read better packed
const WHO = [
  "the ops manager", "their COO", "the head of service", "the IT lead", "the CFO", "the dispatcher lead",
] as const;
// biome-ignore format: word lists read better packed
const PAINS = [
  "no-shows", "overtime", "first-time-fix rate", "paper work orders", "SLA penalties", "late invoicing",
] as const;
const RIVALS = [...COMPETITORS.slice(0, 3), "an in-house tool"] as const;
const MONTHS = ["January", "March", "April", "June", "August", "September", "October", "Q3", "year end"] as const;
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week"] as const;

function fill(template: string, rng: Random): string {
  return template
    .replace("{who}", rng.pick(WHO))
    .replace("{pain}", rng.pick(PAINS))
    .replace("{rival}", rng.pick(RIVALS))
    .replace("{month}", rng.pick(MONTHS))
    .replace("{day}", rng.pick(DAYS))
    .replace("{n}", String(rng.intBetween(4, 240)))
    .replace("{m}", String(rng.intBetween(2, 9)))
    .replace("{k}", String(rng.intBetween(15, 400)));
}

function capitalise(s: string): string {
  return s.length === 0 ? s : (s[0] ?? "").toUpperCase() + s.slice(1);
}

/** A real note: one to six sentences; longer notes sometimes span lines. */
export function realNote(rng: Random): string {
  const sentences = [capitalise(fill(rng.pick(OPENERS), rng))];
  const details = rng.chance(0.3) ? 0 : rng.intBetween(1, 4);
  for (let i = 0; i < details; i++) sentences.push(fill(rng.pick(DETAILS), rng));
  if (rng.chance(0.6)) sentences.push(fill(rng.pick(NEXT_STEPS), rng));
  return sentences.join(sentences.length > 3 && rng.chance(0.4) ? "\n" : " ");
}

export function junkNote(rng: Random): string {
  return rng.pick(JUNK_NOTES);
}
