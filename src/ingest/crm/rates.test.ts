import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { money, readRates } from "./rates.js";

async function ratesFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "verity-rates-"));
  const file = join(dir, "rates.csv");
  await writeFile(file, text);
  return file;
}

const where = { file: "Opportunity.csv", line: 5, column: "CurrencyIsoCode" };

describe("rates", () => {
  test("convert into the reporting currency named by the header, and refuse a currency without a rate", async () => {
    const rates = await readRates(await ratesFile("currency,rate_to_EUR\nEUR,1\nSEK,0.085\nusd,0.9\n"));
    expect(rates.reporting).toBe("EUR");
    // 100,000 SEK x 0.085 = 8,500 EUR; 1,000.005 USD x 0.9 = 900.0045 -> 900.00.
    expect(money(100_000, "SEK", rates, where)).toEqual({ value: "8500.00", currency: "EUR" });
    expect(money(1000.005, "usd", rates, where)).toEqual({ value: "900.00", currency: "EUR" });
    expect(money(null, "SEK", rates, where)).toEqual({ value: "", currency: "" });
    expect(() => money(10, "NOK", rates, where)).toThrow(
      /Opportunity.csv, line 5, column CurrencyIsoCode: no rate for NOK in .*rates.csv/,
    );
  });

  test("without a rates file amounts keep their own currency", () => {
    expect(money(12.345, "sek", null, where)).toEqual({ value: "12.35", currency: "SEK" });
    expect(() => money(1, "kronor", null, where)).toThrow("is not a currency code");
  });

  test("a rates file must name the reporting currency with rate 1", async () => {
    await expect(readRates(await ratesFile("currency,rate\nEUR,1\n"))).rejects.toThrow("rate_to_XXX");
    await expect(readRates(await ratesFile("currency,rate_to_EUR\nSEK,0.085\n"))).rejects.toThrow(
      "EUR must be listed with rate 1",
    );
    await expect(readRates(await ratesFile("currency,rate_to_EUR\nEUR,1\nSEK,0\n"))).rejects.toThrow(
      /line 3, column rate_to_EUR: a rate above 0/,
    );
  });
});
