/**
 * The selling company: Brightwater Systems, field-service software sold to European service
 * businesses. Its reps (in teams and regions, each with a working style), its pipelines and
 * their stages.
 */
import { emailLocalPart, FIRST_NAMES, LAST_NAMES } from "./identities.js";
import { PLANTED_STRENGTH } from "./planted-patterns.js";
import { Random, WeightedList } from "./random.js";
import type { SizePreset } from "./sizes.js";
import { DAY_SECONDS, RANGE_END, secondsFromIso } from "./time.js";

export const COMPANY_DOMAIN = "brightwater.example";
export const SITE = `https://www.${COMPANY_DOMAIN}`;

/**
 * Working styles, so activity quality (METRICS.md 1) separates reps:
 * - closer: few, substantial activities with real notes; wins often.
 * - steady: the middle of the team.
 * - busy: logs many short, note-less activities; wins little.
 * - holder: wins about as often as steady, but keeps lost deals open far too long.
 * - rookie: joined during the range; learning.
 */
export type RepProfile = "closer" | "steady" | "busy" | "holder" | "rookie";

export type Rep = {
  index: number;
  id: string;
  name: string;
  email: string;
  team: string;
  region: string;
  profile: RepProfile;
  /** Works from (inclusive) .. until (exclusive), seconds since range start. */
  startsAt: number;
  leavesAt: number;
  /** Rep who takes over open leads when this one leaves (-1: nobody leaves). */
  successor: number;
  /** Multiplies the chance that a qualified lead is won. */
  winFactor: number;
  /** Multiplies the chance that a lead is qualified. */
  qualifyFactor: number;
  /** Multiplies the number of activities per lead. */
  activityFactor: number;
  /** Share of activities with a real note (the rest empty or junk like "called"). */
  realNoteShare: number;
  /** Multiplies the time a lead spends in each stage. */
  pace: number;
  /** Multiplies the time a losing deal is kept open. */
  lossHold: number;
  /** Median hours from lead creation to first activity. */
  responseHours: number;
};

export type Stage = {
  id: string;
  pipelineId: string;
  name: string;
  position: number;
  isQualifying: boolean;
  /** Median days a won lead spends here. */
  medianDays: number;
};

export type Pipeline = {
  id: string;
  name: string;
  stages: Stage[];
  qualifyingPosition: number;
};

export type Company = { reps: Rep[]; pipelines: Pipeline[] };

const TEAMS = [
  { team: "Nordics", region: "Stockholm" },
  { team: "DACH", region: "Berlin" },
  { team: "UK & Ireland", region: "London" },
  { team: "Benelux", region: "Amsterdam" },
] as const;

type ProfileTraits = Omit<
  Rep,
  "index" | "id" | "name" | "email" | "team" | "region" | "profile" | "startsAt" | "leavesAt" | "successor"
>;

const TRAITS: Record<RepProfile, ProfileTraits> = {
  closer: {
    winFactor: 1.45,
    qualifyFactor: 1.1,
    activityFactor: 0.65,
    realNoteShare: 0.75,
    pace: 0.8,
    lossHold: 0.9,
    responseHours: 3,
  },
  steady: {
    winFactor: 1,
    qualifyFactor: 1,
    activityFactor: 1,
    realNoteShare: 0.45,
    pace: 1,
    lossHold: 1,
    responseHours: 8,
  },
  busy: {
    winFactor: 0.6,
    qualifyFactor: 0.95,
    activityFactor: 2.3,
    realNoteShare: 0.08,
    pace: 1.15,
    lossHold: 1,
    responseHours: 0.7,
  },
  holder: {
    winFactor: 0.95,
    qualifyFactor: 1,
    activityFactor: 1.1,
    realNoteShare: 0.4,
    pace: 1.05,
    lossHold: PLANTED_STRENGTH.lostDealsHeldLonger.holdFactor,
    responseHours: 20,
  },
  rookie: {
    winFactor: 0.75,
    qualifyFactor: 0.9,
    activityFactor: 1.3,
    realNoteShare: 0.3,
    pace: 1.2,
    lossHold: 1.2,
    responseHours: 12,
  },
};

/** Size s gets one rep of every style and two of the styles the metrics must tell apart. */
const SMALL_TEAM: readonly RepProfile[] = ["closer", "busy", "holder", "steady", "closer", "busy", "holder", "rookie"];
const PROFILE_MIX = new WeightedList<RepProfile>([
  ["closer", 20],
  ["steady", 35],
  ["busy", 20],
  ["holder", 15],
  ["rookie", 10],
]);

const PIPELINES: readonly {
  id: string;
  name: string;
  stages: readonly [string, number][];
  qualifying: number;
}[] = [
  {
    id: "new-business",
    name: "New business",
    stages: [
      ["New", 2],
      ["Contacted", 5],
      ["Qualified", 7],
      ["Demo", 10],
      ["Proposal", 12],
      ["Negotiation", 9],
    ],
    qualifying: 2,
  },
  {
    id: "expansion",
    name: "Expansion",
    stages: [
      ["Identified", 4],
      ["Needs confirmed", 6],
      ["Proposal", 9],
      ["Commercials", 7],
    ],
    qualifying: 1,
  },
];

function buildPipelines(): Pipeline[] {
  return PIPELINES.map((p) => ({
    id: p.id,
    name: p.name,
    qualifyingPosition: p.qualifying,
    stages: p.stages.map(([name, medianDays], position) => ({
      id: `${p.id}:${name.toLowerCase().replace(/[^a-z]+/g, "-")}`,
      pipelineId: p.id,
      name,
      position,
      isQualifying: position === p.qualifying,
      medianDays,
    })),
  }));
}

/** `planted` false: "holder" reps keep lost deals open as long as a steady rep does. */
export function buildCompany(preset: SizePreset, seed: number, planted = true): Company {
  const rng = new Random(seed, "company");
  const teams = TEAMS.slice(0, Math.max(2, Math.min(TEAMS.length, preset.teams)));
  const usedNames = new Set<string>();
  const reps: Rep[] = [];
  const rookieStart = secondsFromIso("2025-03-01T00:00:00Z");
  for (let i = 0; i < preset.reps; i++) {
    const profile: RepProfile =
      preset.reps <= SMALL_TEAM.length
        ? (SMALL_TEAM[i] ?? "steady")
        : i < 5
          ? (SMALL_TEAM[i] ?? "steady")
          : PROFILE_MIX.pick(rng);
    let first = "";
    let last = "";
    do {
      first = rng.pick(FIRST_NAMES);
      last = rng.pick(LAST_NAMES);
    } while (usedNames.has(`${first} ${last}`) && usedNames.size < FIRST_NAMES.length * LAST_NAMES.length);
    usedNames.add(`${first} ${last}`);
    const base = planted || profile !== "holder" ? TRAITS[profile] : { ...TRAITS.holder, lossHold: 1 };
    // Two reps of one style are still two people.
    const jitter = (x: number) => x * rng.logNormal(1, 0.08);
    const team = teams[i % teams.length] ?? TEAMS[0];
    const startsAt =
      profile === "rookie" ? rookieStart + rng.int(200) * DAY_SECONDS * (preset.reps <= SMALL_TEAM.length ? 0 : 1) : 0;
    reps.push({
      index: i,
      id: `rep-${String(i + 1).padStart(3, "0")}`,
      name: `${first} ${last}`,
      email: `${emailLocalPart(first, last)}@${COMPANY_DOMAIN}`,
      team: team.team,
      region: team.region,
      profile,
      startsAt,
      leavesAt: RANGE_END + 1,
      successor: -1,
      winFactor: jitter(base.winFactor),
      qualifyFactor: jitter(base.qualifyFactor),
      activityFactor: jitter(base.activityFactor),
      realNoteShare: Math.min(0.95, jitter(base.realNoteShare)),
      pace: jitter(base.pace),
      lossHold: jitter(base.lossHold),
      responseHours: jitter(base.responseHours),
    });
  }
  // About one rep in eight leaves (inactive at the end); a steady colleague in the same team
  // takes over their open leads, as happens in a real CRM.
  const leavers = Math.max(1, Math.round(preset.reps / 8));
  for (let k = 0; k < leavers; k++) {
    const candidates = reps.filter((r) => r.profile === "steady" && r.successor === -1 && r.startsAt === 0);
    const leaver = candidates.length > 0 ? rng.pick(candidates) : undefined;
    if (!leaver) break;
    const stays = (r: Rep) => r !== leaver && r.leavesAt > RANGE_END && r.startsAt === 0;
    const successor = reps.find((r) => stays(r) && r.team === leaver.team) ?? reps.find(stays);
    if (!successor) break;
    leaver.leavesAt = secondsFromIso("2025-06-30T00:00:00Z") + rng.int(120) * DAY_SECONDS;
    leaver.successor = successor.index;
  }
  return { reps, pipelines: buildPipelines() };
}

export function isActiveAtEnd(rep: Rep): boolean {
  return rep.leavesAt > RANGE_END;
}
