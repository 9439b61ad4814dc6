/**
 * The whole stalled list as CSV (GET /api/stalled.csv, the dashboard's download): streamed in
 * chunks of rows from the kept list, so 52,324 leads (about 6 MB) are never one string.
 *
 * Cells a spreadsheet would take for a formula (text starting with = + - @, a tab or a carriage
 * return) get a leading apostrophe, by the rule every CSV Verity writes for a spreadsheet
 * follows (escapeFormula, src/web/dashboard/csv-formula.ts, shared with the dashboard's
 * downloads): a lead named `=HYPERLINK(...)` in a CRM is shown as text, not run. Numbers are
 * written as numbers (a negative value is not text and is not escaped).
 */
import Papa from "papaparse";
import type { StalledLead, StalledLeadsResult } from "../metrics/results/stalled-leads.js";
import { escapeFormula } from "../web/dashboard/csv-formula.js";

export const CSV_LANGUAGES = ["en", "sv"] as const;
export type CsvLanguage = (typeof CSV_LANGUAGES)[number];

/** Rows per chunk written. */
const CHUNK = 2_000;

type Column = { label: Record<CsvLanguage, string>; value: (lead: StalledLead) => string | number | null };

function columns(basis: StalledLeadsResult["basis"]): Column[] {
  return [
    { label: { en: "Lead id", sv: "Lead-id" }, value: (l) => l.id },
    { label: { en: "Lead", sv: "Lead" }, value: (l) => l.name },
    { label: { en: "Account", sv: "Konto" }, value: (l) => l.account },
    { label: { en: "Owner", sv: "Ägare" }, value: (l) => l.owner?.name ?? null },
    { label: { en: "Stage", sv: "Steg" }, value: (l) => l.stage?.name ?? null },
    { label: { en: "Value", sv: "Värde" }, value: (l) => l.value },
    {
      label:
        basis === "stage" ? { en: "Days in stage", sv: "Dagar i steget" } : { en: "Age in days", sv: "Ålder i dagar" },
      value: (l) => l.days,
    },
    { label: { en: "Won median (days)", sv: "Median för vunna (dagar)" }, value: (l) => l.medianDays },
    { label: { en: "Days over", sv: "Dagar över" }, value: (l) => l.daysOver },
    { label: { en: "Last activity", sv: "Senaste aktivitet" }, value: (l) => l.lastActivity?.date ?? null },
    { label: { en: "Last activity type", sv: "Typ av senaste aktivitet" }, value: (l) => l.lastActivity?.type ?? null },
  ];
}

/** The download's file name: the list's as-of day. */
export function stalledCsvName(result: Pick<StalledLeadsResult, "asOf">): string {
  return `stalled-leads-${result.asOf.slice(0, 10)}.csv`;
}

/** The header and every lead of `leads`, in their order, as a stream of UTF-8 CSV (CRLF lines). */
export function stalledCsv(
  leads: readonly StalledLead[],
  basis: StalledLeadsResult["basis"],
  language: CsvLanguage,
): ReadableStream<Uint8Array> {
  const cols = columns(basis);
  const encoder = new TextEncoder();
  const csv = (rows: (string | number | null)[][]) =>
    `${Papa.unparse(
      rows.map((row) => row.map(escapeFormula)),
      { newline: "\r\n" },
    )}\r\n`;
  let at = -1;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at < 0) {
        controller.enqueue(encoder.encode(csv([cols.map((c) => c.label[language])])));
        at = 0;
        return;
      }
      if (at >= leads.length) {
        controller.close();
        return;
      }
      const rows = leads.slice(at, at + CHUNK).map((lead) => cols.map((c) => c.value(lead)));
      at += CHUNK;
      controller.enqueue(encoder.encode(csv(rows)));
    },
  });
}
