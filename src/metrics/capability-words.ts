/**
 * What each missing kind of data takes away, in one sentence, and what supplies it: the
 * metrics' warnings, the vanity figures' "cannot tell", verity doctor and the check all say
 * it the same way.
 */
import type { DataCapability } from "../model/capabilities.js";

export const CAPABILITY_WORDS: Record<DataCapability, string> = {
  stage_history: "the loaded data has no stage history (when each lead entered each stage)",
  activities: "the loaded data has no activities (calls, emails, meetings)",
  web_visits: "no website visits are loaded",
  web_totals: "no daily website totals are loaded",
  social: "no social media posts are loaded",
  newsletter: "no newsletter subscribers are loaded",
  loss_reasons: "the loaded leads carry no loss reasons",
  lead_sources: "the loaded leads do not say where they came from (source channel)",
  qualification: "no lead has a qualification time and no stage is the qualifying one",
  losses: "no lost leads are loaded, so a win rate cannot be told from a share of open leads",
  amounts: "the loaded leads carry no amounts (deal values)",
};

/** CAPABILITY_WORDS in Swedish. */
export const CAPABILITY_WORDS_SV: Record<DataCapability, string> = {
  stage_history: "den inlästa datan saknar steghistorik (när varje lead gick in i varje steg)",
  activities: "den inlästa datan saknar aktiviteter (samtal, mejl, möten)",
  web_visits: "inga webbplatsbesök är inlästa",
  web_totals: "inga dagliga webbplatssiffror är inlästa",
  social: "inga inlägg i sociala medier är inlästa",
  newsletter: "inga nyhetsbrevsprenumeranter är inlästa",
  loss_reasons: "de inlästa leadsen saknar förlustorsaker",
  lead_sources: "de inlästa leadsen säger inte var de kom ifrån (källkanal)",
  qualification: "inget lead har en kvalificeringstid och inget steg är det kvalificerande",
  losses: "inga förlorade leads är inlästa, så en vinstandel går inte att skilja från en andel öppna leads",
  amounts: "de inlästa leadsen saknar belopp (affärsvärden)",
};

/**
 * The data or import option that supplies each kind of data, in a command-line user's terms
 * (verity doctor names the qualifying stage's choices from the workspace's own stages).
 */
export const CAPABILITY_FIXES: Record<DataCapability, string> = {
  stage_history:
    "import a format with stage history: Salesforce's OpportunityHistory.csv beside Opportunity.csv, " +
    "HubSpot's \"Date entered <stage>\" columns, or stage_events.csv in Verity's format",
  activities:
    "import calls, emails and meetings: Salesforce's Task.csv and Event.csv, or activities.csv in Verity's format",
  web_visits:
    "add the tracking script to the website (`verity site add NAME --domain D` prints it) or import visits.csv",
  web_totals:
    "import an aggregate analytics export (`verity import --format plausible`) or visit_days.csv; per-visit data (the tracking script, Matomo, GA4) is better",
  social: "import social_posts.csv and social_post_snapshots.csv (each post's counts over time)",
  newsletter: "import newsletter_subscribers.csv (and newsletter_issues.csv and email_events.csv for clicks)",
  loss_reasons:
    "import lost deals with their loss reason (leads.csv loss_reason; from Salesforce name the field: `verity import PATH --loss-reason-field FIELD`)",
  lead_sources: "import where leads came from (leads.csv source_channel, or the CRM's lead source field)",
  qualification: 'name the stage that makes a lead qualified: `verity import PATH --qualifying-stage "STAGE"`',
  losses:
    "import the lost deals as well: the export holds won and open ones only (include closed-lost records in the CRM's export)",
  amounts:
    "import deal amounts (leads.csv value and currency, or the CRM's amount field; several currencies: `verity import PATH --rates FILE`)",
};

/** CAPABILITY_FIXES in Swedish (commands, files and columns as they are written). */
export const CAPABILITY_FIXES_SV: Record<DataCapability, string> = {
  stage_history:
    "importera ett format med steghistorik: Salesforces OpportunityHistory.csv bredvid Opportunity.csv, " +
    'HubSpots kolumner "Date entered <stage>", eller stage_events.csv i Veritys format',
  activities:
    "importera samtal, mejl och möten: Salesforces Task.csv och Event.csv, eller activities.csv i Veritys format",
  web_visits:
    "lägg in spårningsskriptet på webbplatsen (`verity site add NAME --domain D` skriver ut det) eller importera visits.csv",
  web_totals:
    "importera en aggregerad analysexport (`verity import --format plausible`) eller visit_days.csv; data per besök (spårningsskriptet, Matomo, GA4) är bättre",
  social: "importera social_posts.csv och social_post_snapshots.csv (varje inläggs siffror över tid)",
  newsletter: "importera newsletter_subscribers.csv (och newsletter_issues.csv och email_events.csv för klick)",
  loss_reasons:
    "importera förlorade affärer med förlustorsak (leads.csv loss_reason; från Salesforce, ange fältet: `verity import PATH --loss-reason-field FIELD`)",
  lead_sources: "importera var leadsen kom ifrån (leads.csv source_channel, eller CRM:ets fält för leadkälla)",
  qualification: 'ange steget som gör ett lead kvalificerat: `verity import PATH --qualifying-stage "STAGE"`',
  losses:
    "importera även de förlorade affärerna: exporten innehåller bara vunna och öppna (ta med closed-lost-poster i CRM-exporten)",
  amounts:
    "importera affärsbelopp (leads.csv value och currency, eller CRM:ets beloppsfält; flera valutor: `verity import PATH --rates FILE`)",
};

/**
 * A workspace with daily totals and no visits (a Plausible export) is told why the totals do
 * not do: frequency and recency are per visitor, and a day's total has no visitor.
 */
const ONLY_WEB_TOTALS = {
  reason:
    "only daily website totals are loaded (an aggregate export such as Plausible's); this needs each visit with its visitor",
  fix: "add the tracking script to the website (`verity site add NAME --domain D` prints it), or import per-visit history: Matomo's visits log (--format matomo), GA4's BigQuery export (--format ga4), an event export (--format segment) or visits.csv",
  sv: {
    reason:
      "bara dagliga webbplatssiffror är inlästa (en aggregerad export som Plausibles); detta kräver varje besök med sin besökare",
    fix: "lägg in spårningsskriptet på webbplatsen (`verity site add NAME --domain D` skriver ut det), eller importera historik per besök: Matomos besökslogg (--format matomo), GA4:s BigQuery-export (--format ga4), en händelseexport (--format segment) eller visits.csv",
  },
} as const;

/**
 * A missing kind of data as a figure's "cannot tell", in both languages; `present` (the
 * workspace's capabilities) tells a workspace of daily totals why they do not do.
 */
export function capabilityUnsupported(
  capability: DataCapability,
  present?: ReadonlySet<DataCapability>,
): {
  reason: string;
  fix: string;
  sv: { reason: string; fix: string };
} {
  if (capability === "web_visits" && present?.has("web_totals")) return ONLY_WEB_TOTALS;
  return {
    reason: CAPABILITY_WORDS[capability],
    fix: CAPABILITY_FIXES[capability],
    sv: { reason: CAPABILITY_WORDS_SV[capability], fix: CAPABILITY_FIXES_SV[capability] },
  };
}

/**
 * Follower counts are a file of their own beside the posts (no capability of their own): a
 * workspace with posts and without them has no followers to count.
 */
export const NO_FOLLOWER_COUNTS = {
  reason: "no follower counts are loaded",
  fix: "import social_follower_snapshots.csv (each network's follower count over time)",
  sv: {
    reason: "inga följarantal är inlästa",
    fix: "importera social_follower_snapshots.csv (varje nätverks följarantal över tid)",
  },
} as const;
