/**
 * Currency conversion for CRM imports (`verity import --rates FILE`).
 *
 * The rates file is a CSV `currency,rate_to_<REPORTING>`, e.g. `rate_to_EUR`: one unit of
 * `currency` is worth `rate` units of the reporting currency, which must itself be listed
 * with rate 1. One rate per currency, applied whatever the amount's date (a dated rate table
 * is future work). With a rates file every amount is converted and an amount in a currency
 * the file lacks stops the import; without one, amounts keep their own currency and the
 * metrics report the most common currency, counting the others apart (never mixed).
 */
import { ImportError } from "../import-error.js";
import { readSourceFile } from "./source-file.js";
import { parseAmount, toCents } from "./values.js";

export type Rates = {
  file: string;
  reporting: string;
  rates: ReadonlyMap<string, number>;
};

const CURRENCY = /^[A-Z]{3}$/;

export async function readRates(file: string): Promise<Rates> {
  const source = await readSourceFile(file, ["currency"]);
  const rateColumn = source.header.find((name) => /^rate_to_[A-Za-z]{3}$/.test(name));
  if (!rateColumn) {
    throw new ImportError(
      file,
      1,
      null,
      "the header needs a column rate_to_XXX naming the reporting currency (e.g. rate_to_EUR)",
    );
  }
  const reporting = rateColumn.slice("rate_to_".length).toUpperCase();
  const rates = new Map<string, number>();
  for (const row of source.rows) {
    const currency = row.get("currency").toUpperCase();
    if (!CURRENCY.test(currency)) {
      throw new ImportError(
        file,
        row.line,
        "currency",
        `${JSON.stringify(currency)} is not a three-letter currency code`,
      );
    }
    if (rates.has(currency)) throw new ImportError(file, row.line, "currency", `${currency} is listed twice`);
    const rate = parseAmount(source, row.line, rateColumn, row.get(rateColumn));
    if (rate === null || !(rate > 0)) {
      throw new ImportError(file, row.line, rateColumn, "a rate above 0 is required");
    }
    rates.set(currency, rate);
  }
  const own = rates.get(reporting);
  if (own !== 1) {
    throw new ImportError(
      file,
      null,
      rateColumn,
      `the reporting currency ${reporting} must be listed with rate 1${own === undefined ? "" : ` (it has ${own})`}`,
    );
  }
  return { file, reporting, rates };
}

/**
 * An amount in `currency` as canonical value and currency: converted with `rates` when
 * given (a currency without a rate is an error at `where`), else kept in its own currency.
 */
export function money(
  amount: number | null,
  currency: string,
  rates: Rates | null,
  where: { file: string; line: number; column: string },
): { value: string; currency: string } {
  if (amount === null) return { value: "", currency: "" };
  const code = currency.trim().toUpperCase();
  if (!CURRENCY.test(code)) {
    throw new ImportError(
      where.file,
      where.line,
      where.column,
      `${JSON.stringify(currency)} is not a currency code (such as EUR)`,
    );
  }
  if (!rates) return { value: toCents(amount), currency: code };
  const rate = rates.rates.get(code);
  if (rate === undefined) {
    throw new ImportError(
      where.file,
      where.line,
      where.column,
      `no rate for ${code} in ${rates.file}; add a line "${code},<rate>" (amounts are never mixed across currencies)`,
    );
  }
  return { value: toCents(amount * rate), currency: rates.reporting };
}
