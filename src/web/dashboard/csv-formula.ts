/**
 * The one rule for every CSV Verity writes for a person to open in a spreadsheet: the
 * dashboard's downloads (chart.ts, made in the browser) and GET /api/stalled.csv
 * (src/server/stalled-csv.ts, made on the server). It lives here because the dashboard loads
 * no code from outside src/web/dashboard (test/architecture.test.ts), while the server, plain
 * Node ESM, can import this file: it uses neither the DOM nor Node, and both builds compile it
 * to the same dist/web/dashboard/csv-formula.js.
 *
 * Text a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage
 * return) gets a leading apostrophe, as Matomo's exports do (ingest/marketing/matomo/csv-visits.ts
 * reads it back off) and as OWASP's CSV-injection advice says: a lead named
 * `=HYPERLINK("https://evil.example","click")` in a CRM is shown as text, not run. The test is
 * on the first character only, so a formula over several lines is caught too (papaparse's own
 * pattern, `^[=+\-@\t\r].*$`, needs the whole cell on one line).
 *
 * Numbers stay numbers: a number is never escaped, nor is text that is only a decimal number
 * ("-12.5", "+3", "-1e3"): it has nothing to run, and a spreadsheet still reads it as the number
 * it is.
 */

/** Text that starts like a formula. */
const FORMULA = /^[=+\-@\t\r]/;
/** Text that is a plain decimal number, sign and exponent allowed: nothing for a spreadsheet to run. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `value` as a CSV cell for a spreadsheet: formula-looking text with a leading apostrophe, anything else as it is. */
export function escapeFormula<T>(value: T): T | string {
  return typeof value === "string" && FORMULA.test(value) && !NUMBER.test(value) ? `'${value}` : value;
}
