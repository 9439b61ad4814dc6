/**
 * Every string the dashboard shows, in English and Swedish, and numbers and dates in the
 * reader's locale: the one module pages import. The catalogues are i18n/en.ts and i18n/sv.ts
 * (a key missing from one is a type error, so a language cannot fall behind silently), the
 * locale and message lookup i18n/locale.ts, the formatting i18n/format.ts.
 */
export { type Format, formatChange, formatDate, formatValue } from "./i18n/format.js";
export {
  currentLocale,
  hasMessage,
  LOCALES,
  type Locale,
  type MessageKey,
  setLocale,
  t,
  tKey,
} from "./i18n/locale.js";
