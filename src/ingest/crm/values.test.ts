import { describe, expect, test } from "vitest";
import { ImportError } from "../import-error.js";
import { parseSourceText } from "./source-file.js";
import { dateOrderOf, parseAmount, parseTimestamp, toCents } from "./values.js";

const file = (text: string) => parseSourceText("deals.csv", text, "utf-8");

describe("parseTimestamp", () => {
  const one = file("Created\n2025-01-01\n");
  const at = (value: string, order: "dmy" | "mdy" | null = null) => parseTimestamp(one, 2, "Created", value, order);

  test("reads ISO dates and times, converting offsets to UTC", () => {
    expect(at("2025-03-05")).toBe("2025-03-05 00:00:00");
    expect(at("2025-03-05 14:22")).toBe("2025-03-05 14:22:00");
    expect(at("2025-03-05T14:22:10.000Z")).toBe("2025-03-05 14:22:10");
    // 01:30 at +02:00 is 23:30 UTC the day before.
    expect(at("2025-03-05T01:30:00+02:00")).toBe("2025-03-04 23:30:00");
    expect(at("2025-03-05 10:00:00-0500")).toBe("2025-03-05 15:00:00");
  });

  test("reads dotted European dates and slashed dates in the file's order, with AM/PM", () => {
    expect(at("14.02.2024 09:00")).toBe("2024-02-14 09:00:00");
    expect(at("03/04/2025", "dmy")).toBe("2025-04-03 00:00:00");
    expect(at("03/04/2025", "mdy")).toBe("2025-03-04 00:00:00");
    expect(at("3/4/2025 2:05 PM", "mdy")).toBe("2025-03-04 14:05:00");
    expect(at("3/4/2025 12:05 AM", "mdy")).toBe("2025-03-04 00:05:00");
  });

  test("refuses impossible dates, unknown spellings and slashed dates without an order", () => {
    expect(() => at("2025-02-30")).toThrow("2025-02-30 is not a date in the calendar");
    expect(() => at("30.02.2025")).toThrow("not a date in the calendar");
    expect(() => at("Mar 1 2025")).toThrow("is not a date");
    expect(() => at("03/04/2025")).toThrow("--date-format");
    expect(() => at("1850-01-01")).toThrow("outside the years");
    const error = (() => {
      try {
        at("2025-13-01");
      } catch (e) {
        return e as ImportError;
      }
    })();
    expect(error).toBeInstanceOf(ImportError);
    expect([error?.file, error?.line, error?.column]).toEqual(["deals.csv", 2, "Created"]);
  });
});

describe("dateOrderOf", () => {
  test("is proven by a value, or asks for --date-format", () => {
    expect(dateOrderOf(file("Created\n01/02/2025\n25/02/2025\n"), ["Created"], undefined)).toBe("dmy");
    expect(dateOrderOf(file("Created\n01/02/2025\n02/25/2025\n"), ["Created"], undefined)).toBe("mdy");
    expect(dateOrderOf(file("Created\n2025-01-02\n"), ["Created"], undefined)).toBeNull();
    // 05/05 reads the same either way: it proves nothing and needs nothing.
    expect(dateOrderOf(file("Created\n05/05/2025\n"), ["Created"], undefined)).toBeNull();
    expect(() => dateOrderOf(file("Created\n01/02/2025\n03/04/2025\n"), ["Created"], undefined)).toThrow(
      /line 2, column Created: 01\/02\/2025 could be day-first or month-first/,
    );
    expect(dateOrderOf(file("Created\n01/02/2025\n"), ["Created"], "mdy")).toBe("mdy");
    expect(() => dateOrderOf(file("Created\n25/02/2025\n02/25/2025\n"), ["Created"], undefined)).toThrow(
      "mixes date orders",
    );
  });
});

describe("parseAmount and toCents", () => {
  const one = file("Amount\n1\n");
  const amount = (value: string) => parseAmount(one, 2, "Amount", value);

  test("reads the separators users' locales write", () => {
    expect(amount("1234.5")).toBe(1234.5);
    expect(amount("1,234.50")).toBe(1234.5);
    expect(amount("12500,5")).toBe(12500.5);
    expect(amount("1.234,50")).toBe(1234.5);
    expect(amount("1 234,50")).toBe(1234.5);
    expect(amount("1.234.567")).toBe(1234567);
    expect(amount("$1,200")).toBe(1200);
    expect(amount("EUR 99,90")).toBe(99.9);
    expect(amount("-15.25")).toBe(-15.25);
    expect(amount("(15.25)")).toBe(-15.25);
    expect(amount("9225.225")).toBe(9225.225);
    expect(amount("")).toBeNull();
  });

  test("a lone separator before three digits is read as the file's locale writes it", () => {
    // A semicolon file comes from a decimal-comma locale: 1.500 is fifteen hundred.
    const european = parseSourceText("deals.csv", "Amount;Name\n1;a\n", "utf-8");
    expect(parseAmount(european, 2, "Amount", "1.500")).toBe(1500);
    expect(parseAmount(european, 2, "Amount", "0,125")).toBe(0.125);
    expect(parseAmount(european, 2, "Amount", "12,5")).toBe(12.5);
    // A comma file: the comma groups thousands, the dot is the decimal mark.
    expect(amount("1,500")).toBe(1500);
    expect(amount("1.500")).toBe(1.5);
    // A tab file could be either: refused, not guessed.
    const tabbed = parseSourceText("deals.txt", "Amount\tName\n1\ta\n", "utf-16le");
    expect(() => parseAmount(tabbed, 2, "Amount", "1.500")).toThrow('"1.500" could be 1500 or 1.500');
    expect(parseAmount(tabbed, 2, "Amount", "1.50")).toBe(1.5);
  });

  test("refuses what is not an amount", () => {
    expect(() => amount("twelve")).toThrow('"twelve" is not an amount');
    expect(() => amount("1,23,4")).toThrow("is not an amount");
  });

  test("rounds half away from zero to cents", () => {
    expect(toCents(9225.225)).toBe("9225.23");
    expect(toCents(-0.005)).toBe("-0.01");
    expect(toCents(1.005)).toBe("1.01");
    expect(toCents(0)).toBe("0.00");
    expect(toCents(16120999.999999998)).toBe("16121000.00");
  });
});
