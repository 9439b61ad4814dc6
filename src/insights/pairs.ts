/**
 * The eight vanity pairs of METRICS.md and what each movement of each figure means. The
 * vanity check (vanity-check.ts) decides how each figure moved, beyond normal variation or
 * not; this table says what that means for this pair, and finding-words.ts says it in
 * English and Swedish. Nothing here is computed: it is the product's reading of the article.
 */
import type { VanityId } from "../metrics/metric.js";
import type { Words } from "../metrics/results/check.js";

/** A phrase in each language the product speaks (src/metrics/results/check.ts). */
export type { Words };

export type Pair = {
  vanity: VanityId;
  /** The real metric beside it, and which of its headlines is the real figure. */
  metric: string;
  headline: string;
  /** +1 when a higher real figure is better, −1 when lower is better (days to win). */
  better: 1 | -1;
  /**
   * A fall of the vanity figure is bad news in itself: total sales is money, and money
   * falling is never "less noise". For the other seven a fall is less busyness or reach.
   */
  vanityFallIsBad: boolean;
  /** A real figure holding steady while the vanity one rises is no warning (sales grew, deals close as fast). */
  steadyIsFine: boolean;
  /** The two figures' names in a sentence. */
  vanityWords: Words;
  realWords: Words;
  /** What the real figure moving in its better or worse direction means, in plain words. */
  realBetter: Words;
  realWorse: Words;
  /** What it means when the vanity figure rises and the real one gets worse ("falls") or holds ("flat"). */
  falls: Words;
  flat: Words;
  /** What it means when the vanity figure falls beyond normal variation and the real one holds. */
  vanityFell: Words;
};

/** The eight pairs, in METRICS.md's order. */
export const PAIRS: readonly Pair[] = [
  {
    vanity: "activities",
    metric: "activity-quality",
    headline: "wonLeads",
    better: 1,
    vanityFallIsBad: false,
    steadyIsFine: false,
    vanityWords: { en: "activities logged", sv: "loggade aktiviteter" },
    realWords: { en: "won leads", sv: "vunna leads" },
    realBetter: { en: "more leads are won", sv: "fler leads vinns" },
    realWorse: { en: "fewer leads are won", sv: "färre leads vinns" },
    falls: { en: "more busyness, fewer customers", sv: "mer aktivitet, färre kunder" },
    flat: { en: "more busyness, not more customers", sv: "mer aktivitet, inte fler kunder" },
    vanityFell: {
      en: "fewer activities, as many customers: the busyness was not what won them",
      sv: "färre aktiviteter, lika många kunder: det var inte aktiviteten som vann dem",
    },
  },
  {
    vanity: "activity-conversion",
    metric: "funnel",
    headline: "winRate",
    better: 1,
    vanityFallIsBad: false,
    steadyIsFine: false,
    vanityWords: { en: "calls to meetings", sv: "samtal till möten" },
    realWords: { en: "win rate of new leads", sv: "vinstandelen för nya leads" },
    realBetter: { en: "new leads are won more often", sv: "nya leads vinns oftare" },
    realWorse: { en: "new leads are won less often", sv: "nya leads vinns mer sällan" },
    falls: {
      en: "more meetings booked, fewer deals won from them",
      sv: "fler bokade möten, färre affärer vunna från dem",
    },
    flat: { en: "more meetings booked, no better at winning", sv: "fler bokade möten, inte bättre på att vinna" },
    vanityFell: {
      en: "fewer meetings per call, and new leads are won as often as before",
      sv: "färre möten per samtal, och nya leads vinns lika ofta som förut",
    },
  },
  {
    vanity: "total-sales",
    metric: "velocity",
    headline: "medianDaysToWin",
    better: -1,
    vanityFallIsBad: true,
    steadyIsFine: true,
    vanityWords: { en: "total sales", sv: "total försäljning" },
    realWords: { en: "median days to win", sv: "mediantiden till vinst" },
    realBetter: { en: "deals close faster", sv: "affärerna stängs snabbare" },
    realWorse: { en: "deals close slower", sv: "affärerna stängs långsammare" },
    falls: {
      en: "sales grew but deals take longer to close; the pipeline is slowing",
      sv: "försäljningen växte men affärerna tar längre tid att stänga; pipelinen saktar in",
    },
    flat: {
      en: "sales grew and deals close as fast as before",
      sv: "försäljningen växte och affärerna stängs lika snabbt som förut",
    },
    vanityFell: { en: "sales fell; watch this one", sv: "försäljningen föll; håll ögonen på den" },
  },
  {
    vanity: "visits",
    metric: "engagement",
    headline: "returningVisitors",
    better: 1,
    vanityFallIsBad: false,
    steadyIsFine: false,
    vanityWords: { en: "website visits", sv: "besök på webbplatsen" },
    realWords: { en: "returning visitors", sv: "återkommande besökare" },
    realBetter: { en: "more visitors come back", sv: "fler besökare kommer tillbaka" },
    realWorse: { en: "fewer visitors come back", sv: "färre besökare kommer tillbaka" },
    falls: { en: "the extra traffic came once and left", sv: "den extra trafiken kom en gång och försvann" },
    flat: { en: "the extra traffic came once and left", sv: "den extra trafiken kom en gång och försvann" },
    vanityFell: {
      en: "less traffic, as many visitors come back: the traffic that went was one-off",
      sv: "mindre trafik, lika många besökare kommer tillbaka: det var engångstrafik som försvann",
    },
  },
  {
    vanity: "new-leads",
    metric: "qualified-leads",
    headline: "qualifiedLeads",
    better: 1,
    vanityFallIsBad: false,
    steadyIsFine: false,
    vanityWords: { en: "new leads", sv: "nya leads" },
    realWords: { en: "qualified leads", sv: "kvalificerade leads" },
    realBetter: { en: "more leads qualify", sv: "fler leads kvalificerar sig" },
    realWorse: { en: "fewer leads qualify", sv: "färre leads kvalificerar sig" },
    falls: { en: "lead quality is falling", sv: "kvaliteten på leads sjunker" },
    flat: {
      en: "the extra leads are not the kind that qualify",
      sv: "de extra leadsen är inte sådana som kvalificerar sig",
    },
    vanityFell: {
      en: "fewer new leads, as many qualify: the ones that went were not the kind that qualify",
      sv: "färre nya leads, lika många kvalificerar sig: de som försvann var inte sådana som kvalificerar sig",
    },
  },
  {
    vanity: "followers",
    metric: "content-shares",
    headline: "sharesPerPost",
    better: 1,
    vanityFallIsBad: false,
    steadyIsFine: false,
    vanityWords: { en: "followers", sv: "följare" },
    realWords: { en: "shares per post", sv: "delningar per inlägg" },
    realBetter: { en: "posts are shared more", sv: "inläggen delas mer" },
    realWorse: { en: "posts are shared less", sv: "inläggen delas mindre" },
    falls: { en: "the new audience does not engage", sv: "den nya publiken engagerar sig inte" },
    flat: { en: "a bigger audience, no more engagement", sv: "en större publik, inte mer engagemang" },
    vanityFell: {
      en: "fewer followers, posts shared as much: the audience that left did not share",
      sv: "färre följare, inläggen delas lika mycket: publiken som försvann delade inte",
    },
  },
  {
    vanity: "impressions",
    metric: "social-conversions",
    headline: "socialLeads",
    better: 1,
    vanityFallIsBad: false,
    steadyIsFine: false,
    vanityWords: { en: "social impressions", sv: "visningar i sociala medier" },
    realWords: { en: "leads from social media", sv: "leads från sociala medier" },
    realBetter: { en: "social media brings more leads", sv: "sociala medier ger fler leads" },
    realWorse: { en: "social media brings fewer leads", sv: "sociala medier ger färre leads" },
    falls: { en: "more people see the posts, fewer become leads", sv: "fler ser inläggen, färre blir leads" },
    flat: { en: "more reach, no more leads", sv: "större räckvidd, inte fler leads" },
    vanityFell: {
      en: "less reach, as many leads from social media",
      sv: "mindre räckvidd, lika många leads från sociala medier",
    },
  },
  {
    vanity: "subscribers",
    metric: "newsletter-leads",
    headline: "newsletterLeads",
    better: 1,
    vanityFallIsBad: false,
    steadyIsFine: false,
    vanityWords: { en: "newsletter subscribers", sv: "nyhetsbrevsprenumeranter" },
    realWords: { en: "leads from the newsletter", sv: "leads från nyhetsbrevet" },
    realBetter: { en: "the newsletter brings more leads", sv: "nyhetsbrevet ger fler leads" },
    realWorse: { en: "the newsletter brings fewer leads", sv: "nyhetsbrevet ger färre leads" },
    falls: { en: "a bigger list that sells less", sv: "en större lista som säljer mindre" },
    flat: { en: "a bigger list, no more leads", sv: "en större lista, inte fler leads" },
    vanityFell: {
      en: "a smaller list, as many leads from it: the subscribers who left did not buy",
      sv: "en mindre lista, lika många leads från den: prenumeranterna som försvann köpte inte",
    },
  },
];

export function pairOf(vanity: VanityId): Pair {
  const pair = PAIRS.find((p) => p.vanity === vanity);
  if (!pair) throw new Error(`no vanity pair ${vanity}`);
  return pair;
}
