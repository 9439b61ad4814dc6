/**
 * Every string the dashboard shows, in English and Swedish, and numbers and dates in the
 * reader's locale (Intl). A key missing from a catalogue is a type error, so a language
 * cannot fall behind silently. The locale is the one chosen in the header (kept in
 * localStorage), else the browser's first language we have, else English.
 */

const en = {
  "app.title": "Verity",
  "app.tagline": "The metrics that matter, beside the vanity metrics they replace",
  "nav.home": "Vanity check",
  "nav.language": "Language",
  "nav.signOut": "Sign out",
  "filters.period": "Period",
  "filters.periodHint": "2026-Q2, 2026-05, 2026, 2026-01-01..2026-03-31",
  "filters.compare": "Compare with",
  "filters.compare.previous": "the previous period",
  "filters.compare.year": "the same period a year earlier",
  "filters.pipeline": "Pipeline",
  "filters.team": "Team",
  "filters.rep": "Rep",
  "filters.source": "Source",
  "filters.all": "All",
  "filters.apply": "Apply",
  "filters.reset": "Reset",
  "state.loading": "Loading…",
  "state.error": "Could not load this: {message}",
  "state.noData": "No data for this period.",
  "chart.showTable": "Show the numbers",
  "chart.showChart": "Show the chart",
  "chart.downloadCsv": "Download CSV",
  "chart.period": "Period",
  "home.heading": "Vanity check: {period} against {comparison}",
  "home.intro":
    "Each vanity metric beside the real one it replaces. Where they tell different stories, the largest divergence comes first.",
  "home.trend": "{vanity} and {real}, last {count} periods",
  "home.vanity": "Vanity",
  "home.real": "Real",
  "home.was": "was {value}",
  "verdict.diverging": "Diverging",
  "verdict.improving": "Improving",
  "verdict.aligned": "Aligned",
  "verdict.unknown": "Cannot tell",
  "change.flat": "flat ({change})",
  "finding.sentence": "{vanity} {vanityChange}, {real} {realChange}: {meaning}.",
  "finding.improving": "less noise, better results",
  "finding.realFell": "{real} fell; watch this one",
  "finding.realImproved": "{real} improved",
  "finding.steady": "{real} held steady",
  "finding.noChange": "No change to compare for {missing}: the earlier period has none.",
  "finding.unsupported": "Cannot check this with the data loaded: {detail}",
  "unit.days": "{value} days",
  "login.heading": "Sign in",
  "login.email": "Email",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.failed": "Wrong email or password.",
  "login.tooMany": "Too many attempts; wait a minute and try again.",
  "vanity.activities": "Activities logged",
  "vanity.activity-conversion": "Calls to meetings",
  "vanity.total-sales": "Total sales",
  "vanity.visits": "Website visits",
  "vanity.new-leads": "New leads",
  "vanity.followers": "Followers",
  "vanity.impressions": "Social impressions",
  "vanity.subscribers": "Newsletter subscribers",
  "real.activities": "Leads won",
  "real.activity-conversion": "Win rate of the cohort",
  "real.total-sales": "Median days to win",
  "real.visits": "Returning visitors",
  "real.new-leads": "Qualified leads",
  "real.followers": "Shares per post",
  "real.impressions": "Leads from social media",
  "real.subscribers": "Leads from the newsletter",
  "words.activities": "won leads",
  "words.activity-conversion": "win rate of new leads",
  "words.total-sales": "median days to win",
  "words.visits": "returning visitors",
  "words.new-leads": "qualified leads",
  "words.followers": "shares per post",
  "words.impressions": "leads from social media",
  "words.subscribers": "leads from the newsletter",
  "falls.activities": "more busyness, fewer customers",
  "falls.activity-conversion": "more meetings booked, fewer deals won from them",
  "falls.total-sales": "sales grew but deals take longer to close; the pipeline is slowing",
  "falls.visits": "the extra traffic came once and left",
  "falls.new-leads": "lead quality is falling",
  "falls.followers": "the new audience does not engage",
  "falls.impressions": "more people see the posts, fewer become leads",
  "falls.subscribers": "a bigger list that sells less",
  "flat.activities": "more busyness, not more customers",
  "flat.activity-conversion": "more meetings booked, no better at winning",
  "flat.total-sales": "sales grew and deals close as fast as before",
  "flat.visits": "the extra traffic came once and left",
  "flat.new-leads": "the extra leads are not the kind that qualify",
  "flat.followers": "a bigger audience, no more engagement",
  "flat.impressions": "more reach, no more leads",
  "flat.subscribers": "a bigger list, no more leads",
} as const;

export type MessageKey = keyof typeof en;

const sv: Record<MessageKey, string> = {
  "app.title": "Verity",
  "app.tagline": "Måtten som betyder något, bredvid fåfängemåtten de ersätter",
  "nav.home": "Fåfängekollen",
  "nav.language": "Språk",
  "nav.signOut": "Logga ut",
  "filters.period": "Period",
  "filters.periodHint": "2026-Q2, 2026-05, 2026, 2026-01-01..2026-03-31",
  "filters.compare": "Jämför med",
  "filters.compare.previous": "föregående period",
  "filters.compare.year": "samma period året innan",
  "filters.pipeline": "Pipeline",
  "filters.team": "Team",
  "filters.rep": "Säljare",
  "filters.source": "Källa",
  "filters.all": "Alla",
  "filters.apply": "Visa",
  "filters.reset": "Återställ",
  "state.loading": "Laddar…",
  "state.error": "Kunde inte ladda: {message}",
  "state.noData": "Ingen data för perioden.",
  "chart.showTable": "Visa siffrorna",
  "chart.showChart": "Visa diagrammet",
  "chart.downloadCsv": "Ladda ner CSV",
  "chart.period": "Period",
  "home.heading": "Fåfängekollen: {period} mot {comparison}",
  "home.intro":
    "Varje fåfängemått bredvid det riktiga måttet som ersätter det. Där de berättar olika historier kommer den största skillnaden först.",
  "home.trend": "{vanity} och {real}, senaste {count} perioderna",
  "home.vanity": "Fåfänga",
  "home.real": "Verklighet",
  "home.was": "var {value}",
  "verdict.diverging": "Går isär",
  "verdict.improving": "Förbättras",
  "verdict.aligned": "Går i takt",
  "verdict.unknown": "Går inte att avgöra",
  "change.flat": "oförändrat ({change})",
  "finding.sentence": "{vanity} {vanityChange}, {real} {realChange}: {meaning}.",
  "finding.improving": "mindre brus, bättre resultat",
  "finding.realFell": "{real} föll; håll ett öga på det",
  "finding.realImproved": "{real} förbättrades",
  "finding.steady": "{real} höll sig stabilt",
  "finding.noChange": "Ingen förändring att jämföra för {missing}: den tidigare perioden saknar värde.",
  "finding.unsupported": "Kan inte kontrolleras med den data som finns: {detail}",
  "unit.days": "{value} dagar",
  "login.heading": "Logga in",
  "login.email": "E-post",
  "login.password": "Lösenord",
  "login.submit": "Logga in",
  "login.failed": "Fel e-post eller lösenord.",
  "login.tooMany": "För många försök; vänta en minut och försök igen.",
  "vanity.activities": "Loggade aktiviteter",
  "vanity.activity-conversion": "Samtal till möten",
  "vanity.total-sales": "Total försäljning",
  "vanity.visits": "Besök på webbplatsen",
  "vanity.new-leads": "Nya leads",
  "vanity.followers": "Följare",
  "vanity.impressions": "Visningar i sociala medier",
  "vanity.subscribers": "Nyhetsbrevsprenumeranter",
  "real.activities": "Vunna leads",
  "real.activity-conversion": "Vinstandel i kohorten",
  "real.total-sales": "Median dagar till vinst",
  "real.visits": "Återkommande besökare",
  "real.new-leads": "Kvalificerade leads",
  "real.followers": "Delningar per inlägg",
  "real.impressions": "Leads från sociala medier",
  "real.subscribers": "Leads från nyhetsbrevet",
  "words.activities": "vunna leads",
  "words.activity-conversion": "vinstandelen för nya leads",
  "words.total-sales": "median dagar till vinst",
  "words.visits": "återkommande besökare",
  "words.new-leads": "kvalificerade leads",
  "words.followers": "delningar per inlägg",
  "words.impressions": "leads från sociala medier",
  "words.subscribers": "leads från nyhetsbrevet",
  "falls.activities": "mer aktivitet, färre kunder",
  "falls.activity-conversion": "fler bokade möten, färre affärer vunna från dem",
  "falls.total-sales": "försäljningen växte men affärerna tar längre tid att stänga; pipelinen saktar in",
  "falls.visits": "den extra trafiken kom en gång och försvann",
  "falls.new-leads": "kvaliteten på leads sjunker",
  "falls.followers": "den nya publiken engagerar sig inte",
  "falls.impressions": "fler ser inläggen, färre blir leads",
  "falls.subscribers": "en större lista som säljer mindre",
  "flat.activities": "mer aktivitet, inte fler kunder",
  "flat.activity-conversion": "fler bokade möten, inte bättre på att vinna",
  "flat.total-sales": "försäljningen växte och affärerna stängs lika snabbt som förut",
  "flat.visits": "den extra trafiken kom en gång och försvann",
  "flat.new-leads": "de extra leadsen är inte sådana som kvalificerar sig",
  "flat.followers": "en större publik, inte mer engagemang",
  "flat.impressions": "större räckvidd, inte fler leads",
  "flat.subscribers": "en större lista, inte fler leads",
};

export const LOCALES = { en: "English", sv: "Svenska" } as const;
export type Locale = keyof typeof LOCALES;
const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, sv };
/** The language tag Intl formats with for each UI language. */
const INTL_TAG: Record<Locale, string> = { en: "en-GB", sv: "sv-SE" };

const STORAGE_KEY = "verity.locale";
let locale: Locale = initialLocale();

function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored && stored in LOCALES) return stored as Locale;
  for (const language of globalThis.navigator?.languages ?? []) {
    const base = language.toLowerCase().split("-")[0] ?? "";
    if (base in LOCALES) return base as Locale;
  }
  return "en";
}

export function currentLocale(): Locale {
  return locale;
}

export function setLocale(next: Locale): void {
  locale = next;
  globalThis.localStorage?.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/** The message in the current language, with `{name}` replaced by params. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = CATALOGUES[locale][key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A message whose key is computed (a vanity id, say); the key must exist. */
export function tKey(key: string, params: Record<string, string | number> = {}): string {
  if (!(key in en)) throw new Error(`no message ${key}`);
  return t(key as MessageKey, params);
}

/** How the API says a value reads (src/metrics/metric.ts Format). */
export type Format = "text" | "count" | "number" | "percent" | "money" | "days" | "date";

const intl = () => INTL_TAG[locale];

/** A value as text in the current locale. */
export function formatValue(value: number | string | null, format: Format, currency: string | null = null): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return format === "date" ? formatDate(value) : value;
  switch (format) {
    case "count":
      return new Intl.NumberFormat(intl(), { maximumFractionDigits: 0 }).format(value);
    case "percent":
      return new Intl.NumberFormat(intl(), { style: "percent", maximumFractionDigits: 1 }).format(value);
    case "money":
      return currency
        ? new Intl.NumberFormat(intl(), { style: "currency", currency, maximumFractionDigits: 0 }).format(value)
        : new Intl.NumberFormat(intl(), { maximumFractionDigits: 0 }).format(value);
    case "days":
      return t("unit.days", { value: new Intl.NumberFormat(intl(), { maximumFractionDigits: 1 }).format(value) });
    default:
      return new Intl.NumberFormat(intl(), { maximumFractionDigits: 2 }).format(value);
  }
}

/** A relative change (0.25 is +25 %), signed, "flat" under 5 % as the API judges it. */
export function formatChange(change: number | null): string {
  if (change === null) return "–";
  const text = new Intl.NumberFormat(intl(), {
    style: "percent",
    maximumFractionDigits: Math.abs(change) < 0.1 ? 1 : 0,
    signDisplay: "exceptZero",
  }).format(change);
  return Math.abs(change) < 0.05 ? t("change.flat", { change: text }) : text;
}

/** An ISO date or timestamp as a date in the current locale. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(intl(), { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }).format(
    date,
  );
}
