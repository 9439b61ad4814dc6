/**
 * escapeFormula (src/web/dashboard/csv-formula.ts), the one rule of every CSV Verity writes for
 * a spreadsheet (the dashboard's downloads and GET /api/stalled.csv): text that a spreadsheet
 * would run as a formula gets a leading apostrophe; numbers and ordinary text stay as they are.
 * Also the cells as papaparse writes and reads them back, as both writers use it.
 */
import Papa from "papaparse";
import { describe, expect, test } from "vitest";
import { escapeFormula } from "../src/web/dashboard/csv-formula.js";

describe("escapeFormula", () => {
  test("text starting with = + - @, a tab or a carriage return gets a leading apostrophe", () => {
    for (const cell of [
      '=HYPERLINK("https://evil.example","click")',
      "=1+1",
      "+1+1",
      "-2+3",
      "-cmd|' /C calc'!A0",
      "@SUM(A1:A2)",
      "\t=1+1",
      "\r=1+1",
      "=",
      "-",
      "+46 8 123 45 67",
    ]) {
      expect(escapeFormula(cell), JSON.stringify(cell)).toBe(`'${cell}`);
    }
  });

  test("a formula over several lines is caught by its first character", () => {
    const cell = '=HYPERLINK("https://evil.example",\n"click")\nsecond line';
    expect(escapeFormula(cell)).toBe(`'${cell}`);
    expect(escapeFormula("-1+1\r\n-2+2")).toBe("'-1+1\r\n-2+2");
    // papaparse's own default pattern (^[=+\-@\t\r].*$) misses it: why Verity has its own rule.
    expect(Papa.unparse([[cell]], { escapeFormulae: true })).not.toContain(`'=`);
  });

  test("numbers stay numbers, negative ones too, and so does text that is only a number", () => {
    for (const n of [-1, -12.5, 0, 3, -0.001, Number.NEGATIVE_INFINITY]) expect(escapeFormula(n)).toBe(n);
    for (const text of ["-12.5", "-1", "+3", "-1e3", "-.5", "+2.50", "12"]) expect(escapeFormula(text)).toBe(text);
  });

  test("ordinary text, empty cells and absent values are written as they are", () => {
    for (const cell of [
      "Acme AB",
      "Price too high",
      "Competitor: Globex",
      "a=b",
      "x-1",
      " =1+1 leading space",
      "'=already quoted",
      "2026-05-01",
      "",
      "Åsa Öberg",
    ]) {
      expect(escapeFormula(cell), JSON.stringify(cell)).toBe(cell);
    }
    expect(escapeFormula(null)).toBeNull();
    expect(escapeFormula(undefined)).toBeUndefined();
  });

  test("written by papaparse and read back, an escaped cell is the text with its apostrophe; numbers are numbers", () => {
    const rows = [["=1+1", "-2+3\n=4", -7.5, "-7.5", "plain"]];
    const csv = Papa.unparse(
      rows.map((row) => row.map(escapeFormula)),
      { newline: "\r\n" },
    );
    expect(Papa.parse<string[]>(csv, { newline: "\r\n" }).data).toEqual([
      ["'=1+1", "'-2+3\n=4", "-7.5", "-7.5", "plain"],
    ]);
    // The multi-line cell is quoted whole: its second line is inside the cell, apostrophe and all.
    expect(csv).toContain(`"'-2+3\n=4"`);
  });
});
