/**
 * Names of people and customer companies. Both are pure functions of an index (plus the seed),
 * so a lead, an activity and a newsletter subscriber can refer to the same person without the
 * simulator keeping a table of people in memory. All domains use the reserved `.example` TLD.
 */
import { createHash } from "node:crypto";
import { mix32 } from "./random.js";

// biome-ignore format: word lists read better packed
export const FIRST_NAMES = [
  "Anna", "Erik", "Lars", "Sofia", "Jonas", "Åsa", "Björn", "Maja", "Oskar", "Elin", "Johan", "Karin", "Mats",
  "Ingrid", "Nils", "Frida", "Jürgen", "Katrin", "Lukas", "Mia", "Felix", "Lena", "Tobias", "Julia", "Stefan",
  "Sabine", "Emma", "Oliver", "Charlotte", "James", "Sophie", "Thomas", "Hannah", "Daniel", "Laura", "Pieter",
  "Sanne", "Joost", "Femke", "Bram", "Lotte", "Ruben", "Eva", "Marco", "Giulia", "Pierre", "Camille", "Hugo",
  "Chloé", "Zoë", "Mikael", "Søren", "Mette", "Rasmus", "Ida", "Aino", "Mikko", "Liam", "Noah", "Olivia",
  "Isabel", "Carlos", "Lucía", "Mateo",
] as const;

// biome-ignore format: word lists read better packed
export const LAST_NAMES = [
  "Lindqvist", "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
  "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Berg", "Lindström", "Holm", "Ek", "Sjöberg", "Wallin",
  "Engström", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
  "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Smith", "Jones", "Taylor", "Brown",
  "Williams", "Wilson", "Johnson", "Davies", "Evans", "Thomas", "Roberts", "Walker", "Wright", "de Vries",
  "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Dubois", "Martin",
  "Bernard", "Moreau", "Laurent", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "García", "Fernández",
  "López", "Martínez", "Nielsen", "Jensen", "Hansen", "Pedersen", "Virtanen", "Korhonen", "Mäkinen", "O'Brien",
  "Nowak",
] as const;

// biome-ignore format: word lists read better packed
const BRAND_HEADS = [
  "Nor", "Vel", "Kar", "Bel", "Tor", "Lum", "Ast", "Fen", "Gra", "Hel", "Ibi", "Jor", "Kel", "Mar", "Nov",
  "Oli", "Pra", "Qua", "Ros", "Sol", "Tal", "Ul", "Ver", "Zen",
] as const;
// biome-ignore format: word lists read better packed
const BRAND_MIDDLES = [
  "a", "e", "i", "o", "ar", "en", "is", "or", "um", "ex", "al", "in", "on", "er", "ia", "ik", "av", "el", "ur",
  "ol", "an", "et", "ov", "y",
] as const;
// biome-ignore format: word lists read better packed
const BRAND_TAILS = [
  "dal", "vik", "tek", "ra", "nova", "lux", "gate", "mark", "berg", "tron", "line", "wise", "sys", "field",
  "port", "ia", "dor", "sen", "mo", "ton",
] as const;
// biome-ignore format: word lists read better packed
const SECTORS = [
  "Logistics", "Facility Services", "Elevators", "HVAC", "Security", "Energy", "Medical Devices", "Telecom",
  "Water", "Solar", "Cleaning", "Pest Control", "Fire Protection", "Property Management", "Installations",
  "Rail Services", "Wind Services", "Lift & Escalator", "Industrial Service", "Fleet Services", "Utilities",
  "Building Automation", "Agritech", "Print Services", "IT Services", "Waste Management", "Robotics",
  "Cold Chain", "Marine Services", "Pumps", "Charging Networks", "Healthcare Services",
] as const;

/** Country of an account: its legal form; US accounts ("..., Inc.") pay in USD. */
const COUNTRIES = [
  { code: "SE", form: " AB", weight: 26 },
  { code: "DE", form: " GmbH", weight: 22 },
  { code: "GB", form: " Ltd", weight: 16 },
  { code: "NL", form: " B.V.", weight: 12 },
  { code: "DK", form: " A/S", weight: 7 },
  { code: "FI", form: " Oy", weight: 6 },
  { code: "FR", form: " SAS", weight: 6 },
  { code: "US", form: ", Inc.", weight: 5 },
] as const;
const COUNTRY_SLOTS: number[] = COUNTRIES.flatMap((c, i) => Array<number>(c.weight).fill(i));

const F = FIRST_NAMES.length;
const L = LAST_NAMES.length;
const BRAND_COMBINATIONS = BRAND_HEADS.length * BRAND_MIDDLES.length * BRAND_TAILS.length;
/** Distinct account names available; sizes must not ask for more accounts than this. */
const MAX_ACCOUNTS = BRAND_COMBINATIONS * SECTORS.length;

function asciiSlug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ø/g, "o")
    .replace(/æ/g, "ae")
    .replace(/ß/g, "ss")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

const FIRST_ASCII = FIRST_NAMES.map(asciiSlug);
const LAST_ASCII = LAST_NAMES.map(asciiSlug);
const SECTOR_SLUGS = SECTORS.map((s) => s.toLowerCase().replace(/[^a-z]+/g, "-"));

function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`index ${i} out of range`);
  return item;
}

export type Account = { name: string; domain: string; country: string; currency: "EUR" | "USD" };

/**
 * Accounts are numbered 0 .. accounts-1; an account's name is a bijective shuffle of its
 * number (a multiplier coprime to MAX_ACCOUNTS, offset by the seed), so names never repeat.
 */
export class AccountBook {
  private readonly cache = new Map<number, Account>();
  private readonly offset: number;

  constructor(
    readonly count: number,
    seed: number,
  ) {
    if (count > MAX_ACCOUNTS) throw new Error(`at most ${MAX_ACCOUNTS} accounts`);
    this.offset = mix32(seed ^ 0x5bd1e995) % MAX_ACCOUNTS;
  }

  get(index: number): Account {
    const cached = this.cache.get(index);
    if (cached) return cached;
    // 7919 is prime and MAX_ACCOUNTS = 2^? * 3^? * 5 * ..., so the map is a permutation.
    const p = (index * 7919 + this.offset) % MAX_ACCOUNTS;
    const sector = p % SECTORS.length;
    let b = Math.floor(p / SECTORS.length);
    const head = b % BRAND_HEADS.length;
    b = Math.floor(b / BRAND_HEADS.length);
    const middle = b % BRAND_MIDDLES.length;
    const tail = Math.floor(b / BRAND_MIDDLES.length) % BRAND_TAILS.length;
    const brand = at(BRAND_HEADS, head) + at(BRAND_MIDDLES, middle) + at(BRAND_TAILS, tail);
    const country = at(COUNTRIES, at(COUNTRY_SLOTS, mix32(index ^ this.offset) % COUNTRY_SLOTS.length));
    const account: Account = {
      name: `${brand} ${at(SECTORS, sector)}${country.form}`,
      domain: `${brand.toLowerCase()}-${at(SECTOR_SLUGS, sector)}.example`,
      country: country.code,
      currency: country.code === "US" ? "USD" : "EUR",
    };
    // The cache only spares repeated look-ups of popular accounts; bounded so size l stays lean.
    if (this.cache.size < 50_000) this.cache.set(index, account);
    return account;
  }
}

/**
 * People are numbered too: person = first + F * (last + L * account). A subscriber's person
 * number comes from a shuffle of the subscriber number over all possible people, so two
 * subscribers never share an address.
 */
export class PeopleBook {
  readonly count: number;
  private readonly offset: number;

  constructor(
    readonly accounts: AccountBook,
    seed: number,
  ) {
    this.count = F * L * accounts.count;
    this.offset = mix32(seed ^ 0x27d4eb2f) % this.count;
  }

  personAt(account: number, firstIndex: number, lastIndex: number): number {
    return (firstIndex % F) + F * ((lastIndex % L) + L * account);
  }

  /** The n-th distinct person (n < count), spread over all accounts. */
  distinctPerson(n: number): number {
    // 1,000,003 is prime and larger than every factor of count, so this is a permutation.
    return (n * 1_000_003 + this.offset) % this.count;
  }

  accountOf(person: number): number {
    return Math.floor(person / (F * L));
  }

  name(person: number): string {
    return `${at(FIRST_NAMES, person % F)} ${at(LAST_NAMES, Math.floor(person / F) % L)}`;
  }

  email(person: number): string {
    const first = at(FIRST_ASCII, person % F);
    const last = at(LAST_ASCII, Math.floor(person / F) % L);
    return `${first}.${last}@${this.accounts.get(this.accountOf(person)).domain}`;
  }
}

/** How the newsletter tool stores an address: SHA-256 of the trimmed, lower-cased address, hex. */
export function emailHash(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
}

export function emailLocalPart(firstName: string, lastName: string): string {
  return `${asciiSlug(firstName)}.${asciiSlug(lastName)}`;
}
