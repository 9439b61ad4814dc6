/**
 * The reader's language and the messages in it. The locale is the one chosen in the header
 * (kept in localStorage), else the browser's first language we have, else English.
 */
import { en, type MessageKey } from "./en.js";
import { sv } from "./sv.js";

export type { MessageKey } from "./en.js";

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

/** The language tag Intl formats numbers and dates with in the current locale. */
export function intlTag(): string {
  return INTL_TAG[locale];
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

/** Whether there is a message with this (computed) key. */
export function hasMessage(key: string): boolean {
  return key in en;
}

/** A message whose key is computed (a vanity id, say); the key must exist. */
export function tKey(key: string, params: Record<string, string | number> = {}): string {
  if (!(key in en)) throw new Error(`no message ${key}`);
  return t(key as MessageKey, params);
}
