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
  "nav.engagement": "Website engagement",
  "nav.qualified": "Qualified leads",
  "metric.engagement.title": "Visit frequency and recency",
  "metric.engagement.why":
    "What shows interest is how often the same person comes back and how recently they were here. Count people, not visits, by how often and how recently they came, and which of those groups turn into leads.",
  "metric.qualified-leads.title": "Qualified leads",
  "metric.qualified-leads.why":
    "Count the leads that reach the qualifying stage, and what share of new leads get there, by source: that is where pipeline comes from.",
  "headline.visitors": "Visitors",
  "headline.returningVisitors": "Returning visitors",
  "headline.returningShare": "Returning share",
  "headline.qualifiedLeads": "Qualified leads",
  "headline.qualificationRate": "Qualification rate of new leads",
  "engagement.heatmap": "Visitors by visits in the period (rows) and days since their last visit (columns)",
  "engagement.visits": "Visits in the period",
  "engagement.days": "Days since the last visit",
  "engagement.visitors": "Visitors",
  "engagement.byFrequency": "Share of visitors who became leads, by visits in the period",
  "engagement.byRecency": "Share of visitors who became leads, by days since the last visit",
  "engagement.converted": "Became leads",
  "engagement.rate": "Conversion",
  "qualified.trend": "New and qualified leads over time",
  "qualified.bySource": "New and qualified leads by source",
  "qualified.source": "Source",
  "qualified.new": "New leads",
  "qualified.qualified": "Qualified leads",
  "qualified.rate": "Qualification rate",
  "qualified.from": "From",
  "nav.funnel": "Funnel",
  "nav.velocity": "Velocity",
  "nav.losses": "Losses",
  "nav.timeline": "Lead timeline",
  "metric.replaces": "Instead of",
  "metric.unsupported": "Missing data: {message}",
  "metric.ignored": "These filters do not apply here: {filters}",
  "metric.funnel.title": "Conversion rate per stage",
  "metric.funnel.why":
    "Follow the leads created in the period through the pipeline: how many reach each stage, how many go on, and where they are lost. A stage that converts poorly is where the work is; a rep credibly better at a stage has something to teach the team.",
  "metric.velocity.title": "How fast qualified leads close",
  "metric.velocity.why":
    "Days from qualification to a win, and to a loss: when lost deals are held much longer than won ones, reps spend their time on pipeline that only looks alive.",
  "metric.losses.title": "Results of lost leads",
  "metric.losses.why":
    "Lost leads and the value left on the table, by why they were lost, how far they got, who they went to and whose they were: what to fix, the offer, the qualification or the follow-up.",
  "headline.winRate": "Win rate of the cohort",
  "headline.cohort": "Leads created",
  "headline.won": "Of them won",
  "headline.medianDaysToWin": "Median days to win",
  "headline.medianDaysToLose": "Median days to lose",
  "headline.loseToWinRatio": "Days to lose / days to win",
  "headline.velocityPerDay": "Sales velocity per day",
  "headline.lostLeads": "Lost leads",
  "headline.lostValue": "Value left on the table",
  "funnel.pipeline": "{pipeline}: leads reaching each stage",
  "funnel.rates": "{pipeline}: conversion per stage (95% interval)",
  "funnel.stage": "Stage",
  "funnel.reached": "Reached",
  "funnel.advanced": "Went on",
  "funnel.lostAt": "Lost here",
  "funnel.conversion": "Conversion",
  "funnel.low": "Low",
  "funnel.high": "High",
  "funnel.reps": "Reps against the team: stages where a rep is credibly different",
  "funnel.rep": "Rep",
  "funnel.team": "Team",
  "funnel.flag": "Against the team",
  "funnel.flag.above": "above",
  "funnel.flag.below": "below",
  "funnel.noFlags": "No rep is credibly above or below the team at any stage in this period.",
  "plan.heading": "Lead requirement planner",
  "plan.intro":
    "How many leads must enter each stage, and by when, to win a target in a period, from conversion measured on earlier leads.",
  "plan.period": "Plan for period",
  "plan.targetWon": "Won leads wanted",
  "plan.targetRevenue": "Or won value wanted",
  "plan.history": "Measure on leads created in",
  "plan.submit": "Plan",
  "plan.needsPipeline": "Choose a pipeline in the filters to plan one.",
  "plan.table": "Leads needed per stage for {period}",
  "plan.expected": "Leads needed",
  "plan.range": "Range",
  "plan.enterBy": "Enter by",
  "velocity.quantiles": "Days to win and to lose (median, 75th and 90th percentile)",
  "velocity.outcome": "Outcome",
  "velocity.wonRow": "Won",
  "velocity.lostRow": "Lost",
  "velocity.leads": "Leads",
  "velocity.median": "Median",
  "velocity.p75": "75th percentile",
  "velocity.p90": "90th percentile",
  "velocity.byRep": "Median days to win and to lose, by rep",
  "velocity.daysInStage": "Median days in each stage (won leads)",
  "velocity.toWin": "Days to win",
  "velocity.toLose": "Days to lose",
  "velocity.days": "Days",
  "stalled.heading": "Stalled leads",
  "stalled.intro":
    "Open leads in a stage for more than {k} times the median time won leads spent there. Click a column to sort; click a lead to see its timeline.",
  "stalled.lead": "Lead",
  "stalled.owner": "Owner",
  "stalled.stage": "Stage",
  "stalled.value": "Value",
  "stalled.days": "Days in stage",
  "stalled.daysOver": "Days over",
  "stalled.lastActivity": "Last activity",
  "stalled.none": "No stalled leads.",
  "losses.byReason": "Lost leads by reason",
  "losses.byStage": "Lost leads by the stage they reached",
  "losses.byCompetitor": "Lost leads by the competitor they went to",
  "losses.byRep": "Lost leads by rep",
  "losses.trend": "Value left on the table over time",
  "losses.reason": "Reason",
  "losses.competitor": "Competitor",
  "losses.leads": "Lost leads",
  "losses.value": "Value lost",
  "losses.week": "From",
  "timeline.heading": "Lead timeline",
  "timeline.find": "Lead id",
  "timeline.show": "Show",
  "timeline.notFound": "No lead with that id.",
  "timeline.when": "When",
  "timeline.what": "What",
  "timeline.details": "Details",
  "timeline.kind.visit": "Website visit",
  "timeline.kind.created": "Lead created",
  "timeline.kind.stage": "Stage change",
  "timeline.kind.activity": "Activity",
  "timeline.kind.email": "Newsletter",
  "timeline.kind.closed": "Closed",
  "timeline.kind.other": "Event",
  "timeline.status": "Status: {status}, stage: {stage}, owner: {owner}",
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
  "nav.engagement": "Webbengagemang",
  "nav.qualified": "Kvalificerade leads",
  "metric.engagement.title": "Besöksfrekvens och senaste besök",
  "metric.engagement.why":
    "Intresse syns i hur ofta samma person kommer tillbaka och hur nyligen de var här. Räkna personer, inte besök, efter hur ofta och hur nyligen de kom, och vilka av grupperna som blir leads.",
  "metric.qualified-leads.title": "Kvalificerade leads",
  "metric.qualified-leads.why":
    "Räkna de leads som når det kvalificerande steget, och hur stor andel av nya leads som kommer dit, per källa: det är där pipelinen kommer ifrån.",
  "headline.visitors": "Besökare",
  "headline.returningVisitors": "Återkommande besökare",
  "headline.returningShare": "Andel återkommande",
  "headline.qualifiedLeads": "Kvalificerade leads",
  "headline.qualificationRate": "Andel nya leads som kvalificerades",
  "engagement.heatmap": "Besökare efter antal besök under perioden (rader) och dagar sedan senaste besöket (kolumner)",
  "engagement.visits": "Besök under perioden",
  "engagement.days": "Dagar sedan senaste besöket",
  "engagement.visitors": "Besökare",
  "engagement.byFrequency": "Andel besökare som blev leads, efter antal besök under perioden",
  "engagement.byRecency": "Andel besökare som blev leads, efter dagar sedan senaste besöket",
  "engagement.converted": "Blev leads",
  "engagement.rate": "Konvertering",
  "qualified.trend": "Nya och kvalificerade leads över tid",
  "qualified.bySource": "Nya och kvalificerade leads per källa",
  "qualified.source": "Källa",
  "qualified.new": "Nya leads",
  "qualified.qualified": "Kvalificerade leads",
  "qualified.rate": "Andel kvalificerade",
  "qualified.from": "Från",
  "nav.funnel": "Tratt",
  "nav.velocity": "Hastighet",
  "nav.losses": "Förluster",
  "nav.timeline": "Leadets historik",
  "metric.replaces": "I stället för",
  "metric.unsupported": "Data saknas: {message}",
  "metric.ignored": "De här filtren gäller inte här: {filters}",
  "metric.funnel.title": "Konvertering per steg",
  "metric.funnel.why":
    "Följ leadsen som skapades under perioden genom pipelinen: hur många når varje steg, hur många går vidare och var de förloras. Ett steg som konverterar dåligt är där arbetet finns; en säljare som är tydligt bättre på ett steg har något att lära teamet.",
  "metric.velocity.title": "Hur snabbt kvalificerade leads stängs",
  "metric.velocity.why":
    "Dagar från kvalificering till vinst, och till förlust: när förlorade affärer hålls mycket längre än vunna lägger säljarna tid på en pipeline som bara ser levande ut.",
  "metric.losses.title": "Resultat av förlorade leads",
  "metric.losses.why":
    "Förlorade leads och värdet som blev kvar på bordet, efter varför de förlorades, hur långt de kom, vem de gick till och vems de var: vad som ska åtgärdas, erbjudandet, kvalificeringen eller uppföljningen.",
  "headline.winRate": "Vinstandel i kohorten",
  "headline.cohort": "Skapade leads",
  "headline.won": "Varav vunna",
  "headline.medianDaysToWin": "Median dagar till vinst",
  "headline.medianDaysToLose": "Median dagar till förlust",
  "headline.loseToWinRatio": "Dagar till förlust / dagar till vinst",
  "headline.velocityPerDay": "Försäljningshastighet per dag",
  "headline.lostLeads": "Förlorade leads",
  "headline.lostValue": "Värde kvar på bordet",
  "funnel.pipeline": "{pipeline}: leads som når varje steg",
  "funnel.rates": "{pipeline}: konvertering per steg (95 % intervall)",
  "funnel.stage": "Steg",
  "funnel.reached": "Nådde",
  "funnel.advanced": "Gick vidare",
  "funnel.lostAt": "Förlorades här",
  "funnel.conversion": "Konvertering",
  "funnel.low": "Lägst",
  "funnel.high": "Högst",
  "funnel.reps": "Säljare mot teamet: steg där en säljare tydligt skiljer sig",
  "funnel.rep": "Säljare",
  "funnel.team": "Teamet",
  "funnel.flag": "Mot teamet",
  "funnel.flag.above": "över",
  "funnel.flag.below": "under",
  "funnel.noFlags": "Ingen säljare ligger tydligt över eller under teamet i något steg under perioden.",
  "plan.heading": "Planering av leadsbehov",
  "plan.intro":
    "Hur många leads som måste komma in i varje steg, och när, för att vinna ett mål under en period, utifrån konverteringen för tidigare leads.",
  "plan.period": "Planera för period",
  "plan.targetWon": "Önskat antal vunna leads",
  "plan.targetRevenue": "Eller önskat vunnet värde",
  "plan.history": "Mät på leads skapade under",
  "plan.submit": "Planera",
  "plan.needsPipeline": "Välj en pipeline i filtren för att planera den.",
  "plan.table": "Leads som behövs per steg för {period}",
  "plan.expected": "Leads som behövs",
  "plan.range": "Intervall",
  "plan.enterBy": "Senast in",
  "velocity.quantiles": "Dagar till vinst och till förlust (median, 75:e och 90:e percentilen)",
  "velocity.outcome": "Utfall",
  "velocity.wonRow": "Vunna",
  "velocity.lostRow": "Förlorade",
  "velocity.leads": "Leads",
  "velocity.median": "Median",
  "velocity.p75": "75:e percentilen",
  "velocity.p90": "90:e percentilen",
  "velocity.byRep": "Median dagar till vinst och till förlust, per säljare",
  "velocity.daysInStage": "Median dagar i varje steg (vunna leads)",
  "velocity.toWin": "Dagar till vinst",
  "velocity.toLose": "Dagar till förlust",
  "velocity.days": "Dagar",
  "stalled.heading": "Leads som har fastnat",
  "stalled.intro":
    "Öppna leads som legat i ett steg mer än {k} gånger mediantiden för vunna leads där. Klicka på en kolumn för att sortera; klicka på ett lead för att se dess historik.",
  "stalled.lead": "Lead",
  "stalled.owner": "Ägare",
  "stalled.stage": "Steg",
  "stalled.value": "Värde",
  "stalled.days": "Dagar i steget",
  "stalled.daysOver": "Dagar över",
  "stalled.lastActivity": "Senaste aktivitet",
  "stalled.none": "Inga leads har fastnat.",
  "losses.byReason": "Förlorade leads efter orsak",
  "losses.byStage": "Förlorade leads efter steget de nådde",
  "losses.byCompetitor": "Förlorade leads efter konkurrenten de gick till",
  "losses.byRep": "Förlorade leads per säljare",
  "losses.trend": "Värde kvar på bordet över tid",
  "losses.reason": "Orsak",
  "losses.competitor": "Konkurrent",
  "losses.leads": "Förlorade leads",
  "losses.value": "Förlorat värde",
  "losses.week": "Från",
  "timeline.heading": "Leadets historik",
  "timeline.find": "Lead-id",
  "timeline.show": "Visa",
  "timeline.notFound": "Inget lead med det id:t.",
  "timeline.when": "När",
  "timeline.what": "Vad",
  "timeline.details": "Detaljer",
  "timeline.kind.visit": "Besök på webbplatsen",
  "timeline.kind.created": "Lead skapat",
  "timeline.kind.stage": "Stegbyte",
  "timeline.kind.activity": "Aktivitet",
  "timeline.kind.email": "Nyhetsbrev",
  "timeline.kind.closed": "Stängt",
  "timeline.kind.other": "Händelse",
  "timeline.status": "Status: {status}, steg: {stage}, ägare: {owner}",
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
