/**
 * A vanity-check finding in plain words, in English and Swedish, from the same structured
 * finding (its kind, figures, movements and normal ranges). The CLI prints the English, the
 * dashboard shows the reader's language: nothing is translated by guessing at the English.
 */
import type { Format } from "../metrics/metric.js";
import type { Pair, Words } from "./pairs.js";
import type { Judgement } from "./signal.js";
import type { FindingKind } from "./verdict.js";

export type Lang = keyof Words;
export const LANGS: readonly Lang[] = ["en", "sv"];

/** What a sentence needs to know about one figure. */
export type WordedFigure = {
  format: Format;
  value: number | null;
  previous: number | null;
  change: number | null;
  judgement: Judgement | null;
};

export type WordedFinding = {
  kind: FindingKind;
  /** For "no-change": which figure has nothing to compare, and why. */
  noComparison?: { figure: "vanity" | "real"; why: "now" | "before" | "before-data" } | null;
  vanityFigure: WordedFigure;
  realFigure: WordedFigure;
  /** Why the pair cannot be told ("unsupported"), in each language. */
  unsupported?: Words | null;
};

const LOCALE: Record<Lang, string> = { en: "en-GB", sv: "sv-SE" };

const PHRASES = {
  withinVariation: { en: "within normal variation", sv: "inom normal variation" },
  notJudged: { en: "too little history to judge", sv: "för kort historik för att bedöma" },
  normalRange: { en: "normal range", sv: "normalt intervall" },
  bothBetter: { en: "{real} too", sv: "{real} också" },
  improving: { en: "less noise, better results", sv: "mindre brus, bättre resultat" },
  moneyFellRealBetter: {
    en: "sales fell, though {real}",
    sv: "försäljningen föll, men {real}",
  },
  realWorse: { en: "{real}; watch this one", sv: "{real}; håll ögonen på den" },
  noise: { en: "Within normal variation", sv: "Inom normal variation" },
  noChange: {
    en: "No change to compare for {missing}: the earlier period has none.",
    sv: "Ingen förändring att jämföra för {missing}: den tidigare perioden saknar värde.",
  },
  noChangeNow: {
    en: "No change to compare for {missing}: this period has none.",
    sv: "Ingen förändring att jämföra för {missing}: den här perioden saknar värde.",
  },
  noChangeBeforeData: {
    en: "No change to compare for {missing}: the earlier period is before its data began.",
    sv: "Ingen förändring att jämföra för {missing}: den tidigare perioden ligger före datans början.",
  },
  cannotTell: { en: "Cannot tell", sv: "Går inte att avgöra" },
} satisfies Record<string, Words>;

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? `{${key}}`);
}

function capitalise(text: string, lang: Lang): string {
  return text.charAt(0).toLocaleUpperCase(LOCALE[lang]) + text.slice(1);
}

const FORMATS = new Map<string, Intl.NumberFormat>();

/**
 * A number format, made once per language, kind and digits: making an Intl.NumberFormat costs
 * about as much as judging a figure (a check words some 40 numbers; the null simulations'
 * profile had it as a tenth of their CPU), and the few combinations used are kept for good.
 */
function numberFormat(lang: Lang, kind: "plain" | "percent" | "change", digits: number): Intl.NumberFormat {
  const key = `${lang} ${kind} ${digits}`;
  let format = FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat(
      LOCALE[lang],
      kind === "plain"
        ? { maximumFractionDigits: digits }
        : kind === "percent"
          ? { style: "percent", maximumFractionDigits: digits }
          : {
              style: "percent",
              minimumFractionDigits: digits,
              maximumFractionDigits: digits,
              signDisplay: "exceptZero",
            },
    );
    FORMATS.set(key, format);
  }
  return format;
}

/** A relative change as "+74%" / "+74 %", one decimal below 10%. */
export function changeWords(change: number, lang: Lang): string {
  const digits = Math.abs(change) < 0.1 ? 1 : 0;
  const text = numberFormat(lang, "change", digits).format(change);
  // A typographic minus sign in both languages (Intl gives one for Swedish only).
  return text.replace("-", "−");
}

/** A figure's value in its format ("4,401", "17.2%", "35.2 d", "154,142 EUR"). */
export function valueWords(value: number, format: Format, lang: Lang, currency: string | null): string {
  const number = (digits: number) => numberFormat(lang, "plain", digits).format(value).replace("-", "−");
  switch (format) {
    case "percent":
      return numberFormat(lang, "percent", 1).format(value).replace("-", "−");
    case "days":
      return `${number(1)} d`;
    case "money":
      return currency ? `${number(0)} ${currency}` : number(0);
    case "count":
      return number(0);
    default:
      return number(2);
  }
}

/** "+74%", with "(within normal variation)" when the change is not a signal. */
function figureChange(figure: WordedFigure, lang: Lang, currency: string | null = null): string {
  const change = movedWords(figure, lang, currency);
  const movement = figure.judgement?.movement;
  if (movement === "up" || movement === "down") return change;
  const note = movement === null ? PHRASES.notJudged[lang] : PHRASES.withinVariation[lang];
  return `${change} (${note})`.trim();
}

/** "+74%", or "0 → 12" when the earlier value is 0 (no relative change exists). */
function movedWords(figure: WordedFigure, lang: Lang, currency: string | null): string {
  if (figure.change !== null) return changeWords(figure.change, lang);
  if (figure.value === null || figure.previous === null) return "";
  const from = valueWords(figure.previous, figure.format, lang, currency);
  return `${from} → ${valueWords(figure.value, figure.format, lang, currency)}`;
}

function rangeWords(figure: WordedFigure, lang: Lang, currency: string | null): string {
  const range = figure.judgement?.normalRange;
  const change = movedWords(figure, lang, currency);
  if (!range) return change;
  const low = valueWords(Math.max(0, range.low), figure.format, lang, currency);
  const high = valueWords(range.high, figure.format, lang, currency);
  return `${change} (${PHRASES.normalRange[lang]} ${low}–${high})`.trim();
}

/** The finding's sentence in one language. */
export function findingSentence(pair: Pair, finding: WordedFinding, lang: Lang, currency: string | null): string {
  const vanity = pair.vanityWords[lang];
  const realName = pair.realWords[lang];
  const { kind, vanityFigure, realFigure } = finding;
  if (kind === "unsupported") {
    const reason = finding.unsupported?.[lang] ?? "";
    return `${PHRASES.cannotTell[lang]}: ${reason.replace(/\.$/, "")}.`;
  }
  if (kind === "no-change") {
    const lacking = finding.noComparison ?? { figure: vanityFigure.judgement ? "real" : "vanity", why: "before" };
    const missing = lacking.figure === "vanity" ? vanity : realName;
    const phrase =
      lacking.why === "now"
        ? PHRASES.noChangeNow
        : lacking.why === "before-data"
          ? PHRASES.noChangeBeforeData
          : PHRASES.noChange;
    return fill(phrase[lang], { missing });
  }
  if (kind === "noise") {
    return `${PHRASES.noise[lang]}: ${vanity} ${rangeWords(vanityFigure, lang, currency)}, ${realName} ${rangeWords(realFigure, lang, currency)}.`;
  }
  const both = `${capitalise(vanity, lang)} ${figureChange(vanityFigure, lang, currency)}, ${realName} ${figureChange(realFigure, lang, currency)}`;
  const better = pair.realBetter[lang];
  const worse = pair.realWorse[lang];
  const meaning: Record<Exclude<FindingKind, "unsupported" | "no-change" | "noise">, string> = {
    falls: pair.falls[lang],
    flat: pair.flat[lang],
    "both-better": fill(PHRASES.bothBetter[lang], { real: better }),
    improving: pair.vanityFallIsBad
      ? fill(PHRASES.moneyFellRealBetter[lang], { real: better })
      : PHRASES.improving[lang],
    "real-worse": fill(PHRASES.realWorse[lang], { real: worse }),
    "real-better": better,
    "vanity-fell": pair.vanityFell[lang],
  };
  return `${both}: ${meaning[kind]}.`;
}

export function findingWords(pair: Pair, finding: WordedFinding, currency: string | null): Words {
  return { en: findingSentence(pair, finding, "en", currency), sv: findingSentence(pair, finding, "sv", currency) };
}
